"""The report's member state × activity implementation matrix, gathered from approved data only.

Each cell says two things about one party and one activity in scope:
- its role in the activity: lead, participant (a member state taking part, a body supporting) or
  none, from the plan's owners;
- its reporting state for this cycle: approved (an approved update of this cycle, a correction in
  progress of it included), not approved yet (a report is due and none of this cycle is approved:
  whatever its draft says stays out, since other parties read the report) or not due.

Member states are the columns (every member state; only the member state of a member-state
report, whose report shows no other party's standing). Bodies come in a second, compact part:
only those that owe a report on an activity in scope this cycle, and only the activities where
one of them has a role or owes a report. Three queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from roadmap.models import Body, MemberState
from tracker.models import DueUpdate

LEAD = "lead"
PARTICIPANT = "participant"
APPROVED = "approved"
NOT_APPROVED = "not_approved"
NOT_DUE = "not_due"

# The symbols each format prints; the legend says what each means in words.
STATE_SYMBOLS = {APPROVED: "✓", NOT_APPROVED: "○", NOT_DUE: "–"}


@dataclass
class MatrixColumn:
    short: str  # an ISO alpha-3 code or a body's acronym: what the column head shows
    name: str  # the full name, for the legend


@dataclass
class MatrixCell:
    role: str  # LEAD, PARTICIPANT or "" (none)
    state: str  # APPROVED, NOT_APPROVED or NOT_DUE
    text: str  # what the cell prints: role letter and state symbol, e.g. "L ✓"; "" for no role, not due
    label: str  # the same in words, e.g. "Lead, approved"


@dataclass
class MatrixRow:
    code: str
    title: str
    illustrative: bool
    cells: list[MatrixCell] = field(default_factory=list)


@dataclass
class MatrixPart:
    kind: str  # "member_states" or "bodies"
    title: str
    columns: list[MatrixColumn] = field(default_factory=list)
    rows: list[MatrixRow] = field(default_factory=list)

    @property
    def column_legend(self):
        return " · ".join(f"{c.short} {c.name}" for c in self.columns if c.short != c.name)


@dataclass
class ImplementationMatrix:
    parts: list[MatrixPart] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (symbol, meaning)
    note: str = ""

    @property
    def legend_line(self):
        return " · ".join(f"{symbol} {meaning}" for symbol, meaning in self.legend)


def role_letters():
    return {LEAD: pgettext("matrix role", "L"), PARTICIPANT: pgettext("matrix role", "P")}


def _legend():
    letters = role_letters()
    return [
        (letters[LEAD], _("leads the activity")),
        (letters[PARTICIPANT], _("takes part (a member state) or supports (a body)")),
        (STATE_SYMBOLS[APPROVED], _("report for this cycle approved")),
        (STATE_SYMBOLS[NOT_APPROVED], _("report due, not approved yet")),
        (STATE_SYMBOLS[NOT_DUE], _("no report due this cycle")),
        (_("blank"), _("no role and no report due")),
    ]


def _cell(role, state):
    letters = role_letters()
    state_words = {
        APPROVED: _("approved"),
        NOT_APPROVED: _("not approved yet"),
        NOT_DUE: _("not due"),
    }[state]
    role_words = {LEAD: _("Lead"), PARTICIPANT: _("Participant"), "": _("No role")}[role]
    if not role and state == NOT_DUE:
        text = ""
    else:
        text = " ".join(part for part in (letters.get(role, ""), STATE_SYMBOLS[state]) if part)
    return MatrixCell(role=role, state=state, text=text, label=f"{role_words}, {state_words}")


def implementation_matrix(cycle, activity_list, cycle_updates, member_state=None) -> ImplementationMatrix:
    """The matrix for the activities in scope (`activity_list`, with their owners prefetched) from
    the approved updates of this cycle in scope (`cycle_updates`) and the reports due; three queries."""
    activity_ids = [a.pk for a in activity_list]
    due = DueUpdate.objects.filter(cycle=cycle, activity_id__in=activity_ids)
    approved = {(u.activity_id, u.member_state_id, u.body_id) for u in cycle_updates}
    if member_state is not None:
        due = due.filter(member_state=member_state)
        states = [member_state]
    else:
        states = list(MemberState.objects.order_by("name"))
    due_keys = set(due.values_list("activity_id", "member_state_id", "body_id"))
    bodies_due = defaultdict(set)  # {activity id: ids of the bodies owing a report on it}
    for activity_id, _member_state_id, body_id in due_keys:
        if body_id:
            bodies_due[activity_id].add(body_id)

    def state_of(activity_id, member_state_id=None, body_id=None):
        key = (activity_id, member_state_id, body_id)
        if key in approved:
            return APPROVED
        return NOT_APPROVED if key in due_keys else NOT_DUE

    ms_part = MatrixPart(
        kind="member_states",
        title=_("Member states"),
        columns=[MatrixColumn(short=ms.iso3, name=ms.local_name) for ms in states],
    )
    body_roles = {}
    for activity in activity_list:
        leads = {ms.pk for ms in activity.lead_member_states.all()}
        joins = {ms.pk for ms in activity.participating_member_states.all()}
        row = MatrixRow(
            code=activity.code, title=str(activity.local_title), illustrative=activity.is_illustrative
        )
        for ms in states:
            role = LEAD if ms.pk in leads else PARTICIPANT if ms.pk in joins else ""
            row.cells.append(_cell(role, state_of(activity.pk, member_state_id=ms.pk)))
        ms_part.rows.append(row)
        roles = {b.pk: PARTICIPANT for b in activity.supporting_bodies.all()}
        roles.update({b.pk: LEAD for b in activity.lead_bodies.all()})
        for body_id in bodies_due[activity.pk]:
            roles.setdefault(body_id, "")
        body_roles[activity.pk] = roles
    matrix = ImplementationMatrix(parts=[ms_part], legend=_legend())
    if member_state is not None:
        matrix.note = _(
            "A member state's report shows its own column only: other parties' reporting is in the "
            "roadmap's report."
        )
        return matrix

    # Only the bodies owing a report this cycle: a body with a role and nothing due has no state.
    body_ids = {body_id for ids in bodies_due.values() for body_id in ids}
    bodies = list(Body.objects.filter(pk__in=body_ids).order_by("acronym"))
    if bodies:
        part = MatrixPart(
            kind="bodies",
            title=_("ASEAN bodies and partners"),
            columns=[MatrixColumn(short=b.acronym, name=str(b.local_name)) for b in bodies],
        )
        for activity in activity_list:
            roles = body_roles[activity.pk]
            if not any(pk in roles for pk in body_ids):
                continue
            row = MatrixRow(
                code=activity.code, title=str(activity.local_title), illustrative=activity.is_illustrative
            )
            for body in bodies:
                row.cells.append(_cell(roles.get(body.pk, ""), state_of(activity.pk, body_id=body.pk)))
            part.rows.append(row)
        matrix.parts.append(part)
    return matrix
