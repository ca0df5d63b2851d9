"""tracker/reports/discipline.py: reporting discipline per party, counted from the updates' trail.

On time: first submitted on or before the cycle's deadline (the whole day, in the secretariat's
time zone); a report returned and resubmitted after the deadline counts by its first submission;
a correction in progress leaves a report approved. Submission times are set on the trail (the
transitions) to stand for the days they were made.
"""

import datetime

import pytest
from django.utils import timezone

from tests import factories
from tests.helpers import approve, correct, open_cycle_owing_three, return_update, write_update
from tracker.models import UpdateState
from tracker.reports.content import gather_report
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def submitted_at(update, *moments):
    """Set the update's submissions, in order, to `moments` (one per submission)."""
    submissions = list(update.transitions.filter(to_state=UpdateState.SUBMITTED).order_by("at", "pk"))
    assert len(submissions) == len(moments)
    for transition, moment in zip(submissions, moments, strict=True):
        transition.at = moment
        transition.save(update_fields=["at"])


@pytest.fixture
def record(plan, viet_nam, thailand, secretariat_user, focal_vn, focal_th):
    """Viet Nam owes R2.1, R2.2 and R2.3; Thailand owes R2.1."""
    sec = secretariat_user
    cycle, activities = open_cycle_owing_three(plan=plan, led_by=viet_nam, by=sec)
    deadline = cycle.deadline
    # R2.1: submitted days before the deadline and approved; a correction of it awaits review.
    vn_r21 = write_update(author=focal_vn, activity=activities["R2.1"], cycle=cycle, submit=True)
    submitted_at(vn_r21, local(deadline, 9) - datetime.timedelta(days=3))
    correct(update=approve(update=vn_r21, by=sec), author=focal_vn, narrative="Corrected figures")
    # R2.2: first submitted the day before the deadline, returned, resubmitted three days late.
    vn_r22 = write_update(author=focal_vn, activity=activities["R2.2"], cycle=cycle, submit=True)
    vn_r22 = return_update(update=vn_r22, by=sec)
    vn_r22 = update_services.progress_update_submit(update=vn_r22, acting_user=focal_vn)
    submitted_at(
        vn_r22,
        local(deadline, 10) - datetime.timedelta(days=1),
        local(deadline, 10) + datetime.timedelta(days=3),
    )
    # R2.3: a draft only.
    write_update(author=focal_vn, activity=activities["R2.3"], cycle=cycle)
    return {"cycle": cycle, "activities": activities}


def rows(report):
    return {row.party: row for row in report.discipline.rows}


def test_counts_per_party(record, focal_th, secretariat_user):
    th = write_update(
        author=focal_th, activity=record["activities"]["R2.1"], cycle=record["cycle"], submit=True
    )
    submitted_at(th, local(record["cycle"].deadline, 9) + datetime.timedelta(days=2))
    approve(update=th, by=secretariat_user)

    report = gather_report(record["cycle"])
    by_party = rows(report)
    assert list(by_party) == ["Thailand", "Viet Nam"]
    # due, on time, late, not submitted, approved, pending review
    assert by_party["Viet Nam"].counts == [3, 2, 0, 1, 1, 1]
    assert by_party["Thailand"].counts == [1, 0, 1, 0, 1, 0]
    assert report.discipline.total.counts == [4, 2, 1, 1, 2, 1]
    # The correction awaiting review leaves R2.1 approved: participation agrees.
    assert {p.party: p.approved for p in report.participation}["Viet Nam"] == 1


def test_a_report_returned_and_resubmitted_late_counts_by_its_first_submission(record):
    vn = rows(gather_report(record["cycle"]))["Viet Nam"]
    # R2.1 and R2.2 on time (R2.2's resubmission came after the deadline), nothing late.
    assert (vn.on_time, vn.late) == (2, 0)


@pytest.mark.parametrize(
    ("moment", "on_time"),
    [
        ((0, 23, 30), True),  # the deadline day, late in the evening: still on time
        ((1, 0, 10), False),  # ten minutes into the next day: late
    ],
)
def test_the_deadline_is_the_whole_day(record, focal_th, moment, on_time):
    days, hour, minute = moment
    th = write_update(
        author=focal_th, activity=record["activities"]["R2.1"], cycle=record["cycle"], submit=True
    )
    submitted_at(th, local(record["cycle"].deadline + datetime.timedelta(days=days), hour, minute))
    thailand = rows(gather_report(record["cycle"]))["Thailand"]
    assert (thailand.on_time, thailand.late, thailand.pending_review) == (int(on_time), int(not on_time), 1)


def test_nothing_submitted_yet(record):
    thailand = rows(gather_report(record["cycle"]))["Thailand"]
    assert thailand.counts == [1, 0, 0, 1, 0, 0]


def test_a_member_state_report_has_its_own_row_only(record, viet_nam, thailand):
    assert list(rows(gather_report(record["cycle"], member_state=viet_nam))) == ["Viet Nam"]
    (row,) = gather_report(record["cycle"], member_state=thailand).discipline.rows
    assert (row.party, row.counts) == ("Thailand", [1, 0, 0, 1, 0, 0])


def test_one_recommendation_counts_its_activities_only(record, roadmap, viet_nam, secretariat_user):
    report = gather_report(record["cycle"], recommendation=record["activities"]["R2.1"].recommendation)
    assert report.discipline.total.due == 4
    other = factories.RecommendationFactory(roadmap=roadmap, number=4)
    assert gather_report(record["cycle"], recommendation=other).discipline.rows == []
