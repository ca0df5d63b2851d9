"""F5 Reports: the dashboard's charts, the timeline, and the cycle progress report from the browser.

Reports generate inline in tests (REPORT_RUNNER = "inline"); one test switches to the thread
runner to follow a report the page polls while it is generated in the background.
"""

import io
import re
import threading
from datetime import timedelta

import openpyxl
import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.helpers import close_cycle, open_cycle_owing_three, write_update
from tests.helpers.browser import log_in
from tracker.models import Report, ReportState
from tracker.reports import services as report_services
from tracker.review import services

pytestmark = pytest.mark.django_db(transaction=True)

APPROVED_NARRATIVE = "Readiness pilots ran in Hanoi and Da Nang."
PENDING_NARRATIVE = "Thai workshops are still under review."
REPORT_READY = 60_000  # generous: a PDF takes a few seconds to write


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cycle(plan, viet_nam, thailand, accmsme, focal_vn, focal_th, secretariat_user):
    """Open cycle 2026-H2 with Viet Nam's R2.1 approved and Thailand's R2.1 still submitted.

    Beside Viet Nam's R2.1-R2.3 (recommendation 2), Thailand leads R3.1 (recommendation 3) with
    ACCMSME, delayed, with a milestone overdue.
    """
    cycle, activities = open_cycle_owing_three(plan=plan, led_by=viet_nam, by=secretariat_user)
    r31 = factories.ActivityFactory(
        roadmap=plan["activity"].roadmap,
        recommendation=factories.RecommendationFactory(roadmap=plan["activity"].roadmap, number=3),
        code="R3.1",
        title="Smart factory demonstration lines",
        lead_member_states=[thailand],
        lead_bodies=[accmsme],
        status="delayed",
        percent_complete=10,
    )
    factories.MilestoneFactory(
        activity=r31, title="Line commissioned", planned_date=timezone.localdate() - timedelta(days=20)
    )
    approved = write_update(
        author=focal_vn,
        activity=activities["R2.1"],
        cycle=cycle,
        submit=True,
        narrative=APPROVED_NARRATIVE,
        proposed_status="ongoing",
        proposed_percent=70,
    )
    services.progress_update_approve(update=approved, acting_user=secretariat_user)
    write_update(
        author=focal_th, activity=activities["R2.1"], cycle=cycle, submit=True, narrative=PENDING_NARRATIVE
    )
    return cycle


def generate(user, cycle, fmt="html", **scope):
    return report_services.report_request(
        report=report_services.new_report(cycle=cycle, fmt=fmt, **scope), acting_user=user
    )


def fill_report_form(page, *, format_label, language="English"):
    expect(page.get_by_role("heading", level=1)).to_have_text("Generate a progress report")
    form = page.locator("#report-form")
    expect(form.get_by_label("Cycle")).to_have_value("2026-H2")
    form.get_by_label("The whole roadmap").check()
    form.get_by_label("Language").select_option(label=language)
    form.get_by_label("Format").select_option(label=format_label)
    form.get_by_role("button", name="Generate the report").click()
    page.wait_for_url(re.compile(r"/reports/\d+/$"))


def download_report(page):
    with page.expect_download() as download_info:
        page.locator("#report-download").click()
    download = download_info.value
    return download.suggested_filename, download.path().read_bytes()


def pdf_text(content):
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def test_secretariat_generates_and_downloads_the_pdf_and_xlsx_reports(page, login, secretariat_user, cycle):
    login(secretariat_user)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Cycles").click()
    page.locator("#cycle-table").get_by_role("link", name="2026-H2").click()
    page.wait_for_url("**/cycles/2026-H2/")
    page.locator("#generate-cycle-report").click()
    page.wait_for_url("**/reports/new/?cycle=2026-H2")
    fill_report_form(page, format_label="PDF")

    progress = page.locator("#report-progress")
    expect(progress).to_have_attribute("data-state", "ready", timeout=REPORT_READY)
    expect(page.get_by_role("status")).to_contain_text("The report is ready.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "2026-H2 progress report (The whole roadmap, PDF)"
    )
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    report = Report.objects.get(format="pdf")
    expect(page.locator("#report-sha256")).to_have_text(report.sha256)
    name, content = download_report(page)
    assert name == report.file_name and name.endswith(".pdf")
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "2026 second half" in text
    assert "R2.1" in text
    assert APPROVED_NARRATIVE in text
    assert PENDING_NARRATIVE not in text  # approved data only

    # The same report as a workbook, from the report archive this time.
    page.locator("#nav-reports").click()
    page.wait_for_url("**/reports/")
    expect(page.locator(f"#report-{report.pk}")).to_contain_text("PDF")
    page.locator("#generate-report").click()
    fill_report_form(page, format_label="Excel workbook (XLSX)")
    expect(page.locator("#report-progress")).to_have_attribute("data-state", "ready", timeout=REPORT_READY)
    name, content = download_report(page)
    assert name.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    cells = {
        sheet.title: [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value]
        for sheet in workbook.worksheets
    }
    assert any("R2.1" in values for values in cells.values()), list(cells)
    assert any(APPROVED_NARRATIVE in value for values in cells.values() for value in values)
    assert not any(PENDING_NARRATIVE in value for values in cells.values() for value in values)
    assert Report.objects.filter(state=ReportState.READY).count() == 2


@pytest.fixture
def held_generation(settings, monkeypatch):
    """The thread runner, with generation held after its first stage until the test lets it go,
    so the page is seen part-way whatever the speed of the machine."""
    settings.REPORT_RUNNER = "thread"
    started, release = threading.Event(), threading.Event()
    real_build = report_services.build_report

    def held_build(*args, progress, **kwargs):
        def progress_then_hold(percent, stage):
            progress(percent, stage)
            if not release.is_set():
                started.set()
                release.wait(timeout=REPORT_READY / 1000)

        return real_build(*args, progress=progress_then_hold, **kwargs)

    monkeypatch.setattr(report_services, "build_report", held_build)
    yield started, release
    # The worker must be done before the database is emptied for the next test.
    release.set()
    for thread in threading.enumerate():
        if thread.name.startswith("report-"):
            thread.join(timeout=REPORT_READY / 1000)


def test_a_report_generated_in_the_background_is_followed_until_ready(
    page, login, secretariat_user, cycle, held_generation
):
    started, release = held_generation
    login(secretariat_user)
    page.locator("#nav-reports").click()
    page.locator("#generate-report").click()
    fill_report_form(page, format_label="PDF")

    # The worker thread has the report, and the page says so while it waits.
    assert started.wait(timeout=30), "the report thread did not start"
    expect(page.get_by_role("status")).to_contain_text("The report is being generated.")
    progress = page.locator("#report-progress")
    expect(progress).to_have_attribute("hx-get", re.compile(r"/reports/\d+/progress/$"))
    expect(progress).to_have_attribute("data-state", "running")
    expect(page.locator("#report-stage")).to_have_text("Gathering the approved data")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "5")
    expect(progress).to_contain_text("This page follows the generation by itself.")
    expect(page.locator("#report-download")).to_have_count(0)
    report = Report.objects.get()
    assert report.state == ReportState.RUNNING

    # Polling, not a reload, brings the finished state: the page's own state survives.
    page.evaluate("window.reportPageMarker = 'same page'")
    release.set()
    expect(progress).to_have_attribute("data-state", "ready", timeout=REPORT_READY)
    expect(page.locator("#report-download")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(progress).not_to_have_attribute("hx-get", re.compile(".+"))  # polling stops
    assert page.evaluate("window.reportPageMarker") == "same page"
    assert page.url.endswith(f"/reports/{report.pk}/")

    name, content = download_report(page)
    assert name.endswith(".pdf") and content.startswith(b"%PDF")
    assert "R2.1" in pdf_text(content)
    report.refresh_from_db()
    assert report.state == ReportState.READY and report.size == len(content)


def test_dashboard_charts_and_filters(page, login, focal_vn, cycle):
    login(focal_vn)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))

    # A focal point starts on their own member state.
    filters = page.locator("#dashboard-filters")
    expect(filters.get_by_label("Member state")).to_have_value("VN")
    expect(filters.get_by_label("Body")).to_have_value("all")
    scope = page.locator("#dashboard-scope")
    expect(scope).to_contain_text("Showing the activities Viet Nam leads or takes part in.")
    expect(scope).to_contain_text("Filtered to your own by default.")
    expect(page.locator("#status-totals a").first).to_have_text("3")

    for chart_id, title in (
        ("chart-status-mix", "Activities by status, per recommendation"),
        ("chart-completion", "Average percent complete, per recommendation"),
        ("chart-participation", "Member states and recommendations"),
        ("chart-cycle-completeness", None),
    ):
        chart = page.locator(f"svg#{chart_id}")
        expect(chart).to_be_visible()
        expect(chart).to_have_attribute("role", "img")
        expect(chart).to_have_attribute("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
        if title:
            expect(chart.locator("title").first).to_have_text(title)
        expect(chart.locator("rect").first).to_be_attached()
    # The status and completion charts' figures are the page's own table.
    rec2 = page.locator("#recommendation-progress tr[data-recommendation='2']")
    expect(rec2.locator("td").last).to_have_text("50.0%")  # (70 + 40 + 40) / 3
    # The participation chart's figures: one row, Viet Nam's.
    figures = page.locator("#chart-participation-figure details")
    figures.locator("summary").click()
    table = page.locator("#chart-participation-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr").first).to_contain_text("Viet Nam")
    expect(table.locator("tbody tr").first).to_contain_text("3 · 50%")
    expect(page.locator("#latest-approved-list")).to_contain_text("R2.1 · Viet Nam · 2026-H2")

    # Thailand: R2.1, which it takes part in, and R3.1, which it leads.
    filters.get_by_label("Member state").select_option(label="Thailand")
    filters.get_by_role("button", name="Show").click()
    page.wait_for_url("**/?member_state=TH&body=all")
    expect(scope).to_contain_text("Showing the activities Thailand leads or takes part in.")
    expect(scope).not_to_contain_text("Filtered to your own by default.")
    expect(page.locator("#status-totals a").first).to_have_text("2")
    expect(page.locator("#status-totals a[data-status='delayed']")).to_have_text("1")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr").first).to_contain_text("Thailand")
    expect(page.locator("#overdue-milestones")).to_contain_text("R3.1")

    # And ACCMSME: only R3.1 is both.
    filters.get_by_label("Body").select_option(label="ACCMSME")
    filters.get_by_role("button", name="Show").click()
    page.wait_for_url("**/?member_state=TH&body=ACCMSME")
    expect(scope).to_contain_text("Showing the activities Thailand leads or takes part in that ACCMSME")
    expect(page.locator("#status-totals a").first).to_have_text("1")
    expect(page.locator("#recommendation-progress tr[data-recommendation='3'] td").last).to_have_text("10.0%")

    page.locator("#see-all-asean").click()
    page.wait_for_url("**/?member_state=all&body=all")
    expect(scope).to_contain_text("Showing all of ASEAN.")
    expect(page.locator("#status-totals a").first).to_have_text("4")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody th")).to_have_text(["Thailand", "Viet Nam"])


def test_timeline_shows_the_gantt_chart(page, login, observer_user, cycle):
    login(observer_user)
    page.locator("#nav-timeline").click()
    page.wait_for_url("**/timeline/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline")
    expect(page.locator("#nav-timeline")).to_have_class(re.compile(r"\bactive\b"))
    today = timezone.localdate().isoformat()
    expect(page.get_by_text("4 activities, planned against baseline")).to_contain_text(today)

    rec2 = page.locator("svg#chart-timeline-2")
    rec3 = page.locator("svg#chart-timeline-3")
    expect(rec2).to_be_visible()
    expect(rec3).to_be_visible()
    expect(rec2).to_have_attribute("role", "img")
    # A bar for each activity: the planned bar over the baseline, filled to the percent complete.
    expect(rec2.locator("g.gantt-row")).to_have_count(3)
    expect(rec3.locator("g.gantt-row")).to_have_count(1)
    for chart in (rec2, rec3):
        expect(chart.locator("g.gantt-row rect.planned")).to_have_count(chart.locator("g.gantt-row").count())
        expect(chart.locator("g.gantt-row rect.baseline")).to_have_count(chart.locator("g.gantt-row").count())
        expect(chart.locator("g.today line")).to_have_count(1)
        expect(chart.locator("g.today")).to_contain_text(f"Today {today}")
    row = rec3.locator("g.gantt-row[data-status='delayed']")
    expect(row.locator("rect.done")).to_have_count(1)
    expect(row.locator("title").first).to_contain_text("R3.1 Smart factory demonstration lines")
    # Milestone markers: R2.1's upcoming pilot report, R3.1's overdue line.
    upcoming = rec2.locator("g.milestone[data-state='upcoming']")
    expect(upcoming).to_have_count(1)
    expect(upcoming.locator("title")).to_contain_text("Pilot report: 2027-06-30")
    expect(upcoming.locator("polygon")).to_have_count(1)
    expect(rec3.locator("g.milestone[data-state='overdue'] title")).to_contain_text("Line commissioned")
    # The text alternative beside each chart.
    expect(page.locator("#timeline-2-table tbody tr")).to_have_count(3)
    expect(page.locator("#timeline-3-table tr[data-activity='R3.1']")).to_contain_text("Overdue")

    # The activity labels in the chart lead to the activities.
    rec3.locator("a[href='/activities/R3.1/']").click()
    page.wait_for_url("**/activities/R3.1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("R3.1")


def expect_not_found(page, path):
    response = page.goto(path)
    assert response.status == 404, path
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()
    body = page.locator("body")
    expect(body).not_to_contain_text("Traceback")
    expect(body).not_to_contain_text("2026-H2 progress report")


def test_a_member_states_report_stays_with_that_member_state(
    page, browser, live_server, secretariat_user, focal_vn, focal_th, viet_nam, cycle
):
    close_cycle(cycle=cycle, by=secretariat_user)  # only a closed cycle's report is issued
    viet_nams = generate(secretariat_user, cycle, member_state=viet_nam)
    everyones = generate(secretariat_user, cycle)
    assert (viet_nams.state, everyones.state) == (ReportState.READY, ReportState.READY)
    for report in (viet_nams, everyones):
        report_services.report_issue(report=report, acting_user=secretariat_user)
    detail, download = f"/reports/{viet_nams.pk}/", f"/reports/{viet_nams.pk}/download/"

    # Thailand's focal point sees the roadmap's report but not Viet Nam's, listed or by address.
    log_in(page, focal_th)
    page.locator("#nav-reports").click()
    page.wait_for_url("**/reports/")
    expect(page.locator(f"#report-{everyones.pk}")).to_be_visible()
    expect(page.locator(f"#report-{viet_nams.pk}")).to_have_count(0)
    expect(page.locator("#report-table tbody tr")).to_have_count(1)
    # A report they may not read does not exist for them.
    expect_not_found(page, detail)
    expect_not_found(page, download)

    # Viet Nam's focal point opens and downloads it.
    context = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True)
    try:
        reporter = log_in(context.new_page(), focal_vn)
        reporter.locator("#nav-reports").click()
        reporter.wait_for_url("**/reports/")
        expect(reporter.locator("#report-table tbody tr")).to_have_count(2)
        reporter.locator(f"#report-{viet_nams.pk}").get_by_role("link", name="Viet Nam").click()
        reporter.wait_for_url(f"**{detail}")
        expect(reporter.get_by_role("heading", level=1)).to_have_text(
            "2026-H2 progress report (Viet Nam, HTML)"
        )
        expect(reporter.locator("#report-issued")).to_be_visible()
        name, content = download_report(reporter)
        assert name == viet_nams.file_name
        assert "R2.1" in content.decode()
        assert APPROVED_NARRATIVE in content.decode()
        # Nothing there for the focal point to do but read.
        expect(reporter.locator("#report-issue")).to_have_count(0)
        expect(reporter.locator("#report-delete")).to_have_count(0)
    finally:
        context.close()
