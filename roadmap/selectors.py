"""Reads that pages share: each runs a fixed number of queries, whatever the size of the plan."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from core.numbers import average, share
from roadmap.models import Activity, ActivityStatus, Milestone, Recommendation

# How far ahead the dashboard looks for milestones falling due.
DASHBOARD_DUE_DAYS = 90


def activities_for(member_state=None, body=None):
    """Activities the member state leads or takes part in and the body leads or supports.

    Subqueries rather than joins, so the result needs no DISTINCT and can be aggregated; with
    neither given, every activity.
    """
    activities = Activity.objects.all()
    if member_state is not None:
        activities = activities.filter(
            pk__in=Activity.objects.involving_member_state(member_state).values("pk")
        )
    if body is not None:
        activities = activities.filter(pk__in=Activity.objects.involving_body(body).values("pk"))
    return activities


@dataclass
class RecommendationProgress:
    recommendation: Recommendation
    by_status: dict = field(default_factory=dict)
    percent_sum: int = 0

    @property
    def total(self):
        return sum(self.by_status.values())

    @property
    def average_percent(self):
        return average(self.percent_sum, self.total) if self.total else Decimal("0.0")

    def status_rows(self):
        """(status, count, percent of total) in the order of the status list."""
        total = self.total
        return [
            (
                status,
                self.by_status.get(status.value, 0),
                share(self.by_status.get(status.value, 0), total),
            )
            for status in ActivityStatus
        ]


def recommendation_progress(recommendations=None, activities=None):
    """Activities by status per recommendation, and the average percent complete: one query.

    `recommendations` are kept in their order (all of them by number when not given); `activities`
    narrows the count to some activities (the dashboard's filters).
    """
    if recommendations is None:
        recommendations = Recommendation.objects.order_by("number")
    rows = {r.pk: RecommendationProgress(recommendation=r) for r in recommendations}
    activities = Activity.objects.all() if activities is None else activities
    counts = (
        activities.filter(recommendation__in=list(rows))
        .values("recommendation", "status")
        .annotate(n=Count("id"), percent=Sum("percent_complete"))
        .order_by()
    )
    for row in counts:
        progress = rows[row["recommendation"]]
        progress.by_status[row["status"]] = row["n"]
        progress.percent_sum += row["percent"] or 0
    return list(rows.values())


def status_totals(activities=None):
    activities = Activity.objects.all() if activities is None else activities
    totals = dict(activities.values_list("status").annotate(n=Count("id")).order_by())
    return [(status, totals.get(status.value, 0)) for status in ActivityStatus]


def milestones_for_dashboard(activities=None, *, limit=10, days=DASHBOARD_DUE_DAYS, today=None):
    """Overdue milestones and those due within `days`, soonest first, with their counts: four queries."""
    today = today or timezone.localdate()
    milestones = Milestone.objects.all()
    if activities is not None:
        milestones = milestones.filter(activity__in=activities.values("pk"))
    overdue = milestones.overdue(today)
    due = milestones.due_within(days, today)
    return {
        "overdue": list(overdue.select_related("activity").in_date_order()[:limit]),
        "overdue_count": overdue.count(),
        "due": list(due.select_related("activity").in_date_order()[:limit]),
        "due_count": due.count(),
        "due_days": days,
    }


@dataclass
class ParticipationCell:
    """The activities one member state leads or takes part in within one recommendation."""

    count: int = 0
    percent_sum: int = 0

    @property
    def average_percent(self):
        return average(self.percent_sum, self.count)


@dataclass
class ParticipationRow:
    member_state: object
    cells: list  # ParticipationCell per recommendation, in the recommendations' order

    @property
    def total(self):
        return sum(cell.count for cell in self.cells)


def participation(member_states, recommendations, activities=None):
    """Member state × recommendation: activities led or joined, and their average percent complete.

    Three queries: the activities' facts and the two ownership tables. An activity a member state
    both leads and joins counts once.
    """
    activities = Activity.objects.all() if activities is None else activities
    facts = {
        pk: (recommendation_id, percent)
        for pk, recommendation_id, percent in activities.filter(recommendation__isnull=False).values_list(
            "pk", "recommendation_id", "percent_complete"
        )
    }
    state_ids = [state.pk for state in member_states]
    pairs = set()
    for through in (Activity.lead_member_states.through, Activity.participating_member_states.through):
        pairs.update(
            through.objects.filter(memberstate_id__in=state_ids, activity_id__in=activities.values("pk"))
            .values_list("memberstate_id", "activity_id")
            .order_by()
        )
    column = {recommendation.pk: i for i, recommendation in enumerate(recommendations)}
    rows = {
        state.pk: ParticipationRow(state, [ParticipationCell() for _r in recommendations])
        for state in member_states
    }
    for state_id, activity_id in pairs:
        if activity_id not in facts:
            continue
        recommendation_id, percent = facts[activity_id]
        if recommendation_id not in column:
            continue
        cell = rows[state_id].cells[column[recommendation_id]]
        cell.count += 1
        cell.percent_sum += percent
    return list(rows.values())
