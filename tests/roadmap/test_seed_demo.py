"""`manage.py seed_demo`, the plan's part: demo accounts for every role, synthetic plan data."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Role
from demo.management.commands import seed_demo as seed_demo_command
from demo.plan import DEMO_PASSWORD, MAX_SCALE
from demo.record import LivedInResult, SyntheticRecordResult
from roadmap.models import Activity, ActivityStatus, Indicator, Milestone, Roadmap

User = get_user_model()


@pytest.fixture(autouse=True)
def _plan_part_only(monkeypatch):
    """The plan's part of seed_demo; the record's part (cycles, updates) is in tests/tracker."""
    monkeypatch.setattr(seed_demo_command, "create_lived_in_record", lambda: LivedInResult())
    monkeypatch.setattr(
        seed_demo_command, "create_synthetic_record", lambda scale, seed: SyntheticRecordResult()
    )


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_refuses_when_debug_is_off_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off.*--force"):
        seed()
    assert not User.objects.exists()
    assert not Roadmap.objects.exists()


@pytest.mark.django_db
def test_runs_with_debug_on_without_force(settings):
    settings.DEBUG = True
    output = seed()
    assert User.objects.filter(username="observer").exists()
    assert "Demo accounts" in output


@pytest.mark.django_db
def test_creates_an_account_for_every_role_on_an_empty_database(settings):
    settings.DEBUG = False
    output = seed("--force")

    assert Roadmap.objects.filter(slug="smart-manufacturing").exists()
    users = {u.username: u for u in User.objects.select_related("member_state", "body")}
    assert set(users) == {"secretariat", "admin", "focal.vn", "focal.th", "costi.rep", "observer"}
    for user in users.values():
        assert user.check_password(DEMO_PASSWORD), user.username
        assert user.first_name and user.last_name
        assert user.is_active

    secretariat = users["secretariat"]
    assert secretariat.role == Role.SECRETARIAT
    assert secretariat.is_staff and not secretariat.is_superuser
    admin = users["admin"]
    assert admin.role == Role.SECRETARIAT and admin.is_superuser and admin.is_staff
    assert users["focal.vn"].role == Role.FOCAL_POINT
    assert users["focal.vn"].member_state.iso2 == "VN"
    assert users["focal.th"].member_state.iso2 == "TH"
    assert users["costi.rep"].role == Role.BODY_REPRESENTATIVE
    assert users["costi.rep"].body.acronym == "COSTI"
    assert users["observer"].role == Role.OBSERVER
    assert not users["observer"].is_staff

    assert DEMO_PASSWORD in output
    table = output[output.index("Demo accounts") :]
    for username in users:
        assert username in table
    assert "Viet Nam" in table and "COSTI" in table


@pytest.mark.django_db
def test_second_run_resets_the_accounts_without_duplicating_them(settings):
    settings.DEBUG = True
    seed()
    focal = User.objects.get(username="focal.vn")
    focal.set_password("something-else")
    focal.role = Role.OBSERVER
    focal.member_state = None
    focal.save()

    output = seed()

    assert User.objects.count() == 6
    focal.refresh_from_db()
    assert focal.check_password(DEMO_PASSWORD)
    assert focal.role == Role.FOCAL_POINT and focal.member_state.iso2 == "VN"
    assert "Roadmap: already loaded, nothing to do." in output


@pytest.mark.django_db
def test_scale_adds_synthetic_activities_and_milestones(settings):
    settings.DEBUG = True
    seed()
    activities, milestones = Activity.objects.count(), Milestone.objects.count()

    output = seed("--scale", "2")

    synthetic = Activity.objects.filter(title__startswith="Synthetic activity")
    assert Activity.objects.count() - activities == 10
    assert Milestone.objects.count() - milestones == 50
    assert synthetic.count() == 10
    assert "Synthetic activities: 10 created" in output
    assert sorted(synthetic.filter(recommendation__number=3).values_list("code", flat=True)) == [
        "R3.101",
        "R3.102",
    ]
    for number in range(1, 6):
        assert synthetic.filter(recommendation__number=number).count() == 2
    for activity in synthetic.prefetch_related("lead_member_states", "lead_bodies"):
        assert activity.is_illustrative
        assert activity.sequence == int(activity.code.split(".")[1])
        assert activity.lead_member_states.all() or activity.lead_bodies.all()
        assert activity.planned_start <= activity.planned_end
        assert activity.milestones.count() == 5
        if activity.status == ActivityStatus.COMPLETED:
            assert activity.percent_complete == 100
        if activity.status == ActivityStatus.NOT_STARTED:
            assert activity.percent_complete == 0
    assert Indicator.objects.filter(activity__in=synthetic).exists()
    # Bulk inserts still leave history: one "created" row per activity and per milestone.
    assert Activity.history.filter(id__in=synthetic.values("id"), history_type="+").count() == 10
    assert Milestone.history.filter(activity_id__in=synthetic.values("id")).count() == 50


@pytest.mark.django_db
def test_scale_twice_does_not_crash_or_duplicate(settings):
    settings.DEBUG = True
    seed("--scale", "2")
    before = (Activity.objects.count(), Milestone.objects.count(), Indicator.objects.count())
    output = seed("--scale", "2")
    assert (Activity.objects.count(), Milestone.objects.count(), Indicator.objects.count()) == before
    assert "Synthetic activities: 0 created, 10 already present" in output
    # A larger scale tops up from where the smaller one stopped.
    seed("--scale", "3")
    assert Activity.objects.count() == before[0] + 5


@pytest.mark.django_db
def test_synthetic_data_is_reproducible(settings):
    settings.DEBUG = True
    seed("--scale", "1")
    first = list(Activity.objects.filter(code__startswith="R").values_list("code", "planned_start", "status"))
    Milestone.objects.filter(activity__title__startswith="Synthetic").delete()
    Indicator.objects.filter(activity__title__startswith="Synthetic").delete()
    Activity.objects.filter(title__startswith="Synthetic").delete()
    seed("--scale", "1")
    second = list(
        Activity.objects.filter(code__startswith="R").values_list("code", "planned_start", "status")
    )
    assert first == second


@pytest.mark.django_db
@pytest.mark.parametrize("scale", ["0", "-1", str(MAX_SCALE + 1)])
def test_scale_out_of_range_is_refused(settings, scale):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--scale"):
        seed("--scale", scale)
    assert not Roadmap.objects.exists()
