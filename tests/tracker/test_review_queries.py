"""The review queue, the cycle page with its matrix and the cycle list answer in a constant number of
queries: measured on the one large record (tests/helpers/large_record.py) at its small size, then at
its large one (ten times the activities due, more parties, updates in every state, evidence, more
cycles), the count may not grow.
Run with `-s` to see the counts (lines starting with QUERIES)."""

import pytest
from django.urls import reverse, reverse_lazy

from tests.helpers.large_record import count_queries, measures
from tracker.models import UpdateState

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

QUEUE = reverse_lazy("tracker:review_queue")
# What is measured: (test, user, the page's path on the record); the tests below read the results.
CASES = {
    "queue": ("secretariat", lambda r: f"{QUEUE}"),
    "queue ?member_state=TH&q=R": ("secretariat", lambda r: f"{QUEUE}?member_state=TH&q=R"),
    "queue ?sort=-activity": ("secretariat", lambda r: f"{QUEUE}?sort=-activity"),
    "cycle page secretariat": ("secretariat", lambda r: r.cycle.get_absolute_url()),
    "cycle page focal point": ("focal point TH", lambda r: r.cycle.get_absolute_url()),
    "cycle page observer": ("observer", lambda r: r.cycle.get_absolute_url()),
    "filtered matrix": (
        "secretariat",
        lambda r: r.cycle.get_absolute_url() + "?recommendation=2&status=missing",
    ),
    "cycle list": ("observer", lambda r: reverse("tracker:cycle_list")),
    "who reports": (
        "secretariat",
        lambda r: reverse("tracker:cycle_activity_parties", args=[r.cycle.slug, r.due[0].code]),
    ),
}


def facts(response, record):
    """What the checks below need from a page, read while its record is still there."""
    context = response.context
    return {
        "query": response.request["QUERY_STRING"],
        "queue_rows": len(list(context["table"].paginated_rows)) if "table" in context else None,
        "matrix_rows": len(context["matrix_rows"]) if "matrix_rows" in context else None,
        "activities due": record.cycle.due_updates.values("activity").distinct().count(),
        "activities submitted": record.cycle.updates.filter(state=UpdateState.SUBMITTED)
        .values("activity")
        .distinct()
        .count(),
    }


@measures
def measure(record, size):
    """Every page at this size of the large record."""
    clients = record.clients()
    results = {}
    for case, (who, path_of) in CASES.items():
        count, response, _ = count_queries(clients[who], path_of(record))
        results[case] = (count, facts(response, record))
    return results


@pytest.fixture
def measured(measured_on_the_large_record):
    return measured_on_the_large_record[__name__]


def assert_constant(measured, case, check=None):
    (small, small_facts), (large, large_facts) = measured["small"][case], measured["large"][case]
    print(f"QUERIES {case}: small={small} large={large}")
    assert large <= small, f"{case}: {small} queries on the small record, {large} on the large one"
    assert large_facts["activities due"] >= 6 * small_facts["activities due"]
    if check:
        check(small_facts)
        check(large_facts)


def queue_rows(facts):
    # Rows on every page measured: an empty page would skip the prefetches and flatter the count.
    assert facts["queue_rows"]
    if not facts["query"]:
        assert facts["queue_rows"] >= min(facts["activities submitted"], 25)


def matrix_rows(facts):
    assert facts["matrix_rows"] == facts["activities due"]


@pytest.mark.parametrize("query", ["", "?member_state=TH&q=R", "?sort=-activity"])
def test_the_review_queue(measured, query):
    assert_constant(measured, f"queue {query}".strip(), queue_rows)


@pytest.mark.parametrize("who", ["secretariat", "focal point", "observer"])
def test_the_cycle_page(measured, who):
    assert_constant(measured, f"cycle page {who}", matrix_rows if who != "observer" else None)


def test_the_filtered_matrix(measured):
    assert_constant(measured, "filtered matrix")


def test_the_cycle_list(measured):
    assert_constant(measured, "cycle list")


def test_who_reports_on_an_activity(measured):
    assert_constant(measured, "who reports")
