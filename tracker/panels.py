"""The tracker's panels: on the activity page, its progress updates and the reporter's next step;
on the dashboard, the latest approved updates and the open cycle's completeness."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from roadmap import charts
from roadmap import selectors as roadmap_selectors
from roadmap.models import Recommendation
from tracker import selectors
from tracker.models import DueUpdate, ProgressUpdate, ReportingCycle, UpdateTransition
from tracker.rules import steps_shown_to

SHOWN = 20


def report_actions(user, activity):
    """For each cycle taking the user's party's reports: continue its update, or start one.

    Three queries at most, whatever the number of cycles, updates or parties.
    """
    member_state, body = selectors.user_party(user)
    if (member_state is None and body is None) or not user.has_perm("tracker.add_progressupdate"):
        return []
    cycles = list(
        ReportingCycle.objects.accepting_reports_from(member_state, body).order_by("deadline", "slug")
    )
    if not cycles:
        return []
    latest = {}
    for update in (
        ProgressUpdate.objects.for_party(member_state=member_state, body=body)
        .filter(activity=activity, cycle__in=cycles)
        .order_by("created_at", "pk")
    ):
        latest[update.cycle_id] = update
    # The activity page prefetches its owners, so this reads no rows.
    involved = activity.involves(
        member_state_id=member_state.pk if member_state else None, body_id=body.pk if body else None
    )
    due = set()
    if not involved:
        due = set(
            DueUpdate.objects.for_party(member_state=member_state, body=body)
            .filter(activity=activity, cycle__in=cycles)
            .values_list("cycle_id", flat=True)
        )
    actions = []
    for cycle in cycles:
        update = latest.get(cycle.pk)
        if update is not None and update.is_editable:
            actions.append({"kind": "continue", "cycle": cycle, "update": update})
        elif update is None and (involved or cycle.pk in due):
            actions.append({"kind": "report", "cycle": cycle})
    return actions


def activity_updates_panel(request, activity):
    user = request.user
    if not user.has_perm("tracker.view_progressupdate"):
        return ""
    updates = list(
        selectors.activity_updates(activity, user).prefetch_related(
            Prefetch(
                "transitions",
                queryset=UpdateTransition.objects.select_related("actor").order_by("-at", "-pk"),
                to_attr="steps_newest_first",
            )
        )[: SHOWN + 1]
    )
    more = len(updates) > SHOWN
    updates = updates[:SHOWN]
    for update in updates:
        update.steps_newest_first = steps_shown_to(user, update, update.steps_newest_first)
        update.latest_step = update.steps_newest_first[0] if update.steps_newest_first else None
    return render_to_string(
        "tracker/_activity_updates_panel.html",
        {"activity": activity, "updates": updates, "more": more, "actions": report_actions(user, activity)},
        request=request,
    )


# --- The dashboard's panels (registered in TrackerConfig.ready) ---------------------------------

LATEST_APPROVED = 10


def _filtered(queryset, filters):
    """Restrict to the activities the dashboard's member state and body lead, join or support."""
    member_state, body = filters.get("member_state"), filters.get("body")
    if member_state is None and body is None:
        return queryset
    return queryset.filter(activity__in=roadmap_selectors.activities_for(member_state, body).values("pk"))


def latest_approved_panel(request, filters):
    """The newest approved updates, by approval time: what just entered the official record."""
    user = request.user
    if not user.has_perm("tracker.view_progressupdate"):
        return ""
    updates = _filtered(ProgressUpdate.objects.visible_to(user).approved(), filters)
    updates = list(
        updates.for_list().select_related("reviewed_by").order_by("-reviewed_at", "-pk")[:LATEST_APPROVED]
    )
    return render_to_string("tracker/_dashboard_updates.html", {"updates": updates}, request=request)


@dataclass
class RecommendationCompleteness(selectors.Completeness):
    label: str = ""
    number: int | None = None


def cycle_completeness_panel(request, filters):
    """The open cycle's reports: owed, handed in, approved; overall and per recommendation."""
    user = request.user
    if not user.has_perm("tracker.view_reportingcycle"):
        return ""
    # current() would fall back to a closed cycle, which this panel does not show.
    cycle = ReportingCycle.objects.open().order_by("deadline").first()
    if cycle is None:
        return render_to_string("tracker/_dashboard_completeness.html", {"cycle": None}, request=request)
    counts = selectors.shown_due_counts(
        _filtered(DueUpdate.objects.filter(cycle=cycle), filters), user, "activity__recommendation_id"
    )
    recommendations = Recommendation.objects.in_bulk()
    overall = selectors.Completeness()
    by_recommendation = {}
    for (recommendation_id,), by_status in counts.items():
        recommendation = recommendations.get(recommendation_id)
        key = recommendation.number if recommendation else 0
        if key not in by_recommendation:
            by_recommendation[key] = RecommendationCompleteness(
                label=str(recommendation) if recommendation else _("The roadmap as a whole"),
                number=recommendation.number if recommendation else None,
            )
        by_recommendation[key].counts.update(by_status)
        overall.counts.update(by_status)
    rows = [by_recommendation[key] for key in sorted(by_recommendation, key=lambda k: (k == 0, k))]
    chart = charts.bars(
        chart_id="chart-cycle-completeness",
        title=_("Reports handed in for %(cycle)s, per recommendation") % {"cycle": cycle.slug},
        description=_(
            "For each recommendation, the share of the reports owed in the open cycle that have been "
            "submitted or approved."
        ),
        categories=[row.label for row in rows],
        values=[row.percent_in for row in rows],
        colour=charts.STATUS_COLOURS["completed"],
    )
    return render_to_string(
        "tracker/_dashboard_completeness.html",
        {
            "cycle": cycle,
            "overall": overall,
            "rows": rows,
            "chart": chart,
            "can_see_matrix": user.has_perm("tracker.view_cycle_matrix"),
        },
        request=request,
    )
