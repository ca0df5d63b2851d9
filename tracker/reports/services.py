"""The report archive: request, generate (gather once, then render), issue, delete.

Queued reports are generated in a background thread by default, inline where settings say. A
thread keeps the page responsive without a broker: the report's row carries its progress, which
the page polls. A report cut off by a restart is marked failed (`mark_stale_reports`). Tests
that run in one transaction set REPORT_RUNNER = "inline", since a thread has its own connection
and cannot see their uncommitted data.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.errors import TransitionError
from core.permissions import require
from tracker.models import (
    CycleNarrative,
    CycleState,
    Report,
    ReportFormat,
    ReportingCycle,
    ReportNumber,
    ReportScope,
    ReportState,
)
from tracker.reports.content import ReportContent, gather_report
from tracker.reports.render import quiet, render

log = logging.getLogger(__name__)

# A report still "being generated" after this long was cut off (a server restart, say).
STALE_AFTER_SECONDS = 15 * 60


def new_report(*, cycle, fmt, language="en", recommendation=None, member_state=None) -> Report:
    """An unsaved report carrying the parameters asked for, for forms and permission checks."""
    scope = ReportScope.ROADMAP
    if recommendation is not None and member_state is not None:
        raise ValueError("A report covers one recommendation or one member state, not both.")
    if recommendation is not None:
        scope = ReportScope.RECOMMENDATION
    elif member_state is not None:
        scope = ReportScope.MEMBER_STATE
    return Report(
        cycle=cycle,
        format=ReportFormat(fmt).value,
        language=language,
        scope=scope,
        recommendation=recommendation,
        member_state=member_state,
    )


def check_cycle_reportable(cycle) -> None:
    """A planned cycle has no record yet: no report of it, whoever asks and however."""
    if cycle.state == CycleState.PLANNED:
        raise TransitionError(
            _(
                "Cycle %(slug)s is not open yet: nothing has been reported in it, "
                "so there is no report to generate."
            )
            % {"slug": cycle.slug}
        )


def _queue(report: Report, requested_by) -> None:
    """Save `report` (from `new_report`) as queued; `requested_by` None: the command line's.

    Every saved report passes here, from the browser or the command line, so the state gate is here.
    """
    check_cycle_reportable(report.cycle)
    report.requested_by = requested_by
    report.requested_at = timezone.now()
    report.state = ReportState.QUEUED
    report.stage = _("Waiting to start")
    report.full_clean(exclude=["file"])
    report.save()


def _failure(error: str) -> dict:
    """The fields that record a failed report."""
    return {
        "state": ReportState.FAILED,
        "finished_at": timezone.now(),
        "error": error[:2000],
        "stage": _("Failed"),
    }


def _error_text(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


@transaction.atomic
def report_request(*, report: Report, acting_user) -> Report:
    """Queue `report` (from `new_report`) for generation in the background; returns it saved."""
    require(acting_user, "tracker.generate_report", report)
    _queue(report, acting_user)
    dispatch(report.pk)
    report.refresh_from_db()
    return report


def report_generate(*, report: Report, progress=None) -> Report:
    """Generate a saved report's file now, in this thread; records the outcome on the report."""
    started = time.monotonic()
    Report.objects.filter(pk=report.pk).update(
        state=ReportState.RUNNING, started_at=timezone.now(), progress=1, stage=_("Starting")
    )

    def record(percent, stage):
        try:
            Report.objects.filter(pk=report.pk).update(progress=percent, stage=str(stage)[:120])
        except DatabaseError:  # a busy database delays the progress bar, not the report
            log.warning("Report %s: progress %s%% not recorded", report.pk, percent, exc_info=True)
        if progress:
            progress(percent, stage)

    report = Report.objects.select_related("cycle", "recommendation", "member_state", "requested_by").get(
        pk=report.pk
    )
    try:
        report = assign_reference(report)
        content, data = build_report(
            cycle=report.cycle,
            fmt=report.format,
            language=report.language,
            recommendation=report.recommendation,
            member_state=report.member_state,
            generated_by=_generated_by(report),
            generated_at=report.requested_at,
            progress=record,
            reference=report.reference,
            report_version=report.report_version,
        )
    except Exception as exc:  # noqa: BLE001 - the archive records every failure, whatever it is
        log.exception("Report %s failed", report.pk)
        Report.objects.filter(pk=report.pk).update(**_failure(_error_text(exc)))
        report.refresh_from_db()
        return report
    file_name = f"{data.file_stem}.{report.format}"
    stored = None
    try:
        with transaction.atomic():
            current = Report.objects.select_for_update().get(pk=report.pk)
            current.file.save(file_name, ContentFile(content), save=False)
            stored = current.file.name
            current.file_name = file_name
            current.provisional = data.provisional
            current.awaiting_review = data.awaiting_review
            current.narrative_version = data.narrative.version
            current.size = len(content)
            current.sha256 = hashlib.sha256(content).hexdigest()
            current.state = ReportState.READY
            current.progress = 100
            current.stage = _("Ready")
            current.finished_at = timezone.now()
            current.save()
    except Exception:
        if stored:  # the row does not point to it: nothing else would ever remove it
            current.file.storage.delete(stored)
        raise
    log.info("Report %s (%s) generated in %.1f s", report.pk, file_name, time.monotonic() - started)
    return current


def reference_scope(report: Report) -> str:
    """The scope part of a reference number: ROADMAP, REC3, or the member state's ISO code (VN)."""
    if report.scope == ReportScope.RECOMMENDATION and report.recommendation_id:
        return f"REC{report.recommendation.number}"
    if report.scope == ReportScope.MEMBER_STATE and report.member_state_id:
        return report.member_state.iso2.upper()
    return "ROADMAP"


@transaction.atomic
def assign_reference(report: Report) -> Report:
    """Give `report` its reference number and version, once: SMR/<cycle>/<scope>/<LANGUAGE>/v<n>, n
    counting the reports of the same cycle, scope and language generated so far, this one included.

    The count is kept apart from the reports (`ReportNumber`), locked while it moves, so a deleted
    trial run's number is never given again and two reports generated at once differ."""
    if report.reference:
        return report
    stem = "/".join(["SMR", report.cycle.slug, reference_scope(report), report.language.upper()])
    # The cycle's row serialises the first report of a stem, which creates its counter.
    ReportingCycle.objects.select_for_update().filter(pk=report.cycle_id).first()
    number, _created = ReportNumber.objects.select_for_update().get_or_create(key=stem)
    number.last += 1
    number.save(update_fields=["last"])
    reference = f"{stem}/v{number.last}"
    Report.objects.filter(pk=report.pk).update(reference=reference, report_version=number.last)
    report.reference, report.report_version = reference, number.last
    return report


def run_queued_report(report_id: int) -> None:
    """The background worker's entry point: generate one queued report, then let go of the database."""
    inline = runs_inline()
    try:
        report = Report.objects.filter(pk=report_id, state=ReportState.QUEUED).first()
        if report is not None:
            report_generate(report=report)
    except Exception as exc:  # noqa: BLE001 - a thread's error has no one to reach but the archive
        log.exception("Report %s failed outside its build", report_id)
        _mark_failed(report_id, exc)
    finally:
        if not inline:  # a thread's own connection; inline, it is the request's
            close_old_connections()


def _mark_failed(report_id, exc):
    """Best effort: the page polling this report learns it failed instead of waiting for the
    stale-report sweep; if the database is still unreachable, that sweep will do it."""
    try:
        Report.objects.filter(pk=report_id, state__in=[ReportState.QUEUED, ReportState.RUNNING]).update(
            **_failure(_error_text(exc))
        )
    except DatabaseError:
        log.exception("Report %s could not be marked failed", report_id)


def report_generate_for_command(*, report: Report, progress=None) -> Report:
    """The command line's way in: no user, so it is kept in the archive as generated there."""
    _queue(report, None)
    return report_generate(report=report, progress=progress)


def not_issuable_reason(report: Report) -> str:
    """Why a ready report cannot be issued for its cycle ("" if it can): only a closed cycle's report,
    gathered after the cycle closed, is final."""
    if report.cycle.state != CycleState.CLOSED:
        return _(
            "Only a closed cycle's report can be issued: cycle %(slug)s is still open. "
            "Close the cycle, then generate the report again and issue that one."
        ) % {"slug": report.cycle.slug}
    if report.provisional:
        return _(
            "This report was generated while cycle %(slug)s was open, so it is provisional. "
            "Generate the report again now that the cycle is closed, and issue that one."
        ) % {"slug": report.cycle.slug}
    # Issuing freezes the narrative as it stands: the file must hold that text, not an earlier one.
    written = (
        CycleNarrative.objects.filter(cycle_id=report.cycle_id).values_list("version", flat=True).first()
    )
    if written != report.narrative_version:
        return _(
            "The secretariat's narrative of cycle %(slug)s changed since this report was generated. "
            "Generate the report again, and issue that one."
        ) % {"slug": report.cycle.slug}
    return ""


@transaction.atomic
def report_issue(*, report: Report, acting_user) -> Report:
    """Issue a ready report: from now on it is frozen, kept for good and shown to every reader it concerns."""
    # The cycle's row first, as the narrative's save takes it: a save cannot slip between the check
    # that the file holds the narrative as it stands and the issue that freezes it.
    ReportingCycle.objects.select_for_update().filter(pk=report.cycle_id).first()
    current = Report.objects.select_for_update().get(pk=report.pk)
    if current.is_issued:
        raise TransitionError(_("This report has already been issued."))
    if current.state != ReportState.READY:
        raise TransitionError(_("Only a report that is ready can be issued."))
    reason = not_issuable_reason(current)
    if reason:
        raise TransitionError(reason)
    require(acting_user, "tracker.issue_report", current)
    current.issued_at = timezone.now()
    current.issued_by = acting_user
    current.save(update_fields=["issued_at", "issued_by"])
    return current


@transaction.atomic
def report_delete(*, report: Report, acting_user) -> None:
    """Remove a report nobody issued (a trial run, a wrong scope); issued reports are never deleted."""
    current = Report.objects.select_for_update().get(pk=report.pk)
    if current.is_issued:
        raise TransitionError(_("An issued report is kept for good and cannot be deleted."))
    require(acting_user, "tracker.delete_report", current)
    if not current.is_finished:
        # Its worker is still writing the file: deleting now would leave that file behind.
        raise TransitionError(_("This report is still being generated; delete it once it is finished."))
    storage, name = current.file.storage, current.file.name
    current.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _stale_cutoff():
    return timezone.now() - datetime.timedelta(seconds=STALE_AFTER_SECONDS)


def _stale_reports():
    return Report.objects.filter(
        state__in=[ReportState.QUEUED, ReportState.RUNNING], requested_at__lt=_stale_cutoff()
    )


def report_is_stale(report: Report) -> bool:
    """Still unfinished long after it was asked for: its worker is gone."""
    return not report.is_finished and report.requested_at < _stale_cutoff()


def mark_stale_reports():
    """Reports cut off mid-way (the server stopped) are marked failed, so nobody waits forever."""
    stale = _stale_reports()
    # Read first: pages call this on every view, and a write (a lock on SQLite) is rarely needed.
    if not stale.exists():
        return 0
    return stale.update(**_failure(_("Generation was interrupted; generate the report again.")))


def _generated_by(report):
    """Who generated the report, in words, in the report's language (not the request's or the thread's)."""
    if report.requested_by_id:
        return str(report.requested_by)
    with override(report.language):
        return _("the command line")


# progress(percent 0-100, what is happening now)
Progress = Callable[[int, str], None]


def build_report(
    *,
    cycle,
    fmt: str,
    language: str = "en",
    recommendation=None,
    member_state=None,
    generated_by: str = "",
    generated_at: datetime.datetime | None = None,
    progress: Progress = quiet,
    reference: str = "",
    report_version: int | None = None,
) -> tuple[bytes, ReportContent]:
    fmt = ReportFormat(fmt)
    with override(language):
        progress(5, _("Gathering the approved data"))
        data = gather_report(
            cycle,
            recommendation=recommendation,
            member_state=member_state,
            language=language,
            generated_by=generated_by,
            generated_at=generated_at,
            reference=reference,
            report_version=report_version,
        )
        progress(40, _("Writing the %(format)s file") % {"format": fmt.value.upper()})
        content = render(data, fmt.value, progress=progress)
        progress(95, _("Saving the file"))
    return content, data


def runs_inline() -> bool:
    return getattr(settings, "REPORT_RUNNER", "thread") == "inline"


def dispatch(report_id: int) -> None:
    """Generate the queued report: once the request's transaction commits, in a thread; or now."""
    if runs_inline():
        run_queued_report(report_id)
        return
    transaction.on_commit(
        lambda: threading.Thread(
            target=run_queued_report, args=(report_id,), name=f"report-{report_id}", daemon=True
        ).start()
    )
