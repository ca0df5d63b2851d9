"""The machinery both permission matrices (tests/roadmap and tests/tracker test_permissions.py) run on.

A matrix is a list of `Row`s: a view, how to build its URL arguments from the module's `world`, the
method, the expected outcome for every role, and (for a POST) how to build valid data. `cases`
turns it into one pytest case per row and role; `assert_outcome` checks one response against
its expected outcome:

    LOGIN     anonymous visitors are sent to /accounts/login/?next=<the page>
    200       the page renders
    SAVED     a valid POST is accepted: 302 to a page the same user can read, and the database changed
    REDIRECT  302 to a page the same user can read, and the database did not change
    403       the site's "not allowed" page, and the database did not change
    404       the site's "page not found" page, and the database did not change
    405       a page refuses a method it never takes; the database did not change
"""

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests import factories
from tests.helpers.web import login_redirect, template_names

LOGIN = "login"
SAVED = "saved"
REDIRECT = "redirect"

ANONYMOUS = "anonymous"
SECRETARIAT = "secretariat"
FOCAL_VN = "focal_vn"
FOCAL_TH = "focal_th"
COSTI_REP = "costi_rep"
OBSERVER = "observer"
SUPERUSER = "superuser"


def user_per_role(*, viet_nam, thailand, costi):
    """A signed-in user for each role both matrices ask about, by role."""
    return {
        SECRETARIAT: factories.SecretariatFactory(username="sec"),
        FOCAL_VN: factories.FocalPointFactory(username="focal.vn", member_state=viet_nam),
        FOCAL_TH: factories.FocalPointFactory(username="focal.th", member_state=thailand),
        COSTI_REP: factories.BodyRepresentativeFactory(username="costi.rep", body=costi),
        OBSERVER: factories.ObserverFactory(username="observer"),
        SUPERUSER: factories.UserFactory(username="root", is_superuser=True, is_staff=True),
    }


@dataclass(frozen=True)
class Row:
    view: str
    args: Any
    method: str
    expected: dict
    data: Any = field(default=None)

    @property
    def id(self):
        """view-method, or view-label-method when the arguments carry a label (the object asked about)."""
        label = getattr(self.args, "label", "")
        return "-".join(part for part in (self.view, label, self.method) if part)


def cases(matrix, roles):
    """One pytest case per row and role, with the id `<row id>-<role>`."""
    return [pytest.param(row, role, id=f"{row.id}-{role}") for row in matrix for role in roles]


def assert_covers_every_view(urlpatterns, matrix):
    """Every view of the URL module has a GET and a POST row, and no two rows share an id."""
    names = {p.name for p in urlpatterns}
    covered = {(row.view, row.method) for row in matrix}
    assert {(n, m) for n in names for m in ("GET", "POST")} == covered
    assert len({row.id for row in matrix}) == len(matrix), "two rows share an id"


def send(client, url, row, world):
    """The row's request: a GET, or a POST of the row's data (none if it has no data)."""
    if row.method == "GET":
        return client.get(url)
    return client.post(url, row.data(world) if row.data else {})


def assert_site_page(response, template, text):
    assert template in template_names(response), template_names(response)
    content = response.content.decode()
    assert text in content
    # The site's page, with its navigation, not a bare error.
    assert 'aria-label="Main navigation"' in content
    assert "Traceback" not in content
    return content


def assert_not_allowed_page(response):
    assert response.status_code == 403
    return assert_site_page(response, "403.html", "You are not allowed")


def assert_not_found_page(response):
    assert response.status_code == 404
    return assert_site_page(response, "404.html", "Page not found")


def assert_lands_on_a_readable_page(client, response):
    assert response.status_code == 302
    location = response["Location"]
    assert not location.startswith("/accounts/login/"), location
    landing = client.get(location)
    assert landing.status_code == 200, (location, landing.status_code)


def assert_outcome(client, response, *, url, expected, before, db_state, on_200=None):
    """`response` (to a request for `url`) is the `expected` outcome; `db_state()` changed from
    `before` if and only if the outcome is SAVED. `on_200(response)`, if given, checks a 200 itself."""
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == login_redirect(url)
    elif expected == SAVED:
        errors = None
        if response.context and "form" in response.context:
            errors = response.context["form"].errors
        assert response.status_code == 302, (response.status_code, errors)
        assert db_state() != before
        assert_lands_on_a_readable_page(client, response)
    elif expected == REDIRECT:
        assert_lands_on_a_readable_page(client, response)
    elif expected == 403:
        assert_not_allowed_page(response)
    elif expected == 404:
        assert_not_found_page(response)
    elif expected == 200 and on_200 is not None:
        assert response.status_code == 200
        on_200(response)
    else:
        assert response.status_code == expected

    if expected != SAVED:
        assert db_state() == before
