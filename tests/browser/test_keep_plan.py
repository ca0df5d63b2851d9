"""F6 Keep the plan: the secretariat edits it in the browser; readers cannot."""

import re

import pytest
from playwright.sync_api import expect

from roadmap import services
from roadmap.models import Activity, ActivityStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def field_container(page, label):
    """The block holding a form field: its label, input, error and help text."""
    return page.locator("#plan-form div.mb-3").filter(has=page.get_by_label(label, exact=True))


def test_moving_a_milestone_needs_a_reason_and_lands_in_history(page, login, secretariat_user, plan):
    milestone = plan["milestone"]
    page.goto("/activities/R2.1/")
    login(secretariat_user, goto=False)
    page.wait_for_url("**/activities/R2.1/")

    milestones = page.get_by_role("region", name="Milestones")
    milestones.get_by_role("row").filter(has_text="Pilot report").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit milestone")
    planned = page.get_by_label("Planned date", exact=True)
    expect(planned).to_have_value("2027-06-30")

    planned.fill("2027-09-30")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    reason_block = field_container(page, "Reason for the change")
    expect(reason_block).to_contain_text("Say why the planned date moved.")
    reason = page.get_by_label("Reason for the change")
    expect(reason).to_have_class(re.compile(r"\bis-invalid\b"))
    # Screen readers read the error with the field.
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(re.compile("Say why the planned date moved"))
    expect(planned).to_have_value("2027-09-30")
    milestone.refresh_from_db()
    assert str(milestone.planned_date) == "2027-06-30"

    reason.fill("The pilot partner asked for three more months.")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url("**/activities/R2.1/")
    expect(page.get_by_role("status")).to_contain_text("Milestone saved.")
    row = milestones.get_by_role("row").filter(has_text="Pilot report")
    expect(row).to_contain_text("2027-09-30")
    expect(row).to_contain_text("2027-06-30")  # the baseline stays
    history = page.get_by_role("region", name="History")
    entry = (
        history.get_by_role("listitem").filter(has_text="Milestone: Pilot report").filter(has_text="changed")
    )
    expect(entry).to_contain_text("The pilot partner asked for three more months.")
    expect(entry).to_contain_text("planned date: 2027-06-30 → 2027-09-30")
    expect(entry).to_contain_text(str(secretariat_user))


def test_secretariat_creates_an_activity_from_the_list(page, login, secretariat_user, plan, viet_nam):
    page.goto("/activities/")
    login(secretariat_user, goto=False)
    page.wait_for_url("**/activities/")

    page.get_by_role("link", name="New activity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New activity")
    page.get_by_label("Code", exact=True).fill("R2.7")
    page.get_by_label("Recommendation", exact=True).select_option(label="2. Workstream 2")
    page.get_by_label("Title (English)").fill("Smart manufacturing test beds")
    page.get_by_label("Title (Vietnamese)").fill("Cơ sở thử nghiệm sản xuất thông minh")
    page.get_by_role("group", name="Lead member states").get_by_label("Viet Nam").check()
    page.get_by_label("Planned start").fill("2026-01-15")
    page.get_by_label("Planned end").fill("2027-06-30")
    page.get_by_label("Status", exact=True).select_option(label="Ongoing")
    page.get_by_label("Percent complete").fill("15")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url("**/activities/R2.7/")
    expect(page.get_by_role("status")).to_contain_text("Activity R2.7 created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("R2.7 · Smart manufacturing test beds")
    expect(page.locator("#lead-owners").get_by_role("link", name="Viet Nam")).to_be_visible()
    expect(page.locator("#planned-dates")).to_contain_text("2026-01-15 → 2027-06-30")
    expect(page.get_by_text("15%")).to_be_visible()

    created = Activity.objects.get(code="R2.7")
    assert created.status == ActivityStatus.ONGOING
    assert created.percent_complete == 15
    assert created.recommendation == plan["recommendation"]
    assert str(created.baseline_end) == "2027-06-30"  # the first plan is the baseline
    assert list(created.lead_member_states.all()) == [viet_nam]


def test_a_concurrent_change_is_reported_and_the_typed_value_kept(page, login, secretariat_user, plan):
    page.goto("/activities/R2.1/edit/")
    login(secretariat_user, goto=False)
    page.wait_for_url("**/activities/R2.1/edit/")
    title = page.get_by_label("Title (English)")
    title.fill("Readiness assessment pilots, second round")

    # Meanwhile another desk officer saves the same activity.
    other = factories.SecretariatFactory(username="sec.other")
    theirs = Activity.objects.get(code="R2.1")
    theirs.percent_complete = 55
    services.activity_update(
        activity=theirs, m2m=None, expected_version=theirs.version, reason="", acting_user=other
    )

    page.get_by_role("button", name="Save").click()

    conflict = page.get_by_role("alert").filter(
        has_text="Someone else changed this record since you opened it"
    )
    expect(conflict).to_be_visible()
    expect(title).to_have_value("Readiness assessment pilots, second round")
    current = Activity.objects.get(code="R2.1")
    assert current.title == "Readiness assessment pilots"
    assert current.percent_complete == 55
    assert current.version == theirs.version


def test_observer_sees_no_edit_buttons_and_is_refused_the_edit_page(page, login, observer_user, plan):
    page.goto("/activities/R2.1/")
    login(observer_user, goto=False)
    page.wait_for_url("**/activities/R2.1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("R2.1")
    expect(page.get_by_role("region", name="Milestones")).to_contain_text("Pilot report")
    main = page.get_by_role("main")
    for name in ("Edit activity", "Edit", "Add milestone", "Add indicator"):
        expect(main.get_by_role("link", name=name, exact=True)).to_have_count(0)

    response = page.goto("/activities/R2.1/edit/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("You are not allowed")
    expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()
