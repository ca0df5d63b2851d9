"""The review: the secretariat approves an update into the record, or returns it with a comment."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import TransitionError
from core.permissions import require
from roadmap.models import Activity, Milestone
from roadmap.services import activity_update, milestone_update
from tracker import notifications
from tracker.models import ProgressUpdate, UpdateState
from tracker.updates.services import already_text, lock_update, move_update, sync_due_update


def too_late_text(current):
    """Why a review came too late: who got there first when someone reviewed it (None: it changed)."""
    if current.state in (UpdateState.APPROVED, UpdateState.RETURNED) and current.reviewed_at:
        return already_text(current)
    return None


def _lock_for_review(update, expected_version, acting_user):
    """The stored update, locked, once the reviewer may review it and it still awaits review."""
    current = lock_update(update, expected_version, stale_message=too_late_text)
    require(acting_user, "tracker.review_progressupdate", current)
    if current.state != UpdateState.SUBMITTED:
        raise TransitionError(
            already_text(current)
            if current.state != UpdateState.DRAFT
            else _("This update has not been submitted.")
        )
    return current


@transaction.atomic
def progress_update_return(
    *,
    update: ProgressUpdate,
    comment: str,
    acting_user,
    expected_version: int | None = None,
    public_note: bool = False,
):
    """Send a submitted update back to its party with the reviewer's comment.

    The comment stays with the party and the secretariat unless `public_note`: then every reader
    sees it once the update is approved (tracker.rules.steps_shown_to).
    """
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs to change before it can be approved.")})
    current = _lock_for_review(update, expected_version, acting_user)
    move_update(
        current, UpdateState.RETURNED, acting_user=acting_user, comment=comment, public_note=public_note
    )
    sync_due_update(current)
    transaction.on_commit(lambda: notifications.update_reviewed(current))
    return current


def later_cycle_approved(update):
    """An approved update on the same activity for a cycle whose period ends after `update`'s."""
    return (
        ProgressUpdate.objects.approved()
        .filter(activity_id=update.activity_id, cycle__period_end__gt=update.cycle.period_end)
        .exclude(pk=update.pk)
        .exists()
    )


@transaction.atomic
def progress_update_approve(
    *, update: ProgressUpdate, acting_user, expected_version: int | None = None, comment: str = ""
):
    """Approve: the update becomes the record, and the activity and its milestones follow it, at once."""
    current = _lock_for_review(update, expected_version, acting_user)
    move_update(current, UpdateState.APPROVED, acting_user=acting_user, comment=(comment or "").strip())
    reason = _("Approved %(update)s") % {"update": current}
    activity = Activity.objects.select_for_update().get(pk=current.activity_id)
    # The activity's official status follows the latest cycle's approved update: a late report for
    # an earlier cycle is that cycle's record only (the report reads it from there).
    later = later_cycle_approved(current)
    if not later and (activity.status, activity.flag, activity.percent_complete) != (
        current.proposed_status,
        current.proposed_flag,
        current.proposed_percent,
    ):
        activity.status = current.proposed_status
        activity.flag = current.proposed_flag
        activity.percent_complete = current.proposed_percent
        activity_update(
            activity=activity, m2m=None, expected_version=None, reason=reason, acting_user=acting_user
        )
    for achievement in current.milestone_achievements.select_related("milestone"):
        milestone = Milestone.objects.select_for_update().get(pk=achievement.milestone_id)
        # A late report fills in a date nobody recorded yet; it never rewrites a later cycle's.
        if milestone.actual_date != achievement.achieved_on and not (later and milestone.actual_date):
            milestone.actual_date = achievement.achieved_on
            milestone_update(
                milestone=milestone, expected_version=None, reason=reason, acting_user=acting_user
            )
    sync_due_update(current)
    transaction.on_commit(lambda: notifications.update_reviewed(current))
    return current
