import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.widgets import search_widget, select_widget
from roadmap.models import (
    Activity,
    ActivityStatus,
    Body,
    Flag,
    MemberState,
    Milestone,
    MilestoneState,
    Recommendation,
)


# The filters the plan's lists and the record's lists share, so each reads and behaves the same
# everywhere; `options` add a field_name or a method.
def recommendation_filter(**options):
    return django_filters.ModelChoiceFilter(
        label=_("Recommendation"),
        queryset=Recommendation.objects.order_by("number"),
        empty_label=_("All recommendations"),
        widget=select_widget(),
        **options,
    )


def member_state_filter(**options):
    return django_filters.ModelChoiceFilter(
        label=_("Member state"),
        queryset=MemberState.objects.order_by("name"),
        to_field_name="iso2",
        empty_label=_("Any member state"),
        widget=select_widget(),
        **options,
    )


def body_filter(**options):
    return django_filters.ModelChoiceFilter(
        label=_("Body"),
        queryset=Body.objects.order_by("acronym"),
        to_field_name="acronym",
        empty_label=_("Any body"),
        widget=select_widget(),
        **options,
    )


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        widget=search_widget(_("Code, title, outputs…")),
    )
    recommendation = recommendation_filter()
    member_state = member_state_filter(method="filter_member_state")
    body = body_filter(method="filter_body")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ActivityStatus.choices, empty_label=_("Any status"), widget=select_widget()
    )
    flag = django_filters.ChoiceFilter(
        label=_("Flag"), choices=Flag.choices, empty_label=_("Any flag"), widget=select_widget()
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"),
        method="filter_overdue",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = Activity
        fields = ["q", "recommendation", "member_state", "body", "status", "flag", "overdue"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(title__icontains=value)
            | Q(title_vi__icontains=value)
            | Q(description__icontains=value)
            | Q(expected_outputs__icontains=value)
        )

    def filter_member_state(self, queryset, name, value):
        # A subquery rather than a join, so the list needs no DISTINCT and stays sortable.
        ids = Activity.objects.involving_member_state(value).values("pk")
        return queryset.filter(pk__in=ids) if value else queryset

    def filter_body(self, queryset, name, value):
        ids = Activity.objects.involving_body(value).values("pk")
        return queryset.filter(pk__in=ids) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Activity.objects.overdue().values("pk"))


class MilestoneFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=MilestoneState.choices,
        field_name="state_value",
        empty_label=_("Any state"),
        widget=select_widget(),
    )
    recommendation = recommendation_filter(field_name="activity__recommendation")
    member_state = member_state_filter(method="filter_member_state")

    class Meta:
        model = Milestone
        fields = ["state", "recommendation", "member_state"]

    def filter_member_state(self, queryset, name, value):
        ids = Activity.objects.involving_member_state(value).values("pk")
        return queryset.filter(activity__in=ids)
