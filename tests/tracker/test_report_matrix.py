"""tracker/reports/matrix.py: the report's member state × activity implementation matrix.

Roles from the plan's owners, reporting states from approved updates only (a correction in progress
leaves a report approved), never a word of an unapproved update; a member state's report shows its
own column only. Every expected cell is worked out by hand from the record below.
"""

import pytest

from tests import factories
from tests.helpers import approve, correct, open_cycle, write_update
from tracker.cycles import services as cycle_services
from tracker.models import DueUpdate
from tracker.reports.content import gather_report

pytestmark = pytest.mark.django_db

DRAFT_TEXT = "MATRIXDRAFT words nobody else may read"
CORRECTION_TEXT = "MATRIXCORRECTION figures being corrected"
SUBMITTED_TEXT = "MATRIXSUBMITTED awaiting review"


@pytest.fixture
def record(plan, roadmap, viet_nam, thailand, costi, secretariat_user, focal_vn, focal_th, costi_rep):
    """R2.1 (Viet Nam leads, Thailand takes part, COSTI supports) and R2.2 (Thailand leads); Malaysia
    is asked for a report on R2.2 that it does not owe by the plan, COSTI for one on R2.1."""
    sec = secretariat_user
    malaysia = factories.MemberStateFactory(iso2="MY", iso3="MYS", name="Malaysia", name_vi="Ma-lai-xi-a")
    r21 = plan["activity"]
    r22 = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=plan["recommendation"],
        code="R2.2",
        title="Factory data standards",
        lead_member_states=[thailand],
        is_illustrative=True,
    )
    rec3 = factories.RecommendationFactory(roadmap=roadmap, number=3)
    r31 = factories.ActivityFactory(
        roadmap=roadmap, recommendation=rec3, code="R3.1", title="Skills", lead_member_states=[thailand]
    )
    cycle = open_cycle(by=sec)
    cycle_services.due_update_add(cycle=cycle, activity=r22, member_state=malaysia, acting_user=sec)
    cycle_services.due_update_add(cycle=cycle, activity=r21, body=costi, acting_user=sec)

    approve(update=write_update(author=focal_vn, activity=r21, cycle=cycle, submit=True), by=sec)
    write_update(author=focal_th, activity=r21, cycle=cycle, narrative=DRAFT_TEXT, challenges=DRAFT_TEXT)
    th_r22 = approve(update=write_update(author=focal_th, activity=r22, cycle=cycle, submit=True), by=sec)
    correct(update=th_r22, author=focal_th, narrative=CORRECTION_TEXT)  # submitted, not approved
    write_update(author=costi_rep, activity=r21, cycle=cycle, submit=True, narrative=SUBMITTED_TEXT)
    return {"cycle": cycle, "malaysia": malaysia, "r31": r31, "rec3": rec3}


def cells(part):
    return {row.code: [cell.text for cell in row.cells] for row in part.rows}


def states(part):
    return {row.code: [(cell.role, cell.state) for cell in row.cells] for row in part.rows}


def test_each_cell_is_the_partys_role_and_its_approved_state(record):
    report = gather_report(record["cycle"])
    members, bodies = report.matrix.parts

    assert [c.short for c in members.columns] == ["MYS", "THA", "VNM"]
    assert [c.name for c in members.columns] == ["Malaysia", "Thailand", "Viet Nam"]
    assert states(members) == {
        # Viet Nam leads and is approved; Thailand takes part and has a draft only.
        "R2.1": [("", "not_due"), ("participant", "not_approved"), ("lead", "approved")],
        # Malaysia owes a report it has not given, with no role; Thailand's correction in progress
        # leaves its report approved; Viet Nam has no part in it.
        "R2.2": [("", "not_approved"), ("lead", "approved"), ("", "not_due")],
        "R3.1": [("", "not_due"), ("lead", "not_approved"), ("", "not_due")],
    }
    assert cells(members) == {
        "R2.1": ["", "P ○", "L ✓"],
        "R2.2": ["○", "L ✓", ""],
        "R3.1": ["", "L ○", ""],
    }
    labels = {row.code: [cell.label for cell in row.cells] for row in members.rows}
    assert labels["R2.1"] == ["No role, not due", "Participant, not approved yet", "Lead, approved"]
    assert [row.illustrative for row in members.rows] == [False, True, False]

    # Bodies: only COSTI owes a report; only R2.1 concerns it. It has submitted, not been approved.
    assert [c.short for c in bodies.columns] == ["COSTI"]
    assert states(bodies) == {"R2.1": [("participant", "not_approved")]}
    assert [symbol for symbol, _meaning in report.matrix.legend][2:5] == ["✓", "○", "–"]


def test_no_unapproved_words_reach_the_matrix(record):
    matrix = repr(gather_report(record["cycle"]).matrix)
    for text in (DRAFT_TEXT, CORRECTION_TEXT, SUBMITTED_TEXT):
        assert text.split()[0] not in matrix


def test_a_role_with_nothing_due_shows_the_role_only(record, secretariat_user):
    (due,) = DueUpdate.objects.filter(activity=record["r31"])
    cycle_services.due_update_remove(expected=due, acting_user=secretariat_user, reason="Finished.")
    members = gather_report(record["cycle"]).matrix.parts[0]
    assert cells(members)["R3.1"] == ["", "L –", ""]
    assert states(members)["R3.1"][1] == ("lead", "not_due")


def test_one_recommendation_has_its_activities_only(record):
    matrix = gather_report(record["cycle"], recommendation=record["rec3"]).matrix
    assert [list(cells(part)) for part in matrix.parts] == [["R3.1"]]
    assert len(matrix.parts[0].columns) == 3  # every member state still has its column


def test_a_member_state_report_shows_its_own_column_only(record, thailand):
    matrix = gather_report(record["cycle"], member_state=thailand).matrix
    (members,) = matrix.parts  # no bodies' part: other parties' reporting stays out
    assert [c.short for c in members.columns] == ["THA"]
    assert cells(members) == {"R2.1": ["P ○"], "R2.2": ["L ✓"], "R3.1": ["L ○"]}
    assert "own column only" in matrix.note


def test_a_member_state_asked_for_a_report_it_does_not_owe_by_the_plan(record):
    matrix = gather_report(record["cycle"], member_state=record["malaysia"]).matrix
    assert cells(matrix.parts[0]) == {"R2.2": ["○"]}
