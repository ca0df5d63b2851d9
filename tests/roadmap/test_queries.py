"""Every page's query count is constant in the size of the data (no N+1).

The module builds a small plan once, counts the queries of one request to every page (after a
warm-up request), grows the plan to a large one (more activities, milestones, owners, member
states, bodies, indicators and history), counts again, and rolls everything back. Each page's test
then checks that the large count does not exceed the small one. The plan is built with bulk_create
(`add_activities`) and the history through the real services, so the file runs in a few seconds.
Run with `-s` to see the counts (lines starting with QUERIES)."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roadmap import services
from roadmap.models import (
    Activity,
    ActivityStatus,
    Body,
    CountryFigure,
    Flag,
    Indicator,
    MemberState,
    Milestone,
)
from tests import factories
from tests.helpers.large_record import built_once

# Also makes pytest-django set up the test database for the module-scoped `measured` fixture.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SMALL = {"activities": 3, "milestones": 2, "states": 2, "bodies": 2, "changes": 1, "recommendations": 2}
LARGE = {"activities": 40, "milestones": 4, "states": 10, "bodies": 8, "changes": 8, "recommendations": 5}

STATUSES = list(ActivityStatus)
FLAGS = list(Flag)


@dataclass
class Plan:
    roadmap: object
    editors: list
    recommendations: list = field(default_factory=list)
    states: list = field(default_factory=list)
    bodies: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    target: object = None  # R2.1: the activity whose detail and forms are measured
    viet_nam: object = None
    costi: object = None
    rec_indicator: object = None


# --- Building plans quickly ----------------------------------------------------------------------


def add_recommendations(plan, upto):
    for number in range(len(plan.recommendations) + 1, upto + 1):
        plan.recommendations.append(factories.RecommendationFactory(roadmap=plan.roadmap, number=number))


def add_parties(plan, states, bodies):
    """Member states with strategies, figures, focal points and agencies; bodies with children."""
    while len(plan.states) < states:
        n = len(plan.states)
        state = factories.MemberStateFactory(iso2=f"Q{chr(65 + n)}", iso3=f"Q{chr(65 + n)}X")
        plan.states.append(state)
    while len(plan.bodies) < bodies:
        n = len(plan.bodies)
        plan.bodies.append(
            factories.BodyFactory(acronym=f"WG{n}", parent=plan.costi, member_state=plan.states[n % states])
        )
    vn, costi, k = plan.viet_nam, plan.costi, len(plan.bodies)
    # The measured member state and body get more of everything as the plan grows.
    for i in range(vn.strategies.count(), k):
        factories.NationalStrategyFactory(member_state=vn, name=f"Strategy {i}", year=2015 + i)
    for year in range(2015, 2015 + k):
        CountryFigure.objects.get_or_create(
            member_state=vn, metric=CountryFigure.Metric.INDUSTRY_GDP, year=year, defaults={"value": "30.5"}
        )
        CountryFigure.objects.get_or_create(
            member_state=None, metric=CountryFigure.Metric.INDUSTRY_GDP, year=year, defaults={"value": "35.1"}
        )
    for i in range(k):
        factories.FocalPointFactory(username=f"focal-vn-{i}", member_state=vn)
        factories.BodyRepresentativeFactory(username=f"costi-rep-{i}", body=costi)
        factories.BodyFactory(acronym=f"VNA{i}", kind=Body.Kind.NATIONAL_AGENCY, member_state=vn)


def add_activities(plan, n, milestones_each, indicators_each=2):
    """n activities with owners, milestones (overdue, due soon, upcoming, achieved) and indicators."""
    today = timezone.localdate()
    states, bodies, recs = plan.states, plan.bodies, plan.recommendations
    new = []
    for i in range(n):
        code_number = len(plan.activities) + i + 1
        rec = recs[i % len(recs)]
        end = today + datetime.timedelta(days=(-60 if i % 4 == 0 else 400))
        new.append(
            Activity(
                roadmap=plan.roadmap,
                recommendation=rec,
                code=f"Q{rec.number}.{code_number}",
                sequence=code_number,
                title=f"Activity {code_number} =formula-looking title",
                title_vi=f"Hoạt động {code_number}",
                expected_outputs="Reports",
                planned_start=today - datetime.timedelta(days=365),
                planned_end=end,
                baseline_start=today - datetime.timedelta(days=365),
                baseline_end=end,
                status=STATUSES[i % len(STATUSES)],
                flag=FLAGS[i % len(FLAGS)],
                percent_complete=(i * 7) % 101,
            )
        )
    new = Activity.objects.bulk_create(new)
    through = Activity.lead_member_states.through
    joined = Activity.participating_member_states.through
    led_by = Activity.lead_bodies.through
    supported = Activity.supporting_bodies.through
    lead_rows, joined_rows, led_body_rows, supported_rows = [], [], [], []
    for i, activity in enumerate(new):
        lead = states[i % len(states)]
        lead_rows.append(through(activity_id=activity.pk, memberstate_id=lead.pk))
        others = {s.pk for s in (states[(i + 1) % len(states)], states[(i + 2) % len(states)], plan.viet_nam)}
        joined_rows += [joined(activity_id=activity.pk, memberstate_id=pk) for pk in others - {lead.pk}]
        led_body_rows.append(led_by(activity_id=activity.pk, body_id=bodies[i % len(bodies)].pk))
        supporters = {plan.costi.pk, bodies[(i + 1) % len(bodies)].pk}
        supported_rows += [supported(activity_id=activity.pk, body_id=pk) for pk in supporters]
    through.objects.bulk_create(lead_rows)
    joined.objects.bulk_create(joined_rows)
    led_by.objects.bulk_create(led_body_rows)
    supported.objects.bulk_create(supported_rows)

    offsets = [-30, 10, 200, -90]  # overdue, due soon, upcoming, achieved late
    milestones = []
    for activity in new:
        for j in range(milestones_each):
            planned = today + datetime.timedelta(days=offsets[j % len(offsets)] + j)
            actual = planned + datetime.timedelta(days=5) if j % len(offsets) == 3 else None
            milestones.append(
                Milestone(
                    activity=activity,
                    title=f"{activity.code} milestone {j}",
                    planned_date=planned,
                    baseline_date=planned - datetime.timedelta(days=j),
                    actual_date=actual,
                )
            )
    Milestone.objects.bulk_create(milestones)
    Indicator.objects.bulk_create(
        Indicator(activity=activity, name=f"{activity.code} indicator {j}", unit="firms", target_value=10)
        for activity in new
        for j in range(indicators_each)
    )
    plan.activities += new
    return new


def _fresh(model, pk):
    return model.objects.get(pk=pk)


def add_changes(plan, count):
    """`count` rounds of changes to R2.1, its milestones and indicators, by alternating editors."""
    target = plan.target
    for i in range(count):
        user = plan.editors[i % len(plan.editors)]
        activity = _fresh(Activity, target.pk)
        activity.title = f"Readiness assessment pilots (round {activity.version})"
        activity.status = STATUSES[activity.version % 3]
        activity.planned_end = activity.planned_end + datetime.timedelta(days=30)
        services.activity_update(
            activity=activity,
            m2m={
                "lead_member_states": [plan.viet_nam],
                "participating_member_states": plan.states[: 1 + activity.version % len(plan.states)],
                "supporting_bodies": [plan.costi, *plan.bodies[: activity.version % len(plan.bodies)]],
            },
            expected_version=activity.version,
            reason=f"Slipped after review {i}",
            acting_user=user,
        )
        for milestone in target.milestones.all():
            milestone.title = f"{milestone.title.split(' (')[0]} (v{milestone.version + 1})"
            milestone.planned_date += datetime.timedelta(days=7)
            services.milestone_update(
                milestone=milestone, expected_version=milestone.version, reason="Moved", acting_user=user
            )
        for indicator in target.indicators.all():
            indicator.target_value = (indicator.target_value or 0) + 1
            services.indicator_update(
                indicator=indicator, expected_version=indicator.version, reason="", acting_user=user
            )


def add_target_children(plan, milestones, indicators):
    """Milestones and indicators on R2.1 and the recommendation, created through the services."""
    for i in range(plan.target.milestones.count(), milestones):
        services.milestone_create(
            milestone=Milestone(
                activity=plan.target,
                title=f"Pilot milestone {i}",
                planned_date=timezone.localdate() + datetime.timedelta(days=-20 + 15 * i),
            ),
            acting_user=plan.editors[0],
        )
    for i in range(plan.target.indicators.count(), indicators):
        services.indicator_create(
            indicator=Indicator(activity=plan.target, name=f"Pilot indicator {i}", unit="firms"),
            acting_user=plan.editors[0],
        )
        services.indicator_create(
            indicator=Indicator(
                recommendation=plan.target.recommendation, name=f"Rec indicator {i}", unit="x"
            ),
            acting_user=plan.editors[0],
        )


def build_plan(size):
    roadmap = factories.RoadmapFactory()
    editors = [factories.SecretariatFactory(username=f"sec{i}") for i in range(3)]
    plan = Plan(roadmap=roadmap, editors=editors)
    plan.viet_nam = factories.MemberStateFactory(iso2="VN", iso3="VNM", name="Viet Nam", name_vi="Việt Nam")
    plan.costi = factories.BodyFactory(acronym="COSTI", name="ASEAN Committee on STI")
    plan.states.append(plan.viet_nam)
    plan.bodies.append(plan.costi)
    add_recommendations(plan, 2)
    plan.target = services.activity_create(
        activity=Activity(
            roadmap=roadmap,
            recommendation=plan.recommendations[1],
            code="R2.1",
            title="Readiness assessment pilots",
            planned_start=datetime.date(2025, 1, 1),
            planned_end=datetime.date(2027, 6, 30),
        ),
        m2m={"lead_member_states": [plan.viet_nam], "supporting_bodies": [plan.costi]},
        acting_user=editors[0],
    )
    grow(plan, size)
    plan.rec_indicator = plan.target.recommendation.indicators.first()
    return plan


def grow(plan, size):
    add_recommendations(plan, size["recommendations"])
    add_parties(plan, size["states"], size["bodies"])
    add_activities(plan, size["activities"] - len(plan.activities), size["milestones"])
    add_target_children(plan, size["milestones"], size["milestones"] // 2)
    add_changes(plan, size["changes"])


def _sizes(plan):
    target = plan.target
    return {
        "activities": Activity.objects.count(),
        "milestones": Milestone.objects.count(),
        "overdue milestones": Milestone.objects.overdue().count(),
        "member states": MemberState.objects.count(),
        "bodies": Body.objects.count(),
        "VN leads": plan.viet_nam.activities_led.count(),
        "VN joins": plan.viet_nam.activities_joined.count(),
        "COSTI supports": plan.costi.activities_supported.count(),
        "COSTI children": plan.costi.children.count(),
        "R2.1 milestones": target.milestones.count(),
        "R2.1 indicators": target.indicators.count(),
        "R2.1 history": target.history.count(),
        "R2.1 milestone history": Milestone.history.filter(activity_id=target.pk).count(),
        "rec 2 activities": plan.recommendations[1].activities.count(),
        "rec 2 indicators": plan.recommendations[1].indicators.count(),
    }


# --- The pages -----------------------------------------------------------------------------------


def _list(**query):
    def url(p):
        resolved = {k: (v(p) if callable(v) else v) for k, v in query.items()}
        return reverse("roadmap:activity_list") + ("?" + "&".join(f"{k}={v}" for k, v in resolved.items()))

    return url


PAGES = {
    "dashboard": lambda p: reverse("roadmap:dashboard"),
    "recommendation list": lambda p: reverse("roadmap:recommendation_list"),
    "recommendation detail": lambda p: reverse("roadmap:recommendation_detail", args=[2]),
    "activity list": lambda p: reverse("roadmap:activity_list"),
    "activity list ?q": _list(q="Activity"),
    "activity list ?recommendation": _list(recommendation=lambda p: p.recommendations[1].pk),
    "activity list ?member_state": _list(member_state="VN"),
    "activity list ?body": _list(body="COSTI"),
    "activity list ?status": _list(status="ongoing"),
    "activity list ?flag": _list(flag="amber"),
    "activity list ?overdue": _list(overdue="true"),
    "activity list ?sort=title": _list(sort="title"),
    "activity list ?sort=-code": _list(sort="-code"),
    "activity list all filters": _list(
        q="a",
        recommendation=lambda p: p.recommendations[1].pk,
        member_state="VN",
        body="COSTI",
        sort="status",
    ),
    "activity list ?export=csv": _list(export="csv"),
    "activity list ?export=xlsx": _list(export="xlsx"),
    "activity list ?export=csv filtered": _list(export="csv", member_state="VN", overdue="true"),
    "activity detail": lambda p: reverse("roadmap:activity_detail", args=["R2.1"]),
    "milestone list": lambda p: reverse("roadmap:milestone_list"),
    "milestone list ?state=overdue": lambda p: reverse("roadmap:milestone_list") + "?state=overdue",
    "milestone list ?member_state": lambda p: reverse("roadmap:milestone_list") + "?member_state=VN",
    "milestone list ?sort=activity": lambda p: reverse("roadmap:milestone_list") + "?sort=activity",
    "member state list": lambda p: reverse("roadmap:member_state_list"),
    "member state detail": lambda p: reverse("roadmap:member_state_detail", args=["VN"]),
    "body list": lambda p: reverse("roadmap:body_list"),
    "body detail": lambda p: reverse("roadmap:body_detail", args=["COSTI"]),
    "activity create form": lambda p: reverse("roadmap:activity_create"),
    "activity edit form": lambda p: reverse("roadmap:activity_update", args=["R2.1"]),
    "milestone create form": lambda p: reverse("roadmap:milestone_create", args=["R2.1"]),
    "milestone edit form": lambda p: reverse(
        "roadmap:milestone_update", args=["R2.1", p.target.milestones.first().pk]
    ),
    "indicator create form": lambda p: reverse("roadmap:indicator_create", args=["R2.1"]),
    "indicator edit form": lambda p: reverse(
        "roadmap:indicator_update", args=["R2.1", p.target.indicators.first().pk]
    ),
    "recommendation indicator create form": lambda p: reverse(
        "roadmap:recommendation_indicator_create", args=[2]
    ),
    "recommendation indicator edit form": lambda p: reverse(
        "roadmap:recommendation_indicator_update", args=[2, p.rec_indicator.pk]
    ),
}


def count_queries(client, url):
    client.get(url)  # warm-up: per-process caches (content types, sessions) are not the page's
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, url
    return len(captured), len(body), [q["sql"] for q in captured.captured_queries]


ROLES = ["secretariat", "observer"]
# Forms whose page shows one record and no list: the same length at both sizes.
FIXED_SIZE_PAGES = {
    "milestone create form",
    "milestone edit form",
    "indicator create form",
    "indicator edit form",
    "recommendation indicator create form",
    "recommendation indicator edit form",
}
CASES = [(page, role) for page in PAGES for role in ROLES if not (role == "observer" and "form" in page)]


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """Every page measured at both sizes on one plan, built once and rolled back afterwards."""
    results = {}
    with built_once(django_db_blocker):
        plan = build_plan(SMALL)
        clients = {"secretariat": Client(), "observer": Client()}
        clients["secretariat"].force_login(plan.editors[0])
        clients["observer"].force_login(factories.ObserverFactory(username="obs"))
        sizes = {"small": _sizes(plan)}
        for page, role in CASES:
            results[page, role] = {"small": count_queries(clients[role], PAGES[page](plan))}
        grow(plan, LARGE)
        sizes["large"] = _sizes(plan)
        for page, role in CASES:
            results[page, role]["large"] = count_queries(clients[role], PAGES[page](plan))
    return {"pages": results, "sizes": sizes}


def test_the_large_plan_is_larger_in_every_direction(measured):
    small, large = measured["sizes"]["small"], measured["sizes"]["large"]
    for key, value in small.items():
        assert large[key] > value, key


@pytest.mark.parametrize(("page", "role"), CASES, ids=[f"{page}-{role}" for page, role in CASES])
def test_query_count_does_not_grow_with_the_data(measured, page, role):
    small, small_length, _ = measured["pages"][page, role]["small"]
    large, large_length, large_sql = measured["pages"][page, role]["large"]
    print(f"QUERIES {role:<11} {page:<40} small={small:>3} large={large:>3}")
    assert large <= small, f"{page}: {small} queries small, {large} large:\n" + "\n".join(large_sql)
    if page not in FIXED_SIZE_PAGES:
        # Guard: the large plan really is on the page (more rows, options or history).
        assert large_length > small_length, "the large plan does not show on the page"
