"""F4 Nobody is lost track of: the cycle's completeness matrix, reminders, closing and reopening."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.helpers import open_cycle_owing_three, write_update
from tracker.models import CycleReopening, CycleState, ReminderLog, ReportingCycle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cycle(plan, viet_nam, focal_vn, focal_th, secretariat_user):
    """Open cycle 2026-H2, due in three days (a week-before reminder is due).

    Viet Nam owes R2.1 (submitted), R2.2 (a draft) and R2.3 (missing); Thailand owes R2.1 (missing).
    """
    cycle, activities = open_cycle_owing_three(
        plan=plan,
        led_by=viet_nam,
        by=secretariat_user,
        deadline=timezone.localdate() + datetime.timedelta(days=3),
    )
    write_update(author=focal_vn, activity=activities["R2.1"], cycle=cycle, submit=True)
    write_update(author=focal_vn, activity=activities["R2.2"], cycle=cycle, narrative="Standards drafted.")
    return cycle


def go_to_cycle(page):
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Cycles").click()
    page.wait_for_url("**/cycles/")
    page.locator("#cycle-table").get_by_role("link", name="2026-H2").click()
    page.wait_for_url("**/cycles/2026-H2/")
    expect(page.get_by_role("heading", level=1)).to_have_text("2026-H2 · 2026 second half")


def matrix_cell(page, code, iso2):
    """The matrix cell of activity `code` for the member state `iso2`."""
    headers = page.locator("#cycle-matrix thead th").all_inner_texts()
    column = [h.strip() for h in headers].index(iso2)
    return page.locator(f"#matrix-{code.replace('.', '').lower()} > td").nth(column - 1)


def test_cycle_page_shows_the_completeness_matrix(page, login, secretariat_user, cycle):
    login(secretariat_user)
    go_to_cycle(page)

    expect(page.locator("#cycle-totals")).to_contain_text(
        "25% handed in (submitted or approved), 0% approved"
    )
    expect(page.locator("#cycle-totals")).to_contain_text("4 reports due")
    viet_nam = page.locator("#party-completeness tbody tr").filter(has_text="Viet Nam")
    for status, count in (("missing", "1"), ("draft", "1"), ("submitted", "1"), ("approved", "0")):
        expect(viet_nam.locator(f"td[data-status='{status}']")).to_have_text(count)
    expect(viet_nam.locator("td").last).to_have_text("0%")
    expect(viet_nam.locator("td").nth(-2)).to_have_text("33%")
    thailand = page.locator("#party-completeness tbody tr").filter(has_text="Thailand")
    expect(thailand.locator("td[data-status='missing']")).to_have_text("1")

    for code, iso2, status, label in (
        ("R2.1", "VN", "submitted", "Submitted"),
        ("R2.1", "TH", "missing", "Missing"),
        ("R2.2", "VN", "draft", "Draft"),
        ("R2.3", "VN", "missing", "Missing"),
    ):
        cell = matrix_cell(page, code, iso2)
        expect(cell).to_have_attribute("data-status", status)
        expect(cell).to_have_text(label)
    not_due = matrix_cell(page, "R2.2", "TH")  # Thailand takes no part in R2.2
    expect(not_due).to_contain_text("not due")
    expect(not_due).not_to_have_attribute("data-status", re.compile(".*"))

    # A handed-in cell opens the update.
    matrix_cell(page, "R2.1", "VN").get_by_role("link").click()
    expect(page.locator("#update-state")).to_have_text("Submitted")
    expect(page.locator("#update-summary")).to_contain_text("by Viet Nam for 2026 second half")

    # The filter narrows the matrix to what is still missing.
    page.go_back()
    page.locator("#matrix-filter").get_by_label("Status").select_option(label="Missing")
    page.locator("#matrix-filter").get_by_role("button", name="Filter").click()
    page.wait_for_url("**status=missing*")
    expect(page.locator("#cycle-matrix tbody tr")).to_have_count(2)
    expect(page.locator("#matrix-r22")).to_have_count(0)


def test_reminders_list_what_is_missing_and_are_sent_once_a_day(
    page, login, secretariat_user, focal_vn, focal_th, cycle, mailoutbox
):
    login(secretariat_user)
    go_to_cycle(page)
    page.locator("#cycle-actions").get_by_role("link", name="Reminders").click()
    page.wait_for_url("**/cycles/2026-H2/reminders/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders for 2026-H2")

    vn_row = page.locator(f"#digest-{focal_vn.pk}")
    expect(vn_row).to_contain_text(str(focal_vn))
    expect(vn_row).to_contain_text("focal.vn@example.org · Viet Nam")
    expect(vn_row).to_contain_text("A week before the deadline")
    outstanding = vn_row.locator("td").nth(1).get_by_role("listitem")
    expect(outstanding).to_have_count(2)
    expect(outstanding.nth(0)).to_contain_text("R2.2 Draft")
    expect(outstanding.nth(1)).to_contain_text("R2.3 Missing")
    expect(vn_row).not_to_contain_text("R2.1")  # submitted: nothing to chase
    expect(vn_row).to_contain_text("to send")
    th_row = page.locator(f"#digest-{focal_th.pk}")
    expect(th_row).to_contain_text("focal.th@example.org · Thailand")
    expect(th_row).to_contain_text("R2.1 Missing")

    page.get_by_role("button", name="Send 2 reminders now").click()
    expect(page.get_by_role("status")).to_contain_text("2 reminders sent.")
    assert sorted(m.to[0] for m in mailoutbox) == ["focal.th@example.org", "focal.vn@example.org"]
    to_viet_nam = next(m for m in mailoutbox if m.to == ["focal.vn@example.org"])
    assert "R2.2 Factory data standards" in to_viet_nam.body
    assert "R2.3 Skills for smart factories" in to_viet_nam.body
    assert "R2.1" not in to_viet_nam.body
    assert "2026-H2" in to_viet_nam.subject
    expect(vn_row).to_contain_text("already sent")
    expect(th_row).to_contain_text("already sent")

    # Sending again the same day sends nothing new.
    page.get_by_role("button", name="Send reminders now").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Nobody needed a reminder: everyone is up to date or was reminded today."
    )
    assert len(mailoutbox) == 2
    assert ReminderLog.objects.filter(cycle=cycle).count() == 2


def test_closing_then_reopening_for_viet_nam_with_a_reason(page, login, secretariat_user, focal_vn, cycle):
    login(secretariat_user)
    go_to_cycle(page)

    close = page.locator("#close-cycle")
    close.get_by_text("Close the cycle…").click()
    close.get_by_label("Note for the history (optional)").fill("Deadline passed; chasing is done.")
    close.get_by_role("button", name="Yes, close the cycle").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Cycle 2026-H2 is closed: no more drafts or submissions."
    )
    expect(page.locator("#cycle-facts .cycle-state")).to_have_text("Closed")
    expect(page.locator("#cycle-facts")).to_contain_text(
        re.compile(rf"closed [\d-]+ [\d:]+ by {secretariat_user}")
    )
    cycle.refresh_from_db()
    assert (cycle.state, cycle.closed_by) == (CycleState.CLOSED, secretariat_user)

    page.locator("#cycle-actions").get_by_role("link", name="Reopen for a party").click()
    page.wait_for_url("**/cycles/2026-H2/reopen/")
    page.get_by_label("Member state").select_option(label="Viet Nam")
    page.get_by_role("button", name="Reopen for this party").click()
    # A reopening without a reason is refused at the field; the party chosen is kept.
    expect(page.locator("#id_reason_error")).to_have_text("Say why the cycle is reopened for this party.")
    expect(page.get_by_label("Member state")).to_have_value(str(focal_vn.member_state_id))
    assert not CycleReopening.objects.exists()

    reason = "Viet Nam's ministry reorganised; its focal point took office after the deadline."
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Reopen for this party").click()
    page.wait_for_url("**/cycles/2026-H2/")
    expect(page.get_by_role("status")).to_contain_text("Cycle 2026-H2 is reopened for Viet Nam.")
    row = page.locator("#reopenings tbody tr").filter(has_text="Viet Nam")
    expect(row).to_contain_text("active")
    expect(row).to_contain_text(reason)
    expect(row).to_contain_text(str(secretariat_user))
    reopening = CycleReopening.objects.get()
    assert (reopening.member_state_id, reopening.reason, reopening.ended_at) == (
        focal_vn.member_state_id,
        reason,
        None,
    )
    assert ReportingCycle.objects.get(pk=cycle.pk).state == CycleState.CLOSED

    # Viet Nam's focal point can report in the closed cycle again.
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    login(focal_vn, goto=False)
    page.wait_for_url("**/my-activities/")
    section = page.locator("#due-2026-H2")
    expect(section).to_contain_text("Reopened for your party")
    expect(
        section.locator("tbody tr").filter(has_text="R2.3").get_by_role("link", name="Report")
    ).to_be_visible()


def test_the_secretariat_creates_and_opens_a_cycle(page, login, secretariat_user, plan, viet_nam, thailand):
    login(secretariat_user)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Cycles").click()
    page.get_by_role("link", name="New cycle").click()
    page.fill("#id_slug", "2027-H1")
    page.fill("#id_name", "2027 first half")
    page.fill("#id_period_start", "2027-01-01")
    page.fill("#id_period_end", "2027-06-30")
    page.fill("#id_deadline", "2027-07-15")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url("**/cycles/2027-H1/")
    expect(page.locator("#main")).to_contain_text("Planned")
    page.get_by_text("Open the cycle…").click()
    page.get_by_role("button", name="Yes, open the cycle").click()

    expect(page.locator("#main")).to_contain_text("2 reports due")
    cycle = ReportingCycle.objects.get(slug="2027-H1")
    assert cycle.state == CycleState.OPEN and cycle.opened_by == secretariat_user
    # R2.1 is led by Viet Nam with Thailand taking part: both now owe a report.
    assert {(r.member_state.iso2, r.status) for r in cycle.due_updates.select_related("member_state")} == {
        ("VN", "missing"),
        ("TH", "missing"),
    }
