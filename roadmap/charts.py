"""Server-side SVG charts: the one chart module that pages, PDF and Word reports all draw with.

Every chart is plain SVG markup built from strings, so the same picture renders in browsers and in
WeasyPrint, needs no JavaScript and no external file. Each chart also carries its figures as a
table (`headers`, `rows`): pages show it as the chart's text alternative and reports print it, so
nobody depends on colour or on seeing the picture. Labels are escaped here, once; callers pass
plain text.

No database access: callers gather the figures, this module only draws them.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from html import escape

from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.numbers import show
from roadmap.models import ActivityStatus, Flag, MilestoneState

# The status colours of the badges (static/css/app.css), so a chart and a table agree.
STATUS_COLOURS: dict[str, str] = {
    ActivityStatus.NOT_STARTED.value: "#6c757d",
    ActivityStatus.ONGOING.value: "#0b5ed7",
    ActivityStatus.DELAYED.value: "#b35900",
    ActivityStatus.COMPLETED.value: "#146c43",
    ActivityStatus.DISCONTINUED.value: "#343a40",
}
FLAG_COLOURS: dict[str, str] = {
    Flag.GREEN.value: "#198754",
    Flag.AMBER.value: "#ffc107",
    Flag.RED.value: "#dc3545",
}
MILESTONE_COLOURS: dict[str, str] = {
    # Darker than the badge's near-white so a diamond stands out on white paper.
    MilestoneState.UPCOMING.value: "#ced4da",
    MilestoneState.DUE_SOON.value: "#ffc107",
    MilestoneState.OVERDUE.value: "#dc3545",
    MilestoneState.ACHIEVED_ON_TIME.value: "#198754",
    MilestoneState.ACHIEVED_LATE.value: "#6f42c1",
}

# A generic family last: WeasyPrint resolves it through fontconfig, browsers through the system.
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
FONT_SIZE = 12
TEXT = "#212529"
MUTED = "#495057"
GRID = "#dee2e6"
TRACK = "#e9ecef"
BASELINE = "#868e96"
TODAY = "#b02a37"
DEFAULT_BAR = "#0b5ed7"
HEAT_LOW = (0xEA, 0xF2, 0xFB)
HEAT_HIGH = (0x08, 0x3D, 0x8C)

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Chart:
    chart_id: str
    title: str
    description: str
    headers: list[str]
    rows: list[list[str]]
    svg: str

    def __html__(self) -> str:
        return self.svg

    def __str__(self) -> str:
        # Safe: Django's {{ chart }} turns the value into str() before checking for __html__.
        return mark_safe(self.svg)  # noqa: S308 - built here from escaped parts


@dataclass
class GanttMilestone:
    label: str
    date: datetime.date
    state: str  # a MilestoneState value
    shown: str = ""  # the date as exactly as it is known ("July to December 2020"); ISO if empty


@dataclass
class GanttRow:
    label: str
    href: str | None
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    baseline_start: datetime.date | None
    baseline_end: datetime.date | None
    status: str  # an ActivityStatus value
    percent: int
    group: str | None = None
    milestones: list[GanttMilestone] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------------


def _esc(value) -> str:
    """Escaped for text and attributes alike; control characters would make the XML ill-formed."""
    return escape(_CONTROL_CHARS.sub("", str(value)), quote=True)


def number(value) -> str:
    """A figure as charts write it, in the active language: 12 rather than 12.0, one decimal
    otherwise, rounded half up (`core.numbers.show`)."""
    return show(value, 1)


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    # An estimate (no font metrics here): wide enough for DejaVu Sans, which is generous.
    return len(text) * size * 0.58


def _fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """The text, cut with an ellipsis to fit the width; the full text stays in a <title>."""
    text = str(text)
    if _text_width(text, size) <= width + 0.5:
        return text
    keep = max(int(width / (size * 0.58)) - 1, 1)
    return text[:keep].rstrip() + "…"


def _make_id(kind: str, chart_id: str | None, *parts) -> str:
    if chart_id:
        return re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    digest = hashlib.sha1(repr((kind, parts)).encode()).hexdigest()[:10]
    return f"chart-{kind}-{digest}"


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _rgb_hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(c))) for c in rgb))


def _luminance(colour: str) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _hex_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _text_on(colour: str) -> str:
    """White or near-black, whichever reads better on the colour (WCAG contrast)."""
    lum = _luminance(colour)
    on_white = 1.05 / (lum + 0.05)
    on_dark = (lum + 0.05) / (_luminance(TEXT) + 0.05)
    return "#ffffff" if on_white >= on_dark else TEXT


def _tint(colour: str, amount: float) -> str:
    """The colour mixed with white: amount 0 is white, 1 the colour itself."""
    return _rgb_hex(255 + (c - 255) * amount for c in _hex_rgb(colour))


def _svg(chart_id: str, title: str, description: str, width: float, height: float, body: list[str]) -> str:
    width, height = round(width), round(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{_esc(chart_id)}" class="chart" role="img" '
        f'aria-labelledby="{_esc(chart_id)}-title {_esc(chart_id)}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" fill="{TEXT}">'
        f'<title id="{_esc(chart_id)}-title">{_esc(title)}</title>'
        f'<desc id="{_esc(chart_id)}-desc">{_esc(description)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x, y, text, *, anchor="start", size=None, weight=None, fill=None, extra="") -> str:
    attrs = f'x="{x:.1f}" y="{y:.1f}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if size:
        attrs += f' font-size="{size}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if fill:
        attrs += f' fill="{fill}"'
    return f"<text {attrs}{extra}>{_esc(text)}</text>"


def _rect(x, y, w, h, fill, *, stroke=None, extra="") -> str:
    attrs = f'x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}"'
    if stroke:
        attrs += f' stroke="{stroke}"'
    return f"<rect {attrs}{extra}/>"


def _line(x1, y1, x2, y2, stroke, *, width=1, extra="") -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
        f'stroke-width="{width}"{extra}/>'
    )


def _no_data(chart_id, title, description, headers, width=720) -> Chart:
    message = _("No data to show.")
    description = f"{description} {message}".strip()
    body = [
        _rect(0.5, 0.5, width - 1, 59, "#f8f9fa", stroke=GRID),
        _text(width / 2, 35, message, anchor="middle", fill=MUTED),
    ]
    svg = _svg(chart_id, title, description, width, 60, body)
    return Chart(chart_id, title, description, headers, [], svg)


def _legend(items, *, x0: float, y0: float, width: float) -> tuple[list[str], float]:
    """Swatches and labels laid out in lines; returns the markup and the height used.

    items: (label, swatch markup function(x, y) -> str). The swatch occupies 14×14 at (x, y).
    """
    parts, x, y, line = [], x0, y0, 20
    for label, swatch in items:
        item_width = 20 + _text_width(label, FONT_SIZE - 1) + 16
        if x > x0 and x + item_width > x0 + width:
            x, y = x0, y + line
        parts.append(swatch(x, y))
        parts.append(_text(x + 20, y + 11, label, size=FONT_SIZE - 1))
        x += item_width
    return parts, (y - y0) + line if items else 0


def _square(colour, stroke=None):
    return lambda x, y: _rect(x, y, 14, 14, colour, stroke=stroke or _darker(colour))


def _darker(colour: str) -> str:
    return _rgb_hex(c * 0.7 for c in _hex_rgb(colour))


def _label_column(labels, minimum=80, maximum=260) -> float:
    longest = max((_text_width(label) for label in labels), default=0)
    return max(minimum, min(maximum, longest + 12))


LINE_H = FONT_SIZE + 2


def _label_lines(labels, width: float) -> list[list[str]]:
    """Each row label on one line, or on two where the column is too narrow: a label is not cut
    unless it needs more than two lines (the full text stays in the row's <title>)."""
    return [
        [str(label)] if _text_width(str(label)) <= width + 0.5 else _wrap(label, width) for label in labels
    ]


def _row_label(x, y_mid, lines) -> str:
    """A row label right-aligned at `x`, its lines centred on `y_mid`."""
    first = y_mid + 4 - (len(lines) - 1) * LINE_H / 2
    return "".join(_text(x, first + k * LINE_H, line, anchor="end") for k, line in enumerate(lines))


# --- stacked bars --------------------------------------------------------------------------------


def stacked_bars(
    *,
    title: str,
    description: str,
    categories: list[str],
    series: list[tuple[str, str, list[float]]],
    chart_id: str | None = None,
) -> Chart:
    """Horizontal bars, one per category, split into the series (e.g. activities by status)."""
    chart_id = _make_id("stacked", chart_id, title, categories, series)
    headers = [_("Category"), *(label for label, _colour, _values in series), _("Total")]
    totals = [sum(float(values[i] or 0) for _l, _c, values in series) for i in range(len(categories))]
    if not categories or not series:
        return _no_data(chart_id, title, description, headers)
    rows = [
        [category, *(number(values[i] or 0) for _l, _c, values in series), number(totals[i])]
        for i, category in enumerate(categories)
    ]
    width = 720
    label_w = _label_column(categories)
    total_w = 48
    plot_x = label_w
    plot_w = width - label_w - total_w
    scale = max(totals) or 1

    legend_items = [(label, _square(colour)) for label, colour, _values in series]
    body, legend_h = _legend(legend_items, x0=plot_x, y0=4, width=plot_w + total_w)
    top = legend_h + 10
    label_lines = _label_lines(categories, label_w - 12)
    row_h, bar_h = (30, 20) if all(len(lines) == 1 for lines in label_lines) else (LINE_H * 2 + 8, 20)
    for i, category in enumerate(categories):
        y = top + i * row_h
        body.append(f"<g><title>{_esc(category)}: {_esc(number(totals[i]))}</title>")
        body.append(_row_label(plot_x - 8, y + bar_h / 2, label_lines[i]))
        body.append(_rect(plot_x, y, plot_w, bar_h, "#f8f9fa", stroke=GRID))
        x = plot_x
        for label, colour, values in series:
            value = float(values[i] or 0)
            if value <= 0:
                continue
            seg_w = plot_w * value / scale
            body.append(
                f"<g><title>{_esc(category)} · {_esc(label)}: {_esc(number(value))}</title>"
                + _rect(x, y, seg_w, bar_h, colour, stroke="#ffffff")
            )
            text = number(value)
            if _text_width(text, FONT_SIZE - 1) + 6 <= seg_w:
                body.append(
                    _text(
                        x + seg_w / 2,
                        y + bar_h / 2 + 4,
                        text,
                        anchor="middle",
                        size=FONT_SIZE - 1,
                        fill=_text_on(colour),
                    )
                )
            body.append("</g>")
            x += seg_w
        body.append(_text(plot_x + plot_w + 6, y + bar_h / 2 + 4, number(totals[i]), weight="bold"))
        body.append("</g>")
    height = top + len(categories) * row_h + 4
    svg = _svg(chart_id, title, description, width, height, body)
    return Chart(chart_id, title, description, headers, rows, svg)


# --- bars ----------------------------------------------------------------------------------------


def bars(
    *,
    title: str,
    description: str,
    categories: list[str],
    values: list[float],
    maximum: float = 100,
    unit: str = "%",
    colour: str | None = None,
    chart_id: str | None = None,
    shown=None,
) -> Chart:
    """Horizontal bars against a track up to `maximum`, each with its value written at its end.

    `shown` writes a value (e.g. `core.numbers.show_percent`, as the report's tables do); by default
    the figure and `unit` with nothing between ("62.5%").
    """
    chart_id = _make_id("bars", chart_id, title, categories, values, maximum, unit)
    headers = [_("Category"), _("Value")]
    if not categories:
        return _no_data(chart_id, title, description, headers)
    colour = colour or DEFAULT_BAR
    shown = shown or (lambda value: f"{number(value)}{unit}")
    rows = [[category, shown(values[i] or 0)] for i, category in enumerate(categories)]
    width = 720
    label_w = _label_column(categories)
    value_w = max(56, max(_text_width(row[1]) for row in rows) + 12)
    plot_x, plot_w = label_w, width - label_w - value_w
    scale = maximum or max((float(v or 0) for v in values), default=1) or 1
    label_lines = _label_lines(categories, label_w - 12)
    row_h, bar_h = (26, 16) if all(len(lines) == 1 for lines in label_lines) else (LINE_H * 2 + 6, 16)
    body = []
    for i, category in enumerate(categories):
        value = float(values[i] or 0)
        y = 6 + (row_h - bar_h) / 2 - 5 + i * row_h
        shown = rows[i][1]
        body.append(f"<g><title>{_esc(category)}: {_esc(shown)}</title>")
        body.append(_row_label(plot_x - 8, y + bar_h / 2, label_lines[i]))
        body.append(_rect(plot_x, y, plot_w, bar_h, TRACK))
        bar_w = plot_w * max(0.0, min(value, scale)) / scale
        if bar_w > 0:
            body.append(_rect(plot_x, y, bar_w, bar_h, colour))
        body.append(_text(plot_x + plot_w + 6, y + bar_h / 2 + 4, shown, weight="bold"))
        body.append("</g>")
    height = 6 + len(categories) * row_h + 4
    svg = _svg(chart_id, title, description, width, height, body)
    return Chart(chart_id, title, description, headers, rows, svg)


# --- heatmap -------------------------------------------------------------------------------------


def _heat_colour(value: float, maximum: float) -> str:
    share = max(0.0, min(1.0, float(value) / maximum)) if maximum else 0.0
    return _rgb_hex(lo + (hi - lo) * share for lo, hi in zip(HEAT_LOW, HEAT_HIGH, strict=True))


def _wrap(text: str, width: float, lines: int = 2, size: float = FONT_SIZE) -> list[str]:
    """Words into at most `lines` lines of the width; the last line cut with an ellipsis."""
    words, out, current = str(text).split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if _text_width(candidate, size) <= width or not current:
            current = candidate
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = out[: lines - 1] + [" ".join(out[lines - 1 :])]
    return [_fit(line, width, size) for line in out]


def heatmap(
    *,
    title: str,
    description: str,
    row_labels: list[str],
    column_labels: list[str],
    values: list[list[float | None]],
    annotations: list[list[str]] | None = None,
    maximum: float = 100,
    chart_id: str | None = None,
) -> Chart:
    """A grid of cells shaded by value (darker is higher); empty cells (None) stay white with a dash."""
    chart_id = _make_id("heatmap", chart_id, title, row_labels, column_labels, values, annotations)
    headers = ["", *column_labels]

    def shown(i, j):
        if annotations is not None and annotations[i][j]:
            return str(annotations[i][j])
        value = values[i][j]
        return "–" if value is None else number(value)

    if not row_labels or not column_labels:
        return _no_data(chart_id, title, description, headers)
    rows = [[label, *(shown(i, j) for j in range(len(column_labels)))] for i, label in enumerate(row_labels)]
    width = 720
    label_w = _label_column(row_labels, maximum=200)
    cell_w = max(56.0, (width - label_w - 4) / len(column_labels))
    width = label_w + cell_w * len(column_labels) + 4
    header_h = 40
    cell_h = 30
    body = []
    for j, label in enumerate(column_labels):
        cx = label_w + j * cell_w + cell_w / 2
        lines = _wrap(label, cell_w - 6, size=FONT_SIZE - 1)
        body.append(f"<g><title>{_esc(label)}</title>")
        for k, line in enumerate(lines):
            y = header_h - 8 - (len(lines) - 1 - k) * 14
            body.append(_text(cx, y, line, anchor="middle", size=FONT_SIZE - 1, weight="bold"))
        body.append("</g>")
    for i, row_label in enumerate(row_labels):
        y = header_h + i * cell_h
        body.append(_text(label_w - 8, y + cell_h / 2 + 4, _fit(row_label, label_w - 12), anchor="end"))
        for j, column_label in enumerate(column_labels):
            x = label_w + j * cell_w
            value = values[i][j]
            text = shown(i, j)
            fill = "#ffffff" if value is None else _heat_colour(value, maximum)
            body.append(
                f"<g><title>{_esc(row_label)} · {_esc(column_label)}: {_esc(text)}</title>"
                + _rect(x, y, cell_w, cell_h, fill, stroke="#ffffff" if value is not None else GRID)
                + _text(
                    x + cell_w / 2,
                    y + cell_h / 2 + 4,
                    _fit(text, cell_w - 6, FONT_SIZE - 1),
                    anchor="middle",
                    size=FONT_SIZE - 1,
                    fill=MUTED if value is None else _text_on(fill),
                )
                + "</g>"
            )
    legend_y = header_h + len(row_labels) * cell_h + 10
    percent = maximum == 100
    steps = [maximum * k / 4 for k in range(5)]
    legend_items = [
        (f"{number(step)}{'%' if percent else ''}", _square(_heat_colour(step, maximum), stroke=GRID))
        for step in steps
    ]
    legend_items.append((_("none"), _square("#ffffff", stroke=MUTED)))
    legend, legend_h = _legend(legend_items, x0=label_w, y0=legend_y, width=width - label_w)
    body.extend(legend)
    height = legend_y + legend_h + 2
    svg = _svg(chart_id, title, description, width, height, body)
    return Chart(chart_id, title, description, headers, rows, svg)


# --- gantt ---------------------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _ticks(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, str, str]]:
    """(date, label, second line) ticks: months, quarters or years, whichever suits the span."""
    span = (end - start).days
    if span <= 550:
        step, kind = 1, "month"
    elif span <= 365 * 3:
        step, kind = 3, "quarter"
    elif span <= 365 * 8:
        step, kind = 6, "half"
    else:
        step, kind = 12, "year"
    first = datetime.date(start.year, start.month, 1)
    if kind != "month":
        month = ((first.month - 1) // step) * step + 1
        first = datetime.date(first.year, month, 1)
    if first < start:
        first = _add_months(first, step)
    ticks, day, previous_year = [], first, None
    while day <= end:
        if kind == "month":
            label = date_format(day, "M")
        elif kind == "quarter":
            label = f"Q{(day.month - 1) // 3 + 1}"
        elif kind == "half":
            label = f"H{(day.month - 1) // 6 + 1}"
        else:
            label = str(day.year)
        year_line = str(day.year) if kind != "year" and day.year != previous_year else ""
        ticks.append((day, label, year_line))
        previous_year = day.year
        day = _add_months(day, step)
    return ticks


def _diamond(cx, cy, r, fill, stroke=TEXT) -> str:
    points = f"{cx:.1f},{cy - r:.1f} {cx + r:.1f},{cy:.1f} {cx:.1f},{cy + r:.1f} {cx - r:.1f},{cy:.1f}"
    return f'<polygon points="{points}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'


def _iso(day):
    return day.isoformat() if day else "–"


def _span(start, end):
    if not start and not end:
        return "–"
    return f"{_iso(start)} – {_iso(end)}"


def gantt(
    *,
    title: str,
    description: str,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None,
    rows: list[GanttRow],
    chart_id: str | None = None,
) -> Chart:
    """Activities on a time axis: planned bar over a thin grey baseline, milestones, a today line.

    The planned bar is a pale tint of its status colour, filled in the full colour up to the
    percent complete, with the percent written beside it. Rows are grouped under a label row
    whenever `group` changes.
    """
    chart_id = _make_id("gantt", chart_id, title, start, end, today, rows)
    headers = [
        _("Activity"),
        _("Planned"),
        _("Baseline"),
        _("Slip (days)"),
        _("Status"),
        _("Percent complete"),
        _("Milestones"),
    ]
    statuses = dict(ActivityStatus.choices)
    states = dict(MilestoneState.choices)

    def slip(row):
        if row.planned_end and row.baseline_end:
            return str((row.planned_end - row.baseline_end).days)
        return "–"

    table = [
        [
            row.label,
            _span(row.planned_start, row.planned_end),
            _span(row.baseline_start, row.baseline_end),
            slip(row),
            str(statuses.get(row.status, row.status)),
            f"{row.percent}%",
            "; ".join(
                f"{m.label} ({m.shown or _iso(m.date)}, {states.get(m.state, m.state)})"
                for m in row.milestones
            ),
        ]
        for row in rows
    ]
    if not rows:
        return _no_data(chart_id, title, description, headers, width=960)
    if end <= start:
        end = start + datetime.timedelta(days=30)

    width = 960
    label_w = _label_column([row.label for row in rows] + [row.group or "" for row in rows], 120, 280)
    plot_x = label_w + 4
    plot_w = width - plot_x - 56  # room on the right for the percent label
    span = (end - start).days

    def x_of(day: datetime.date) -> float:
        day = max(start, min(end, day))
        return plot_x + plot_w * (day - start).days / span

    today_h = 18
    axis_h = 34
    top = today_h + axis_h
    row_h, group_h = 26, 24
    layout, y, previous = [], top, object()
    for row in rows:
        if row.group is not None and row.group != previous:
            layout.append(("group", row.group, y))
            y += group_h
        previous = row.group
        layout.append(("row", row, y))
        y += row_h
    plot_bottom = y

    body = []
    # Axis: tick lines across the rows, labels above.
    for day, label, year_line in _ticks(start, end):
        x = x_of(day)
        body.append(_line(x, top - 4, x, plot_bottom, GRID))
        body.append(_text(x + 3, top - 20 if year_line else top - 8, label, size=FONT_SIZE - 1, fill=MUTED))
        if year_line:
            body.append(_text(x + 3, top - 7, year_line, size=FONT_SIZE - 1, weight="bold", fill=MUTED))
    body.append(_line(plot_x, top, plot_x + plot_w, top, MUTED))

    for kind, item, y in layout:
        if kind == "group":
            body.append(_rect(0, y + 2, width, group_h - 4, "#f1f3f5"))
            body.append(_text(6, y + group_h / 2 + 4, _fit(item, width - 12), weight="bold"))
            continue
        row: GanttRow = item
        colour = STATUS_COLOURS.get(row.status, DEFAULT_BAR)
        status_label = str(statuses.get(row.status, row.status))
        tooltip = (
            f"{row.label}: {_('planned')} {_span(row.planned_start, row.planned_end)}, "
            f"{_('baseline')} {_span(row.baseline_start, row.baseline_end)}, {status_label}, {row.percent}%"
        )
        body.append(f'<g class="gantt-row" data-status="{_esc(row.status)}"><title>{_esc(tooltip)}</title>')
        body.append(_line(0, y + row_h, width, y + row_h, "#f1f3f5"))
        label = _text(label_w - 4, y + row_h / 2 + 4, _fit(row.label, label_w - 10), anchor="end")
        if row.href:
            label = f'<a href="{_esc(row.href)}">{label}</a>'
        body.append(label)
        if (
            row.baseline_start
            and row.baseline_end
            and row.baseline_end >= start
            and row.baseline_start <= end
        ):
            bx1, bx2 = x_of(row.baseline_start), x_of(row.baseline_end)
            body.append(_rect(bx1, y + row_h - 8, max(bx2 - bx1, 2), 4, BASELINE, extra=' class="baseline"'))
        if row.planned_start and row.planned_end and row.planned_end >= start and row.planned_start <= end:
            px1, px2 = x_of(row.planned_start), x_of(row.planned_end)
            bar_w = max(px2 - px1, 3)
            body.append(
                _rect(px1, y + 5, bar_w, 12, _tint(colour, 0.28), stroke=colour, extra=' class="planned"')
            )
            percent = max(0, min(100, int(row.percent or 0)))
            if percent:
                body.append(_rect(px1, y + 5, bar_w * percent / 100, 12, colour, extra=' class="done"'))
            text = f"{percent}%"
            if px1 + bar_w + 4 + _text_width(text, FONT_SIZE - 1) <= width:
                body.append(_text(px1 + bar_w + 4, y + 15, text, size=FONT_SIZE - 1))
            else:
                body.append(_text(px1 - 4, y + 15, text, anchor="end", size=FONT_SIZE - 1))
        elif not (row.baseline_start and row.baseline_end):
            body.append(_text(plot_x + 4, y + 15, _("no dates planned"), size=FONT_SIZE - 1, fill=MUTED))
        for milestone in row.milestones:
            if milestone.date is None or not (start <= milestone.date <= end):
                continue
            state_label = states.get(milestone.state, milestone.state)
            shown = milestone.shown or _iso(milestone.date)
            body.append(
                f'<g class="milestone" data-state="{_esc(milestone.state)}"><title>'
                f"{_esc(milestone.label)}: {_esc(shown)}, {_esc(state_label)}</title>"
                + _diamond(x_of(milestone.date), y + 11, 6, MILESTONE_COLOURS.get(milestone.state, "#adb5bd"))
                + "</g>"
            )
        body.append("</g>")

    show_today = today is not None and start <= today <= end
    if show_today:
        tx = x_of(today)
        label = f"{_('Today')} {today.isoformat()}"
        anchor = "end" if tx + _text_width(label, FONT_SIZE - 1) > width else "start"
        body.append(
            f'<g class="today"><line x1="{tx:.1f}" y1="{today_h - 2}" x2="{tx:.1f}" y2="{plot_bottom}" '
            f'stroke="{TODAY}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            + _text(
                tx + (3 if anchor == "start" else -3),
                today_h - 6,
                label,
                anchor=anchor,
                size=FONT_SIZE - 1,
                weight="bold",
                fill=TODAY,
            )
            + "</g>"
        )

    # Legend: what the colours, the thin bar, the diamonds and the dashed line mean.
    used_statuses = [s for s in ActivityStatus if any(r.status == s.value for r in rows)]
    used_states = [s for s in MilestoneState if any(m.state == s.value for r in rows for m in r.milestones)]
    items = [(str(s.label), _square(STATUS_COLOURS[s.value])) for s in used_statuses]
    items.append((_("done (percent complete)"), lambda x, y: _rect(x, y + 1, 14, 12, MUTED)))
    items.append((_("baseline"), lambda x, y: _rect(x, y + 5, 14, 4, BASELINE)))
    items += [
        (str(s.label), lambda x, y, c=MILESTONE_COLOURS[s.value]: _diamond(x + 7, y + 7, 6, c))
        for s in used_states
    ]
    if show_today:
        items.append(
            (
                _("today"),
                lambda x, y: (
                    f'<line x1="{x + 7}" y1="{y}" x2="{x + 7}" y2="{y + 14}" stroke="{TODAY}" '
                    f'stroke-width="1.5" stroke-dasharray="4 3"/>'
                ),
            )
        )
    legend, legend_h = _legend(items, x0=6, y0=plot_bottom + 10, width=width - 12)
    body.extend(legend)
    height = plot_bottom + 10 + legend_h + 2
    svg = _svg(chart_id, title, description, width, height, body)
    return Chart(chart_id, title, description, headers, table, svg)


def span_for(rows: list[GanttRow], today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """A time axis that holds every bar, milestone and today, padded to whole months."""
    days = [
        day
        for row in rows
        for day in (row.planned_start, row.planned_end, row.baseline_start, row.baseline_end)
        if day
    ]
    days += [m.date for row in rows for m in row.milestones if m.date]
    if today:
        days.append(today)
    if not days:
        today = today or datetime.date.today()
        return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    first, last = min(days), max(days)
    start = datetime.date(first.year, first.month, 1)
    end = _add_months(datetime.date(last.year, last.month, 1), 1) - datetime.timedelta(days=1)
    # A span of less than a quarter makes the month labels crowd nothing but looks lost.
    if (end - start).days < 90:
        end = _add_months(start, 3) - datetime.timedelta(days=1)
    return start, end


__all__ = [
    "FLAG_COLOURS",
    "MILESTONE_COLOURS",
    "STATUS_COLOURS",
    "Chart",
    "GanttMilestone",
    "GanttRow",
    "bars",
    "number",
    "gantt",
    "heatmap",
    "span_for",
    "stacked_bars",
]
