"""One report, from the database to the bytes of a file: gather once, then render."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import override

from tracker.models import ReportFormat
from tracker.reports.data import ReportContent, gather_report
from tracker.reports.render import quiet, render

# progress(percent 0-100, what is happening now)
Progress = Callable[[int, str], None]


def build_report(
    *,
    cycle,
    fmt: str,
    language: str = "en",
    recommendation=None,
    member_state=None,
    generated_by: str = "",
    generated_at: datetime.datetime | None = None,
    progress: Progress = quiet,
) -> tuple[bytes, ReportContent]:
    fmt = ReportFormat(fmt)
    with override(language):
        progress(5, _("Gathering the approved data"))
        data = gather_report(
            cycle,
            recommendation=recommendation,
            member_state=member_state,
            language=language,
            generated_by=generated_by,
            generated_at=generated_at,
        )
        progress(40, _("Writing the %(format)s file") % {"format": fmt.value.upper()})
        content = render(data, fmt.value, progress=progress)
        progress(95, _("Saving the file"))
    return content, data
