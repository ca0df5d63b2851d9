"""The PDF's pages: no near-empty page between the contents and the end.

A page's fill is how far down its body (between the running head and the footer) the lowest line of
text reaches, read from the PDF itself; the watermark of a provisional report is left out.
"""

import io

import pytest
from pypdf import PdfReader

from tests import factories
from tests.helpers import approve, open_cycle, write_update
from tracker.reports.services import build_report

pytestmark = pytest.mark.slow

MM = 72 / 25.4  # PDF points in a millimetre
TOP, BOTTOM = 20 * MM, 18 * MM  # the page margins of report.html's @page
NEAR_EMPTY = 0.5


def page_fills(content):
    """For each page, the share of its body height that text reaches down to (0 for no text)."""
    fills = []
    for page in PdfReader(io.BytesIO(content)).pages:
        height = float(page.mediabox.height)
        lows = []

        def visit(text, cm, tm, font, size, lows=lows):
            if text.strip() and size * abs(tm[0] or 1) < 20:  # not the watermark
                lows.append(tm[5] * cm[3] + cm[5])

        page.extract_text(visitor_text=visit)
        body = [y for y in lows if BOTTOM < y < height - TOP]
        fills.append((height - TOP - min(body)) / (height - TOP - BOTTOM) if body else 0.0)
    return fills


@pytest.fixture
def short_chapters(roadmap, viet_nam, focal_vn, secretariat_user):
    """Five recommendations of one activity each, each with one approved update: short chapters."""
    cycle = open_cycle(by=secretariat_user)
    for number in range(1, 6):
        rec = factories.RecommendationFactory(roadmap=roadmap, number=number)
        activity = factories.ActivityFactory(
            roadmap=roadmap, recommendation=rec, code=f"R{number}.1", lead_member_states=[viet_nam]
        )
        update = write_update(author=focal_vn, activity=activity, cycle=cycle, submit=True)
        approve(update=update, by=secretariat_user)
    return cycle


@pytest.mark.parametrize("language", ["en", "vi"])
def test_short_chapters_run_on_and_leave_no_near_empty_page(short_chapters, language):
    content, _data = build_report(cycle=short_chapters, fmt="pdf", language=language)
    fills = page_fills(content)
    # The cover and the contents are pages of their own; the last page ends where the text ends.
    body = fills[2:-1]
    assert body, fills
    near_empty = [i + 3 for i, fill in enumerate(body) if fill < NEAR_EMPTY]
    assert not near_empty, f"pages {near_empty} are near-empty: {[round(f, 2) for f in fills]}"
