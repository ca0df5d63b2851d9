import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from roadmap.models import Body, MemberState, Recommendation
from tracker.models import ProgressUpdate, ReportingCycle, UpdateState


def _select(**attrs):
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


class UpdateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Activity"),
        method="filter_activity",
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Code or title…")}
        ),
    )
    cycle = django_filters.ModelChoiceFilter(
        label=_("Cycle"),
        queryset=ReportingCycle.objects.order_by("-period_start"),
        to_field_name="slug",
        empty_label=_("All cycles"),
        widget=_select(),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=UpdateState.choices, empty_label=_("Any state"), widget=_select()
    )
    recommendation = django_filters.ModelChoiceFilter(
        label=_("Recommendation"),
        field_name="activity__recommendation",
        queryset=Recommendation.objects.order_by("number"),
        empty_label=_("All recommendations"),
        widget=_select(),
    )
    member_state = django_filters.ModelChoiceFilter(
        label=_("Member state"),
        queryset=MemberState.objects.order_by("name"),
        to_field_name="iso2",
        empty_label=_("Any member state"),
        widget=_select(),
    )
    body = django_filters.ModelChoiceFilter(
        label=_("Body"),
        queryset=Body.objects.order_by("acronym"),
        to_field_name="acronym",
        empty_label=_("Any body"),
        widget=_select(),
    )

    class Meta:
        model = ProgressUpdate
        fields = ["q", "cycle", "state", "recommendation", "member_state", "body"]

    def filter_activity(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(activity__code__icontains=value)
            | Q(activity__title__icontains=value)
            | Q(activity__title_vi__icontains=value)
        )
