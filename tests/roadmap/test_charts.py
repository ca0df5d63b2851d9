"""The SVG charts: well-formed, accessible, escaped, and drawing what they are given."""

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils.translation import override

from core.numbers import show_percent
from roadmap import charts
from roadmap.models import ActivityStatus, Flag, MilestoneState

SVG = "{http://www.w3.org/2000/svg}"
NASTY = 'Label <&"> here'
D = datetime.date


def parse(chart):
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root):
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def assert_accessible(chart, title):
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    title_el = root.find(f"{SVG}title")
    desc_el = root.find(f"{SVG}desc")
    assert title_el.text == title
    assert desc_el.text.startswith(chart.description.split(" No data")[0])
    assert root.get("aria-labelledby").split() == [title_el.get("id"), desc_el.get("id")]
    assert "<script" not in chart.svg
    assert "xlink:href" not in chart.svg and "url(" not in chart.svg
    return root


def stacked():
    return charts.stacked_bars(
        title="Activities by status",
        description="How many activities of each recommendation are in each status.",
        categories=["1. Awareness", NASTY],
        series=[
            ("Ongoing", charts.STATUS_COLOURS["ongoing"], [3, 1]),
            ("Delayed", charts.STATUS_COLOURS["delayed"], [0, 4]),
            ("Completed", charts.STATUS_COLOURS["completed"], [2, 0]),
        ],
    )


def test_stacked_bars_accessible_with_values_legend_and_table():
    chart = stacked()
    root = assert_accessible(chart, "Activities by status")
    labels = texts(root)
    # Legend names every series; values and totals are written on the chart.
    for label in ("Ongoing", "Delayed", "Completed", "3", "4", "5"):
        assert label in labels
    assert chart.headers == ["Category", "Ongoing", "Delayed", "Completed", "Total"]
    assert chart.rows == [["1. Awareness", "3", "0", "2", "5"], [NASTY, "1", "4", "0", "5"]]


def test_stacked_bar_segments_are_proportional():
    chart = stacked()
    root = parse(chart)
    fills = {charts.STATUS_COLOURS[s]: [] for s in ("ongoing", "delayed", "completed")}
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("fill") in fills and rect.get("stroke") == "#ffffff":
            fills[rect.get("fill")].append(float(rect.get("width")))
    # Row one: ongoing 3, completed 2 (delayed 0 draws nothing); row two: ongoing 1, delayed 4.
    ongoing = fills[charts.STATUS_COLOURS["ongoing"]]
    assert len(ongoing) == 2 and ongoing[0] == pytest.approx(3 * ongoing[1], rel=0.01)
    assert len(fills[charts.STATUS_COLOURS["delayed"]]) == 1


def test_labels_are_escaped_once_and_survive_parsing():
    chart = stacked()
    assert NASTY not in chart.svg  # raw markup never reaches the SVG
    assert "Label &lt;&amp;&quot;&gt; here" in chart.svg
    assert NASTY in texts(parse(chart))
    title = charts.bars(title='Title <&">', description='Desc <&">', categories=["a"], values=[1])
    root = parse(title)
    assert root.find(f"{SVG}title").text == 'Title <&">'
    assert root.find(f"{SVG}desc").text == 'Desc <&">'


def test_control_characters_do_not_break_the_xml():
    chart = charts.bars(title="T", description="D", categories=["bad\x00\x0bname"], values=[5])
    assert "badname" in texts(parse(chart))


def test_bars_show_each_value_with_its_unit_and_scale_to_the_maximum():
    chart = charts.bars(
        title="Reports handed in",
        description="Share of the reports owed that were handed in, per recommendation.",
        categories=["R1", "R2", NASTY],
        values=[25, 100, 50.5],
    )
    root = assert_accessible(chart, "Reports handed in")
    labels = texts(root)
    assert {"25%", "100%", "50.5%", NASTY} <= set(labels)
    assert chart.rows == [["R1", "25%"], ["R2", "100%"], [NASTY, "50.5%"]]
    bar_widths = [
        float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.DEFAULT_BAR
    ]
    track = max(float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.TRACK)
    assert bar_widths[0] == pytest.approx(track / 4, rel=0.01)
    assert bar_widths[1] == pytest.approx(track, rel=0.01)


def test_chart_figures_round_halves_up_as_a_spreadsheet_does():
    # Excel's ROUND(48.25; 1) is 48.3; Python's round() gives 48.2 (halves to even).
    assert [charts.number(v) for v in (48.25, Decimal("63.25"), 53.25, 33.25, 0.05, 12.0, 12)] == [
        "48.3",
        "63.3",
        "53.3",
        "33.3",
        "0.1",
        "12",
        "12",
    ]
    chart = charts.bars(title="Average", description="Average completion.", categories=["R1"], values=[48.25])
    assert chart.rows == [["R1", "48.3%"]]
    assert "48.3%" in texts(parse(chart))


def test_chart_figures_follow_the_active_language_and_can_be_written_as_the_tables_write_them():
    with override("vi"):
        assert charts.number(62.5) == "62,5"
        chart = charts.bars(
            title="Average",
            description="Average completion.",
            categories=["R1"],
            values=[62.5],
            shown=show_percent,
        )
    assert chart.rows == [["R1", "62,5\u00a0%"]]
    assert "62,5\u00a0%" in texts(parse(chart))
    with override("en"):
        assert charts.number(62.5) == "62.5"


def test_a_label_too_wide_for_its_column_goes_onto_two_lines_not_cut():
    long = "4. Cooperation and capacity building"
    for chart in (
        charts.bars(
            title="Average", description="Average completion.", categories=["R1", long], values=[5, 6]
        ),
        charts.stacked_bars(
            title="Status",
            description="Status mix.",
            categories=["R1", long],
            series=[("Done", "#198754", [1, 2])],
        ),
    ):
        labels = texts(parse(chart))
        assert "R1" in labels
        assert not any("…" in label for label in labels)
        assert long in " ".join(labels)


def test_bars_with_another_unit_and_colour():
    chart = charts.bars(
        title="Counts",
        description="d",
        categories=["a"],
        values=[3],
        maximum=4,
        unit=" reports",
        colour="#123456",
    )
    assert "3 reports" in texts(parse(chart))
    assert 'fill="#123456"' in chart.svg


def test_heatmap_cells_annotations_and_empty_cells():
    chart = charts.heatmap(
        title="Participation",
        description="Activities each member state takes part in, by recommendation, and their progress.",
        row_labels=["Viet Nam", NASTY],
        column_labels=["1. Awareness", "2. Skills"],
        values=[[80, None], [0, 100]],
        annotations=[["2 · 80%", ""], ["1 · 0%", "3 · 100%"]],
    )
    root = assert_accessible(chart, "Participation")
    labels = texts(root)
    assert {"2 · 80%", "1 · 0%", "3 · 100%", "–", NASTY, "Viet Nam"} <= set(labels)
    assert chart.headers == ["", "1. Awareness", "2. Skills"]
    assert chart.rows == [["Viet Nam", "2 · 80%", "–"], [NASTY, "1 · 0%", "3 · 100%"]]
    # Darker for higher progress; the text on the darkest cell is white for contrast.
    assert charts._luminance(charts._heat_colour(100, 100)) < charts._luminance(charts._heat_colour(0, 100))
    assert charts._text_on(charts._heat_colour(100, 100)) == "#ffffff"
    assert charts._text_on(charts._heat_colour(0, 100)) == charts.TEXT


def test_heatmap_without_annotations_writes_the_values():
    chart = charts.heatmap(
        title="H", description="d", row_labels=["a"], column_labels=["x"], values=[[42.25]]
    )
    assert "42.2" in texts(parse(chart)) or "42.3" in texts(parse(chart))


def gantt_rows():
    return [
        charts.GanttRow(
            label="R1.1 Early",
            href="/activities/R1.1/?a=1&b=2",
            planned_start=D(2026, 1, 1),
            planned_end=D(2026, 4, 30),
            baseline_start=D(2026, 1, 1),
            baseline_end=D(2026, 3, 31),
            status=ActivityStatus.DELAYED,
            percent=50,
            group="1. Awareness",
            milestones=[
                charts.GanttMilestone("Kick-off", D(2026, 2, 1), MilestoneState.ACHIEVED_ON_TIME),
                charts.GanttMilestone(NASTY, D(2026, 4, 1), MilestoneState.OVERDUE),
            ],
        ),
        charts.GanttRow(
            label="R1.2 Late",
            href=None,
            planned_start=D(2026, 3, 1),
            planned_end=D(2026, 12, 31),
            baseline_start=None,
            baseline_end=None,
            status=ActivityStatus.ONGOING,
            percent=10,
            group="1. Awareness",
        ),
        charts.GanttRow(
            label=NASTY,
            href=None,
            planned_start=None,
            planned_end=None,
            baseline_start=None,
            baseline_end=None,
            status=ActivityStatus.NOT_STARTED,
            percent=0,
            group="2. Skills",
        ),
    ]


MID_MAY = D(2026, 5, 15)


def make_gantt(today=MID_MAY):
    return charts.gantt(
        title="Timeline",
        description="Planned against baseline dates of each activity, with milestones.",
        start=D(2026, 1, 1),
        end=D(2026, 12, 31),
        today=today,
        rows=gantt_rows(),
    )


def planned_bars(root):
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "planned"]


def test_gantt_is_accessible_grouped_and_labelled():
    chart = make_gantt()
    root = assert_accessible(chart, "Timeline")
    labels = texts(root)
    assert "1. Awareness" in labels and "2. Skills" in labels  # group label rows
    assert "R1.1 Early" in labels and NASTY in labels
    assert "50%" in labels and "10%" in labels
    # Month ticks for a one-year span, with the year written once.
    assert {"Jan", "Jun", "Dec", "2026"} <= set(labels)
    link = root.find(f".//{SVG}a")
    assert link.get("href") == "/activities/R1.1/?a=1&b=2"


def test_gantt_bar_positions_follow_dates_and_percent():
    root = parse(make_gantt())
    early, late = planned_bars(root)
    assert float(late.get("x")) + float(late.get("width")) > float(early.get("x")) + float(early.get("width"))
    assert float(late.get("x")) > float(early.get("x"))
    assert early.get("stroke") == charts.STATUS_COLOURS[ActivityStatus.DELAYED]
    done = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "done"]
    assert float(done[0].get("width")) == pytest.approx(float(early.get("width")) / 2, rel=0.01)
    (baseline,) = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "baseline"]
    # The baseline ends a month before the planned end: its bar is shorter, and behind (drawn first).
    assert float(baseline.get("width")) < float(early.get("width"))
    assert float(baseline.get("height")) < float(early.get("height"))


def test_gantt_today_line_sits_between_start_and_end():
    root = parse(make_gantt())
    today = root.find(f".//{SVG}g[@class='today']")
    line = today.find(f"{SVG}line")
    x = float(line.get("x1"))
    early, late = planned_bars(root)
    # 15 May: after R1.1's start, before R1.2's end.
    assert float(early.get("x")) < x < float(late.get("x")) + float(late.get("width"))
    assert "Today 2026-05-15" in texts(today)


def test_gantt_without_today_in_range_has_no_today_line():
    root = parse(make_gantt(today=D(2030, 1, 1)))
    assert root.find(f".//{SVG}g[@class='today']") is None


def test_gantt_milestones_are_diamonds_coloured_by_state():
    root = parse(make_gantt())
    milestones = root.findall(f".//{SVG}g[@class='milestone']")
    assert [m.get("data-state") for m in milestones] == ["achieved_on_time", "overdue"]
    fills = [m.find(f"{SVG}polygon").get("fill") for m in milestones]
    assert fills == [charts.MILESTONE_COLOURS["achieved_on_time"], charts.MILESTONE_COLOURS["overdue"]]
    assert NASTY in "".join(milestones[1].find(f"{SVG}title").itertext())


def test_gantt_table_alternative():
    chart = make_gantt()
    assert chart.headers[0] == "Activity"
    first, second, third = chart.rows
    assert first[:6] == [
        "R1.1 Early",
        "2026-01-01 – 2026-04-30",
        "2026-01-01 – 2026-03-31",
        "30",
        "Delayed",
        "50%",
    ]
    assert "Kick-off (2026-02-01, Achieved on time)" in first[6]
    assert second[2:4] == ["–", "–"]
    assert third[0] == NASTY and third[1] == "–"


def test_gantt_height_grows_with_rows():
    small = parse(make_gantt())
    rows = gantt_rows() * 5
    big = parse(
        charts.gantt(
            title="T", description="d", start=D(2026, 1, 1), end=D(2026, 12, 31), today=None, rows=rows
        )
    )
    assert int(big.get("viewBox").split()[3]) > int(small.get("viewBox").split()[3])


@pytest.mark.parametrize(
    ("end", "expected"),
    [(D(2026, 6, 30), "Mar"), (D(2028, 6, 30), "Q3"), (D(2031, 12, 31), "H2"), (D(2040, 1, 1), "2035")],
)
def test_gantt_ticks_suit_the_span(end, expected):
    chart = charts.gantt(
        title="T", description="d", start=D(2026, 1, 1), end=end, today=None, rows=gantt_rows()
    )
    assert expected in texts(parse(chart))


def test_span_for_covers_every_date_and_today():
    start, end = charts.span_for(gantt_rows(), today=D(2027, 2, 10))
    assert start == D(2026, 1, 1)
    assert end == D(2027, 2, 28)


@pytest.mark.parametrize(
    "chart",
    [
        lambda: charts.stacked_bars(title="Empty", description="Nothing.", categories=[], series=[]),
        lambda: charts.bars(title="Empty", description="Nothing.", categories=[], values=[]),
        lambda: charts.heatmap(
            title="Empty", description="Nothing.", row_labels=[], column_labels=[], values=[]
        ),
        lambda: charts.gantt(
            title="Empty",
            description="Nothing.",
            start=D(2026, 1, 1),
            end=D(2026, 12, 31),
            today=None,
            rows=[],
        ),
    ],
)
def test_empty_inputs_draw_a_no_data_chart(chart):
    chart = chart()
    root = assert_accessible(chart, "Empty")
    assert "No data to show." in texts(root)
    assert "No data to show." in root.find(f"{SVG}desc").text
    assert chart.rows == []
    assert chart.headers


def test_chart_renders_unescaped_in_templates_and_ids_are_stable():
    chart = stacked()
    html = Template("{{ chart }}").render(Context({"chart": chart}))
    assert html == chart.svg == str(chart)
    assert stacked().chart_id == chart.chart_id
    other = charts.bars(title="x", description="d", categories=["a"], values=[1], chart_id="my chart!")
    assert other.chart_id == "my-chart-"
    assert 'id="my-chart--title"' in other.svg


def test_colour_maps_cover_every_choice():
    assert set(charts.STATUS_COLOURS) == set(ActivityStatus.values)
    assert set(charts.FLAG_COLOURS) == set(Flag.values)
    assert set(charts.MILESTONE_COLOURS) == set(MilestoneState.values)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in charts.STATUS_COLOURS.values())
