"""Writes to the record: cycles, what is due in them, and progress updates moving through review.

Every function runs in one transaction, checks `accounts.rules`, locks what it changes, and
records who acted, when and why (transition rows and django-simple-history). Views stay thin.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadmap.models import Activity, Indicator, MemberState, Milestone
from roadmap.services import StaleVersionError, activity_update, milestone_update
from tracker import notifications, selectors
from tracker.evidence import check_evidence_file
from tracker.models import (
    UPDATE_TRANSITIONS,
    CycleReopening,
    CycleState,
    DueStatus,
    DueUpdate,
    EvidenceFile,
    EvidenceLink,
    IndicatorValue,
    MilestoneAchievement,
    ProgressUpdate,
    ReportingCycle,
    UpdateState,
    UpdateTransition,
    party_filter,
)

__all__ = ["StaleVersionError", "TransitionError"]


class TransitionError(Exception):
    """The update is not in a state that allows this move; the message says why, in the user's words."""


def _require(acting_user, perm, obj=None):
    # The rule set itself, not `user.has_perm`: Django lets an active superuser pass every has_perm
    # (and would honour model permissions granted in the admin), but the record's rules, such as
    # "nobody approves their own update" and "only a party writes for itself", bind everyone.
    if not rules.has_perm(perm, acting_user, obj):
        raise PermissionDenied


def _check_version(current, expected_version):
    if expected_version is not None and current.version != expected_version:
        raise StaleVersionError(current)


# --- Reporting cycles ----------------------------------------------------------------------


@transaction.atomic
def cycle_create(*, cycle: ReportingCycle, acting_user) -> ReportingCycle:
    _require(acting_user, "tracker.manage_reportingcycle")
    cycle.state = CycleState.PLANNED
    cycle.full_clean()
    cycle._history_user = acting_user
    cycle._change_reason = _("Created")
    cycle.save()
    return cycle


@transaction.atomic
def cycle_update(
    *, cycle: ReportingCycle, expected_version: int | None, acting_user, reason: str = ""
) -> None:
    _require(acting_user, "tracker.manage_reportingcycle", cycle)
    current = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    _check_version(current, expected_version)
    cycle.state = current.state  # state moves only through open/close
    cycle.full_clean()
    cycle.version = current.version + 1
    cycle._history_user = acting_user
    cycle._change_reason = reason or None
    cycle.save()


def default_parties(activity):
    """Who reports on an activity unless the secretariat says otherwise: leads and participants."""
    parties = [("ms", ms.pk) for ms in activity.lead_member_states.all()]
    parties += [
        ("ms", ms.pk) for ms in activity.participating_member_states.all() if ("ms", ms.pk) not in parties
    ]
    parties += [("body", b.pk) for b in activity.lead_bodies.all()]
    return parties


@transaction.atomic
def cycle_open(*, cycle: ReportingCycle, acting_user, expected_version: int | None = None) -> int:
    """Open the cycle and fix what is due: one report per responsible party per unfinished activity.

    Returns the number of due updates created.
    """
    _require(acting_user, "tracker.manage_reportingcycle", cycle)
    current = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    _check_version(current, expected_version)
    if current.state != CycleState.PLANNED:
        raise TransitionError(
            _("Only a planned cycle can be opened; this one is %(state)s.")
            % {"state": current.get_state_display()}
        )
    activities = Activity.objects.open().prefetch_related(
        "lead_member_states", "participating_member_states", "lead_bodies"
    )
    now = timezone.now()
    rows = []
    for activity in activities:
        for kind, pk in default_parties(activity):
            rows.append(
                DueUpdate(
                    cycle=current,
                    activity=activity,
                    member_state_id=pk if kind == "ms" else None,
                    body_id=pk if kind == "body" else None,
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
    _require(acting_user, "tracker.manage_reportingcycle", cycle)
    current = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    _check_version(current, expected_version)
    if current.state != CycleState.OPEN:
        raise TransitionError(
            _("Only an open cycle can be closed; this one is %(state)s.")
            % {"state": current.get_state_display()}
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
    _require(acting_user, "tracker.manage_reportingcycle", cycle)
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
    _require(acting_user, "tracker.manage_reportingcycle", reopening.cycle)
    current = CycleReopening.objects.select_for_update().get(pk=reopening.pk)
    if current.ended_at is None:
        current.ended_at = timezone.now()
        current.ended_by = acting_user
        current.save(update_fields=["ended_at", "ended_by"])


@transaction.atomic
def due_update_add(*, cycle: ReportingCycle, activity: Activity, acting_user, member_state=None, body=None):
    """The secretariat adds a party to those due to report on an activity in this cycle."""
    _require(acting_user, "tracker.manage_reportingcycle", cycle)
    if cycle.state == CycleState.CLOSED:
        raise TransitionError(_("The cycle is closed; reopen it for the party instead."))
    party = _party_kwargs(member_state, body)
    if DueUpdate.objects.filter(cycle=cycle, activity=activity, **party).exists():
        raise ValidationError(_("That party is already due to report on this activity."))
    expected = DueUpdate(cycle=cycle, activity=activity, added_by=acting_user, **party)
    latest = _latest_update(cycle.pk, activity.pk, expected.member_state_id, expected.body_id)
    if latest is not None:
        expected.status, expected.update = latest.state, latest
    expected._history_user = acting_user
    expected.save()
    return expected


@transaction.atomic
def due_update_remove(*, expected: DueUpdate, acting_user, reason: str = "") -> None:
    """The secretariat decides a party does not owe this report after all."""
    _require(acting_user, "tracker.manage_reportingcycle", expected.cycle)
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


# --- Progress updates ----------------------------------------------------------------------


@dataclass
class UpdateContent:
    """What a progress update carries besides its own fields; replaced as a whole on each save."""

    achievements: list[tuple[Milestone, date]] = field(default_factory=list)
    # (indicator, member state or None for ASEAN as a whole, value, note)
    indicator_values: list[tuple[Indicator, MemberState | None, Decimal, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    new_files: list = field(default_factory=list)
    remove_file_ids: list[int] = field(default_factory=list)


def new_update(
    *, activity: Activity, cycle: ReportingCycle, author, member_state=None, body=None
) -> ProgressUpdate:
    """An unsaved draft for the party, starting from the activity's official status."""
    if member_state is None and body is None:
        member_state, body = selectors.user_party(author)
    return ProgressUpdate(
        activity=activity,
        cycle=cycle,
        author=author,
        member_state=member_state,
        body=body,
        proposed_status=activity.status,
        proposed_flag=activity.flag,
        proposed_percent=activity.percent_complete,
    )


def _latest_update(cycle_id, activity_id, member_state_id, body_id):
    party = party_filter(member_state_id, body_id)
    return (
        ProgressUpdate.objects.filter(cycle_id=cycle_id, activity_id=activity_id, **party)
        .order_by("-created_at", "-pk")
        .first()
    )


def _sync_expected(update: ProgressUpdate):
    """Mirror the party's latest update onto its due update, if one is due."""
    party = party_filter(update.member_state_id, update.body_id)
    latest = _latest_update(update.cycle_id, update.activity_id, update.member_state_id, update.body_id)
    DueUpdate.objects.filter(cycle_id=update.cycle_id, activity_id=update.activity_id, **party).update(
        status=latest.state if latest else DueStatus.MISSING, update=latest
    )


def _record(update, *, from_state, to_state, actor, comment=""):
    UpdateTransition.objects.create(
        update=update, from_state=from_state, to_state=to_state, actor=actor, comment=comment or ""
    )


def _validate_content(update: ProgressUpdate, content: UpdateContent):
    errors = {}
    milestone_ids = set(Milestone.objects.filter(activity_id=update.activity_id).values_list("pk", flat=True))
    for milestone, achieved_on in content.achievements:
        if milestone.pk not in milestone_ids:
            errors.setdefault("achievements", []).append(
                _("%(m)s is not a milestone of this activity.") % {"m": milestone}
            )
        elif achieved_on and achieved_on > timezone.localdate():
            errors.setdefault("achievements", []).append(
                _("%(m)s: the date achieved cannot be in the future.") % {"m": milestone}
            )
    allowed_indicators = set(selectors.activity_indicators(update.activity).values_list("pk", flat=True))
    for indicator, _member_state, _value, _note in content.indicator_values:
        if indicator.pk not in allowed_indicators:
            errors.setdefault("indicator_values", []).append(
                _("%(i)s is not an indicator of this activity.") % {"i": indicator}
            )
    file_errors = []
    checked = []
    for uploaded in content.new_files:
        try:
            checked.append((uploaded, check_evidence_file(uploaded)))
        except ValidationError as error:
            file_errors.extend(error.messages)
    if file_errors:
        errors["files"] = file_errors
    if errors:
        raise ValidationError(errors)
    return checked


def _validate_for_submission(update: ProgressUpdate):
    if not update.no_progress and not (update.narrative or "").strip():
        raise ValidationError(
            {"narrative": _("Describe the progress this period, or tick “No progress this period”.")}
        )


def _save_content(update, content, checked_files, acting_user, stored):
    """Replace the update's content; files written to storage are appended to `stored`."""
    update.milestone_achievements.all().delete()
    MilestoneAchievement.objects.bulk_create(
        [MilestoneAchievement(update=update, milestone=m, achieved_on=d) for m, d in content.achievements]
    )
    update.indicator_values.all().delete()
    IndicatorValue.objects.bulk_create(
        [
            IndicatorValue(update=update, indicator=i, member_state=ms, value=v, note=note or "")
            for i, ms, v, note in content.indicator_values
        ]
    )
    update.evidence_links.all().delete()
    EvidenceLink.objects.bulk_create(
        [EvidenceLink(update=update, url=u, title=t or "") for u, t in content.links]
    )
    if content.remove_file_ids:
        for evidence in update.evidence_files.filter(pk__in=content.remove_file_ids):
            name = evidence.file.name
            evidence.delete()
            # Remove the file only once the row's deletion is committed.
            transaction.on_commit(lambda name=name, storage=evidence.file.storage: storage.delete(name))
    for uploaded, checked in checked_files:
        evidence = EvidenceFile(
            update=update,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=acting_user,
        )
        evidence.file.save(checked.name, uploaded, save=False)
        stored.append((evidence.file.storage, evidence.file.name))
        evidence.save()


PINNED_ON_EDIT = (
    "activity_id",
    "cycle_id",
    "member_state_id",
    "body_id",
    "author_id",
    "corrects_id",
    "created_at",
    "submitted_at",
    "reviewed_at",
    "reviewed_by_id",
    "review_comment",
)


@transaction.atomic
def progress_update_save(
    *,
    update: ProgressUpdate,
    content: UpdateContent,
    acting_user,
    expected_version: int | None = None,
    submit: bool = False,
    reason: str = "",
) -> ProgressUpdate:
    """Create or edit a draft or returned update, and optionally submit it in the same step."""
    creating = update.pk is None
    if creating:
        # Whoever creates it is its author: naming someone else would dodge "nobody reviews their own".
        update.author = acting_user
        _require(acting_user, "tracker.add_progressupdate", update)
        update.state = UpdateState.DRAFT
    else:
        current = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
        _check_version(current, expected_version)
        if not current.is_editable:
            raise TransitionError(
                _("This update is %(state)s and can no longer be edited.")
                % {"state": current.get_state_display()}
            )
        _require(acting_user, "tracker.change_progressupdate", current)
        # The permission was checked on the stored row: an edit cannot move the update to another
        # party, activity or cycle, nor rewrite (from a stale copy) what the reviewer recorded.
        for name in PINNED_ON_EDIT:
            setattr(update, name, getattr(current, name))
        update.state = current.state
        update.version = current.version + 1
    update.full_clean(exclude=["author"] if creating else None)
    checked_files = _validate_content(update, content)
    if submit:
        _validate_for_submission(update)
    update._history_user = acting_user
    update._change_reason = reason or (_("Draft started") if creating else _("Edited"))
    try:
        with transaction.atomic():
            update.save()
    except IntegrityError as error:
        raise ValidationError(
            _("Your party already has an update in progress for this activity and cycle; open that one.")
        ) from error
    stored = []
    try:
        _save_content(update, content, checked_files, acting_user, stored)
        if creating:
            _record(update, from_state="", to_state=UpdateState.DRAFT, actor=acting_user)
        if submit:
            _move(update, UpdateState.SUBMITTED, acting_user=acting_user, comment=reason)
        _sync_expected(update)
    except BaseException:
        # The rows go with the rollback; the files written for them must go too.
        for storage, name in stored:
            storage.delete(name)
        raise
    if submit:
        transaction.on_commit(lambda: notifications.update_submitted(update))
    return update


def _move(update, to_state, *, acting_user, comment=""):
    from_state = update.state
    if (from_state, to_state) not in UPDATE_TRANSITIONS:
        raise TransitionError(
            _("An update that is %(from)s cannot be %(to)s.")
            % {"from": UpdateState(from_state).label.lower(), "to": UpdateState(to_state).label.lower()}
        )
    update.state = to_state
    now = timezone.now()
    if to_state == UpdateState.SUBMITTED:
        update.submitted_at = now
    elif to_state in (UpdateState.APPROVED, UpdateState.RETURNED):
        update.reviewed_at = now
        update.reviewed_by = acting_user
        update.review_comment = comment or ""
    update.version += 1
    update._history_user = acting_user
    update._change_reason = comment or UpdateState(to_state).label
    update.save()
    _record(update, from_state=from_state, to_state=to_state, actor=acting_user, comment=comment)


def _lock_for_transition(update, expected_version):
    current = ProgressUpdate.objects.select_for_update().select_related("cycle", "activity").get(pk=update.pk)
    _check_version(current, expected_version)
    return current


def _lock_for_review(update, expected_version, acting_user):
    """The stored update, locked, once the reviewer may review it and it still awaits review."""
    current = _lock_for_transition(update, expected_version)
    _require(acting_user, "tracker.review_progressupdate", current)
    if current.state != UpdateState.SUBMITTED:
        raise TransitionError(
            _already(current)
            if current.state != UpdateState.DRAFT
            else _("This update has not been submitted.")
        )
    return current


def _already(current):
    who = current.reviewed_by or current.author
    when = timezone.localtime(current.reviewed_at or current.updated_at)
    return _("This update was already %(state)s by %(who)s at %(when)s.") % {
        "state": current.get_state_display().lower(),
        "who": who,
        "when": when.strftime("%Y-%m-%d %H:%M"),
    }


@transaction.atomic
def progress_update_submit(
    *, update: ProgressUpdate, acting_user, expected_version: int | None = None, comment: str = ""
):
    current = _lock_for_transition(update, expected_version)
    if current.state not in (UpdateState.DRAFT, UpdateState.RETURNED):
        raise TransitionError(
            _already(current)
            if current.state == UpdateState.APPROVED
            else _("This update is already submitted.")
        )
    _require(acting_user, "tracker.submit_progressupdate", current)
    _validate_for_submission(current)
    _move(current, UpdateState.SUBMITTED, acting_user=acting_user, comment=comment)
    _sync_expected(current)
    transaction.on_commit(lambda: notifications.update_submitted(current))
    return current


@transaction.atomic
def progress_update_return(
    *, update: ProgressUpdate, comment: str, acting_user, expected_version: int | None = None
):
    """Send a submitted update back to its party with the reviewer's comment."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs to change before it can be approved.")})
    current = _lock_for_review(update, expected_version, acting_user)
    _move(current, UpdateState.RETURNED, acting_user=acting_user, comment=comment)
    _sync_expected(current)
    transaction.on_commit(lambda: notifications.update_reviewed(current))
    return current


@transaction.atomic
def progress_update_approve(
    *, update: ProgressUpdate, acting_user, expected_version: int | None = None, comment: str = ""
):
    """Approve: the update becomes the record, and the activity and its milestones follow it, at once."""
    current = _lock_for_review(update, expected_version, acting_user)
    _move(current, UpdateState.APPROVED, acting_user=acting_user, comment=(comment or "").strip())
    reason = _("Approved %(update)s") % {"update": current}
    activity = Activity.objects.select_for_update().get(pk=current.activity_id)
    if (activity.status, activity.flag, activity.percent_complete) != (
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
        if milestone.actual_date != achievement.achieved_on:
            milestone.actual_date = achievement.achieved_on
            milestone_update(
                milestone=milestone, expected_version=None, reason=reason, acting_user=acting_user
            )
    _sync_expected(current)
    transaction.on_commit(lambda: notifications.update_reviewed(current))
    return current


@transaction.atomic
def progress_update_discard(*, update: ProgressUpdate, acting_user) -> None:
    """Delete a draft nobody has submitted; submitted and approved updates are never deleted."""
    current = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if current.state != UpdateState.DRAFT:
        raise TransitionError(_("Only a draft can be discarded."))
    _require(acting_user, "tracker.delete_progressupdate", current)
    names = [(e.file.storage, e.file.name) for e in current.evidence_files.all()]
    current._history_user = acting_user
    current._change_reason = _("Draft discarded")
    current.delete()
    _sync_expected(current)
    for storage, name in names:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


@transaction.atomic
def progress_update_correct(*, update: ProgressUpdate, acting_user) -> ProgressUpdate:
    """Start a correction of an approved update: a new draft carrying its content."""
    current = ProgressUpdate.objects.select_related("activity", "cycle").get(pk=update.pk)
    _require(acting_user, "tracker.correct_progressupdate", current)
    draft = ProgressUpdate(
        activity=current.activity,
        cycle=current.cycle,
        member_state=current.member_state,
        body=current.body,
        author=acting_user,
        corrects=current,
        **{
            name: getattr(current, name)
            for name in (
                "no_progress",
                "proposed_status",
                "proposed_flag",
                "proposed_percent",
                "narrative",
                "achievements",
                "challenges",
                "next_steps",
                "support_needed",
            )
        },
    )
    content = UpdateContent(
        achievements=[
            (a.milestone, a.achieved_on) for a in current.milestone_achievements.select_related("milestone")
        ],
        indicator_values=[
            (v.indicator, v.member_state, v.value, v.note)
            for v in current.indicator_values.select_related("indicator", "member_state")
        ],
        links=[(link.url, link.title) for link in current.evidence_links.all()],
    )
    return progress_update_save(
        update=draft,
        content=content,
        acting_user=acting_user,
        reason=_("Correction of %(update)s") % {"update": current},
    )
