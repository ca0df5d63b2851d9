"""A create that the database's unique rule refuses (a double submit, two people at once) answers as
a field error, like the check before it, never as a server error.

The race is staged: the other row is written after the service's own checks have passed and before
its insert, as a colleague's request committing in between would. (In one connection the staged row
goes with the service's rollback; the concurrency tests on PostgreSQL use two.)
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from roadmap import services as plan_services
from roadmap.models import Milestone
from tests import factories
from tracker.cycles import services as cycle_services
from tracker.models import DueUpdate, ReportingCycle

pytestmark = pytest.mark.django_db


def commit_first(monkeypatch, model, write):
    """Run `write` (the colleague's insert) right before `model`'s next full_clean returns."""
    real = model.full_clean

    def full_clean_then_colleague(self, *args, **kwargs):
        real(self, *args, **kwargs)
        monkeypatch.setattr(model, "full_clean", real)
        write()

    monkeypatch.setattr(model, "full_clean", full_clean_then_colleague)


def test_two_cycles_with_one_code_at_once(monkeypatch, secretariat_user):
    dates = {
        "period_start": datetime.date(2027, 1, 1),
        "period_end": datetime.date(2027, 6, 30),
        "deadline": datetime.date(2027, 7, 15),
    }
    commit_first(
        monkeypatch,
        ReportingCycle,
        lambda: ReportingCycle.objects.create(slug="2027-H1", name="First", **dates),
    )
    with pytest.raises(ValidationError) as refused:
        cycle_services.cycle_create(
            cycle=ReportingCycle(slug="2027-H1", name="Second", **dates), acting_user=secretariat_user
        )
    assert "slug" in refused.value.message_dict


def test_two_milestones_with_one_title_at_once(monkeypatch, plan, secretariat_user):
    activity = plan["activity"]
    date = datetime.date(2027, 3, 31)
    commit_first(
        monkeypatch,
        Milestone,
        lambda: Milestone.objects.create(
            activity=activity, title="Kick-off", planned_date=date, baseline_date=date
        ),
    )
    with pytest.raises(ValidationError) as refused:
        plan_services.milestone_create(
            milestone=Milestone(activity=activity, title="Kick-off", planned_date=date, baseline_date=date),
            acting_user=secretariat_user,
        )
    assert refused.value.messages


def test_adding_a_party_twice_at_once(monkeypatch, cycle, plan, secretariat_user, accmsme):
    activity = plan["activity"]

    def colleague_adds():
        DueUpdate.objects.create(cycle=cycle, activity=activity, body=accmsme, added_by=secretariat_user)

    real_standing = cycle_services.standing_update

    def colleague_adds_meanwhile(*args):  # called after the look-up for an existing row
        colleague_adds()
        return real_standing(*args)

    monkeypatch.setattr(cycle_services, "standing_update", colleague_adds_meanwhile)
    with pytest.raises(ValidationError, match="already due to report"):
        cycle_services.due_update_add(
            cycle=cycle, activity=activity, body=accmsme, acting_user=secretariat_user
        )


def test_a_milestone_posted_twice_from_the_page_answers_at_the_field(sec_client, plan):
    activity = plan["activity"]
    factories.MilestoneFactory(activity=activity, title="Kick-off")
    response = sec_client.post(
        f"/activities/{activity.code}/milestones/new/",
        {"title": "Kick-off", "planned_date": "2027-03-31", "baseline_date": "2027-03-31"},
    )
    assert response.status_code == 200
    assert Milestone.objects.filter(activity=activity, title="Kick-off").count() == 1
