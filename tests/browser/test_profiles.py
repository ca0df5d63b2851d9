"""Member-state and body profiles, the XLSX export, an indicator added and logging out, as clicked."""

import openpyxl
import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_focal_point_reads_a_member_state_and_a_body_then_downloads_xlsx_and_logs_out(
    page, login, focal_vn, plan, viet_nam
):
    factories.NationalStrategyFactory(member_state=viet_nam, name="Make in Vietnam", year=2020)
    factories.CountryFigureFactory(member_state=viet_nam, value="36.20")
    login(focal_vn)

    page.locator("#nav-main").get_by_role("link", name="Member states").click()
    page.get_by_role("link", name="Viet Nam").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Viet Nam")
    expect(page.get_by_text("Make in Vietnam")).to_be_visible()
    expect(page.locator("#figure-table")).to_contain_text("36.2")
    page.get_by_role("link", name="R2.1").first.click()
    page.wait_for_url("**/activities/R2.1/")

    page.get_by_role("link", name="COSTI").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("COSTI")
    expect(page.get_by_role("link", name="R2.1")).to_be_visible()

    page.locator("#nav-main").get_by_role("link", name="Activities", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as workbook:
        sheet = openpyxl.load_workbook(workbook, read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Code"
    assert [row[0] for row in rows[1:]] == ["R2.1"]
    assert rows[1][3] == "Thí điểm đánh giá mức độ sẵn sàng"

    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/activities/")
    assert "/accounts/login/" in page.url


def test_secretariat_adds_an_indicator_to_an_activity(page, login, secretariat_user, plan):
    login(secretariat_user)
    page.goto("/activities/R2.1/")
    page.get_by_role("link", name="Add indicator").click()
    page.get_by_label("Name (English)").fill("Pilot lines running")
    page.get_by_label("Unit (English)").fill("lines")
    page.get_by_label("Unit (Vietnamese)").fill("dây chuyền")
    page.get_by_label("Baseline year").fill("2026")
    page.get_by_label("Target year").fill("2024")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_target_year_error")).to_contain_text("cannot be before the baseline year")
    expect(page.get_by_label("Name (English)")).to_have_value("Pilot lines running")

    page.get_by_label("Target year").fill("2028")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/activities/R2.1/")
    expect(page.get_by_text("Indicator added.")).to_be_visible()
    expect(page.locator("#indicator-table")).to_contain_text("Pilot lines running")
