from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, TemplateView
from django.views.generic.edit import CreateView, UpdateView
from django_tables2 import SingleTableMixin
from rules.contrib.views import PermissionRequiredMixin

from core.views import BoundedLazyPaginator, FilteredTableView, ObjectPermissionMixin, ServiceFormMixin
from roadmap import exports, extensions, selectors, services
from roadmap.filters import ActivityFilter, MilestoneFilter
from roadmap.history import activity_history
from roadmap.models import (
    Activity,
    Indicator,
    Milestone,
    Recommendation,
    Roadmap,
)
from roadmap.plan.forms import ActivityForm, IndicatorForm, MilestoneForm
from roadmap.plan.tables import ActivityTable, MilestoneTable


class RecommendationListView(PermissionRequiredMixin, TemplateView):
    permission_required = "roadmap.view_recommendation"
    template_name = "roadmap/recommendation_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["progress"] = selectors.recommendation_progress()
        return context


class RecommendationDetailView(ObjectPermissionMixin, SingleTableMixin, DetailView):
    permission_required = "roadmap.view_recommendation"
    template_name = "roadmap/recommendation_detail.html"
    table_class = ActivityTable
    paginator_class = BoundedLazyPaginator
    table_pagination = {"per_page": 50}

    def find_object(self, queryset=None):
        return get_object_or_404(Recommendation, number=self.kwargs["number"])

    def get_table_data(self):
        return self.object.activities.for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        (context["progress"],) = selectors.recommendation_progress(
            Recommendation.objects.filter(pk=self.object.pk)
        )
        context["indicators"] = self.object.indicators.all()
        return context


class ExportMixin:
    """`?export=csv` or `?export=xlsx` exports the filtered list instead of showing a page."""

    export_stem = "export"

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get("export")
        if export_format in ("csv", "xlsx"):
            if not request.user.has_perm("roadmap.export_activities"):
                raise PermissionDenied
            filterset = self.get_filterset(self.get_filterset_class())
            queryset = filterset.qs if filterset.is_valid() else self.get_queryset().none()
            if export_format == "csv":
                return exports.csv_response(queryset, stem=self.export_stem)
            return exports.xlsx_response(queryset, stem=self.export_stem)
        return super().get(request, *args, **kwargs)


class ActivityListView(ExportMixin, FilteredTableView):
    permission_required = "roadmap.view_activity"
    template_name = "roadmap/activity_list.html"
    model = Activity
    table_class = ActivityTable
    filterset_class = ActivityFilter
    export_stem = "activities"

    def get_queryset(self):
        return Activity.objects.for_list()


class ActivityDetailView(ObjectPermissionMixin, DetailView):
    permission_required = "roadmap.view_activity"
    template_name = "roadmap/activity_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"
    context_object_name = "activity"

    def get_queryset(self):
        return Activity.objects.select_related("recommendation", "roadmap").prefetch_related(
            "lead_member_states",
            "lead_bodies",
            "participating_member_states",
            "supporting_bodies",
            Prefetch("milestones", queryset=Milestone.objects.in_date_order()),
            Prefetch("indicators", queryset=Indicator.objects.order_by("id")),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = activity_history(self.object)
        context["panels"] = extensions.render_activity_panels(self.request, self.object)
        return context


class ActivityCreateView(PermissionRequiredMixin, ServiceFormMixin, CreateView):
    permission_required = "roadmap.add_activity"
    form_class = ActivityForm
    template_name = "roadmap/activity_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["roadmap"] = Roadmap.objects.first()
        recommendation = self.request.GET.get("recommendation")
        if recommendation and self.request.method != "POST":
            kwargs.setdefault("initial", {})["recommendation"] = Recommendation.objects.filter(
                number=recommendation
            ).first()
        return kwargs

    def save_through_service(self, form):
        self.object = services.activity_create(
            activity=form.instance, m2m=form.m2m_data(), acting_user=self.request.user
        )

    def success_text(self):
        return _("Activity %(code)s created.") % {"code": self.object.code}


class ActivityUpdateView(ObjectPermissionMixin, ServiceFormMixin, UpdateView):
    permission_required = "roadmap.change_activity"
    form_class = ActivityForm
    template_name = "roadmap/activity_form.html"
    slug_field = "code"
    slug_url_kwarg = "code"
    model = Activity

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["roadmap"] = self.object.roadmap
        return kwargs

    def save_through_service(self, form):
        services.activity_update(
            activity=form.instance,
            m2m=form.m2m_data(),
            expected_version=form.expected_version,
            reason=form.cleaned_data.get("change_reason", ""),
            acting_user=self.request.user,
        )

    def success_text(self):
        return _("Activity %(code)s saved.") % {"code": self.object.code}


class PlanChildCreateView(PermissionRequiredMixin, ServiceFormMixin, CreateView):
    """Adds a milestone or an indicator through its create service."""

    record_name = ""  # the service's keyword for the record: "milestone", "indicator"
    create_service = None
    created_text = ""

    def save_through_service(self, form):
        self.object = self.create_service(**{self.record_name: form.instance}, acting_user=self.request.user)

    def success_text(self):
        return self.created_text


class PlanChildUpdateView(ObjectPermissionMixin, ServiceFormMixin, UpdateView):
    """Edits a milestone or an indicator through its update service, refusing stale versions."""

    record_name = ""
    update_service = None
    saved_text = ""

    def save_through_service(self, form):
        self.update_service(
            **{self.record_name: form.instance},
            expected_version=form.expected_version,
            reason=form.cleaned_data.get("change_reason", ""),
            acting_user=self.request.user,
        )

    def success_text(self):
        return self.saved_text


class ActivityChildMixin:
    """Views of milestones and indicators reached through their activity's code."""

    def dispatch(self, request, *args, **kwargs):
        self.activity = get_object_or_404(Activity, code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def find_object(self, queryset=None):
        return get_object_or_404(self.model, pk=self.kwargs["pk"], activity=self.activity)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "activity": self.activity}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["activity"] = self.activity
        return context

    def get_success_url(self):
        return self.activity.get_absolute_url()


class RecommendationChildMixin:
    """Indicators that hang on a whole recommendation, reached through its number."""

    def dispatch(self, request, *args, **kwargs):
        self.recommendation = get_object_or_404(Recommendation, number=kwargs["number"])
        return super().dispatch(request, *args, **kwargs)

    def find_object(self, queryset=None):
        return get_object_or_404(self.model, pk=self.kwargs["pk"], recommendation=self.recommendation)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "recommendation": self.recommendation}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recommendation"] = self.recommendation
        return context

    def get_success_url(self):
        return self.recommendation.get_absolute_url()


class MilestoneFormMixin:
    model = Milestone
    form_class = MilestoneForm
    template_name = "roadmap/milestone_form.html"
    record_name = "milestone"
    create_service = staticmethod(services.milestone_create)
    update_service = staticmethod(services.milestone_update)
    created_text = gettext_lazy("Milestone added.")
    saved_text = gettext_lazy("Milestone saved.")


class IndicatorFormMixin:
    model = Indicator
    form_class = IndicatorForm
    template_name = "roadmap/indicator_form.html"
    record_name = "indicator"
    create_service = staticmethod(services.indicator_create)
    update_service = staticmethod(services.indicator_update)
    created_text = gettext_lazy("Indicator added.")
    saved_text = gettext_lazy("Indicator saved.")


class MilestoneCreateView(ActivityChildMixin, MilestoneFormMixin, PlanChildCreateView):
    permission_required = "roadmap.add_milestone"


class MilestoneUpdateView(ActivityChildMixin, MilestoneFormMixin, PlanChildUpdateView):
    permission_required = "roadmap.change_milestone"


class IndicatorCreateView(ActivityChildMixin, IndicatorFormMixin, PlanChildCreateView):
    permission_required = "roadmap.add_indicator"


class IndicatorUpdateView(ActivityChildMixin, IndicatorFormMixin, PlanChildUpdateView):
    permission_required = "roadmap.change_indicator"


class RecommendationIndicatorCreateView(RecommendationChildMixin, IndicatorFormMixin, PlanChildCreateView):
    permission_required = "roadmap.add_indicator"


class RecommendationIndicatorUpdateView(RecommendationChildMixin, IndicatorFormMixin, PlanChildUpdateView):
    permission_required = "roadmap.change_indicator"


class MilestoneListView(FilteredTableView):
    permission_required = "roadmap.view_milestone"
    template_name = "roadmap/milestone_list.html"
    model = Milestone
    table_class = MilestoneTable
    filterset_class = MilestoneFilter
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return Milestone.objects.with_state().select_related("activity")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overdue_count"] = Milestone.objects.overdue().count()
        context["due_soon_count"] = Milestone.objects.with_state().filter(state_value="due_soon").count()
        return context
