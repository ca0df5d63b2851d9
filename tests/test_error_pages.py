"""Errors are pages of the site (403, 404) or a plain, safe page (500), never a stack trace."""

import pytest
from django.urls import reverse

from tests.error_urls import SECRET_DETAIL

pytestmark = pytest.mark.django_db

NAVIGATION = 'aria-label="Main navigation"'


def _templates(response):
    return [t.name for t in response.templates]


def _assert_no_internals(content):
    for leak in ("Traceback", 'File "', "RuntimeError", "PermissionDenied", "Http404", SECRET_DETAIL):
        assert leak not in content, leak


# --- 404 -----------------------------------------------------------------------------------------


def test_unknown_url_is_the_sites_404_page_with_navigation(client, observer_user):
    client.force_login(observer_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert _templates(response)[0] == "404.html"
    assert "base.html" in _templates(response)
    content = response.content.decode()
    assert "Page not found" in content
    assert NAVIGATION in content
    assert reverse("roadmap:activity_list") in content  # the menu is there
    assert observer_user.get_full_name() in content  # signed-in user's menu


def test_unknown_url_for_an_anonymous_visitor_is_still_the_sites_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in _templates(response)
    assert "Page not found" in response.content.decode()


def test_unknown_record_is_the_sites_404_page(client, observer_user, plan):
    client.force_login(observer_user)
    response = client.get(reverse("roadmap:activity_detail", args=["R9.9"]))
    assert response.status_code == 404
    assert "404.html" in _templates(response)
    assert NAVIGATION in response.content.decode()


@pytest.mark.urls("tests.error_urls")
def test_http404_message_is_not_shown(client, observer_user):
    client.force_login(observer_user)
    response = client.get("/test-errors/404/")
    assert response.status_code == 404
    assert "404.html" in _templates(response)
    _assert_no_internals(response.content.decode())


# --- 403 -----------------------------------------------------------------------------------------


def test_forbidden_action_is_the_sites_403_page(client, observer_user):
    client.force_login(observer_user)
    response = client.get(reverse("roadmap:activity_create"))
    assert response.status_code == 403
    assert _templates(response)[0] == "403.html"
    content = response.content.decode()
    assert "You are not allowed to do that" in content
    assert NAVIGATION in content
    assert reverse("roadmap:dashboard") in content


@pytest.mark.urls("tests.error_urls")
def test_permission_denied_message_is_not_shown(client, observer_user):
    client.force_login(observer_user)
    response = client.get("/test-errors/403/")
    assert response.status_code == 403
    assert "403.html" in _templates(response)
    _assert_no_internals(response.content.decode())


# --- 500 -----------------------------------------------------------------------------------------


@pytest.mark.urls("tests.error_urls")
def test_server_error_is_a_plain_page_without_a_traceback(client, observer_user, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(observer_user)
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    assert _templates(response) == ["500.html"]
    content = response.content.decode()
    assert "Something went wrong" in content
    assert "<html" in content and "</html>" in content
    _assert_no_internals(content)


@pytest.mark.urls("tests.error_urls")
def test_anonymous_visitors_are_sent_to_log_in_before_a_failing_view_runs(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    # LoginRequiredMiddleware sends anonymous visitors to log in before the view can fail.
    assert client.get("/test-errors/500/").status_code == 302


@pytest.mark.urls("tests.error_urls")
def test_the_test_urlconf_really_raises(client, observer_user):
    # Guard: with exceptions re-raised (the default), the view does fail.
    client.force_login(observer_user)
    with pytest.raises(RuntimeError, match="s3cr3t"):
        client.get("/test-errors/500/")


def test_a_failed_csrf_check_is_a_page_of_the_site(secretariat_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(secretariat_user)
    response = client.post("/activities/new/", {"code": "R1.9"})
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()
    assert "csrf_failure.html" in [t.name for t in response.templates]
