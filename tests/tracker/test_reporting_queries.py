"""The reporter's pages read a constant number of queries whatever the size of the record.

Each test counts one request at a small size (3 activities due, one round of review on the
measured update, one link and file), grows everything tenfold (30 activities due in every state,
other parties' updates, more milestones, indicators, links, files and review rounds), and checks
the count is the same. Run with `-s` to see the counts.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roadmap.models import ActivityStatus
from tests import factories
from tests.helpers import write_update
from tracker.cycles import services as cycle_services
from tracker.models import DueUpdate, ProgressUpdate, UpdateState
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class World:
    """The record around Viet Nam's update on R2.1, grown on demand."""

    def __init__(self, cycle, plan, focal_vn, focal_th, secretariat):
        self.cycle, self.plan = cycle, plan
        self.focal_vn, self.focal_th, self.secretariat = focal_vn, focal_th, secretariat
        self.viet_nam, self.thailand = focal_vn.member_state, focal_th.member_state
        self.activities = []
        self.rounds = 0
        # Due and missing at both sizes: the create page is measured on it.
        self.missing = self.add_activity("R1.99")
        # Viet Nam joins it but is not due: "other activities" is never empty.
        factories.ActivityFactory(
            code="R5.98", status=ActivityStatus.COMPLETED, participating_member_states=[self.viet_nam]
        )
        self.target = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True)
        self.review_round(links=1, files=1)

    def add_activity(self, code):
        activity = factories.ActivityFactory(
            code=code, lead_member_states=[self.viet_nam], participating_member_states=[self.thailand]
        )
        factories.MilestoneFactory(activity=activity)
        factories.IndicatorFactory(activity=activity)
        for party in (self.viet_nam, self.thailand):
            cycle_services.due_update_add(
                cycle=self.cycle, activity=activity, member_state=party, acting_user=self.secretariat
            )
        return activity

    def add_due(self, count):
        """Activities due from Viet Nam, its reports in every state, and Thailand's drafts beside."""
        for _ in range(count):
            n = len(self.activities)
            activity = self.add_activity(f"R3.{n + 1}")
            self.activities.append(activity)
            state = n % 5
            if state == 1:
                write_update(author=self.focal_vn, activity=activity, cycle=self.cycle)
            elif state >= 2:
                update = write_update(author=self.focal_vn, activity=activity, cycle=self.cycle, submit=True)
                if state == 3:
                    review_services.progress_update_return(
                        update=update, comment="More.", acting_user=self.secretariat
                    )
                elif state == 4:
                    review_services.progress_update_approve(update=update, acting_user=self.secretariat)
            write_update(author=self.focal_th, activity=activity, cycle=self.cycle)

    def review_round(self, links, files):
        """Viet Nam submits the target, the secretariat returns it, Viet Nam edits it with more content."""
        if self.target.state != UpdateState.SUBMITTED:
            update_services.progress_update_submit(update=self.target, acting_user=self.focal_vn)
        review_services.progress_update_return(
            update=self.target, comment=f"Round {self.rounds}: add detail.", acting_user=self.secretariat
        )
        self.rounds += 1
        update = ProgressUpdate.objects.get(pk=self.target.pk)
        update.narrative = f"Round {self.rounds} narrative."
        update.proposed_percent = min(100, 10 * self.rounds)
        activity = self.plan["activity"]
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        content = update_services.UpdateContent(
            achievements=[(m, yesterday) for m in activity.milestones.all()],
            indicator_values=[
                (i, state, 10 + self.rounds, "")
                for i in activity.indicators.all()
                for state in (self.viet_nam, None)
            ],
            links=[(f"https://example.org/{k}", f"Link {k}") for k in range(links)],
            new_files=[
                SimpleUploadedFile(f"r{self.rounds}-{k}.pdf", PDF, content_type="application/pdf")
                for k in range(files)
            ],
        )
        self.target = update_services.progress_update_save(
            update=update, content=content, acting_user=self.focal_vn, expected_version=update.version
        )
        assert self.target.state == UpdateState.RETURNED

    def grow(self):
        self.add_due(27)
        activity = self.plan["activity"]
        for k in range(3):
            factories.MilestoneFactory(activity=activity, title=f"Extra milestone {k}")
            factories.IndicatorFactory(activity=activity, name=f"Extra indicator {k}")
            factories.IndicatorFactory(activity=None, recommendation=activity.recommendation, name=f"Rec {k}")
        for _ in range(3):
            self.review_round(links=5, files=3)


@pytest.fixture
def world(cycle, plan, focal_vn, focal_th, secretariat_user):
    world = World(cycle, plan, focal_vn, focal_th, secretariat_user)
    world.add_due(3)
    return world


def count(client, url):
    client.get(url)  # warm-up: per-process caches are not the page's
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), len(response.content)


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


def test_query_counts_do_not_grow_with_the_record(world, django_assert_max_num_queries):
    # One build for every page: growing the record is what takes the time.
    users = {
        "focal point": world.focal_vn,
        "secretariat": world.secretariat,
        "observer": factories.ObserverFactory(),
    }
    clients = {}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)
    small = {(page, who): count(clients[who], PAGES[page](world)) for page, who in CASES}
    world.grow()
    assert DueUpdate.objects.filter(member_state=world.viet_nam).count() >= 30
    assert world.target.transitions.count() > 6 and world.target.evidence_files.count() > 5
    for page, who in CASES:
        url, client = PAGES[page](world), clients[who]
        small_count, small_length = small[page, who]
        client.get(url)
        with django_assert_max_num_queries(small_count, info=f"{page} as {who}") as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        print(f"QUERIES {who:<12} {page:<28} small={small_count:>3} large={len(captured):>3}")
        assert len(captured) == small_count, f"{page} as {who}"
        if page != "update create form":
            # Guard: the larger record really is on the page.
            assert len(response.content) > small_length, f"{page} as {who}"
