"""The cycle report as CSV: the activities, one row each, as a spreadsheet opens them safely.

UTF-8 with a byte-order mark, so Excel reads Vietnamese correctly; text that a spreadsheet would
run as a formula is neutralised.

Marks go in columns, never in a line above the header: whoever opens a CSV expects its first row
to be the header (Excel's filters, "use first row as headers", pandas, a database import), and a
column stays with each row through sorting, filtering and copying rows elsewhere. So a provisional
report says so in a "Report status" column on every row.
"""

from __future__ import annotations

import csv
import datetime
import io

from django.utils.translation import gettext as _
from django.utils.translation import override

from core.spreadsheets import neutralise
from tracker.reports.render import common


def _value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()  # unambiguous in every locale
    return neutralise(value)


def render(report, *, progress) -> bytes:
    with override(report.language):
        progress(60, _("Writing the activities"))
        status = common.status_text(report)
        columns = [
            *common.activity_columns(report),
            (_("Status, flag and percent from"), common.figures_source, "text"),
            (_("Illustrative"), lambda a: common.illustrative_text(a.illustrative), "text"),
            *common.delivery_columns(report),
            (_("Report status"), lambda a: status, "text"),
        ]
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([neutralise(str(label)) for label, _get, _kind in columns])
        for activity in report.activities:
            writer.writerow([_value(get(activity)) for _label, get, _kind in columns])
        return buffer.getvalue().encode("utf-8")
