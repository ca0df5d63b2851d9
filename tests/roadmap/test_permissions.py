"""Who may open and post to which page: every view of roadmap/urls.py × every role × GET/POST.

The matrix is a table. Adding a view to roadmap/urls.py means adding its rows to MATRIX (the
completeness test fails until you do). Each row names the view, how to build its URL arguments
from the `world` fixture, the method, and the expected outcome for every role:

    LOGIN  anonymous visitors are sent to /accounts/login/?next=<the page>
    200    the page renders
    SAVED  a valid POST is accepted: 302 to a page of the site and the database changed
    403    the site's "not allowed" page, and the database did not change
    405    a read-only page refuses POST (signed-in users only; anonymous ones go to LOGIN)

In this issue every signed-in user reads the plan and only the secretariat (or a superuser) keeps
it, whatever their country: a focal point of Viet Nam may not edit R2.1 although Viet Nam leads it.
"""

from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from roadmap import urls as roadmap_urls
from roadmap.models import Activity, Indicator, Milestone
from tests import factories
from tests.helpers import small_plan
from tests.helpers.large_record import Records, built_once
from tests.helpers.permission_matrix import (
    ANONYMOUS,
    COSTI_REP,
    FOCAL_TH,
    FOCAL_VN,
    LOGIN,
    OBSERVER,
    SAVED,
    SECRETARIAT,
    SUPERUSER,
    Row,
    assert_covers_every_view,
    assert_not_allowed_page,
    assert_not_found_page,
    assert_outcome,
    cases,
    send,
    user_per_role,
)
from tests.helpers.web import login_redirect

pytestmark = pytest.mark.django_db

ROLES = [ANONYMOUS, SECRETARIAT, FOCAL_VN, FOCAL_TH, COSTI_REP, OBSERVER, SUPERUSER]
SIGNED_IN = [r for r in ROLES if r != ANONYMOUS]

# Expected outcome per role, by kind of request.
READ = {ANONYMOUS: LOGIN, **dict.fromkeys(SIGNED_IN, 200)}
READ_ONLY_POST = {ANONYMOUS: LOGIN, **dict.fromkeys(SIGNED_IN, 405)}
EDIT_FORM = {
    ANONYMOUS: LOGIN,
    SECRETARIAT: 200,
    SUPERUSER: 200,
    FOCAL_VN: 403,
    FOCAL_TH: 403,
    COSTI_REP: 403,
    OBSERVER: 403,
}
EDIT_SAVE = {**EDIT_FORM, SECRETARIAT: SAVED, SUPERUSER: SAVED}


# --- URL arguments and valid POST data, built from the `world` fixture ---------------------------


def no_args(w):
    return []


def rec_number(w):
    return [w["recommendation"].number]


def rec_indicator(w):
    return [w["recommendation"].number, w["rec_indicator"].pk]


def activity_code(w):
    return [w["activity"].code]


def activity_milestone(w):
    return [w["activity"].code, w["milestone"].pk]


def activity_indicator(w):
    return [w["activity"].code, w["indicator"].pk]


def iso2(w):
    return [w["viet_nam"].iso2]


def acronym(w):
    return [w["costi"].acronym]


def activity_form_data(w):
    a = w["activity"]
    return {
        "code": a.code,
        "recommendation": a.recommendation.pk,
        "title": "Readiness assessment pilots, second round",
        "title_vi": a.title_vi,
        "lead_member_states": [w["viet_nam"].pk],
        "participating_member_states": [w["thailand"].pk],
        "supporting_bodies": [w["costi"].pk],
        "planned_start": a.planned_start.isoformat(),
        "planned_end": a.planned_end.isoformat(),
        "status": a.status,
        "flag": a.flag,
        "percent_complete": 55,
        "version": a.version,
    }


def activity_create_data(w):
    return {
        **activity_form_data(w),
        "code": "R2.9",
        "title": "Smart factory demonstration centres",
        "version": "",
    }


def milestone_form_data(w):
    m = w["milestone"]
    return {
        "title": "Pilot report published",
        "planned_date": m.planned_date.isoformat(),
        "version": m.version,
    }


def milestone_create_data(w):
    return {"title": "Regional workshop", "planned_date": "2027-03-31"}


def indicator_form_data(w, key="indicator"):
    i = w[key]
    return {"name": "Enterprises assessed (all)", "unit": i.unit, "version": i.version}


def indicator_create_data(w):
    return {"name": "Workshops held", "unit": "workshops"}


def rec_indicator_form_data(w):
    return indicator_form_data(w, "rec_indicator")


MATRIX = [
    Row("dashboard", no_args, "GET", READ),
    Row("dashboard", no_args, "POST", READ_ONLY_POST),
    Row("recommendation_list", no_args, "GET", READ),
    Row("recommendation_list", no_args, "POST", READ_ONLY_POST),
    Row("recommendation_detail", rec_number, "GET", READ),
    Row("recommendation_detail", rec_number, "POST", READ_ONLY_POST),
    Row("recommendation_indicator_create", rec_number, "GET", EDIT_FORM),
    Row("recommendation_indicator_create", rec_number, "POST", EDIT_SAVE, indicator_create_data),
    Row("recommendation_indicator_update", rec_indicator, "GET", EDIT_FORM),
    Row("recommendation_indicator_update", rec_indicator, "POST", EDIT_SAVE, rec_indicator_form_data),
    Row("activity_list", no_args, "GET", READ),
    Row("activity_list", no_args, "POST", READ_ONLY_POST),
    Row("activity_create", no_args, "GET", EDIT_FORM),
    Row("activity_create", no_args, "POST", EDIT_SAVE, activity_create_data),
    Row("activity_detail", activity_code, "GET", READ),
    Row("activity_detail", activity_code, "POST", READ_ONLY_POST),
    # R2.1 is led by Viet Nam: its focal point still may not edit the plan (403).
    Row("activity_update", activity_code, "GET", EDIT_FORM),
    Row("activity_update", activity_code, "POST", EDIT_SAVE, activity_form_data),
    Row("milestone_create", activity_code, "GET", EDIT_FORM),
    Row("milestone_create", activity_code, "POST", EDIT_SAVE, milestone_create_data),
    Row("milestone_update", activity_milestone, "GET", EDIT_FORM),
    Row("milestone_update", activity_milestone, "POST", EDIT_SAVE, milestone_form_data),
    Row("indicator_create", activity_code, "GET", EDIT_FORM),
    Row("indicator_create", activity_code, "POST", EDIT_SAVE, indicator_create_data),
    Row("indicator_update", activity_indicator, "GET", EDIT_FORM),
    Row("indicator_update", activity_indicator, "POST", EDIT_SAVE, indicator_form_data),
    Row("milestone_list", no_args, "GET", READ),
    Row("milestone_list", no_args, "POST", READ_ONLY_POST),
    Row("timeline", no_args, "GET", READ),
    Row("timeline", no_args, "POST", READ_ONLY_POST),
    Row("member_state_list", no_args, "GET", READ),
    Row("member_state_list", no_args, "POST", READ_ONLY_POST),
    Row("member_state_detail", iso2, "GET", READ),
    Row("member_state_detail", iso2, "POST", READ_ONLY_POST),
    Row("body_list", no_args, "GET", READ),
    Row("body_list", no_args, "POST", READ_ONLY_POST),
    Row("body_detail", acronym, "GET", READ),
    Row("body_detail", acronym, "POST", READ_ONLY_POST),
]

CASES = cases(MATRIX, ROLES)


# --- Fixtures and helpers ------------------------------------------------------------------------


def _build_world():
    """The plan of tests/conftest.py, a recommendation indicator and a user per role: primary keys."""
    viet_nam = factories.MemberStateFactory(iso2="VN", iso3="VNM", name="Viet Nam", name_vi="Việt Nam")
    thailand = factories.MemberStateFactory(iso2="TH", iso3="THA", name="Thailand", name_vi="Thái Lan")
    costi = factories.BodyFactory(
        acronym="COSTI", name="ASEAN Committee on Science, Technology and Innovation"
    )
    plan = small_plan(roadmap=factories.RoadmapFactory(), viet_nam=viet_nam, thailand=thailand, costi=costi)
    rec_indicator = factories.IndicatorFactory(
        activity=None, recommendation=plan["recommendation"], name="SMEs with a strategy", unit="SMEs"
    )
    users = user_per_role(viet_nam=viet_nam, thailand=thailand, costi=costi)
    objects = {**plan, "rec_indicator": rec_indicator, "viet_nam": viet_nam, "thailand": thailand}
    return {
        "objects": {key: (type(obj), obj.pk) for key, obj in {**objects, "costi": costi}.items()},
        "users": {role: user.pk for role, user in users.items()},
    }


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The world's primary keys; its rows live in a transaction rolled back after the module."""
    with built_once(django_db_blocker):
        yield _build_world()


@pytest.fixture
def world(built):
    """The world's objects as they are now: a previous test's writes were rolled back."""
    return {
        **{key: model.objects.get(pk=pk) for key, (model, pk) in built["objects"].items()},
        "users": Records(get_user_model(), {ANONYMOUS: None, **built["users"]}),
    }


def db_state():
    """Everything a plan write could touch: rows, their versions and titles, and history."""
    return {
        "activities": sorted(Activity.objects.values_list("pk", "version", "title", "percent_complete")),
        "owners": sorted(
            Activity.lead_member_states.through.objects.values_list("activity_id", "memberstate_id")
        ),
        "milestones": sorted(Milestone.objects.values_list("pk", "version", "title", "planned_date")),
        "indicators": sorted(Indicator.objects.values_list("pk", "version", "name")),
        "history": (Activity.history.count(), Milestone.history.count(), Indicator.history.count()),
    }


def as_role(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    return user


# --- The matrix ----------------------------------------------------------------------------------


def test_matrix_covers_every_view_with_get_and_post():
    assert_covers_every_view(roadmap_urls.urlpatterns, MATRIX)


@pytest.mark.parametrize(("row", "role"), CASES)
def test_permission_matrix(client, world, row, role):
    as_role(client, world, role)
    url = reverse(f"roadmap:{row.view}", args=row.args(world))
    before = db_state()
    response = send(client, url, row, world)
    assert_outcome(client, response, url=url, expected=row.expected[role], before=before, db_state=db_state)


def test_focal_point_of_the_leading_country_cannot_edit_its_activity(client, world):
    """Plan editing is the secretariat's, whatever the country (progress updates come later)."""
    activity, focal_vn = world["activity"], world["users"][FOCAL_VN]
    assert world["viet_nam"] in activity.lead_member_states.all()
    client.force_login(focal_vn)
    url = reverse("roadmap:activity_update", args=[activity.code])
    before = db_state()
    assert_not_allowed_page(client.get(url))
    assert_not_allowed_page(client.post(url, activity_form_data(world)))
    assert db_state() == before
    # And the detail page offers no edit link to them.
    page = client.get(reverse("roadmap:activity_detail", args=[activity.code])).content.decode()
    assert url not in page


def test_edit_links_are_shown_only_to_those_who_may_edit(client, world):
    activity = world["activity"]
    edit_url = reverse("roadmap:activity_update", args=[activity.code])
    detail_url = reverse("roadmap:activity_detail", args=[activity.code])
    for role in SIGNED_IN:
        client.force_login(world["users"][role])
        page = client.get(detail_url).content.decode()
        assert (edit_url in page) == (EDIT_FORM[role] == 200), role


# --- What anonymous visitors can reach -----------------------------------------------------------


def _sample_paths(patterns, prefix=""):
    """Every URL of the site (admin aside) with placeholder arguments, by name."""
    values = {"int": "1", "str": "X1", "slug": "x", "path": "x"}
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from _sample_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            path = prefix + route
            for converter, value in values.items():
                while f"<{converter}:" in path:
                    start = path.index(f"<{converter}:")
                    path = path[:start] + value + path[path.index(">", start) + 1 :]
            yield entry.name, "/" + path


def test_anonymous_visitors_reach_only_the_login_page_and_the_language_switch(client):
    public = {"login", "set_language"}
    paths = dict(_sample_paths(get_resolver().url_patterns))
    assert public <= set(paths)
    assert len(paths) > len(public) + 10  # the walk did find the site's pages
    for name, path in paths.items():
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if name in public:
                assert not (
                    response.status_code == 302 and response["Location"].startswith("/accounts/login/?")
                ), (name, method)
            else:
                assert response.status_code == 302, (name, method, response.status_code)
                assert response["Location"] == login_redirect(path), (name, method)
    assert client.get(reverse("login")).status_code == 200
    switched = client.post(reverse("set_language"), {"language": "vi", "next": "/accounts/login/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/accounts/login/"


# --- Not found -----------------------------------------------------------------------------------

NOT_FOUND = [
    pytest.param("activity_detail", ["R9.99"], id="unknown-activity"),
    pytest.param("activity_update", ["R9.99"], id="unknown-activity-edit"),
    pytest.param("milestone_create", ["R9.99"], id="unknown-activity-new-milestone"),
    pytest.param("milestone_update", ["R9.99", 1], id="unknown-activity-milestone"),
    pytest.param("indicator_create", ["R9.99"], id="unknown-activity-new-indicator"),
    pytest.param("indicator_update", ["R9.99", 1], id="unknown-activity-indicator"),
    pytest.param("member_state_detail", ["ZZ"], id="unknown-member-state"),
    pytest.param("body_detail", ["NOBODY"], id="unknown-body"),
    pytest.param("recommendation_detail", [4], id="unknown-recommendation"),
    pytest.param("recommendation_indicator_create", [4], id="unknown-recommendation-new-indicator"),
    pytest.param("recommendation_indicator_update", [4, 1], id="unknown-recommendation-indicator"),
]


@pytest.mark.parametrize(("view", "args"), NOT_FOUND)
@pytest.mark.parametrize("role", [SECRETARIAT, OBSERVER])
def test_unknown_records_are_the_sites_404_page(client, world, view, args, role):
    as_role(client, world, role)
    assert_not_found_page(client.get(reverse(f"roadmap:{view}", args=args)))


def test_a_milestone_or_indicator_is_only_reached_through_its_own_activity(client, world):
    other = factories.ActivityFactory(
        roadmap=world["recommendation"].roadmap, recommendation=world["recommendation"]
    )
    client.force_login(world["users"][SECRETARIAT])
    milestone_url = reverse("roadmap:milestone_update", args=[other.code, world["milestone"].pk])
    indicator_url = reverse("roadmap:indicator_update", args=[other.code, world["indicator"].pk])
    rec_url = reverse("roadmap:recommendation_indicator_update", args=[2, world["indicator"].pk])
    for url in (milestone_url, indicator_url, rec_url):
        assert_not_found_page(client.get(url))
    before = db_state()
    assert client.post(milestone_url, milestone_form_data(world)).status_code == 404
    assert db_state() == before


# --- Export --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", SIGNED_IN)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_signed_in_role_may_export(client, world, role, fmt):
    as_role(client, world, role)
    response = client.get(reverse("roadmap:activity_list"), {"export": fmt, "status": "ongoing"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        assert response["Content-Type"].startswith("text/csv")
        assert b"R2.1" in content
    else:
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert content.startswith(b"PK")
    assert f".{fmt}" in response["Content-Disposition"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_anonymous_export_goes_to_login(client, world, fmt):
    response = client.get(reverse("roadmap:activity_list"), {"export": fmt})
    assert response.status_code == 302
    assert response["Location"] == login_redirect(f"/activities/?export={fmt}")


# --- Inactive users ------------------------------------------------------------------------------


def test_an_inactive_user_cannot_log_in(client, world):
    user = world["users"][SECRETARIAT]
    user.is_active = False
    user.save()
    response = client.post(reverse("login"), {"username": user.username, "password": "pass-2026-word"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("roadmap:dashboard")).status_code == 302


def test_a_user_deactivated_while_signed_in_loses_access(client, world):
    user = world["users"][SECRETARIAT]
    client.force_login(user)
    assert client.get(reverse("roadmap:activity_create")).status_code == 200
    user.is_active = False
    user.save()
    response = client.get(reverse("roadmap:activity_create"))
    assert response.status_code == 302
    assert response["Location"] == login_redirect("/activities/new/")


# --- The admin (back office) ---------------------------------------------------------------------


def admin_login_redirect(path):
    return "/admin/login/?" + urlencode({"next": path}, safe="/")


def test_admin_sends_anonymous_visitors_to_a_login_page(client):
    # The admin index opts out of LoginRequiredMiddleware and sends visitors to the admin's own
    # login; its model pages are caught by the middleware first. Either way: a login page.
    for path in ("/admin/", "/admin/roadmap/activity/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] in (admin_login_redirect(path), login_redirect(path))
    assert client.get("/admin/login/").status_code == 200


def test_admin_refuses_non_staff_users(client, world):
    client.force_login(world["users"][OBSERVER])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == admin_login_redirect("/admin/")
    response = client.get("/admin/roadmap/activity/")
    assert response.status_code == 302
    assert response["Location"] == admin_login_redirect("/admin/roadmap/activity/")


def test_admin_activity_list_opens_for_a_superuser(client, world):
    client.force_login(world["users"][SUPERUSER])
    response = client.get("/admin/roadmap/activity/")
    assert response.status_code == 200
    assert "R2.1" in response.content.decode()
