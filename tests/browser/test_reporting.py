"""F2 Report progress: a focal point sees what is due, writes an update with evidence and submits it."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tests.helpers import open_cycle_owing_three, write_update
from tests.helpers.files import PDF
from tracker.models import DueStatus, DueUpdate, ProgressUpdate, UpdateState
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cycle(plan, viet_nam, focal_vn, secretariat_user):
    """Open cycle 2026-H2 in which Viet Nam owes R2.1 (missing), R2.2 (a draft) and R2.3 (submitted)."""
    cycle, activities = open_cycle_owing_three(plan=plan, led_by=viet_nam, by=secretariat_user)
    write_update(author=focal_vn, activity=activities["R2.2"], cycle=cycle, narrative="Standards drafted.")
    write_update(
        author=focal_vn, activity=activities["R2.3"], cycle=cycle, submit=True, narrative="Courses ran."
    )
    return cycle


def due_rows(page):
    return page.locator("#due-2026-H2 tbody tr")


def test_focal_point_reports_with_a_file_and_submits(page, login, focal_vn, cycle, tmp_path):
    login(focal_vn)
    page.wait_for_url("**/my-activities/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("My activities")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Viet Nam")

    # What needs them first comes first: the missing report, then the draft, then what is handed in.
    rows = due_rows(page)
    expect(rows).to_have_count(3)
    for index, (code, status) in enumerate((("R2.1", "Missing"), ("R2.2", "Draft"), ("R2.3", "Submitted"))):
        expect(rows.nth(index)).to_contain_text(code)
        expect(rows.nth(index)).to_contain_text(status)
    expect(page.locator("#due-summary [data-count='missing']")).to_have_text("1")

    rows.filter(has_text="R2.1").get_by_role("link", name="Report").click()
    page.wait_for_url("**/cycles/2026-H2/activities/R2.1/report/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Report progress: R2.1")
    expect(page.locator("#report-context")).to_contain_text("For Viet Nam, cycle 2026 second half")

    page.get_by_label("Status", exact=True).select_option(label="Delayed")
    page.get_by_label("Flag", exact=True).select_option(label="Amber")
    page.get_by_label("Percent complete").fill("55")
    narrative = "Pilots ran in **Hanoi** and *Da Nang*.\n\n- 40 enterprises assessed\n- 12 reports written"
    page.get_by_label("Progress this period", exact=True).fill(narrative)
    page.get_by_label("Link", exact=True).first.fill("https://example.org/pilot-results")
    page.get_by_label("Title", exact=True).first.fill("Pilot results")
    evidence = tmp_path / "pilot-report.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("Add evidence files").set_input_files(evidence)
    page.get_by_role("button", name="Save draft").click()

    page.wait_for_url(re.compile(r"/updates/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    expect(page.locator("#update-state")).to_have_text("Draft")
    # The Markdown is rendered, not shown as typed.
    expect(page.locator("#narrative strong")).to_have_text("Hanoi")
    expect(page.locator("#narrative li")).to_have_count(2)
    evidence_list = page.locator("#evidence")
    expect(evidence_list.get_by_role("link", name="Pilot results")).to_have_attribute(
        "href", "https://example.org/pilot-results"
    )
    with page.expect_download() as download_info:
        evidence_list.get_by_role("link", name="pilot-report.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "pilot-report.pdf"
    assert download.path().read_bytes() == PDF

    update = ProgressUpdate.objects.get(activity__code="R2.1", member_state=focal_vn.member_state)
    assert update.state == UpdateState.DRAFT
    assert (update.proposed_status, update.proposed_flag, update.proposed_percent) == ("delayed", "amber", 55)
    assert update.narrative.replace("\r\n", "\n") == narrative  # browsers post CRLF
    assert list(update.evidence_links.values_list("url", "title")) == [
        ("https://example.org/pilot-results", "Pilot results")
    ]
    stored = update.evidence_files.get()
    assert stored.original_name == "pilot-report.pdf"
    assert stored.file.name != "pilot-report.pdf"  # stored under a generated name

    # Back in the form, everything saved is there; submitting from it sends it for review.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Percent complete")).to_have_value("55")
    expect(page.get_by_label("Progress this period", exact=True)).to_have_value(narrative)
    expect(page.locator("#existing-files")).to_contain_text("pilot-report.pdf")
    page.get_by_role("button", name="Submit for review").click()

    page.wait_for_url(f"**/updates/{update.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Submitted for review.")
    expect(page.locator("#update-state")).to_have_text("Submitted")
    expect(page.locator("#update-actions").get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.locator("#evidence")).to_contain_text("pilot-report.pdf")

    page.get_by_role("link", name="My activities").first.click()
    page.wait_for_url("**/my-activities/")
    row = due_rows(page).filter(has_text="R2.1")
    expect(row).to_contain_text("Submitted")
    expect(row.get_by_role("link", name="View")).to_have_attribute("href", f"/updates/{update.pk}/")

    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED
    assert update.submitted_at is not None
    assert update.evidence_files.count() == 1
    expected = DueUpdate.objects.get(cycle=cycle, activity__code="R2.1", member_state=focal_vn.member_state)
    assert (expected.status, expected.update_id) == (DueStatus.SUBMITTED, update.pk)


def test_percent_over_100_is_refused_at_the_field_and_the_narrative_kept(page, login, focal_vn, cycle):
    login(focal_vn)
    page.wait_for_url("**/my-activities/")
    due_rows(page).filter(has_text="R2.1").get_by_role("link", name="Report").click()
    page.wait_for_url("**/activities/R2.1/report/")

    narrative = "Assessed *forty* enterprises in Hai Phong."
    page.get_by_label("Progress this period", exact=True).fill(narrative)
    percent = page.get_by_label("Percent complete")
    percent.fill("150")
    page.get_by_role("button", name="Submit for review").click()

    expect(page.get_by_role("alert").filter(has_text="nothing was saved")).to_be_visible()
    expect(page.locator("#id_proposed_percent_error")).to_have_text(
        "Percent complete must be between 0 and 100."
    )
    expect(percent).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(percent).to_have_value("150")
    expect(page.get_by_label("Progress this period", exact=True)).to_have_value(narrative)
    assert "/report/" in page.url
    assert not ProgressUpdate.objects.filter(activity__code="R2.1").exists()

    percent.fill("45")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/updates/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    update = ProgressUpdate.objects.get(activity__code="R2.1")
    assert (update.proposed_percent, update.narrative, update.state) == (45, narrative, UpdateState.DRAFT)


def test_thai_focal_point_gets_not_found_for_viet_nams_draft(page, login, focal_vn, focal_th, plan, cycle):
    draft = write_update(
        author=focal_vn, activity=plan["activity"], cycle=cycle, narrative="Confidential first draft."
    )
    update_services.progress_update_save(
        update=draft,
        content=update_services.UpdateContent(
            new_files=[SimpleUploadedFile("draft-notes.pdf", PDF, content_type="application/pdf")]
        ),
        acting_user=focal_vn,
        expected_version=draft.version,
    )
    evidence = draft.evidence_files.get()

    login(focal_th)
    page.wait_for_url("**/my-activities/")
    for path in (f"/updates/{draft.pk}/", f"/updates/{draft.pk}/edit/", f"/evidence/{evidence.pk}/"):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()
        expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()
        body = page.locator("body")
        expect(body).not_to_contain_text("Traceback")
        expect(body).not_to_contain_text("Confidential first draft")

    # Nothing was touched.
    draft.refresh_from_db()
    assert draft.state == UpdateState.DRAFT
    assert draft.narrative == "Confidential first draft."


def test_a_draft_is_discarded_and_an_approved_update_corrected(
    page, login, focal_vn, secretariat_user, plan, cycle
):
    draft = write_update(
        author=focal_vn, activity=plan["activity"], cycle=cycle, narrative="Started by mistake."
    )
    login(focal_vn)
    page.goto(draft.get_absolute_url())
    page.get_by_text("Discard draft…").click()
    page.get_by_role("button", name="Yes, discard this draft").click()
    page.wait_for_url("**/my-activities/")
    assert not ProgressUpdate.objects.filter(pk=draft.pk).exists()

    approved = write_update(
        author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True, narrative="Pilots ran."
    )
    review_services.progress_update_approve(update=approved, acting_user=secretariat_user)
    page.goto(approved.get_absolute_url())
    page.get_by_role("button", name="Start a correction").click()

    page.wait_for_url(re.compile(r"/updates/\d+/edit/$"))
    expect(page.locator("#id_narrative")).to_have_value("Pilots ran.")
    correction = ProgressUpdate.objects.get(corrects=approved)
    assert correction.state == UpdateState.DRAFT and correction.author == focal_vn
    approved.refresh_from_db()
    assert approved.state == UpdateState.APPROVED and approved.narrative == "Pilots ran."
