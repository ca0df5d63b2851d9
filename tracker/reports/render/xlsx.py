"""The cycle report as an Excel workbook: one sheet per table, typed cells, nothing that can execute.

Write-only mode keeps memory flat on a large record; in that mode column widths and the frozen
header must be set before the first row is written.
"""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from core.spreadsheets import neutralise
from tracker.reports import narrative
from tracker.reports.render import common, results

HEADER_FONT = Font(bold=True, color="12355B")
HEADER_FILL = PatternFill("solid", fgColor="E8EEF6")
HEADER_BORDER = Border(bottom=Side(style="medium", color="12355B"))
LABEL_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14, color="12355B")
TOTAL_FONT = Font(bold=True)
PROVISIONAL_FONT = Font(bold=True, size=12, color="9A3412")
PLAN_FILL = PatternFill("solid", fgColor="FFF2CC")  # status, flag and percent from the plan alone
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(text: str) -> str:
    return _SHEET_FORBIDDEN.sub("-", str(text)).strip("'")[:31] or "Sheet"


class _Sheet:
    """One table on its own sheet: bold frozen header, set widths, an auto-filter over the rows."""

    def __init__(self, workbook, report, title, columns, *, freeze=True, autofilter=True):
        # columns: [(header, width, kind)], kind in text | long | int | number | percent1 | date | datetime
        self.ws = workbook.create_sheet(title=_sheet_title(title))
        self.kinds = [kind for _h, _w, kind in columns]
        self.autofilter = autofilter
        for i, (_header, width, _kind) in enumerate(columns, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        # A provisional report says so above every sheet's table, where no filter or sort moves it.
        mark = common.provisional_line(report)
        self.top = 2 if mark else 1  # the header's row
        if freeze:
            self.ws.freeze_panes = f"A{self.top + 1}"
        self.rows = 0
        if mark:
            cell = WriteOnlyCell(self.ws, value=neutralise(mark))
            cell.font = PROVISIONAL_FONT
            self.ws.append([cell])
        self.ws.append([self._header(header) for header, _w, _k in columns])

    def _header(self, text):
        cell = WriteOnlyCell(self.ws, value=neutralise(str(text)))
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_BORDER, WRAP
        return cell

    def append(self, values, *, font=None, marked=()):
        """A row; the cells at the indexes `marked` are shaded as resting on the plan alone."""
        cells = [self._cell(v, kind, font) for v, kind in zip(values, self.kinds, strict=True)]
        for i in marked:
            cells[i].fill = PLAN_FILL
        self.ws.append(cells)
        self.rows += 1

    def _cell(self, value, kind, font):
        value = _value(value)
        cell = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, datetime.datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT
        elif kind == "percent1" and isinstance(value, int | float | Decimal):
            cell.number_format = "0.0"
        cell.alignment = WRAP if kind == "long" else TOP
        if font is not None:
            cell.font = font
        return cell

    def close(self):
        if self.autofilter and self.rows:
            last = get_column_letter(len(self.kinds))
            self.ws.auto_filter.ref = f"A{self.top}:{last}{self.top + self.rows}"


def _value(value):
    """A cell value: numbers and dates stay typed; text can never start a formula."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: the secretariat's (Jakarta) wall-clock time, as the report says.
        local = common.jakarta(value)
        return local.replace(tzinfo=None)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float | Decimal | datetime.date):
        return value
    return neutralise(str(value))


def render(report, *, progress) -> bytes:
    with override(report.language):
        progress(55, _("Writing the workbook's sheets"))
        workbook = Workbook(write_only=True)
        _document_control(workbook, report)
        _about(workbook, report)
        _summary(workbook, report)
        _activities(workbook, report)
        _milestones(workbook, report)
        _indicators(workbook, report)
        _results_chain(workbook, report)
        _participation(workbook, report)
        _discipline(workbook, report)
        _matrix(workbook, report)
        _delivery_issues(workbook, report)
        _changes(workbook, report)
        progress(75, _("Writing the annex"))
        _annex(workbook, report)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def _about(workbook, report):
    """The cover: what this workbook is, for which cycle and scope, and the key figures."""
    sheet = _Sheet(
        workbook, report, _("Report"), [(_("Item"), 34, "text"), (_("Value"), 80, "long")], autofilter=False
    )
    rows = [
        (_("Roadmap"), report.roadmap_title),
        (_("Report"), report.title),
        (_("Reporting cycle"), f"{report.cycle_name} ({report.cycle_slug})"),
        (_("Period start"), report.period_start),
        (_("Period end"), report.period_end),
        (_("Reporting deadline"), report.deadline),
        (_("Cycle state"), report.cycle_state),
        (_("Report status"), common.status_text(report)),
        (_("Updates awaiting review"), report.awaiting_review),
        (_("Scope"), report.scope_label),
        (_("Previous cycle"), report.previous_cycle_slug or _("None: this is the first cycle")),
        (_("Generated by"), report.generated_by or "—"),
        (_("Generated at (Jakarta time)"), report.generated_at),
        (_("Source"), common.approved_only_line()),
        (_("Overall completion (%)"), report.completion),
        (_("Activities"), report.activity_count),
        (_("Activities completed"), report.completed_count),
        (_("Activities resting on the plan alone (no approved update)"), report.plan_only_count),
        (_("Completed activities resting on the plan alone"), report.plan_only_completed),
        (_("Approved updates this cycle"), report.approved_updates),
        (_("Approved updates in the previous cycle"), report.previous_approved_updates),
        (_("Reports owed this cycle"), report.expected_total),
        (_("Reports approved"), report.approved_total),
        (_("Reporting completeness (%)"), report.percent_approved),
        (_("Next period"), common.next_period(report)),
        (_("Illustrative"), common.illustrative_legend()),
    ]
    for label, value in rows:
        sheet.ws.append([_label_cell(sheet.ws, label), sheet._cell(value, "long", None)])
    sheet.close()


def _label_cell(ws, text):
    cell = WriteOnlyCell(ws, value=neutralise(str(text)))
    cell.font, cell.alignment = LABEL_FONT, TOP
    return cell


def _summary(workbook, report):
    columns = [(_("Recommendation"), 40, "text"), (_("Activities"), 11, "int")]
    columns += [(t.label, 12, "int") for t in report.status_totals]
    columns += [(t.label, 10, "int") for t in report.flag_totals]
    columns += [(_("Approved updates this cycle"), 14, "int"), (_("Average completion (%)"), 14, "percent1")]
    sheet = _Sheet(workbook, report, _("Summary"), columns)
    for section in report.sections:
        sheet.append(
            [
                section.heading,
                section.activity_count,
                *(c.count for c in section.status_counts),
                *(c.count for c in section.flag_counts),
                section.approved_updates,
                section.completion,
            ]
        )
    sheet.append(
        [
            _("Total"),
            report.activity_count,
            *(c.count for c in report.status_totals),
            *(c.count for c in report.flag_totals),
            report.approved_updates,
            report.completion,
        ],
        font=TOTAL_FONT,
    )
    sheet.close()


def _activities(workbook, report):
    shared = common.activity_columns(report)
    widths = [14, 9, 48, 24, 30, 14, 10, 10, 12, 12, 12, 12, 70]
    columns = [(label, width, kind) for (label, _get, kind), width in zip(shared, widths, strict=True)]
    extra = [
        (_("Status from the plan (no approved update yet)"), 14, "text"),
        (_("Approved updates this cycle"), 12, "int"),
        (_("Narrative reported by"), 20, "text"),
        (_("Illustrative"), 12, "text"),
    ]
    if report.previous_cycle_slug:
        extra += [
            (_("Status in %(cycle)s") % {"cycle": report.previous_cycle_slug}, 14, "text"),
            (_("Percent complete in %(cycle)s") % {"cycle": report.previous_cycle_slug}, 12, "int"),
        ]
    sheet = _Sheet(workbook, report, _("Activities"), columns + extra)
    status_labels = {t.value: t.label for t in report.status_totals}
    # Values resting on the plan alone are shaded, as is the column that says so.
    from_plan = [
        i
        for i, (label, _get, _kind) in enumerate(shared)
        if label in {_("Status"), _("Flag"), _("Percent complete")}
    ]
    from_plan.append(len(shared))
    for activity in report.activities:
        row = [get(activity) for _label, get, _kind in shared]
        row += [
            activity.from_plan,
            activity.updates_this_cycle,
            activity.narrative_party,
            activity.illustrative,
        ]
        if report.previous_cycle_slug:
            row += [
                status_labels.get(activity.previous_status, activity.previous_status),
                activity.previous_percent,
            ]
        sheet.append(row, marked=from_plan if activity.from_plan else ())
    sheet.close()


def _milestones(workbook, report):
    sheet = _Sheet(
        workbook,
        report,
        _("Milestones"),
        [
            (_("Recommendation"), 30, "text"),
            (_("Activity"), 10, "text"),
            (_("Milestone"), 50, "long"),
            (_("Listed as"), 26, "text"),
            (_("Baseline date"), 13, "date"),
            (_("Planned date"), 13, "date"),
            (_("Achieved on"), 13, "date"),
            (_("Slip (days)"), 10, "int"),
            (_("State"), 16, "text"),
            (_("Illustrative"), 12, "text"),
            (_("Due date"), 13, "date"),
            (_("Days overdue"), 10, "int"),
            (_("Revised date"), 13, "date"),
            (_("Reason"), 50, "long"),
            (_("Reason from"), 30, "text"),
            (_("Planned date as the plan gives it"), 22, "text"),
        ],
    )
    lang = report.language
    codes = report.illustrative_codes
    for section, kind, label, m in common.milestone_groups(report):
        sheet.append(
            [
                section.heading,
                m.activity_code,
                m.title,
                label,
                m.baseline_date,
                m.planned_date,
                m.actual_date,
                m.slip_days,
                m.state_label,
                m.activity_code in codes,
                *(
                    (m.due_date, m.days_overdue, m.revised_date, m.reason, m.reason_source)
                    if kind == "overdue"
                    else (None, None, None, "", "")
                ),
                common.show_milestone_date(m.planned_date, m.precision, lang),
            ]
        )
    sheet.close()


def _indicators(workbook, report):
    sheet = _Sheet(
        workbook,
        report,
        _("Indicators"),
        [
            (_("Recommendation"), 30, "text"),
            (_("Indicator"), 50, "long"),
            (_("Owner"), 18, "text"),
            (_("Unit"), 16, "text"),
            (_("Baseline"), 12, "number"),
            (_("Baseline year"), 10, "int"),
            (_("Target"), 12, "number"),
            (_("Target year"), 10, "int"),
            (_("Member state"), 20, "text"),
            (_("Latest approved value"), 14, "number"),
            (_("Reported for cycle"), 12, "text"),
            (_("Note"), 40, "long"),
            (_("Illustrative"), 12, "text"),
        ],
    )
    for section in report.sections:
        for ind in section.indicators:
            head = [
                section.heading,
                ind.name,
                ind.owner,
                ind.unit,
                ind.baseline_value,
                ind.baseline_year,
                ind.target_value,
                ind.target_year,
            ]
            if not ind.values:
                sheet.append([*head, None, None, None, None, ind.illustrative])
            for value in ind.values:
                sheet.append(
                    [*head, value.member_state, value.value, value.cycle, value.note, ind.illustrative]
                )
    sheet.close()


def _results_chain(workbook, report):
    """Indicators as a results chain: a row per indicator, cycle and party (the regional figure first),
    every cycle up to this one; values are numbers in the unit's precision."""
    sheet = _Sheet(
        workbook,
        report,
        _("Indicator results"),
        [
            (_("Recommendation"), 30, "text"),
            (_("Indicator"), 44, "long"),
            (_("Owner"), 16, "text"),
            (_("Unit"), 16, "text"),
            (_("Regional figure"), 30, "long"),
            (_("Baseline"), 12, "number"),
            (_("Baseline year"), 10, "int"),
            (_("Target"), 12, "number"),
            (_("Target year"), 10, "int"),
            (_("Cycle"), 16, "text"),
            (_("Cycle ends"), 12, "date"),
            (_("Member state, or the figure"), 24, "text"),
            (_("Value"), 12, "number"),
            (_("Value in words"), 22, "text"),
            (_("Reported in cycle"), 14, "text"),
            (_("Percent of target"), 12, "int"),
            (_("Trend"), 10, "text"),
            (_("Illustrative"), 12, "text"),
        ],
    )
    number_format = {0: "#,##0", 1: "#,##0.0", 2: "#,##0.00"}
    value_columns = (5, 7, 12)  # baseline, target, value: in the unit's precision
    for section in report.sections:
        for ind in section.indicators:
            chain = ind.results
            if chain is None:
                continue
            places = chain.decimal_places
            head = [
                section.heading,
                ind.name,
                ind.owner,
                ind.unit,
                chain.aggregation_label,
                results.round_value(ind.baseline_value, places),
                ind.baseline_year,
                results.round_value(ind.target_value, places),
                ind.target_year,
            ]
            for figure in chain.cycles:
                current = figure is chain.current
                lines = []
                if chain.regional_shown:
                    lines.append(
                        [
                            results.headline_label(chain),
                            figure.headline,
                            figure.regional_text,
                            "",
                            chain.percent_of_target if current else None,
                        ]
                    )
                for party in chain.parties:
                    if party in figure.values:
                        lines.append([party, figure.values[party], "", figure.reported_in[party], None])
                for i, (who, value, words, reported_in, percent) in enumerate(lines):
                    trend = results.trend_text(figure.trend) if i == 0 and figure.trend else ""
                    row = [
                        *head,
                        figure.name,
                        figure.period_end,
                        who,
                        value,
                        words,
                        reported_in,
                        percent,
                        trend,
                        ind.illustrative,
                    ]
                    cells = [sheet._cell(v, kind, None) for v, kind in zip(row, sheet.kinds, strict=True)]
                    for column in value_columns:
                        if isinstance(row[column], Decimal):
                            cells[column].number_format = number_format.get(places, "#,##0.00")
                    if i == 0 and chain.regional_shown:
                        for cell in cells:
                            cell.font = LABEL_FONT
                    sheet.ws.append(cells)
                    sheet.rows += 1
    sheet.close()


def _participation(workbook, report):
    sheet = _Sheet(
        workbook,
        report,
        _("Participation"),
        [
            (_("Member state or body"), 26, "text"),
            (_("Kind"), 14, "text"),
            (_("Activities led"), 12, "int"),
            (_("Activities joined"), 12, "int"),
            (_("Reports owed"), 12, "int"),
            (_("Reports approved"), 12, "int"),
            (_("Reporting completeness (%)"), 14, "int"),
        ],
    )
    parties, total = common.participation_rows(report)
    for row in parties:
        sheet.append(row)
    sheet.append(total, font=TOTAL_FONT)
    sheet.close()


def _changes(workbook, report):
    previous = report.previous_cycle_slug
    sheet = _Sheet(
        workbook,
        report,
        _("Changes"),
        [
            (_("Activity"), 10, "text"),
            (_("Title"), 48, "long"),
            (_("Changed"), 18, "text"),
            (_("In %(cycle)s") % {"cycle": previous or _("the previous cycle")}, 16, "text"),
            (_("In %(cycle)s") % {"cycle": report.cycle_slug}, 16, "text"),
            (_("Illustrative"), 12, "text"),
        ],
    )
    if previous is None:
        sheet.append([common.previous_line(report), "", "", "", "", None])
    codes = report.illustrative_codes
    for change in report.changes:
        sheet.append(
            [
                change.activity_code,
                change.activity_title,
                change.field_label,
                change.before,
                change.after,
                change.activity_code in codes,
            ]
        )
    sheet.close()


def _annex(workbook, report):
    sheet = _Sheet(
        workbook,
        report,
        _("Annex"),
        [
            (_("Activity"), 10, "text"),
            (_("Title"), 36, "long"),
            (_("Member state or body"), 20, "text"),
            (_("Author"), 20, "text"),
            (_("Submitted at"), 17, "datetime"),
            (_("Approved at"), 17, "datetime"),
            (_("Approved by"), 20, "text"),
            (_("Status"), 14, "text"),
            (_("Flag"), 10, "text"),
            (_("Percent complete"), 10, "int"),
            (_("No progress this period"), 10, "text"),
            (_("Narrative"), 70, "long"),
            (_("Achievements"), 40, "long"),
            (_("Challenges"), 40, "long"),
            (_("Next steps"), 40, "long"),
            (_("Support needed"), 40, "long"),
            (_("Milestones achieved"), 36, "long"),
            (_("Indicator values"), 36, "long"),
            (_("Evidence links"), 40, "long"),
            (_("Evidence files"), 30, "long"),
            (_("Corrects update"), 10, "int"),
            (_("Update"), 10, "int"),
            (_("Illustrative"), 12, "text"),
        ],
    )
    codes = report.illustrative_codes
    lang = report.language
    for u in report.annex:
        sheet.append(
            [
                u.activity_code,
                u.activity_title,
                u.party,
                u.author,
                u.submitted_at,
                u.approved_at,
                u.approved_by,
                u.status_label,
                u.flag_label,
                u.percent,
                u.no_progress,
                common.plain_text(u.narrative),
                common.plain_text(u.achievements),
                common.plain_text(u.challenges),
                common.plain_text(u.next_steps),
                common.plain_text(u.support_needed),
                "\n".join(f"{name} ({common.show_date(day, lang)})" for name, day in u.milestones),
                "\n".join(common.indicator_value_line(*value) for value in u.indicator_values),
                "\n".join(common.link_line(*link) for link in u.links),
                "\n".join(u.files),
                u.corrects,
                u.pk,
                u.activity_code in codes,
            ]
        )
    sheet.close()


def _discipline(workbook, report):
    headers = common.discipline_headers()
    sheet = _Sheet(
        workbook,
        report,
        _("Reporting discipline"),
        [
            (headers[0], 26, "text"),
            (_("Kind"), 14, "text"),
            *[(header, 12, "int") for header in headers[1:]],
        ],
    )
    rows, total = common.discipline_rows(report)
    for row in rows:
        sheet.append(row)
    if total is not None:
        sheet.append(total, font=TOTAL_FONT)
    sheet.append([common.discipline_rule(report), *[None] * 7])
    sheet.close()


def _matrix(workbook, report):
    """One sheet per part (member states, bodies): a row per activity, a column per party."""
    matrix = report.matrix
    for part in matrix.parts:
        title = _("Matrix") if part.kind == "member_states" else _("Matrix, bodies")
        sheet = _Sheet(
            workbook,
            report,
            title,
            [(_("Activity"), 16, "text"), *[(column.short, 11, "text") for column in part.columns]],
            autofilter=False,  # a grid with its key below, not a list to filter
        )
        for row in part.rows:
            sheet.append([common.matrix_code(row), *[cell.text for cell in row.cells]])
        blank = [None] * len(part.columns)
        sheet.append([_("Key"), *blank])
        for symbol, meaning in matrix.legend:
            sheet.append([f"{symbol}: {meaning}", *blank])
        for column in part.columns:
            sheet.append([f"{column.short}: {column.name}", *blank])
        if matrix.note:
            sheet.append([matrix.note, *blank])
        sheet.close()


def _delivery_issues(workbook, report):
    sheet = _Sheet(
        workbook,
        report,
        _("Delivery issues"),
        [
            (_("Recommendation"), 10, "int"),
            (_("Activity"), 10, "text"),
            (_("Title"), 40, "long"),
            (_("Status"), 14, "text"),
            (_("Flag"), 10, "text"),
            (_("Cause"), 50, "long"),
            (_("Cause reported by"), 24, "text"),
            (_("Next steps"), 40, "long"),
            (_("Support needed"), 40, "long"),
            (_("Remedy reported by"), 24, "text"),
            (_("Illustrative"), 12, "text"),
        ],
    )
    for issue in report.delivery_issues:
        sheet.append(
            [
                issue.section_number if issue.section_number is not None else "",
                issue.code,
                issue.title,
                issue.status_label,
                issue.flag_label,
                issue.cause or common.no_cause_text(),
                issue.cause_source,
                issue.next_steps or ("" if issue.support_needed else common.no_remedy_text()),
                issue.support_needed,
                issue.remedy_source,
                common.illustrative_text(issue.illustrative),
            ]
        )
    if not report.delivery_issues:
        sheet.append(
            [
                "",
                _("No activity in this report is delayed or flagged red or amber at the cycle's end."),
                *[None] * 9,
            ]
        )


def _document_control(workbook, report):
    """The first sheet: document control, the method, the acronyms, and the secretariat's narrative."""
    control = report.narrative.control
    sheet = _Sheet(
        workbook,
        report,
        _("Document control"),
        [(_("Item"), 34, "text"), (_("Value"), 100, "long")],
        autofilter=False,
    )
    rows = [
        (_("Reference number"), control.reference_text),
        (_("Version"), control.version or "—"),
        (_("Date"), control.date),
        (_("Classification"), control.classification),
        (_("Prepared by"), control.prepared_by),
        (_("Method"), "\n".join(control.method_note)),
    ]
    for title, text in (
        (_("Executive summary"), report.narrative.executive_summary),
        (_("Challenges and support needed"), report.narrative.challenges),
        (_("Matters for SEOM's consideration"), report.narrative.matters_for_seom),
    ):
        if text:
            mark = f"{narrative.fallback_mark()}\n" if text.english_fallback else ""
            rows.append((title, mark + common.plain_text(text.text)))
    for label, value in rows:
        sheet.ws.append([_label_cell(sheet.ws, label), sheet._cell(value, "long", None)])
    sheet.ws.append([])
    sheet.ws.append([_label_cell(sheet.ws, _("Acronyms"))])
    sheet.ws.append([_label_cell(sheet.ws, _("Acronym")), _label_cell(sheet.ws, _("Full name"))])
    for acronym, full_name in control.acronyms:
        sheet.ws.append([sheet._cell(acronym, "text", None), sheet._cell(full_name, "long", None)])
    sheet.close()
