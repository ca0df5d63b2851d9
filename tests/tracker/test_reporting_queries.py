"""The reporter's pages read a constant number of queries whatever the size of the record.

Measured on the one large record (tests/helpers/large_record.py): one request per page at its small
size (3 activities due, one round of review on Viet Nam's update on R2.1, one link and file), then at
its large one (30 activities due in every state, other parties' updates, more milestones,
indicators, links, files and review rounds); the count must be the same. Run with `-s` to see the
counts.
"""

import pytest
from django.urls import reverse

from tests.helpers.large_record import count_queries, measures
from tracker.models import DueUpdate

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PAGES = {
    "my activities": lambda w: reverse("tracker:my_activities"),
    "update detail": lambda w: reverse("tracker:update_detail", args=[w.target.pk]),
    "update edit form": lambda w: reverse("tracker:update_edit", args=[w.target.pk]),
    "update create form": lambda w: reverse("tracker:update_create", args=[w.cycle.slug, w.missing.code]),
    "update list": lambda w: reverse("tracker:update_list"),
    "update list filtered": lambda w: reverse("tracker:update_list") + "?state=draft&member_state=VN&q=R",
    "activity detail with panel": lambda w: reverse("roadmap:activity_detail", args=["R2.1"]),
}
CASES = [(page, "focal point") for page in PAGES] + [
    ("update detail", "secretariat"),
    ("update list", "observer"),
    ("activity detail with panel", "secretariat"),
]


@measures
def measure(record, size):
    """Every page at this size of the large record, and how large the record is around Viet Nam."""
    clients = record.clients()
    pages = {}
    for page, who in CASES:
        count, _, body = count_queries(clients[who], PAGES[page](record))
        pages[page, who] = count, len(body)
    return {
        "pages": pages,
        "due from VN": DueUpdate.objects.filter(member_state=record.viet_nam).count(),
        "target transitions": record.target.transitions.count(),
        "target files": record.target.evidence_files.count(),
    }


@pytest.fixture
def measured(measured_on_the_large_record):
    return measured_on_the_large_record[__name__]


def test_query_counts_do_not_grow_with_the_record(measured):
    small, large = measured["small"], measured["large"]
    assert large["due from VN"] >= 30
    assert large["target transitions"] > 6 and large["target files"] > 5
    for page, who in CASES:
        small_count, small_length = small["pages"][page, who]
        large_count, large_length = large["pages"][page, who]
        print(f"QUERIES {who:<12} {page:<28} small={small_count:>3} large={large_count:>3}")
        assert large_count == small_count, f"{page} as {who}"
        if page != "update create form":
            # Guard: the larger record really is on the page.
            assert large_length > small_length, f"{page} as {who}"
