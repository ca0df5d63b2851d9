"""Reads that pages share: each runs a fixed number of queries, whatever the size of the plan."""

from dataclasses import dataclass, field

from django.db.models import Avg, Count

from roadmap.models import Activity, ActivityStatus, Milestone, Recommendation


@dataclass
class RecommendationProgress:
    recommendation: Recommendation
    by_status: dict = field(default_factory=dict)
    total: int = 0
    average_percent: float = 0.0

    def status_rows(self):
        """(status, count, percent of total) in the order of the status list."""
        return [
            (
                status,
                self.by_status.get(status.value, 0),
                round(100 * self.by_status.get(status.value, 0) / self.total) if self.total else 0,
            )
            for status in ActivityStatus
        ]


def recommendation_progress(recommendations=None):
    """Activities by status per recommendation, and the average percent complete: two queries."""
    if recommendations is None:
        recommendations = Recommendation.objects.all()
    recommendations = recommendations.order_by("number")
    rows = {r.pk: RecommendationProgress(recommendation=r) for r in recommendations}
    counts = (
        Activity.objects.filter(recommendation__in=list(rows))
        .values("recommendation", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in counts:
        progress = rows[row["recommendation"]]
        progress.by_status[row["status"]] = row["n"]
        progress.total += row["n"]
    averages = (
        Activity.objects.filter(recommendation__in=list(rows))
        .values("recommendation")
        .annotate(avg=Avg("percent_complete"))
        .order_by()
    )
    for row in averages:
        rows[row["recommendation"]].average_percent = round(float(row["avg"] or 0), 1)
    return list(rows.values())


def status_totals():
    totals = dict(Activity.objects.values_list("status").annotate(n=Count("id")).order_by())
    return [(status, totals.get(status.value, 0)) for status in ActivityStatus]


def milestones_for_dashboard(limit=10):
    base = Milestone.objects.select_related("activity").order_by("planned_date", "id")
    return {
        "overdue": list(base.overdue()[:limit]),
        "overdue_count": Milestone.objects.overdue().count(),
        "upcoming": list(base.upcoming()[:limit]),
    }
