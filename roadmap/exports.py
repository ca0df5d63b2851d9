"""Exports of plan lists: streamed CSV and write-only XLSX that spreadsheets cannot execute."""

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.spreadsheets import neutralise


def activity_export_columns():
    def names(related):
        return ", ".join(related)

    return [
        (_("Code"), lambda a: a.code),
        (_("Recommendation"), lambda a: a.recommendation.number if a.recommendation_id else ""),
        (_("Title"), lambda a: a.title),
        (_("Title (Vietnamese)"), lambda a: a.title_vi),
        (_("Lead member states"), lambda a: names(s.iso2 for s in a.lead_member_states.all())),
        (_("Lead bodies"), lambda a: names(b.acronym for b in a.lead_bodies.all())),
        (
            _("Participating member states"),
            lambda a: names(s.iso2 for s in a.participating_member_states.all()),
        ),
        (_("Supporting bodies"), lambda a: names(b.acronym for b in a.supporting_bodies.all())),
        (_("Planned start"), lambda a: a.planned_start),
        (_("Planned end"), lambda a: a.planned_end),
        (_("Baseline start"), lambda a: a.baseline_start),
        (_("Baseline end"), lambda a: a.baseline_end),
        (_("Status"), lambda a: a.get_status_display()),
        (_("Flag"), lambda a: a.get_flag_display()),
        (_("Percent complete"), lambda a: a.percent_complete),
        (_("Illustrative"), lambda a: _("yes") if a.is_illustrative else _("no")),
        (_("Expected outputs"), lambda a: a.expected_outputs),
    ]


def export_queryset(queryset):
    return queryset.select_related("recommendation").prefetch_related(
        "lead_member_states", "lead_bodies", "participating_member_states", "supporting_bodies"
    )


def _rows(queryset, columns):
    # iterator() with a chunk size keeps memory flat and still prefetches per chunk.
    for activity in export_queryset(queryset).iterator(chunk_size=2000):
        yield [neutralise(getter(activity)) for _label, getter in columns]


def export_filename(stem, extension):
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


class _Echo:
    def write(self, value):
        return value


def csv_response(queryset, *, stem="activities"):
    columns = activity_export_columns()
    writer = csv.writer(_Echo())

    def stream():
        # A byte-order mark so Excel opens the UTF-8 (Vietnamese) text correctly.
        yield "\ufeff"
        yield writer.writerow([label for label, _getter in columns])
        for row in _rows(queryset, columns):
            yield writer.writerow(["" if v is None else v for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(stem, "csv")}"'
    return response


def xlsx_bytes(queryset, *, sheet_title=None):
    columns = activity_export_columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(sheet_title or _("Activities"))[:31])
    bold = Font(bold=True)
    header = []
    for label, _getter in columns:
        cell = WriteOnlyCell(sheet, value=str(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    sheet.freeze_panes = "A2"
    for row in _rows(queryset, columns):
        sheet.append(row)
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def xlsx_response(queryset, *, stem="activities"):
    buffer = xlsx_bytes(queryset)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=export_filename(stem, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
