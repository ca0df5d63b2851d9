"""The timeline: a Gantt chart of activities and milestones, planned against baseline."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from rules.contrib.views import PermissionRequiredMixin

from roadmap import charts
from roadmap.models import Activity, ActivityStatus, Milestone, MilestoneState
from roadmap.timeline.filters import TimelineFilter


class TimelineView(PermissionRequiredMixin, FilterView):
    """The activities on a time axis, planned against baseline, per recommendation; printable."""

    permission_required = "roadmap.view_activity"
    template_name = "roadmap/timeline.html"
    model = Activity
    filterset_class = TimelineFilter

    def get_queryset(self):
        return (
            Activity.objects.select_related("recommendation")
            .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.in_date_order()))
            .in_plan_order()
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
                    shown=milestone.actual_display or milestone.planned_display,
                )
                for milestone in activity.milestones.all()
            ],
        )
