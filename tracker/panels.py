"""The tracker's panel on the activity page: its progress updates and the reporter's next step."""

from django.db.models import Prefetch
from django.template.loader import render_to_string

from tracker import selectors
from tracker.models import ExpectedReport, ProgressUpdate, UpdateTransition

SHOWN = 20


def _party_involved(activity, member_state, body):
    # The activity page prefetches its owners, so these read no rows.
    if member_state is not None:
        owners = list(activity.lead_member_states.all()) + list(activity.participating_member_states.all())
        return any(owner.pk == member_state.pk for owner in owners)
    owners = list(activity.lead_bodies.all()) + list(activity.supporting_bodies.all())
    return any(owner.pk == body.pk for owner in owners)


def report_actions(user, activity):
    """For each cycle taking the user's party's reports: continue its update, or start one.

    Three queries at most, whatever the number of cycles, updates or parties.
    """
    member_state, body = selectors.user_party(user)
    if (member_state is None and body is None) or not user.has_perm("tracker.add_progressupdate"):
        return []
    cycles = list(selectors.cycles_accepting(member_state, body).order_by("deadline", "slug"))
    if not cycles:
        return []
    latest = {}
    for update in (
        ProgressUpdate.objects.for_party(member_state=member_state, body=body)
        .filter(activity=activity, cycle__in=cycles)
        .order_by("created_at", "pk")
    ):
        latest[update.cycle_id] = update
    involved = _party_involved(activity, member_state, body)
    due = set()
    if not involved:
        due = set(
            ExpectedReport.objects.for_party(member_state=member_state, body=body)
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
        update.latest_step = update.steps_newest_first[0] if update.steps_newest_first else None
    return render_to_string(
        "tracker/_activity_updates_panel.html",
        {"activity": activity, "updates": updates, "more": more, "actions": report_actions(user, activity)},
        request=request,
    )
