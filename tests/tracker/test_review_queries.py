"""The review queue, the cycle page with its matrix and the cycle list answer in a constant number of
queries: measured on a small record (3 activities), then on one ten times larger (30 activities, more
parties, updates in every state, evidence, more cycles), the count may not grow.
Run with `-s` to see the counts (lines starting with QUERIES)."""

import pytest
from django.test import Client
from django.urls import reverse, reverse_lazy

from tests import factories
from tests.helpers import write_update
from tests.helpers.large_record import built_once, count_queries
from tracker.cycles import services as cycle_services
from tracker.review import services as review_services
from tracker.updates import services as update_services

# Also makes pytest-django set up the test database for the module-scoped `measured` fixture.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SMALL, LARGE = 3, 30


class Record:
    """A growing record: activities across recommendations, each due from several parties in one
    open cycle, with updates in every state."""

    def __init__(self, roadmap, viet_nam, thailand, costi, secretariat):
        self.roadmap, self.secretariat = roadmap, secretariat
        self.states, self.bodies = [viet_nam, thailand], [costi]
        self.reporters = {}
        self.activities = []
        self.cycle = factories.ReportingCycleFactory(slug="2026-H2")
        cycle_services.cycle_open(cycle=self.cycle, acting_user=secretariat)
        self.add_reporter(viet_nam), self.add_reporter(thailand), self.add_reporter(costi)

    def add_reporter(self, party):
        if party.__class__.__name__ == "Body":
            user = factories.BodyRepresentativeFactory(username=f"rep.{party.acronym.lower()}", body=party)
        else:
            user = factories.FocalPointFactory(username=f"focal.{party.iso2.lower()}", member_state=party)
        self.reporters[party] = user
        return user

    def grow(self, activities):
        extra = len(self.activities) // 5  # more parties as the record grows
        while len(self.states) < 2 + extra:
            state = factories.MemberStateFactory(iso2=f"Z{chr(65 + len(self.states))}")
            self.states.append(state)
            self.add_reporter(state)
        while len(self.bodies) < 1 + extra // 2:
            body = factories.BodyFactory(acronym=f"WG{len(self.bodies)}")
            self.bodies.append(body)
            self.add_reporter(body)
        factories.ReportingCycleFactory()  # one more (planned) cycle in the list
        while len(self.activities) < activities:
            self.add_activity(len(self.activities))

    def add_activity(self, i):
        number = i % 5 + 1
        recommendation = factories.RecommendationFactory(roadmap=self.roadmap, number=number)
        activity = factories.ActivityFactory(
            roadmap=self.roadmap, recommendation=recommendation, code=f"R{number}.{i + 1}"
        )
        self.activities.append(activity)
        # A rotating handful of parties owes a report on each activity.
        parties = [self.states[i % len(self.states)], self.states[(i + 1) % len(self.states)]]
        parties.append(self.bodies[i % len(self.bodies)])
        for party in parties:
            kind = "body" if party in self.bodies else "member_state"
            cycle_services.due_update_add(
                cycle=self.cycle, activity=activity, acting_user=self.secretariat, **{kind: party}
            )
        first, second, third = (self.reporters[p] for p in parties)
        links = update_services.UpdateContent(links=[("https://example.org/report.pdf", "Report")])
        submitted = update_services.new_update(activity=activity, cycle=self.cycle, author=first)
        submitted.narrative, submitted.proposed_percent = "Work went on.", 50
        update_services.progress_update_save(update=submitted, content=links, acting_user=first, submit=True)
        other = write_update(author=second, activity=activity, cycle=self.cycle, submit=i % 3 != 0)
        if i % 3 == 1:
            review_services.progress_update_approve(update=other, acting_user=self.secretariat)
        elif i % 3 == 2:
            review_services.progress_update_return(
                update=other, comment="More.", acting_user=self.secretariat
            )
        if i % 2:
            write_update(author=third, activity=activity, cycle=self.cycle, submit=True)


QUEUE = reverse_lazy("tracker:review_queue")
# What is measured: (test, user, the page's path on the record); the tests below read the results.
CASES = {
    "queue": ("secretariat", lambda r: f"{QUEUE}"),
    "queue ?member_state=TH&q=R": ("secretariat", lambda r: f"{QUEUE}?member_state=TH&q=R"),
    "queue ?sort=-activity": ("secretariat", lambda r: f"{QUEUE}?sort=-activity"),
    "cycle page secretariat": ("secretariat", lambda r: r.cycle.get_absolute_url()),
    "cycle page focal point": ("focal point", lambda r: r.cycle.get_absolute_url()),
    "cycle page observer": ("observer", lambda r: r.cycle.get_absolute_url()),
    "filtered matrix": (
        "secretariat",
        lambda r: r.cycle.get_absolute_url() + "?recommendation=2&status=missing",
    ),
    "cycle list": ("observer", lambda r: reverse("tracker:cycle_list")),
    "who reports": (
        "secretariat",
        lambda r: reverse("tracker:cycle_activity_parties", args=[r.cycle.slug, r.activities[0].code]),
    ),
}


def facts(response):
    """What the checks below need from a page, read while its record is still there."""
    context = response.context
    return {
        "query": response.request["QUERY_STRING"],
        "queue_rows": len(list(context["table"].paginated_rows)) if "table" in context else None,
        "matrix_rows": len(context["matrix_rows"]) if "matrix_rows" in context else None,
    }


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every page measured on one record at both sizes: built once for the module, rolled back after."""
    results = {}
    with built_once(django_db_blocker, media_root=tmp_path_factory.mktemp("media")):
        viet_nam = factories.MemberStateFactory(iso2="VN", iso3="VNM", name="Viet Nam", name_vi="Việt Nam")
        thailand = factories.MemberStateFactory(iso2="TH", iso3="THA", name="Thailand", name_vi="Thái Lan")
        costi = factories.BodyFactory(
            acronym="COSTI", name="ASEAN Committee on Science, Technology and Innovation"
        )
        secretariat = factories.SecretariatFactory(username="sec")
        record = Record(factories.RoadmapFactory(), viet_nam, thailand, costi, secretariat)
        users = {
            "secretariat": secretariat,
            "observer": factories.ObserverFactory(username="observer"),
            "focal point": record.reporters[thailand],
        }
        clients = {}
        for who, user in users.items():
            clients[who] = Client()
            clients[who].force_login(user)
        for size, activities in (("small", SMALL), ("large", LARGE)):
            record.grow(activities)
            for case, (who, path_of) in CASES.items():
                path = path_of(record)
                count, response = count_queries(clients[who], path)
                if size == "large":
                    print(f"QUERIES {path} as {users[who].role}: {results[case]['small'][0]}")
                results.setdefault(case, {})[size] = (count, facts(response))
    return results


def assert_constant(measured, case, check=None):
    (small, small_facts), (large, large_facts) = measured[case]["small"], measured[case]["large"]
    assert large <= small, f"{case}: {small} queries on the small record, {large} on the large one"
    if check:
        check(small_facts, SMALL)
        check(large_facts, LARGE)


def queue_rows(facts, activities):
    # Rows on every page measured: an empty page would skip the prefetches and flatter the count.
    assert facts["queue_rows"]
    if not facts["query"]:
        assert facts["queue_rows"] >= min(activities, 25)


def matrix_rows(facts, activities):
    assert facts["matrix_rows"] == activities


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
