"""The cycle report in each format, built through the real services and read back as a reader would."""

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from core.spreadsheets import FORMULA_PREFIXES
from roadmap.models import Activity, Indicator
from tests import factories
from tests.helpers import close_cycle, open_cycle, write_update
from tracker.cycles import services as cycle_services
from tracker.reports.content import gather_report
from tracker.reports.render import render
from tracker.reports.render.pdf import ResourceRefused, StaticFilesOnly
from tracker.reports.services import build_report
from tracker.review import services as review_services
from tracker.updates import services as update_services

VI_NARRATIVE = "Thúc đẩy nhận thức – Việt Nam đã triển khai thí điểm ở hai tỉnh"
FORMULA_NARRATIVE = '=HYPERLINK("http://evil.example/steal","Open")'
PLUS_NARRATIVE = "+1 pilot site added in Chiang Mai"
AT_NARRATIVE = "@SUM(A1:A9) is the budget line we used"
# Text of updates that are not approved: no format may show it.
DRAFT_TEXT = "DRAFTMARKER unapproved draft words"
SUBMITTED_TEXT = "SUBMITTEDMARKER awaiting review"
RETURNED_TEXT = "RETURNEDMARKER sent back"
UNAPPROVED = ("DRAFTMARKER", "SUBMITTEDMARKER", "RETURNEDMARKER")

FORMATS = ["html", "pdf", "xlsx", "csv", "docx"]


def _approve(user, activity, cycle, secretariat_user, narrative, content=None, **fields):
    update = update_services.new_update(activity=activity, cycle=cycle, author=user)
    update.narrative = narrative
    for name, value in fields.items():
        setattr(update, name, value)
    update = update_services.progress_update_save(
        update=update, content=content or update_services.UpdateContent(), acting_user=user, submit=True
    )
    return review_services.progress_update_approve(update=update, acting_user=secretariat_user)


@pytest.fixture
def record(plan, cycle, roadmap, viet_nam, thailand, focal_vn, focal_th, secretariat_user):
    """R2.1 to R2.4 with approved updates (Vietnamese and formula-like text) and unapproved ones."""
    rec = plan["recommendation"]
    r22 = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=rec,
        code="R2.2",
        title="Pilot lines in SMEs",
        lead_member_states=[thailand],
        participating_member_states=[viet_nam],
    )
    r23 = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=rec,
        code="R2.3",
        title="Assessor training",
        lead_member_states=[viet_nam],
        participating_member_states=[thailand],
    )
    r24 = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=rec,
        code="R2.4",
        title="Testbed network",
        lead_member_states=[thailand],
    )
    # The cycle was opened before these activities existed: they owe reports from now on.
    for activity, party in (
        (r22, thailand),
        (r22, viet_nam),
        (r23, viet_nam),
        (r23, thailand),
        (r24, thailand),
    ):
        cycle_services.due_update_add(
            cycle=cycle, activity=activity, member_state=party, acting_user=secretariat_user
        )

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    _approve(
        focal_th,
        plan["activity"],
        cycle,
        secretariat_user,
        FORMULA_NARRATIVE,
        proposed_percent=35,
        challenges="-5 assessors left",
        proposed_status="ongoing",
    )
    _approve(
        focal_vn,
        plan["activity"],
        cycle,
        secretariat_user,
        VI_NARRATIVE,
        content=update_services.UpdateContent(
            achievements=[(plan["milestone"], yesterday)],
            indicator_values=[(plan["indicator"], viet_nam, Decimal("120"), "Provisional")],
            links=[("https://example.org/pilot-report", "Pilot report")],
        ),
        proposed_percent=40,
        proposed_status="ongoing",
        next_steps="Đánh giá 200 doanh nghiệp",
    )
    _approve(
        focal_th, r22, cycle, secretariat_user, PLUS_NARRATIVE, proposed_percent=20, proposed_status="ongoing"
    )
    _approve(
        focal_vn,
        r23,
        cycle,
        secretariat_user,
        AT_NARRATIVE,
        proposed_percent=60,
        proposed_status="delayed",
        proposed_flag="amber",
    )
    write_update(author=focal_vn, activity=r22, cycle=cycle, narrative=DRAFT_TEXT)
    write_update(author=focal_th, activity=r23, cycle=cycle, submit=True, narrative=SUBMITTED_TEXT)
    returned = write_update(author=focal_th, activity=r24, cycle=cycle, submit=True, narrative=RETURNED_TEXT)
    review_services.progress_update_return(
        update=returned, comment="Name the sites.", acting_user=secretariat_user
    )
    return {"cycle": cycle, "activities": [plan["activity"], r22, r23, r24]}


def _build(record, fmt, language="en"):
    content, data = build_report(
        cycle=record["cycle"], fmt=fmt, language=language, generated_by="Dewi Lestari"
    )
    return content, data


def _pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _docx_text(content):
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _xlsx_text(content):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(
        str(cell.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    )


def _text_of(fmt, content):
    if fmt == "pdf":
        return _pdf_text(content)
    if fmt == "xlsx":
        return _xlsx_text(content)
    if fmt == "docx":
        return _docx_text(content)
    return content.decode("utf-8")


# --- PDF -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_pdf_carries_the_cycle_the_activities_and_the_vietnamese_narrative(record):
    content, data = _build(record, "pdf")

    reader = PdfReader(io.BytesIO(content))
    text = _pdf_text(content)
    flat = re.sub(r"\s+", " ", text)
    assert content.startswith(b"%PDF-")
    assert len(reader.pages) >= 5  # cover, contents, summary, a recommendation, participation, annex
    assert "2026 second half" in flat
    assert "R2.1" in flat and "R2.3" in flat
    assert VI_NARRATIVE in flat  # the diacritics survive embedding and extraction
    assert "Đánh giá 200 doanh nghiệp" in flat  # annex fields too
    assert "first reporting cycle" in flat  # no previous cycle to compare with
    assert "Page 2 of" in flat  # page numbers in the margin
    assert data.title in flat  # the report's title, on the cover and in the page margins
    assert reader.metadata.title.startswith(data.title)


@pytest.mark.slow
def test_pdf_embeds_the_dejavu_fonts(record):
    content, _data = _build(record, "pdf")

    reader = PdfReader(io.BytesIO(content))
    fonts = set()
    for page in reader.pages[:4]:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).replace("-", ""))
    assert any(name.endswith("DejaVuSans") for name in fonts)
    assert any(name.endswith("DejaVuSansBold") for name in fonts)


def test_pdf_fetcher_serves_our_fonts_and_refuses_everything_else():
    fetcher = StaticFilesOnly()

    font = fetcher("static-file:fonts/DejaVuSans.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"  # a TrueType file
    for url in (
        "https://example.com/logo.png",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "data:text/plain,hello",
        "static-file:../config/settings/base.py",
        "static-file:fonts/../../manage.py",
        "static-file://evil.example/fonts/DejaVuSans.ttf",
        "static-file:fonts/missing.ttf",
    ):
        with pytest.raises(ResourceRefused):
            fetcher(url)


@pytest.mark.slow
def test_pdf_ignores_an_external_image_in_the_layout(record, monkeypatch):
    from tracker.reports.render import html as html_renderer

    asked = []
    original = StaticFilesOnly.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFilesOnly, "fetch", spy)
    real = html_renderer.render_string
    monkeypatch.setattr(
        html_renderer,
        "render_string",
        lambda report, pdf=False: real(report, pdf=pdf).replace(
            "</main>", '<img src="https://example.com/tracker.png" alt=""></main>'
        ),
    )

    content, _data = _build(record, "pdf")

    assert content.startswith(b"%PDF-")
    assert "https://example.com/tracker.png" in asked  # it was asked for, and refused
    assert all(u.startswith("static-file:fonts/") for u in asked if u != "https://example.com/tracker.png")
    assert {"static-file:fonts/DejaVuSans.ttf", "static-file:fonts/DejaVuSans-Bold.ttf"} <= set(asked)


# --- XLSX ------------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_table_with_typed_cells(record):
    content, data = _build(record, "xlsx")

    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "Document control",
        "Report",
        "Summary",
        "Activities",
        "Milestones",
        "Indicators",
        "Indicator results",
        "Participation",
        "Reporting discipline",
        "Matrix",
        "Delivery issues",
        "Changes",
        "Annex",
    ]
    activities = book["Activities"]
    # The cycle is open: the provisional mark is row 1, the header row 2.
    header = [c.value for c in activities[2]]
    assert header[:3] == ["Recommendation", "Code", "Title"]
    assert all(c.font.bold for c in activities[2])
    assert activities.freeze_panes == "A3"
    assert activities.auto_filter.ref.startswith("A2:")
    rows = {r[1]: r for r in activities.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {"R2.1", "R2.2", "R2.3", "R2.4"}
    r21 = rows["R2.1"]
    assert r21[0] == 2 and r21[7] == 40  # numbers as numbers
    assert isinstance(r21[8], datetime.datetime)  # dates as dates
    assert r21[12] == VI_NARRATIVE
    assert activities.column_dimensions["C"].width >= 40

    annex = list(book["Annex"].iter_rows(min_row=3, values_only=True))
    narratives = {r[11] for r in annex}
    assert "'" + FORMULA_NARRATIVE in narratives
    assert any(r[13] == "'-5 assessors left" for r in annex)
    assert isinstance(annex[0][5], datetime.datetime) and annex[0][5].tzinfo is None

    indicators = list(book["Indicators"].iter_rows(min_row=3, values_only=True))
    assert any(r[8] == "Viet Nam" and r[9] == 120 and r[10] == "2026-H2" for r in indicators)
    summary = list(book["Summary"].iter_rows(min_row=3, values_only=True))
    assert summary[-1][0] == "Total" and summary[-1][1] == data.activity_count == 4


def test_xlsx_has_no_cell_that_spreadsheets_would_execute(record):
    content, _data = _build(record, "xlsx")

    book = openpyxl.load_workbook(io.BytesIO(content))
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(FORMULA_PREFIXES), (ws.title, cell.coordinate)
    assert "'" + PLUS_NARRATIVE in texts and "'" + AT_NARRATIVE in texts


# --- CSV -------------------------------------------------------------------------------------------


def test_csv_is_one_row_per_activity_with_a_bom_and_neutralised_text(record):
    content, data = _build(record, "csv")

    assert content.startswith(b"\xef\xbb\xbf")  # Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header == [
        "Recommendation",
        "Code",
        "Title",
        "Lead",
        "Participants",
        "Status",
        "Flag",
        "Percent complete",
        "Planned start",
        "Planned end",
        "Baseline start",
        "Baseline end",
        "Narrative (latest approved this cycle)",
        "Status, flag and percent from",
        "Illustrative",
        "Delivery issue: cause",
        "Delivery issue: remedy",
        "Report status",
    ]
    assert len(body) == data.activity_count == 4
    by_code = {r[1]: r for r in body}
    assert by_code["R2.1"][12] == VI_NARRATIVE  # the latest approved narrative, with its diacritics
    assert by_code["R2.1"][3] == "Viet Nam" and "Thailand" in by_code["R2.1"][4]
    assert by_code["R2.1"][7] == "40" and by_code["R2.1"][8] == "2024-01-01"
    assert by_code["R2.2"][12] == "'" + PLUS_NARRATIVE
    assert by_code["R2.3"][12] == "'" + AT_NARRATIVE
    assert by_code["R2.4"][12] == ""  # its only update was returned
    for row in rows:
        for value in row:
            assert not value.lstrip("\ufeff").startswith(FORMULA_PREFIXES)


# --- DOCX ------------------------------------------------------------------------------------------


def test_docx_is_an_editable_document_with_headings_and_tables(record):
    content, data = _build(record, "docx")

    doc = Document(io.BytesIO(content))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Executive summary") in headings
    assert any(style == "Heading 1" and text.startswith("Recommendation 2") for style, text in headings)
    assert ("Heading 1", "Annex: approved progress updates") in headings
    assert any(style == "Heading 2" and text.startswith("R2.1") for style, text in headings)
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == [data.title]
    styles = [t.style.name for t in doc.tables]
    assert styles.count("Table Grid") >= 6 and set(styles) <= {"Table Grid", "Normal Table"}  # cover: plain
    text = _docx_text(content)
    assert VI_NARRATIVE in text and FORMULA_NARRATIVE in text  # Word runs no formulas: kept as written
    assert "R2.3" in text and "2026 second half" in text
    assert "first reporting cycle" in text
    assert "Generated by Dewi Lestari" in text
    assert doc.core_properties.title == data.title


# --- HTML ------------------------------------------------------------------------------------------


def test_html_is_one_self_contained_page(record):
    content, data = _build(record, "html")

    page = content.decode("utf-8")
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert data.title in page and "R2.1" in page and VI_NARRATIVE in page
    assert "<svg" in page and 'role="img"' in page  # the charts, inline
    assert page.count("<svg") >= 3
    assert ".chapter-title" in page  # report.css, inlined
    # Nothing is loaded from elsewhere: no stylesheet, script, image or font by address.
    assert not re.search(r"<link\b|<script\b|<img\b|<iframe\b|@import", page, re.I)
    assert not re.search(r"""(src|srcset|data|poster)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I)
    assert 'href="#summary"' in page and 'id="summary"' in page  # the contents, with anchors
    assert "break-before: page" in page  # print CSS
    assert f"<p>{FORMULA_NARRATIVE}</p>" in page  # a paragraph of text: HTML runs no formulas
    assert "first reporting cycle" in page


def test_html_renders_markdown_narratives_sanitised(
    record, plan, focal_vn, secretariat_user, roadmap, viet_nam
):
    activity = factories.ActivityFactory(
        roadmap=roadmap, recommendation=plan["recommendation"], code="R2.9", lead_member_states=[viet_nam]
    )
    cycle_services.due_update_add(
        cycle=record["cycle"], activity=activity, member_state=viet_nam, acting_user=secretariat_user
    )
    _approve(
        focal_vn,
        activity,
        record["cycle"],
        secretariat_user,
        "**Bold claim**\n\n<script>alert(1)</script><img src=x onerror=alert(2)>",
    )

    page = _build(record, "html")[0].decode("utf-8")

    assert "<strong>Bold claim</strong>" in page
    assert "<script>alert" not in page and "onerror" not in page


# --- Every format -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_shows_drafts_submitted_or_returned_updates(record, fmt):
    content, _data = _build(record, fmt)

    text = _text_of(fmt, content)
    assert "R2.4" in text  # the activity is there ...
    for marker in UNAPPROVED:
        assert marker not in text  # ... but not what was not approved


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx", "docx"])  # the CSV lists activities, no average
def test_every_format_rounds_the_average_half_up(record, fmt):
    # R2.4 has no approved update: its plan record says 13. (40 + 20 + 60 + 13) / 4 = 33.25, which a
    # spreadsheet's ROUND over the Activities sheet makes 33.3 (Python's round() gives 33.2).
    r24 = record["activities"][3]
    r24.percent_complete = 13
    r24.save()
    content, data = _build(record, fmt)
    assert data.completion == Decimal("33.3")
    text = _text_of(fmt, content)
    assert "33.3" in text and "33.2" not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_renderers_do_not_query_the_database(record, fmt, django_assert_num_queries):
    report = gather_report(record["cycle"], generated_by="Dewi Lestari")

    with django_assert_num_queries(0):
        content = render(report, fmt)

    assert len(content) > 500


@pytest.mark.parametrize("fmt", FORMATS)
def test_progress_is_reported_while_rendering(record, fmt):
    steps = []

    build_report(cycle=record["cycle"], fmt=fmt, progress=lambda percent, text: steps.append((percent, text)))

    percents = [p for p, _text in steps]
    assert percents == sorted(percents) and len(steps) >= 4
    assert all(text for _p, text in steps)


def test_changes_since_the_previous_cycle_are_listed(plan, focal_vn, secretariat_user):
    today = timezone.localdate()
    earlier = factories.ReportingCycleFactory(
        slug="2026-H1",
        name="2026 first half",
        period_start=today - datetime.timedelta(days=400),
        period_end=today - datetime.timedelta(days=200),
        deadline=today - datetime.timedelta(days=190),
    )
    cycle_services.cycle_open(cycle=earlier, acting_user=secretariat_user)
    _approve(
        focal_vn,
        plan["activity"],
        earlier,
        secretariat_user,
        "Started.",
        proposed_percent=10,
        proposed_status="ongoing",
    )
    cycle_services.cycle_close(cycle=earlier, acting_user=secretariat_user)
    current = open_cycle(by=secretariat_user)
    _approve(
        focal_vn,
        plan["activity"],
        current,
        secretariat_user,
        "Halfway.",
        proposed_percent=50,
        proposed_status="ongoing",
    )

    page = build_report(cycle=current, fmt="html")[0].decode("utf-8")
    book = openpyxl.load_workbook(io.BytesIO(build_report(cycle=current, fmt="xlsx")[0]))

    assert "What changed since the previous cycle" in page
    assert "first reporting cycle" not in page
    assert re.search(r"10%</td>\s*<td class=\"after\">50%", page)
    changes = list(book["Changes"].iter_rows(values_only=True))
    assert changes[0][0].startswith("Provisional")  # 2026-H2 is open
    assert changes[1][3:] == ("In 2026-H1", "In 2026-H2", "Illustrative")
    assert ("R2.1", "Readiness assessment pilots", "Percent complete", "10%", "50%", "no") in changes


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_vietnamese_report_renders(record, fmt):
    content, data = _build(record, fmt, language="vi")

    assert data.language == "vi"
    text = _text_of(fmt, content)
    # Plan data comes in Vietnamese whatever the catalogue holds; labels follow once translated.
    assert "Thí điểm đánh giá mức độ sẵn sàng" in re.sub(r"\s+", " ", text)
    if fmt == "html":
        assert '<html lang="vi">' in text
    if fmt == "docx":
        assert Document(io.BytesIO(content)).core_properties.language == "vi"
    if fmt == "pdf":
        assert VI_NARRATIVE in re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_with_nothing_in_scope_still_renders(cycle, fmt):
    brunei = factories.MemberStateFactory(iso2="BN", name="Brunei Darussalam")

    content, data = build_report(cycle=cycle, fmt=fmt, member_state=brunei)

    assert data.sections == [] and data.annex == []
    text = _text_of(fmt, content)
    if fmt == "csv":
        assert text.count("\n") == 1  # the header row alone
    else:
        assert "Brunei Darussalam" in text  # the scope, on the cover
    if fmt in {"html", "pdf", "docx"}:
        assert "No progress update has been approved for this cycle yet." in re.sub(r"\s+", " ", text)


def test_a_recommendation_report_keeps_to_its_recommendation(record, roadmap):
    other = factories.RecommendationFactory(roadmap=roadmap, number=4)
    factories.ActivityFactory(roadmap=roadmap, recommendation=other, code="R4.1", title="Elsewhere")

    content, data = build_report(
        cycle=record["cycle"], fmt="html", recommendation=record["activities"][0].recommendation
    )

    page = content.decode("utf-8")
    assert data.scope_label == "Recommendation 2"
    assert "R2.1" in page and "R4.1" not in page and "Elsewhere" not in page


# --- Provisional: a report of an open cycle says so on every page, sheet and row ----------------------

PROVISIONAL = "Provisional — the cycle is open; 1 update awaits review"  # the record's submitted update


def _flat(text):
    return re.sub(r"\s+", " ", text)


def test_the_content_knows_it_is_provisional_and_what_awaits_review(record, secretariat_user):
    report = gather_report(record["cycle"])
    assert (report.provisional, report.awaiting_review) == (True, 1)

    close_cycle(cycle=record["cycle"], by=secretariat_user)
    report = gather_report(record["cycle"])
    assert (report.provisional, report.awaiting_review) == (False, 1)  # reviews go on after closing


@pytest.mark.slow
def test_every_pdf_page_of_a_provisional_report_carries_the_mark(record):
    content, _data = _build(record, "pdf")

    pages = PdfReader(io.BytesIO(content)).pages
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert PROVISIONAL in _flat(page.extract_text()), number


def test_the_html_of_a_provisional_report_opens_with_the_mark(record):
    page = _build(record, "html")[0].decode("utf-8")

    assert f'<p class="provisional-banner" id="provisional" role="note">{PROVISIONAL}</p>' in page


def test_every_page_of_a_provisional_word_document_has_the_mark_in_its_header(record):
    doc = Document(io.BytesIO(_build(record, "docx")[0]))

    section = doc.sections[0]
    assert section.different_first_page_header_footer  # the cover has a header of its own
    for header in (section.header, section.first_page_header):
        assert PROVISIONAL in [p.text for p in header.paragraphs]


def test_every_sheet_of_a_provisional_workbook_starts_with_the_mark(record):
    book = openpyxl.load_workbook(io.BytesIO(_build(record, "xlsx")[0]))

    for ws in book.worksheets:
        assert ws["A1"].value == PROVISIONAL, ws.title
        assert ws["A1"].font.bold
    about = {row[0]: row[1] for row in book["Report"].iter_rows(min_row=3, values_only=True)}
    assert about["Report status"] == PROVISIONAL and about["Updates awaiting review"] == 1


def test_every_csv_row_of_a_provisional_report_says_so(record):
    rows = list(csv.reader(io.StringIO(_build(record, "csv")[0].decode("utf-8-sig"))))

    assert rows[0][-1] == "Report status"  # the first line stays the header
    assert len(rows) == 5 and all(row[-1] == PROVISIONAL for row in rows[1:])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_closed_cycles_report_carries_no_provisional_mark(record, secretariat_user, fmt):
    close_cycle(cycle=record["cycle"], by=secretariat_user)

    content, data = _build(record, fmt)

    assert not data.provisional
    assert "Provisional —" not in _text_of(fmt, content)  # (an indicator value's note is "Provisional")
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        assert all(ws["A1"].font.bold and ws.freeze_panes == "A2" for ws in book.worksheets)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert all(row[-1] == "The cycle is closed: figures are final" for row in rows[1:])


# --- Figures resting on the plan alone: marked in every format, counted in the summary ---------------

PLAN_ONLY = "1 of 4 activities rests on the plan alone: no approved update backs its status, flag and percent"


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_the_summary_says_how_many_figures_rest_on_the_plan_alone(record, fmt):
    content, data = _build(record, fmt)

    assert data.plan_only_count == 1  # R2.4: its only update was returned
    assert PLAN_ONLY in _flat(_text_of(fmt, content))


def test_the_summary_counts_completed_activities_resting_on_the_plan_alone(record, roadmap, plan):
    factories.ActivityFactory(
        roadmap=roadmap, recommendation=plan["recommendation"], code="R2.5", status="completed"
    )

    content, data = _build(record, "html")

    assert (data.completed_count, data.plan_only_completed) == (1, 1)
    page = _flat(content.decode("utf-8"))
    assert "2 of 5 activities rest on the plan alone" in page
    assert "1 of the 1 activities counted as completed is one of them." in page
    assert re.search(r'class="kpi-value">1<span class="plan-mark"[^>]*>\*</span>', page)


def test_html_marks_status_flag_and_percent_resting_on_the_plan_alone(record):
    page = _build(record, "html")[0].decode("utf-8")

    rows = re.findall(r'<tbody class="activity keep">.*?</tbody>', page, re.S)
    marks = {re.search(r"R2\.\d", row).group(0): row.count('class="plan-mark"') for row in rows}
    assert marks == {"R2.1": 0, "R2.2": 0, "R2.3": 0, "R2.4": 3}


def test_docx_marks_status_flag_and_percent_resting_on_the_plan_alone(record):
    doc = Document(io.BytesIO(_build(record, "docx")[0]))

    rows = {r.cells[0].text: [c.text for c in r.cells] for t in doc.tables for r in t.rows}
    assert all(value.endswith(" *") for value in rows["R2.4"][3:6])
    assert not any(value.endswith("*") for value in rows["R2.1"][3:6])


def test_xlsx_shades_the_values_resting_on_the_plan_alone_and_counts_them(record):
    book = openpyxl.load_workbook(io.BytesIO(_build(record, "xlsx")[0]))

    sheet = book["Activities"]
    header = [c.value for c in sheet[2]]
    columns = [header.index(name) for name in ("Status", "Flag", "Percent complete")]
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=3)}
    assert all(rows["R2.4"][i].fill.fgColor.rgb.endswith("FFF2CC") for i in columns)
    assert not any(rows["R2.1"][i].fill.fgColor.rgb.endswith("FFF2CC") for i in columns)
    about = {row[0]: row[1] for row in book["Report"].iter_rows(min_row=3, values_only=True)}
    assert about["Activities resting on the plan alone (no approved update)"] == 1


def test_csv_says_where_each_activitys_figures_come_from(record):
    rows = list(csv.reader(io.StringIO(_build(record, "csv")[0].decode("utf-8-sig"))))

    column = rows[0].index("Status, flag and percent from")
    sources = {row[1]: row[column] for row in rows[1:]}
    assert sources == {
        "R2.1": "Approved update",
        "R2.2": "Approved update",
        "R2.3": "Approved update",
        "R2.4": "The plan alone: no approved update yet",
    }


# --- Illustrative activities and indicators: marked wherever they appear -----------------------------

LEGEND = (
    "Illustrative: a placeholder activity or indicator from the seeded plan, to be replaced by the "
    "secretariat's real list."
)


@pytest.fixture
def illustrative(record, plan):
    """R2.1 (in the activities, milestones and annex) and its indicator are placeholders."""
    Activity.objects.filter(pk=plan["activity"].pk).update(is_illustrative=True)
    Indicator.objects.filter(pk=plan["indicator"].pk).update(is_illustrative=True)
    return record


def test_html_marks_illustrative_activities_and_indicators_wherever_they_appear(illustrative):
    page = _build(illustrative, "html")[0].decode("utf-8")

    mark = '<span class="illustrative-mark">Illustrative</span>'
    rows = re.findall(r'<tbody class="activity keep">.*?</tbody>', page, re.S)
    marked = {re.search(r"R2\.\d", row).group(0): mark in row for row in rows}
    assert marked == {"R2.1": True, "R2.2": False, "R2.3": False, "R2.4": False}
    assert re.search(r'<td class="code">R2\.1 ' + re.escape(mark) + r"</td><td>Pilot report", page)
    assert re.search(r'<h2><span class="code">R2\.1</span> [^<]*' + re.escape(mark) + "</h2>", page)
    assert re.search(r'<span class="indicator-name">[^<]*</span> ' + re.escape(mark), page)
    assert page.count(LEGEND.replace("'", "&#x27;")) == 2  # the summary and the section


@pytest.mark.slow
def test_every_pdf_page_naming_an_illustrative_activity_carries_the_mark(illustrative):
    pages = [_flat(p.extract_text()) for p in PdfReader(io.BytesIO(_build(illustrative, "pdf")[0])).pages]

    naming = [text for text in pages if "R2.1" in text]
    assert len(naming) >= 2  # the section and the annex
    assert all("Illustrative" in text for text in naming)
    assert any(LEGEND in text for text in pages)


def test_docx_marks_illustrative_activities_and_indicators(illustrative):
    doc = Document(io.BytesIO(_build(illustrative, "docx")[0]))

    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert any(c.startswith("Readiness assessment pilots [Illustrative]") for c in cells)
    assert "R2.1 [Illustrative]" in cells  # the milestones table
    assert any("[Illustrative]\nR2.1 · " in c for c in cells)  # the indicator, owned by R2.1
    assert not any(c.startswith("Pilot lines in SMEs [Illustrative]") for c in cells)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert any(h.startswith("R2.1 [Illustrative]") for h in headings)  # the annex
    assert LEGEND in [p.text for p in doc.paragraphs]


def test_xlsx_marks_illustrative_rows_on_every_sheet_they_appear_on(illustrative):
    book = openpyxl.load_workbook(io.BytesIO(_build(illustrative, "xlsx")[0]))

    def flags(title, code_column):
        sheet = book[title]
        header = [c.value for c in sheet[2]]
        column = header.index("Illustrative")
        return {row[code_column]: row[column] for row in sheet.iter_rows(min_row=3, values_only=True)}

    assert flags("Activities", 1) == {"R2.1": "yes", "R2.2": "no", "R2.3": "no", "R2.4": "no"}
    assert flags("Milestones", 1) == {"R2.1": "yes"}
    assert set(flags("Annex", 0).items()) == {("R2.1", "yes"), ("R2.2", "no"), ("R2.3", "no")}
    assert set(flags("Indicators", 2).values()) == {"yes"}  # the one indicator, owned by R2.1
    about = {row[0]: row[1] for row in book["Report"].iter_rows(min_row=3, values_only=True)}
    assert about["Illustrative"] == LEGEND


def test_csv_marks_illustrative_activities(illustrative):
    rows = list(csv.reader(io.StringIO(_build(illustrative, "csv")[0].decode("utf-8-sig"))))

    column = rows[0].index("Illustrative")
    assert {row[1]: row[column] for row in rows[1:]} == {"R2.1": LEGEND, "R2.2": "", "R2.3": "", "R2.4": ""}


# --- Language: numbers, the cover, chart labels ------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "pdf"])
@pytest.mark.parametrize(
    ("language", "shown", "foreign"),
    [("vi", "33,3", r"\d\.\d\s?%"), ("en", "33.3", r"\d,\d\s?%")],
)
def test_numbers_follow_the_report_language_in_charts_and_tables(record, fmt, language, shown, foreign):
    r24 = record["activities"][3]
    r24.percent_complete = 13  # (40 + 20 + 60 + 13) / 4 = 33.25: the average shows a decimal
    r24.save()
    content, _data = _build(record, fmt, language=language)
    text = _text_of(fmt, content)
    if fmt == "html":  # what the reader sees: not the stylesheet's widths
        text = re.sub(r"<style.*?</style>|<[^>]*>", " ", text, flags=re.S)
    assert re.findall(foreign, text) == []
    # The completion chart says it as the tables do: the language's separator, a space before %.
    assert re.search(rf"{re.escape(shown)}\s%", text)
    assert f"{shown}%" not in text


def _chart_lines(html, chart_id):
    """The lines of text drawn in one of the report's chart SVGs (not its <title> tooltips)."""
    svg = re.search(rf'<svg[^>]*id="{chart_id}".*?</svg>', html, flags=re.S).group(0)
    svg = re.sub(r"<title>.*?</title>", "", svg, flags=re.S)
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


@pytest.mark.parametrize("chart_id", ["report-status-mix", "report-completion"])
def test_the_report_charts_show_recommendation_titles_in_full(record, plan, chart_id):
    recommendation = plan["recommendation"]
    recommendation.short_title = "Cooperation and capacity building"
    recommendation.save()
    content, data = _build(record, "html")
    heading = data.sections[0].heading
    assert heading.endswith("Cooperation and capacity building")
    lines = _chart_lines(content.decode(), chart_id)
    assert not any("…" in line for line in lines)
    assert heading in " ".join(lines)


@pytest.mark.slow
def test_the_participation_tables_first_column_does_not_wrap_in_the_pdf(record):
    body = factories.BodyFactory(acronym="ACCSQ-WG1", name="ACCSQ-WG1")
    record["activities"][2].lead_bodies.set([body])
    content, _data = _build(record, "pdf", language="vi")
    lines = _pdf_text(content).splitlines()
    # The body's row and the total row each start with the whole name: no "ACCSQ-" / "Tổng" alone.
    assert any(re.match(r"\s*ACCSQ-WG1\s+1\b", line) for line in lines)
    assert any(re.match(r"\s*Tổng cộng\s+7\b", line) for line in lines)


OVERDUE_REASON = "Experts not yet nominated by two member states"


@pytest.fixture
def overdue(record, plan, focal_th, secretariat_user):
    """R2.2 has a milestone due 100 days before the cycle began (re-planned 40 days later) that
    nobody reports achieved; Thailand's latest approved update on R2.2 gives the reason."""
    cycle = record["cycle"]
    due = cycle.period_start - datetime.timedelta(days=100)
    factories.MilestoneFactory(
        activity=record["activities"][1],
        title="Experts nominated",
        baseline_date=due,
        planned_date=due + datetime.timedelta(days=40),
    )
    _approve(
        focal_th,
        record["activities"][1],
        cycle,
        secretariat_user,
        "Testbeds scoped.",
        challenges=OVERDUE_REASON,
    )
    return (cycle.period_end - due).days


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "pdf", "docx", "xlsx"])
def test_every_format_lists_overdue_milestones_with_reason_and_revised_date(overdue, record, fmt):
    content, _data = _build(record, fmt)
    text = _flat(_text_of(fmt, content))
    assert "Overdue at the cycle's end" in text
    assert "Experts nominated" in text
    assert OVERDUE_REASON in text
    assert str(overdue) in text


@pytest.mark.slow
def test_xlsx_milestones_sheet_gives_the_overdue_columns(overdue, record):
    content, _data = _build(record, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Milestones"]
    header = [c.value for c in sheet[2]]
    rows = [dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=3, values_only=True)]
    (row,) = [r for r in rows if r["Listed as"] == "Overdue at the cycle's end"]
    assert row["Milestone"] == "Experts nominated"
    assert row["Days overdue"] == overdue
    assert isinstance(row["Due date"], datetime.datetime) and isinstance(
        row["Revised date"], datetime.datetime
    )
    assert (row["Revised date"] - row["Due date"]).days == 40
    assert row["Reason"] == OVERDUE_REASON
    assert row["Reason from"] == "Challenges in the approved update of Thailand"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "pdf", "docx", "xlsx"])
def test_every_format_prints_milestone_dates_as_precisely_as_the_plan_gives_them(record, fmt):
    """A milestone the plan dates to a year only (stored as 1 January) prints as the year, not as
    "1 Jan"; it is overdue, so its due date is printed too."""
    year = record["cycle"].period_start.year - 1
    factories.MilestoneFactory(
        activity=record["activities"][1],
        title="Testbeds agreed",
        planned_date=datetime.date(year, 1, 1),
        baseline_date=datetime.date(year, 1, 1),
        date_precision="year",
    )
    content, _data = _build(record, fmt)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Milestones"]
        header = [c.value for c in sheet[2]]
        rows = [dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=3, values_only=True)]
        (row,) = [r for r in rows if r["Milestone"] == "Testbeds agreed"]
        assert row["Planned date as the plan gives it"] == str(year)
        return
    text = _flat(_text_of(fmt, content))
    if fmt == "html":
        assert f'Testbeds agreed</td><td class="date">{year}</td>' in text
    else:
        assert re.search(rf"Testbeds agreed {year} \d+", text), text
    assert f"1 Jan {year}" not in text


# --- Reporting discipline, the implementation matrix and delivery issues, in every format -------------

DOCUMENT_FORMATS = ["html", "pdf", "xlsx", "docx"]


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS)
def test_every_document_has_the_discipline_the_matrix_and_the_delivery_issues(record, fmt):
    content, data = _build(record, fmt)
    text = _flat(html.unescape(_text_of(fmt, content)))
    if fmt == "xlsx":  # a sheet's title is its heading
        text += " ".join(openpyxl.load_workbook(io.BytesIO(content)).sheetnames)

    # Discipline: Thailand owes four reports, all handed in on time; two approved, one awaits review
    # (R2.3), one was returned (R2.4). Viet Nam owes three and has a draft only on R2.2.
    counts = {row.party: row.counts for row in data.discipline.rows}
    assert counts == {"Thailand": [4, 4, 0, 0, 2, 1], "Viet Nam": [3, 2, 0, 1, 2, 0]}
    assert "Reporting discipline" in text
    assert "On time: first submitted on or before the cycle's deadline" in text
    assert "counts by its first submission" in text
    # Matrix: the key, the columns and the cells (R2.2: Thailand leads, approved; Viet Nam takes
    # part with a draft only, shown as not approved).
    assert "report due, not approved yet" in text and "report for this cycle approved" in text
    assert "THA" in text and "VNM" in text
    assert "L ✓" in text and "P ○" in text
    # Delivery issues: R2.3 is delayed (amber) and its approved update gives no challenges.
    assert [issue.code for issue in data.delivery_issues] == ["R2.3"]
    assert "Delivery issues" in text
    assert "No approved update gives a cause." in text
    assert "No approved update gives next steps or support needed." in text


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_the_discipline_table_has_each_partys_counts(record, fmt):
    content, _data = _build(record, fmt)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Reporting discipline"]
        rows = [["" if v is None else v for v in r] for r in sheet.iter_rows(min_row=3, values_only=True)]
    else:
        tables = Document(io.BytesIO(content)).tables
        table = next(t for t in tables if len(t.columns) > 2 and t.rows[0].cells[2].text == "Reports due")
        rows = [[c.text for c in row.cells] for row in table.rows[1:]]
        rows = [[int(v) if v.isdigit() else v for v in row] for row in rows]
    assert ["Thailand", "Member state", 4, 4, 0, 0, 2, 1] in rows
    assert ["Viet Nam", "Member state", 3, 2, 0, 1, 2, 0] in rows
    assert ["Total", "", 7, 6, 0, 1, 4, 1] in rows


def test_the_matrix_sheet_has_a_row_per_activity_and_a_column_per_member_state(record):
    content, _data = _build(record, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Matrix"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("Activity", "THA", "VNM")
    assert rows[1:5] == (
        [("R2.1", "P ✓", "L ✓"), ("R2.2", "L ✓", "P ○"), ("R2.3", "P ○", "L ✓"), ("R2.4", "L ○", None)]
    )


def test_the_csv_gives_a_delayed_activitys_cause_and_remedy(record):
    content, _data = _build(record, "csv")
    rows = {row[1]: row for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))}
    header = rows["Code"]
    cause, remedy = header.index("Delivery issue: cause"), header.index("Delivery issue: remedy")
    assert rows["R2.3"][cause] == "No approved update gives a cause."
    assert rows["R2.3"][remedy] == "No approved update gives next steps or support needed."
    assert rows["R2.1"][cause] == rows["R2.1"][remedy] == ""  # not delayed


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS)
def test_a_member_states_report_has_its_column_and_its_row_only(record, viet_nam, fmt):
    content, data = build_report(cycle=record["cycle"], fmt=fmt, member_state=viet_nam)
    text = _flat(html.unescape(_text_of(fmt, content)))
    assert [c.short for part in data.matrix.parts for c in part.columns] == ["VNM"]
    assert [row.party for row in data.discipline.rows] == ["Viet Nam"]
    assert "VNM" in text and "THA" not in text
    assert "own column only" in text


def test_the_vietnamese_report_translates_the_new_parts(record):
    content, _data = _build(record, "html", language="vi")
    page = content.decode("utf-8")
    for english in (
        "Reporting discipline",
        "Delivery issues",
        "report due, not approved yet",
        "Pending review",
    ):
        assert english not in page
