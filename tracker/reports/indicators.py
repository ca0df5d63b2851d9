"""Indicators as a results chain: baseline, target, the actual values cycle by cycle, the regional
figure, the percent of the target reached and the trend, gathered in a fixed number of queries.

`add_results_chain()` gives every `IndicatorRow` of the report its `results` (an `IndicatorResults`).

Rules (the tests recompute each of them):
- Cycles: every reporting cycle that ended no later than the report's, ordered by the end of their
  period (then by id); the last is the report's own cycle.
- Values: only approved updates count, and an approved correction replaces what it corrects (the
  report's `_approved_until` rule, applied at the report's cycle). A party's value *for a cycle*
  is its latest approved value reported in that cycle or an earlier one (latest cycle end, then
  latest approval); `reported_in` names the cycle it was reported in.
- Values keep the unit's precision: every value is rounded half up (`core.numbers`) to the
  indicator's `decimal_places`, and the regional figure is computed from the values as printed (a
  sum adds up on the page and in a spreadsheet; an average is then rounded again the same way).
- The regional figure of a cycle, by the indicator's rule (`Aggregation`), over the member states
  that have a value for that cycle: sum; average; all done (a yes/no measure, a value of 1 or more
  is done: the figure is the number of member states done, and the region is done only when every
  member state that belonged to ASEAN at the cycle's end has done it, else "N of M member states");
  none (no regional figure: the value reported for ASEAN as a whole stands for the region).
  With no member-state value but a value for ASEAN as a whole, that value is the regional figure.
- Percent of target reached (the report's cycle, whole percent, half up), from the regional figure
  as printed: (actual - baseline) / (target - baseline) x 100 when the indicator has a baseline,
  else actual / target x 100. None without a target, an actual, or with the target equal to the
  baseline.
- Trend of a cycle: up, down or flat against the previous cycle's figure; None when either is
  missing.
- A member state's report shows that member state's values only: no regional figure and no percent
  of the (regional) target; its trend follows the member state's own value.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.numbers import round_half_up
from roadmap.models import Aggregation, Indicator, MemberState
from tracker.models import IndicatorValue, ReportingCycle

ASEAN = "ASEAN"
MAX_CYCLE_COLUMNS = 4  # the page shows at most this many cycles side by side (A4 portrait)


@dataclass
class CycleFigure:
    """One cycle of an indicator: each party's value as of that cycle and the regional figure."""

    slug: str
    name: str
    period_end: datetime.date
    values: dict[str, Decimal] = field(default_factory=dict)  # party -> value, at the unit's precision
    reported_in: dict[str, str] = field(default_factory=dict)  # party -> slug of the cycle it came from
    regional: Decimal | None = None  # the regional figure (for all done: how many member states are done)
    regional_text: str = ""  # the regional figure in words when the rule gives one ("Done", "3 of 10 …")
    done: int | None = None  # all done: member states done, of `expected`
    expected: int | None = None
    headline: Decimal | None = None  # the figure the trend follows (regional, or the member state's own)
    trend: str | None = None  # "up", "down", "flat"; None without a figure here and in the cycle before


@dataclass
class IndicatorResults:
    aggregation: str  # Aggregation value
    aggregation_label: str
    decimal_places: int
    parties: list[str] = field(default_factory=list)  # member states (by name), then ASEAN
    cycles: list[CycleFigure] = field(default_factory=list)  # oldest first, the report's cycle last
    regional_shown: bool = True  # False in a member state's report: no regional figure
    percent_of_target: Decimal | None = None  # whole percent, half up
    percent_method: str = ""  # "baseline" or "target": which formula gave the percent

    @property
    def current(self) -> CycleFigure | None:
        return self.cycles[-1] if self.cycles else None

    @property
    def trend(self) -> str | None:
        return self.current.trend if self.current else None

    @property
    def shown_cycles(self) -> list[CycleFigure]:
        """The cycles a page shows as columns: the last `MAX_CYCLE_COLUMNS`."""
        return self.cycles[-MAX_CYCLE_COLUMNS:]

    @property
    def cycles_left_out(self) -> int:
        return max(0, len(self.cycles) - MAX_CYCLE_COLUMNS)


def _rounded(value, places):
    return None if value is None else round_half_up(value, places)


def _trend(before, now):
    if before is None or now is None:
        return None
    if now > before:
        return "up"
    if now < before:
        return "down"
    return "flat"


def percent_of_target(actual, baseline, target):
    """(percent, method): (actual - baseline) / (target - baseline) with a baseline, else
    actual / target; whole percent, half up. (None, "") when it cannot be computed."""
    if actual is None or target is None:
        return None, ""
    if baseline is not None:
        if target == baseline:
            return None, ""
        return round_half_up(Decimal(100) * (actual - baseline) / (target - baseline), 0), "baseline"
    if target == 0:
        return None, ""
    return round_half_up(Decimal(100) * actual / target, 0), "target"


def _regional(rule, values, asean, places, expected, language_done):
    """(figure, text, done) for one cycle from the member states' values `values` (as printed)."""
    if rule == Aggregation.NONE or not values:
        return _rounded(asean, places), "", None
    if rule == Aggregation.SUM:
        return _rounded(sum(values), places), "", None
    if rule == Aggregation.AVERAGE:
        return _rounded(sum(values) / len(values), places), "", None
    done = sum(1 for v in values if v >= 1)
    if expected and done >= expected:
        return Decimal(done), language_done, done
    text = ngettext(
        "%(done)s of %(expected)s member state",
        "%(done)s of %(expected)s member states",
        expected,
    ) % {"done": done, "expected": expected}
    return Decimal(done), text, done


def add_results_chain(sections, cycle, approved, *, member_state=None):
    """Give each `IndicatorRow` in `sections` (a dict of `RecommendationSection`) its results chain.

    `approved`: the approved updates that count (`_approved_until(cycle)`). Four queries, whatever
    the size of the record (with or without indicators)."""
    rows = [row for section in sections.values() for row in section.indicators]
    cycles = list(
        ReportingCycle.objects.filter(period_end__lte=cycle.period_end)
        .order_by("period_end", "pk")
        .values("pk", "slug", "name", "name_vi", "period_end")
    )
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=[row.pk for row in rows])}
    values = IndicatorValue.objects.filter(indicator__in=[row.pk for row in rows], update__in=approved)
    if member_state is not None:
        values = values.filter(member_state=member_state)
    by_indicator = defaultdict(list)
    names = {}
    for value in values.order_by(
        "update__cycle__period_end", "update__reviewed_at", "update__pk"
    ).values_list(
        "indicator_id",
        "member_state_id",
        "member_state__name",
        "member_state__name_vi",
        "value",
        "update__cycle_id",
    ):  # oldest first: a later value of the same party wins
        indicator_id, ms_id, name, name_vi, amount, cycle_id = value
        if ms_id is not None:
            names[ms_id] = MemberState(pk=ms_id, name=name, name_vi=name_vi).local_name
        by_indicator[indicator_id].append((ms_id, amount, cycle_id))
    members = MemberState.objects.filter(Q(joined_on__isnull=True) | Q(joined_on__lte=cycle.period_end))
    member_ends = list(members.values_list("joined_on", flat=True))
    order = {c["pk"]: i for i, c in enumerate(cycles)}
    done_word = _("Done: every member state")
    for row in rows:
        indicator = indicators[row.pk]
        places = indicator.decimal_places
        rule = indicator.aggregation
        results = IndicatorResults(
            aggregation=rule,
            aggregation_label=str(Aggregation(rule).label),
            decimal_places=places,
            regional_shown=member_state is None,
        )
        reported = by_indicator.get(row.pk, [])
        parties = {ms_id for ms_id, _a, _c in reported}
        results.parties = sorted(names[p] for p in parties if p is not None) + (
            [ASEAN] if None in parties else []
        )
        latest = {}  # party id -> (exact value, index of the cycle it was reported in)
        pending = sorted(reported, key=lambda r: order.get(r[2], len(cycles)))  # stable: approval order kept
        position = 0
        before = None
        for index, c in enumerate(cycles):
            while position < len(pending) and order.get(pending[position][2], len(cycles)) <= index:
                ms_id, amount, cycle_id = pending[position]
                latest[ms_id] = (amount, order[cycle_id])
                position += 1
            # The cycle's name in the report's language (English marked where none is given).
            name = str(ReportingCycle(slug=c["slug"], name=c["name"], name_vi=c["name_vi"]))
            figure = CycleFigure(slug=c["slug"], name=name, period_end=c["period_end"])
            for ms_id, (amount, at) in latest.items():
                party = names[ms_id] if ms_id is not None else ASEAN
                figure.values[party] = _rounded(amount, places)
                figure.reported_in[party] = cycles[at]["slug"]
            member_values = [
                _rounded(amount, places) for ms_id, (amount, _at) in latest.items() if ms_id is not None
            ]
            asean = latest.get(None, (None, None))[0]
            if member_state is None:
                expected = sum(1 for joined in member_ends if joined is None or joined <= c["period_end"])
                figure.regional, figure.regional_text, figure.done = _regional(
                    rule, member_values, asean, places, expected, done_word
                )
                if figure.done is not None:
                    figure.expected = expected
                figure.headline = figure.regional
            else:
                own = member_values[0] if member_values else asean
                figure.headline = _rounded(own, places)
            figure.trend = _trend(before, figure.headline) if index else None
            before = figure.headline
            results.cycles.append(figure)
        if member_state is None and results.current is not None:
            results.percent_of_target, results.percent_method = percent_of_target(
                results.current.regional, indicator.baseline_value, indicator.target_value
            )
        row.results = results
