"""The cycle report as PDF: WeasyPrint lays out the same HTML as the HTML report, for A4 paper.

WeasyPrint may fetch nothing but our own static files (the fonts): report content comes from
users, and a PDF renderer that follows URLs would let a narrative reach the network or the disk.
"""

from __future__ import annotations

import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _
from django.utils.translation import override
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from tracker.reports.render import html

# The template writes url("static-file:fonts/DejaVuSans.ttf"): a scheme of our own, so no
# address in the document can reach the network, the disk or a server's STATIC_URL.
SCHEME = "static-file"
BASE_URL = f"{SCHEME}:"


class ResourceRefused(ValueError):
    """The report asked for something other than one of our static files."""


class StaticFilesOnly(URLFetcher):
    """Serves `static-file:PATH` from the static files (through the finders) and refuses the rest."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != SCHEME or parts.netloc or parts.query:
            raise ResourceRefused(f"The report may only use its own static files, not {url!r}.")
        path = unquote(parts.path).lstrip("/")
        normalised = posixpath.normpath(path)
        if not path or normalised != path or normalised.startswith(".") or "\\" in path:
            raise ResourceRefused(f"Not a static file: {url!r}.")
        found = finders.find(normalised)
        if not found:
            raise ResourceRefused(f"No such static file: {url!r}.")
        with open(found, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def render(report, *, progress) -> bytes:
    with override(report.language):
        progress(50, _("Laying out the pages"))
        markup = html.render_string(report, pdf=True)
        document = HTML(string=markup, base_url=BASE_URL, url_fetcher=StaticFilesOnly()).render()
        progress(85, _("Writing the PDF (%(pages)s pages)") % {"pages": len(document.pages)})
        return document.write_pdf()
