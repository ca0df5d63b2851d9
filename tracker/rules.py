"""The record's rules: who may do what with cycles, progress updates and reports, and what a user is
shown of the due updates. Loaded by `rules`' autodiscovery; views, services and APIs ask these
(services through `core.permissions.require`).

Objects passed to the predicates are tracker models; only their attributes are read.
"""

import rules

from accounts.parties import party_of
from accounts.rules import (
    is_focal_point,
    is_observer,
    is_reader,
    is_reporter,
    is_secretariat,
    no_object,
)
from tracker.models import DueStatus, UpdateState

# --- The completeness matrix rule -----------------------------------------------------------------
# Work before submission belongs to its party: everyone else (other reporters and observers alike)
# sees it as not handed in yet. Only the secretariat sees every party's drafts and returns.
UNPUBLISHED = (DueStatus.DRAFT, DueStatus.RETURNED)


def sees_every_party_unpublished_work(user):
    return is_secretariat(user)


def due_status_shown_to(user, status, party_key):
    """The status a due update of the party `party_key` shows as to `user`, on every page."""
    if status not in UNPUBLISHED or sees_every_party_unpublished_work(user):
        return status
    party = party_of(user)
    if party is not None and party.key == party_key:
        return status
    return DueStatus.MISSING


# --- Reporting cycles and progress updates --------------------------------------------------


@rules.predicate
def is_own_party(user, obj):
    """The object (update, due update) belongs to the member state or body the user acts for."""
    party = party_of(user)
    return obj is not None and party is not None and party.owns(obj)


# --- What came before approval ---------------------------------------------------------------
# An update's drafts (every version before approval: its history) and the secretariat's return
# notes stay with the update's own party and the secretariat, forever. Everyone else reads the
# approved content and its approval, and a return note only if the secretariat published it.
# Every page, list and e-mail that shows an update's history or moves asks these.


@rules.predicate
def sees_update_history(user, update):
    """The user sees the update's earlier versions and every note of its review."""
    return is_secretariat(user) or is_own_party(user, update)


def step_is_public(step, update):
    """A move every reader of the approved update sees: the approval, or a published return note."""
    if update.state != UpdateState.APPROVED:
        return False
    return step.to_state == UpdateState.APPROVED or (
        step.to_state == UpdateState.RETURNED and step.public_note
    )


def steps_shown_to(user, update, steps):
    """The moves (UpdateTransition rows) of `update` that `user` may read, in the order given."""
    if sees_update_history(user, update):
        return list(steps)
    return [step for step in steps if step_is_public(step, update)]


@rules.predicate
def is_author(user, update):
    return update is not None and update.author_id == user.pk


@rules.predicate
def update_is_editable(user, update):
    return update is not None and update.is_editable


@rules.predicate
def update_is_draft(user, update):
    return update is not None and update.state == "draft"


@rules.predicate
def update_is_submitted(user, update):
    return update is not None and update.state == "submitted"


@rules.predicate
def update_is_approved(user, update):
    return update is not None and update.state == "approved"


@rules.predicate
def cycle_accepts_party(user, update):
    return update is not None and update.cycle.accepts_reports_from(update.member_state_id, update.body_id)


@rules.predicate
def party_reports_on_activity(user, update):
    return update is not None and update.party_may_report()


# A reporter writes for its own party, on activities that party leads or joins, while the cycle
# takes its reports. Checked cheapest first: rules stops at the first predicate that fails.
can_write_update = is_reporter & is_own_party & cycle_accepts_party & party_reports_on_activity

rules.add_perm("tracker.view_reportingcycle", is_reader)
rules.add_perm("tracker.manage_reportingcycle", is_secretariat)
# The secretariat's narrative of a cycle for SEOM (the service also refuses once a report is issued).
rules.add_perm("tracker.change_cycle_narrative", is_secretariat)
rules.add_perm("tracker.view_cycle_matrix", is_secretariat | is_reporter)
rules.add_perm("tracker.view_my_activities", is_reporter)


# Approved updates are the public record; anything before approval stays with its party and the
# secretariat. Without an object: may the user see update lists at all.
rules.add_perm(
    "tracker.view_progressupdate",
    is_secretariat | (is_reader & (no_object | update_is_approved)) | (is_reporter & is_own_party),
)
rules.add_perm("tracker.add_progressupdate", is_reporter & (no_object | can_write_update))
rules.add_perm("tracker.change_progressupdate", update_is_editable & can_write_update)
rules.add_perm("tracker.submit_progressupdate", update_is_editable & can_write_update)
rules.add_perm("tracker.delete_progressupdate", update_is_draft & can_write_update)
rules.add_perm("tracker.correct_progressupdate", update_is_approved & can_write_update)
# The state is checked by the service under a row lock, so a late reviewer is told who won.
rules.add_perm("tracker.review_progressupdate", is_secretariat & ~is_author)
rules.add_perm("tracker.send_reminders", is_secretariat)
rules.add_perm("tracker.view_update_history", sees_update_history)


# --- Cycle progress reports -------------------------------------------------------------------
# A report holds approved data only, but a member state's own report stays with that member state,
# observers and the secretariat; reports not yet issued stay with whoever generated them and the
# secretariat. `tracker.models.ReportQuerySet.visible_to` is the same rule as SQL; a test in
# tests/tracker/test_rules.py holds the two together for every role and kind of report.


@rules.predicate
def report_is_ready(user, report):
    return report is not None and report.state == "ready"


@rules.predicate
def report_is_issued(user, report):
    return report is not None and report.issued_at is not None


@rules.predicate
def report_is_for_one_member_state(user, report):
    return report is not None and report.scope == "member_state"


@rules.predicate
def report_is_for_own_member_state(user, report):
    return (
        report is not None
        and report.scope == "member_state"
        and bool(user.member_state_id)
        and report.member_state_id == user.member_state_id
    )


@rules.predicate
def requested_report(user, report):
    return report is not None and report.requested_by_id is not None and report.requested_by_id == user.pk


rules.add_perm("tracker.view_report_list", is_reader)
rules.add_perm(
    "tracker.view_report",
    is_secretariat
    | (is_reader & requested_report)
    | (
        is_reader
        & report_is_ready
        & report_is_issued
        & (~report_is_for_one_member_state | is_observer | (is_focal_point & report_is_for_own_member_state))
    ),
)
# The secretariat reports on anything; a focal point on its own member state (`obj` is an
# unsaved Report carrying the scope asked for, or None for "may they generate at all").
rules.add_perm(
    "tracker.generate_report",
    is_secretariat | (is_focal_point & rules.is_active & (no_object | report_is_for_own_member_state)),
)


@rules.predicate
def report_is_final(user, report):
    """Gathered from a closed cycle, which is still closed: a provisional report is never issued."""
    return report is not None and not report.provisional and report.cycle.state == "closed"


rules.add_perm("tracker.issue_report", is_secretariat & report_is_ready & ~report_is_issued & report_is_final)
rules.add_perm("tracker.delete_report", is_secretariat & ~report_is_issued)
