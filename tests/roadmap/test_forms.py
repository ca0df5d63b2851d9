"""The plan's forms, through the real views: clear messages beside fields, nothing lost, no overwrite."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from roadmap import services
from roadmap.models import Activity, Indicator, Milestone
from tests import factories

pytestmark = pytest.mark.django_db

REQUIRED = "This field is required."
PERCENT = "Percent complete must be between 0 and 100."
END_BEFORE_START = "The planned end cannot be before the planned start."
CODE_FORMAT = "Use a code such as R2.3: letters and digits, a dot, a number."
DUPLICATE_CODE = "Activity with this Code already exists."
TARGET_BEFORE_BASELINE = "The target year cannot be before the baseline year."
NEEDS_REASON = "Say why the planned date moved."
CONFLICT = "Someone else changed this record since you opened it"
NOTHING_SAVED = "Please correct the errors below; nothing was saved."


@pytest.fixture
def other_secretariat(db):
    return factories.SecretariatFactory(username="sec2")


def _pks(related):
    return [str(o.pk) for o in related.all()]


def _iso(value):
    return value.isoformat() if value else ""


def activity_data(activity=None, **overrides):
    """POST data as the form would send it: an existing activity's values, or a new one's."""
    if activity is None:
        data = {
            "code": "R2.5",
            "title": "Smart manufacturing readiness index",
            "title_vi": "Chỉ số sẵn sàng sản xuất thông minh",
            "description": "",
            "description_vi": "",
            "expected_outputs": "An index published every two years",
            "planned_start": "2026-01-01",
            "planned_end": "2027-06-30",
            "baseline_start": "",
            "baseline_end": "",
            "status": "not_started",
            "flag": "green",
            "percent_complete": "0",
        }
    else:
        data = {
            "code": activity.code,
            "recommendation": str(activity.recommendation_id or ""),
            "title": activity.title,
            "title_vi": activity.title_vi,
            "description": activity.description,
            "description_vi": activity.description_vi,
            "expected_outputs": activity.expected_outputs,
            "lead_member_states": _pks(activity.lead_member_states),
            "lead_bodies": _pks(activity.lead_bodies),
            "participating_member_states": _pks(activity.participating_member_states),
            "supporting_bodies": _pks(activity.supporting_bodies),
            "planned_start": _iso(activity.planned_start),
            "planned_end": _iso(activity.planned_end),
            "status": activity.status,
            "flag": activity.flag,
            "percent_complete": str(activity.percent_complete),
            "version": str(activity.version),
            "change_reason": "",
        }
        if activity.is_illustrative:
            data["is_illustrative"] = "on"
    data.update(overrides)
    return data


def milestone_data(milestone=None, **overrides):
    if milestone is None:
        data = {"title": "Regional workshop", "title_vi": "", "description": "", "planned_date": "2026-09-15"}
    else:
        data = {
            "title": milestone.title,
            "title_vi": milestone.title_vi,
            "description": milestone.description,
            "planned_date": _iso(milestone.planned_date),
            "actual_date": _iso(milestone.actual_date),
            "version": str(milestone.version),
            "change_reason": "",
        }
    data.update(overrides)
    return data


def indicator_data(indicator=None, **overrides):
    if indicator is None:
        data = {
            "name": "Firms assessed for readiness",
            "name_vi": "",
            "description": "",
            "unit": "firms",
            "baseline_value": "10",
            "baseline_year": "2024",
            "target_value": "200",
            "target_year": "2027",
        }
    else:
        data = {
            "name": indicator.name,
            "name_vi": indicator.name_vi,
            "description": indicator.description,
            "description_vi": indicator.description_vi,
            "unit": indicator.unit,
            "unit_vi": indicator.unit_vi,
            "baseline_value": str(indicator.baseline_value if indicator.baseline_value is not None else ""),
            "baseline_year": str(indicator.baseline_year or ""),
            "target_value": str(indicator.target_value if indicator.target_value is not None else ""),
            "target_year": str(indicator.target_year or ""),
            "version": str(indicator.version),
            "change_reason": "",
        }
    data.update(overrides)
    return data


def assert_field_error(response, field, message):
    """Status 200, the error on the form's field, and the message rendered beside that field."""
    assert response.status_code == 200
    form = response.context["form"]
    assert message in form.errors[field], form.errors
    html = response.content.decode()
    assert f'id="id_{field}_error">{escape(message)}</div>' in html
    assert f'name="{field}"' in html
    assert NOTHING_SAVED in html


def assert_value_kept(response, field, typed):
    html = response.content.decode()
    assert response.context["form"][field].value() == typed
    assert f'value="{escape(typed)}"' in html


def _snapshot(model, pk):
    obj = model.objects.get(pk=pk)
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


# --- Activity create ----------------------------------------------------------------------------


@pytest.fixture
def create_url():
    return reverse("roadmap:activity_create")


def _new_activity(plan, viet_nam, **overrides):
    return activity_data(
        recommendation=str(plan["recommendation"].pk), lead_member_states=[str(viet_nam.pk)], **overrides
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"percent_complete": "150"}, "percent_complete", PERCENT),
        ({"percent_complete": "-5"}, "percent_complete", "Ensure this value is greater than or equal to 0."),
        ({"planned_end": "2025-12-31"}, "planned_end", END_BEFORE_START),
        ({"title": ""}, "title", REQUIRED),
        ({"code": "bad code"}, "code", CODE_FORMAT),
        ({"code": "R2.1"}, "code", DUPLICATE_CODE),
    ],
    ids=[
        "percent-150",
        "percent-negative",
        "end-before-start",
        "missing-title",
        "bad-code",
        "duplicate-code",
    ],
)
def test_activity_create_bad_input_is_named_and_nothing_saved(
    sec_client, plan, viet_nam, create_url, overrides, field, message
):
    before = Activity.objects.count()
    history_before = Activity.history.count()
    response = sec_client.post(create_url, _new_activity(plan, viet_nam, **overrides))
    assert_field_error(response, field, message)
    assert Activity.objects.count() == before
    assert Activity.history.count() == history_before
    # What the user typed is still there.
    if field != "code":
        assert_value_kept(response, "code", "R2.5")
    else:
        assert_value_kept(response, "code", overrides["code"])
    if field != "title":
        assert_value_kept(response, "title", "Smart manufacturing readiness index")
    assert "An index published every two years</textarea>" in response.content.decode()


def test_activity_create_without_a_lead_is_named(sec_client, plan, create_url):
    before = Activity.objects.count()
    data = activity_data(recommendation=str(plan["recommendation"].pk))
    response = sec_client.post(create_url, data)
    assert_field_error(response, "lead_member_states", "Name at least one lead member state or lead body.")
    assert Activity.objects.count() == before


def test_activity_create_keeps_every_typed_value_on_error(
    sec_client, plan, viet_nam, thailand, costi, create_url
):
    data = _new_activity(
        plan,
        viet_nam,
        percent_complete="150",
        participating_member_states=[str(thailand.pk)],
        supporting_bodies=[str(costi.pk)],
        status="ongoing",
    )
    response = sec_client.post(create_url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert_value_kept(response, "title_vi", "Chỉ số sẵn sàng sản xuất thông minh")
    assert 'value="2026-01-01"' in html and 'value="2027-06-30"' in html
    assert 'value="150"' in html
    assert _checked(html, "participating_member_states", thailand.pk)
    assert _checked(html, "supporting_bodies", costi.pk)
    assert '<option value="ongoing" selected>' in html
    assert 'class="form-control is-invalid"' in html


def test_activity_create_success(sec_client, plan, viet_nam, secretariat_user, create_url):
    response = sec_client.post(create_url, _new_activity(plan, viet_nam))
    activity = Activity.objects.get(code="R2.5")
    assert response.status_code == 302
    assert response.url == activity.get_absolute_url()
    assert activity.baseline_end == datetime.date(2027, 6, 30)
    assert activity.roadmap == plan["activity"].roadmap
    assert list(activity.lead_member_states.all()) == [viet_nam]
    assert activity.history.earliest().history_user == secretariat_user
    page = sec_client.get(response.url).content.decode()
    assert "Activity R2.5 created." in page


# --- Activity update ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message", "typed_field"),
    [
        ({"percent_complete": "150", "title": "Pilots, second round"}, "percent_complete", PERCENT, "title"),
        (
            {"planned_end": "2023-06-30", "change_reason": "Re-planned", "title": "Pilots, second round"},
            "planned_end",
            END_BEFORE_START,
            "title",
        ),
        ({"title": "", "code": "R2.7"}, "title", REQUIRED, "code"),
        ({"code": "bad code", "title": "Pilots, second round"}, "code", CODE_FORMAT, "title"),
        (
            {"planned_end": "2028-06-30", "title": "Pilots, second round"},
            "change_reason",
            NEEDS_REASON,
            "title",
        ),
        (
            {"planned_start": "2024-02-01", "title": "Pilots, second round"},
            "change_reason",
            NEEDS_REASON,
            "title",
        ),
    ],
    ids=[
        "percent-150",
        "end-before-start",
        "missing-title",
        "bad-code",
        "end-moved-no-reason",
        "start-moved-no-reason",
    ],
)
def test_activity_update_bad_input_is_named_and_nothing_saved(
    sec_client, plan, overrides, field, message, typed_field
):
    activity = plan["activity"]
    factories.ActivityFactory(roadmap=activity.roadmap, code="R2.7")
    before = _snapshot(Activity, activity.pk)
    history_before = activity.history.count()
    url = reverse("roadmap:activity_update", args=[activity.code])
    response = sec_client.post(url, activity_data(activity, **overrides))
    assert_field_error(response, field, message)
    assert_value_kept(response, typed_field, overrides[typed_field])
    assert _snapshot(Activity, activity.pk) == before
    assert activity.history.count() == history_before


def test_activity_update_duplicate_code_is_named(sec_client, plan):
    activity = plan["activity"]
    factories.ActivityFactory(roadmap=activity.roadmap, code="R2.7")
    before = _snapshot(Activity, activity.pk)
    url = reverse("roadmap:activity_update", args=[activity.code])
    response = sec_client.post(url, activity_data(activity, code="R2.7"))
    assert_field_error(response, "code", DUPLICATE_CODE)
    assert_value_kept(response, "code", "R2.7")
    assert _snapshot(Activity, activity.pk) == before


def test_activity_update_ignores_a_posted_baseline(sec_client, plan):
    activity = plan["activity"]
    url = reverse("roadmap:activity_update", args=[activity.code])
    data = activity_data(activity, baseline_end="2030-01-01", status="delayed")
    response = sec_client.post(url, data)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == "delayed"
    assert activity.baseline_end == datetime.date(2027, 12, 31)


def test_activity_update_with_a_moved_date_and_reason(sec_client, plan, secretariat_user):
    activity = plan["activity"]
    url = reverse("roadmap:activity_update", args=[activity.code])
    reason = "Pilots postponed until the 2028 budget."
    response = sec_client.post(url, activity_data(activity, planned_end="2028-06-30", change_reason=reason))
    assert response.status_code == 302
    assert response.url == activity.get_absolute_url()
    activity.refresh_from_db()
    assert activity.planned_end == datetime.date(2028, 6, 30)
    assert activity.version == 2
    latest = activity.history.latest()
    assert (latest.history_change_reason, latest.history_user) == (reason, secretariat_user)
    page = sec_client.get(response.url).content.decode()
    assert "Activity R2.1 saved." in page
    assert escape(reason) in page


def test_activity_update_stale_form_shows_a_conflict_and_keeps_input(sec_client, plan, other_secretariat):
    activity = plan["activity"]
    url = reverse("roadmap:activity_update", args=[activity.code])
    page = sec_client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["version"].value() == 1
    assert 'name="version" value="1"' in page.content.decode()
    data = activity_data(Activity.objects.get(pk=activity.pk))  # what the form held when it was read

    theirs = Activity.objects.get(pk=activity.pk)
    theirs.title = "Their new title"
    theirs.percent_complete = 55
    services.activity_update(
        activity=theirs, m2m=None, expected_version=1, reason="", acting_user=other_secretariat
    )

    data.update(title="My new title", status="delayed")
    response = sec_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert CONFLICT in html
    assert "now version 2" in html
    assert response.context["form"].conflict is True
    assert any(CONFLICT in e for e in response.context["form"].non_field_errors())
    assert_value_kept(response, "title", "My new title")
    assert '<option value="delayed" selected>' in html
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.title, stored.percent_complete, stored.status, stored.version) == (
        "Their new title",
        55,
        "ongoing",
        2,
    )
    assert stored.history.latest().history_user == other_secretariat


def test_activity_update_stale_form_after_someone_else_moved_a_date_is_a_conflict(
    sec_client, plan, other_secretariat
):
    """The user did not move the date: they must see the conflict, not a demand for a reason."""
    activity = plan["activity"]
    url = reverse("roadmap:activity_update", args=[activity.code])
    data = activity_data(Activity.objects.get(pk=activity.pk))
    theirs = Activity.objects.get(pk=activity.pk)
    theirs.planned_end = datetime.date(2028, 3, 31)
    services.activity_update(
        activity=theirs, m2m=None, expected_version=1, reason="Budget cycle", acting_user=other_secretariat
    )

    response = sec_client.post(url, {**data, "title": "My new title"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "change_reason" not in form.errors
    assert CONFLICT in response.content.decode()
    assert_value_kept(response, "title", "My new title")
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.title, stored.planned_end, stored.version) == (
        "Readiness assessment pilots",
        datetime.date(2028, 3, 31),
        2,
    )


# --- Milestones ---------------------------------------------------------------------------------


def test_milestone_create_bad_input(sec_client, plan):
    activity = plan["activity"]
    url = reverse("roadmap:milestone_create", args=[activity.code])
    before = Milestone.objects.count()
    response = sec_client.post(url, milestone_data(title="", description="Typed description"))
    assert_field_error(response, "title", REQUIRED)
    assert "Typed description</textarea>" in response.content.decode()
    assert_value_kept(response, "planned_date", "2026-09-15")

    response = sec_client.post(url, milestone_data(planned_date="not a date", title="Kick-off"))
    assert_field_error(response, "planned_date", "Enter a valid date.")
    assert_value_kept(response, "title", "Kick-off")
    assert_value_kept(response, "planned_date", "not a date")
    assert Milestone.objects.count() == before


def test_milestone_create_success(sec_client, plan, secretariat_user):
    activity = plan["activity"]
    url = reverse("roadmap:milestone_create", args=[activity.code])
    response = sec_client.post(url, milestone_data())
    assert response.status_code == 302
    assert response.url == activity.get_absolute_url()
    milestone = activity.milestones.get(title="Regional workshop")
    assert milestone.baseline_date == datetime.date(2026, 9, 15)
    assert milestone.history.get().history_user == secretariat_user


def test_milestone_update_moved_date_without_reason(sec_client, plan):
    milestone = plan["milestone"]
    url = reverse("roadmap:milestone_update", args=[plan["activity"].code, milestone.pk])
    before = _snapshot(Milestone, milestone.pk)
    response = sec_client.post(
        url, milestone_data(milestone, planned_date="2027-09-30", title="Pilot report, final")
    )
    assert_field_error(response, "change_reason", NEEDS_REASON)
    assert_value_kept(response, "title", "Pilot report, final")
    assert_value_kept(response, "planned_date", "2027-09-30")
    assert _snapshot(Milestone, milestone.pk) == before


def test_milestone_update_stale_form_shows_a_conflict(sec_client, plan, other_secretariat):
    milestone = plan["milestone"]
    url = reverse("roadmap:milestone_update", args=[plan["activity"].code, milestone.pk])
    page = sec_client.get(url)
    assert page.context["form"]["version"].value() == 1
    data = milestone_data(Milestone.objects.get(pk=milestone.pk))

    theirs = Milestone.objects.get(pk=milestone.pk)
    theirs.actual_date = datetime.date(2027, 5, 20)
    services.milestone_update(milestone=theirs, expected_version=1, reason="", acting_user=other_secretariat)

    response = sec_client.post(url, {**data, "title": "My milestone title"})
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert_value_kept(response, "title", "My milestone title")
    stored = Milestone.objects.get(pk=milestone.pk)
    assert (stored.title, stored.actual_date, stored.version) == (
        "Pilot report",
        datetime.date(2027, 5, 20),
        2,
    )


def test_milestone_update_with_moved_date_and_reason_redirects_and_shows_reason(
    sec_client, plan, secretariat_user
):
    activity, milestone = plan["activity"], plan["milestone"]
    url = reverse("roadmap:milestone_update", args=[activity.code, milestone.pk])
    reason = "Data collection in two provinces slipped."
    response = sec_client.post(
        url, milestone_data(milestone, planned_date="2027-09-30", change_reason=reason)
    )
    assert response.status_code == 302
    assert response.url == activity.get_absolute_url()
    milestone.refresh_from_db()
    assert milestone.planned_date == datetime.date(2027, 9, 30)
    assert milestone.baseline_date == datetime.date(2027, 6, 30)
    assert milestone.version == 2
    latest = milestone.history.latest()
    assert (latest.history_change_reason, latest.history_user) == (reason, secretariat_user)
    detail = sec_client.get(response.url)
    html = detail.content.decode()
    assert f'<span class="history-reason">{escape(reason)}</span>' in html
    assert "Milestone: Pilot report" in html
    assert "Milestone saved." in html


# --- Indicators ---------------------------------------------------------------------------------


def test_indicator_create_target_before_baseline(sec_client, plan):
    activity = plan["activity"]
    url = reverse("roadmap:indicator_create", args=[activity.code])
    before = Indicator.objects.count()
    response = sec_client.post(url, indicator_data(target_year="2023"))
    assert_field_error(response, "target_year", TARGET_BEFORE_BASELINE)
    assert_value_kept(response, "name", "Firms assessed for readiness")
    assert_value_kept(response, "target_year", "2023")
    response = sec_client.post(url, indicator_data(name="", unit=""))
    assert_field_error(response, "name", REQUIRED)
    assert_field_error(response, "unit", REQUIRED)
    assert Indicator.objects.count() == before


def test_indicator_create_success(sec_client, plan):
    activity = plan["activity"]
    response = sec_client.post(reverse("roadmap:indicator_create", args=[activity.code]), indicator_data())
    assert response.status_code == 302
    assert response.url == activity.get_absolute_url()
    indicator = activity.indicators.get(name="Firms assessed for readiness")
    assert indicator.recommendation is None
    assert indicator.target_year == 2027


def test_indicator_update_bad_input(sec_client, plan):
    indicator = plan["indicator"]
    url = reverse("roadmap:indicator_update", args=[plan["activity"].code, indicator.pk])
    before = _snapshot(Indicator, indicator.pk)
    response = sec_client.post(url, indicator_data(indicator, target_year="2019", unit="companies"))
    assert_field_error(response, "target_year", TARGET_BEFORE_BASELINE)
    assert_value_kept(response, "unit", "companies")
    response = sec_client.post(url, indicator_data(indicator, target_value="lots", unit="companies"))
    assert_field_error(response, "target_value", "Enter a number.")
    assert_value_kept(response, "target_value", "lots")
    assert _snapshot(Indicator, indicator.pk) == before


def test_indicator_update_stale_form_shows_a_conflict(sec_client, plan, other_secretariat):
    indicator = plan["indicator"]
    url = reverse("roadmap:indicator_update", args=[plan["activity"].code, indicator.pk])
    assert sec_client.get(url).context["form"]["version"].value() == 1
    data = indicator_data(Indicator.objects.get(pk=indicator.pk))

    theirs = Indicator.objects.get(pk=indicator.pk)
    theirs.target_value = 750
    services.indicator_update(indicator=theirs, expected_version=1, reason="", acting_user=other_secretariat)

    response = sec_client.post(url, {**data, "unit": "SMEs"})
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert_value_kept(response, "unit", "SMEs")
    stored = Indicator.objects.get(pk=indicator.pk)
    assert (stored.unit, stored.target_value, stored.version) == ("enterprises", 750, 2)


def test_indicator_update_success(sec_client, plan, secretariat_user):
    indicator = plan["indicator"]
    url = reverse("roadmap:indicator_update", args=[plan["activity"].code, indicator.pk])
    response = sec_client.post(url, indicator_data(indicator, target_value="650", change_reason="New survey"))
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.target_value, indicator.version) == (650, 2)
    assert indicator.history.latest().history_change_reason == "New survey"


def test_indicator_form_sets_the_regional_rule_and_the_units_precision(sec_client, plan):
    indicator = plan["indicator"]
    url = reverse("roadmap:indicator_update", args=[plan["activity"].code, indicator.pk])
    data = indicator_data(indicator, aggregation="all_done", decimal_places="1", change_reason="Yes/no")
    assert sec_client.post(url, data).status_code == 302
    indicator.refresh_from_db()
    assert (indicator.aggregation, indicator.decimal_places) == ("all_done", 1)
    # More than two decimals is refused.
    data = indicator_data(indicator, decimal_places="3", change_reason="Finer")
    response = sec_client.post(url, data)
    assert response.status_code == 200
    assert "decimal_places" in response.context["form"].errors
    indicator.refresh_from_db()
    assert indicator.decimal_places == 1


# --- Only the secretariat reaches the forms -----------------------------------------------------


@pytest.mark.parametrize("role", ["focal_vn", "costi_rep", "observer_user"])
def test_other_roles_get_403_and_nothing_changes(request, client, plan, role):
    client.force_login(request.getfixturevalue(role))
    activity, milestone, indicator = plan["activity"], plan["milestone"], plan["indicator"]
    before = [_snapshot(Activity, activity.pk), _snapshot(Milestone, milestone.pk)]
    counts = (Activity.objects.count(), Milestone.objects.count(), Indicator.objects.count())
    posts = [
        (reverse("roadmap:activity_create"), activity_data(code="R2.8")),
        (reverse("roadmap:activity_update", args=[activity.code]), activity_data(activity, title="Hijacked")),
        (reverse("roadmap:milestone_create", args=[activity.code]), milestone_data()),
        (
            reverse("roadmap:milestone_update", args=[activity.code, milestone.pk]),
            milestone_data(milestone, title="Hijacked"),
        ),
        (reverse("roadmap:indicator_create", args=[activity.code]), indicator_data()),
        (
            reverse("roadmap:indicator_update", args=[activity.code, indicator.pk]),
            indicator_data(indicator, name="Hijacked"),
        ),
    ]
    for url, data in posts:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    assert [_snapshot(Activity, activity.pk), _snapshot(Milestone, milestone.pk)] == before
    assert (Activity.objects.count(), Milestone.objects.count(), Indicator.objects.count()) == counts


def _checked(html, name, value):
    """The owner checkbox for this value is rendered ticked."""
    import re

    tags = re.findall(rf'<input type="checkbox" name="{name}" value="{value}"[^>]*>', html)
    return len(tags) == 1 and " checked" in tags[0]


def test_indicator_form_keeps_the_vietnamese_unit_and_description(sec_client, plan, settings):
    indicator = plan["indicator"]
    url = reverse("roadmap:indicator_update", args=[plan["activity"].code, indicator.pk])
    data = indicator_data(indicator, unit_vi="doanh nghiệp", description_vi="Chỉ số minh họa.")

    response = sec_client.post(url, data)

    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.unit_vi, indicator.description_vi) == ("doanh nghiệp", "Chỉ số minh họa.")
    form = sec_client.get(url).content.decode()
    assert 'name="unit_vi"' in form and 'value="doanh nghiệp"' in form
    sec_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    page = sec_client.get(plan["activity"].get_absolute_url()).content.decode()
    assert "doanh nghiệp" in page and "Chỉ số minh họa." in page
