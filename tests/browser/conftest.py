"""Playwright driving Debian's Chromium against the live test server.

Outside CI a missing Chromium skips these tests with a visible reason; with
BROWSER_TESTS=required (CI) it is an error instead.
"""

import os
import shutil

import pytest

from tests.factories.accounts import PASSWORD
from tests.helpers.browser import log_in

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
REQUIRED = os.environ.get("BROWSER_TESTS") == "required"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if REQUIRED:
            pytest.fail(message + "; BROWSER_TESTS=required")
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - dev dependencies are installed by make test
        if REQUIRED:
            raise
        pytest.skip(f"Playwright is not installed: {error}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    settings.DEBUG = False
    context = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page):
    """Log in on the test's page."""

    def _login(user, password=PASSWORD, *, goto=True):
        return log_in(page, user, password, goto=goto)

    return _login
