"""The review queue, the cycle page with its matrix and the cycle list answer in a constant number of
queries: measured on a small record (3 activities), then on one ten times larger (30 activities, more
parties, updates in every state, evidence, more cycles), the count may not grow.
Run with `-s` to see the counts (lines starting with QUERIES)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.helpers import write_update
from tracker.cycles import services as cycle_services
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def record(roadmap, viet_nam, thailand, costi, secretariat_user):
    return Record(roadmap, viet_nam, thailand, costi, secretariat_user)


def count_queries(client, path):
    client.get(path)  # warm-up: sessions, content types, caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response


def assert_constant(record, user, path_of, django_assert_max_num_queries, check=None):
    client = Client()
    client.force_login(user)
    record.grow(SMALL)
    small, response = count_queries(client, path_of(record))
    if check:
        check(response, SMALL)
    record.grow(LARGE)
    client.get(path_of(record))
    print(f"QUERIES {path_of(record)} as {user.role}: {small}")
    with django_assert_max_num_queries(small):
        response = client.get(path_of(record))
    if check:
        check(response, LARGE)


def queue_rows(response, activities):
    # Rows on every page measured: an empty page would skip the prefetches and flatter the count.
    rows = list(response.context["table"].paginated_rows)
    assert rows
    if not response.request["QUERY_STRING"]:
        assert len(rows) >= min(activities, 25)


def matrix_rows(response, activities):
    assert len(response.context["matrix_rows"]) == activities


@pytest.mark.parametrize("query", ["", "?member_state=TH&q=R", "?sort=-activity"])
def test_the_review_queue(record, secretariat_user, django_assert_max_num_queries, query):
    assert_constant(
        record,
        secretariat_user,
        lambda r: reverse("tracker:review_queue") + query,
        django_assert_max_num_queries,
        queue_rows,
    )


@pytest.mark.parametrize("who", ["secretariat", "focal point", "observer"])
def test_the_cycle_page(record, secretariat_user, observer_user, django_assert_max_num_queries, who):
    user = {"secretariat": secretariat_user, "observer": observer_user}.get(who)
    if user is None:
        user = record.reporters[record.states[1]]
    assert_constant(
        record,
        user,
        lambda r: r.cycle.get_absolute_url(),
        django_assert_max_num_queries,
        matrix_rows if who != "observer" else None,
    )


def test_the_filtered_matrix(record, secretariat_user, django_assert_max_num_queries):
    assert_constant(
        record,
        secretariat_user,
        lambda r: r.cycle.get_absolute_url() + "?recommendation=2&status=missing",
        django_assert_max_num_queries,
    )


def test_the_cycle_list(record, observer_user, django_assert_max_num_queries):
    assert_constant(
        record, observer_user, lambda r: reverse("tracker:cycle_list"), django_assert_max_num_queries
    )


def test_who_reports_on_an_activity(record, secretariat_user, django_assert_max_num_queries):
    assert_constant(
        record,
        secretariat_user,
        lambda r: reverse("tracker:cycle_activity_parties", args=[r.cycle.slug, r.activities[0].code]),
        django_assert_max_num_queries,
    )
