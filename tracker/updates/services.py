"""Writes to progress updates: start, edit, submit, discard, correct; and the moves review shares.

Every function runs in one transaction, checks the rules (`core.permissions.require`), locks what
it changes, and records who acted, when and why (transition rows and django-simple-history).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import TransitionError, check_version
from core.permissions import require
from roadmap.models import Activity, Indicator, MemberState, Milestone
from tracker import notifications, selectors
from tracker.models import (
    UPDATE_TRANSITIONS,
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
from tracker.updates.evidence import check_evidence_file


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


def standing_update(cycle_id, activity_id, member_state_id, body_id):
    """The party's update that stands for the cycle: its latest, except that an approved update is
    not displaced by a correction of it still in the works (it stays approved until its correction
    is approved)."""
    party = party_filter(member_state_id, body_id)
    return (
        ProgressUpdate.objects.filter(cycle_id=cycle_id, activity_id=activity_id, **party)
        .exclude(Q(corrects__isnull=False) & ~Q(state=UpdateState.APPROVED))
        .order_by("-created_at", "-pk")
        .first()
    )


def sync_due_update(update: ProgressUpdate):
    """Mirror the party's standing update (`standing_update`) onto its due update, if one is due.

    The matrix, completeness, "My activities" and the report's participation all read the due
    update, so this is the one place the rule lives."""
    party = party_filter(update.member_state_id, update.body_id)
    latest = standing_update(update.cycle_id, update.activity_id, update.member_state_id, update.body_id)
    DueUpdate.objects.filter(cycle_id=update.cycle_id, activity_id=update.activity_id, **party).update(
        status=latest.state if latest else DueStatus.MISSING, update=latest
    )


def _record(update, *, from_state, to_state, actor, comment="", public_note=False):
    UpdateTransition.objects.create(
        update=update,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        comment=comment or "",
        public_note=public_note,
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
        require(acting_user, "tracker.add_progressupdate", update)
        update.state = UpdateState.DRAFT
    else:
        current = lock_update(update, expected_version)
        if not current.is_editable:
            raise TransitionError(
                _("This update is %(state)s and can no longer be edited.")
                % {"state": current.get_state_display()}
            )
        require(acting_user, "tracker.change_progressupdate", current)
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
            move_update(update, UpdateState.SUBMITTED, acting_user=acting_user, comment=reason)
        sync_due_update(update)
    except BaseException:
        # The rows go with the rollback; the files written for them must go too.
        for storage, name in stored:
            storage.delete(name)
        raise
    if submit:
        transaction.on_commit(lambda: notifications.update_submitted(update))
    return update


def move_update(update, to_state, *, acting_user, comment="", public_note=False):
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
    _record(
        update,
        from_state=from_state,
        to_state=to_state,
        actor=acting_user,
        comment=comment,
        public_note=public_note and to_state == UpdateState.RETURNED,
    )


def lock_update(update, expected_version, *, stale_message=None):
    """The stored update, locked, if it is still the version the user saw (`expected_version`)."""
    try:
        current = (
            ProgressUpdate.objects.select_for_update().select_related("cycle", "activity").get(pk=update.pk)
        )
    except ProgressUpdate.DoesNotExist:
        # Discarded by a colleague of the party since the page was loaded.
        raise TransitionError(
            _("This draft was discarded by someone of your party while you had it open: it no longer exists.")
        ) from None
    check_version(current, expected_version, message=stale_message)
    return current


def already_text(current):
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
    current = lock_update(update, expected_version)
    if current.state not in (UpdateState.DRAFT, UpdateState.RETURNED):
        raise TransitionError(
            already_text(current)
            if current.state == UpdateState.APPROVED
            else _("This update is already submitted.")
        )
    require(acting_user, "tracker.submit_progressupdate", current)
    _validate_for_submission(current)
    move_update(current, UpdateState.SUBMITTED, acting_user=acting_user, comment=comment)
    sync_due_update(current)
    transaction.on_commit(lambda: notifications.update_submitted(current))
    return current


@transaction.atomic
def progress_update_discard(
    *, update: ProgressUpdate, acting_user, expected_version: int | None = None
) -> None:
    """Delete a draft nobody has submitted; submitted and approved updates are never deleted.

    Only the version the user saw: a draft a colleague changed since is not deleted unseen."""
    current = lock_update(update, expected_version, stale_message=_discard_stale_text)
    if current.state != UpdateState.DRAFT:
        raise TransitionError(_("Only a draft can be discarded."))
    require(acting_user, "tracker.delete_progressupdate", current)
    names = [(e.file.storage, e.file.name) for e in current.evidence_files.all()]
    current._history_user = acting_user
    current._change_reason = _("Draft discarded")
    current.delete()
    sync_due_update(current)
    for storage, name in names:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def _discard_stale_text(current):
    return _(
        "Not discarded: %(who)s changed this draft since you opened it. Read it again, then discard it "
        "if you still want to."
    ) % {"who": current.author}


@transaction.atomic
def progress_update_correct(*, update: ProgressUpdate, acting_user) -> ProgressUpdate:
    """Start a correction of an approved update: a new draft carrying its content."""
    current = ProgressUpdate.objects.select_related("activity", "cycle").get(pk=update.pk)
    require(acting_user, "tracker.correct_progressupdate", current)
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
