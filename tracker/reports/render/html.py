"""The cycle report as one self-contained, printable HTML page (and the source of the PDF).

The downloaded file must open anywhere, offline: the stylesheet is inlined, the charts are inline
SVG, and nothing points at a server.
"""

from __future__ import annotations

from functools import cache

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override

from roadmap.charts import FLAG_COLOURS, MILESTONE_COLOURS, STATUS_COLOURS
from tracker.reports import narrative
from tracker.reports.render import common

TEMPLATE = "tracker/reports/report.html"
STYLESHEET = "css/report.css"


@cache
def _stylesheet_text(path: str) -> str:
    # Read once per process: the file ships with the code and does not change while it runs.
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"The report stylesheet {path} is missing from the static files.")
    with open(found, encoding="utf-8") as handle:
        return handle.read()


def stylesheet() -> str:
    # "</style" inside the text would end the <style> element early; our file never has it.
    return _stylesheet_text(STYLESHEET).replace("</", "<\\/")


def css_string(text: str) -> str:
    """`text` as a quoted CSS string, safe inside a <style> element."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    return f'"{escaped}"'


def context(report, *, pdf: bool = False) -> dict:
    lang = report.language
    formats = common.date_formats(lang)
    previous = report.previous_approved_updates
    return {
        "report": report,
        "pdf": pdf,
        "css": mark_safe(stylesheet()),  # noqa: S308 - our own static file
        "title_css": mark_safe(css_string(report.title)),  # noqa: S308 - escaped by css_string
        "page_css": mark_safe(css_string(_("Page") + " ")),  # noqa: S308 - escaped by css_string
        "of_css": mark_safe(css_string(" " + _("of") + " ")),  # noqa: S308 - escaped by css_string
        "date_long": formats["long"],
        "date_short": formats["short"],
        "datetime_format": formats["datetime"],
        "period": common.period(report),
        "next_period": common.next_period(report),
        "generated_line": common.generated_line(report),
        "approved_only_line": common.approved_only_line(),
        "provisional_line": common.provisional_line(report),
        "plan_only_line": common.plan_only_line(report),
        "discipline_rule": common.discipline_rule(report),
        "illustrative_codes": report.illustrative_codes,
        "illustrative_legend": common.illustrative_legend(),
        "provisional_css": mark_safe(css_string(common.provisional_line(report))),  # noqa: S308 - escaped by css_string
        "previous_line": common.previous_line(report),
        "update_delta": None if previous is None else report.approved_updates - previous,
        "charts": common.charts(report),
        "status_colours": STATUS_COLOURS,
        "flag_colours": FLAG_COLOURS,
        "milestone_colours": MILESTONE_COLOURS,
        "sections": [
            {"section": s, "anchor": f"rec-{s.number}" if s.number is not None else "rec-roadmap"}
            for s in report.sections
        ],
        "annexed": {u.activity_code for u in report.annex},
        "annex_groups": _by_activity(report.annex),
        "changes_by_activity": _by_activity(report.changes),
        "fallback_mark": narrative.fallback_mark(),
    }


def _by_activity(items):
    """Annex updates or changes as [(code, title, [items])], in the report's activity order."""
    groups = []
    for item in items:
        if not groups or groups[-1][0] != item.activity_code:
            groups.append((item.activity_code, item.activity_title, []))
        groups[-1][2].append(item)
    return groups


def render_string(report, *, pdf: bool = False) -> str:
    with override(report.language):
        return render_to_string(TEMPLATE, context(report, pdf=pdf))


def render(report, *, progress) -> bytes:
    with override(report.language):
        progress(60, _("Laying out the HTML page"))
        return render_string(report).encode("utf-8")
