"""tracker/reports/indicators.py: indicators as a results chain in the cycle report.

Three cycles (2025-H1, 2025-H2, 2026-H1); one activity led by Viet Nam with Thailand taking part;
Viet Nam's focal point reports values for both member states (and ASEAN as a whole). Every
expected figure is worked out by hand in the test.
"""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests import factories
from tests.helpers import approve, correct, open_cycle, write_update
from tests.tracker.test_report_formats import _text_of
from tracker.reports.content import gather_report
from tracker.reports.indicators import add_results_chain, percent_of_target
from tracker.reports.render import render
from tracker.reports.render.results import results_table

pytestmark = pytest.mark.django_db

D = datetime.date
CYCLES = (
    ("2025-H1", D(2025, 1, 1), D(2025, 6, 30)),
    ("2025-H2", D(2025, 7, 1), D(2025, 12, 31)),
    ("2026-H1", D(2026, 1, 1), D(2026, 6, 30)),
)


class Record:
    def __init__(self, *, roadmap, viet_nam, thailand, focal_vn, secretariat_user):
        self.vn, self.th, self.focal, self.sec = viet_nam, thailand, focal_vn, secretariat_user
        self.rec = factories.RecommendationFactory(roadmap=roadmap, number=2)
        self.activity = factories.ActivityFactory(
            roadmap=roadmap,
            recommendation=self.rec,
            code="R2.1",
            title="Readiness assessments",
            lead_member_states=[viet_nam],
            participating_member_states=[thailand],
        )
        self.cycles = [
            open_cycle(
                by=secretariat_user, slug=slug, name=f"Cycle {slug}", period_start=start, period_end=end
            )
            for slug, start, end in CYCLES
        ]

    def indicator(self, name="Enterprises assessed", **fields):
        fields.setdefault("baseline_value", None)
        fields.setdefault("baseline_year", None)
        fields.setdefault("target_value", "100")
        return factories.IndicatorFactory(activity=self.activity, name=name, **fields)

    def report(self, index, *values, approved=True):
        """Viet Nam's update in cycle `index` with `values` (indicator, "VN" | "TH" | None, value)."""
        parties = {"VN": self.vn, "TH": self.th, None: None}
        update = write_update(
            author=self.focal,
            activity=self.activity,
            cycle=self.cycles[index],
            submit=True,
            values=[(ind, parties[who], Decimal(v), "") for ind, who, v in values],
            proposed_status="ongoing",
            proposed_flag="green",
            proposed_percent=10 * (index + 1),
        )
        return approve(update=update, by=self.sec) if approved else update

    def chain(self, index=2, name="Enterprises assessed", **kwargs):
        report = gather_report(self.cycles[index], **kwargs)
        return {i.name: i for s in report.sections for i in s.indicators}[name].results


@pytest.fixture
def rec(roadmap, viet_nam, thailand, focal_vn, secretariat_user):
    return Record(
        roadmap=roadmap,
        viet_nam=viet_nam,
        thailand=thailand,
        focal_vn=focal_vn,
        secretariat_user=secretariat_user,
    )


def figures(chain):
    return [c.regional for c in chain.cycles]


# --- The regional figure, by each rule ------------------------------------------------------------


def test_sum_over_member_states_rounded_half_up_at_the_units_precision(rec):
    ind = rec.indicator(aggregation="sum", decimal_places=0)
    rec.report(0, (ind, "VN", "10.5"), (ind, "TH", "17.99"))
    chain = rec.chain(0)
    (cycle,) = chain.cycles
    # Each value at the unit's precision, half up (10.5 -> 11, not 10 as half-to-even gives).
    assert cycle.values == {"Thailand": Decimal("18"), "Viet Nam": Decimal("11")}
    # The sum of the values as printed, so that the table adds up: 11 + 18 = 29 (not 28.49).
    assert cycle.regional == Decimal("29")
    assert chain.parties == ["Thailand", "Viet Nam"]


def test_average_over_member_states_half_up_to_two_places(rec):
    ind = rec.indicator(aggregation="average", decimal_places=2)
    rec.report(0, (ind, "VN", "10.25"), (ind, "TH", "18.24"))
    # (10.25 + 18.24) / 2 = 14.245: half up gives 14.25 where half to even gives 14.24.
    assert figures(rec.chain(0)) == [Decimal("14.25")]


def test_sum_at_one_place_adds_the_values_as_printed(rec):
    ind = rec.indicator(aggregation="sum", decimal_places=1)
    rec.report(0, (ind, "VN", "0.25"), (ind, "TH", "0.45"))
    (cycle,) = rec.chain(0).cycles
    assert cycle.values == {"Thailand": Decimal("0.5"), "Viet Nam": Decimal("0.3")}
    assert cycle.regional == Decimal("0.8")  # 0.3 + 0.5, not 0.70 rounded


def test_average_at_one_place(rec):
    ind = rec.indicator(aggregation="average", decimal_places=1)
    rec.report(0, (ind, "VN", "3"), (ind, "TH", "4"), (ind, None, "100"))
    # ASEAN's own value is no member state's: the average is (3 + 4) / 2.
    assert figures(rec.chain(0)) == [Decimal("3.5")]


def test_all_done_is_done_only_when_every_member_state_has_done_it(rec):
    ind = rec.indicator(aggregation="all_done", target_value="2", baseline_value="0")
    rec.report(0, (ind, "VN", "1"), (ind, "TH", "0"))
    rec.report(1, (ind, "TH", "1"))
    chain = rec.chain(1)
    first, second = chain.cycles[:2]
    # Two member states belong to ASEAN in this record.
    assert (first.done, first.expected, first.regional_text) == (1, 2, "1 of 2 member states")
    assert (second.done, second.expected) == (2, 2)
    assert second.regional_text == "Done: every member state"
    assert chain.percent_of_target == Decimal("100")


def test_all_done_counts_the_member_states_that_belonged_by_the_cycles_end(rec):
    factories.MemberStateFactory(iso2="TL", iso3="TLS", name="Timor-Leste", joined_on=D(2025, 10, 26))
    ind = rec.indicator(aggregation="all_done")
    rec.report(0, (ind, "VN", "1"), (ind, "TH", "1"))
    chain = rec.chain(1)
    assert [c.regional_text for c in chain.cycles] == ["Done: every member state", "2 of 3 member states"]


def test_no_regional_figure_takes_the_value_for_asean_as_a_whole(rec):
    ind = rec.indicator(aggregation="none")
    rec.report(0, (ind, "VN", "3"), (ind, None, "7"))
    chain = rec.chain(0)
    assert figures(chain) == [Decimal("7")]
    assert chain.parties == ["Viet Nam", "ASEAN"]
    ind_no_asean = rec.indicator(name="Member states only", aggregation="none")
    rec.report(1, (ind_no_asean, "VN", "3"))
    assert figures(rec.chain(1, name="Member states only")) == [None, None]


# --- Percent of target, trend, corrections ------------------------------------------------------------


def test_percent_of_target_from_the_baseline_when_there_is_one(rec):
    ind = rec.indicator(baseline_value="10", baseline_year=2024, target_value="110")
    rec.report(0, (ind, "VN", "30"), (ind, "TH", "30"))
    chain = rec.chain(0)
    # (60 - 10) / (110 - 10) = 50 %
    assert (chain.percent_of_target, chain.percent_method) == (Decimal("50"), "baseline")


def test_percent_of_target_without_a_baseline(rec):
    ind = rec.indicator(target_value="200")
    rec.report(0, (ind, "VN", "30"), (ind, "TH", "30"))
    chain = rec.chain(0)
    assert (chain.percent_of_target, chain.percent_method) == (Decimal("30"), "target")


def test_percent_of_target_rounds_half_up_and_refuses_what_it_cannot_compute():
    assert percent_of_target(Decimal("1"), None, Decimal("8")) == (Decimal("13"), "target")  # 12.5
    assert percent_of_target(Decimal("5"), Decimal("5"), Decimal("5")) == (None, "")
    assert percent_of_target(None, None, Decimal("5")) == (None, "")
    assert percent_of_target(Decimal("5"), None, None) == (None, "")


def test_the_trend_across_three_cycles(rec):
    ind = rec.indicator()
    rec.report(0, (ind, "VN", "10"), (ind, "TH", "5"))
    rec.report(1, (ind, "VN", "20"))  # Thailand's 5 still stands: 25
    rec.report(2, (ind, "VN", "12"), (ind, "TH", "13"))  # 25 again
    chain = rec.chain(2)
    assert figures(chain) == [Decimal("15"), Decimal("25"), Decimal("25")]
    assert [c.trend for c in chain.cycles] == [None, "up", "flat"]
    assert chain.cycles[1].reported_in == {"Viet Nam": "2025-H2", "Thailand": "2025-H1"}
    assert chain.trend == "flat"
    # As of 2025-H2 the report's cycle is the last: later cycles never leak back.
    assert [c.slug for c in rec.chain(1).cycles] == ["2025-H1", "2025-H2"]


def test_the_trend_goes_down(rec):
    ind = rec.indicator()
    rec.report(0, (ind, "VN", "10"))
    rec.report(1, (ind, "VN", "9.4"))
    assert [c.trend for c in rec.chain(1).cycles] == [None, "down"]


def test_a_correction_in_progress_changes_nothing_an_approved_one_replaces(rec):
    ind = rec.indicator()
    update = rec.report(0, (ind, "VN", "10"))
    draft = correct(update=update, author=rec.focal, values=[(ind, rec.vn, Decimal("40"), "")])
    assert figures(rec.chain(0)) == [Decimal("10")]
    approve(update=draft, by=rec.sec)
    assert figures(rec.chain(0)) == [Decimal("40")]
    assert rec.chain(0).percent_of_target == Decimal("40")


def test_unapproved_values_never_count(rec):
    ind = rec.indicator()
    rec.report(0, (ind, "VN", "10"), approved=False)
    chain = rec.chain(0)
    assert figures(chain) == [None]
    assert chain.parties == []


# --- A member state's report ---------------------------------------------------------------------------


def test_a_member_states_report_shows_its_own_values_and_no_regional_figure(rec):
    ind = rec.indicator()
    rec.report(0, (ind, "VN", "10"), (ind, "TH", "50"), (ind, None, "70"))
    rec.report(1, (ind, "VN", "8"), (ind, "TH", "60"))
    chain = rec.chain(1, member_state=rec.vn)
    assert chain.parties == ["Viet Nam"]
    assert [c.values for c in chain.cycles] == [{"Viet Nam": Decimal("10")}, {"Viet Nam": Decimal("8")}]
    assert figures(chain) == [None, None]
    assert chain.percent_of_target is None
    assert not chain.regional_shown
    assert [c.trend for c in chain.cycles] == [None, "down"]  # its own value: 10 -> 8


# --- Queries ----------------------------------------------------------------------------------------


def test_the_results_chain_reads_a_constant_number_of_queries(rec):
    def queries(cycle):
        report = gather_report(cycle)
        sections = dict(enumerate(report.sections))
        with CaptureQueriesContext(connection) as captured:
            add_results_chain(sections, cycle, _approved(cycle))
        return len(captured)

    from tracker.reports.content import _approved_until as _approved

    first = rec.indicator(name="Indicator 0")
    rec.report(0, (first, "VN", "1"))
    small = queries(rec.cycles[0])
    indicators = [first, *(rec.indicator(name=f"Indicator {n}") for n in range(1, 5))]
    for index in range(1, 3):
        values = [(ind, who, str(index + n)) for n, ind in enumerate(indicators) for who in ("VN", "TH")]
        rec.report(index, *values)
    assert queries(rec.cycles[2]) == small == 4


# --- Every format ---------------------------------------------------------------------------------------


@pytest.fixture
def formats_record(rec):
    ind = rec.indicator(
        name="Enterprises assessed",
        baseline_value="10",
        baseline_year=2024,
        target_value="2046",
        target_year=2027,
        is_illustrative=True,
    )
    done = rec.indicator(name="Standard adopted", unit="member states", aggregation="all_done")
    rec.report(0, (ind, "VN", "400.4"), (ind, "TH", "100"), (done, "VN", "1"))
    rec.report(1, (ind, "VN", "700"), (ind, "TH", "328.49"), (done, "VN", "1"), (done, "TH", "0"))
    return rec


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx", "docx"])
def test_every_format_shows_the_results_chain(formats_record, fmt):
    report = gather_report(formats_record.cycles[1])
    text = re.sub(r"\s+", " ", _text_of(fmt, render(report, fmt, progress=lambda *a: None)))
    # Regional figure 1,028 (1,028.49 at no decimals), 50 % of the way from 10 to 2,046, up from 500.
    assert ("1028" if fmt == "xlsx" else "1,028") in text
    assert "028.49" not in text and "328.49" not in text
    assert "328" in text  # Thailand's value at the unit's precision
    assert "50 %" in text.replace("\u00a0", " ") or (fmt == "xlsx" and "50" in text)
    assert "up" in text
    assert "1 of 2 member states" in text
    assert "Illustrative" in text
    assert "Enterprises assessed" in text


@pytest.mark.slow
def test_every_format_in_vietnamese_keeps_the_units_precision(formats_record):
    report = gather_report(formats_record.cycles[1], language="vi")
    with translation.override("vi"):
        html = render(report, "html", progress=lambda *a: None).decode()
    assert re.search(r"\b1\.?028\b", html)  # at the unit's precision, in Vietnamese numbers
    assert "028,49" not in html and "328,49" not in html


def test_the_workbook_writes_numbers_in_the_units_precision(formats_record):
    report = gather_report(formats_record.cycles[1])
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", progress=lambda *a: None)))
    sheet = book["Indicator results"]
    rows = list(sheet.iter_rows(min_row=3))
    headers = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    col = {h: i for i, h in enumerate(headers)}
    regional = [
        r
        for r in rows
        if r[col["Indicator"]].value == "Enterprises assessed"
        and r[col["Cycle"]].value == "Cycle 2025-H2"
        and r[col["Member state, or the figure"]].value.startswith("Regional figure")
    ]
    (row,) = regional
    assert row[col["Value"]].value == 1028
    assert row[col["Value"]].number_format == "#,##0"
    assert row[col["Percent of target"]].value == 50
    assert row[col["Trend"]].value == "↑ up"
    assert row[col["Illustrative"]].value == "yes"


def test_the_page_shows_the_last_four_cycles_and_says_so(rec):
    ind = rec.indicator()
    for slug, start, end in (
        ("2026-H2", D(2026, 7, 1), D(2026, 12, 31)),
        ("2027-H1", D(2027, 1, 1), D(2027, 6, 30)),
    ):
        rec.cycles.append(
            open_cycle(
                by=rec.sec,
                slug=slug,
                name=f"Cycle {slug}",
                period_start=start,
                period_end=end,
                deadline=end,
            )
        )
    rec.report(0, (ind, "VN", "5"))
    report = gather_report(rec.cycles[4])
    (section,) = report.sections
    table = results_table(section)
    assert table.cycles == ["2025-H2", "2026-H1", "2026-H2", "2027-H1"]
    assert table.cycles_note == "The table shows the last 4 of 5 cycles; the workbook holds every cycle."
    indicator_row, party_row = table.rows
    assert indicator_row.cells == ["5", "5", "5", "5"]  # 2025-H1's value stands in every later cycle
    assert (party_row.label, party_row.cells) == ("Viet Nam", ["5", "5", "5", "5"])
    assert indicator_row.trend == "flat"
    # The workbook holds every cycle.
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))
    cycles = {row[9] for row in book["Indicator results"].iter_rows(min_row=3, values_only=True)}
    assert cycles == {f"Cycle {slug}" for slug, *_ in CYCLES} | {"Cycle 2026-H2", "Cycle 2027-H1"}
