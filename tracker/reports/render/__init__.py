"""Renderers: each turns a `ReportContent` into the bytes of one format, without querying the database."""

from importlib import import_module

RENDERERS = {
    "html": "tracker.reports.render.html",
    "pdf": "tracker.reports.render.pdf",
    "xlsx": "tracker.reports.render.xlsx",
    "csv": "tracker.reports.render.csv",
    "docx": "tracker.reports.render.docx",
}


def quiet(percent, stage):
    """A progress callback that reports nowhere."""


def render(report, fmt, *, progress=quiet) -> bytes:
    """`report` rendered as `fmt`; each module's `render(report, progress)` returns bytes."""
    return import_module(RENDERERS[fmt]).render(report, progress=progress)
