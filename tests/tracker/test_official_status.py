"""The activity's official status follows the approved update of the latest cycle (by period end):
a late report approved for an earlier cycle is that cycle's record only (issue 12, finding 6)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from roadmap import badges
from roadmap.models import Activity
from tests.helpers import approve, close_cycle, correct, open_cycle, write_update
from tracker.cycles import services as cycle_services
from tracker.reports.content import gather_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier_cycle(plan, secretariat_user):
    """2026-H1, whose period ended before the open cycle's (the `cycle` fixture) began; closed."""
    today = timezone.localdate()
    h1 = open_cycle(
        by=secretariat_user,
        slug="2026-H1",
        name="2026 first half",
        period_start=today - datetime.timedelta(days=360),
        period_end=today - datetime.timedelta(days=180),
        deadline=today - datetime.timedelta(days=170),
    )
    return close_cycle(cycle=h1, by=secretariat_user)


def _reopen_for_viet_nam(cycle, secretariat_user, viet_nam):
    cycle_services.cycle_reopen_for_party(
        cycle=cycle, reason="Late report.", acting_user=secretariat_user, member_state=viet_nam
    )


def _approved(*, author, cycle, plan, secretariat_user, percent, status="ongoing", flag="green"):
    update = write_update(
        author=author,
        activity=plan["activity"],
        cycle=cycle,
        submit=True,
        proposed_percent=percent,
        proposed_status=status,
        proposed_flag=flag,
    )
    return approve(update=update, by=secretariat_user)


def _official(plan):
    activity = Activity.objects.get(pk=plan["activity"].pk)
    return activity.status, activity.flag, activity.percent_complete


def test_a_late_report_for_an_earlier_cycle_leaves_a_later_cycles_status_alone(
    earlier_cycle, cycle, plan, focal_vn, secretariat_user, viet_nam, client
):
    _approved(author=focal_vn, cycle=cycle, plan=plan, secretariat_user=secretariat_user, percent=77)
    _reopen_for_viet_nam(earlier_cycle, secretariat_user, viet_nam)

    late = _approved(
        author=focal_vn,
        cycle=earlier_cycle,
        plan=plan,
        secretariat_user=secretariat_user,
        percent=3,
        status="not_started",
        flag="red",
    )

    assert late.state == "approved"
    assert _official(plan) == ("ongoing", "green", 77)
    # The cycle's report, from its own as-of logic, says what the page says.
    rows = {row.code: row for section in gather_report(cycle).sections for row in section.activities}
    assert rows["R2.1"].percent == 77
    client.force_login(secretariat_user)
    page = client.get(reverse("roadmap:activity_detail", args=[plan["activity"].code]))
    assert page.status_code == 200
    facts = page.content.decode().split('id="activity-facts"')[1].split("</dl>")[0]
    assert badges.percent_bar(77) in facts
    assert badges.percent_bar(3) not in facts


def test_a_late_report_sets_the_status_when_no_later_cycle_is_approved(
    earlier_cycle, cycle, plan, focal_vn, secretariat_user, viet_nam
):
    # A draft in the open cycle is not the record: the late report is the latest approved one.
    write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, proposed_percent=77)
    _reopen_for_viet_nam(earlier_cycle, secretariat_user, viet_nam)

    _approved(
        author=focal_vn,
        cycle=earlier_cycle,
        plan=plan,
        secretariat_user=secretariat_user,
        percent=3,
        status="not_started",
        flag="red",
    )

    assert _official(plan) == ("not_started", "red", 3)


def test_a_correction_for_the_latest_cycle_replaces_its_status(
    earlier_cycle, cycle, plan, focal_vn, focal_th, secretariat_user, viet_nam
):
    approved = _approved(
        author=focal_vn, cycle=cycle, plan=plan, secretariat_user=secretariat_user, percent=77
    )
    _reopen_for_viet_nam(earlier_cycle, secretariat_user, viet_nam)
    _approved(author=focal_vn, cycle=earlier_cycle, plan=plan, secretariat_user=secretariat_user, percent=3)

    correct(update=approved, author=focal_vn, approved_by=secretariat_user, proposed_percent=80)

    assert _official(plan) == ("ongoing", "green", 80)
    # Another party's approval in the same latest cycle is the latest approval: it replaces it too.
    _approved(author=focal_th, cycle=cycle, plan=plan, secretariat_user=secretariat_user, percent=81)
    assert _official(plan) == ("ongoing", "green", 81)


def test_a_late_report_fills_in_a_milestone_date_but_never_rewrites_a_later_one(
    earlier_cycle, cycle, plan, focal_vn, secretariat_user, viet_nam
):
    milestone = plan["milestone"]
    later_date = timezone.localdate() - datetime.timedelta(days=10)
    h2 = write_update(
        author=focal_vn,
        activity=plan["activity"],
        cycle=cycle,
        submit=True,
        proposed_percent=77,
        achievements=[(milestone, later_date)],
    )
    approve(update=h2, by=secretariat_user)
    _reopen_for_viet_nam(earlier_cycle, secretariat_user, viet_nam)
    late = write_update(
        author=focal_vn,
        activity=plan["activity"],
        cycle=earlier_cycle,
        submit=True,
        proposed_percent=3,
        achievements=[(milestone, later_date - datetime.timedelta(days=200))],
    )
    approve(update=late, by=secretariat_user)

    milestone.refresh_from_db()
    assert milestone.actual_date == later_date
