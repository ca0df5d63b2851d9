"""The plan's models: constraints the database enforces, and the rules the models compute."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import Role, User
from roadmap.models import (
    Activity,
    ActivityStatus,
    CountryFigure,
    Indicator,
    MemberState,
    Milestone,
    MilestoneState,
    Recommendation,
    milestone_state,
)
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _violates(callable_):
    """Run a write that bypasses validation and expect the database itself to refuse it."""
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


# --- Constraints enforced by the database ------------------------------------------------------


def test_percent_complete_outside_0_to_100_is_refused_by_the_database(plan):
    activity = plan["activity"]
    _violates(lambda: Activity.objects.filter(pk=activity.pk).update(percent_complete=150))
    activity.refresh_from_db()
    assert activity.percent_complete == 40
    # The bounds themselves are allowed.
    Activity.objects.filter(pk=activity.pk).update(percent_complete=100)
    Activity.objects.filter(pk=activity.pk).update(percent_complete=0)


def test_planned_end_before_start_is_refused_by_the_database(plan):
    activity = plan["activity"]

    def move_end():
        activity.planned_end = activity.planned_start - DAY
        activity.save()

    _violates(move_end)
    _violates(lambda: Activity.objects.filter(pk=activity.pk).update(planned_end=datetime.date(2023, 12, 31)))
    # The same day for start and end is a valid one-day activity.
    Activity.objects.filter(pk=activity.pk).update(planned_end=datetime.date(2024, 1, 1))


def test_baseline_end_before_start_is_refused_by_the_database(plan):
    activity = plan["activity"]
    _violates(
        lambda: Activity.objects.filter(pk=activity.pk).update(
            baseline_start=datetime.date(2025, 1, 1), baseline_end=datetime.date(2024, 12, 31)
        )
    )
    activity.refresh_from_db()
    assert activity.baseline_end == datetime.date(2027, 12, 31)


def test_duplicate_activity_code_is_refused_by_the_database(plan, roadmap):
    _violates(lambda: factories.ActivityFactory(roadmap=roadmap, code="R2.1"))
    assert Activity.objects.filter(code="R2.1").count() == 1


@pytest.mark.parametrize("bad_code", ["bad code", "r2.1", "R2", "R2.", "R2.1234", "2.1", "R-2.1"])
def test_activity_code_format_is_refused_by_the_database(plan, bad_code):
    activity = plan["activity"]
    _violates(lambda: Activity.objects.filter(pk=activity.pk).update(code=bad_code))
    activity.refresh_from_db()
    assert activity.code == "R2.1"


@pytest.mark.parametrize("good_code", ["R2.10", "X.1", "AB12.999"])
def test_activity_code_format_accepts_well_formed_codes(plan, good_code):
    activity = plan["activity"]
    Activity.objects.filter(pk=activity.pk).update(code=good_code)
    activity.refresh_from_db()
    assert activity.code == good_code


@pytest.mark.parametrize("number", [0, 6])
def test_recommendation_number_outside_1_to_5_is_refused_by_the_database(roadmap, number):
    rec = factories.RecommendationFactory(roadmap=roadmap, number=5)
    _violates(lambda: Recommendation.objects.filter(pk=rec.pk).update(number=number))
    _violates(lambda: Recommendation.objects.create(roadmap=roadmap, number=number, title="x", title_vi="x"))


def test_duplicate_recommendation_number_in_a_roadmap_is_refused_by_the_database(roadmap):
    Recommendation.objects.create(roadmap=roadmap, number=3, title="Third", title_vi="Thứ ba")
    _violates(lambda: Recommendation.objects.create(roadmap=roadmap, number=3, title="Again", title_vi="x"))
    other = factories.RoadmapFactory(slug="another-roadmap")
    # The same number in another roadmap is fine.
    Recommendation.objects.create(roadmap=other, number=3, title="Third", title_vi="Thứ ba")
    assert Recommendation.objects.filter(number=3).count() == 2


def test_indicator_on_both_an_activity_and_a_recommendation_is_refused(plan):
    indicator = plan["indicator"]
    _violates(lambda: Indicator.objects.filter(pk=indicator.pk).update(recommendation=plan["recommendation"]))
    _violates(
        lambda: Indicator.objects.create(
            activity=plan["activity"], recommendation=plan["recommendation"], name="Both", unit="x"
        )
    )


def test_indicator_on_neither_an_activity_nor_a_recommendation_is_refused(plan):
    indicator = plan["indicator"]
    _violates(lambda: Indicator.objects.filter(pk=indicator.pk).update(activity=None))
    _violates(lambda: Indicator.objects.create(name="Orphan", unit="x"))
    # On a recommendation alone is fine.
    Indicator.objects.create(recommendation=plan["recommendation"], name="Workstream-wide", unit="x")


def test_indicator_target_year_before_baseline_year_is_refused(plan):
    indicator = plan["indicator"]
    _violates(lambda: Indicator.objects.filter(pk=indicator.pk).update(baseline_year=2026, target_year=2025))
    indicator.refresh_from_db()
    assert (indicator.baseline_year, indicator.target_year) == (2020, 2025)
    Indicator.objects.filter(pk=indicator.pk).update(baseline_year=2025, target_year=2025)


def test_focal_point_without_member_state_is_refused_by_the_database(db):
    _violates(lambda: User.objects.create(username="stateless", role=Role.FOCAL_POINT))
    user = factories.ObserverFactory(username="becomes.focal")
    _violates(lambda: User.objects.filter(pk=user.pk).update(role=Role.FOCAL_POINT))


def test_body_representative_without_body_is_refused_by_the_database(db):
    _violates(lambda: User.objects.create(username="bodiless", role=Role.BODY_REPRESENTATIVE))
    user = factories.ObserverFactory(username="becomes.rep")
    _violates(lambda: User.objects.filter(pk=user.pk).update(role=Role.BODY_REPRESENTATIVE))


def test_duplicate_member_state_iso2_is_refused_by_the_database(viet_nam):
    _violates(
        lambda: MemberState.objects.create(
            iso2="VN", iso3="VNX", name="Another Viet Nam", joined_on=datetime.date(1995, 7, 28)
        )
    )
    assert MemberState.objects.filter(iso2="VN").count() == 1


def test_duplicate_country_figure_for_a_member_state_is_refused(viet_nam, thailand):
    factories.CountryFigureFactory(member_state=viet_nam, year=2019)
    _violates(lambda: factories.CountryFigureFactory(member_state=viet_nam, year=2019, value="1.00"))
    # Another year, another metric, or another state are separate figures.
    factories.CountryFigureFactory(member_state=viet_nam, year=2020)
    factories.CountryFigureFactory(
        member_state=viet_nam, year=2019, metric=CountryFigure.Metric.MANUFACTURING_GDP
    )
    factories.CountryFigureFactory(member_state=thailand, year=2019)
    assert CountryFigure.objects.count() == 4


def test_duplicate_asean_wide_country_figure_is_refused(db):
    factories.CountryFigureFactory(member_state=None, year=2019)
    # NULL member state: a plain unique constraint would let this through; the conditional one must not.
    _violates(lambda: factories.CountryFigureFactory(member_state=None, year=2019, value="2.00"))
    factories.CountryFigureFactory(member_state=None, year=2020)
    assert CountryFigure.objects.filter(member_state__isnull=True).count() == 2


# --- Milestone state: one rule in Python and in SQL ---------------------------------------------


TODAY = datetime.date(2026, 3, 15)


@pytest.mark.parametrize(
    ("planned", "actual", "expected"),
    [
        (TODAY + datetime.timedelta(days=31), None, MilestoneState.UPCOMING),
        (TODAY + datetime.timedelta(days=365), None, MilestoneState.UPCOMING),
        (None, None, MilestoneState.UPCOMING),
        (TODAY, None, MilestoneState.DUE_SOON),
        (TODAY + DAY, None, MilestoneState.DUE_SOON),
        (TODAY + datetime.timedelta(days=30), None, MilestoneState.DUE_SOON),
        (TODAY - DAY, None, MilestoneState.OVERDUE),
        (TODAY - datetime.timedelta(days=400), None, MilestoneState.OVERDUE),
        (
            TODAY - datetime.timedelta(days=10),
            TODAY - datetime.timedelta(days=10),
            MilestoneState.ACHIEVED_ON_TIME,
        ),
        (
            TODAY + datetime.timedelta(days=10),
            TODAY - datetime.timedelta(days=5),
            MilestoneState.ACHIEVED_ON_TIME,
        ),
        (None, TODAY, MilestoneState.ACHIEVED_ON_TIME),
        (
            TODAY - datetime.timedelta(days=10),
            TODAY - datetime.timedelta(days=9),
            MilestoneState.ACHIEVED_LATE,
        ),
    ],
)
def test_milestone_state_rule(settings, planned, actual, expected):
    settings.MILESTONE_DUE_SOON_DAYS = 30
    assert milestone_state(planned, actual, today=TODAY) == expected


def test_due_soon_window_follows_the_setting(settings):
    planned = TODAY + datetime.timedelta(days=10)
    settings.MILESTONE_DUE_SOON_DAYS = 10
    assert milestone_state(planned, None, today=TODAY) == MilestoneState.DUE_SOON
    settings.MILESTONE_DUE_SOON_DAYS = 9
    assert milestone_state(planned, None, today=TODAY) == MilestoneState.UPCOMING


def _milestones_around_today(activity):
    """One or more milestones in every state, around the real today (which the property uses)."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=30)
    specs = {
        "upcoming": (soon + DAY, None),
        "upcoming far": (today + datetime.timedelta(days=400), None),
        "due today": (today, None),
        "due at window end": (soon, None),
        "overdue": (today - DAY, None),
        "on time exactly": (today - datetime.timedelta(days=5), today - datetime.timedelta(days=5)),
        "on time early": (today + datetime.timedelta(days=5), today - datetime.timedelta(days=5)),
        "late": (today - datetime.timedelta(days=20), today - datetime.timedelta(days=2)),
        "late, planned in future": (today + datetime.timedelta(days=50), today + datetime.timedelta(days=60)),
    }
    return {
        title: factories.MilestoneFactory(
            activity=activity, title=title, planned_date=planned, actual_date=actual
        )
        for title, (planned, actual) in specs.items()
    }


def test_milestone_state_property_covers_every_state(settings, plan):
    settings.MILESTONE_DUE_SOON_DAYS = 30
    made = _milestones_around_today(plan["activity"])
    states = {title: m.state for title, m in made.items()}
    assert states == {
        "upcoming": MilestoneState.UPCOMING,
        "upcoming far": MilestoneState.UPCOMING,
        "due today": MilestoneState.DUE_SOON,
        "due at window end": MilestoneState.DUE_SOON,
        "overdue": MilestoneState.OVERDUE,
        "on time exactly": MilestoneState.ACHIEVED_ON_TIME,
        "on time early": MilestoneState.ACHIEVED_ON_TIME,
        "late": MilestoneState.ACHIEVED_LATE,
        "late, planned in future": MilestoneState.ACHIEVED_LATE,
    }
    assert made["overdue"].get_state_display() == "Overdue"


@pytest.mark.parametrize("due_soon_days", [30, 7])
def test_with_state_annotation_agrees_with_the_python_property(settings, plan, due_soon_days):
    settings.MILESTONE_DUE_SOON_DAYS = due_soon_days
    _milestones_around_today(plan["activity"])
    milestones = list(Milestone.objects.with_state())
    assert len(milestones) == 10  # the plan's own milestone and nine more
    assert {m.pk: m.state_value for m in milestones} == {m.pk: m.state.value for m in milestones}
    # Every state is represented, so the comparison exercised every branch.
    assert {m.state_value for m in milestones} == {s.value for s in MilestoneState}


def test_with_state_can_filter_by_state(settings, plan):
    settings.MILESTONE_DUE_SOON_DAYS = 30
    made = _milestones_around_today(plan["activity"])
    overdue = Milestone.objects.with_state().filter(state_value=MilestoneState.OVERDUE)
    assert list(overdue) == [made["overdue"]]


def test_milestone_queryset_overdue_upcoming_and_due_within(plan):
    activity = plan["activity"]
    plan["milestone"].delete()
    past = factories.MilestoneFactory(activity=activity, planned_date=TODAY - DAY)
    past_done = factories.MilestoneFactory(activity=activity, planned_date=TODAY - DAY, actual_date=TODAY)
    today = factories.MilestoneFactory(activity=activity, planned_date=TODAY)
    in_ten = factories.MilestoneFactory(activity=activity, planned_date=TODAY + datetime.timedelta(days=10))
    in_forty = factories.MilestoneFactory(activity=activity, planned_date=TODAY + datetime.timedelta(days=40))
    future_done = factories.MilestoneFactory(
        activity=activity, planned_date=TODAY + datetime.timedelta(days=5), actual_date=TODAY
    )

    assert set(Milestone.objects.overdue(today=TODAY)) == {past}
    assert set(Milestone.objects.upcoming(today=TODAY)) == {today, in_ten, in_forty}
    assert set(Milestone.objects.due_within(10, today=TODAY)) == {today, in_ten}
    assert set(Milestone.objects.due_within(9, today=TODAY)) == {today}
    assert set(Milestone.objects.achieved()) == {past_done, future_done}
    assert set(Milestone.objects.pending()) == {past, today, in_ten, in_forty}


# --- Activities: overdue, involvement, ordering, language ---------------------------------------


def test_activity_overdue_rules(roadmap):
    today = timezone.localdate()
    past, future = today - DAY, today + datetime.timedelta(days=100)

    def activity(code, end, status=ActivityStatus.ONGOING, milestones=()):
        a = factories.ActivityFactory(roadmap=roadmap, code=code, planned_end=end, status=status)
        for planned, actual in milestones:
            factories.MilestoneFactory(activity=a, planned_date=planned, actual_date=actual)
        return a

    end_passed = activity("R1.1", past)
    end_passed_delayed = activity("R1.2", past, status=ActivityStatus.DELAYED)
    end_passed_not_started = activity("R1.3", past, status=ActivityStatus.NOT_STARTED)
    milestone_overdue = activity("R1.4", future, milestones=[(past, None), (past - DAY, None)])
    activity("R1.5", past, status=ActivityStatus.COMPLETED)
    activity("R1.6", past, status=ActivityStatus.DISCONTINUED)
    activity("R1.7", future, status=ActivityStatus.COMPLETED, milestones=[(past, None)])
    activity("R1.8", future, milestones=[(past, past)])  # milestone done
    activity("R1.9", future, milestones=[(future, None)])  # milestone not yet due
    activity("R1.10", today)  # ends today: not yet overdue
    activity("R1.11", None)  # no planned end

    overdue = list(Activity.objects.overdue())
    # Listed once each even with two overdue milestones.
    assert sorted(a.code for a in overdue) == sorted(
        a.code for a in [end_passed, end_passed_delayed, end_passed_not_started, milestone_overdue]
    )
    assert len(overdue) == 4
    assert end_passed.is_overdue
    assert not Activity.objects.get(code="R1.5").is_overdue


def test_activity_overdue_takes_an_explicit_today(roadmap):
    activity = factories.ActivityFactory(roadmap=roadmap, planned_end=datetime.date(2030, 6, 30))
    assert not Activity.objects.overdue(today=datetime.date(2030, 6, 30)).exists()
    assert list(Activity.objects.overdue(today=datetime.date(2030, 7, 1))) == [activity]


def test_involving_member_state_and_body(roadmap, viet_nam, thailand, costi, accmsme):
    laos = factories.MemberStateFactory(iso2="LA", iso3="LAO", name="Lao PDR")
    led_by_vn = factories.ActivityFactory(roadmap=roadmap, lead_member_states=[viet_nam])
    joined_by_vn = factories.ActivityFactory(
        roadmap=roadmap, lead_member_states=[thailand], participating_member_states=[viet_nam]
    )
    both_vn = factories.ActivityFactory(
        roadmap=roadmap,
        lead_member_states=[viet_nam, thailand],
        participating_member_states=[viet_nam, laos],
        lead_bodies=[costi],
        supporting_bodies=[costi],
    )
    led_by_costi = factories.ActivityFactory(roadmap=roadmap, lead_bodies=[costi])
    supported_by_costi = factories.ActivityFactory(
        roadmap=roadmap, lead_bodies=[accmsme], supporting_bodies=[costi]
    )
    unrelated = factories.ActivityFactory(roadmap=roadmap, lead_bodies=[accmsme])

    vn = list(Activity.objects.involving_member_state(viet_nam))
    assert sorted(a.pk for a in vn) == sorted([led_by_vn.pk, joined_by_vn.pk, both_vn.pk])
    assert set(Activity.objects.involving_member_state(laos)) == {both_vn}
    costi_acts = list(Activity.objects.involving_body(costi))
    assert sorted(a.pk for a in costi_acts) == sorted([both_vn.pk, led_by_costi.pk, supported_by_costi.pk])
    assert unrelated not in Activity.objects.involving_body(costi)
    assert set(Activity.objects.involving_body(accmsme)) == {supported_by_costi, unrelated}


def test_activity_sequence_sorts_r2_10_after_r2_9(roadmap):
    rec2 = factories.RecommendationFactory(roadmap=roadmap, number=2)
    rec1 = factories.RecommendationFactory(roadmap=roadmap, number=1)
    for code in ["R2.10", "R2.9", "R2.1", "R2.2", "R2.11"]:
        factories.ActivityFactory(roadmap=roadmap, recommendation=rec2, code=code)
    factories.ActivityFactory(roadmap=roadmap, recommendation=rec1, code="R1.12")
    assert Activity.objects.get(code="R2.10").sequence == 10
    assert list(Activity.objects.values_list("code", flat=True)) == [
        "R1.12",
        "R2.1",
        "R2.2",
        "R2.9",
        "R2.10",
        "R2.11",
    ]


def test_sequence_follows_a_changed_code(plan):
    activity = plan["activity"]
    activity.code = "R2.42"
    activity.save()
    activity.refresh_from_db()
    assert activity.sequence == 42


def test_local_title_is_vietnamese_under_vi_and_falls_back_to_english(plan):
    activity = plan["activity"]
    assert activity.local_title == "Readiness assessment pilots"
    with translation.override("vi"):
        assert activity.local_title == "Thí điểm đánh giá mức độ sẵn sàng"
        assert str(activity) == "R2.1 Thí điểm đánh giá mức độ sẵn sàng"
    activity.title_vi = ""
    with translation.override("vi"):
        assert activity.local_title == "Readiness assessment pilots"
    milestone = plan["milestone"]
    milestone.title_vi = "Báo cáo thí điểm"
    with translation.override("vi"):
        assert milestone.local_title == "Báo cáo thí điểm"
    with translation.override("en"):
        assert milestone.local_title == "Pilot report"


def test_member_state_local_name(viet_nam):
    with translation.override("vi"):
        assert viet_nam.local_name == "Việt Nam"
    assert viet_nam.local_name == "Viet Nam"


def test_the_activities_listed_as_involving_a_party_are_those_that_involve_it_one_by_one(
    roadmap, viet_nam, thailand, costi
):
    """`ActivityQuerySet.involving` (SQL, for lists) is the same rule as `Activity.involves` (one
    activity, from its prefetched owners): leads and participants, lead and supporting bodies."""
    accsq = factories.BodyFactory(acronym="ACCSQ")
    factories.ActivityFactory(roadmap=roadmap, code="R1.1", lead_member_states=[viet_nam])
    factories.ActivityFactory(roadmap=roadmap, code="R1.2", participating_member_states=[viet_nam, thailand])
    factories.ActivityFactory(roadmap=roadmap, code="R1.3", lead_bodies=[costi])
    factories.ActivityFactory(roadmap=roadmap, code="R1.4", supporting_bodies=[costi, accsq])
    factories.ActivityFactory(
        roadmap=roadmap, code="R1.5", lead_member_states=[thailand], supporting_bodies=[accsq]
    )
    activities = list(
        Activity.objects.prefetch_related(
            "lead_member_states", "participating_member_states", "lead_bodies", "supporting_bodies"
        )
    )

    parties = [
        ("Viet Nam", {"member_state": viet_nam}, {"member_state_id": viet_nam.pk}, {"R1.1", "R1.2"}),
        ("Thailand", {"member_state": thailand}, {"member_state_id": thailand.pk}, {"R1.2", "R1.5"}),
        ("COSTI", {"body": costi}, {"body_id": costi.pk}, {"R1.3", "R1.4"}),
        ("ACCSQ", {"body": accsq.pk}, {"body_id": accsq.pk}, {"R1.4", "R1.5"}),
        ("nobody", {}, {}, set()),
    ]
    for name, by_query, by_ids, expected in parties:
        listed = set(Activity.objects.involving(**by_query).values_list("code", flat=True))
        one_by_one = {a.code for a in activities if a.involves(**by_ids)}
        assert listed == one_by_one == expected, name
