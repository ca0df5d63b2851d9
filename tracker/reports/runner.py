"""Where queued reports are generated: a background thread by default, inline where settings say.

A thread keeps the page responsive without a broker: the report's row carries its progress, which
the page polls. A report cut off by a restart is marked failed (`mark_stale_reports`). Tests
that run in one transaction set REPORT_RUNNER = "inline", since a thread has its own connection
and cannot see their uncommitted data.
"""

import threading

from django.conf import settings
from django.db import transaction


def inline() -> bool:
    return getattr(settings, "REPORT_RUNNER", "thread") == "inline"


def dispatch(report_id: int) -> None:
    """Generate the queued report: once the request's transaction commits, in a thread; or now."""
    from tracker.reports.services import run_queued_report

    if inline():
        run_queued_report(report_id)
        return
    transaction.on_commit(
        lambda: threading.Thread(
            target=run_queued_report, args=(report_id,), name=f"report-{report_id}", daemon=True
        ).start()
    )
