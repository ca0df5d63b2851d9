"""The cycle report from the secretariat's side, end to end as it is clicked: write the cycle's
narrative, generate the provisional PDF of the open cycle, close the cycle, generate and issue the
final one."""

import io
import re

import pypdf
import pytest
from playwright.sync_api import expect

from tests.helpers import approve, open_cycle_owing_three, write_update
from tracker.models import CycleNarrative, Report

pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = "Five member states reported pilots; the second phase awaits budget approval."
SUMMARY_VI = "Năm quốc gia thành viên đã báo cáo thí điểm; giai đoạn hai đang chờ phê duyệt ngân sách."
MATTERS = "SEOM is invited to endorse the work-plan annex."
REPORT_READY = 60_000


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cycle(plan, viet_nam, focal_vn, secretariat_user):
    """Open cycle 2026-H2, Viet Nam's R2.1 update approved and its R2.2 one awaiting review."""
    cycle, activities = open_cycle_owing_three(plan=plan, led_by=viet_nam, by=secretariat_user)
    approve(
        update=write_update(author=focal_vn, activity=activities["R2.1"], cycle=cycle, submit=True),
        by=secretariat_user,
    )
    write_update(author=focal_vn, activity=activities["R2.2"], cycle=cycle, submit=True)
    return cycle


def pdf_pages(content):
    return [re.sub(r"\s+", " ", page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def generate_pdf(page):
    page.locator("#generate-cycle-report").click()
    page.wait_for_url("**/reports/new/?cycle=2026-H2")
    form = page.locator("#report-form")
    form.get_by_label("The whole roadmap").check()
    form.get_by_label("Format").select_option(label="PDF")
    form.get_by_role("button", name="Generate the report").click()
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    expect(page.locator("#report-progress")).to_have_attribute("data-state", "ready", timeout=REPORT_READY)
    with page.expect_download() as download_info:
        page.locator("#report-download").click()
    return download_info.value.path().read_bytes()


def test_narrative_then_provisional_pdf_then_close_then_issue(page, login, secretariat_user, cycle):
    login(secretariat_user)
    page.goto("/cycles/2026-H2/")

    # The secretariat writes the cycle's narrative, in both languages.
    page.locator("#cycle-narrative-link").click()
    page.wait_for_url("**/cycles/2026-H2/narrative/")
    page.locator("#id_executive_summary").fill(SUMMARY)
    page.locator("#id_executive_summary_vi").fill(SUMMARY_VI)
    page.locator("#id_matters_for_seom").fill(MATTERS)
    page.locator("#narrative-form").get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert CycleNarrative.objects.get(cycle=cycle).executive_summary == SUMMARY

    # The open cycle's report is provisional: the mark is on every page, the narrative in it.
    page.goto("/cycles/2026-H2/")
    pages = pdf_pages(generate_pdf(page))
    assert all("Provisional" in text for text in pages), [
        i for i, t in enumerate(pages) if "Provisional" not in t
    ]
    assert SUMMARY in " ".join(pages) and MATTERS in " ".join(pages)
    expect(page.locator("#report-provisional")).to_be_visible()
    expect(page.locator("#report-issue")).to_have_count(0)
    expect(page.locator("#report-issue-reason")).to_contain_text("Only a closed cycle's report can be issued")

    # Close the cycle, generate the final report and issue it.
    page.goto("/cycles/2026-H2/")
    close = page.locator("#close-cycle")
    close.get_by_text("Close the cycle…").click()
    close.get_by_role("button", name="Yes, close the cycle").click()
    expect(page.locator("#cycle-facts .cycle-state")).to_have_text("Closed")
    final = pdf_pages(generate_pdf(page))
    assert not any("Provisional" in text for text in final)
    assert SUMMARY in " ".join(final)
    page.locator("#report-issue").get_by_text("Issue…").click()
    page.locator("#report-issue").get_by_role("button", name="Yes, issue this report").click()
    expect(page.locator("#report-issued")).to_be_visible()
    issued = Report.objects.get(issued_by=secretariat_user)
    assert not issued.provisional

    # An issued report freezes the narrative it was built with.
    page.goto("/cycles/2026-H2/narrative/")
    expect(page.locator("#narrative-frozen")).to_be_visible()
    expect(page.locator("#narrative-form")).to_have_count(0)
