import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_visitor_is_sent_to_login_and_lands_on_dashboard(page, login, secretariat_user, plan):
    page.goto("/activities/")
    assert "/accounts/login/" in page.url
    login(secretariat_user, goto=False)
    page.wait_for_url("**/activities/")
    assert page.get_by_role("heading", name="Activities").is_visible()
    assert page.get_by_role("link", name="R2.1").is_visible()


def test_wrong_password_shows_a_message_and_keeps_the_username(page, secretariat_user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(secretariat_user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Username").input_value() == secretariat_user.username
