"""Writes to reporting cycles: create, open (fixing what is due), close, reopen for a party."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.parties import Party
from core.errors import TransitionError, check_version, save_unique
from core.permissions import require
from roadmap.models import Activity
from tracker.models import CycleReopening, CycleState, DueStatus, DueUpdate, ReportingCycle
from tracker.updates.services import standing_update


@transaction.atomic
def cycle_create(*, cycle: ReportingCycle, acting_user) -> ReportingCycle:
    require(acting_user, "tracker.manage_reportingcycle")
    cycle.state = CycleState.PLANNED
    cycle.full_clean()
    cycle._history_user = acting_user
    cycle._change_reason = _("Created")
    save_unique(cycle)
    return cycle


@transaction.atomic
def cycle_update(
    *, cycle: ReportingCycle, expected_version: int | None, acting_user, reason: str = ""
) -> None:
    require(acting_user, "tracker.manage_reportingcycle", cycle)
    current = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    check_version(current, expected_version)
    cycle.state = current.state  # state moves only through open/close
    cycle.full_clean()
    cycle.version = current.version + 1
    cycle._history_user = acting_user
    cycle._change_reason = reason or None
    cycle.save()


def default_parties(activity):
    """Who reports on an activity unless the secretariat says otherwise: leads and participants,
    as `accounts.parties.Party`."""
    parties = [Party(member_state_id=ms.pk) for ms in activity.lead_member_states.all()]
    participants = [Party(member_state_id=ms.pk) for ms in activity.participating_member_states.all()]
    parties += [party for party in participants if party not in parties]
    parties += [Party(body_id=b.pk) for b in activity.lead_bodies.all()]
    return parties


def due_on_opening(activities):
    """What opening a cycle makes due among `activities`: [(activity, its default parties)] for each
    unfinished one. The demo's bulk record asks the same question through here."""
    unfinished = activities.open().prefetch_related(
        "lead_member_states", "participating_member_states", "lead_bodies"
    )
    return [(activity, default_parties(activity)) for activity in unfinished]


def _lock_to_move(cycle, *, acting_user, expected_version, from_state, refusal):
    """The stored cycle, locked, once the user may manage it, the copy is current and it is in
    `from_state`; `refusal` (with %(state)s) says why not otherwise."""
    require(acting_user, "tracker.manage_reportingcycle", cycle)
    current = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    check_version(current, expected_version)
    if current.state != from_state:
        raise TransitionError(refusal % {"state": current.get_state_display()})
    return current


@transaction.atomic
def cycle_open(*, cycle: ReportingCycle, acting_user, expected_version: int | None = None) -> int:
    """Open the cycle and fix what is due: one report per responsible party per unfinished activity.

    Returns the number of due updates created.
    """
    current = _lock_to_move(
        cycle,
        acting_user=acting_user,
        expected_version=expected_version,
        from_state=CycleState.PLANNED,
        refusal=_("Only a planned cycle can be opened; this one is %(state)s."),
    )
    now = timezone.now()
    rows = []
    for activity, parties in due_on_opening(Activity.objects.all()):
        for party in parties:
            rows.append(
                DueUpdate(
                    cycle=current,
                    activity=activity,
                    member_state_id=party.member_state_id,
                    body_id=party.body_id,
                    added_by=acting_user,
                    added_at=now,
                )
            )
    DueUpdate.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    current.state = CycleState.OPEN
    current.opened_at = now
    current.opened_by = acting_user
    current.version += 1
    current._history_user = acting_user
    current._change_reason = _("Opened: %(count)s reports due") % {"count": len(rows)}
    current.save()
    cycle.refresh_from_db()
    return len(rows)


@transaction.atomic
def cycle_close(
    *, cycle: ReportingCycle, acting_user, expected_version: int | None = None, reason: str = ""
) -> None:
    """Lock the cycle: no more drafts or submissions. Reviews of what was submitted go on."""
    current = _lock_to_move(
        cycle,
        acting_user=acting_user,
        expected_version=expected_version,
        from_state=CycleState.OPEN,
        refusal=_("Only an open cycle can be closed; this one is %(state)s."),
    )
    now = timezone.now()
    current.state = CycleState.CLOSED
    current.closed_at = now
    current.closed_by = acting_user
    current.version += 1
    current._history_user = acting_user
    current._change_reason = reason or _("Closed")
    current.save()
    current.reopenings.filter(ended_at__isnull=True).update(ended_at=now, ended_by=acting_user)
    cycle.refresh_from_db()


def _party_kwargs(member_state, body):
    if (member_state is None) == (body is None):
        raise ValidationError(_("Choose one member state or one body."))
    return {"member_state": member_state} if member_state is not None else {"body": body}


@transaction.atomic
def cycle_reopen_for_party(*, cycle: ReportingCycle, reason: str, acting_user, member_state=None, body=None):
    """Let one party report into a closed cycle; the exception is recorded with its reason."""
    require(acting_user, "tracker.manage_reportingcycle", cycle)
    current = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    if current.state != CycleState.CLOSED:
        raise TransitionError(_("Only a closed cycle can be reopened for a party."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the cycle is reopened for this party.")})
    party = _party_kwargs(member_state, body)
    if current.reopenings.filter(ended_at__isnull=True, **party).exists():
        raise TransitionError(_("The cycle is already reopened for this party."))
    return CycleReopening.objects.create(cycle=current, reason=reason, reopened_by=acting_user, **party)


@transaction.atomic
def cycle_reopening_end(*, reopening: CycleReopening, acting_user) -> None:
    require(acting_user, "tracker.manage_reportingcycle", reopening.cycle)
    current = CycleReopening.objects.select_for_update().get(pk=reopening.pk)
    if current.ended_at is None:
        current.ended_at = timezone.now()
        current.ended_by = acting_user
        current.save(update_fields=["ended_at", "ended_by"])


ALREADY_DUE = gettext_lazy("That party is already due to report on this activity.")


@transaction.atomic
def due_update_add(*, cycle: ReportingCycle, activity: Activity, acting_user, member_state=None, body=None):
    """The secretariat adds a party to those due to report on an activity in this cycle."""
    require(acting_user, "tracker.manage_reportingcycle", cycle)
    if cycle.state == CycleState.CLOSED:
        raise TransitionError(_("The cycle is closed; reopen it for the party instead."))
    party = _party_kwargs(member_state, body)
    if DueUpdate.objects.filter(cycle=cycle, activity=activity, **party).exists():
        raise ValidationError(ALREADY_DUE)
    expected = DueUpdate(cycle=cycle, activity=activity, added_by=acting_user, **party)
    latest = standing_update(cycle.pk, activity.pk, expected.member_state_id, expected.body_id)
    if latest is not None:
        expected.status, expected.update = latest.state, latest
    expected._history_user = acting_user
    save_unique(expected, refused=ALREADY_DUE)
    return expected


@transaction.atomic
def due_update_remove(*, expected: DueUpdate, acting_user, reason: str = "") -> None:
    """The secretariat decides a party does not owe this report after all."""
    require(acting_user, "tracker.manage_reportingcycle", expected.cycle)
    current = DueUpdate.objects.select_for_update().get(pk=expected.pk)
    # Once the party has started, the report is part of the record; only a missing one can go.
    if current.status != DueStatus.MISSING:
        raise TransitionError(
            _("%(party)s has already started this report (%(status)s); it cannot be removed.")
            % {"party": expected.party_label, "status": current.get_status_display().lower()}
        )
    current._history_user = acting_user
    current._change_reason = reason or None
    current.delete()
