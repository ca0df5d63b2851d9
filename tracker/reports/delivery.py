"""The report's delivery issues: for each delayed activity, the cause and the remedy its updates give.

An activity in scope is delayed when, as of the cycle's end (the report's status and flag), its
status is "delayed" or its flag is red or amber.
- The cause: the challenges of its latest approved update that gives any, this cycle's first, else
  an earlier cycle's (latest cycle end, then latest approval), with the party and cycle that said it.
- The remedy: the next steps and the support needed of its latest approved update that gives
  either, chosen the same way, with its party and cycle (it may be another update than the cause's).
Only approved updates up to this cycle count, an approved correction replacing the update it
corrects; in a member state's report, that member state's updates only. With none, the report says
that no approved update gives a cause (or a remedy). Two queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from roadmap.models import Activity, ActivityStatus, Flag
from tracker.models import ProgressUpdate


@dataclass
class DeliveryIssue:
    section_number: int | None  # the recommendation's number; None for the roadmap as a whole
    code: str
    title: str
    illustrative: bool
    status_label: str
    flag: str  # Flag value
    flag_label: str
    from_plan: bool  # status and flag from the plan's record: no approved update yet
    cause: str  # challenges (Markdown source as typed), "" if no approved update gives any
    cause_source: str  # "Viet Nam, 2026-H1"; "" without a cause
    next_steps: str
    support_needed: str
    remedy_source: str  # "" without a remedy


def is_delayed(row):
    return row.status == ActivityStatus.DELAYED or row.flag in (Flag.RED, Flag.AMBER)


def delivery_issues(activity_rows, approved, member_state=None) -> list[DeliveryIssue]:
    """`activity_rows`: {activity id: ActivityRow} in the report's order; `approved`: the approved
    updates up to this cycle (corrections replacing what they correct). Two queries."""
    delayed = [pk for pk, row in activity_rows.items() if is_delayed(row)]
    if member_state is not None:
        approved = approved.filter(member_state=member_state)
    latest = approved.filter(activity=OuterRef("pk")).order_by("-cycle__period_end", "-reviewed_at", "-pk")
    given = {
        pk: (cause_id, remedy_id)
        for pk, cause_id, remedy_id in Activity.objects.filter(pk__in=delayed)
        .annotate(
            cause_id=Subquery(latest.exclude(challenges="").values("pk")[:1]),
            remedy_id=Subquery(latest.filter(~Q(next_steps="") | ~Q(support_needed="")).values("pk")[:1]),
        )
        .values_list("pk", "cause_id", "remedy_id")
    }
    updates = ProgressUpdate.objects.select_related("cycle", "member_state", "body").in_bulk(
        {pk for pair in given.values() for pk in pair if pk}
    )
    issues = []
    for pk in delayed:
        row = activity_rows[pk]
        cause_id, remedy_id = given.get(pk, (None, None))
        cause, remedy = updates.get(cause_id), updates.get(remedy_id)
        issues.append(
            DeliveryIssue(
                section_number=row.recommendation_number,
                code=row.code,
                title=row.title,
                illustrative=row.illustrative,
                status_label=row.status_label,
                flag=row.flag,
                flag_label=row.flag_label,
                from_plan=row.from_plan,
                cause=cause.challenges.strip() if cause else "",
                cause_source=_source(cause),
                next_steps=remedy.next_steps.strip() if remedy else "",
                support_needed=remedy.support_needed.strip() if remedy else "",
                remedy_source=_source(remedy),
            )
        )
    return issues


def _source(update):
    if update is None:
        return ""
    return _("%(party)s, approved update for %(cycle)s") % {
        "party": update.party_label,
        "cycle": update.cycle.slug,
    }


def issues_in_section(issues, number):
    """The issues of the section numbered `number` (None: the roadmap as a whole)."""
    return [issue for issue in issues if issue.section_number == number]
