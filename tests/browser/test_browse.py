"""F1 Browse the plan, as a reader clicks it: dashboard → recommendation → activity, the list."""

import csv
import datetime

import pytest
from playwright.sync_api import expect

from roadmap.models import ActivityStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_observer_browses_from_dashboard_to_an_activity(page, login, observer_user, plan):
    activity = plan["activity"]
    today = datetime.date.today()
    # Dates relative to today, so each milestone keeps its state whenever the suite runs.
    factories.MilestoneFactory(
        activity=activity, title="Kick-off workshop", planned_date=today - datetime.timedelta(days=60)
    )
    factories.MilestoneFactory(
        activity=activity, title="Final conference", planned_date=today + datetime.timedelta(days=400)
    )
    factories.MilestoneFactory(
        activity=activity,
        title="Survey design",
        planned_date=today - datetime.timedelta(days=30),
        actual_date=today - datetime.timedelta(days=45),
    )

    login(observer_user)

    progress = page.get_by_role("table").filter(has_text="Avg. progress")
    expect(page.get_by_role("heading", name="Activities by status, per recommendation")).to_be_visible()
    expect(progress.get_by_role("row").filter(has_text="Workstream 2")).to_contain_text("40.0%")
    progress.get_by_role("link", name="2. Workstream 2").click()

    page.wait_for_url("**/recommendations/2/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 2: Workstream 2")
    expect(page.get_by_text("Recommendation 2 on smart manufacturing")).to_be_visible()
    page.get_by_role("link", name="R2.1", exact=True).click()

    page.wait_for_url("**/activities/R2.1/")
    expect(page.get_by_role("heading", level=1)).to_have_text("R2.1 · Readiness assessment pilots")
    expect(page.locator("#lead-owners").get_by_role("link", name="Viet Nam")).to_be_visible()
    expect(page.get_by_role("link", name="Thailand")).to_be_visible()
    expect(page.get_by_role("link", name="COSTI")).to_be_visible()

    milestones = page.get_by_role("region", name="Milestones")
    expect(milestones.get_by_role("row")).to_have_count(5)  # header + four milestones
    expect(milestones.get_by_role("row").filter(has_text="Kick-off workshop")).to_contain_text("Overdue")
    expect(milestones.get_by_role("row").filter(has_text="Survey design")).to_contain_text("Achieved on time")
    expect(milestones.get_by_role("row").filter(has_text="Final conference")).to_contain_text("Upcoming")
    expect(milestones.get_by_role("row").filter(has_text="Pilot report")).to_contain_text("2027-06-30")

    indicators = page.get_by_role("region", name="Indicators")
    expect(indicators.get_by_role("row").filter(has_text="Enterprises assessed")).to_contain_text("500")


@pytest.fixture
def varied_activities(plan, roadmap, viet_nam, thailand):
    rec = plan["recommendation"]

    def make(code, title, status, lead, title_vi=""):
        return factories.ActivityFactory(
            roadmap=roadmap,
            recommendation=rec,
            code=code,
            title=title,
            title_vi=title_vi,
            status=status,
            lead_member_states=[lead],
        )

    make(
        "R2.2",
        "Digital skills training",
        ActivityStatus.DELAYED,
        viet_nam,
        title_vi="Đào tạo kỹ năng số cho doanh nghiệp",
    )
    make("R2.3", "Smart factory visits", ActivityStatus.DELAYED, viet_nam)  # no "digital"
    make("R2.4", "Digital skills for Thai SMEs", ActivityStatus.DELAYED, thailand)  # not Viet Nam
    make("R2.5", "Digital skills handbook", ActivityStatus.COMPLETED, viet_nam)  # not delayed


def test_activity_list_filters_and_exports_the_filtered_rows(page, login, observer_user, varied_activities):
    login(observer_user)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Activities").click()
    page.wait_for_url("**/activities/")
    rows = page.locator("#activity-table tbody tr")
    expect(rows).to_have_count(5)

    page.get_by_label("Status").select_option(label="Delayed")
    page.get_by_label("Member state").select_option(label="Viet Nam")
    page.get_by_label("Search").fill("digital")
    page.get_by_role("button", name="Filter").click()

    page.wait_for_url("**/activities/?*status=delayed*")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link", name="R2.2")).to_be_visible()
    expect(rows.first).to_contain_text("Delayed")
    # The form keeps what was chosen.
    expect(page.get_by_label("Status")).to_have_value("delayed")
    expect(page.get_by_label("Member state")).to_have_value("VN")
    expect(page.get_by_label("Search")).to_have_value("digital")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("activities-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [row["Code"] for row in table] == ["R2.2"]
    assert table[0]["Title (Vietnamese)"] == "Đào tạo kỹ năng số cho doanh nghiệp"
    assert table[0]["Lead member states"] == "VN"
    assert table[0]["Status"] == "Delayed"


def test_activity_list_sorts_by_clicking_a_header_and_paginates(page, login, observer_user, roadmap):
    rec = factories.RecommendationFactory(roadmap=roadmap, number=3)
    # Titles run against the codes: R3.1 is "Title 30", R3.30 is "Title 01".
    for n in range(1, 31):
        factories.ActivityFactory(
            roadmap=roadmap, recommendation=rec, code=f"R3.{n}", title=f"Title {31 - n:02d}"
        )

    page.goto("/activities/")
    login(observer_user, goto=False)
    page.wait_for_url("**/activities/")
    rows = page.locator("#activity-table tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("R3.1")
    expect(rows.nth(1)).to_contain_text("R3.2")  # R3.2 before R3.10: codes sort by number
    pagination = page.get_by_role("navigation", name="Table navigation")
    expect(pagination).to_be_visible()

    header = page.locator("#activity-table thead")
    header.get_by_role("link", name="Title", exact=True).click()
    page.wait_for_url("**/activities/?*sort=title*")
    expect(rows.first).to_contain_text("Title 01")
    expect(rows.first).to_contain_text("R3.30")
    expect(rows.nth(24)).to_contain_text("Title 25")

    header.get_by_role("link", name="Title", exact=True).click()
    page.wait_for_url("**/activities/?*sort=-title*")
    expect(rows.first).to_contain_text("Title 30")
    expect(rows.first).to_contain_text("R3.1")

    # The next page keeps the order and holds the last five.
    pagination.get_by_role("link", name="next").click()
    page.wait_for_url("**/activities/?*page=2*")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("Title 05")
    expect(rows.last).to_contain_text("Title 01")
    expect(pagination.get_by_role("link", name="previous")).to_be_visible()
