"""F3 Review: the secretariat returns and approves updates, one at a time or in bulk."""

import re

import pytest
from playwright.sync_api import expect

from roadmap.models import Activity
from tests.factories.accounts import PASSWORD
from tests.helpers import write_update
from tests.helpers.browser import log_in
from tracker.models import DueStatus, DueUpdate, ProgressUpdate, UpdateState

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def second_person(browser, live_server):
    """Another person at another computer: a browser context of their own, logged in through the form."""
    contexts = []

    def _open(user, password=PASSWORD):
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return log_in(context.new_page(), user, password)

    yield _open
    for context in contexts:
        context.close()


def open_from_queue(page, label):
    """From the review queue, the update whose row names `label` (such as "R2.1 · Viet Nam")."""
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Review").click()
    page.wait_for_url("**/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    row = page.locator("#review-table tbody tr").filter(has=page.get_by_label(f"Select {label}"))
    row.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/updates/\d+/$"))


def test_return_resubmit_approve_round_trip(
    page, login, second_person, secretariat_user, focal_vn, plan, cycle
):
    activity = plan["activity"]
    update = write_update(
        author=focal_vn,
        activity=activity,
        cycle=cycle,
        submit=True,
        narrative="Pilots ran in two provinces.",
        proposed_status="ongoing",
        proposed_percent=40,
    )

    # The secretariat returns it with a comment.
    login(secretariat_user)
    open_from_queue(page, "R2.1 · Viet Nam")
    assert page.url.endswith(f"/updates/{update.pk}/")
    expect(page.locator("#update-state")).to_have_text("Submitted")
    expect(page.locator("#narrative")).to_contain_text("Pilots ran in two provinces.")
    page.get_by_label("Comment").fill("Name the two provinces and attach the pilot report.")
    page.get_by_role("button", name="Return with comment").click()
    expect(page.get_by_role("status")).to_contain_text("Returned to Viet Nam: R2.1 · Viet Nam.")
    update.refresh_from_db()
    assert update.state == UpdateState.RETURNED
    assert update.review_comment == "Name the two provinces and attach the pilot report."
    assert update.reviewed_by == secretariat_user

    # The focal point sees the return and the comment, edits and resubmits.
    reporter = second_person(focal_vn)
    reporter.wait_for_url("**/my-activities/")
    row = reporter.locator("#due-2026-H2 tbody tr").filter(has_text="R2.1")
    expect(row).to_contain_text("Returned")
    expect(row.locator(".return-comment")).to_contain_text(
        "Name the two provinces and attach the pilot report."
    )
    row.get_by_role("link", name="Answer return").click()
    reporter.wait_for_url(f"**/updates/{update.pk}/edit/")
    expect(reporter.locator("#return-comment")).to_contain_text(
        f"Returned by {secretariat_user}: Name the two provinces and attach the pilot report."
    )
    reporter.get_by_role("link", name=f"Update #{update.pk}").click()
    expect(reporter.locator("#return-comment")).to_contain_text("Name the two provinces")
    reporter.get_by_role("link", name="Answer the return").click()
    reporter.get_by_label("Percent complete").fill("60")
    reporter.get_by_label("Progress this period", exact=True).fill("Pilots ran in Hanoi and Da Nang.")
    reporter.get_by_role("button", name="Submit for review").click()
    reporter.wait_for_url(f"**/updates/{update.pk}/")
    expect(reporter.get_by_role("status")).to_contain_text("Submitted for review.")
    expect(reporter.locator("#update-state")).to_have_text("Submitted")
    update.refresh_from_db()
    assert (update.state, update.proposed_percent) == (UpdateState.SUBMITTED, 60)

    # The secretariat approves it from the update page; the activity takes the new status.
    open_from_queue(page, "R2.1 · Viet Nam")
    expect(page.locator("#proposed-vs-official")).to_contain_text("60%")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved: R2.1 · Viet Nam.")
    page.wait_for_url("**/review/")  # nothing else is waiting
    expect(page.locator("#review-table")).to_contain_text("Nothing is waiting for review.")

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Activities").click()
    page.get_by_role("link", name="R2.1", exact=True).click()
    page.wait_for_url("**/activities/R2.1/")
    facts = page.locator("#activity-facts")
    expect(facts).to_contain_text("Ongoing")
    expect(facts.get_by_role("progressbar", name="Percent complete")).to_have_attribute("aria-valuenow", "60")
    panel = page.locator("#activity-updates")
    expect(panel.locator(f"tr[data-update='{update.pk}']")).to_contain_text("Approved")
    activity.refresh_from_db()
    assert (activity.status, activity.percent_complete) == ("ongoing", 60)

    # The update's page shows every move, who made it and the comment.
    panel.get_by_role("link", name=f"2026-H2 · #{update.pk}").click()
    page.wait_for_url(f"**/updates/{update.pk}/")
    expect(page.locator("#update-state")).to_have_text("Approved")
    steps = page.locator("#update-trail > li")
    expected_trail = [
        ("draft", focal_vn),
        ("submitted", focal_vn),
        ("returned", secretariat_user),
        ("submitted", focal_vn),
        ("approved", secretariat_user),
    ]
    expect(steps).to_have_count(len(expected_trail))
    for index, (state, who) in enumerate(expected_trail):
        expect(steps.nth(index)).to_have_attribute("data-to", state)
        expect(steps.nth(index)).to_contain_text(str(who))
    expect(steps.nth(2).locator(".trail-comment")).to_have_text(
        "Name the two provinces and attach the pilot report."
    )
    assert list(update.transitions.order_by("at", "pk").values_list("to_state", "actor__username")) == [
        ("draft", "focal.vn"),
        ("submitted", "focal.vn"),
        ("returned", "sec"),
        ("submitted", "focal.vn"),
        ("approved", "sec"),
    ]


def bulk_fixture(plan, cycle, focal_vn, focal_th):
    activity = plan["activity"]
    vn = write_update(
        author=focal_vn, activity=activity, cycle=cycle, submit=True, narrative="Viet Nam ran pilots."
    )
    th = write_update(
        author=focal_th, activity=activity, cycle=cycle, submit=True, narrative="Thailand ran a pilot."
    )
    return vn, th


def test_bulk_return_keeps_a_note_on_each(page, login, secretariat_user, focal_vn, focal_th, plan, cycle):
    vn, th = bulk_fixture(plan, cycle, focal_vn, focal_th)
    login(secretariat_user)
    page.goto("/review/")
    rows = page.locator("#review-table tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label("Select R2.1 · Viet Nam").check()
    page.get_by_label("Select R2.1 · Thailand").check()
    page.get_by_label("Note to the reporter on R2.1 · Viet Nam").fill("Viet Nam: add the provinces.")
    page.get_by_label("Note to the reporter on R2.1 · Thailand").fill("Thailand: attach the report.")
    page.get_by_role("button", name="Return for changes").click()

    expect(page.get_by_role("status")).to_contain_text("Done: 2 returned.")
    expect(page.locator("#review-table")).to_contain_text("Nothing is waiting for review.")
    vn.refresh_from_db()
    th.refresh_from_db()
    assert (vn.state, vn.review_comment) == (UpdateState.RETURNED, "Viet Nam: add the provinces.")
    assert (th.state, th.review_comment) == (UpdateState.RETURNED, "Thailand: attach the report.")
    assert vn.transitions.get(to_state="returned").comment == "Viet Nam: add the provinces."
    assert th.transitions.get(to_state="returned").comment == "Thailand: attach the report."
    assert set(DueUpdate.objects.filter(cycle=cycle).values_list("status", flat=True)) == {DueStatus.RETURNED}


def test_bulk_approve_with_notes_and_a_return_without_one_is_kept(
    page, login, secretariat_user, focal_vn, focal_th, plan, cycle
):
    vn, th = bulk_fixture(plan, cycle, focal_vn, focal_th)
    login(secretariat_user)
    page.goto("/review/")

    # A return needs a note on each ticked update: the one without is refused, the typing kept.
    page.get_by_label("Select R2.1 · Viet Nam").check()
    page.get_by_label("Select R2.1 · Thailand").check()
    page.get_by_label("Note to the reporter on R2.1 · Viet Nam").fill("Viet Nam: good, but add dates.")
    page.get_by_role("button", name="Return for changes").click()
    expect(page.get_by_role("alert")).to_contain_text("1 returned; 1 could not be")
    th_note = page.get_by_label("Note to the reporter on R2.1 · Thailand")
    expect(th_note).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_label("Select R2.1 · Thailand")).to_be_checked()
    vn.refresh_from_db()
    th.refresh_from_db()
    assert vn.state == UpdateState.RETURNED
    assert th.state == UpdateState.SUBMITTED

    # Approving carries the note too, kept on the update's trail.
    th_note.fill("Thanks, clear and complete.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Done: 1 approved.")
    th.refresh_from_db()
    assert th.state == UpdateState.APPROVED
    assert th.transitions.get(to_state="approved").comment == "Thanks, clear and complete."
    assert th.reviewed_by == secretariat_user
    assert ProgressUpdate.objects.filter(state=UpdateState.SUBMITTED).count() == 0
    assert Activity.objects.get(code="R2.1").percent_complete == th.proposed_percent


def test_bulk_approve_keeps_a_note_on_each(page, login, secretariat_user, focal_vn, focal_th, plan, cycle):
    vn, th = bulk_fixture(plan, cycle, focal_vn, focal_th)
    login(secretariat_user)
    page.goto("/review/")

    page.get_by_label("Select R2.1 · Viet Nam").check()
    page.get_by_label("Select R2.1 · Thailand").check()
    page.get_by_label("Note to the reporter on R2.1 · Viet Nam").fill("Well documented.")
    page.get_by_label("Note to the reporter on R2.1 · Thailand").fill("Thanks for the figures.")
    page.get_by_role("button", name="Approve").click()

    expect(page.get_by_role("status")).to_contain_text("Done: 2 approved.")
    expect(page.locator("#review-table")).to_contain_text("Nothing is waiting for review.")
    for update, note in ((vn, "Well documented."), (th, "Thanks for the figures.")):
        update.refresh_from_db()
        assert (update.state, update.reviewed_by) == (UpdateState.APPROVED, secretariat_user)
        assert update.transitions.get(to_state="approved").comment == note
    assert set(DueUpdate.objects.filter(cycle=cycle).values_list("status", flat=True)) == {DueStatus.APPROVED}
