import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.widgets import search_widget, select_widget
from roadmap.filters import body_filter, member_state_filter, recommendation_filter
from tracker.models import ProgressUpdate, ReportingCycle, UpdateState


def cycle_filter(empty_label):
    return django_filters.ModelChoiceFilter(
        label=_("Cycle"),
        queryset=ReportingCycle.objects.order_by("-period_start"),
        to_field_name="slug",
        empty_label=empty_label,
        widget=select_widget(),
    )


class PartyUpdateFilter(django_filters.FilterSet):
    """What every list of updates filters by: the activity's code or title, and the reporting party."""

    q = django_filters.CharFilter(
        label=_("Activity"),
        method="filter_activity",
        widget=search_widget(_("Code or title…")),
    )
    member_state = member_state_filter()
    body = body_filter()

    class Meta:
        model = ProgressUpdate
        fields = ["q", "member_state", "body"]

    def filter_activity(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(activity__code__icontains=value)
            | Q(activity__title__icontains=value)
            | Q(activity__title_vi__icontains=value)
        )


class UpdateFilter(PartyUpdateFilter):
    cycle = cycle_filter(empty_label=_("All cycles"))
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=UpdateState.choices, empty_label=_("Any state"), widget=select_widget()
    )
    recommendation = recommendation_filter(field_name="activity__recommendation")

    class Meta(PartyUpdateFilter.Meta):
        fields = ["q", "cycle", "state", "recommendation", "member_state", "body"]
