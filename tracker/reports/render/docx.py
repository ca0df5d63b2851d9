"""The cycle report as a Word document the secretariat can edit before a meeting.

Built with Word's own styles (Title, Heading 1-3, List Bullet, a table style) so that the
navigation pane, the table of contents and restyling work as Word users expect. Text is plain:
narratives are kept as their authors typed them (Markdown reads as plain text).
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import override
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from tracker.reports import narrative
from tracker.reports.delivery import issues_in_section
from tracker.reports.matrix import APPROVED, NOT_APPROVED
from tracker.reports.render import common, results

TABLE_STYLE = "Table Grid"
HEADER_FILL = "E8EEF6"
ACTIVITY_WIDTHS = [15, 62, 33, 24, 18, 22]  # mm, within the 174 mm between A4 margins
NAVY = RGBColor(0x12, 0x35, 0x5B)
MUTED = RGBColor(0x5C, 0x66, 0x70)
PROVISIONAL = RGBColor(0x9A, 0x34, 0x12)
# Matrix cells: the symbol carries the meaning, the shade repeats it.
MATRIX_FILLS = {APPROVED: "E3F1E8", NOT_APPROVED: "FFF1D6"}
FONT = "Calibri"  # on every Word installation, with Vietnamese


def render(report, *, progress) -> bytes:
    with override(report.language):
        progress(55, _("Writing the Word document"))
        doc = Document()
        _setup(doc, report)
        _cover(doc, report)
        _document_control(doc, report)
        _contents(doc)
        _summary(doc, report)
        _narrative(doc, report)
        for section in report.sections:
            _section(doc, report, section)
        _participation(doc, report)
        _discipline(doc, report)
        _matrix(doc, report)
        progress(75, _("Writing the annex"))
        _annex(doc, report)
        doc.core_properties.title = report.title
        doc.core_properties.subject = report.roadmap_title
        doc.core_properties.author = report.generated_by or _("ASEAN Secretariat")
        doc.core_properties.comments = common.approved_only_line()
        doc.core_properties.language = report.language
        buffer = io.BytesIO()
        doc.save(buffer)
        return buffer.getvalue()


# --- Page set-up ------------------------------------------------------------------------------------


def _setup(doc, report):
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin, section.bottom_margin = Mm(20), Mm(18)
    section.different_first_page_header_footer = True  # the cover has neither

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for name, size in (("Heading 1", 16), ("Heading 2", 12.5), ("Heading 3", 11)):
        style = doc.styles[name]
        style.font.color.rgb = NAVY
        style.font.size = Pt(size)

    for name in ("Header", "Footer"):
        doc.styles[name].font.size = Pt(8)
        doc.styles[name].font.color.rgb = MUTED
    header = section.header.paragraphs[0]
    header.text = report.title
    mark = common.provisional_line(report)
    if mark:
        # On every page, the cover's too (it has a header of its own).
        for part in (section.header, section.first_page_header):
            run = part.add_paragraph().add_run(mark)
            run.font.bold = True
            run.font.size = Pt(9)
            run.font.color.rgb = PROVISIONAL
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run(_("Page") + " ")
    _field(footer, "PAGE")
    footer.add_run(" " + _("of") + " ")
    _field(footer, "NUMPAGES")

    lang = doc.styles["Normal"].element.get_or_add_rPr()
    tag = OxmlElement("w:lang")
    tag.set(qn("w:val"), "vi-VN" if report.language.startswith("vi") else "en-GB")
    lang.append(tag)


def _muted(paragraph, size=None):
    for run in paragraph.runs:
        run.font.color.rgb = MUTED
        if size:
            run.font.size = Pt(size)


def _field(paragraph, instruction, placeholder="1"):
    """A Word field (PAGE, NUMPAGES, TOC...) that Word computes when it lays out the document."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    text = OxmlElement("w:t")
    text.text = placeholder
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, separate, text, end):
        run._r.append(element)
    return run


def _page_break(doc):
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _table(doc, headers, rows, *, widths, numeric=()):
    """A table in Word's "Table Grid" style, a shaded header row that repeats on every page."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    _repeat_header(header)
    for i, text in enumerate(headers):
        cell = header.cells[i]
        _fill(cell, text, right=i in numeric, size=8)
        _shade(cell, HEADER_FILL)
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
            run.font.color.rgb = NAVY
    for values in rows:
        cells = table.add_row().cells
        for i, value in enumerate(values):
            _fill(cells[i], value, right=i in numeric)
    _widths(table, widths)
    for row in table.rows:
        _cant_split(row)
    return table


def _cant_split(row):
    # A row stays on one page; a long narrative row may still break if it is taller than a page.
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _shade(cell, colour):
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    properties.append(shading)


def _fill(cell, value, *, right=False, size=9):
    lines = str("" if value is None else value).split("\n")
    paragraph = cell.paragraphs[0]
    paragraph.text = lines[0]
    for line in lines[1:]:
        paragraph = cell.add_paragraph(line)
    for paragraph in cell.paragraphs:
        paragraph.paragraph_format.space_before = Pt(1.5)
        paragraph.paragraph_format.space_after = Pt(1.5)
        if right:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for run in paragraph.runs:
            run.font.size = Pt(size)


def _repeat_header(row):
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _total_row(table):
    for cell in table.rows[-1].cells:
        _shade(cell, "F3F6FA")
        for run in cell.paragraphs[0].runs:
            run.font.bold = True


def _bold_first_column(table):
    for row in table.rows[1:]:
        for run in row.cells[0].paragraphs[0].runs:
            run.font.bold = True


# --- Content ---------------------------------------------------------------------------------------


def _cover(doc, report):
    org = doc.add_paragraph(_("ASEAN Secretariat"))
    _muted(org, 10)
    roadmap = doc.add_paragraph(report.roadmap_title.upper())
    roadmap.paragraph_format.space_before = Pt(110)
    _muted(roadmap, 11)
    doc.add_paragraph(report.title, style="Title")
    doc.add_paragraph(report.scope_label, style="Subtitle")
    facts = [
        (_("Reporting cycle"), f"{report.cycle_name} ({report.cycle_slug})"),
        (_("Period"), common.period(report)),
        (_("Reporting deadline"), common.show_date(report.deadline, report.language, "long")),
        (_("Cycle state"), report.cycle_state),
        (_("Scope"), report.scope_label),
        (
            _("Previous cycle"),
            f"{report.previous_cycle_name} ({report.previous_cycle_slug})"
            if report.previous_cycle_slug
            else _("None: this is the first cycle"),
        ),
    ]
    _facts(doc, facts)
    generated = doc.add_paragraph(common.generated_line(report))
    generated.paragraph_format.space_before = Pt(90)
    _muted(generated, 9)
    notice = doc.add_paragraph(common.approved_only_line(), style="Intense Quote")
    notice.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _page_break(doc)


def _facts(doc, facts):
    """[(label, value)] as the cover's two columns: muted labels, bold values."""
    table = doc.add_table(rows=0, cols=2)
    for label, value in facts:
        cells = table.add_row().cells
        cells[0].text = label
        _muted(cells[0].paragraphs[0], 10)
        cells[1].text = value
        for run in cells[1].paragraphs[0].runs:
            run.font.bold = True
    _widths(table, [45, 125])


def _contents(doc):
    doc.add_paragraph(_("Contents"), style="TOC Heading")
    paragraph = doc.add_paragraph()
    _field(
        paragraph,
        'TOC \\o "1-2" \\h \\z \\u',
        placeholder=_("Right-click here and choose Update Field to show the table of contents."),
    )
    _page_break(doc)


def _summary(doc, report):
    doc.add_heading(_("Executive summary"), level=1)
    _narrative_text(doc, report, report.narrative.executive_summary)
    figures = [
        _("Overall completion: %(percent)s %% (average percent complete of %(count)s activities).")
        % {"percent": common.show_number(report.completion), "count": report.activity_count},
        _("Activities completed: %(done)s of %(total)s.")
        % {
            "done": f"{report.completed_count}{common.PLAN_MARK if report.plan_only_completed else ''}",
            "total": report.activity_count,
        },
    ]
    if report.previous_approved_updates is None:
        figures.append(
            _("Approved updates this cycle: %(count)s (first cycle: nothing to compare with).")
            % {"count": report.approved_updates}
        )
    else:
        figures.append(
            _("Approved updates this cycle: %(count)s (previous cycle, %(cycle)s: %(previous)s).")
            % {
                "count": report.approved_updates,
                "cycle": report.previous_cycle_slug,
                "previous": report.previous_approved_updates,
            }
        )
    figures.append(
        _(
            "Reporting completeness: %(approved)s of %(expected)s reports owed this cycle are "
            "approved (%(percent)s %%)."
        )
        % {
            "approved": report.approved_total,
            "expected": report.expected_total,
            "percent": report.percent_approved,
        }
    )
    if common.plan_only_line(report):
        figures.append(common.plan_only_line(report))
    if report.has_illustrative:
        figures.append(common.illustrative_legend())
    for line in figures:
        doc.add_paragraph(line, style="List Bullet")
    doc.add_paragraph(
        f"{common.period(report)}. {common.previous_line(report)} {common.approved_only_line()}"
    )

    doc.add_heading(_("Status per recommendation"), level=2)
    statuses = report.status_totals
    rows = [
        [s.heading, s.activity_count, *(c.count for c in s.status_counts), common.show_number(s.completion)]
        for s in report.sections
    ]
    rows.append(
        [
            _("Total"),
            report.activity_count,
            *(c.count for c in statuses),
            common.show_number(report.completion),
        ]
    )
    _total_row(
        _table(
            doc,
            [_("Recommendation"), _("Activities"), *(t.label for t in statuses), _("Completion (%)")],
            rows,
            widths=[48, 16] + [18] * len(statuses) + [20],
            numeric=set(range(1, len(statuses) + 3)),
        )
    )

    doc.add_heading(_("Flags and approved updates per recommendation"), level=2)
    flags = report.flag_totals
    rows = [[s.heading, *(c.count for c in s.flag_counts), s.approved_updates] for s in report.sections]
    rows.append([_("Total"), *(c.count for c in flags), report.approved_updates])
    _total_row(
        _table(
            doc,
            [_("Recommendation"), *(t.label for t in flags), _("Approved updates this cycle")],
            rows,
            widths=[64] + [24] * len(flags) + [38],
            numeric=set(range(1, len(flags) + 2)),
        )
    )

    doc.add_heading(_("What changed since the previous cycle"), level=2)
    if report.previous_cycle_slug is None:
        doc.add_paragraph(common.previous_line(report))
    elif not report.changes:
        doc.add_paragraph(
            _("No activity changed its status, flag or percent complete since %(cycle)s.")
            % {"cycle": report.previous_cycle_name}
        )
    else:
        _table(
            doc,
            [
                _("Code"),
                _("Activity"),
                _("Changed"),
                _("In %(cycle)s") % {"cycle": report.previous_cycle_slug},
                _("In %(cycle)s") % {"cycle": report.cycle_slug},
            ],
            [
                [_marked(c.activity_code, report), c.activity_title, c.field_label, c.before, c.after]
                for c in report.changes
            ],
            widths=[16, 70, 30, 28, 28],
        )
    _page_break(doc)


def _marked(code, report):
    """An activity's code, with the illustrative mark when it is one."""
    if code in report.illustrative_codes:
        return f"{code} [{common.illustrative_label()}]"
    return code


def _section(doc, report, section):
    lang = report.language
    if section.number is not None:
        heading = _("Recommendation %(number)s: %(title)s") % {
            "number": section.number,
            "title": section.short_title or section.title,
        }
    else:
        heading = section.title
    doc.add_heading(heading, level=1)
    if section.number is not None and section.short_title and section.title != section.short_title:
        _muted(doc.add_paragraph(section.title))
    counts = ", ".join(f"{c.label}: {c.count}" for c in section.status_counts if c.count)
    doc.add_paragraph(
        _(
            "%(activities)s activities, %(completed)s completed; average completion %(percent)s %%; "
            "%(updates)s approved updates this cycle."
        )
        % {
            "activities": section.activity_count,
            "completed": section.completed_count,
            "percent": common.show_number(section.completion),
            "updates": section.approved_updates,
        }
        + (f" {counts}." if counts else "")
    )

    if section.activities:
        doc.add_heading(_("Activities"), level=2)
        table = _table(
            doc,
            [_("Code"), _("Activity"), _("Lead"), _("Status"), _("Flag"), _("Complete")],
            [],
            widths=ACTIVITY_WIDTHS,
            numeric={5},
        )
        for a in section.activities:
            cells = table.add_row().cells
            dates = _("Planned %(start)s to %(end)s") % {
                "start": common.show_date(a.planned_start, lang) or "?",
                "end": common.show_date(a.planned_end, lang) or "?",
            }
            if (a.baseline_start, a.baseline_end) != (a.planned_start, a.planned_end):
                dates += "; " + _("baseline %(start)s to %(end)s") % {
                    "start": common.show_date(a.baseline_start, lang) or "?",
                    "end": common.show_date(a.baseline_end, lang) or "?",
                }
            mark = f" {common.PLAN_MARK}" if a.from_plan else ""
            for i, value in enumerate(
                [
                    a.code,
                    f"{a.title} [{common.illustrative_label()}]\n{dates}"
                    if a.illustrative
                    else f"{a.title}\n{dates}",
                    a.lead,
                    a.status_label + mark,
                    a.flag_label + mark,
                    f"{a.percent} %{mark}",
                ]
            ):
                _fill(cells[i], value, right=i == 5)
            for run in cells[0].paragraphs[0].runs + cells[1].paragraphs[0].runs:
                run.font.bold = True
            for paragraph in cells[1].paragraphs[1:]:
                _muted(paragraph, 8)
            narrative = table.add_row().cells
            merged = narrative[1].merge(narrative[5])
            if a.narrative:
                meta = _("Latest approved update, reported by %(party)s") % {"party": a.narrative_party}
                _fill(merged, f"{meta}\n{common.plain_text(a.narrative)}")
                _muted(merged.paragraphs[0], 7.5)
            else:
                _fill(merged, _("No approved update this cycle."))
                for run in merged.paragraphs[0].runs:
                    run.font.italic = True
        _widths(table, ACTIVITY_WIDTHS)
        for row in table.rows[1:]:
            _cant_split(row)
        if section.has_illustrative:
            _muted(doc.add_paragraph(common.illustrative_legend()), 8)
        if section.has_plan_states:
            note = doc.add_paragraph(
                _(
                    "* Status, flag and percent from the plan's record: no progress update on this "
                    "activity has been approved yet."
                )
            )
            _muted(note, 8)

    _delivery_issues(doc, report, section)
    doc.add_heading(_("Milestones"), level=2)
    if not (
        section.milestones_achieved
        or section.milestones_slipped
        or section.milestones_overdue
        or section.milestones_due_next
    ):
        doc.add_paragraph(
            _("No milestone was achieved, slipped or overdue this cycle, and none falls due next cycle.")
        )
    else:
        doc.add_heading(_("Achieved this cycle"), level=3)
        if section.milestones_achieved:
            _table(
                doc,
                [_("Activity"), _("Milestone"), _("Planned"), _("Achieved on"), _("State")],
                [
                    [
                        _marked(m.activity_code, report),
                        m.title,
                        common.show_milestone_date(m.planned_date, m.precision, lang),
                        common.show_milestone_date(m.actual_date, m.actual_precision, lang),
                        m.state_label,
                    ]
                    for m in section.milestones_achieved
                ],
                widths=[20, 76, 26, 26, 26],
            )
        else:
            doc.add_paragraph(_("None this cycle."))
        doc.add_heading(_("Slipped against the baseline"), level=3)
        if section.milestones_slipped:
            _table(
                doc,
                [_("Activity"), _("Milestone"), _("Baseline"), _("Planned"), _("Slip (days)"), _("State")],
                [
                    [
                        _marked(m.activity_code, report),
                        m.title,
                        common.show_milestone_date(m.baseline_date, m.precision, lang),
                        common.show_milestone_date(m.planned_date, m.precision, lang),
                        m.slip_days,
                        m.state_label,
                    ]
                    for m in section.milestones_slipped
                ],
                widths=[18, 62, 24, 24, 20, 26],
                numeric={4},
            )
        else:
            doc.add_paragraph(_("None."))
        doc.add_heading(_("Overdue at the cycle's end"), level=3)
        if section.milestones_overdue:
            _table(
                doc,
                [
                    _("Activity"),
                    _("Milestone"),
                    _("Due date"),
                    _("Days overdue"),
                    _("Revised date"),
                    _("Reason"),
                ],
                [
                    [
                        _marked(m.activity_code, report),
                        m.title,
                        common.show_milestone_date(m.due_date, m.precision, lang),
                        m.days_overdue,
                        common.show_milestone_date(m.revised_date, m.precision, lang),
                        f"{m.reason}\n({m.reason_source})" if m.reason else m.reason_source,
                    ]
                    for m in section.milestones_overdue
                ],
                widths=[16, 44, 22, 18, 22, 52],
                numeric={3},
            )
        else:
            doc.add_paragraph(_("None."))
        doc.add_heading(f"{_('Due next cycle')} ({common.next_period(report)})", level=3)
        if section.milestones_due_next:
            _table(
                doc,
                [_("Activity"), _("Milestone"), _("Planned"), _("State")],
                [
                    [
                        _marked(m.activity_code, report),
                        m.title,
                        common.show_milestone_date(m.planned_date, m.precision, lang),
                        m.state_label,
                    ]
                    for m in section.milestones_due_next
                ],
                widths=[20, 96, 28, 30],
            )
        else:
            doc.add_paragraph(_("None."))

    doc.add_heading(_("Indicators"), level=2)
    _results_chain(doc, report, section)
    _page_break(doc)


def _results_chain(doc, report, section):
    """The section's indicators as a results chain (render/results.py): a row per indicator, then
    per member state; the method and any cycles left out said under it."""
    table = results.results_table(section)
    if table is None:
        doc.add_paragraph(_("No indicator is attached to this recommendation or its activities."))
        return
    rows = []
    for row in table.rows:
        if row.kind == "indicator":
            rows.append(
                [
                    results.indicator_label(row),
                    row.baseline,
                    row.target,
                    *row.cells,
                    row.percent,
                    results.trend_text(row.trend),
                ]
            )
        else:
            rows.append([f"    {row.label}", "", "", *row.cells, "", ""])
    cycles = len(table.cycles)
    first = 174 - 22 * 2 - 16 * cycles - 14 * 2
    docx_table = _table(
        doc,
        results.results_headers(table),
        rows,
        widths=[first, 22, 22, *([16] * cycles), 14, 14],
        numeric=set(range(1, 5 + cycles)),
    )
    for row, docx_row in zip(table.rows, docx_table.rows[1:], strict=True):
        if row.kind == "indicator":
            for cell in docx_row.cells:
                _shade(cell, "F3F6FA")
            for run in docx_row.cells[0].paragraphs[0].runs:
                run.font.bold = True
    notes = [results.method_note(report), table.cycles_note]
    if table.has_illustrative:
        notes.append(common.illustrative_legend())
    for note in notes:
        if note:
            _muted(doc.add_paragraph(note), 8)


def _widths(table, widths):
    """Fixed column widths (mm): Word and LibreOffice both follow the grid and the cells' widths."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        cells = row.cells
        if len({id(c._tc) for c in cells}) < len(cells):  # a merged row keeps the grid's widths
            continue
        for cell, width in zip(cells, widths, strict=True):
            cell.width = Mm(width)


def _participation(doc, report):
    doc.add_heading(_("Member states' participation and reporting"), level=1)
    doc.add_paragraph(
        _("Of the %(expected)s progress reports owed this cycle, %(approved)s are approved (%(percent)s %%).")
        % {
            "expected": report.expected_total,
            "approved": report.approved_total,
            "percent": report.percent_approved,
        }
    )
    parties, total = common.participation_rows(report)
    rows = [[*row[:-1], "—" if row[-1] is None else f"{row[-1]} %"] for row in parties]
    rows.append(["" if cell is None else cell for cell in total[:-1]] + [f"{total[-1]} %"])
    table = _table(
        doc,
        [
            _("Member state or body"),
            _("Kind"),
            _("Activities led"),
            _("Activities joined"),
            _("Reports owed"),
            _("Approved"),
            _("Reporting completeness"),
        ],
        rows,
        widths=[40, 24, 20, 22, 20, 22, 26],
        numeric={2, 3, 4, 5, 6},
    )
    _total_row(table)
    _page_break(doc)


def _annex(doc, report):
    lang = report.language
    doc.add_heading(_("Annex: approved progress updates"), level=1)
    if not report.annex:
        doc.add_paragraph(_("No progress update has been approved for this cycle yet."))
        return
    doc.add_paragraph(
        _("Every progress update approved for %(cycle)s, in full, grouped by activity.")
        % {"cycle": report.cycle_name}
    )
    current = None
    for u in report.annex:
        if u.activity_code != current:
            current = u.activity_code
            doc.add_heading(f"{_marked(u.activity_code, report)} {u.activity_title}", level=2)
        head = doc.add_paragraph(style="Heading 3")
        head.add_run(u.party)
        state = f" — {u.status_label}, {u.flag_label}, {u.percent} %"
        if u.no_progress:
            state += f" ({_('no progress this period')})"
        head.add_run(state).font.bold = False

        meta = []
        if u.submitted_at:
            meta.append(
                _("Submitted by %(who)s on %(when)s.")
                % {
                    "who": u.author,
                    "when": common.show_date(common.jakarta(u.submitted_at), lang, "datetime"),
                }
            )
        if u.approved_at:
            meta.append(
                _("Approved by %(who)s on %(when)s.")
                % {
                    "who": u.approved_by or "—",
                    "when": common.show_date(common.jakarta(u.approved_at), lang, "datetime"),
                }
            )
        if u.corrects:
            meta.append(_("Corrects update #%(number)s.") % {"number": u.corrects})
        meta.append(f"#{u.pk}")
        _muted(doc.add_paragraph(" ".join(meta)), 8)

        for label, text in (
            (_("Narrative"), u.narrative),
            (_("Achievements"), u.achievements),
            (_("Challenges"), u.challenges),
            (_("Next steps"), u.next_steps),
            (_("Support needed"), u.support_needed),
        ):
            if text or label == _("Narrative"):
                _labelled(doc, label, common.plain_text(text) or "—")
        if u.milestones:
            _labelled(
                doc,
                _("Milestones achieved"),
                "\n".join(f"{name} — {common.show_date(day, lang)}" for name, day in u.milestones),
            )
        if u.indicator_values:
            _labelled(
                doc,
                _("Indicator values"),
                "\n".join(common.indicator_value_line(*value) for value in u.indicator_values),
            )
        evidence = [common.link_line(*link) for link in u.links] + list(u.files)
        if evidence:
            _labelled(doc, _("Evidence"), "\n".join(evidence))


def _labelled(doc, label, text):
    title = doc.add_paragraph()
    run = title.add_run(label)
    run.font.bold = True
    run.font.size = Pt(8.5)
    run.font.color.rgb = MUTED
    title.paragraph_format.space_after = Pt(0)
    title.paragraph_format.keep_with_next = True
    for line in text.split("\n"):
        doc.add_paragraph(line).paragraph_format.space_after = Pt(2)


def _delivery_issues(doc, report, section):
    doc.add_heading(_("Delivery issues"), level=2)
    issues = issues_in_section(report.delivery_issues, section.number)
    if not issues:
        doc.add_paragraph(_("No activity here is delayed or flagged red or amber at the cycle's end."))
        return
    _muted(
        doc.add_paragraph(
            _(
                "Activities delayed, or flagged red or amber, at the cycle's end: the cause from the "
                "challenges of the latest approved update that gives any (this cycle's first), the "
                "remedy from the next steps and support needed of the latest that gives them."
            )
        ),
        8,
    )
    _table(
        doc,
        [_("Activity"), _("Status and flag"), _("Cause"), _("Remedy")],
        [
            [
                _marked(issue.code, report),
                f"{issue.status_label}{common.PLAN_MARK if issue.from_plan else ''}\n{issue.flag_label}",
                common.delivery_cause(issue),
                common.delivery_remedy(issue),
            ]
            for issue in issues
        ],
        widths=[20, 24, 60, 70],
    )


def _discipline(doc, report):
    doc.add_heading(_("Reporting discipline"), level=1)
    _muted(doc.add_paragraph(common.discipline_rule(report)), 9)
    rows, total = common.discipline_rows(report)
    if not rows:
        doc.add_paragraph(_("No report is due this cycle on the activities of this report."))
        _page_break(doc)
        return
    headers = common.discipline_headers()
    table = _table(
        doc,
        [headers[0], _("Kind"), *headers[1:]],
        [*rows, total],
        widths=[34, 22, 18, 18, 18, 22, 20, 22],
        numeric={2, 3, 4, 5, 6, 7},
    )
    _bold_first_column(table)
    _total_row(table)
    _page_break(doc)


def _matrix(doc, report):
    matrix = report.matrix
    doc.add_heading(_("Implementation matrix: who does what, and who has reported"), level=1)
    doc.add_paragraph(
        _(
            "For each activity in this report's scope, each party's role and the state of its report "
            "for this cycle, from approved updates only: a report not approved shows as such, whatever "
            "its draft says."
        )
    )
    _muted(doc.add_paragraph(f"{_('Key')}: {matrix.legend_line}"), 8)
    for part in matrix.parts:
        doc.add_heading(part.title, level=2)
        if not part.rows:
            doc.add_paragraph(_("No activity in this report's scope."))
            continue
        code_width = 22
        width = min(16, (174 - code_width) / max(len(part.columns), 1))
        table = _table(
            doc,
            [_("Activity"), *[column.short for column in part.columns]],
            [[common.matrix_code(row), *[cell.text for cell in row.cells]] for row in part.rows],
            widths=[code_width, *[width] * len(part.columns)],
        )
        for row in table.rows:
            for cell in row.cells[1:]:
                for paragraph in cell.paragraphs:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for values, row in zip(part.rows, table.rows[1:], strict=True):
            for matrix_cell, cell in zip(values.cells, row.cells[1:], strict=True):
                if matrix_cell.state in MATRIX_FILLS:
                    _shade(cell, MATRIX_FILLS[matrix_cell.state])
        _bold_first_column(table)
        if part.column_legend:
            _muted(doc.add_paragraph(part.column_legend), 8)
    if matrix.note:
        _muted(doc.add_paragraph(matrix.note), 8)


# --- Document control and the secretariat's narrative (tracker/reports/narrative.py) --------------


def _document_control(doc, report):
    control = report.narrative.control
    doc.add_heading(_("Document control"), level=1)
    facts = [
        (_("Reference number"), control.reference_text),
        (_("Version"), control.version_text),
        (_("Date"), common.show_date(control.date, report.language, "long")),
        (_("Classification"), control.classification),
        (_("Prepared by"), control.prepared_by),
    ]
    _facts(doc, facts)
    doc.add_heading(_("Method"), level=2)
    for paragraph in control.method_note:
        doc.add_paragraph(paragraph)
    doc.add_heading(_("Acronyms"), level=2)
    _table(doc, [_("Acronym"), _("Full name")], [list(pair) for pair in control.acronyms], widths=[30, 144])
    _page_break(doc)


def _narrative_text(doc, report, text):
    """One of the secretariat's texts, as typed (Markdown reads as plain text), marked when it is the
    English standing in for a missing Vietnamese one."""
    if not text:
        return
    if text.english_fallback:
        mark = doc.add_paragraph()
        run = mark.add_run(narrative.fallback_mark())
        run.font.italic = True
        _muted(mark, 9)
    for line in common.plain_text(text.text).split("\n"):
        doc.add_paragraph(line)


def _narrative(doc, report):
    if not report.narrative.has_sections:
        return
    doc.add_heading(_("Challenges and matters for SEOM"), level=1)
    for title, text in (
        (_("Challenges and support needed"), report.narrative.challenges),
        (_("Matters for SEOM's consideration"), report.narrative.matters_for_seom),
    ):
        if text:
            doc.add_heading(title, level=2)
            _narrative_text(doc, report, text)
    _page_break(doc)
