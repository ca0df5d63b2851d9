"""Writes to the plan go through roadmap/plan_services.py: permission, versions, reasons, history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core import errors
from roadmap import services as plan_services
from roadmap.models import Activity, ActivityStatus, Indicator, Milestone
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_secretariat(db):
    return factories.SecretariatFactory(username="sec2")


def _fresh(instance):
    """The same record, as another request would read it from the database."""
    return type(instance).objects.get(pk=instance.pk)


# --- activity_create ----------------------------------------------------------------------------


def test_activity_create_sets_the_baseline_and_records_who_created_it(
    secretariat_user, roadmap, viet_nam, costi
):
    rec = factories.RecommendationFactory(roadmap=roadmap, number=3)
    activity = Activity(
        roadmap=roadmap,
        recommendation=rec,
        code="R3.4",
        title="Smart factory demonstration centres",
        planned_start=datetime.date(2026, 1, 1),
        planned_end=datetime.date(2027, 6, 30),
    )
    created = plan_services.activity_create(
        activity=activity,
        m2m={"lead_member_states": [viet_nam], "supporting_bodies": [costi]},
        acting_user=secretariat_user,
    )
    stored = _fresh(created)
    assert stored.baseline_start == datetime.date(2026, 1, 1)
    assert stored.baseline_end == datetime.date(2027, 6, 30)
    assert stored.version == 1
    assert stored.sequence == 4
    assert list(stored.lead_member_states.all()) == [viet_nam]
    assert list(stored.supporting_bodies.all()) == [costi]
    first = stored.history.earliest()
    assert first.history_type == "+"
    assert first.history_user == secretariat_user
    assert first.history_change_reason == "Created"
    # Every history record of the creation, m2m ones included, names the secretariat user.
    assert {h.history_user for h in stored.history.all()} == {secretariat_user}


def test_activity_create_keeps_an_explicit_baseline(secretariat_user, roadmap):
    activity = Activity(
        roadmap=roadmap,
        code="R0.1",
        title="Roadmap development",
        planned_start=datetime.date(2026, 1, 1),
        planned_end=datetime.date(2026, 12, 31),
        baseline_start=datetime.date(2025, 1, 1),
        baseline_end=datetime.date(2025, 12, 31),
    )
    plan_services.activity_create(activity=activity, m2m={}, acting_user=secretariat_user)
    stored = _fresh(activity)
    assert (stored.baseline_start, stored.baseline_end) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )


def test_activity_create_validates_and_saves_nothing_on_bad_input(secretariat_user, roadmap):
    activity = Activity(
        roadmap=roadmap,
        code="bad code",
        title="Broken",
        percent_complete=150,
        planned_start=datetime.date(2026, 1, 1),
        planned_end=datetime.date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as caught:
        plan_services.activity_create(activity=activity, m2m={}, acting_user=secretariat_user)
    assert "code" in caught.value.message_dict
    assert "percent_complete" in caught.value.message_dict
    assert not Activity.objects.exists()
    assert not Activity.history.exists()


# --- activity_update ----------------------------------------------------------------------------


def test_activity_update_refuses_a_stale_version_and_changes_nothing(
    plan, secretariat_user, other_secretariat, thailand
):
    mine = _fresh(plan["activity"])
    read_version = mine.version

    theirs = _fresh(plan["activity"])
    theirs.title = "Their title"
    plan_services.activity_update(
        activity=theirs, m2m=None, expected_version=read_version, reason="", acting_user=other_secretariat
    )

    history_count = Activity.history.count()
    mine.title = "My title"
    mine.percent_complete = 90
    with pytest.raises(errors.StaleVersionError) as caught:
        plan_services.activity_update(
            activity=mine,
            m2m={"lead_member_states": [thailand]},
            expected_version=read_version,
            reason="",
            acting_user=secretariat_user,
        )
    assert caught.value.current.version == read_version + 1
    stored = _fresh(mine)
    assert stored.title == "Their title"
    assert stored.percent_complete == 40
    assert stored.version == read_version + 1
    assert [s.iso2 for s in stored.lead_member_states.all()] == ["VN"]
    assert Activity.history.count() == history_count


def test_activity_update_moving_planned_end_needs_a_reason(plan, secretariat_user):
    activity = _fresh(plan["activity"])
    before = (activity.planned_end, activity.version, activity.history.count())
    activity.planned_end = datetime.date(2028, 6, 30)
    with pytest.raises(ValidationError) as caught:
        plan_services.activity_update(
            activity=activity,
            m2m=None,
            expected_version=before[1],
            reason="   ",
            acting_user=secretariat_user,
        )
    assert "change_reason" in caught.value.message_dict
    assert caught.value.message_dict["change_reason"] == ["Say why the planned date moved."]
    stored = _fresh(activity)
    assert (stored.planned_end, stored.version, stored.history.count()) == before


def test_activity_update_moving_planned_start_needs_a_reason(plan, secretariat_user):
    activity = _fresh(plan["activity"])
    activity.planned_start = datetime.date(2024, 3, 1)
    with pytest.raises(ValidationError) as caught:
        plan_services.activity_update(
            activity=activity, m2m=None, expected_version=1, reason="", acting_user=secretariat_user
        )
    assert "change_reason" in caught.value.message_dict
    assert _fresh(activity).planned_start == datetime.date(2024, 1, 1)


def test_activity_update_with_a_reason_records_it_with_the_user_and_bumps_the_version(plan, secretariat_user):
    activity = _fresh(plan["activity"])
    version = activity.version
    activity.planned_end = datetime.date(2028, 6, 30)
    reason = "Pilot funding arrives a semester late."
    moved = plan_services.activity_update(
        activity=activity, m2m=None, expected_version=version, reason=reason, acting_user=secretariat_user
    )
    assert moved == [
        plan_services.DateChange("planned_end", datetime.date(2027, 12, 31), datetime.date(2028, 6, 30))
    ]
    stored = _fresh(activity)
    assert stored.planned_end == datetime.date(2028, 6, 30)
    assert stored.version == version + 1
    # The baseline stays what was first agreed.
    assert stored.baseline_end == datetime.date(2027, 12, 31)
    assert stored.end_slip_days == (datetime.date(2028, 6, 30) - datetime.date(2027, 12, 31)).days
    latest = stored.history.latest()
    assert latest.history_change_reason == reason
    assert latest.history_user == secretariat_user
    assert latest.planned_end == datetime.date(2028, 6, 30)


def test_activity_update_without_a_date_move_needs_no_reason(plan, secretariat_user):
    activity = _fresh(plan["activity"])
    activity.status = ActivityStatus.DELAYED
    moved = plan_services.activity_update(
        activity=activity, m2m=None, expected_version=1, reason="", acting_user=secretariat_user
    )
    assert moved == []
    stored = _fresh(activity)
    assert stored.status == ActivityStatus.DELAYED
    assert stored.version == 2
    assert stored.history.latest().history_user == secretariat_user


def test_activity_update_changes_owners(plan, secretariat_user, viet_nam, thailand, accmsme):
    activity = _fresh(plan["activity"])
    plan_services.activity_update(
        activity=activity,
        m2m={"lead_member_states": [viet_nam, thailand], "lead_bodies": [accmsme]},
        expected_version=1,
        reason="Thailand co-leads",
        acting_user=secretariat_user,
    )
    stored = _fresh(activity)
    assert sorted(s.iso2 for s in stored.lead_member_states.all()) == ["TH", "VN"]
    assert [b.acronym for b in stored.lead_bodies.all()] == ["ACCMSME"]
    assert stored.version == 2


def test_activity_update_successive_edits_each_need_the_latest_version(plan, secretariat_user):
    activity = _fresh(plan["activity"])
    activity.percent_complete = 50
    plan_services.activity_update(
        activity=activity, m2m=None, expected_version=1, reason="", acting_user=secretariat_user
    )
    activity = _fresh(activity)
    activity.percent_complete = 60
    plan_services.activity_update(
        activity=activity, m2m=None, expected_version=2, reason="", acting_user=secretariat_user
    )
    activity = _fresh(activity)
    activity.percent_complete = 70
    with pytest.raises(errors.StaleVersionError):
        plan_services.activity_update(
            activity=activity, m2m=None, expected_version=2, reason="", acting_user=secretariat_user
        )
    assert _fresh(activity).percent_complete == 60
    assert _fresh(activity).version == 3


def test_activity_update_refuses_invalid_values(plan, secretariat_user):
    activity = _fresh(plan["activity"])
    activity.percent_complete = 150
    with pytest.raises(ValidationError) as caught:
        plan_services.activity_update(
            activity=activity, m2m=None, expected_version=1, reason="", acting_user=secretariat_user
        )
    assert "percent_complete" in caught.value.message_dict
    stored = _fresh(activity)
    assert (stored.percent_complete, stored.version) == (40, 1)


# --- milestones and indicators ------------------------------------------------------------------


def test_milestone_create_sets_the_baseline_and_records_the_user(plan, secretariat_user):
    milestone = Milestone(
        activity=plan["activity"], title="Regional workshop", planned_date=datetime.date(2026, 9, 1)
    )
    plan_services.milestone_create(milestone=milestone, acting_user=secretariat_user)
    stored = _fresh(milestone)
    assert stored.baseline_date == datetime.date(2026, 9, 1)
    assert stored.version == 1
    record = stored.history.get()
    assert (record.history_user, record.history_change_reason) == (secretariat_user, "Created")


def test_milestone_update_refuses_a_stale_version(plan, secretariat_user, other_secretariat):
    mine = _fresh(plan["milestone"])
    theirs = _fresh(plan["milestone"])
    theirs.actual_date = datetime.date(2027, 6, 1)
    plan_services.milestone_update(
        milestone=theirs, expected_version=1, reason="", acting_user=other_secretariat
    )

    mine.title = "My renamed milestone"
    with pytest.raises(errors.StaleVersionError):
        plan_services.milestone_update(
            milestone=mine, expected_version=1, reason="", acting_user=secretariat_user
        )
    stored = _fresh(mine)
    assert stored.title == "Pilot report"
    assert stored.actual_date == datetime.date(2027, 6, 1)
    assert stored.version == 2
    assert stored.history.latest().history_user == other_secretariat


def test_milestone_update_moving_the_date_needs_a_reason(plan, secretariat_user):
    milestone = _fresh(plan["milestone"])
    milestone.planned_date = datetime.date(2027, 9, 30)
    with pytest.raises(ValidationError) as caught:
        plan_services.milestone_update(
            milestone=milestone, expected_version=1, reason="", acting_user=secretariat_user
        )
    assert "change_reason" in caught.value.message_dict
    stored = _fresh(milestone)
    assert (stored.planned_date, stored.version) == (datetime.date(2027, 6, 30), 1)

    milestone = _fresh(plan["milestone"])
    milestone.planned_date = datetime.date(2027, 9, 30)
    moved = plan_services.milestone_update(
        milestone=milestone, expected_version=1, reason="Survey extended", acting_user=secretariat_user
    )
    assert [m.field for m in moved] == ["planned_date"]
    stored = _fresh(milestone)
    assert stored.planned_date == datetime.date(2027, 9, 30)
    assert stored.baseline_date == datetime.date(2027, 6, 30)
    assert stored.slip_days == 92
    assert stored.version == 2
    latest = stored.history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("Survey extended", secretariat_user)


def test_indicator_create_and_update(plan, secretariat_user):
    indicator = Indicator(recommendation=plan["recommendation"], name="Firms trained", unit="firms")
    plan_services.indicator_create(indicator=indicator, acting_user=secretariat_user)
    assert _fresh(indicator).history.get().history_user == secretariat_user

    indicator = _fresh(plan["indicator"])
    indicator.target_value = 600
    plan_services.indicator_update(
        indicator=indicator, expected_version=1, reason="Raised by SEOM", acting_user=secretariat_user
    )
    stored = _fresh(indicator)
    assert stored.target_value == 600
    assert stored.version == 2
    assert stored.history.latest().history_change_reason == "Raised by SEOM"


def test_indicator_update_refuses_a_stale_version(plan, secretariat_user, other_secretariat):
    mine = _fresh(plan["indicator"])
    theirs = _fresh(plan["indicator"])
    theirs.unit = "firms"
    plan_services.indicator_update(
        indicator=theirs, expected_version=1, reason="", acting_user=other_secretariat
    )

    mine.target_value = 1000
    with pytest.raises(errors.StaleVersionError):
        plan_services.indicator_update(
            indicator=mine, expected_version=1, reason="", acting_user=secretariat_user
        )
    stored = _fresh(mine)
    assert stored.unit == "firms"
    assert stored.target_value == 500
    assert stored.version == 2


def test_indicator_update_refuses_target_before_baseline(plan, secretariat_user):
    indicator = _fresh(plan["indicator"])
    indicator.target_year = 2019
    with pytest.raises(ValidationError):
        plan_services.indicator_update(
            indicator=indicator, expected_version=1, reason="", acting_user=secretariat_user
        )
    assert _fresh(indicator).target_year == 2025


# --- permissions --------------------------------------------------------------------------------


def _call_every_service(plan, user):
    """Each service with valid arguments, as `user`; yields (name, callable)."""
    activity = _fresh(plan["activity"])
    activity.title = "Changed"
    milestone = _fresh(plan["milestone"])
    milestone.title = "Changed"
    indicator = _fresh(plan["indicator"])
    indicator.name = "Changed"
    return {
        "activity_create": lambda: plan_services.activity_create(
            activity=Activity(roadmap=activity.roadmap, code="R2.99", title="New"), m2m={}, acting_user=user
        ),
        "activity_update": lambda: plan_services.activity_update(
            activity=activity, m2m=None, expected_version=1, reason="", acting_user=user
        ),
        "milestone_create": lambda: plan_services.milestone_create(
            milestone=Milestone(activity=activity, title="New", planned_date=datetime.date(2027, 1, 1)),
            acting_user=user,
        ),
        "milestone_update": lambda: plan_services.milestone_update(
            milestone=milestone, expected_version=1, reason="", acting_user=user
        ),
        "indicator_create": lambda: plan_services.indicator_create(
            indicator=Indicator(activity=activity, name="New", unit="x"), acting_user=user
        ),
        "indicator_update": lambda: plan_services.indicator_update(
            indicator=indicator, expected_version=1, reason="", acting_user=user
        ),
    }


SERVICES = [
    "activity_create",
    "activity_update",
    "milestone_create",
    "milestone_update",
    "indicator_create",
    "indicator_update",
]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("role", ["focal_vn", "costi_rep", "observer_user"])
def test_only_the_secretariat_may_write(request, plan, role, service):
    user = request.getfixturevalue(role)
    counts = (Activity.objects.count(), Milestone.objects.count(), Indicator.objects.count())
    with pytest.raises(PermissionDenied):
        _call_every_service(plan, user)[service]()
    assert (Activity.objects.count(), Milestone.objects.count(), Indicator.objects.count()) == counts
    assert _fresh(plan["activity"]).title == "Readiness assessment pilots"
    assert _fresh(plan["milestone"]).title == "Pilot report"
    assert _fresh(plan["indicator"]).name == "Enterprises assessed"
    assert {_fresh(plan[k]).version for k in ("activity", "milestone", "indicator")} == {1}


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("who", ["secretariat", "superuser"])
def test_the_secretariat_and_a_superuser_may_write(plan, secretariat_user, service, who):
    user = (
        secretariat_user
        if who == "secretariat"
        else factories.ObserverFactory(username="root", is_superuser=True)
    )
    counts = (Activity.objects.count(), Milestone.objects.count(), Indicator.objects.count())
    _call_every_service(plan, user)[service]()
    after = (Activity.objects.count(), Milestone.objects.count(), Indicator.objects.count())
    if service.endswith("_create"):
        assert sum(after) == sum(counts) + 1
    else:
        kind = service.split("_")[0]
        assert _fresh(plan[kind]).version == 2


def test_an_anonymous_user_may_not_write(plan):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        _call_every_service(plan, AnonymousUser())["activity_update"]()
    assert _fresh(plan["activity"]).version == 1


def test_activity_create_records_one_history_row_with_its_owners(secretariat_user, roadmap, viet_nam, costi):
    from roadmap.models import Activity
    from roadmap.services import activity_create

    activity = activity_create(
        activity=Activity(roadmap=roadmap, code="R9.1", title="New work"),
        m2m={"lead_member_states": [viet_nam], "supporting_bodies": [costi]},
        acting_user=secretariat_user,
    )
    rows = list(activity.history.all())
    assert len(rows) == 1
    assert rows[0].history_type == "+"
    assert rows[0].history_user == secretariat_user
    from django.apps import apps

    through = apps.get_model("roadmap", "HistoricalActivity_lead_member_states")
    assert list(through.objects.filter(history=rows[0]).values_list("memberstate_id", flat=True)) == [
        viet_nam.pk
    ]
