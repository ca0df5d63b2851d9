"""Languages: a user switches to Vietnamese in the navbar and back to English."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_user_switches_to_vietnamese_and_back(page, login, observer_user, plan):
    login(observer_user)
    html = page.locator("html")
    # The navbar's links; its aria-label is itself translated, so it is found by its id.
    nav = page.locator("#nav-main")
    expect(html).to_have_attribute("lang", "en")
    expect(nav.get_by_role("link", name="Activities", exact=True)).to_be_visible()

    # The select submits its form on change: no button to press.
    page.get_by_label("Language").select_option(label="Tiếng Việt")

    expect(html).to_have_attribute("lang", "vi")
    expect(nav.get_by_role("link", name="Hoạt động", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Activities", exact=True)).to_have_count(0)

    # The choice holds on the next page; the recommendation shows its Vietnamese title.
    page.get_by_role("table").get_by_role("link", name="2. Nhóm 2").click()
    page.wait_for_url("**/recommendations/2/")
    expect(html).to_have_attribute("lang", "vi")
    expect(page.get_by_text("Khuyến nghị 2 về sản xuất thông minh", exact=True)).to_be_visible()
    english_title = page.locator('p[lang="en"]')
    expect(english_title).to_have_text("Recommendation 2 on smart manufacturing")

    # Back to English from the same selector (its label is Vietnamese now).
    page.locator("#language-select").select_option(label="English")

    expect(html).to_have_attribute("lang", "en")
    page.wait_for_url("**/recommendations/2/")
    expect(nav.get_by_role("link", name="Activities", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 2: Workstream 2")
    expect(page.get_by_text("Recommendation 2 on smart manufacturing", exact=True)).to_be_visible()
