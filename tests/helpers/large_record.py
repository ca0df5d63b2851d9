"""The one large record every query-count test measures against, records built once per module (the
two permission matrices' worlds), the objects of such a record read afresh in each test (`Records`),
and the query count of a page.

The large record (`LargeRecord`) is built once per test session (per pytest-xdist worker): a plan
(recommendations, activities with owners, milestones in every state, indicators, member states with
strategies and figures, bodies with children, R2.1's history through the services) and the record
on it (an open cycle with due updates from several parties, updates in every state, Viet Nam's
update on R2.1 through rounds of review with links and files, planned cycles). It is built at the
SMALL size, every query-count module's `@measures` function measures its pages, the record grows
to the LARGE size, every module measures again, and everything is rolled back: what the tests get
are the numbers (counts, lengths, facts), so no row outlives the build. See
`measured_on_the_large_record` in tests/conftest.py.

`built_once` opens an outer transaction in which a fixture builds (and measures) its record; on
leaving, everything is rolled back, so no row leaks into another module's tests or counts. Each
test then runs in its own savepoint on top (pytest-django's `db`). It works on SQLite and
PostgreSQL, and under pytest-xdist each worker builds its own.
"""

import datetime
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roadmap import services
from roadmap.models import Activity, ActivityStatus, Body, CountryFigure, Flag, Indicator, Milestone
from tests import factories
from tests.helpers.files import PDF
from tests.helpers.records import open_cycle, write_update
from tracker.cycles import services as cycle_services
from tracker.models import ProgressUpdate, UpdateState
from tracker.review import services as review_services
from tracker.updates import services as update_services


@contextmanager
def built_once(django_db_blocker, *, media_root=None):
    """Unblock the database for a module-scoped fixture; what it writes is rolled back on exit."""
    with ExitStack() as stack:
        if media_root is not None:
            stack.enter_context(override_settings(MEDIA_ROOT=media_root))
        stack.enter_context(django_db_blocker.unblock())
        stack.enter_context(transaction.atomic())
        yield
        transaction.set_rollback(True)


def count_queries(client, url):
    """The queries a second GET of `url` runs (the first warms per-process caches: content types,
    sessions), the response, which must be a 200, and its body (a streamed one read while counting)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, url
    return len(captured), response, body


# --- The one large record ------------------------------------------------------------------------

SMALL = {
    "recommendations": 2,
    "activities": 3,
    "milestones": 2,
    "states": 2,
    "bodies": 2,
    "changes": 1,
    "due": 3,
    "rounds": 1,
}
LARGE = {
    "recommendations": 5,
    "activities": 40,
    "milestones": 4,
    "states": 10,
    "bodies": 8,
    "changes": 8,
    "due": 30,
    "rounds": 4,
}
SIZES = {"small": SMALL, "large": LARGE}
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


def build_plan():
    """The plan's base: recommendations 1 and 2, Viet Nam, COSTI and R2.1 (through the services)."""
    roadmap = factories.RoadmapFactory()
    editors = [factories.SecretariatFactory(username=f"sec{i}" if i else "sec") for i in range(3)]
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
    return plan


def grow_plan(plan, size):
    add_recommendations(plan, size["recommendations"])
    add_parties(plan, size["states"], size["bodies"])
    add_activities(plan, size["activities"] - len(plan.activities), size["milestones"])
    add_target_children(plan, size["milestones"], size["milestones"] // 2)
    add_changes(plan, size["changes"])
    plan.rec_indicator = plan.target.recommendation.indicators.first()


class LargeRecord:
    """The plan and the record on it, grown on demand (`grow(SMALL)`, then `grow(LARGE)`)."""

    def __init__(self):
        self.plan = plan = build_plan()
        self.secretariat = plan.editors[0]
        self.viet_nam, self.costi = plan.viet_nam, plan.costi
        self.thailand = factories.MemberStateFactory(
            iso2="TH", iso3="THA", name="Thailand", name_vi="Thái Lan"
        )
        plan.states.append(self.thailand)
        self.accmsme = factories.BodyFactory(acronym="ACCMSME", name="ASEAN Coordinating Committee on MSMEs")
        self.focal_vn = factories.FocalPointFactory(username="focal.vn", member_state=self.viet_nam)
        self.focal_th = factories.FocalPointFactory(username="focal.th", member_state=self.thailand)
        self.costi_rep = factories.BodyRepresentativeFactory(username="costi.rep", body=self.costi)
        self.observer = factories.ObserverFactory(username="observer")
        self.reporters = {
            self.viet_nam: self.focal_vn,
            self.thailand: self.focal_th,
            self.costi: self.costi_rep,
        }
        # An open cycle: due from the parties of R2.1 (Viet Nam leads it) and of what is added below.
        self.cycle = open_cycle(by=self.secretariat)
        self.due = []  # activities due from Viet Nam, Thailand and a third party, updates in every state
        self.missing = self.add_due_activity("R1.99", plan.recommendations[0])  # due, nobody started
        # Viet Nam joins it but is not due: its "other activities" are never empty.
        factories.ActivityFactory(
            roadmap=plan.roadmap,
            recommendation=plan.recommendations[0],
            code="R1.98",
            status=ActivityStatus.COMPLETED,
            participating_member_states=[self.viet_nam],
        )
        self.target = write_update(author=self.focal_vn, activity=plan.target, cycle=self.cycle, submit=True)
        self.rounds = 0

    def clients(self):
        """A signed-in client per role."""
        users = {
            "secretariat": self.secretariat,
            "observer": self.observer,
            "focal point": self.focal_vn,
            "focal point TH": self.focal_th,
            "body representative": self.costi_rep,
        }
        clients = {}
        for who, user in users.items():
            clients[who] = Client()
            clients[who].force_login(user)
        return clients

    def grow(self, size):
        grow_plan(self.plan, size)
        factories.ReportingCycleFactory()  # one more (planned) cycle in the list
        while len(self.due) < size["due"]:
            recommendations = self.plan.recommendations
            rec = recommendations[len(self.due) % len(recommendations)]
            self.due.append(self.add_due_activity(f"R{rec.number}.{len(self.due) + 2}", rec))
            self.add_updates(self.due[-1], len(self.due) - 1)
        while self.rounds < size["rounds"]:
            self.review_round(links=1 if not self.rounds else 5, files=1 if not self.rounds else 3)

    def third_parties(self):
        """Parties besides Viet Nam and Thailand that owe updates: more as the plan grows."""
        return [*self.plan.states[2:], *self.plan.bodies]

    def reporter(self, party):
        if party not in self.reporters:
            if isinstance(party, Body):
                user = factories.BodyRepresentativeFactory(
                    username=f"rep.{party.acronym.lower()}", body=party
                )
            else:
                user = factories.FocalPointFactory(username=f"focal.{party.iso2.lower()}", member_state=party)
            self.reporters[party] = user
        return self.reporters[party]

    def add_due_activity(self, code, recommendation):
        activity = factories.ActivityFactory(
            roadmap=self.plan.roadmap,
            recommendation=recommendation,
            code=code,
            lead_member_states=[self.viet_nam],
            participating_member_states=[self.thailand],
            supporting_bodies=[self.accmsme],
        )
        factories.MilestoneFactory(activity=activity)
        factories.IndicatorFactory(activity=activity)
        for party in (self.viet_nam, self.thailand):
            cycle_services.due_update_add(
                cycle=self.cycle, activity=activity, member_state=party, acting_user=self.secretariat
            )
        return activity

    def add_updates(self, activity, i):
        """Viet Nam's update in state i % 5 (approved, none, draft, submitted, returned), Thailand's in
        state i % 4 (draft, submitted, approved, returned), each with a milestone achieved and
        indicator values, and a third party's submitted with a link."""
        third_parties = self.third_parties()
        third = third_parties[i % len(third_parties)]
        kind = "body" if isinstance(third, Body) else "member_state"
        cycle_services.due_update_add(
            cycle=self.cycle, activity=activity, acting_user=self.secretariat, **{kind: third}
        )
        sec, yesterday = self.secretariat, timezone.localdate() - datetime.timedelta(days=1)
        milestone, indicator = activity.milestones.get(), activity.indicators.get()

        def write(author, party, submit):
            return write_update(
                author=author,
                activity=activity,
                cycle=self.cycle,
                submit=submit,
                proposed_status="ongoing",
                proposed_percent=20 + i,
                achievements=[(milestone, yesterday)],
                values=[(indicator, party, i, ""), (indicator, None, i + 1, "")],
            )

        if i % 5 != 1:
            update = write(self.focal_vn, self.viet_nam, submit=i % 5 != 2)
            if i % 5 == 0:
                review_services.progress_update_approve(update=update, acting_user=sec)
            elif i % 5 == 4:
                review_services.progress_update_return(update=update, comment="More.", acting_user=sec)
        other = write(self.focal_th, self.thailand, submit=i % 4 != 0)
        if i % 4 == 2:
            review_services.progress_update_approve(update=other, acting_user=sec)
        elif i % 4 == 3:
            review_services.progress_update_return(update=other, comment="More.", acting_user=sec)
        author = self.reporter(third)
        links = update_services.UpdateContent(links=[("https://example.org/report.pdf", "Report")])
        submitted = update_services.new_update(activity=activity, cycle=self.cycle, author=author)
        submitted.narrative, submitted.proposed_percent = "Work went on.", 50
        update_services.progress_update_save(update=submitted, content=links, acting_user=author, submit=True)

    def review_round(self, links, files):
        """Viet Nam submits R2.1's update, the secretariat returns it, Viet Nam edits it with more content."""
        if self.target.state != UpdateState.SUBMITTED:
            update_services.progress_update_submit(update=self.target, acting_user=self.focal_vn)
        review_services.progress_update_return(
            update=self.target, comment=f"Round {self.rounds}: add detail.", acting_user=self.secretariat
        )
        self.rounds += 1
        update = ProgressUpdate.objects.get(pk=self.target.pk)
        update.narrative = f"Round {self.rounds} narrative."
        update.proposed_percent = min(100, 10 * self.rounds)
        activity = self.plan.target
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


MEASURES = {}


def measures(function):
    """Register `function(record, size)` (size: "small" or "large") as its module's measurements on
    the large record: what it returns is the module's, by size, in `measured_on_the_large_record`."""
    MEASURES[function.__module__] = function
    return function


def measure_everything(django_db_blocker, *, media_root):
    """Build the large record, let every registered module measure it at both sizes, roll it back."""
    results = {module: {} for module in MEASURES}
    with built_once(django_db_blocker, media_root=media_root):
        record = LargeRecord()
        for size, dimensions in SIZES.items():
            record.grow(dimensions)
            for module, measure in MEASURES.items():
                results[module][size] = measure(record, size)
    return results


class Records(dict):
    """Objects by key, each read from the database the first time a test asks for it."""

    def __init__(self, model, pks):
        super().__init__()
        self.model, self.pks = model, pks

    def __missing__(self, key):
        pk = self.pks[key]
        self[key] = None if pk is None else self.model.objects.get(pk=pk)
        return self[key]
