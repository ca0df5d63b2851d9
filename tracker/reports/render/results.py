"""The indicators' results chain as every format writes it: one table per report section.

Nothing here touches the database: it reads the `IndicatorResults` that `tracker/reports/indicators.py`
gathered. Call it with the report's language active, so labels and numbers follow the language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.numbers import round_half_up, show_percent
from tracker.reports.indicators import MAX_CYCLE_COLUMNS
from tracker.reports.render import common

ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


def show_value(value, places) -> str:
    """A value at its unit's precision, in the active language: "2,000", "12.50"; "" for None."""
    if value is None:
        return ""
    return number_format(round_half_up(value, places), decimal_pos=places, use_l10n=True, force_grouping=True)


def round_value(value, places):
    """A value rounded half up to its unit's precision (a number for a spreadsheet cell); None stays."""
    return None if value is None else round_half_up(value, places)


def show_with_unit(value, places, unit) -> str:
    """ "28 enterprises": a value at its unit's precision, with its unit."""
    if value is None:
        return "—"
    return f"{show_value(value, places)} {unit}".strip()


def trend_word(trend) -> str:
    return {"up": _("up"), "down": _("down"), "flat": _("flat")}.get(trend or "", "")


def trend_text(trend) -> str:
    """ "↑ up": the arrow and the word that says it, for formats without a text alternative."""
    if not trend:
        return "—"
    return f"{ARROWS[trend]} {trend_word(trend)}"


def figure_text(figure, results) -> str:
    """A cycle's headline figure: the regional figure (or its words), else the member state's own."""
    if figure is None:
        return ""
    if figure.regional_text:
        return figure.regional_text
    return show_value(figure.headline, results.decimal_places)


def headline_label(results) -> str:
    """What the indicator's own row shows in the cycle columns."""
    if not results.regional_shown:
        return _("This member state's value")
    return _("Regional figure: %(rule)s") % {"rule": results.aggregation_label}


def baseline_text(ind) -> str:
    return _with_year(ind, ind.baseline_value, ind.baseline_year)


def target_text(ind) -> str:
    return _with_year(ind, ind.target_value, ind.target_year)


def _with_year(ind, value, year):
    places = ind.results.decimal_places if ind.results else 0
    text = show_with_unit(value, places, ind.unit)
    return f"{text} ({year})" if value is not None and year else text


def percent_text(results) -> str:
    if results.percent_of_target is None:
        return "—"
    return show_percent(results.percent_of_target, 0)


def method_note(report) -> str:
    """How the figures are computed: printed under every indicators table."""
    note = _(
        "Each party's value for a cycle is its latest approved value reported in that cycle or an "
        "earlier one (an approved correction replaces what it corrects). Values are rounded half "
        "up to the unit's precision. Regional figure, from the values as printed, by the "
        "indicator's rule: the sum or the average of the member states' values; for a yes/no "
        "measure (1 = done), done only when every member state has done it, else how many have; "
        "or none, where ASEAN reports for the region as a whole. Percent of target reached, from "
        "this cycle's regional figure: (actual − baseline) ÷ (target − baseline) when the "
        "indicator has a baseline, else actual ÷ target. Trend: this cycle's figure against the "
        "previous cycle's."
    )
    if report.scope == "member_state":
        note += " " + _(
            "A member state's report shows its own values only: no regional figure and no percent of "
            "the regional target; the trend follows its own value."
        )
    return note


def cycles_note(section) -> str:
    """Said under the table when it shows fewer cycles than there are ("" otherwise)."""
    counts = [ind.results.cycles_left_out for ind in section.indicators if ind.results]
    left_out = max(counts, default=0)
    if not left_out:
        return ""
    total = left_out + MAX_CYCLE_COLUMNS
    return ngettext(
        "The table shows the last %(shown)s of %(total)s cycle; the workbook holds every cycle.",
        "The table shows the last %(shown)s of %(total)s cycles; the workbook holds every cycle.",
        total,
    ) % {"shown": MAX_CYCLE_COLUMNS, "total": total}


@dataclass
class ResultsRow:
    kind: str  # "indicator" or "party"
    label: str  # the indicator's name, or the party's
    illustrative: bool = False
    details: list[str] = field(default_factory=list)  # owner, unit, what the figures are
    baseline: str = ""
    target: str = ""
    cells: list[str] = field(default_factory=list)  # one per shown cycle
    percent: str = ""
    trend: str | None = None


@dataclass
class ResultsTable:
    cycles: list[str]  # the shown cycles' codes, oldest first
    rows: list[ResultsRow]
    cycles_note: str
    has_illustrative: bool = False


def results_table(section) -> ResultsTable | None:
    """The section's indicators table: a row per indicator (its headline figure per cycle, percent
    of target, trend), then a row per party (its value per cycle)."""
    indicators = [ind for ind in section.indicators if ind.results]
    if not indicators:
        return None
    shown = indicators[0].results.shown_cycles
    rows = []
    for ind in indicators:
        results = ind.results
        cycles = results.shown_cycles
        rows.append(
            ResultsRow(
                kind="indicator",
                label=ind.name,
                illustrative=ind.illustrative,
                details=[ind.owner, ind.unit, headline_label(results)],
                baseline=baseline_text(ind),
                target=target_text(ind),
                cells=[figure_text(c, results) or "—" for c in cycles],
                percent=percent_text(results),
                trend=results.trend,
            )
        )
        for party in results.parties:
            rows.append(
                ResultsRow(
                    kind="party",
                    label=party,
                    cells=[show_value(c.values.get(party), results.decimal_places) or "—" for c in cycles],
                )
            )
    return ResultsTable(
        cycles=[c.slug for c in shown],  # the cycles' codes (2026-H2): short enough for A4 columns
        rows=rows,
        cycles_note=cycles_note(section),
        # The legend under the activities table says it already, when the section has one.
        has_illustrative=not section.activities and any(ind.illustrative for ind in indicators),
    )


def results_headers(table) -> list[str]:
    return [
        _("Indicator, member state"),
        _("Baseline (year)"),
        _("Target (year)"),
        *table.cycles,
        _("Percent of target"),
        _("Trend"),
    ]


def indicator_label(row) -> str:
    """The first cell as plain text (Word), the illustrative mark kept."""
    name = f"{row.label} [{common.illustrative_label()}]" if row.illustrative else row.label
    return "\n".join([name, " · ".join(d for d in row.details if d)])
