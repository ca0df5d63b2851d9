"""The report archive's services: request, generate, issue, delete, and cut-off reports.

Reports are generated inline in tests (REPORT_RUNNER = "inline"); HTML is the format used here
because its renderer reads the same gathered data as every other format.
"""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.utils import timezone

from core import errors
from tests import factories
from tests.helpers import close_cycle, write_update
from tracker.models import Report, ReportScope, ReportState
from tracker.reports import services
from tracker.reports import services as build
from tracker.review import services as review_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_bytes(report):
    with report.file.storage.open(report.file.name, "rb") as handle:
        return handle.read()


def generate(user, cycle, fmt="html", **scope):
    return services.report_request(
        report=services.new_report(cycle=cycle, fmt=fmt, **scope), acting_user=user
    )


def test_new_report_carries_the_scope_asked_for(cycle, plan, viet_nam):
    assert services.new_report(cycle=cycle, fmt="pdf").scope == ReportScope.ROADMAP
    by_rec = services.new_report(cycle=cycle, fmt="csv", recommendation=plan["recommendation"])
    assert (by_rec.scope, by_rec.recommendation, by_rec.member_state) == (
        ReportScope.RECOMMENDATION,
        plan["recommendation"],
        None,
    )
    assert (
        services.new_report(cycle=cycle, fmt="html", member_state=viet_nam).scope == ReportScope.MEMBER_STATE
    )
    assert services.new_report(cycle=cycle, fmt="html").pk is None
    with pytest.raises(ValueError):
        services.new_report(
            cycle=cycle, fmt="html", recommendation=plan["recommendation"], member_state=viet_nam
        )


@pytest.mark.parametrize(
    ("who", "scope"),
    [
        ("observer_user", "roadmap"),
        ("costi_rep", "roadmap"),
        ("focal_vn", "roadmap"),
        ("focal_th", "viet_nam"),
        ("focal_vn", "recommendation"),
    ],
)
def test_request_refuses_what_the_rules_refuse_and_saves_nothing(request, cycle, plan, who, scope):
    user = request.getfixturevalue(who)
    scopes = {
        "roadmap": {},
        "viet_nam": {"member_state": request.getfixturevalue("viet_nam")},
        "recommendation": {"recommendation": plan["recommendation"]},
    }
    with pytest.raises(PermissionDenied):
        services.report_request(
            report=services.new_report(cycle=cycle, fmt="html", **scopes[scope]), acting_user=user
        )
    assert not Report.objects.exists()


def test_no_report_of_a_planned_cycle_from_any_way_in(plan, secretariat_user):
    # The report form offers no planned cycle; the services refuse one too, so nothing else can.
    planned = factories.ReportingCycleFactory(slug="2027-H1")

    with pytest.raises(errors.TransitionError, match="2027-H1 is not open yet"):
        services.report_request(
            report=services.new_report(cycle=planned, fmt="html"), acting_user=secretariat_user
        )
    with pytest.raises(errors.TransitionError, match="2027-H1 is not open yet"):
        services.report_generate_for_command(report=services.new_report(cycle=planned, fmt="html"))
    assert not Report.objects.exists()


def test_a_focal_point_generates_its_own_member_states_report(cycle, approved_vn, focal_vn, viet_nam):
    report = generate(focal_vn, cycle, member_state=viet_nam)
    assert report.state == ReportState.READY
    assert report.requested_by == focal_vn
    assert report.scope_label == "Viet Nam"


def test_generate_records_checksum_size_and_file_name(cycle, approved_vn, secretariat_user):
    before = timezone.now()
    report = generate(secretariat_user, cycle)

    report.refresh_from_db()
    content = stored_bytes(report)
    assert report.state == ReportState.READY
    assert (report.progress, report.error) == (100, "")
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.size == len(content) > 1000
    assert report.file_name == "progress-report-2026-H2-roadmap-en.html"
    assert report.file.name.endswith(".html") and report.file_name not in report.file.name
    assert report.requested_by == secretariat_user
    assert before <= report.started_at <= report.finished_at <= timezone.now()
    assert content.startswith(b"<!") and approved_vn.narrative.encode() in content


def test_the_command_lines_report_has_no_user(cycle, approved_vn):
    report = services.report_generate_for_command(report=services.new_report(cycle=cycle, fmt="html"))
    assert report.state == ReportState.READY
    assert report.requested_by is None
    assert b"the command line" in stored_bytes(report)


def test_the_command_lines_vietnamese_report_says_who_generated_it_in_vietnamese(cycle, approved_vn):
    report = services.report_generate_for_command(
        report=services.new_report(cycle=cycle, fmt="html", language="vi")
    )
    html = stored_bytes(report).decode()
    assert "dòng lệnh" in html
    assert "the command line" not in html


def test_a_failure_is_recorded_as_failed_with_its_error(cycle, plan, secretariat_user, monkeypatch):
    def broken(data, fmt, *, progress):
        progress(50, "Half way")
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(build, "render", broken)
    report = generate(secretariat_user, cycle)

    report.refresh_from_db()
    assert report.state == ReportState.FAILED
    assert report.error == "RuntimeError: the disk is full"
    assert report.stage == "Failed" and report.finished_at is not None
    assert not report.file and report.sha256 == "" and report.size is None


def test_only_a_closed_cycles_report_generated_after_closing_is_issued(cycle, plan, secretariat_user):
    provisional = generate(secretariat_user, cycle)
    assert provisional.provisional and provisional.awaiting_review == 0
    with pytest.raises(errors.TransitionError, match="cycle 2026-H2 is still open"):
        services.report_issue(report=provisional, acting_user=secretariat_user)
    assert not secretariat_user.has_perm("tracker.issue_report", provisional)

    close_cycle(cycle=cycle, by=secretariat_user)
    provisional.refresh_from_db()
    # Closing the cycle does not make a report gathered while it was open final.
    with pytest.raises(errors.TransitionError, match="generated while cycle 2026-H2 was open"):
        services.report_issue(report=provisional, acting_user=secretariat_user)
    assert not secretariat_user.has_perm("tracker.issue_report", provisional)
    provisional.refresh_from_db()
    assert provisional.issued_at is None

    final = generate(secretariat_user, cycle)
    assert not final.provisional
    assert secretariat_user.has_perm("tracker.issue_report", final)
    assert services.report_issue(report=final, acting_user=secretariat_user).is_issued


def test_a_report_records_whether_it_is_provisional_and_what_awaits_review(
    cycle, plan, focal_vn, focal_th, secretariat_user, viet_nam
):
    write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True)
    write_update(author=focal_th, activity=plan["activity"], cycle=cycle, submit=True)

    roadmap = generate(secretariat_user, cycle)
    own = generate(secretariat_user, cycle, member_state=viet_nam)

    assert (roadmap.provisional, roadmap.awaiting_review) == (True, 2)
    assert (own.provisional, own.awaiting_review) == (True, 1)  # Viet Nam's own only


def test_issue_only_when_ready_and_only_once(cycle, plan, secretariat_user, focal_vn, viet_nam, monkeypatch):
    close_cycle(cycle=cycle, by=secretariat_user)
    ready = generate(secretariat_user, cycle)
    with pytest.raises(PermissionDenied):
        services.report_issue(report=ready, acting_user=focal_vn)
    ready.refresh_from_db()
    assert ready.issued_at is None

    issued = services.report_issue(report=ready, acting_user=secretariat_user)
    assert issued.issued_by == secretariat_user and issued.issued_at is not None
    first_issue = issued.issued_at
    with pytest.raises(errors.TransitionError, match="already been issued"):
        services.report_issue(report=issued, acting_user=secretariat_user)
    issued.refresh_from_db()
    assert issued.issued_at == first_issue

    monkeypatch.setattr(build, "render", lambda *a, **k: 1 / 0)
    failed = generate(secretariat_user, cycle, member_state=viet_nam)
    assert failed.state == ReportState.FAILED
    with pytest.raises(errors.TransitionError, match="ready"):
        services.report_issue(report=failed, acting_user=secretariat_user)
    failed.refresh_from_db()
    assert failed.issued_at is None


def test_an_issued_reports_file_stays_byte_identical_after_the_data_changes(
    cycle, plan, approved_vn, secretariat_user, focal_th
):
    # Thailand submitted before the cycle closed; its review goes on after.
    news = "Thailand trained forty assessors in Bangkok."
    update = write_update(
        author=focal_th,
        activity=plan["activity"],
        cycle=cycle,
        submit=True,
        narrative=news,
        proposed_percent=70,
    )
    close_cycle(cycle=cycle, by=secretariat_user)
    issued = services.report_issue(report=generate(secretariat_user, cycle), acting_user=secretariat_user)
    frozen = stored_bytes(issued)
    assert hashlib.sha256(frozen).hexdigest() == issued.sha256

    # The record moves on: Thailand's update on the same activity is approved.
    review_services.progress_update_approve(update=update, acting_user=secretariat_user)

    issued.refresh_from_db()
    again = stored_bytes(issued)
    assert again == frozen
    assert hashlib.sha256(again).hexdigest() == issued.sha256
    assert news.encode() not in again
    # Not vacuous: a report generated now does carry the change.
    fresh = generate(secretariat_user, cycle)
    assert news.encode() in stored_bytes(fresh)
    assert fresh.sha256 != issued.sha256


def test_delete_removes_the_report_and_its_file(
    cycle, plan, secretariat_user, focal_vn, django_capture_on_commit_callbacks
):
    report = generate(secretariat_user, cycle)
    storage, name = report.file.storage, report.file.name
    assert storage.exists(name)
    with pytest.raises(PermissionDenied):
        services.report_delete(report=report, acting_user=focal_vn)
    assert storage.exists(name) and Report.objects.filter(pk=report.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.report_delete(report=report, acting_user=secretariat_user)
    assert not Report.objects.filter(pk=report.pk).exists()
    assert not storage.exists(name)


def test_an_issued_report_cannot_be_deleted(
    cycle, plan, secretariat_user, django_capture_on_commit_callbacks
):
    close_cycle(cycle=cycle, by=secretariat_user)
    issued = services.report_issue(report=generate(secretariat_user, cycle), acting_user=secretariat_user)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(errors.TransitionError, match="cannot be deleted"),
    ):
        services.report_delete(report=issued, acting_user=secretariat_user)
    assert Report.objects.filter(pk=issued.pk).exists()
    assert stored_bytes(issued)


def queued(user, cycle, settings, **scope):
    """A report waiting for its thread: the thread would start only once the test's transaction commits."""
    settings.REPORT_RUNNER = "thread"
    report = generate(user, cycle, **scope)
    settings.REPORT_RUNNER = "inline"
    return report


def test_a_queued_report_is_generated_by_the_worker(cycle, plan, secretariat_user, settings):
    report = queued(secretariat_user, cycle, settings)
    assert (report.state, report.stage) == (ReportState.QUEUED, "Waiting to start")

    services.run_queued_report(report.pk)
    report.refresh_from_db()
    assert report.state == ReportState.READY and stored_bytes(report)


def test_mark_stale_reports_fails_only_reports_cut_off(cycle, plan, secretariat_user, viet_nam, settings):
    cut_off = queued(secretariat_user, cycle, settings)
    waiting = queued(secretariat_user, cycle, settings, member_state=viet_nam)
    ready = generate(secretariat_user, cycle)
    long_ago = timezone.now() - datetime.timedelta(seconds=services.STALE_AFTER_SECONDS + 60)
    Report.objects.filter(pk__in=[cut_off.pk, ready.pk]).update(requested_at=long_ago)
    Report.objects.filter(pk=waiting.pk).update(state=ReportState.RUNNING)

    assert services.mark_stale_reports() == 1

    cut_off.refresh_from_db()
    assert cut_off.state == ReportState.FAILED
    assert "interrupted" in cut_off.error and cut_off.finished_at is not None
    assert Report.objects.get(pk=waiting.pk).state == ReportState.RUNNING
    assert Report.objects.get(pk=ready.pk).state == ReportState.READY
    assert services.mark_stale_reports() == 0


def test_a_report_still_being_generated_cannot_be_deleted(cycle, plan, secretariat_user, settings):
    report = queued(secretariat_user, cycle, settings)
    for state in (ReportState.QUEUED, ReportState.RUNNING):
        Report.objects.filter(pk=report.pk).update(state=state)
        with pytest.raises(errors.TransitionError, match="still being generated"):
            services.report_delete(report=report, acting_user=secretariat_user)
        assert Report.objects.filter(pk=report.pk).exists()


def test_a_progress_write_that_fails_does_not_stop_the_report(
    cycle, plan, secretariat_user, settings, monkeypatch
):
    report = queued(secretariat_user, cycle, settings, fmt="csv")
    real_update = type(Report.objects.none()).update
    calls = []

    def busy_on_progress(queryset, **fields):
        if set(fields) == {"progress", "stage"}:
            calls.append(fields["progress"])
            raise OperationalError("database is locked")
        return real_update(queryset, **fields)

    monkeypatch.setattr(type(Report.objects.none()), "update", busy_on_progress)
    services.run_queued_report(report.pk)
    report.refresh_from_db()
    assert calls  # the progress writes really failed
    assert report.state == ReportState.READY and report.progress == 100
    assert stored_bytes(report).startswith(b"\xef\xbb\xbf")  # the CSV, with its byte-order mark


def test_a_failure_after_the_build_marks_the_report_failed_and_leaves_no_file(
    cycle, plan, secretariat_user, settings, monkeypatch
):
    report = queued(secretariat_user, cycle, settings)
    written = []
    real_save = Report.save

    def failing_save(self, *args, **kwargs):
        if self.state == ReportState.READY:
            written.append(self.file.name)
            raise OperationalError("disk I/O error")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Report, "save", failing_save)
    services.run_queued_report(report.pk)
    report.refresh_from_db()
    assert report.state == ReportState.FAILED
    assert report.error == "OperationalError: disk I/O error"
    assert report.finished_at is not None and not report.file
    assert written and not report.file.storage.exists(written[0])
