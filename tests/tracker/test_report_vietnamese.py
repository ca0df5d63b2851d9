"""The Vietnamese report is Vietnamese throughout, in every format: no English UI text is left, and
the record's own names (the cycle's, the units) are in Vietnamese where the record gives them."""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from tests.helpers import open_cycle
from tracker.reports.services import build_report
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db

FORMATS = ["html", "pdf", "xlsx", "csv", "docx"]

# English a Vietnamese reader must not meet: the record's English names, and the report's own words.
ENGLISH = [
    "second half",
    "member states",
    "enterprises",
    "Pilot report",
    "Progress report",
    "Reporting cycle",
    "Previous cycle",
    "Recommendation",
    "Activities",
    "Activity",
    "Status",
    "Flag",
    "Percent",
    "Provisional",
    "generated",
    "Generated",
    "Milestone",
    "Indicator",
    "Baseline",
    "Target",
    "Annex",
    "Participation",
    "Contents",
    "Summary",
    "approved",
    "Approved",
    "Ongoing",
    "Not started",
    "Completed",
    "Delayed",
    "Green",
    "Amber",
    "Page",
    "Member state",
    "Cycle",
    "Scope",
    "due",
    "None",
]
NARRATIVE = "Việt Nam đã tổ chức hai hội thảo quốc gia với 47 doanh nghiệp"


@pytest.fixture
def vietnamese_record(plan, viet_nam, focal_vn, secretariat_user):
    """An open cycle with one approved update, every name in the record given in Vietnamese too."""
    cycle = open_cycle(by=secretariat_user, name="2026 second half", name_vi="Nửa cuối năm 2026")
    indicator = plan["indicator"]
    indicator.name_vi, indicator.unit, indicator.unit_vi = (
        "Số doanh nghiệp được đánh giá",
        "enterprises",
        "doanh nghiệp",
    )
    indicator.save()
    rec_indicator = type(indicator).objects.create(
        recommendation=plan["recommendation"],
        name="Member states running awareness activities",
        name_vi="Số nước thành viên triển khai hoạt động nâng cao nhận thức",
        unit="member states",
        unit_vi="nước thành viên",
        target_value=10,
        target_year=2027,
    )
    milestone = plan["milestone"]
    milestone.title_vi = "Báo cáo thí điểm"
    milestone.save()
    update = update_services.new_update(activity=plan["activity"], cycle=cycle, author=focal_vn)
    update.narrative = NARRATIVE
    update.proposed_percent = 40
    update.proposed_status = "ongoing"
    update = update_services.progress_update_save(
        update=update,
        content=update_services.UpdateContent(
            achievements=[(milestone, timezone.localdate() - datetime.timedelta(days=1))],
            indicator_values=[
                (indicator, viet_nam, Decimal("120"), ""),
                (rec_indicator, viet_nam, Decimal("1"), ""),
            ],
        ),
        acting_user=focal_vn,
        submit=True,
    )
    review_services.progress_update_approve(update=update, acting_user=secretariat_user)
    return cycle


def _text(fmt, content):
    if fmt == "pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        cells = [
            str(cell.value)
            for ws in book.worksheets
            for row in ws.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        return "\n".join([*book.sheetnames, *cells])
    if fmt == "docx":
        doc = Document(io.BytesIO(content))
        parts = [p.text for p in doc.paragraphs]
        parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
        for section in doc.sections:
            parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
        return "\n".join(parts)
    text = content.decode("utf-8-sig")
    if fmt == "html":
        text = re.sub(r"<style.*?</style>|<script.*?</script>|<[^>]+>", " ", text, flags=re.S)
    return text


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_vietnamese_report_has_no_english_left(vietnamese_record, fmt):
    content, _data = build_report(
        cycle=vietnamese_record, fmt=fmt, language="vi", generated_by="Dewi Lestari"
    )
    text = re.sub(r"\s+", " ", _text(fmt, content))

    assert NARRATIVE in text or fmt == "csv"  # the annex's narrative; the CSV lists activities only
    found = [phrase for phrase in ENGLISH if re.search(rf"\b{re.escape(phrase)}\b", text)]
    assert found == []
    assert "(tiếng Anh)" not in text  # everything had its Vietnamese
    if fmt != "csv":
        assert "Nửa cuối năm 2026" in text
        assert "doanh nghiệp" in text


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "xlsx", "docx"])
def test_english_without_vietnamese_is_shown_marked(vietnamese_record, plan, fmt):
    type(vietnamese_record).objects.filter(pk=vietnamese_record.pk).update(name_vi="")
    type(plan["indicator"]).objects.filter(pk=plan["indicator"].pk).update(unit_vi="")
    vietnamese_record.refresh_from_db()

    content, data = build_report(cycle=vietnamese_record, fmt=fmt, language="vi")
    text = re.sub(r"\s+", " ", _text(fmt, content))

    assert data.cycle_name == "2026 second half (tiếng Anh)"
    assert "2026 second half (tiếng Anh)" in text
    assert "enterprises (tiếng Anh)" in text
