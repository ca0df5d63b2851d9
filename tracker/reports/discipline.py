"""The report's reporting discipline: per party, how its reports due this cycle were handed in.

Counts only, per member state then body, over the reports due this cycle on activities in scope
(a member state's report: that member state only):
- due: the reports the party owes this cycle;
- on time: first submitted on or before the cycle's deadline (the whole deadline day, in the
  secretariat's time zone). What counts is the party's first submission on that activity in this
  cycle (the trail of its updates): a report returned and resubmitted after the deadline is still
  on time if it was first submitted by then; a correction of an approved report changes nothing;
- late: first submitted after the deadline;
- not submitted: never submitted (no update, or a draft only);
- approved: an update of this cycle is approved (a correction of it in progress leaves it approved);
- pending review: submitted and awaiting the secretariat's review, not approved yet.
On time + late + not submitted = due. Two queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.models import DueStatus, DueUpdate, UpdateState, UpdateTransition

COUNTS = ("due", "on_time", "late", "not_submitted", "approved", "pending_review")


@dataclass
class DisciplineRow:
    party: str  # a member state's name or a body's acronym; "Total" for the total row
    is_member_state: bool
    due: int = 0
    on_time: int = 0
    late: int = 0
    not_submitted: int = 0
    approved: int = 0
    pending_review: int = 0

    @property
    def counts(self):
        return [getattr(self, name) for name in COUNTS]


@dataclass
class Discipline:
    rows: list[DisciplineRow] = field(default_factory=list)
    total: DisciplineRow | None = None


def reporting_discipline(cycle, activity_ids, member_state=None) -> Discipline:
    """Counts per party of the reports due this cycle on `activity_ids`; two queries."""
    due = DueUpdate.objects.filter(cycle=cycle, activity_id__in=activity_ids)
    # A correction comes after the report it corrects: only the reports' own submissions count.
    submissions = UpdateTransition.objects.filter(
        update__cycle=cycle,
        update__activity_id__in=activity_ids,
        update__corrects__isnull=True,
        to_state=UpdateState.SUBMITTED,
    )
    if member_state is not None:
        due = due.filter(member_state=member_state)
        submissions = submissions.filter(update__member_state=member_state)
    first_submitted = {
        (row["update__activity_id"], row["update__member_state_id"], row["update__body_id"]): row["first"]
        for row in submissions.values("update__activity_id", "update__member_state_id", "update__body_id")
        .annotate(first=Min("at"))
        .order_by()
    }
    rows = {}
    if member_state is not None:  # its row, even when it owes nothing in scope
        rows[(member_state.pk, None)] = DisciplineRow(party=member_state.local_name, is_member_state=True)
    for item in due.select_related("member_state", "body").only(
        "activity_id",
        "status",
        "member_state",
        "body",
        "member_state__name",
        "member_state__name_vi",
        "body__acronym",
    ):
        key = (item.activity_id, item.member_state_id, item.body_id)
        party = (item.member_state_id, item.body_id)
        if party not in rows:
            rows[party] = DisciplineRow(party=item.party_label, is_member_state=bool(item.member_state_id))
        row = rows[party]
        row.due += 1
        first = first_submitted.get(key)
        if first is None:
            row.not_submitted += 1
        elif timezone.localtime(first).date() <= cycle.deadline:
            row.on_time += 1
        else:
            row.late += 1
        # The due report's status is its party's standing update (`standing_update`): an approved one
        # stays approved while a correction of it is in the works, as participation counts it.
        if item.status == DueStatus.APPROVED:
            row.approved += 1
        elif item.status == DueStatus.SUBMITTED:
            row.pending_review += 1
    ordered = sorted(rows.values(), key=lambda r: (not r.is_member_state, r.party))
    total = DisciplineRow(
        party=_("Total"),
        is_member_state=False,
        **{name: sum(getattr(row, name) for row in ordered) for name in COUNTS},
    )
    return Discipline(rows=ordered, total=total)
