"""Every page's query count is constant in the size of the data (no N+1).

Measured on the one large record (tests/helpers/large_record.py): the queries of one request to
every page (after a warm-up request) on its small plan, then on the large one (more activities,
milestones, owners, member states, bodies, indicators and history). Each page's test then checks
that the large count does not exceed the small one. Run with `-s` to see the counts (lines starting
with QUERIES)."""

import pytest
from django.urls import reverse

from roadmap.models import (
    Activity,
    Body,
    MemberState,
    Milestone,
)
from tests.helpers.large_record import count_queries, measures

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


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


@measures
def measure(record, size):
    """Every page at this size of the large record, and the plan's size in every direction."""
    clients = record.clients()
    pages = {}
    for page, role in CASES:
        count, _, body = count_queries(clients[role], PAGES[page](record.plan))
        pages[page, role] = count, len(body)
    return {"pages": pages, "sizes": _sizes(record.plan)}


@pytest.fixture
def measured(measured_on_the_large_record):
    return measured_on_the_large_record[__name__]


def test_the_large_plan_is_larger_in_every_direction(measured):
    small, large = measured["small"]["sizes"], measured["large"]["sizes"]
    for key, value in small.items():
        assert large[key] > value, key


@pytest.mark.parametrize(("page", "role"), CASES, ids=[f"{page}-{role}" for page, role in CASES])
def test_query_count_does_not_grow_with_the_data(measured, page, role):
    small, small_length = measured["small"]["pages"][page, role]
    large, large_length = measured["large"]["pages"][page, role]
    print(f"QUERIES {role:<11} {page:<40} small={small:>3} large={large:>3}")
    assert large <= small, f"{page}: {small} queries small, {large} large"
    if page not in FIXED_SIZE_PAGES:
        # Guard: the large plan really is on the page (more rows, options or history).
        assert large_length > small_length, "the large plan does not show on the page"
