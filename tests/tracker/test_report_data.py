"""tracker/reports/data.py: the cycle report's figures, checked against what each test set up.

The record is written through the real services (cycles opened, updates written, submitted,
returned, approved and corrected), and every expected figure below is worked out by hand from
that record, never by calling the helpers under test.
"""

import datetime
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from roadmap.models import Activity
from tests import factories
from tests.helpers import approve, correct, open_cycle, write_update
from tests.helpers.large_record import measures
from tests.tracker.test_evidence import pdf_bytes
from tracker.cycles import services as cycle_services
from tracker.reports.content import Change, ParticipationRow, gather_report
from tracker.review import services as review_services
from tracker.selectors import Completeness
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db

D = datetime.date


def period(slug, start, end):
    return {"slug": slug, "name": f"Cycle {slug}", "period_start": start, "period_end": end, "deadline": end}


# The figures in these tests count on the cycles' dates, not on today's; they are all past.
OLD = period("2024-H2", D(2024, 7, 1), D(2024, 12, 31))
PREV = period("2025-H1", D(2025, 1, 1), D(2025, 6, 30))
CUR = period("2025-H2", D(2025, 7, 1), D(2025, 12, 31))
LATER = period("2026-H1", D(2026, 1, 1), D(2026, 6, 30))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def everything_in(report):
    """Every text the report holds, for checking that unapproved narratives are absent."""
    return repr(report)


# --- The record ------------------------------------------------------------------------------


@pytest.fixture
def record(roadmap, viet_nam, thailand, costi, accmsme, secretariat_user, focal_vn, focal_th, costi_rep):
    """Five activities, four cycles, and updates in every state. See each figure's test for the sums."""
    sec = secretariat_user
    malaysia = factories.MemberStateFactory(iso2="MY", iso3="MYS", name="Malaysia", name_vi="Ma-lai-xi-a")
    accmsme_rep = factories.BodyRepresentativeFactory(username="accmsme.rep", body=accmsme)
    rec1 = factories.RecommendationFactory(roadmap=roadmap, number=1)
    rec2 = factories.RecommendationFactory(roadmap=roadmap, number=2)

    def activity(code, rec, *, status, flag, percent, **owners):
        return factories.ActivityFactory(
            roadmap=roadmap,
            recommendation=rec,
            code=code,
            title=f"Activity {code}",
            title_vi=f"Hoạt động {code}",
            status=status,
            flag=flag,
            percent_complete=percent,
            **owners,
        )

    a = activity(
        "R1.1",
        rec1,
        status="ongoing",
        flag="green",
        percent=15,
        lead_member_states=[viet_nam],
        participating_member_states=[thailand],
    )
    b = activity(
        "R1.2",
        rec1,
        status="not_started",
        flag="green",
        percent=0,
        lead_member_states=[thailand],
        supporting_bodies=[costi],
    )
    c = activity(
        "R2.1",
        rec2,
        status="ongoing",
        flag="amber",
        percent=5,
        lead_member_states=[viet_nam],
        lead_bodies=[costi],
    )
    d = activity("R2.2", rec2, status="ongoing", flag="green", percent=25, lead_member_states=[thailand])
    e = activity("RM.1", None, status="delayed", flag="amber", percent=0, lead_bodies=[accmsme])
    workshop = factories.MilestoneFactory(
        activity=a,
        title="Workshop held",
        title_vi="Hội thảo đã tổ chức",
        planned_date=D(2025, 9, 30),
        baseline_date=D(2025, 9, 30),
    )
    i_rec1 = factories.IndicatorFactory(
        activity=None,
        recommendation=rec1,
        name="Factories with smart lines",
        name_vi="Nhà máy có dây chuyền thông minh",
        unit="factories",
        baseline_value="3",
        baseline_year=2021,
        target_value="50",
        target_year=2030,
    )
    i_a = factories.IndicatorFactory(activity=a, name="Workshops held", unit="workshops")
    i_c = factories.IndicatorFactory(
        activity=c, name="Enterprises assessed", name_vi="Doanh nghiệp được đánh giá", unit="enterprises"
    )
    i_d = factories.IndicatorFactory(
        activity=d, name="Test beds", unit="test beds", baseline_value=None, target_value="10"
    )

    old = open_cycle(by=sec, **OLD)
    prev = open_cycle(by=sec, **PREV)
    cur = open_cycle(by=sec, **CUR)
    later = open_cycle(by=sec, **LATER)
    # The secretariat asks Malaysia for a report it does not owe by the plan.
    cycle_services.due_update_add(cycle=cur, activity=d, member_state=malaysia, acting_user=sec)

    u = SimpleNamespace()
    u.old_d = approve(
        update=write_update(
            author=focal_th,
            activity=d,
            cycle=old,
            proposed_status="ongoing",
            proposed_flag="green",
            proposed_percent=30,
            narrative="Old D by TH",
            submit=True,
        ),
        by=sec,
    )
    # The previous cycle. Viet Nam's update on R1.1 is approved last of all, below.
    u.p_a = write_update(
        author=focal_vn,
        activity=a,
        cycle=prev,
        proposed_status="ongoing",
        proposed_flag="green",
        proposed_percent=20,
        narrative="Prev A by VN",
        submit=True,
    )
    u.p_c = approve(
        update=write_update(
            author=focal_vn,
            activity=c,
            cycle=prev,
            proposed_status="ongoing",
            proposed_flag="red",
            proposed_percent=10,
            narrative="Prev C by VN",
            values=[(i_c, viet_nam, Decimal("100"), ""), (i_c, None, Decimal("900"), "Survey 2025")],
            submit=True,
        ),
        by=sec,
    )
    u.p_d = approve(
        update=write_update(
            author=focal_th,
            activity=d,
            cycle=prev,
            proposed_status="ongoing",
            proposed_flag="green",
            proposed_percent=50,
            narrative="Prev D by TH",
            submit=True,
        ),
        by=sec,
    )
    u.p_e = approve(
        update=write_update(
            author=accmsme_rep,
            activity=e,
            cycle=prev,
            proposed_status="delayed",
            proposed_flag="amber",
            proposed_percent=5,
            narrative="Prev E",
            submit=True,
        ),
        by=sec,
    )

    # The cycle reported on. Viet Nam writes first but Thailand is approved first.
    u.a_vn = write_update(
        author=focal_vn,
        activity=a,
        cycle=cur,
        proposed_status="ongoing",
        proposed_flag="green",
        proposed_percent=60,
        narrative="VN ran the workshops.",
        values=[(i_rec1, viet_nam, Decimal("5"), "")],
        achievements=[(workshop, D(2025, 9, 15))],
        links=[("https://example.org/workshop", "Workshop notes")],
        files=[SimpleUploadedFile("minutes.pdf", pdf_bytes())],
        submit=True,
    )
    u.a_th = write_update(
        author=focal_th,
        activity=a,
        cycle=cur,
        proposed_status="delayed",
        proposed_flag="amber",
        proposed_percent=55,
        narrative="TH joined late.",
        values=[(i_rec1, thailand, Decimal("7"), "")],
        submit=True,
    )
    u.a_th = approve(update=u.a_th, by=sec)
    u.a_vn = approve(update=u.a_vn, by=sec)
    u.b_th = write_update(
        author=focal_th,
        activity=b,
        cycle=cur,
        proposed_status="ongoing",
        proposed_flag="red",
        proposed_percent=70,
        narrative="SECRET submitted B",
        values=[(i_rec1, thailand, Decimal("77"), "")],
        submit=True,
    )
    u.b_costi = write_update(
        author=costi_rep,
        activity=b,
        cycle=cur,
        proposed_status="ongoing",
        proposed_flag="red",
        proposed_percent=80,
        narrative="SECRET draft B",
        submit=False,
    )
    u.c_vn = approve(
        update=write_update(
            author=focal_vn,
            activity=c,
            cycle=cur,
            proposed_status="ongoing",
            proposed_flag="red",
            proposed_percent=30,
            narrative="SECRET replaced C",
            values=[(i_c, viet_nam, Decimal("120"), ""), (i_c, None, Decimal("1000"), "")],
            submit=True,
        ),
        by=sec,
    )
    u.c_corr = correct(
        update=u.c_vn,
        author=focal_vn,
        approved_by=sec,
        proposed_status="ongoing",
        proposed_flag="amber",
        proposed_percent=35,
        narrative="Corrected C by VN",
        values=[(i_c, viet_nam, Decimal("125"), "Corrected figure")],
    )
    u.c_costi = review_services.progress_update_return(
        update=write_update(
            author=costi_rep,
            activity=c,
            cycle=cur,
            proposed_status="completed",
            proposed_flag="green",
            proposed_percent=100,
            narrative="SECRET returned C",
            values=[(i_c, None, Decimal("5555"), "")],
            submit=True,
        ),
        comment="Not yet.",
        acting_user=sec,
    )
    u.d_th = approve(
        update=write_update(
            author=focal_th,
            activity=d,
            cycle=cur,
            proposed_status="completed",
            proposed_flag="green",
            proposed_percent=100,
            narrative="TH finished D.",
            values=[(i_d, thailand, Decimal("40"), "")],
            submit=True,
        ),
        by=sec,
    )
    u.e = approve(
        update=write_update(
            author=accmsme_rep,
            activity=e,
            cycle=cur,
            proposed_status="delayed",
            proposed_flag="red",
            proposed_percent=12,
            narrative="ACCMSME slipped.",
            submit=True,
        ),
        by=sec,
    )

    # A later cycle: none of it belongs in the 2025-H2 report.
    u.n_a = approve(
        update=write_update(
            author=focal_vn,
            activity=a,
            cycle=later,
            proposed_status="completed",
            proposed_flag="green",
            proposed_percent=100,
            narrative="LATER A by VN",
            values=[(i_rec1, viet_nam, Decimal("999"), "")],
            submit=True,
        ),
        by=sec,
    )
    # Approved after everything in 2025-H2 and 2026-H1, yet of an earlier cycle.
    u.p_a = approve(update=u.p_a, by=sec)

    return SimpleNamespace(
        sec=sec,
        vn=viet_nam,
        th=thailand,
        my=malaysia,
        costi=costi,
        accmsme=accmsme,
        focal_vn=focal_vn,
        focal_th=focal_th,
        costi_rep=costi_rep,
        accmsme_rep=accmsme_rep,
        rec1=rec1,
        rec2=rec2,
        a=a,
        b=b,
        c=c,
        d=d,
        e=e,
        workshop=workshop,
        i_rec1=i_rec1,
        i_a=i_a,
        i_c=i_c,
        i_d=i_d,
        old=old,
        prev=prev,
        cur=cur,
        later=later,
        u=u,
    )


def rows_by_code(report):
    return {row.code: row for row in report.activities}


def state(row):
    return (row.status, row.flag, row.percent, row.from_plan)


# --- Only approved updates -----------------------------------------------------------------------


def test_unapproved_and_replaced_updates_never_reach_the_report(record):
    for scope in (
        {},
        {"recommendation": record.rec1},
        {"member_state": record.th},
        {"member_state": record.vn},
    ):
        report = gather_report(record.cur, **scope)
        text = everything_in(report)
        assert "SECRET" not in text, scope  # drafts, submitted, returned, replaced
        assert "LATER" not in text, scope  # a later cycle
        assert "Decimal('77" not in text and "Decimal('5555" not in text and "Decimal('1000" not in text
        assert record.u.c_vn.pk not in [a.pk for a in report.annex]


def test_approved_updates_are_counted_per_cycle(record):
    report = gather_report(record.cur)
    # 2025-H2: TH and VN on R1.1, the correction on R2.1 (not the update it replaced), R2.2, RM.1.
    assert report.approved_updates == 5
    # 2025-H1: VN on R1.1 (approved late, still 2025-H1's), VN on R2.1, TH on R2.2, ACCMSME on RM.1.
    assert report.previous_approved_updates == 4
    assert gather_report(record.prev).approved_updates == 4
    assert gather_report(record.prev).previous_approved_updates == 1  # 2024-H2: TH on R2.2
    assert gather_report(record.later).approved_updates == 1
    assert {code: row.updates_this_cycle for code, row in rows_by_code(report).items()} == {
        "R1.1": 2,
        "R1.2": 0,
        "R2.1": 1,
        "R2.2": 1,
        "RM.1": 1,
    }


def test_a_cycle_with_only_unapproved_updates_reports_none(record):
    report = gather_report(record.cur, recommendation=record.rec1)
    b = rows_by_code(report)["R1.2"]
    assert (b.narrative, b.narrative_party, b.updates_this_cycle) == ("", "", 0)
    assert state(b) == ("not_started", "green", 0, True)


# --- Status as of the cycle ------------------------------------------------------------------------


def test_status_as_of_the_cycle_comes_from_the_latest_approved_update(record):
    rows = rows_by_code(gather_report(record.cur))
    assert {code: state(row) for code, row in rows.items()} == {
        # VN's update was approved after TH's: it wins although VN wrote first.
        "R1.1": ("ongoing", "green", 60, False),
        # Nothing approved: the plan's own record.
        "R1.2": ("not_started", "green", 0, True),
        # The correction, not the update it replaced.
        "R2.1": ("ongoing", "amber", 35, False),
        "R2.2": ("completed", "green", 100, False),
        "RM.1": ("delayed", "red", 12, False),
    }
    assert {code: (row.narrative, row.narrative_party) for code, row in rows.items()} == {
        "R1.1": ("VN ran the workshops.", "Viet Nam"),
        "R1.2": ("", ""),
        "R2.1": ("Corrected C by VN", "Viet Nam"),
        "R2.2": ("TH finished D.", "Thailand"),
        "RM.1": ("ACCMSME slipped.", "ACCMSME"),
    }
    a = rows["R1.1"]
    assert (a.lead, a.participants, a.recommendation_number, a.title) == (
        "Viet Nam",
        "Thailand",
        1,
        "Activity R1.1",
    )
    assert (rows["R2.1"].lead, rows["R1.2"].participants, rows["RM.1"].recommendation_number) == (
        "Viet Nam, COSTI",
        "COSTI",
        None,
    )


def test_the_cycle_end_comes_before_the_approval_time(record):
    # 2025-H1's update on R1.1 was approved after every 2025-H2 and 2026-H1 update.
    assert record.u.p_a.reviewed_at > record.u.n_a.reviewed_at > record.u.a_vn.reviewed_at
    assert state(rows_by_code(gather_report(record.cur))["R1.1"]) == ("ongoing", "green", 60, False)
    assert state(rows_by_code(gather_report(record.prev))["R1.1"]) == ("ongoing", "green", 20, False)
    assert state(rows_by_code(gather_report(record.later))["R1.1"]) == ("completed", "green", 100, False)


def test_within_a_cycle_the_latest_approval_wins_not_the_latest_written(record):
    assert record.u.a_vn.pk < record.u.a_th.pk  # VN wrote first...
    assert record.u.a_vn.reviewed_at > record.u.a_th.reviewed_at  # ...and was approved last
    row = rows_by_code(gather_report(record.cur))["R1.1"]
    assert (row.percent, row.narrative_party) == (60, "Viet Nam")


def test_as_of_an_earlier_cycle_uses_earlier_updates_only(record):
    rows = rows_by_code(gather_report(record.prev))
    assert state(rows["R2.1"]) == ("ongoing", "red", 10, False)
    assert state(rows["R2.2"]) == ("ongoing", "green", 50, False)
    assert state(rows["RM.1"]) == ("delayed", "amber", 5, False)
    assert rows["R1.2"].from_plan
    rows = rows_by_code(gather_report(record.old))
    assert state(rows["R2.2"]) == ("ongoing", "green", 30, False)
    assert [code for code, row in rows.items() if row.from_plan] == ["R1.1", "R1.2", "R2.1", "RM.1"]


def test_an_approved_correction_replaces_the_corrected_update(record):
    report = gather_report(record.cur)
    annex = {u.pk: u for u in report.annex}
    assert record.u.c_vn.pk not in annex
    correction = annex[record.u.c_corr.pk]
    assert (correction.corrects, correction.percent, correction.flag, correction.narrative) == (
        record.u.c_vn.pk,
        35,
        "amber",
        "Corrected C by VN",
    )
    assert correction.indicator_values == [
        ("Enterprises assessed", "Viet Nam", Decimal("125.00"), "enterprises")
    ]


def test_a_correction_waiting_for_review_changes_nothing(record):
    # Thailand corrects its approved 2025-H2 update on R2.2 but nobody has approved the correction.
    draft = update_services.progress_update_correct(update=record.u.d_th, acting_user=record.focal_th)
    draft.proposed_percent, draft.narrative = 90, "SECRET correction"
    update_services.progress_update_save(
        update=draft, content=update_services.UpdateContent(), acting_user=record.focal_th, submit=True
    )
    report = gather_report(record.cur)
    assert record.u.d_th.pk in [a.pk for a in report.annex]
    assert state(rows_by_code(report)["R2.2"]) == ("completed", "green", 100, False)
    assert "SECRET" not in everything_in(report)
    # Thailand's approved R2.2 report still counts (test_participation_counts_the_cycles_due_updates).
    thailand = next(p for p in report.participation if p.party == "Thailand")
    assert (thailand.expected, thailand.approved) == (3, 2)
    assert (report.expected_total, report.approved_total) == (8, 5)


# --- Previous cycle and changes ---------------------------------------------------------------------


def test_the_previous_cycle_is_the_latest_that_ended_before_this_one_started(record):
    report = gather_report(record.cur)
    assert (report.previous_cycle_slug, report.previous_cycle_name) == ("2025-H1", "Cycle 2025-H1")
    assert gather_report(record.prev).previous_cycle_slug == "2024-H2"
    assert gather_report(record.later).previous_cycle_slug == "2025-H2"


def test_changes_since_the_previous_cycle(record):
    report = gather_report(record.cur)
    rows = rows_by_code(report)
    assert {code: (r.previous_status, r.previous_flag, r.previous_percent) for code, r in rows.items()} == {
        "R1.1": ("ongoing", "green", 20),
        "R1.2": ("not_started", "green", 0),
        "R2.1": ("ongoing", "red", 10),
        "R2.2": ("ongoing", "green", 50),
        "RM.1": ("delayed", "amber", 5),
    }
    assert {code: r.changed for code, r in rows.items()} == {
        "R1.1": True,
        "R1.2": False,
        "R2.1": True,
        "R2.2": True,
        "RM.1": True,
    }
    assert report.changes == [
        Change("R1.1", "Activity R1.1", "percent", "Percent complete", "20%", "60%"),
        Change("R2.1", "Activity R2.1", "flag", "Flag", "Red", "Amber"),
        Change("R2.1", "Activity R2.1", "percent", "Percent complete", "10%", "35%"),
        Change("R2.2", "Activity R2.2", "status", "Status", "Ongoing", "Completed"),
        Change("R2.2", "Activity R2.2", "percent", "Percent complete", "50%", "100%"),
        Change("RM.1", "Activity RM.1", "flag", "Flag", "Amber", "Red"),
        Change("RM.1", "Activity RM.1", "percent", "Percent complete", "5%", "12%"),
    ]


def test_the_first_cycle_has_no_previous_one(record):
    report = gather_report(record.old)
    assert (report.previous_cycle_slug, report.previous_cycle_name) == (None, None)
    assert report.previous_approved_updates is None
    assert report.changes == []
    assert all(
        (r.previous_status, r.previous_flag, r.previous_percent, r.changed) == (None, None, None, False)
        for r in report.activities
    )
    assert report.approved_updates == 1


def test_changes_are_scoped_too(record):
    report = gather_report(record.cur, recommendation=record.rec1)
    assert [(c.activity_code, c.field) for c in report.changes] == [("R1.1", "percent")]
    assert report.previous_approved_updates == 1  # VN on R1.1 in 2025-H1
    report = gather_report(record.cur, member_state=record.vn)
    assert [(c.activity_code, c.field) for c in report.changes] == [
        ("R1.1", "percent"),
        ("R2.1", "flag"),
        ("R2.1", "percent"),
    ]
    assert report.previous_approved_updates == 2  # VN's on R1.1 and R2.1


# --- Counts and completion -------------------------------------------------------------------------


def counts(items):
    return {c.value: c.count for c in items}


def test_status_and_flag_counts_completion_and_completed(record):
    report = gather_report(record.cur)
    zero = {"not_started": 0, "ongoing": 0, "delayed": 0, "completed": 0, "discontinued": 0}
    assert counts(report.status_totals) == {
        **zero,
        "not_started": 1,
        "ongoing": 2,
        "delayed": 1,
        "completed": 1,
    }
    assert [c.value for c in report.status_totals] == list(zero)  # every status, in the plan's order
    assert counts(report.flag_totals) == {"green": 3, "amber": 1, "red": 1}
    assert report.completion == Decimal("41.4")  # (60 + 0 + 35 + 100 + 12) / 5
    assert (report.activity_count, report.completed_count) == (5, 1)

    sections = {s.number: s for s in report.sections}
    assert [s.number for s in report.sections] == [1, 2, None]
    assert [s.heading for s in report.sections] == [
        "1. Workstream 1",
        "2. Workstream 2",
        "The roadmap as a whole",
    ]
    assert [a.code for a in sections[1].activities] == ["R1.1", "R1.2"]
    assert counts(sections[1].status_counts) == {**zero, "ongoing": 1, "not_started": 1}
    assert counts(sections[1].flag_counts) == {"green": 2, "amber": 0, "red": 0}
    assert sections[1].completion == Decimal("30.0")
    assert counts(sections[2].status_counts) == {**zero, "ongoing": 1, "completed": 1}
    assert counts(sections[2].flag_counts) == {"green": 1, "amber": 1, "red": 0}
    assert sections[2].completion == Decimal("67.5")
    assert (sections[2].activity_count, sections[2].completed_count) == (2, 1)
    assert counts(sections[None].status_counts) == {**zero, "delayed": 1}
    assert sections[None].completion == Decimal("12.0")
    assert sections[None].completed_count == 0


def test_completion_is_rounded_to_one_decimal(roadmap, secretariat_user):
    rec = factories.RecommendationFactory(roadmap=roadmap, number=3)
    for code, percent in (("R3.1", 0), ("R3.2", 1), ("R3.3", 1)):
        factories.ActivityFactory(roadmap=roadmap, recommendation=rec, code=code, percent_complete=percent)
    cycle = open_cycle(by=secretariat_user, **CUR)
    report = gather_report(cycle)
    assert report.completion == Decimal("0.7")  # 2 / 3
    assert report.sections[0].completion == Decimal("0.7")


@pytest.mark.parametrize(("percents", "expected"), [((48, 48, 49, 48), "48.3"), ((63, 63, 64, 63), "63.3")])
def test_completion_rounds_halves_up_as_a_spreadsheet_does(roadmap, secretariat_user, percents, expected):
    # 193 / 4 = 48.25 and 253 / 4 = 63.25: Excel's ROUND(…; 1) gives 48.3 and 63.3, not 48.2 and 63.2.
    rec = factories.RecommendationFactory(roadmap=roadmap, number=3)
    for n, percent in enumerate(percents, start=1):
        factories.ActivityFactory(
            roadmap=roadmap, recommendation=rec, code=f"R3.{n}", percent_complete=percent
        )
    report = gather_report(open_cycle(by=secretariat_user, **CUR))
    assert report.completion == report.sections[0].completion == Decimal(expected)


def test_an_empty_scope_reports_zero(record):
    lonely = factories.RecommendationFactory(roadmap=record.rec1.roadmap, number=5)
    report = gather_report(record.cur, recommendation=lonely)
    assert (report.activity_count, report.completion, report.approved_updates) == (0, 0.0, 0)
    assert report.sections == [] and report.annex == [] and report.changes == []


# --- Milestones ------------------------------------------------------------------------------------


@pytest.fixture
def milestones(roadmap, viet_nam, focal_vn, secretariat_user):
    """Milestones around 2025-H2; each achievement is reported by an approved update of the cycle its
    date falls in (2025-H1 or 2025-H2; one achieved on 1 January 2026 is reported in no cycle yet)."""
    rec = factories.RecommendationFactory(roadmap=roadmap, number=1)
    other_rec = factories.RecommendationFactory(roadmap=roadmap, number=2)
    activity = factories.ActivityFactory(
        roadmap=roadmap, recommendation=rec, code="R1.1", lead_member_states=[viet_nam]
    )
    other = factories.ActivityFactory(
        roadmap=roadmap, recommendation=other_rec, code="R2.1", lead_member_states=[viet_nam]
    )
    achievements = []

    def m(title, planned, *, baseline="same", actual=None, on=activity):
        milestone = factories.MilestoneFactory(
            activity=on,
            title=title,
            planned_date=planned,
            baseline_date=planned if baseline == "same" else baseline,
        )
        if actual is not None:
            achievements.append((on, milestone, actual))

    # 2025-H2 runs 2025-07-01 to 2025-12-31.
    m("achieved on the first day", D(2025, 6, 15), actual=D(2025, 7, 1))  # late
    m("achieved on the last day", D(2026, 2, 1), actual=D(2025, 12, 31))  # early: not due next either
    m("achieved the day before", D(2025, 6, 30), actual=D(2025, 6, 30))
    m("achieved the day after", D(2026, 1, 15), actual=D(2026, 1, 1))
    m("slipped, pending", D(2025, 9, 1), baseline=D(2025, 3, 1))
    m("slipped, achieved before", D(2025, 3, 1), baseline=D(2025, 1, 1), actual=D(2025, 6, 30))
    m("slipped, achieved on the first day", D(2025, 8, 1), baseline=D(2025, 1, 1), actual=D(2025, 7, 1))
    m("brought forward", D(2025, 9, 1), baseline=D(2025, 10, 1))
    m("no baseline", D(2025, 11, 1), baseline=None)
    m("due this cycle, pending", D(2025, 12, 31))
    m("next, first day", D(2026, 1, 1))
    m("next, 31 March", D(2026, 3, 31))
    m("next, 1 April", D(2026, 4, 1))
    m("next, 3 July", D(2026, 7, 3))
    m("next, 4 July", D(2026, 7, 4))
    m("other recommendation, achieved", D(2025, 8, 1), actual=D(2025, 8, 1), on=other)
    cycles = [open_cycle(by=secretariat_user, **dates) for dates in (PREV, CUR)]
    report_achievements(achievements, cycles, author=focal_vn, by=secretariat_user)
    return SimpleNamespace(cycle=cycles[1], rec=rec, other_rec=other_rec, activity=activity)


def report_achievements(achievements, cycles, *, author, by):
    """Each (activity, milestone, date) reported achieved in an approved update of the cycle the date
    falls in."""
    for cycle in cycles:
        for on in {on for on, _m, _d in achievements}:
            mine = [
                (m, d) for o, m, d in achievements if o == on and cycle.period_start <= d <= cycle.period_end
            ]
            if mine:
                update = write_update(author=author, activity=on, cycle=cycle, achievements=mine, submit=True)
                approve(update=update, by=by)


def titles(rows):
    return [row.title for row in rows]


def test_milestones_achieved_and_slipped_with_inclusive_boundaries(milestones):
    report = gather_report(milestones.cycle, recommendation=milestones.rec)
    (section,) = report.sections
    # Ordered by planned date.
    assert titles(section.milestones_achieved) == [
        "achieved on the first day",
        "slipped, achieved on the first day",
        "achieved on the last day",
    ]
    assert titles(section.milestones_slipped) == ["slipped, achieved on the first day", "slipped, pending"]
    achieved = {row.title: row for row in section.milestones_achieved}
    assert achieved["achieved on the first day"].state == "achieved_late"
    assert achieved["slipped, achieved on the first day"].state == "achieved_on_time"
    slipped = {row.title: row for row in section.milestones_slipped}
    assert slipped["slipped, pending"].slip_days == (D(2025, 9, 1) - D(2025, 3, 1)).days == 184
    assert (slipped["slipped, pending"].activity_code, slipped["slipped, pending"].actual_date) == (
        "R1.1",
        None,
    )


def test_milestones_due_next_without_a_following_cycle(milestones):
    report = gather_report(milestones.cycle)
    # The next half-year by the calendar (not 184 days, which would end on 3 July).
    assert (report.next_period_start, report.next_period_end) == (D(2026, 1, 1), D(2026, 6, 30))
    section = next(s for s in report.sections if s.number == 1)
    assert titles(section.milestones_due_next) == [
        "next, first day",
        "achieved the day after",
        "next, 31 March",
        "next, 1 April",
    ]
    other = next(s for s in report.sections if s.number == 2)
    assert titles(other.milestones_achieved) == ["other recommendation, achieved"]
    assert other.milestones_due_next == [] and other.milestones_slipped == []


@pytest.mark.parametrize(
    ("start", "end", "next_start", "next_end"),
    [
        (D(2026, 7, 1), D(2026, 12, 31), D(2027, 1, 1), D(2027, 6, 30)),  # H2 -> H1
        (D(2027, 1, 1), D(2027, 6, 30), D(2027, 7, 1), D(2027, 12, 31)),  # H1 -> H2
        (D(2027, 10, 1), D(2027, 12, 31), D(2028, 1, 1), D(2028, 3, 31)),  # a quarter
        (D(2027, 12, 1), D(2028, 2, 29), D(2028, 3, 1), D(2028, 5, 31)),  # three months over a leap year
        (D(2027, 1, 1), D(2027, 12, 31), D(2028, 1, 1), D(2028, 12, 31)),  # a year
        (D(2027, 1, 15), D(2027, 2, 14), D(2027, 2, 15), D(2027, 3, 17)),  # not whole months: as many days
    ],
)
def test_without_a_next_cycle_the_next_period_is_the_same_calendar_period(
    secretariat_user, start, end, next_start, next_end
):
    cycle = open_cycle(by=secretariat_user, **period("X", start, end))
    report = gather_report(cycle)
    assert (report.next_period_start, report.next_period_end) == (next_start, next_end)


def test_milestones_due_next_follow_the_next_cycle(milestones, secretariat_user):
    factories.ReportingCycleFactory(
        slug="2026-Q1", period_start=D(2026, 1, 1), period_end=D(2026, 3, 31), deadline=D(2026, 4, 15)
    )
    factories.ReportingCycleFactory(
        slug="2026-Q2", period_start=D(2026, 4, 1), period_end=D(2026, 6, 30), deadline=D(2026, 7, 15)
    )
    report = gather_report(milestones.cycle, recommendation=milestones.rec)
    assert (report.next_period_start, report.next_period_end) == (D(2026, 1, 1), D(2026, 3, 31))
    assert titles(report.sections[0].milestones_due_next) == [
        "next, first day",
        "achieved the day after",
        "next, 31 March",
    ]


def test_achieved_this_cycle_lists_only_what_approved_updates_report(roadmap, secretariat_user):
    # The plan file says these were achieved; no approved update says so.
    rec = factories.RecommendationFactory(roadmap=roadmap, number=1)
    activity = factories.ActivityFactory(roadmap=roadmap, recommendation=rec, code="R1.1")
    factories.MilestoneFactory(
        activity=activity, title="Plan file says done", planned_date=D(2025, 8, 1), actual_date=D(2025, 8, 1)
    )
    factories.MilestoneFactory(
        activity=activity,
        title="Slipped, plan file says done",
        planned_date=D(2025, 9, 1),
        baseline_date=D(2025, 3, 1),
        actual_date=D(2025, 9, 1),
    )
    report = gather_report(open_cycle(by=secretariat_user, **CUR))
    (section,) = report.sections
    assert section.milestones_achieved == []
    (slipped,) = section.milestones_slipped
    assert (slipped.title, slipped.actual_date, slipped.actual_from_plan) == (
        "Slipped, plan file says done",
        D(2025, 9, 1),
        True,
    )
    assert slipped.state_label == "Achieved on time (plan record; no approved update reports it)"


def test_a_milestone_is_achieved_in_the_cycle_whose_approved_update_reports_it(
    roadmap, viet_nam, focal_vn, secretariat_user
):
    # Achieved in June (2025-H1) but reported and approved in 2025-H2: the H2 report lists it, H1's not.
    rec = factories.RecommendationFactory(roadmap=roadmap, number=1)
    activity = factories.ActivityFactory(
        roadmap=roadmap, recommendation=rec, code="R1.1", lead_member_states=[viet_nam]
    )
    portal = factories.MilestoneFactory(
        activity=activity, title="Portal launched", planned_date=D(2025, 6, 30)
    )
    first_half, second_half = (open_cycle(by=secretariat_user, **dates) for dates in (PREV, CUR))
    update = write_update(
        author=focal_vn,
        activity=activity,
        cycle=second_half,
        achievements=[(portal, D(2025, 6, 20))],
        submit=True,
    )
    approve(update=update, by=secretariat_user)
    assert gather_report(first_half).sections[0].milestones_achieved == []
    (achieved,) = gather_report(second_half).sections[0].milestones_achieved
    assert (achieved.title, achieved.actual_date, achieved.state, achieved.actual_from_plan) == (
        "Portal launched",
        D(2025, 6, 20),
        "achieved_on_time",
        False,
    )


def test_a_closed_cycles_report_says_the_same_whenever_it_is_generated(
    monkeypatch, roadmap, viet_nam, focal_vn, secretariat_user
):
    def clock(day):
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        monkeypatch.setattr(timezone, "now", lambda: at)

    clock(D(2025, 12, 31))
    rec = factories.RecommendationFactory(roadmap=roadmap, number=1)
    activity = factories.ActivityFactory(
        roadmap=roadmap, recommendation=rec, code="R1.1", lead_member_states=[viet_nam], percent_complete=10
    )

    def milestone(title, planned, baseline=None):
        return factories.MilestoneFactory(
            activity=activity, title=title, planned_date=planned, baseline_date=baseline or planned
        )

    done = milestone("Done in H2", D(2025, 12, 1))
    late = milestone("Achieved in January", D(2025, 12, 15))
    replanned = milestone("Re-planned later", D(2025, 11, 1), baseline=D(2025, 10, 1))
    milestone("Due in January", D(2026, 1, 10))

    def approved(cycle, percent, achievement):
        update = write_update(
            author=focal_vn,
            activity=activity,
            cycle=cycle,
            proposed_percent=percent,
            achievements=[achievement],
            submit=True,
        )
        approve(update=update, by=secretariat_user)

    cycle = open_cycle(by=secretariat_user, **CUR)
    approved(cycle, 30, (done, D(2025, 12, 20)))
    cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user)
    generated_at = timezone.make_aware(datetime.datetime(2026, 1, 5, 9))

    clock(D(2026, 1, 5))
    first = gather_report(cycle, generated_at=generated_at)

    # A fortnight later: the next cycle's approved update reports another milestone and moves the
    # activity on; the plan re-plans a milestone. A month after the first, the report is generated again.
    clock(D(2026, 1, 20))
    approved(open_cycle(by=secretariat_user, **LATER), 60, (late, D(2026, 1, 15)))
    replanned.planned_date = D(2026, 3, 1)
    replanned.save()
    clock(D(2026, 2, 5))
    second = gather_report(cycle, generated_at=generated_at)

    assert second == first
    (section,) = first.sections
    assert [(m.title, m.state) for m in section.milestones_achieved] == [("Done in H2", "achieved_late")]
    assert [(m.title, m.planned_date, m.state) for m in section.milestones_slipped] == [
        ("Re-planned later", D(2025, 11, 1), "overdue")
    ]
    assert [(m.title, m.state) for m in section.milestones_due_next] == [("Due in January", "due_soon")]
    assert (first.next_period_start, first.next_period_end) == (D(2026, 1, 1), D(2026, 6, 30))
    assert first.activities[0].percent == 30


def test_a_milestone_achieved_through_an_approved_update_shows(record):
    report = gather_report(record.cur, recommendation=record.rec1)
    (section,) = report.sections
    assert [(m.title, m.actual_date, m.state) for m in section.milestones_achieved] == [
        ("Workshop held", D(2025, 9, 15), "achieved_on_time")
    ]
    vn = next(a for a in report.annex if a.party == "Viet Nam")
    assert vn.milestones == [("Workshop held", D(2025, 9, 15))]


# --- Indicators ------------------------------------------------------------------------------------


def values(row):
    return [(v.member_state, v.value, v.cycle, v.note) for v in row.values]


def test_indicators_show_baseline_target_and_the_latest_approved_values(record):
    report = gather_report(record.cur)
    sections = {s.number: s for s in report.sections}
    rec1 = {i.name: i for i in sections[1].indicators}
    rec2 = {i.name: i for i in sections[2].indicators}
    assert set(rec1) == {"Factories with smart lines", "Workshops held"}
    assert list(rec2) == ["Enterprises assessed", "Test beds"]
    assert sections[None].indicators == []

    smart = rec1["Factories with smart lines"]
    assert (smart.owner, smart.unit) == ("Recommendation 1", "factories")
    assert (smart.baseline_value, smart.baseline_year, smart.target_value, smart.target_year) == (
        Decimal("3"),
        2021,
        Decimal("50"),
        2030,
    )
    # TH's 77 was only submitted; VN's 999 belongs to 2026-H1.
    assert values(smart) == [
        ("Thailand", Decimal("7"), "2025-H2", ""),
        ("Viet Nam", Decimal("5"), "2025-H2", ""),
    ]
    assert values(rec1["Workshops held"]) == []
    assert rec1["Workshops held"].owner == "R1.1"

    assessed = rec2["Enterprises assessed"]
    assert assessed.owner == "R2.1"
    # VN: the correction's 125 (not the replaced 120). ASEAN: the correction dropped the
    # replaced 1000 and COSTI's 5555 was returned, so 2025-H1's 900 stands.
    assert values(assessed) == [
        ("Viet Nam", Decimal("125"), "2025-H2", "Corrected figure"),
        ("ASEAN", Decimal("900"), "2025-H1", "Survey 2025"),
    ]
    beds = rec2["Test beds"]
    assert (beds.baseline_value, beds.target_value) == (None, Decimal("10"))
    assert values(beds) == [("Thailand", Decimal("40"), "2025-H2", "")]


def test_indicator_values_as_of_earlier_and_later_cycles(record):
    prev = {i.name: i for s in gather_report(record.prev).sections for i in s.indicators}
    assert values(prev["Enterprises assessed"]) == [
        ("Viet Nam", Decimal("100"), "2025-H1", ""),
        ("ASEAN", Decimal("900"), "2025-H1", "Survey 2025"),
    ]
    assert values(prev["Factories with smart lines"]) == []
    later = {i.name: i for s in gather_report(record.later).sections for i in s.indicators}
    assert values(later["Factories with smart lines"]) == [
        ("Thailand", Decimal("7"), "2025-H2", ""),
        ("Viet Nam", Decimal("999"), "2026-H1", ""),
    ]


def test_a_recommendations_own_indicator_comes_before_its_activities(record):
    # The same order on every database: the recommendation's indicator, then its activities' in order.
    rec1 = next(s for s in gather_report(record.cur).sections if s.number == 1)
    assert [i.name for i in rec1.indicators] == ["Factories with smart lines", "Workshops held"]


# --- Scope ----------------------------------------------------------------------------------------


def test_one_recommendation(record):
    report = gather_report(record.cur, recommendation=record.rec1)
    assert (report.scope, report.scope_label) == ("recommendation", "Recommendation 1")
    assert [s.number for s in report.sections] == [1]
    assert [a.code for a in report.activities] == ["R1.1", "R1.2"]
    assert [i.name for i in report.sections[0].indicators] == ["Factories with smart lines", "Workshops held"]
    assert [(a.activity_code, a.party) for a in report.annex] == [("R1.1", "Thailand"), ("R1.1", "Viet Nam")]
    assert report.approved_updates == 2
    assert counts(report.flag_totals) == {"green": 2, "amber": 0, "red": 0}
    assert report.completion == 30.0
    assert [
        (p.party, p.activities_led, p.activities_joined, p.expected, p.approved) for p in report.participation
    ] == [
        ("Thailand", 1, 1, 2, 1),
        ("Viet Nam", 1, 0, 1, 1),
        ("COSTI", 0, 1, 0, 0),
    ]


def test_one_member_state_sees_its_activities_and_its_own_reports_only(record):
    report = gather_report(record.cur, member_state=record.th)
    assert (report.scope, report.scope_label) == ("member_state", "Thailand")
    assert [a.code for a in report.activities] == ["R1.1", "R1.2", "R2.2"]  # joins R1.1, leads the others
    rows = rows_by_code(report)
    # The activity's status is the activity's, whoever reported it; the narrative is Thailand's.
    assert state(rows["R1.1"]) == ("ongoing", "green", 60, False)
    assert (rows["R1.1"].narrative, rows["R1.1"].narrative_party, rows["R1.1"].updates_this_cycle) == (
        "TH joined late.",
        "Thailand",
        1,
    )
    assert [(a.activity_code, a.party) for a in report.annex] == [("R1.1", "Thailand"), ("R2.2", "Thailand")]
    assert report.approved_updates == 2
    assert report.previous_approved_updates == 1  # TH on R2.2 in 2025-H1
    indicators = {i.name: i for s in report.sections for i in s.indicators}
    assert set(indicators) == {"Factories with smart lines", "Workshops held", "Test beds"}
    assert values(indicators["Factories with smart lines"]) == [("Thailand", Decimal("7"), "2025-H2", "")]
    assert values(indicators["Test beds"]) == [("Thailand", Decimal("40"), "2025-H2", "")]
    assert [
        (p.party, p.activities_led, p.activities_joined, p.expected, p.approved) for p in report.participation
    ] == [("Thailand", 2, 1, 3, 2)]


def test_a_member_state_scope_leaves_out_asean_wide_and_other_states_values(record):
    report = gather_report(record.cur, member_state=record.vn)
    assert [a.code for a in report.activities] == ["R1.1", "R2.1"]
    assert [s.number for s in report.sections] == [1, 2]
    indicators = {i.name: i for s in report.sections for i in s.indicators}
    assert values(indicators["Enterprises assessed"]) == [
        ("Viet Nam", Decimal("125"), "2025-H2", "Corrected figure")
    ]
    assert values(indicators["Factories with smart lines"]) == [("Viet Nam", Decimal("5"), "2025-H2", "")]
    assert "Test beds" not in indicators
    assert [(a.activity_code, a.party) for a in report.annex] == [("R1.1", "Viet Nam"), ("R2.1", "Viet Nam")]
    assert [
        (p.party, p.activities_led, p.activities_joined, p.expected, p.approved) for p in report.participation
    ] == [("Viet Nam", 2, 0, 2, 2)]


def test_a_member_state_owing_a_report_on_an_activity_it_does_not_join(record):
    report = gather_report(record.cur, member_state=record.my)
    # Malaysia neither leads nor joins anything, but the secretariat asked it to report on R2.2
    # this cycle: that activity is in its report, with nothing approved from it yet.
    assert [a.code for a in report.activities] == ["R2.2"]
    assert [s.number for s in report.sections] == [2]
    assert report.annex == [] and report.approved_updates == 0
    assert [
        (p.party, p.activities_led, p.activities_joined, p.expected, p.approved) for p in report.participation
    ] == [("Malaysia", 0, 0, 1, 0)]
    # In the previous cycle it owed nothing on R2.2, so its report for that cycle is empty.
    earlier = gather_report(record.prev, member_state=record.my)
    assert earlier.activities == [] and earlier.sections == []
    assert [(p.party, p.expected) for p in earlier.participation] == [("Malaysia", 0)]


def test_a_recommendation_and_a_member_state_together_are_refused(record):
    with pytest.raises(ValueError):
        gather_report(record.cur, recommendation=record.rec1, member_state=record.vn)


# --- Participation and the annex --------------------------------------------------------------------


def test_participation_counts_the_cycles_due_updates(record):
    report = gather_report(record.cur)
    assert [
        (p.party, p.is_member_state, p.activities_led, p.activities_joined, p.expected, p.approved)
        for p in report.participation
    ] == [
        # Asked for one report beyond the plan, not yet written.
        ("Malaysia", True, 0, 0, 1, 0),
        # Leads R1.2 and R2.2, joins R1.1; owes R1.1 (approved), R1.2 (submitted), R2.2 (approved).
        ("Thailand", True, 2, 1, 3, 2),
        # Leads R1.1 and R2.1; both approved (R2.1 through its correction).
        ("Viet Nam", True, 2, 0, 2, 2),
        ("ACCMSME", False, 1, 0, 1, 1),
        # Leads R2.1 (returned); supports R1.2, which owes no report from a supporter.
        ("COSTI", False, 1, 1, 1, 0),
    ]
    assert (report.expected_total, report.approved_total) == (8, 5)
    assert [p.percent_approved for p in report.participation] == [0, 67, 100, 100, 0]


def test_shares_of_reports_round_halves_up():
    row = ParticipationRow(
        party="Viet Nam", is_member_state=True, activities_led=1, activities_joined=0, expected=8, approved=1
    )
    assert row.percent_approved == 13  # 12.5, as a spreadsheet rounds it
    assert Completeness(Counter({"approved": 5, "missing": 3})).percent_approved == 63  # 62.5


def test_the_annex_lists_this_cycles_approved_updates_in_the_report_order(record):
    report = gather_report(record.cur)
    u = record.u
    assert [(a.pk, a.activity_code, a.party) for a in report.annex] == [
        (u.a_th.pk, "R1.1", "Thailand"),
        (u.a_vn.pk, "R1.1", "Viet Nam"),
        (u.c_corr.pk, "R2.1", "Viet Nam"),
        (u.d_th.pk, "R2.2", "Thailand"),
        (u.e.pk, "RM.1", "ACCMSME"),  # the roadmap as a whole comes last, as its section does
    ]
    vn = report.annex[1]
    assert (vn.author, vn.approved_by, vn.status_label, vn.flag_label, vn.percent, vn.corrects) == (
        str(record.focal_vn),
        str(record.sec),
        "Ongoing",
        "Green",
        60,
        None,
    )
    assert (vn.activity_title, vn.recommendation_number, vn.narrative) == (
        "Activity R1.1",
        1,
        "VN ran the workshops.",
    )
    assert vn.indicator_values == [("Factories with smart lines", "Viet Nam", Decimal("5.00"), "factories")]
    assert vn.links == [("Workshop notes", "https://example.org/workshop")]
    assert vn.files == ["minutes.pdf"]
    assert vn.approved_at == record.u.a_vn.reviewed_at and vn.submitted_at == record.u.a_vn.submitted_at
    assert report.annex[4].recommendation_number is None


def test_the_report_heading(record):
    moment = datetime.datetime(2026, 1, 20, 3, 0, tzinfo=datetime.UTC)
    report = gather_report(record.cur, generated_by="Secretariat", generated_at=moment)
    assert (report.title, report.cycle_slug, report.cycle_name) == (
        "Progress report: Cycle 2025-H2",
        "2025-H2",
        "Cycle 2025-H2",
    )
    assert (report.period_start, report.period_end, report.deadline) == (
        D(2025, 7, 1),
        D(2025, 12, 31),
        D(2025, 12, 31),
    )
    assert (report.scope, report.scope_label, report.cycle_state) == ("roadmap", "The whole roadmap", "Open")
    assert (report.next_period_start, report.next_period_end) == (D(2026, 1, 1), D(2026, 6, 30))
    assert (report.generated_by, report.generated_at) == ("Secretariat", moment)
    assert report.roadmap_title == record.rec1.roadmap.title
    assert report.file_stem == "progress-report-2025-H2-roadmap-en"


# --- Vietnamese ---------------------------------------------------------------------------------


def test_vietnamese_titles_and_names(record):
    factories.ActivityFactory(
        roadmap=record.rec1.roadmap,
        recommendation=record.rec1,
        code="R1.3",
        title="English only",
        title_vi="",
    )
    report = gather_report(record.cur, language="vi")
    assert translation.get_language() == "en"  # the report's language does not leak out
    assert report.language == "vi"
    assert report.roadmap_title == record.rec1.roadmap.title_vi
    rows = rows_by_code(report)
    assert rows["R1.1"].title == "Hoạt động R1.1"
    assert rows["R1.3"].title == "English only"  # no Vietnamese title: the English one
    assert (rows["R1.1"].lead, rows["R1.1"].participants, rows["R1.1"].narrative_party) == (
        "Việt Nam",
        "Thái Lan",
        "Việt Nam",
    )
    first = report.sections[0]
    assert (first.title, first.short_title) == (record.rec1.title_vi, "Nhóm 1")
    assert first.milestones_achieved[0].title == "Hội thảo đã tổ chức"
    indicators = {i.owner: i for s in report.sections for i in s.indicators}
    assert indicators["R2.1"].name == "Doanh nghiệp được đánh giá"
    assert indicators["R2.2"].name == "Test beds"  # no Vietnamese name
    assert [v.member_state for v in indicators["R2.1"].values] == ["Việt Nam", "ASEAN"]
    assert [p.party for p in report.participation][:3] == ["Ma-lai-xi-a", "Thái Lan", "Việt Nam"]
    assert report.annex[0].party == "Thái Lan"
    assert report.annex[1].milestones == [("Hội thảo đã tổ chức", D(2025, 9, 15))]
    assert report.annex[2].indicator_values[0][:2] == ("Doanh nghiệp được đánh giá", "Việt Nam")
    scoped = gather_report(record.cur, member_state=record.vn, language="vi")
    assert scoped.scope_label == "Việt Nam"
    assert scoped.file_stem == "progress-report-2025-H2-viet-nam-vi"


# --- The plan's record as the fallback ---------------------------------------------------------------


@pytest.fixture
def first_report_later(roadmap, viet_nam, focal_vn, secretariat_user):
    """Nothing approved in 2025-H1; Viet Nam's first approved update comes in 2025-H2."""
    activity = factories.ActivityFactory(
        roadmap=roadmap,
        code="R1.1",
        status="not_started",
        flag="green",
        percent_complete=0,
        lead_member_states=[viet_nam],
    )
    prev = open_cycle(by=secretariat_user, **PREV)
    cur = open_cycle(by=secretariat_user, **CUR)
    approve(
        update=write_update(
            author=focal_vn,
            activity=activity,
            cycle=cur,
            proposed_status="ongoing",
            proposed_flag="amber",
            proposed_percent=80,
            narrative="Started.",
            submit=True,
        ),
        by=secretariat_user,
    )
    return prev, cur


def test_as_of_an_earlier_cycle_the_plan_fallback_ignores_later_approvals(first_report_later):
    prev, _cur = first_report_later
    (row,) = gather_report(prev).activities
    assert row.from_plan
    assert (row.status, row.flag, row.percent) == ("not_started", "green", 0)


def test_a_first_report_shows_as_a_change(first_report_later):
    _prev, cur = first_report_later
    report = gather_report(cur)
    assert [(c.field, c.before, c.after) for c in report.changes] == [
        ("status", "Not started", "Ongoing"),
        ("flag", "Green", "Amber"),
        ("percent", "0%", "80%"),
    ]


# --- Queries: gathered on the one large record (tests/helpers/large_record.py) -----------------------


SCOPES = ["roadmap", "recommendation", "member_state"]


def scope_kwargs(scope, record):
    return {
        "roadmap": {},
        "recommendation": {"recommendation": record.plan.recommendations[0]},
        "member_state": {"member_state": record.viet_nam},
    }[scope]


def gathered(record, scope):
    """The queries of gathering the open cycle's report in `scope`, and how much the report holds."""
    with CaptureQueriesContext(connection) as queries:
        report = gather_report(record.cycle, **scope_kwargs(scope, record))
    sections = report.sections
    return len(queries), {
        "activities": len(report.activities),
        "annex": len(report.annex),
        "participation": len(report.participation),
        "values": sum(len(i.values) for s in sections for i in s.indicators),
        "achieved": sum(len(s.milestones_achieved) for s in sections),
        "achieved or due next": sum(
            len(s.milestones_achieved) + len(s.milestones_due_next) for s in sections
        ),
        "matrix cells": sum(len(row.cells) for part in report.matrix.parts for row in part.rows),
        "due": report.discipline.total.due,
        "delivery issues": len(report.delivery_issues),
    }


@measures
def measure(record, size):
    """Each scope's report gathered (twice) at this size of the one large record."""
    results = {"activities": Activity.objects.count()}
    for scope in SCOPES:
        results[scope] = gathered(record, scope)
        results[scope, "again"] = gathered(record, scope)[0]
    return results


@pytest.fixture
def measured(measured_on_the_large_record):
    return measured_on_the_large_record[__name__]


@pytest.mark.slow
@pytest.mark.parametrize("scope", SCOPES)
def test_the_number_of_queries_does_not_grow_with_the_record(measured, scope):
    small, small_report = measured["small"][scope]
    big, big_report = measured["large"][scope]

    # The bigger record really is bigger in everything the report reads (at least three times, in the
    # recommendation that grows least; four to eight times in the others).
    assert measured["large"]["activities"] >= 4 * measured["small"]["activities"]
    assert big_report["activities"] >= 3 * small_report["activities"] > 0
    assert big_report["annex"] >= 3 * small_report["annex"] > 0
    assert big_report["participation"] >= small_report["participation"]
    assert big_report["values"] >= 3 * small_report["values"] > 0
    assert big_report["achieved or due next"] > small_report["achieved"] > 0
    assert big == small
    # The implementation matrix, the reporting discipline and the delivery issues are there too.
    assert big_report["matrix cells"] > small_report["matrix cells"] > 0
    assert big_report["due"] > small_report["due"] > 0
    assert big_report["delivery issues"] >= small_report["delivery issues"] > 0
    # 30, three constant queries for milestones as at the cycle's end, one for the updates awaiting
    # review; four for the indicators' results chain (cycles, indicators, values, member states);
    # three for the matrix (member states, reports due, bodies), two for the discipline (reports due
    # with their status, first submissions), two for delivery issues.
    assert measured["large"][scope, "again"] <= 46


def test_milestones_overdue_at_the_cycles_end_whether_or_not_re_planned(milestones):
    report = gather_report(milestones.cycle, recommendation=milestones.rec)
    (section,) = report.sections
    # Due (the baseline, or the planned date if earlier) before 31 December 2025 and not achieved
    # by then; "due this cycle, pending" falls due on the last day, so it is not overdue yet.
    assert titles(section.milestones_overdue) == ["slipped, pending", "brought forward", "no baseline"]
    rows = {row.title: row for row in section.milestones_overdue}
    end = D(2025, 12, 31)
    # Re-planned later: overdue since its baseline, with the planned date as the revised date.
    assert (rows["slipped, pending"].due_date, rows["slipped, pending"].revised_date) == (
        D(2025, 3, 1),
        D(2025, 9, 1),
    )
    assert rows["slipped, pending"].days_overdue == (end - D(2025, 3, 1)).days == 305
    # Brought forward: overdue since its planned date, which the plan moved.
    assert (rows["brought forward"].due_date, rows["brought forward"].revised_date) == (
        D(2025, 9, 1),
        D(2025, 9, 1),
    )
    # Never re-planned: overdue all the same, with no revised date.
    assert (rows["no baseline"].due_date, rows["no baseline"].days_overdue) == (D(2025, 11, 1), 60)
    assert rows["no baseline"].revised_date is None
    # The reason comes from the activity's latest approved update this cycle, and says so.
    assert rows["no baseline"].reason_source == "Narrative of the approved update of Viet Nam"
    assert rows["no baseline"].reason


def test_an_overdue_milestones_reason_is_the_latest_approved_challenges(
    milestones, focal_vn, secretariat_user
):
    update = write_update(
        author=focal_vn,
        activity=milestones.activity,
        cycle=milestones.cycle,
        submit=True,
        challenges="Experts not yet nominated by two member states.",
    )
    approve(update=update, by=secretariat_user)
    report = gather_report(milestones.cycle, recommendation=milestones.rec)
    (section,) = report.sections
    row = next(r for r in section.milestones_overdue if r.title == "no baseline")
    assert (row.reason, row.reason_source) == (
        "Experts not yet nominated by two member states.",
        "Challenges in the approved update of Viet Nam",
    )


def test_milestones_carry_the_precision_the_plan_gives_their_dates(milestones):
    factories.MilestoneFactory(
        activity=milestones.activity,
        title="pilot, second half of 2026",
        planned_date=D(2026, 1, 1),
        baseline_date=D(2026, 1, 1),
        date_precision="half_year",
    )
    report = gather_report(milestones.cycle, recommendation=milestones.rec)
    (section,) = report.sections
    rows = {row.title: row for row in section.milestones_due_next}
    assert (rows["pilot, second half of 2026"].precision, rows["next, first day"].precision) == (
        "half_year",
        "day",
    )
    # An approved update reports the day it was achieved, whatever the plan's precision.
    assert all(row.actual_precision == "day" for row in section.milestones_achieved)
