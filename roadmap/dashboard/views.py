"""The dashboard: progress at a glance, for all of ASEAN or one member state or body."""

from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from roadmap import charts, extensions, selectors
from roadmap.dashboard.forms import DashboardFilterForm
from roadmap.models import ActivityStatus, Body, MemberState, Recommendation, Roadmap


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
