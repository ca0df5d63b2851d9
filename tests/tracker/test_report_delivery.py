"""tracker/reports/delivery.py: the cause and remedy of each delayed activity, from approved updates.

Delayed: status "delayed", or flag red or amber, as of the cycle's end. The cause is the challenges
of the latest approved update giving any (this cycle first, else an earlier one), the remedy the
next steps and support needed of the latest giving either; each names its party and cycle.
"""

import datetime

import pytest

from tests import factories
from tests.helpers import approve, correct, open_cycle, write_update
from tracker.reports.content import gather_report
from tracker.reports.delivery import issues_in_section

pytestmark = pytest.mark.django_db

D = datetime.date
DRAFT_CAUSE = "DELIVERYDRAFT a cause nobody approved"


@pytest.fixture
def record(plan, roadmap, viet_nam, thailand, secretariat_user, focal_vn, focal_th):
    sec = secretariat_user
    rec = plan["recommendation"]
    r21 = plan["activity"]  # Viet Nam leads, Thailand takes part

    def activity(code, lead):
        return factories.ActivityFactory(
            roadmap=roadmap,
            recommendation=rec,
            code=code,
            title=f"Activity {code}",
            lead_member_states=[lead],
        )

    r22, r23, r24 = activity("R2.2", viet_nam), activity("R2.3", thailand), activity("R2.4", thailand)
    prev = open_cycle(
        by=sec, slug="2025-H1", period_start=D(2025, 1, 1), period_end=D(2025, 6, 30), deadline=D(2025, 6, 30)
    )
    cur = open_cycle(
        by=sec,
        slug="2025-H2",
        period_start=D(2025, 7, 1),
        period_end=D(2025, 12, 31),
        deadline=D(2025, 12, 31),
    )

    def approved(author, activity, cycle, **fields):
        return approve(
            update=write_update(author=author, activity=activity, cycle=cycle, submit=True, **fields), by=sec
        )

    # R2.1: Viet Nam gave the cause last cycle; Thailand's update this cycle (amber) gives none.
    approved(
        focal_vn,
        r21,
        prev,
        proposed_status="delayed",
        proposed_flag="red",
        challenges="Customs held the test kits.",
        next_steps="Clear the kits.",
    )
    approved(focal_th, r21, cur, proposed_status="ongoing", proposed_flag="amber")
    write_update(author=focal_vn, activity=r21, cycle=cur, challenges=DRAFT_CAUSE, next_steps=DRAFT_CAUSE)
    # R2.2: red this cycle, with a cause and support needed; then a correction replaces the cause.
    vn_r22 = approved(
        focal_vn,
        r22,
        cur,
        proposed_status="ongoing",
        proposed_flag="red",
        challenges="The budget was cut.",
        support_needed="Funding for two pilots.",
    )
    # R2.3: delayed (flag green) with nothing said about why.
    approved(focal_th, r23, cur, proposed_status="delayed", proposed_flag="green")
    # R2.4: on track, whatever its challenges say.
    approved(focal_th, r24, cur, proposed_status="ongoing", proposed_flag="green", challenges="Minor delays.")
    return {"prev": prev, "cur": cur, "vn_r22": vn_r22, "rec": rec}


def issues(report):
    return {issue.code: issue for issue in report.delivery_issues}


def test_the_delayed_activities_and_where_each_cause_comes_from(record):
    found = issues(gather_report(record["cur"]))
    assert list(found) == ["R2.1", "R2.2", "R2.3"]  # R2.4 is green and ongoing

    r21 = found["R2.1"]
    assert (r21.flag, r21.status_label) == ("amber", "Ongoing")
    # No approved update of this cycle gives a cause: last cycle's does, and says whose it is.
    assert (r21.cause, r21.cause_source) == (
        "Customs held the test kits.",
        "Viet Nam, approved update for 2025-H1",
    )
    assert (r21.next_steps, r21.support_needed) == ("Clear the kits.", "")
    assert r21.remedy_source == "Viet Nam, approved update for 2025-H1"

    r22 = found["R2.2"]
    assert (r22.cause, r22.cause_source) == ("The budget was cut.", "Viet Nam, approved update for 2025-H2")
    assert (r22.next_steps, r22.support_needed) == ("", "Funding for two pilots.")

    r23 = found["R2.3"]
    assert (r23.cause, r23.cause_source, r23.next_steps, r23.support_needed, r23.remedy_source) == (
        "",
        "",
        "",
        "",
        "",
    )


def test_unapproved_words_are_never_a_cause(record):
    assert DRAFT_CAUSE.split()[0] not in repr(gather_report(record["cur"]).delivery_issues)


def test_an_approved_correction_replaces_the_cause(record, focal_vn, secretariat_user):
    correct(
        update=record["vn_r22"],
        author=focal_vn,
        approved_by=secretariat_user,
        proposed_status="ongoing",
        proposed_flag="red",
        challenges="The budget was cut by half.",
    )
    assert issues(gather_report(record["cur"]))["R2.2"].cause == "The budget was cut by half."


def test_an_earlier_cycle_knows_only_its_own_past(record):
    found = issues(gather_report(record["prev"]))
    assert found["R2.1"].cause_source == "Viet Nam, approved update for 2025-H1"
    # R2.2 was not reported on yet: its status and flag are the plan's (green), so it is not listed.
    assert "R2.2" not in found


def test_a_member_state_report_uses_its_own_updates_only(record, viet_nam, thailand):
    th = issues(gather_report(record["cur"], member_state=thailand))
    assert list(th) == ["R2.1", "R2.3"]
    assert th["R2.1"].cause == ""  # Viet Nam's cause is not Thailand's to report
    vn = issues(gather_report(record["cur"], member_state=viet_nam))
    assert vn["R2.1"].cause == "Customs held the test kits."


def test_issues_are_listed_in_their_recommendations_section(record, roadmap):
    report = gather_report(record["cur"])
    assert [i.code for i in issues_in_section(report.delivery_issues, 2)] == ["R2.1", "R2.2", "R2.3"]
    assert issues_in_section(report.delivery_issues, 1) == []
    other = factories.RecommendationFactory(roadmap=roadmap, number=5)
    assert gather_report(record["cur"], recommendation=other).delivery_issues == []
