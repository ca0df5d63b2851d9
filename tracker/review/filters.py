"""The review queue's filters: by cycle, recommendation, reporting party and activity."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.widgets import select_widget
from roadmap.models import Recommendation
from tracker.updates.filters import PartyUpdateFilter, cycle_filter


def recommendation_choices():
    return [(r.number, str(r)) for r in Recommendation.objects.order_by("number", "pk")]


class ReviewFilter(PartyUpdateFilter):
    cycle = cycle_filter(empty_label=_("Any cycle"))
    recommendation = django_filters.ChoiceFilter(
        label=_("Recommendation"),
        field_name="activity__recommendation__number",
        choices=recommendation_choices,
        empty_label=_("All recommendations"),
        widget=select_widget(),
    )

    class Meta(PartyUpdateFilter.Meta):
        fields = ["q", "cycle", "recommendation", "member_state", "body"]
