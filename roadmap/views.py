from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.edit import CreateView, UpdateView
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin
from rules.contrib.views import PermissionRequiredMixin

from roadmap import charts, exports, extensions, selectors, services
from roadmap.filters import ActivityFilter, MilestoneFilter, TimelineFilter
from roadmap.forms import ActivityForm, DashboardFilterForm, IndicatorForm, MilestoneForm, attach_error
from roadmap.history import activity_history
from roadmap.models import (
    Activity,
    ActivityStatus,
    Body,
    CountryFigure,
    Indicator,
    MemberState,
    Milestone,
    MilestoneState,
    Recommendation,
    Roadmap,
)
from roadmap.tables import ActivityTable, MilestoneTable


class ObjectPermissionMixin(PermissionRequiredMixin):
    """Permission check on the page's object, which is then loaded once, not twice."""

    def get_object(self, queryset=None):
        if not hasattr(self, "_object"):
            self._object = self.find_object(queryset)
        return self._object

    def find_object(self, queryset=None):
        return super().get_object(queryset)


class DashboardView(PermissionRequiredMixin, TemplateView):
    """Progress at a glance, for all of ASEAN or one member state or body (a reporter's own first)."""

    permission_required = "roadmap.view_activity"
    template_name = "roadmap/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member_states = list(MemberState.objects.order_by("name"))
        bodies = list(Body.objects.order_by("acronym"))
        form = DashboardFilterForm(
            self.request.GET, member_states=member_states, bodies=bodies, user=self.request.user
        )
        filters = form.filters()
        member_state, body = filters["member_state"], filters["body"]
        activities = selectors.activities_for(member_state, body)
        recommendations = list(Recommendation.objects.order_by("number"))

        progress = selectors.recommendation_progress(recommendations, activities)
        status_totals = selectors.status_totals(activities)
        shown_states = [member_state] if member_state else member_states
        participation = selectors.participation(shown_states, recommendations, activities)
        # The activity list and the timeline take the same filters, by the same names.
        chosen = {"member_state": member_state and member_state.iso2, "body": body and body.acronym}
        list_query = urlencode({key: value for key, value in chosen.items() if value})
        context.update(
            {
                "roadmap": Roadmap.objects.first(),
                "filter_form": form,
                "filters": filters,
                "defaulted": form.defaulted and (member_state or body) is not None,
                "list_query": list_query,
                "progress": progress,
                "status_totals": status_totals,
                "activity_total": sum(n for _s, n in status_totals),
                "overdue_activities": activities.overdue().count(),
                "progress_chart": self.progress_chart(progress),
                "completion_chart": self.completion_chart(progress),
                "participation_chart": self.participation_chart(participation, recommendations),
                "panels": extensions.render_dashboard_panels(self.request, filters),
                **selectors.milestones_for_dashboard(activities),
            }
        )
        return context

    @staticmethod
    def progress_chart(progress):
        return charts.stacked_bars(
            chart_id="chart-status-mix",
            title=_("Activities by status, per recommendation"),
            description=_(
                "For each recommendation, how many of its activities are not started, ongoing, "
                "delayed, completed or discontinued."
            ),
            categories=[str(p.recommendation) for p in progress],
            series=[
                (
                    str(status.label),
                    charts.STATUS_COLOURS[status.value],
                    [p.by_status.get(status.value, 0) for p in progress],
                )
                for status in ActivityStatus
            ],
        )

    @staticmethod
    def completion_chart(progress):
        return charts.bars(
            chart_id="chart-completion",
            title=_("Average percent complete, per recommendation"),
            description=_("The average percent complete of each recommendation's activities."),
            categories=[str(p.recommendation) for p in progress],
            values=[p.average_percent for p in progress],
        )

    @staticmethod
    def participation_chart(participation, recommendations):
        values, annotations = [], []
        for row in participation:
            values.append([cell.average_percent for cell in row.cells])
            annotations.append(
                [
                    f"{cell.count} · {charts.number(cell.average_percent)}%" if cell.count else ""
                    for cell in row.cells
                ]
            )
        return charts.heatmap(
            chart_id="chart-participation",
            title=_("Member states and recommendations"),
            description=_(
                "For each member state and recommendation: the number of activities the member state "
                "leads or takes part in, and their average percent complete. Darker cells are further "
                "along; a dash means none."
            ),
            row_labels=[row.member_state.local_name for row in participation],
            column_labels=[str(r) for r in recommendations],
            values=values,
            annotations=annotations,
        )


class TimelineView(PermissionRequiredMixin, FilterView):
    """The activities on a time axis, planned against baseline, per recommendation; printable."""

    permission_required = "roadmap.view_activity"
    template_name = "roadmap/timeline.html"
    model = Activity
    filterset_class = TimelineFilter

    def get_queryset(self):
        return (
            Activity.objects.select_related("recommendation")
            .prefetch_related(
                Prefetch("milestones", queryset=Milestone.objects.order_by("planned_date", "id"))
            )
            .order_by("recommendation__number", "sequence", "code")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # FilterView has applied the filters, or emptied the list when one is invalid.
        activities = list(self.object_list)
        today = timezone.localdate()
        groups = {}
        for activity in activities:
            recommendation = activity.recommendation
            key = recommendation.number if recommendation else 0
            if key not in groups:
                label = str(recommendation) if recommendation else _("The roadmap as a whole")
                groups[key] = {"key": key, "label": label, "activities": [], "rows": []}
            groups[key]["activities"].append(activity)
            groups[key]["rows"].append(self.gantt_row(activity))
        # One time axis for every chart, so the recommendations compare at a glance.
        start, end = charts.span_for([row for group in groups.values() for row in group["rows"]], today)
        ordered = [groups[key] for key in sorted(groups, key=lambda k: (k == 0, k))]
        for group in ordered:
            group["chart"] = charts.gantt(
                chart_id=f"chart-timeline-{group['key']}",
                title=_("Timeline: %(recommendation)s") % {"recommendation": group["label"]},
                description=_(
                    "Each activity's planned dates (coloured by status, filled to its percent complete) "
                    "over its baseline dates (thin grey bar), its milestones and today's date."
                ),
                start=start,
                end=end,
                today=today,
                rows=group["rows"],
            )
        context.update(
            {
                "today": today,
                "activity_count": len(activities),
                "groups": ordered,
                "status_legend": [(status, charts.STATUS_COLOURS[status.value]) for status in ActivityStatus],
                "milestone_legend": [
                    (state, charts.MILESTONE_COLOURS[state.value]) for state in MilestoneState
                ],
            }
        )
        return context

    @staticmethod
    def gantt_row(activity):
        return charts.GanttRow(
            label=str(activity),
            href=activity.get_absolute_url(),
            planned_start=activity.planned_start,
            planned_end=activity.planned_end,
            baseline_start=activity.baseline_start,
            baseline_end=activity.baseline_end,
            status=activity.status,
            percent=activity.percent_complete,
            milestones=[
                # Achieved milestones sit where they were achieved, the others where planned.
                charts.GanttMilestone(
                    label=milestone.local_title,
                    date=milestone.actual_date or milestone.planned_date,
                    state=milestone.state.value,
                )
                for milestone in activity.milestones.all()
            ],
        )


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
    paginator_class = LazyPaginator
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


class ActivityListView(PermissionRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    permission_required = "roadmap.view_activity"
    template_name = "roadmap/activity_list.html"
    model = Activity
    table_class = ActivityTable
    filterset_class = ActivityFilter
    paginator_class = LazyPaginator
    table_pagination = {"per_page": 25}
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
            Prefetch("milestones", queryset=Milestone.objects.order_by("planned_date", "id")),
            Prefetch("indicators", queryset=Indicator.objects.order_by("id")),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = activity_history(self.object)
        context["panels"] = extensions.render_activity_panels(self.request, self.object)
        return context


class PlanFormMixin:
    """Shared by the plan's create and edit views: service call, conflict and error handling."""

    def form_invalid(self, form):
        messages.error(self.request, _("Please correct the errors below; nothing was saved."))
        return super().form_invalid(form)

    def save_through_service(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.save_through_service(form)
        except services.StaleVersionError as conflict:
            form.add_error(
                None,
                _(
                    "Someone else saved this record while you were editing it (now version "
                    "%(version)s). Your changes are still in the form below and were not saved: "
                    "reload the page to see the latest version, then apply your changes again."
                )
                % {"version": conflict.current.version},
            )
            form.conflict = True
            return self.form_invalid(form)
        except ValidationError as error:
            attach_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_text())
        return HttpResponseRedirect(self.get_success_url())


class ActivityCreateView(PermissionRequiredMixin, PlanFormMixin, CreateView):
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


class ActivityUpdateView(ObjectPermissionMixin, PlanFormMixin, UpdateView):
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


class PlanChildCreateView(PermissionRequiredMixin, PlanFormMixin, CreateView):
    """Adds a milestone or an indicator through its create service."""

    record_name = ""  # the service's keyword for the record: "milestone", "indicator"
    create_service = None
    created_text = ""

    def save_through_service(self, form):
        self.object = self.create_service(**{self.record_name: form.instance}, acting_user=self.request.user)

    def success_text(self):
        return self.created_text


class PlanChildUpdateView(ObjectPermissionMixin, PlanFormMixin, UpdateView):
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


class MilestoneListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "roadmap.view_milestone"
    template_name = "roadmap/milestone_list.html"
    model = Milestone
    table_class = MilestoneTable
    filterset_class = MilestoneFilter
    paginator_class = LazyPaginator
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return Milestone.objects.with_state().select_related("activity")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overdue_count"] = Milestone.objects.overdue().count()
        context["due_soon_count"] = Milestone.objects.with_state().filter(state_value="due_soon").count()
        return context


class MemberStateListView(PermissionRequiredMixin, ListView):
    permission_required = "roadmap.view_memberstate"
    template_name = "roadmap/member_state_list.html"
    context_object_name = "member_states"

    def get_queryset(self):
        return MemberState.objects.annotate(
            led_count=Count("activities_led", distinct=True),
            joined_count=Count("activities_joined", distinct=True),
        ).order_by("name")


class MemberStateDetailView(ObjectPermissionMixin, DetailView):
    permission_required = "roadmap.view_memberstate"
    template_name = "roadmap/member_state_detail.html"
    context_object_name = "member_state"
    slug_field = "iso2"
    slug_url_kwarg = "iso2"

    def find_object(self, queryset=None):
        return get_object_or_404(MemberState, iso2=self.kwargs["iso2"].upper())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.object
        context["strategies"] = state.strategies.order_by("year", "name")
        context["figures"] = state.figures.order_by("metric", "year")
        context["asean_figures"] = CountryFigure.objects.filter(member_state__isnull=True)
        context["activities_led"] = state.activities_led.for_list()
        context["activities_joined"] = state.activities_joined.for_list()
        context["focal_points"] = state.users.filter(is_active=True, role="focal_point")
        context["agencies"] = state.agencies.all()
        return context


class BodyListView(PermissionRequiredMixin, ListView):
    permission_required = "roadmap.view_body"
    template_name = "roadmap/body_list.html"
    context_object_name = "bodies"

    def get_queryset(self):
        return (
            Body.objects.select_related("parent", "member_state")
            .annotate(
                led_count=Count("activities_led", distinct=True),
                supported_count=Count("activities_supported", distinct=True),
            )
            .order_by("kind", "acronym")
        )


class BodyDetailView(ObjectPermissionMixin, DetailView):
    permission_required = "roadmap.view_body"
    template_name = "roadmap/body_detail.html"
    context_object_name = "body"
    slug_field = "acronym"
    slug_url_kwarg = "acronym"

    def get_queryset(self):
        return Body.objects.select_related("parent", "member_state")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        body = self.object
        context["children"] = body.children.order_by("acronym")
        context["activities_led"] = body.activities_led.for_list()
        context["activities_supported"] = body.activities_supported.for_list()
        context["representatives"] = body.users.filter(Q(is_active=True) & Q(role="body_representative"))
        return context
