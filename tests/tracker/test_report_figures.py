"""Every figure of the cycle report, recomputed from the database by a path of its own, against
what each format prints.

The gatherer (`tracker.reports.content`) is not used here: each figure is computed from the raw
rows (updates, due updates, the plan's history) in plain Python, then looked for in the HTML,
PDF, DOCX, XLSX and CSV of the report, for the whole roadmap, one recommendation and one member
state, in English and Vietnamese. The record holds what makes reports wrong: a correction in
progress of an approved update, a later approval by another party on the same activity, an update
awaiting review, a returned one, a draft, an activity with no approved update (its figures from the
plan), percentages whose average ends in 5 at the second decimal, and reports handed in before and
after the deadline (reporting discipline).
"""

import csv
import datetime
import io
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from docx import Document
from lxml import html as lxml_html
from pypdf import PdfReader

from roadmap.models import Activity, ActivityStatus, MemberState
from tests import factories
from tests.helpers import approve, close_cycle, correct, open_cycle, return_update, write_update
from tracker.models import DueUpdate, ProgressUpdate, UpdateState, UpdateTransition
from tracker.reports.services import build_report

pytestmark = pytest.mark.slow

# Text that only unapproved work carries: no format may print any of it.
SECRETS = ("DRAFTSECRETQX", "CORRECTIONSECRETQX", "SUBMITTEDSECRETQX", "RETURNEDSECRETQX")


@pytest.fixture
def record(roadmap, viet_nam, thailand, costi, focal_vn, focal_th, costi_rep, secretariat_user):
    rec1 = factories.RecommendationFactory(roadmap=roadmap, number=1, title="Policy and standards")
    rec2 = factories.RecommendationFactory(roadmap=roadmap, number=2, title="Skills and readiness")

    def activity(code, rec, percent, **owners):
        return factories.ActivityFactory(
            roadmap=roadmap,
            recommendation=rec,
            code=code,
            title=f"Activity {code}",
            status=ActivityStatus.ONGOING,
            percent_complete=percent,
            **owners,
        )

    r11 = activity("R1.1", rec1, 5, lead_member_states=[viet_nam], participating_member_states=[thailand])
    r12 = activity("R1.2", rec1, 5, lead_member_states=[thailand])
    # No approved update ever: its figures are the plan's (85 %), so that the average is 48.25.
    r21 = activity("R2.1", rec2, 85, lead_member_states=[viet_nam], supporting_bodies=[costi])
    r22 = activity("R2.2", rec2, 5, lead_bodies=[costi], participating_member_states=[viet_nam])

    def approved(author, act, cycle, percent, **fields):
        update = write_update(
            author=author,
            activity=act,
            cycle=cycle,
            submit=True,
            proposed_percent=percent,
            narrative=f"Approved work on {act.code} at {percent} percent.",
            **fields,
        )
        return approve(update=update, by=secretariat_user)

    h1 = open_cycle(
        by=secretariat_user,
        slug="2026-H1",
        name="2026 first half",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30),
        deadline=datetime.date(2026, 7, 15),
    )
    approved(focal_vn, r11, h1, 40)
    approved(focal_th, r12, h1, 20)
    approved(costi_rep, r22, h1, 10)
    close_cycle(cycle=h1, by=secretariat_user)

    h2 = open_cycle(
        by=secretariat_user,
        slug="2026-H2",
        name="2026 second half",
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 12, 31),
        deadline=timezone.localdate() + datetime.timedelta(days=14),
    )
    vn_r11 = approved(focal_vn, r11, h2, 65)
    approved(focal_th, r11, h2, 55)  # approved later: the activity's figure as of the cycle
    approved(focal_vn, r22, h2, 33)
    # Viet Nam starts correcting its approved update: it stays approved until the correction is.
    correct(update=vn_r11, author=focal_vn, submit=False, narrative="CORRECTIONSECRETQX", proposed_percent=99)
    write_update(
        author=focal_th,
        activity=r12,
        cycle=h2,
        submit=True,
        narrative="SUBMITTEDSECRETQX",
        proposed_percent=90,
    )
    write_update(author=focal_vn, activity=r21, cycle=h2, narrative="DRAFTSECRETQX", proposed_percent=95)
    returned = write_update(
        author=costi_rep,
        activity=r22,
        cycle=h2,
        submit=True,
        narrative="RETURNEDSECRETQX",
        proposed_percent=70,
    )
    return_update(update=returned, by=secretariat_user)
    # The deadline passed yesterday: Viet Nam's R1.1 and Thailand's R1.1 were handed in before it,
    # everything else after it (late).
    h2.deadline = timezone.localdate() - datetime.timedelta(days=1)
    h2.save(update_fields=["deadline"])
    early = timezone.now() - datetime.timedelta(days=5)
    UpdateTransition.objects.filter(
        to_state=UpdateState.SUBMITTED, update__cycle=h2, update__activity=r11, update__corrects__isnull=True
    ).update(at=early)
    return {"cycle": h2, "rec1": rec1, "viet_nam": viet_nam}


# --- The figures, computed independently --------------------------------------------------------


def _half_up(value, places="0.1"):
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def expected_figures(cycle, *, recommendation=None, member_state=None):
    """The report's figures from the raw rows, without the gatherer's queries or helpers."""
    updates = list(ProgressUpdate.objects.select_related("cycle", "activity").prefetch_related("transitions"))
    replaced = {u.corrects_id for u in updates if u.state == UpdateState.APPROVED and u.corrects_id}
    approved = [u for u in updates if u.state == UpdateState.APPROVED and u.pk not in replaced]

    def in_scope(activity):
        if recommendation is not None:
            return activity.recommendation_id == recommendation.pk
        if member_state is not None:
            owes = DueUpdate.objects.filter(cycle=cycle, activity=activity, member_state=member_state)
            return (
                member_state in activity.lead_member_states.all()
                or member_state in activity.participating_member_states.all()
                or owes.exists()
            )
        return True

    activities = [a for a in Activity.objects.order_by("code") if in_scope(a)]
    end_of_period = timezone.make_aware(
        datetime.datetime.combine(cycle.period_end + datetime.timedelta(days=1), datetime.time.min)
    )
    rows = {}
    for activity in activities:
        candidates = [
            u for u in approved if u.activity_id == activity.pk and u.cycle.period_end <= cycle.period_end
        ]
        if candidates:
            latest = max(candidates, key=lambda u: (u.cycle.period_end, u.reviewed_at, u.pk))
            rows[activity.code] = (latest.proposed_status, latest.proposed_percent, False)
        else:
            versions = list(activity.history.order_by("history_date", "history_id"))
            before_end = [v for v in versions if v.history_date < end_of_period]
            version = before_end[-1] if before_end else versions[0]
            rows[activity.code] = (version.status, version.percent_complete, True)

    percents = [percent for _status, percent, _plan in rows.values()]
    completion = _half_up(Decimal(sum(percents)) / len(percents)) if percents else Decimal("0.0")
    completed = sum(1 for status, _p, _plan in rows.values() if status == ActivityStatus.COMPLETED)
    codes = set(rows)
    this_cycle = [
        u
        for u in approved
        if u.cycle_id == cycle.pk
        and u.activity.code in codes
        and (member_state is None or u.member_state_id == member_state.pk)
    ]

    # Reports owed: the cycle's due updates; approved when the party has an approved update on the
    # activity this cycle (a correction in progress leaves the approved one standing).
    owed, done = defaultdict(int), defaultdict(int)
    for due in DueUpdate.objects.filter(cycle=cycle).select_related("activity", "member_state", "body"):
        if due.activity.code not in codes or (
            member_state is not None and due.member_state_id != member_state.pk
        ):
            continue
        party = due.member_state.name if due.member_state_id else due.body.acronym
        owed[party] += 1
        if any(
            u.activity_id == due.activity_id
            and u.cycle_id == cycle.pk
            and u.member_state_id == due.member_state_id
            and u.body_id == due.body_id
            for u in updates
            if u.state == UpdateState.APPROVED
        ):
            done[party] += 1
    total_owed, total_done = sum(owed.values()), sum(done.values())
    discipline = _discipline(cycle, codes, member_state, updates)
    return {
        "activities": rows,
        "completion": completion,
        "completed": completed,
        "activity_count": len(rows),
        "approved_updates": len(this_cycle),
        "participation": {p: (owed[p], done[p], _share(done[p], owed[p])) for p in owed},
        "owed": total_owed,
        "done": total_done,
        "percent": _share(total_done, total_owed),
        "discipline": discipline,
    }


def _discipline(cycle, codes, member_state, updates):
    """{party: [due, on time, late, not submitted, approved, pending review]}, from the updates'
    own trail: the party's first submission of a report (not a correction) against the end of the
    deadline day in Jakarta."""
    end_of_deadline = datetime.datetime.combine(
        cycle.deadline + datetime.timedelta(days=1), datetime.time.min, tzinfo=ZoneInfo("Asia/Jakarta")
    )
    counts = {}
    for due in DueUpdate.objects.filter(cycle=cycle).select_related("activity", "member_state", "body"):
        if due.activity.code not in codes or (
            member_state is not None and due.member_state_id != member_state.pk
        ):
            continue
        party = due.member_state.name if due.member_state_id else due.body.acronym
        mine = [
            u
            for u in updates
            if u.cycle_id == cycle.pk
            and u.activity_id == due.activity_id
            and u.member_state_id == due.member_state_id
            and u.body_id == due.body_id
        ]
        submitted = [
            t.at
            for u in mine
            if u.corrects_id is None
            for t in u.transitions.all()
            if t.to_state == UpdateState.SUBMITTED
        ]
        row = counts.setdefault(party, [0] * 6)
        row[0] += 1
        if not submitted:
            row[3] += 1
        elif min(submitted) < end_of_deadline:
            row[1] += 1
        else:
            row[2] += 1
        approved = any(u.state == UpdateState.APPROVED for u in mine)
        row[4] += approved
        row[5] += not approved and any(u.state == UpdateState.SUBMITTED for u in mine)
    return counts


def _share(part, whole):
    return int(_half_up(Decimal(100 * part) / whole, "1")) if whole else 0


def test_the_record_holds_what_makes_reports_wrong(record):
    """The independent figures themselves, worked out by hand: the test's own arithmetic is right."""
    figures = expected_figures(record["cycle"])
    assert figures["activities"] == {
        "R1.1": (ActivityStatus.ONGOING, 55, False),
        "R1.2": (ActivityStatus.ONGOING, 20, False),
        "R2.1": (ActivityStatus.ONGOING, 85, True),
        "R2.2": (ActivityStatus.ONGOING, 33, False),
    }
    assert figures["completion"] == Decimal("48.3")  # 193 / 4 = 48.25, half up
    assert figures["approved_updates"] == 3
    assert figures["participation"]["Viet Nam"][:2] == (3, 2)  # R1.1 (correction in progress), R2.2
    assert figures["owed"] == 6 and figures["done"] == 3
    # Due, on time, late, not submitted, approved, pending review.
    assert figures["discipline"] == {
        "Viet Nam": [3, 1, 1, 1, 2, 0],  # R1.1 early; R2.2 late; R2.1 a draft only
        "Thailand": [2, 1, 1, 0, 1, 1],  # R1.1 early; R1.2 late and awaiting review
        "COSTI": [1, 0, 1, 0, 0, 0],  # R2.2 late, then returned
    }


# --- What each format prints ------------------------------------------------------------------------


def _flat(text):
    """Whitespace (and no-break spaces) as single spaces; no space before a percent sign."""
    return re.sub(r"\s+%", "%", re.sub(r"[\s\u00a0\u202f]+", " ", text))


def _cell(value):
    return _flat("" if value is None else str(value)).strip()


def tables_of(fmt, content):
    """Every table row of the document as a list of cell texts, and the whole text."""
    if fmt == "html":
        tree = lxml_html.fromstring(content)
        for hidden in tree.xpath("//style|//script"):
            hidden.drop_tree()
        rows = [[_cell(c.text_content()) for c in tr.xpath("./th|./td")] for tr in tree.iter("tr")]
        return rows, _flat(tree.text_content())
    if fmt == "docx":
        doc = Document(io.BytesIO(content))
        rows = [[_cell(c.text) for c in row.cells] for t in doc.tables for row in t.rows]
        parts = [p.text for p in doc.paragraphs] + [" ".join(r) for r in rows]
        for section in doc.sections:
            parts += [p.text for p in section.header.paragraphs]
        return rows, _flat("\n".join(parts))
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        rows = [[_cell(c) for c in row] for ws in book.worksheets for row in ws.iter_rows(values_only=True)]
        return rows, _flat("\n".join(" ".join(r) for r in rows))
    if fmt == "csv":
        rows = [[_cell(c) for c in row] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))]
        return rows, _flat("\n".join(" ".join(r) for r in rows))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return [], _flat(text)


def _number(value, language):
    with translation.override(language):
        return number_format(value, decimal_pos=1 if isinstance(value, Decimal) else None)


def _status_label(status, language):
    with translation.override(language):
        return str(ActivityStatus(status).label)


def _rows_of(rows, first_cell):
    """The non-empty cells of every row that has a cell starting with `first_cell`, from that cell on."""
    found = []
    for row in rows:
        cells = [c for c in row if c]
        for i, cell in enumerate(cells):
            if cell.startswith(first_cell):
                found.append(cells[i:])
                break
    return found


SCOPES = ("roadmap", "recommendation", "member_state")
FORMATS = ("html", "pdf", "docx", "xlsx", "csv")


def _without_plan_mark(row, language):
    """The row with the plan's mark taken off its cells, and whether it carried one: a "*" after the
    value (HTML, DOCX) or a column saying so in words (CSV)."""
    with translation.override(language):
        in_words = _("The plan alone: no approved update yet")
    plain = [re.sub(r"\s*\*$", "", c) for c in row]
    return plain, any(c.endswith("*") for c in row) or in_words in row


def _xlsx_says_from_plan(rows, code, language):
    """The Activities sheet's "from the plan" column on the activity's row."""
    with translation.override(language):
        header, yes = _("Status from the plan (no approved update yet)"), _("yes")
    column = None
    for row in rows:
        if header in row:
            column = row.index(header)
        elif column is not None and code in row:
            return row[column] == yes
    raise AssertionError(f"no {header!r} column with {code} under it")


def _scope(record, scope):
    if scope == "recommendation":
        return {"recommendation": record["rec1"]}
    if scope == "member_state":
        return {"member_state": record["viet_nam"]}
    return {}


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_prints_the_figures_the_database_gives(record, fmt, scope, language):
    kwargs = _scope(record, scope)
    figures = expected_figures(record["cycle"], **kwargs)
    content, _data = build_report(cycle=record["cycle"], fmt=fmt, language=language, **kwargs)
    rows, text = tables_of(fmt, content)

    for secret in SECRETS:
        assert secret not in text, f"{secret} (unapproved work) is printed in the {fmt}"

    # Every activity in scope, with its status and percent as of the cycle; no other activity.
    for code, (status, percent, from_plan) in figures["activities"].items():
        label = _status_label(status, language)
        if fmt == "pdf":
            assert code in text
            continue
        candidates = [_without_plan_mark(row, language) for row in _rows_of(rows, code)]
        assert any(
            label in row and (str(percent) in row or f"{percent}%" in row) for row, _marked in candidates
        ), f"no row of the {fmt} gives {code} as {label}, {percent}%: {candidates}"
        # Figures resting on the plan alone say so on the activity's row, in every format.
        if fmt == "xlsx":
            assert _xlsx_says_from_plan(rows, code, language) == from_plan, code
        else:
            assert any(marked for _row, marked in candidates) == from_plan, f"{code}: {candidates}"
    others = {"R1.1", "R1.2", "R2.1", "R2.2"} - set(figures["activities"])
    for code in others:
        assert not re.search(rf"\b{re.escape(code)}\b", text), f"{code} is out of scope but printed"

    if fmt == "csv":  # the activities only
        return
    # The headline figures.
    if fmt == "xlsx":  # one figure a row, as numbers
        with translation.override(language):
            for label, value in (
                (_("Overall completion (%)"), str(figures["completion"])),
                (_("Reports owed this cycle"), str(figures["owed"])),
                (_("Reports approved"), str(figures["done"])),
                (_("Reporting completeness (%)"), str(figures["percent"])),
                (_("Approved updates this cycle"), str(figures["approved_updates"])),
            ):
                assert [label, value] in rows, f"{label}: {value} not in the workbook"
    else:
        completion = _number(figures["completion"], language)
        assert f"{completion}%" in text, f"completion {completion} missing"
        assert re.search(rf"\b{figures['done']}\b\D{{1,40}}\b{figures['owed']}\b", text)
        assert f"{figures['percent']}%" in text
    # Participation: each party's reports owed and approved, and the share, in one row.
    for party, (owed, done, share) in figures["participation"].items():
        with translation.override(language):
            state = MemberState.objects.filter(name=party).first()
            shown = state.local_name if state else party
        # Reporting discipline: due, on time, late, not submitted, approved, pending review.
        discipline = [str(n) for n in figures["discipline"][party]]
        if fmt == "pdf":
            assert re.search(rf"{re.escape(shown)} {' '.join(discipline)}\b", text), (
                f"reporting discipline of {shown}: {discipline} not in the pdf"
            )
            assert re.search(rf"{re.escape(shown)} \d+ \d+ {owed} {done} {share}%", text), (
                f"participation of {shown}: {owed} owed, {done} approved, {share}% not in the pdf"
            )
            continue
        assert any(
            row[i : i + 6] == discipline for row in _rows_of(rows, shown) for i in range(1, len(row))
        ), f"no row of the {fmt} gives {shown}'s reporting discipline {discipline}"
        candidates = [[c.rstrip("%") for c in row] for row in _rows_of(rows, shown)]
        assert any(
            row[i : i + 2] == [str(owed), str(done)] and str(share) in row[i + 2 :]
            for row in candidates
            for i in range(1, len(row))
        ), f"no row of the {fmt} gives {shown}: {owed} owed, {done} approved, {share}%: {candidates}"
