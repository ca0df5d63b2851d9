"""The timeline: a Gantt per recommendation (planned over baseline, milestones, today), its table
alternative, its filters, printing, and a constant number of queries."""

import datetime
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from roadmap import charts
from roadmap.models import Activity, ActivityStatus, Milestone, MilestoneState, milestone_state
from tests import factories
from tests.helpers.large_record import count_queries, measures

pytestmark = pytest.mark.django_db

URL = reverse("roadmap:timeline")
SVG = "{http://www.w3.org/2000/svg}"


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def world(plan, roadmap, viet_nam, thailand, costi, accmsme):
    recs = {n: factories.RecommendationFactory(roadmap=roadmap, number=n) for n in (1, 2, 3)}
    early = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=recs[1],
        code="R1.1",
        title='Awareness <campaign> & "forum"',
        planned_start=days(-400),
        planned_end=days(-20),
        baseline_start=days(-400),
        baseline_end=days(-80),
        status=ActivityStatus.DELAYED,
        percent_complete=70,
        lead_member_states=[thailand],
        lead_bodies=[accmsme],
    )
    late = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=recs[1],
        code="R1.2",
        title="Knowledge portal",
        planned_start=days(-100),
        planned_end=days(300),
        baseline_start=None,
        baseline_end=None,
        status=ActivityStatus.ONGOING,
        percent_complete=20,
        participating_member_states=[viet_nam],
        supporting_bodies=[costi],
    )
    undated = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=recs[3],
        code="R3.1",
        title="Standards mapping",
        planned_start=None,
        planned_end=None,
        baseline_start=None,
        baseline_end=None,
        status=ActivityStatus.NOT_STARTED,
        percent_complete=0,
    )
    whole = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=None,
        code="RM.1",
        title="Roadmap review",
        status=ActivityStatus.COMPLETED,
    )
    factories.MilestoneFactory(
        activity=early, title="Kick-off", planned_date=days(-300), actual_date=days(-310)
    )
    factories.MilestoneFactory(activity=early, title="Report", planned_date=days(-30))
    factories.MilestoneFactory(activity=late, title="Launch", planned_date=days(10))
    return {"recs": recs, "early": early, "late": late, "undated": undated, "whole": whole, **plan}


def get(client, user, query=""):
    client.force_login(user)
    response = client.get(URL + query)
    assert response.status_code == 200
    return response


def span(start, end):
    if not start and not end:
        return "–"
    return f"{start.isoformat() if start else '–'} – {end.isoformat() if end else '–'}"


def test_one_gantt_per_recommendation_in_order_with_the_whole_roadmap_last(client, world, observer_user):
    response = get(client, observer_user)
    groups = response.context["groups"]
    assert [g["label"] for g in groups] == [
        "1. Workstream 1",
        "2. Workstream 2",
        "3. Workstream 3",
        "The roadmap as a whole",
    ]
    assert [[a.code for a in g["activities"]] for g in groups] == [
        ["R1.1", "R1.2"],
        ["R2.1"],
        ["R3.1"],
        ["RM.1"],
    ]
    html = response.content.decode()
    for group in groups:
        chart = group["chart"]
        assert chart.svg in html
        root = ET.fromstring(chart.svg)
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title").text == f"Timeline: {group['label']}"
    # Every chart shares one time axis.
    assert len({g["chart"].svg.split('viewBox="')[1].split(" ")[2] for g in groups}) == 1


def test_gantt_draws_planned_over_baseline_with_today_and_milestones(client, world, observer_user):
    response = get(client, observer_user)
    chart = response.context["groups"][0]["chart"]
    root = ET.fromstring(chart.svg)
    planned = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "planned"]
    baselines = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "baseline"]
    early, late = planned
    assert float(late.get("x")) + float(late.get("width")) > float(early.get("x")) + float(early.get("width"))
    assert early.get("stroke") == charts.STATUS_COLOURS["delayed"]
    assert late.get("stroke") == charts.STATUS_COLOURS["ongoing"]
    assert len(baselines) == 1  # R1.2 has no baseline
    # The baseline ended 60 days before the planned end: shorter than the planned bar.
    assert float(baselines[0].get("width")) < float(early.get("width"))
    today_line = root.find(f".//{SVG}g[@class='today']/{SVG}line")
    x = float(today_line.get("x1"))
    assert (
        float(early.get("x")) + float(early.get("width"))
        < x
        < float(late.get("x")) + float(late.get("width"))
    )
    states = [g.get("data-state") for g in root.iter(f"{SVG}g") if g.get("class") == "milestone"]
    assert sorted(states) == sorted(
        [MilestoneState.ACHIEVED_ON_TIME, MilestoneState.OVERDUE, MilestoneState.DUE_SOON]
    )
    # The title is escaped once: well-formed, and read back as typed.
    labels = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any(label.startswith("R1.1 Awareness <campaign>") for label in labels)
    assert 'Awareness <campaign> & "forum"' not in chart.svg


def test_table_alternative_lists_dates_slip_status_percent_and_milestones(client, world, observer_user):
    html = get(client, observer_user).content.decode()
    for activity in Activity.objects.prefetch_related("milestones"):
        row = html[html.index(f'<tr data-activity="{activity.code}">') :]
        row = row[: row.index("</tr>")]
        assert activity.get_absolute_url() in row
        assert (f"{activity.planned_start:%Y-%m-%d}" if activity.planned_start else "–") in row
        slip = (
            (activity.planned_end - activity.baseline_end).days
            if activity.planned_end and activity.baseline_end
            else "–"
        )
        assert f'<td class="text-end" data-slip>{slip}</td>' in row
        assert f'data-status="{activity.status}"' in row
        assert f"{activity.percent_complete}%" in row
        for milestone in activity.milestones.all():
            state = milestone_state(milestone.planned_date, milestone.actual_date)
            assert f'data-state="{state.value}"' in row
            assert milestone.title in row
    early = world["early"]
    assert (early.planned_end - early.baseline_end).days == 60
    assert "Awareness &lt;campaign&gt; &amp; &quot;forum&quot;" in html


def test_gantt_table_rows_carry_the_same_figures(client, world, observer_user):
    chart = get(client, observer_user).context["groups"][0]["chart"]
    early = world["early"]
    assert chart.rows[0][:6] == [
        f"R1.1 {early.title}",
        span(early.planned_start, early.planned_end),
        span(early.baseline_start, early.baseline_end),
        "60",
        "Delayed",
        "70%",
    ]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("?recommendation={rec1}", ["R1.1", "R1.2"]),
        ("?member_state=VN", ["R1.2", "R2.1"]),
        ("?member_state=TH", ["R1.1", "R2.1"]),
        ("?body=ACCMSME", ["R1.1"]),
        ("?body=COSTI", ["R1.2", "R2.1"]),
        ("?status=not_started", ["R3.1"]),
        ("?member_state=VN&status=ongoing&body=COSTI", ["R1.2", "R2.1"]),
    ],
)
def test_filters(client, world, secretariat_user, query, codes):
    response = get(client, secretariat_user, query.format(rec1=world["recs"][1].pk))
    shown = [a.code for g in response.context["groups"] for a in g["activities"]]
    assert shown == codes
    assert response.context["activity_count"] == len(codes)


def test_no_match_says_so(client, world, secretariat_user):
    response = get(client, secretariat_user, "?status=discontinued")
    assert response.context["groups"] == []
    assert 'id="timeline-empty"' in response.content.decode()


def test_legend_print_button_and_print_stylesheet(client, world, focal_vn):
    html = get(client, focal_vn).content.decode()
    assert 'id="timeline-legend"' in html
    for status in ActivityStatus:
        assert str(status.label) in html
    for state in MilestoneState:
        assert str(state.label) in html
    assert 'data-print id="print-timeline"' in html
    assert "js/print.js" in html
    # Filters and buttons are not printed; the base stylesheet hides .no-print and the navbar.
    assert 'class="row g-2 align-items-end mb-3 no-print timeline-filters"' in html
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    assert ".chart-figure svg { display: block; width: 100%; height: auto; }" in css
    print_rules = css.split("@media print")[1:]
    assert any(".no-print" in rules and ".app-navbar" in rules for rules in print_rules)
    assert (Path(settings.BASE_DIR) / "static" / "js" / "print.js").read_text().count("window.print()") == 1


def test_linked_from_the_navbar_and_the_dashboard(client, world, focal_vn):
    client.force_login(focal_vn)
    dashboard = client.get(reverse("roadmap:dashboard")).content.decode()
    assert f'href="{URL}" id="nav-timeline"' in dashboard
    # The dashboard's link keeps its filters (a focal point's member state by default).
    assert f'href="{URL}?member_state=VN" id="dashboard-timeline-link"' in dashboard


# --- Constant queries: measured on the one large record (tests/helpers/large_record.py) -----------

QUERIES = ["", "?member_state=VN&body=COSTI&status=ongoing", "?recommendation={rec1}"]


@measures
def measure(record, size):
    """The timeline, filtered three ways, at this size of the large record."""
    client = record.clients()["secretariat"]
    results = {}
    for query in QUERIES:
        count, _, body = count_queries(client, URL + query.format(rec1=record.plan.recommendations[1].pk))
        results[query] = count, len(body)
    results["milestones"] = Milestone.objects.count()
    return results


@pytest.fixture
def measured(measured_on_the_large_record):
    return measured_on_the_large_record[__name__]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.slow
def test_query_count_does_not_grow_with_the_data(measured, query):
    small_count, small_length = measured["small"][query]
    large_count, large_length = measured["large"][query]
    assert large_count <= small_count, (
        f"{small_count} queries on the small record, {large_count} on the large one"
    )
    assert large_length > small_length
    assert measured["large"]["milestones"] > 30
