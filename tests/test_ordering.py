"""One order per list, with NULLs placed on purpose: the same on SQLite and PostgreSQL (CI runs both)."""

import datetime

import pytest

from roadmap.models import (
    ACTIVITY_ORDER_RELATED,
    STRATEGY_ORDER,
    Activity,
    CountryFigure,
    Milestone,
    NationalStrategy,
)
from roadmap.plan.tables import ActivityTable, MilestoneTable
from tests.factories import (
    ActivityFactory,
    BodyFactory,
    CountryFigureFactory,
    MemberStateFactory,
    MilestoneFactory,
    NationalStrategyFactory,
    RecommendationFactory,
    ReportingCycleFactory,
)
from tracker.models import DueUpdate

pytestmark = pytest.mark.django_db

# By recommendation, work on the roadmap as a whole (no recommendation) last; then sequence, code.
PLAN_ORDER = ["A1.2", "A1.10", "A2.1", "R0.1"]


@pytest.fixture
def activities():
    first, second = RecommendationFactory(number=1), RecommendationFactory(number=2)
    # Created out of order, so an order by pk alone would not pass.
    for code, recommendation in [("R0.1", None), ("A2.1", second), ("A1.10", first), ("A1.2", first)]:
        ActivityFactory(code=code, recommendation=recommendation)


def codes(activities):
    return [a.code for a in activities]


def test_activities_default_and_plan_order_put_roadmap_wide_work_last(activities):
    assert codes(Activity.objects.all()) == PLAN_ORDER
    assert codes(Activity.objects.in_plan_order()) == PLAN_ORDER


def test_related_lists_follow_their_activitys_order(activities):
    for activity in Activity.objects.all():
        MilestoneFactory(activity=activity)
    ordered = Milestone.objects.select_related("activity").order_by(*ACTIVITY_ORDER_RELATED)
    assert [m.activity.code for m in ordered] == PLAN_ORDER


def test_activity_table_sorts_by_code_in_plan_order_both_ways(activities):
    ascending = ActivityTable(Activity.objects.all(), order_by="code")
    descending = ActivityTable(Activity.objects.all(), order_by="-code")
    assert [row.record.code for row in ascending.rows] == PLAN_ORDER
    assert [row.record.code for row in descending.rows] == PLAN_ORDER[::-1]


def test_table_columns_that_may_be_empty_sort_empties_last_and_first_when_descending(activities):
    Activity.objects.filter(code="A2.1").update(planned_end=None)
    by_end = ActivityTable(Activity.objects.all(), order_by="planned_end")
    assert [row.record.code for row in by_end.rows][-1] == "A2.1"
    by_end_descending = ActivityTable(Activity.objects.all(), order_by="-planned_end")
    assert [row.record.code for row in by_end_descending.rows][0] == "A2.1"

    activity = Activity.objects.first()
    achieved = MilestoneFactory(activity=activity, title="Achieved", actual_date=datetime.date(2025, 3, 1))
    pending = MilestoneFactory(activity=activity, title="Pending", actual_date=None)
    by_actual = MilestoneTable(Milestone.objects.with_state(), order_by="actual_date")
    assert [row.record for row in by_actual.rows] == [achieved, pending]
    by_actual_descending = MilestoneTable(Milestone.objects.with_state(), order_by="-actual_date")
    assert [row.record for row in by_actual_descending.rows] == [pending, achieved]


def test_undated_strategies_come_after_dated_ones():
    state = MemberStateFactory()
    for name, year in [("Undated", None), ("Later", 2022), ("Earlier", 2018)]:
        NationalStrategyFactory(member_state=state, name=name, year=year)
    assert [s.name for s in NationalStrategy.objects.all()] == ["Earlier", "Later", "Undated"]
    assert [s.name for s in state.strategies.order_by(*STRATEGY_ORDER)] == ["Earlier", "Later", "Undated"]


def test_figures_for_asean_as_a_whole_come_first():
    state = MemberStateFactory(name="Viet Nam")
    CountryFigureFactory(member_state=state)
    CountryFigureFactory(member_state=None)
    assert [f.member_state_id for f in CountryFigure.objects.all()] == [None, state.pk]


def test_parties_member_states_by_name_then_bodies_by_acronym():
    cycle, activity = ReportingCycleFactory(), ActivityFactory()
    for party in [
        {"body": BodyFactory(acronym="AAA")},
        {"member_state": MemberStateFactory(name="Viet Nam")},
        {"body": BodyFactory(acronym="ZZZ")},
        {"member_state": MemberStateFactory(name="Brunei")},
    ]:
        DueUpdate.objects.create(cycle=cycle, activity=activity, **party)
    assert [d.party_label for d in DueUpdate.objects.in_party_order()] == ["Brunei", "Viet Nam", "AAA", "ZZZ"]
