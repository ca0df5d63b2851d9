"""Logging in and out, throttling (django-axes), password change and the language switch."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pass-2026-word"
LOGIN_URL = "/accounts/login/"


@pytest.fixture(autouse=True)
def _axes_on(settings):
    settings.AXES_ENABLED = True


def _login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password, **extra})


def _signed_in(client):
    return "_auth_user_id" in client.session


# --- Log in --------------------------------------------------------------------------------------


def test_login_page_renders_for_anonymous_visitors(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert "accounts/login.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert "csrfmiddlewaretoken" in content


def test_valid_login_lands_the_secretariat_on_the_dashboard(client, secretariat_user):
    response = _login(client, secretariat_user.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("tracker:home")
    assert _signed_in(client)
    assert int(client.session["_auth_user_id"]) == secretariat_user.pk
    home = client.get(response["Location"])
    assert home.status_code == 302
    assert home["Location"] == reverse("roadmap:dashboard")


def test_login_follows_next_to_the_page_asked_for(client, secretariat_user):
    response = _login(client, secretariat_user.username, next="/activities/")
    assert response.status_code == 302
    assert response["Location"] == "/activities/"


def test_login_refuses_a_next_on_another_site(client, secretariat_user):
    response = _login(client, secretariat_user.username, next="https://evil.example.org/")
    assert response.status_code == 302
    assert response["Location"] == reverse("tracker:home")


def test_wrong_password_shows_an_error_and_keeps_the_username(client, secretariat_user):
    response = _login(client, secretariat_user.username, "not-the-password")
    assert response.status_code == 200
    assert not _signed_in(client)
    content = response.content.decode()
    assert "Please enter a correct username and password" in content
    assert 'class="alert alert-danger"' in content
    assert f'value="{secretariat_user.username}"' in content
    # The password itself is never sent back to the browser.
    assert "not-the-password" not in content


def test_a_signed_in_user_visiting_the_login_page_goes_home(client, observer_user):
    client.force_login(observer_user)
    response = client.get(LOGIN_URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("tracker:home")


# --- Throttling ----------------------------------------------------------------------------------


def test_axes_locks_the_account_out_after_the_failure_limit(client, secretariat_user, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 2
    for attempt in range(1, limit):
        response = _login(client, secretariat_user.username, f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert "accounts/lockout.html" not in [t.name for t in response.templates]

    locked = _login(client, secretariat_user.username, "wrong-last")
    assert locked.status_code == settings.AXES_HTTP_RESPONSE_CODE == 429
    assert "accounts/lockout.html" in [t.name for t in locked.templates]
    assert "Too many failed log-ins" in locked.content.decode()

    # Even the right password is refused now, and nobody is signed in.
    again = _login(client, secretariat_user.username)
    assert again.status_code == 429
    assert "accounts/lockout.html" in [t.name for t in again.templates]
    assert not _signed_in(client)


def test_axes_lockout_is_per_username_and_address(client, secretariat_user, observer_user, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, secretariat_user.username, f"wrong-{attempt}")
    assert _login(client, secretariat_user.username).status_code == 429
    # Another account from the same address is not locked out.
    response = _login(client, observer_user.username)
    assert response.status_code == 302
    assert _signed_in(client)


def test_a_successful_login_resets_the_failure_count(client, secretariat_user, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(limit - 1):
        _login(client, secretariat_user.username, f"wrong-{attempt}")
    assert _login(client, secretariat_user.username).status_code == 302
    client.logout()
    for attempt in range(limit - 1):
        assert _login(client, secretariat_user.username, f"wrong-again-{attempt}").status_code == 200
    assert _login(client, secretariat_user.username).status_code == 302


# --- Log out -------------------------------------------------------------------------------------


def test_logout_is_post_only_and_ends_the_session(client, observer_user):
    client.force_login(observer_user)
    assert client.get("/accounts/logout/").status_code == 405
    assert _signed_in(client)

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not _signed_in(client)
    dashboard = client.get(reverse("roadmap:dashboard"))
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith(LOGIN_URL)


def test_every_page_offers_logout_as_a_form(client, observer_user):
    client.force_login(observer_user)
    content = client.get(reverse("roadmap:dashboard")).content.decode()
    assert '<form method="post" action="/accounts/logout/">' in content


# --- Password change -----------------------------------------------------------------------------

NEW_PASSWORD = "harder-2027-phrase"


def test_password_change_page_needs_login(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/accounts/password/"


def test_password_change_works_and_keeps_the_user_signed_in(client, focal_vn):
    client.force_login(focal_vn)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("roadmap:dashboard")
    focal_vn.refresh_from_db()
    assert focal_vn.check_password(NEW_PASSWORD)
    assert not focal_vn.check_password(PASSWORD)
    # Still signed in (the session hash was updated), with a confirmation.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Your password has been changed." in page.content.decode()
    # Logged out, the new password opens the site and the old one does not.
    client.post("/accounts/logout/")
    assert _login(client, focal_vn.username, PASSWORD).status_code == 200
    assert _login(client, focal_vn.username, NEW_PASSWORD).status_code == 302


def test_password_change_requires_the_old_password(client, focal_vn):
    client.force_login(focal_vn)
    response = client.post(
        "/accounts/password/",
        {"old_password": "not-my-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["old_password"]
    content = response.content.decode()
    # The message sits at the field, and the field is marked for assistive technology.
    assert 'id="id_old_password_error"' in content
    assert "Your old password was entered incorrectly" in content
    # Passwords are never echoed back into the page (Django's PasswordInput), by design.
    assert NEW_PASSWORD not in content
    focal_vn.refresh_from_db()
    assert focal_vn.check_password(PASSWORD)


def test_password_change_names_a_mismatch_at_the_second_field(client, focal_vn):
    client.force_login(focal_vn)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["new_password2"]
    assert 'id="id_new_password2_error"' in response.content.decode()
    focal_vn.refresh_from_db()
    assert focal_vn.check_password(PASSWORD)


# --- Language ------------------------------------------------------------------------------------

CATALOGUE = Path(django_settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.mo"


def _switch_to_vietnamese(client):
    response = client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "vi"


def test_language_switch_serves_pages_in_vietnamese(client, observer_user):
    client.force_login(observer_user)
    _switch_to_vietnamese(client)
    response = client.get(reverse("roadmap:dashboard"))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in response.content.decode()
    # And back.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("roadmap:dashboard"))
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_language_switch_works_on_the_login_page(client):
    _switch_to_vietnamese(client)
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in response.content.decode()


@pytest.mark.xfail(
    not CATALOGUE.exists(),
    reason="the Vietnamese catalogue (locale/vi/LC_MESSAGES/django.mo) is not compiled yet",
    strict=True,
)
def test_navigation_is_translated_into_vietnamese(client, observer_user):
    client.force_login(observer_user)
    _switch_to_vietnamese(client)
    content = client.get(reverse("roadmap:dashboard")).content.decode()
    nav = content[content.index("<nav ") : content.index("</nav>")]
    assert "Hoạt động" in nav  # "Activities"
    assert ">Activities<" not in nav


def test_a_user_can_switch_language_as_any_role(client):
    user = factories.BodyRepresentativeFactory(username="rep")
    client.force_login(user)
    _switch_to_vietnamese(client)
    assert client.get("/activities/").headers["Content-Language"] == "vi"
