"""The directory: member states (with their national strategies and figures) and bodies."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from rules.contrib.views import PermissionRequiredMixin

from core.views import ObjectPermissionMixin
from roadmap.models import STRATEGY_ORDER, Body, CountryFigure, MemberState


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
        context["strategies"] = state.strategies.order_by(*STRATEGY_ORDER)
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
