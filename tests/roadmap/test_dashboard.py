"""The dashboard: progress per recommendation, member state × recommendation, milestones, the
tracker's panels (latest approved updates, the open cycle's completeness), its filters and the
focal point's default view. Figures are recomputed here from the rows, not through the selectors."""

import ast
import datetime
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from roadmap import charts, extensions
from roadmap.models import Activity, ActivityStatus, Milestone
from roadmap.selectors import ParticipationCell, RecommendationProgress
from tests import factories
from tests.helpers import approve, open_cycle, write_update
from tests.helpers.large_record import count_queries, measures
from tracker.models import DueStatus, DueUpdate, ProgressUpdate

pytestmark = pytest.mark.django_db

URL = reverse("roadmap:dashboard")
SVG = "{http://www.w3.org/2000/svg}"
STATUSES = list(ActivityStatus)


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def world(plan, roadmap, viet_nam, thailand, costi, accmsme):
    """Three recommendations; activities with mixed owners, statuses and percents; milestones."""
    recs = [factories.RecommendationFactory(roadmap=roadmap, number=n) for n in (1, 2, 3)]
    lao = factories.MemberStateFactory(iso2="LA", iso3="LAO", name="Lao PDR")
    grow(recs, [viet_nam, thailand, lao], [costi, accmsme], 6)
    return {"recs": recs, "states": [viet_nam, thailand, lao], "bodies": [costi, accmsme], **plan}


def grow(recs, states, bodies, n, start=0):
    """n more activities spread over the recommendations, owners, statuses and milestone states."""
    for i in range(start, start + n):
        lead, joined = states[i % len(states)], states[(i + 1) % len(states)]
        activity = factories.ActivityFactory(
            roadmap=recs[0].roadmap,
            recommendation=recs[i % len(recs)],
            code=f"X{i % len(recs) + 1}.{i + 1}",
            title=f'Activity {i} <&">',
            status=STATUSES[i % len(STATUSES)],
            percent_complete=(i * 17) % 101,
            lead_member_states=[lead],
            participating_member_states=[joined] if i % 2 else [joined, lead],
            lead_bodies=[bodies[i % len(bodies)]] if i % 3 == 0 else [],
            supporting_bodies=[bodies[(i + 1) % len(bodies)]] if i % 3 == 1 else [],
        )
        factories.MilestoneFactory(activity=activity, title="Overdue", planned_date=days(-10 - i))
        factories.MilestoneFactory(activity=activity, title="Due", planned_date=days(5 + i))
        factories.MilestoneFactory(activity=activity, title="Later", planned_date=days(120 + i))
        factories.MilestoneFactory(
            activity=activity, title="Done", planned_date=days(-30), actual_date=days(-31)
        )


# --- Independent computations --------------------------------------------------------------------


def involved(activity, member_state=None, body=None):
    if member_state is not None:
        owners = set(activity.lead_member_states.all()) | set(activity.participating_member_states.all())
        if member_state not in owners:
            return False
    if body is not None:
        owners = set(activity.lead_bodies.all()) | set(activity.supporting_bodies.all())
        if body not in owners:
            return False
    return True


def chosen(member_state=None, body=None):
    return [a for a in Activity.objects.all() if involved(a, member_state, body)]


def half_up(total, count):
    """The average to one decimal as a spreadsheet's ROUND gives it: halves up."""
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def expected_progress_rows(activities, recs):
    rows = []
    for rec in sorted(recs, key=lambda r: r.number):
        mine = [a for a in activities if a.recommendation_id == rec.pk]
        by_status = Counter(a.status for a in mine)
        average = half_up(sum(a.percent_complete for a in mine), len(mine)) if mine else Decimal("0.0")
        rows.append((rec.number, {s.value: by_status.get(s.value, 0) for s in ActivityStatus}, average))
    return rows


def expected_heatmap(activities, states, recs):
    rows = []
    for state in sorted(states, key=lambda s: s.name):
        cells = []
        for rec in sorted(recs, key=lambda r: r.number):
            mine = [
                a
                for a in activities
                if a.recommendation_id == rec.pk
                and state in (set(a.lead_member_states.all()) | set(a.participating_member_states.all()))
            ]
            if mine:
                avg = half_up(sum(a.percent_complete for a in mine), len(mine))
                cells.append(f"{len(mine)} · {charts.number(avg)}%")
            else:
                cells.append("–")
        rows.append([state.name, *cells])
    return rows


def all_recs():
    from roadmap.models import Recommendation

    return list(Recommendation.objects.all())


def page(client, user, query=""):
    client.force_login(user)
    response = client.get(URL + query)
    assert response.status_code == 200
    return response


# --- Progress per recommendation -----------------------------------------------------------------


def test_averages_and_shares_round_halves_up():
    progress = RecommendationProgress(
        recommendation=None, by_status={ActivityStatus.ONGOING.value: 1, ActivityStatus.DELAYED.value: 7}
    )
    progress.percent_sum = 386  # 386 / 8 = 48.25
    assert progress.average_percent == Decimal("48.3")
    shares = {status.value: pct for status, _count, pct in progress.status_rows()}
    assert (shares["ongoing"], shares["delayed"]) == (13, 88)  # 12.5 and 87.5
    cell = ParticipationCell(count=4, percent_sum=253)
    assert cell.average_percent == Decimal("63.3")


def test_progress_per_recommendation_counts_and_averages(client, world, secretariat_user):
    response = page(client, secretariat_user)
    progress = response.context["progress"]
    got = [(p.recommendation.number, p.by_status | {}, p.average_percent) for p in progress]
    got = [(n, {s.value: by.get(s.value, 0) for s in ActivityStatus}, avg) for n, by, avg in got]
    assert got == expected_progress_rows(list(Activity.objects.all()), all_recs())

    chart = response.context["progress_chart"]
    assert chart.headers[1:-1] == [str(s.label) for s in ActivityStatus]
    for row, (number, by_status, _avg) in zip(
        chart.rows, expected_progress_rows(chosen(), all_recs()), strict=True
    ):
        assert row[0].startswith(f"{number}.")
        assert row[1:-1] == [str(by_status[s.value]) for s in ActivityStatus]
        assert row[-1] == str(sum(by_status.values()))
    html = response.content.decode()
    assert chart.svg in html
    ET.fromstring(chart.svg)  # well-formed in the page too
    # The table is the charts' text alternative: every average is written in it.
    for _number, _by, average in expected_progress_rows(chosen(), all_recs()):
        assert f"{average}%" in html
    assert response.context["activity_total"] == Activity.objects.count()


def test_completion_chart_shows_each_average(client, world, secretariat_user):
    response = page(client, secretariat_user)
    chart = response.context["completion_chart"]
    expected = [f"{charts.number(avg)}%" for _n, _b, avg in expected_progress_rows(chosen(), all_recs())]
    assert [row[1] for row in chart.rows] == expected


# --- Member state × recommendation ----------------------------------------------------------------


def test_heatmap_counts_and_average_progress(client, world, secretariat_user):
    response = page(client, secretariat_user)
    chart = response.context["participation_chart"]
    assert chart.rows == expected_heatmap(chosen(), world["states"], all_recs())
    # An activity Viet Nam both leads and joins counts once.
    both = [
        a
        for a in chosen()
        if world["states"][0] in a.lead_member_states.all()
        and world["states"][0] in a.participating_member_states.all()
    ]
    assert both, "the data has activities led and joined by the same member state"
    html = response.content.decode()
    assert 'id="chart-participation-table"' in html  # the figures as a table
    assert "1. Workstream 1" in chart.headers


# --- Milestones ----------------------------------------------------------------------------------


def test_milestones_overdue_and_due_within_ninety_days(client, world, secretariat_user):
    response = page(client, secretariat_user)
    pending = Milestone.objects.filter(actual_date__isnull=True)
    overdue = sorted((m for m in pending if m.planned_date < today()), key=lambda m: (m.planned_date, m.pk))
    due = sorted(
        (m for m in pending if today() <= m.planned_date <= days(90)), key=lambda m: (m.planned_date, m.pk)
    )
    assert response.context["overdue_count"] == len(overdue)
    assert response.context["due_count"] == len(due)
    assert [m.pk for m in response.context["overdue"]] == [m.pk for m in overdue[:10]]
    assert [m.pk for m in response.context["due"]] == [m.pk for m in due[:10]]
    html = response.content.decode()
    assert f'id="overdue-count">{len(overdue)}<' in html
    assert f'id="due-count">{len(due)}<' in html
    assert "Later" not in [m.title for m in response.context["due"]]


# --- Filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "state_index", "body_index"),
    [("?member_state=VN", 0, None), ("?body=COSTI", None, 0), ("?member_state=TH&body=ACCMSME", 1, 1)],
)
def test_filters_restrict_every_widget(client, world, secretariat_user, query, state_index, body_index):
    state = world["states"][state_index] if state_index is not None else None
    body = world["bodies"][body_index] if body_index is not None else None
    activities = chosen(state, body)
    assert 0 < len(activities) < Activity.objects.count()
    response = page(client, secretariat_user, query)
    context = response.context
    assert context["filters"] == {"member_state": state, "body": body}
    assert context["activity_total"] == len(activities)
    assert {s.value: n for s, n in context["status_totals"]} == {
        s.value: sum(a.status == s.value for a in activities) for s in ActivityStatus
    }
    progress = [
        (
            p.recommendation.number,
            {s.value: p.by_status.get(s.value, 0) for s in ActivityStatus},
            p.average_percent,
        )
        for p in context["progress"]
    ]
    assert progress == expected_progress_rows(activities, all_recs())
    ids = {a.pk for a in activities}
    pending = Milestone.objects.filter(actual_date__isnull=True, activity__in=ids)
    assert context["overdue_count"] == sum(m.planned_date < today() for m in pending)
    assert context["due_count"] == sum(today() <= m.planned_date <= days(90) for m in pending)
    assert all(m.activity_id in ids for m in context["overdue"] + context["due"])
    states = [state] if state else world["states"]
    assert context["participation_chart"].rows == expected_heatmap(activities, states, all_recs())
    # Links to the activity list and the timeline carry the same filters.
    html = response.content.decode()
    if state:
        assert f"member_state={state.iso2}" in context["list_query"]
    if body:
        assert f"body={body.acronym}" in context["list_query"]
    assert f"{reverse('roadmap:timeline')}?{context['list_query']}".replace("&", "&amp;") in html


def test_a_bad_filter_value_is_named_and_shows_everything(client, world, secretariat_user):
    response = page(client, secretariat_user, "?member_state=ZZ")
    assert response.context["filters"] == {"member_state": None, "body": None}
    assert response.context["activity_total"] == Activity.objects.count()
    assert response.context["filter_form"].errors["member_state"]
    assert "invalid-feedback" in response.content.decode()


# --- A reporter sees its own first ---------------------------------------------------------------


def test_focal_point_sees_its_member_state_first_and_can_see_all(client, world, focal_vn, viet_nam):
    response = page(client, focal_vn)
    assert response.context["filters"] == {"member_state": viet_nam, "body": None}
    assert response.context["defaulted"] is True
    assert response.context["activity_total"] == len(chosen(viet_nam))
    html = response.content.decode()
    assert '<option value="VN" selected>' in html
    assert "Showing the activities Viet Nam leads or takes part in." in html
    assert 'href="?member_state=all&amp;body=all"' in html

    everything = page(client, focal_vn, "?member_state=all&body=all")
    assert everything.context["filters"] == {"member_state": None, "body": None}
    assert everything.context["activity_total"] == Activity.objects.count()
    # "All member states" is an explicit choice, kept selected.
    assert '<option value="all" selected>All member states</option>' in everything.content.decode()

    # Any filter in the query replaces the default, the missing one meaning "all".
    thai = page(client, focal_vn, "?member_state=TH")
    assert thai.context["filters"]["member_state"].iso2 == "TH"
    only_body = page(client, focal_vn, "?body=COSTI")
    assert only_body.context["filters"] == {"member_state": None, "body": world["bodies"][0]}


def test_body_representative_sees_its_body_first(client, world, costi_rep, costi):
    response = page(client, costi_rep)
    assert response.context["filters"] == {"member_state": None, "body": costi}
    assert response.context["activity_total"] == len(chosen(body=costi))
    assert '<option value="COSTI" selected>' in response.content.decode()


@pytest.mark.parametrize("role", ["secretariat_user", "observer_user"])
def test_everyone_else_sees_all_of_asean(client, world, request, role):
    response = page(client, request.getfixturevalue(role))
    assert response.context["filters"] == {"member_state": None, "body": None}
    assert response.context["defaulted"] is False
    assert "Showing all of ASEAN." in response.content.decode()


# --- The tracker's panels ------------------------------------------------------------------------


def approved_update(user, activity, cycle, reviewer, percent=50, when=None):
    """An update by `user`'s party, approved by `reviewer` (at `when`, if given)."""
    update = write_update(
        author=user,
        activity=activity,
        cycle=cycle,
        submit=True,
        proposed_percent=percent,
        proposed_status="ongoing",
    )
    update = approve(update=update, by=reviewer)
    if when is not None:
        ProgressUpdate.objects.filter(pk=update.pk).update(reviewed_at=when)
    return update


@pytest.fixture
def record(world, secretariat_user, focal_vn, focal_th):
    """An open cycle; approved updates by Viet Nam on 11 new activities, an older one by Thailand, a draft."""
    cycle = open_cycle(by=secretariat_user)
    vn_led = [
        factories.ActivityFactory(
            roadmap=world["recs"][0].roadmap,
            recommendation=world["recs"][i % 3],
            code=f"V{i % 3 + 1}.{i + 1}",
            lead_member_states=[world["states"][0]],
            supporting_bodies=[world["bodies"][i % 2]],
        )
        for i in range(11)
    ]
    now = timezone.now()
    approved = [
        approved_update(focal_vn, activity, cycle, secretariat_user, when=now - datetime.timedelta(hours=i))
        for i, activity in enumerate(vn_led)
    ]
    thai = approved_update(
        focal_th, world["activity"], cycle, secretariat_user, when=now - datetime.timedelta(days=30)
    )
    th_led = next(
        a
        for a in Activity.objects.order_by("pk")
        if world["states"][1] in a.lead_member_states.all() and not a.is_finished
    )
    draft = write_update(
        author=focal_th, activity=th_led, cycle=cycle, proposed_percent=10, proposed_status="ongoing"
    )
    return {"cycle": cycle, "approved": approved, "thai": thai, "draft": draft}


def test_dashboard_panels_are_registered_by_the_tracker():
    names = [panel.__name__ for panel in extensions.dashboard_panels]
    assert names == ["cycle_completeness_panel", "latest_approved_panel"]


def test_latest_approved_updates_newest_first_linking_to_each(client, world, record, observer_user):
    response = page(client, observer_user)
    html = response.content.decode()
    approved = sorted(ProgressUpdate.objects.approved(), key=lambda u: (u.reviewed_at, u.pk), reverse=True)
    assert len(approved) > 10
    section = html[html.index('id="latest-approved"') :]
    section = section[: section.index("</section>")]
    shown = [int(chunk.split('"')[0]) for chunk in section.split('data-update="')[1:]]
    assert shown == [u.pk for u in approved[:10]]
    for update in approved[:10]:
        assert update.get_absolute_url() in section
    assert str(record["draft"].pk) not in shown
    assert f'data-update="{record["thai"].pk}"' not in section  # the oldest, the eleventh


def test_latest_approved_updates_follow_the_filters(client, world, record, secretariat_user, accmsme):
    response = page(client, secretariat_user, "?body=ACCMSME")
    html = response.content.decode()
    section = html[html.index('id="latest-approved"') :]
    section = section[: section.index("</section>")]
    shown = [int(chunk.split('"')[0]) for chunk in section.split('data-update="')[1:]]
    allowed = {a.pk for a in chosen(body=accmsme)}
    expected = sorted(
        (u for u in ProgressUpdate.objects.approved() if u.activity_id in allowed),
        key=lambda u: (u.reviewed_at, u.pk),
        reverse=True,
    )[:10]
    assert shown == [u.pk for u in expected]
    assert len(shown) < 10


def completeness(reports):
    counts = Counter(r.status for r in reports)
    handed_in = counts[DueStatus.SUBMITTED] + counts[DueStatus.APPROVED]
    return len(reports), handed_in, counts[DueStatus.APPROVED]


def test_open_cycle_completeness_overall_and_per_recommendation(client, world, record, secretariat_user):
    response = page(client, secretariat_user)
    html = response.content.decode()
    reports = list(DueUpdate.objects.filter(cycle=record["cycle"]).select_related("activity"))
    owed, handed_in, approved = completeness(reports)
    assert owed and approved and handed_in >= approved
    assert f'data-figure="owed">{owed}<' in html
    share = '<span class="fs-6 text-body-secondary">({}%)'
    assert f'data-figure="in">{handed_in} {share.format(round(100 * handed_in / owed))}' in html
    assert f'data-figure="approved">{approved} {share.format(round(100 * approved / owed))}' in html
    section = html[html.index('id="cycle-completeness"') :]
    section = section[: section.index("</section>")]
    assert "chart-cycle-completeness" in section
    for rec in all_recs():
        mine = [r for r in reports if r.activity.recommendation_id == rec.pk]
        if not mine:
            continue
        o, i, a = completeness(mine)
        row = section[section.index(f'data-recommendation="{rec.number}"') :]
        row = row[: row.index("</tr>")]
        cells = [c.split("<")[0] for c in row.split('class="text-end">')[1:]]
        assert cells == [str(o), str(i), str(a), f"{round(100 * i / o)}%"]


def test_open_cycle_completeness_follows_the_filters(client, world, record, secretariat_user, thailand):
    response = page(client, secretariat_user, "?member_state=TH")
    allowed = {a.pk for a in chosen(thailand)}
    reports = [r for r in DueUpdate.objects.filter(cycle=record["cycle"]) if r.activity_id in allowed]
    owed, _in, _approved = completeness(reports)
    assert owed < DueUpdate.objects.filter(cycle=record["cycle"]).count()
    assert f'data-figure="owed">{owed}<' in response.content.decode()


def test_without_an_open_cycle_the_panel_says_so(client, world, secretariat_user):
    html = page(client, secretariat_user).content.decode()
    assert "No reporting cycle is open." in html


def test_roadmap_does_not_import_the_tracker():
    root = Path(settings.BASE_DIR) / "roadmap"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("tracker"), path
            elif isinstance(node, ast.Import):
                assert not any(alias.name.startswith("tracker") for alias in node.names), path


# --- Constant queries: measured on the one large record (tests/helpers/large_record.py) -----------


CASES = [
    ("secretariat_user", ""),
    ("observer_user", "?member_state=VN&body=COSTI"),
    ("focal_vn", ""),
    ("costi_rep", "?member_state=all&body=all"),
]
CLIENTS = {
    "secretariat_user": "secretariat",
    "observer_user": "observer",
    "focal_vn": "focal point",
    "costi_rep": "body representative",
}


@measures
def measure(record, size):
    """The dashboard for each role and filter at this size of the large record."""
    clients = record.clients()
    results = {}
    for role, query in CASES:
        count, _, body = count_queries(clients[CLIENTS[role]], URL + query)
        results[role, query] = count, len(body)
    return results


@pytest.fixture
def measured(measured_on_the_large_record):
    return measured_on_the_large_record[__name__]


@pytest.mark.parametrize(("role", "query"), CASES)
@pytest.mark.slow
def test_query_count_does_not_grow_with_the_data(measured, role, query):
    small, small_size = measured["small"][role, query]
    large, large_size = measured["large"][role, query]
    assert large <= small, f"{small} queries on the small record, {large} on the large one"
    assert large_size > small_size
