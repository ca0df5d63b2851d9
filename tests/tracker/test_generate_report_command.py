"""tracker/management/commands/generate_report.py: the command line's report, its errors and its archive."""

import hashlib
import io
import os

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tracker.models import Report, ReportState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def out_dir(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def run(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("generate_report", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def refused(*args):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert not Report.objects.exists()  # nothing kept in the archive either
    return str(error.value)


# --- What is asked for must exist ----------------------------------------------------------------


def test_an_unknown_cycle_names_the_known_ones(cycle, out_dir):
    factories.ReportingCycleFactory(slug="2025-H2")
    message = refused("--cycle", "2099-H1", "--format", "csv", "--output", str(out_dir / "r.csv"))
    assert "2099-H1" in message
    assert "Known cycles: 2026-H2, 2025-H2" in message
    assert list(out_dir.iterdir()) == []


def test_an_unknown_cycle_with_no_cycles_at_all(db, out_dir):
    message = refused("--cycle", "2026-H2", "--format", "csv", "--output", str(out_dir / "r.csv"))
    assert "none yet" in message


def test_a_planned_cycle_has_no_report(db, out_dir):
    factories.ReportingCycleFactory(slug="2027-H1")
    message = refused("--cycle", "2027-H1", "--format", "csv", "--output", str(out_dir / "r.csv"))
    assert "Cycle 2027-H1 is not open yet" in message
    assert list(out_dir.iterdir()) == []


def test_an_unknown_recommendation(cycle, out_dir):
    message = refused(
        "--cycle", "2026-H2", "--format", "csv", "--output", str(out_dir / "r.csv"), "--recommendation", "9"
    )
    assert "No recommendation number 9" in message
    assert list(out_dir.iterdir()) == []


def test_an_unknown_member_state(cycle, out_dir):
    message = refused(
        "--cycle", "2026-H2", "--format", "csv", "--output", str(out_dir / "r.csv"), "--member-state", "ZZ"
    )
    assert "'ZZ'" in message and "ISO alpha-2" in message
    assert list(out_dir.iterdir()) == []


def test_one_recommendation_or_one_member_state_not_both(cycle, out_dir):
    message = refused(
        "--cycle", "2026-H2", "--format", "csv", "--output", str(out_dir / "r.csv"),
        "--recommendation", "2", "--member-state", "VN",
    )  # fmt: skip
    assert "not allowed with" in message
    assert list(out_dir.iterdir()) == []


# --- Where the file goes ------------------------------------------------------------------------


def test_a_missing_folder_is_told_at_once(cycle, out_dir):
    target = out_dir / "missing" / "report.csv"
    message = refused("--cycle", "2026-H2", "--format", "csv", "--output", str(target))
    assert f"the folder {out_dir / 'missing'} does not exist" in message
    assert list(out_dir.iterdir()) == []


def test_a_folder_is_not_a_file_name(cycle, out_dir):
    message = refused("--cycle", "2026-H2", "--format", "csv", "--output", str(out_dir))
    assert "it is a folder" in message
    assert list(out_dir.iterdir()) == []


def test_a_folder_without_write_permission(cycle, out_dir):
    locked = out_dir / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: the folder stays writable whatever its mode")
        message = refused("--cycle", "2026-H2", "--format", "csv", "--output", str(locked / "report.csv"))
        assert "permission denied" in message
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


# --- A report written ---------------------------------------------------------------------------


def test_a_csv_report_is_written_and_kept_in_the_archive(approved_vn, out_dir):
    target = out_dir / "report.csv"
    stdout, stderr = run("--cycle", "2026-H2", "--format", "csv", "--output", str(target))

    content = target.read_bytes()
    report = Report.objects.get()
    assert (report.state, report.format, report.scope, report.language) == (
        ReportState.READY,
        "csv",
        "roadmap",
        "en",
    )
    assert report.requested_by is None
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.size == len(content)
    with report.file.open("rb") as archived:
        assert archived.read() == content
    assert report.file_name == "progress-report-2026-H2-roadmap-en.csv"
    # The approved update's figures, as CSV a spreadsheet opens.
    text = content.decode("utf-8-sig")
    assert "R2.1" in text and "40" in text
    # Progress on stderr, one line per stage; the result on stdout.
    lines = stderr.splitlines()
    assert "[  5%] Gathering the approved data" in lines
    assert "[ 40%] Writing the CSV file" in lines
    assert "[ 95%] Saving the file" in lines
    assert stdout.startswith(f"Wrote {target} (")
    assert f"sha256 {report.sha256[:16]}" in stdout
    assert f"report #{report.pk}, reference SMR/2026-H2/ROADMAP/EN/v1." in stdout
    assert [p.name for p in out_dir.iterdir()] == ["report.csv"]  # no temporary file left behind


def test_an_existing_file_is_replaced(approved_vn, out_dir):
    target = out_dir / "report.csv"
    target.write_bytes(b"old content")
    run("--cycle", "2026-H2", "--format", "csv", "--output", str(target))
    assert target.read_bytes() != b"old content"
    assert Report.objects.get().sha256 == hashlib.sha256(target.read_bytes()).hexdigest()


def test_an_html_report_for_one_member_state_in_vietnamese(approved_vn, viet_nam, out_dir):
    target = out_dir / "vn.html"
    stdout, stderr = run(
        "--cycle", "2026-H2", "--format", "html", "--output", str(target),
        "--member-state", "vn", "--language", "vi",
    )  # fmt: skip
    content = target.read_bytes()
    report = Report.objects.get()
    assert (report.scope, report.member_state, report.language, report.format) == (
        "member_state",
        viet_nam,
        "vi",
        "html",
    )
    assert report.requested_by is None
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.file_name == "progress-report-2026-H2-viet-nam-vi.html"
    html = content.decode("utf-8")
    assert "Thí điểm đánh giá mức độ sẵn sàng" in html  # the activity's Vietnamese title
    assert "Pilots ran in two provinces." in html  # the approved narrative
    percents = [int(line[1:4]) for line in stderr.splitlines()]
    assert percents[0] == 5 and percents[-1] == 95 and len(percents) >= 3
    assert percents == sorted(percents)  # progress only goes forward
    assert "Wrote" not in stderr
    assert stdout.startswith(f"Wrote {target} (")


def test_one_recommendation(approved_vn, plan, out_dir):
    target = out_dir / "rec2.csv"
    run("--cycle", "2026-H2", "--format", "csv", "--output", str(target), "--recommendation", "2")
    report = Report.objects.get()
    assert (report.scope, report.recommendation) == ("recommendation", plan["recommendation"])
    assert report.file_name == "progress-report-2026-H2-recommendation-2-en.csv"
    assert report.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
