"""The secretariat's narrative of a cycle for SEOM, and the report's document control.

- `save_cycle_narrative` writes it (secretariat only, versioned, with history) until a report of the
  cycle is issued; then it is frozen, in the service and on the page.
- Every format prints it in the report's language: the executive summary at the start of the
  executive summary; the challenges and the matters for SEOM in a section of their own. A Vietnamese
  report falls back to the English text, marked. Nothing written: nothing printed, provisional
  report or not (no "not yet written" note).
- Every format carries the document control: reference number and version (from the archive;
  "draft, not archived" without), date, classification, prepared by, the method note, the acronyms.
"""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from core import errors
from tests import factories
from tests.helpers import close_cycle
from tracker.models import CycleNarrative, Report
from tracker.narrative.services import save_cycle_narrative
from tracker.reports import services as report_services
from tracker.reports.content import gather_report
from tracker.reports.services import build_report

SUMMARY_EN = "SUMMARYMARK the cycle moved assessments forward in five member states."
SUMMARY_VI = "TOMTATMARK chu kỳ này đã đẩy mạnh đánh giá ở năm quốc gia thành viên."
CHALLENGES_EN = "CHALLENGEMARK funding for assessors is short; support needed from dialogue partners."
MATTERS_EN = "MATTERSMARK SEOM is invited to endorse the revised timeline."
MATTERS_VI = "VANDEMARK SEOM được đề nghị thông qua lộ trình sửa đổi."
FALLBACK_VI = "(Tiếng Anh; chưa có văn bản tiếng Việt)"
FORMATS = ["html", "pdf", "xlsx", "docx"]


def write(cycle, user, version=None, **fields):
    values = {
        "executive_summary": SUMMARY_EN,
        "executive_summary_vi": SUMMARY_VI,
        "challenges": CHALLENGES_EN,
        "challenges_vi": "",
        "matters_for_seom": MATTERS_EN,
        "matters_for_seom_vi": MATTERS_VI,
    }
    values.update(fields)
    return save_cycle_narrative(cycle=cycle, acting_user=user, version=version, **values)


def text_of(fmt, content):
    if fmt == "pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(content))
        cells = [
            str(c.value)
            for ws in book.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]
        return "\n".join(book.sheetnames + cells)
    if fmt == "docx":
        doc = Document(io.BytesIO(content))
        parts = [p.text for p in doc.paragraphs]
        parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
        return "\n".join(parts)
    return content.decode("utf-8")


def flat(text):
    """PDF text runs across lines: compare words, not line breaks."""
    return " ".join(text.split())


def issue_a_report(cycle, user):
    close_cycle(cycle=cycle, by=user)
    report = report_services.report_request(
        report=report_services.new_report(cycle=cycle, fmt="html"), acting_user=user
    )
    return report_services.report_issue(report=report, acting_user=user)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- The service ------------------------------------------------------------------------------------


def test_the_secretariat_writes_and_changes_the_narrative_with_history(cycle, secretariat_user):
    first = write(cycle, secretariat_user)
    assert (first.version, first.updated_by, first.executive_summary) == (1, secretariat_user, SUMMARY_EN)
    second = write(cycle, secretariat_user, version=1, challenges="Shorter.", reason="Tightened wording.")
    assert second.version == 2
    assert CycleNarrative.objects.get(cycle=cycle).challenges == "Shorter."
    reasons = list(second.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons == ["Written", "Tightened wording."]


def test_a_stale_version_is_refused_and_nothing_is_saved(cycle, secretariat_user):
    write(cycle, secretariat_user)
    write(cycle, secretariat_user, version=1, challenges="Someone else's edit.")
    with pytest.raises(errors.StaleVersionError):
        write(cycle, secretariat_user, version=1, challenges="My late edit.")
    assert CycleNarrative.objects.get(cycle=cycle).challenges == "Someone else's edit."


@pytest.mark.parametrize("who", ["focal_vn", "observer_user", "costi_rep"])
def test_only_the_secretariat_writes_it(cycle, request, who):
    with pytest.raises(PermissionDenied):
        write(cycle, request.getfixturevalue(who))
    assert not CycleNarrative.objects.exists()


def test_an_issued_report_freezes_the_narrative(cycle, plan, secretariat_user):
    write(cycle, secretariat_user)
    issue_a_report(cycle, secretariat_user)
    with pytest.raises(errors.TransitionError, match="was issued"):
        write(cycle, secretariat_user, version=1, executive_summary="Rewritten after issue.")
    assert CycleNarrative.objects.get(cycle=cycle).executive_summary == SUMMARY_EN


def test_a_report_built_with_an_earlier_narrative_cannot_be_issued(cycle, plan, secretariat_user):
    write(cycle, secretariat_user)
    close_cycle(cycle=cycle, by=secretariat_user)
    report = report_services.report_request(
        report=report_services.new_report(cycle=cycle, fmt="html"), acting_user=secretariat_user
    )
    write(cycle, secretariat_user, version=1, matters_for_seom="Changed after the report was generated.")
    with pytest.raises(errors.TransitionError, match="changed since this report was generated"):
        report_services.report_issue(report=report, acting_user=secretariat_user)
    # Generated again, it holds the narrative as it stands, and is issued.
    again = report_services.report_request(
        report=report_services.new_report(cycle=cycle, fmt="html"), acting_user=secretariat_user
    )
    assert report_services.report_issue(report=again, acting_user=secretariat_user).is_issued


def test_a_report_keeps_the_narrative_version_it_was_built_with(cycle, plan, secretariat_user):
    write(cycle, secretariat_user)
    write(cycle, secretariat_user, version=1, challenges="Second version.")
    report = report_services.report_request(
        report=report_services.new_report(cycle=cycle, fmt="html"), acting_user=secretariat_user
    )
    assert report.narrative_version == 2
    assert "Second version." in report.file.open("rb").read().decode()


def test_the_archive_page_shows_the_reference_and_the_narrative_version(
    cycle, plan, secretariat_user, sec_client
):
    write(cycle, secretariat_user)
    report = report_services.report_request(
        report=report_services.new_report(cycle=cycle, fmt="html"), acting_user=secretariat_user
    )
    page = sec_client.get(report.get_absolute_url()).content.decode()
    assert "SMR/2026-H2/ROADMAP/EN/v1" in page
    assert "built with the secretariat's narrative, version 1" in page


# --- The page -------------------------------------------------------------------------------------


def page_data(**fields):
    data = {
        "executive_summary": SUMMARY_EN,
        "executive_summary_vi": "",
        "challenges": "",
        "challenges_vi": "",
        "matters_for_seom": "",
        "matters_for_seom_vi": "",
        "classification": "ASEAN Confidential",
        "prepared_by": "ASEAN Secretariat, Science and Technology Division",
    }
    data.update(fields)
    return data


def test_the_page_saves_the_narrative_and_says_so(cycle, sec_client):
    cycle_page = sec_client.get(reverse("tracker:cycle_detail", args=[cycle.slug])).content.decode()
    url = reverse("tracker:cycle_narrative", args=[cycle.slug])
    assert url in cycle_page
    page = sec_client.get(url).content.decode()
    for label in ("Executive summary", "Vietnamese", "Challenges and support needed", "Classification"):
        assert label in page
    response = sec_client.post(url, page_data(), follow=True)
    assert "is saved (version 1)" in response.content.decode()
    stored = CycleNarrative.objects.get(cycle=cycle)
    assert (stored.executive_summary, stored.classification) == (SUMMARY_EN, "ASEAN Confidential")


def test_a_stale_edit_on_the_page_keeps_what_was_typed(cycle, sec_client, secretariat_user):
    write(cycle, secretariat_user)
    write(cycle, secretariat_user, version=1, challenges="Someone else's edit.")
    url = reverse("tracker:cycle_narrative", args=[cycle.slug])
    response = sec_client.post(url, page_data(version=1, challenges="My words, typed late."))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in page and "My words, typed late." in page
    assert CycleNarrative.objects.get(cycle=cycle).challenges == "Someone else's edit."


def test_the_page_of_a_frozen_narrative_is_read_only_and_says_why(cycle, plan, sec_client, secretariat_user):
    write(cycle, secretariat_user)
    issue_a_report(cycle, secretariat_user)
    url = reverse("tracker:cycle_narrative", args=[cycle.slug])
    page = sec_client.get(url).content.decode()
    assert 'id="narrative-frozen"' in page and "can no longer be changed" in page
    assert 'id="narrative-form"' not in page and SUMMARY_EN in page
    response = sec_client.post(url, page_data(executive_summary="After issue."), follow=True)
    assert "can no longer be changed" in response.content.decode()
    assert CycleNarrative.objects.get(cycle=cycle).executive_summary == SUMMARY_EN


# --- The report -----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_prints_the_narrative_in_english(cycle, plan, secretariat_user, fmt):
    write(cycle, secretariat_user)
    content, data = build_report(cycle=cycle, fmt=fmt, language="en")
    text = flat(text_of(fmt, content))
    for words in (SUMMARY_EN, CHALLENGES_EN, MATTERS_EN, "Challenges and support needed"):
        assert flat(words) in text, words
    assert "Matters for SEOM" in text
    assert "TOMTATMARK" not in text and "VANDEMARK" not in text
    # The secretariat's summary opens the executive summary; the challenges come after it.
    assert text.index("SUMMARYMARK") < text.index("CHALLENGEMARK") < text.index("MATTERSMARK")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_prints_the_vietnamese_text_or_the_english_marked(cycle, plan, secretariat_user, fmt):
    write(cycle, secretariat_user)
    content, data = build_report(cycle=cycle, fmt=fmt, language="vi")
    text = flat(text_of(fmt, content))
    assert flat(SUMMARY_VI) in text and flat(MATTERS_VI) in text
    assert "SUMMARYMARK" not in text and "MATTERSMARK" not in text
    # No Vietnamese challenges: the English, with the mark in Vietnamese.
    assert flat(CHALLENGES_EN) in text and FALLBACK_VI in text
    assert (
        data.narrative.challenges.english_fallback and not data.narrative.executive_summary.english_fallback
    )


@pytest.mark.parametrize("fmt", ["html", "xlsx", "docx"])
def test_nothing_is_printed_when_nothing_was_written(cycle, plan, fmt):
    content, data = build_report(cycle=cycle, fmt=fmt)
    assert data.provisional and not data.narrative.has_sections
    text = text_of(fmt, content)
    assert "Challenges and support needed" not in text
    assert "Matters for SEOM" not in text
    assert 'id="secretariat-summary"' not in text


# --- Document control -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_carries_the_document_control(cycle, plan, secretariat_user, accmsme, fmt):
    write(cycle, secretariat_user, classification="ASEAN Confidential", prepared_by="ACCSQ Secretariat desk")
    content, data = build_report(
        cycle=cycle, fmt=fmt, reference="SMR/2026-H2/ROADMAP/EN/v3", report_version=3
    )
    text = flat(text_of(fmt, content))
    for words in (
        "Document control",
        "SMR/2026-H2/ROADMAP/EN/v3",
        "ASEAN Confidential",
        "ACCSQ Secretariat desk",
        "Only approved progress updates count",
        "rounded half up",
        "Acronyms",
        # From the bodies in the database, and the report's own terms.
        "ASEAN Coordinating Committee on MSMEs",
        "Senior Economic Officials Meeting",
    ):
        assert words in text, (fmt, words)


@pytest.mark.parametrize("fmt", ["html", "xlsx", "docx"])
def test_the_document_control_in_vietnamese(cycle, plan, settings, fmt):
    content, data = build_report(cycle=cycle, fmt=fmt, language="vi")
    text = text_of(fmt, content)
    assert data.narrative.control.classification == "Hạn chế trong ASEAN"  # the setting's default
    assert "Kiểm soát tài liệu" in text and "Hạn chế trong ASEAN" in text
    assert "Bản nháp, không lưu trữ" in text  # no reference outside the archive
    assert "Hội nghị Quan chức Kinh tế cấp cao" in text


def test_the_classification_defaults_to_the_setting(cycle, plan, settings):
    settings.REPORT_CLASSIFICATION = "Public"
    assert gather_report(cycle).narrative.control.classification == "Public"
    assert gather_report(cycle).narrative.control.prepared_by == "ASEAN Secretariat"


def test_reference_numbers_count_per_cycle_scope_and_language(cycle, plan, secretariat_user, viet_nam):
    def generate(fmt="html", **kwargs):
        return report_services.report_request(
            report=report_services.new_report(cycle=cycle, fmt=fmt, **kwargs), acting_user=secretariat_user
        )

    first = generate()
    second = generate(fmt="csv")
    vi = generate(language="vi")
    rec = generate(recommendation=plan["recommendation"])
    ms = generate(member_state=viet_nam)
    assert [r.reference for r in (first, second, vi, rec, ms)] == [
        "SMR/2026-H2/ROADMAP/EN/v1",
        "SMR/2026-H2/ROADMAP/EN/v2",
        "SMR/2026-H2/ROADMAP/VI/v1",
        f"SMR/2026-H2/REC{plan['recommendation'].number}/EN/v1",
        "SMR/2026-H2/VN/EN/v1",
    ]
    assert (first.report_version, second.report_version) == (1, 2)
    # Deleting a trial run never hands its number out again.
    report_services.report_delete(report=second, acting_user=secretariat_user)
    assert generate().reference == "SMR/2026-H2/ROADMAP/EN/v3"
    assert "SMR/2026-H2/ROADMAP/EN/v1" in first.file.open("rb").read().decode()
    assert Report.objects.filter(reference="SMR/2026-H2/ROADMAP/EN/v1").count() == 1


def test_gathering_the_narrative_adds_a_fixed_number_of_queries(cycle, plan, secretariat_user, accmsme):
    with CaptureQueriesContext(connection) as before:
        gather_report(cycle)
    write(cycle, secretariat_user)
    factories.BodyFactory(acronym="APO", name="Asian Productivity Organization")
    factories.BodyFactory(acronym="AEM", name="ASEAN Economic Ministers")
    with CaptureQueriesContext(connection) as after:
        report = gather_report(cycle)
    assert len(after) == len(before)
    assert ("APO", "Asian Productivity Organization") in report.narrative.control.acronyms
    narrative_queries = [q for q in after.captured_queries if "cyclenarrative" in q["sql"]]
    assert len(narrative_queries) == 1
