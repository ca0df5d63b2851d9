"""Logging in through the real form in Playwright, as a person would."""

from tests.factories.accounts import PASSWORD


def log_in(page, user, password=PASSWORD, *, goto=True):
    """Log in through the real form, as a person would."""
    if goto:
        page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page
