"""Reads of the record, each in a constant number of queries whatever the size of the data."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery

from accounts.parties import party_key, party_of
from core.numbers import share
from roadmap.models import ACTIVITY_ORDER_RELATED, Activity, Body, Indicator, MemberState
from tracker.models import (
    DueStatus,
    DueUpdate,
    ProgressUpdate,
    ReportingCycle,
    UpdateState,
)
from tracker.rules import due_status_shown_to, steps_shown_to


def user_party(user):
    """(member_state, body) the user reports for (`accounts.parties.party_of`), as objects;
    (None, None) for everyone else."""
    party = party_of(user)
    if party is None:
        return None, None
    return (user.member_state, None) if party.member_state_id else (None, user.body)


def my_due_reports(user):
    """What the user's party owes in cycles that take its reports; what needs them first, first."""
    member_state, body = user_party(user)
    if member_state is None and body is None:
        return DueUpdate.objects.none()
    # An approved report stays approved while the party corrects it; the correction is reachable
    # from the same row (`correction_id`, `correction_state`).
    correction = ProgressUpdate.objects.filter(corrects=OuterRef("update_id")).exclude(
        state=UpdateState.APPROVED
    )
    return (
        DueUpdate.objects.for_party(member_state=member_state, body=body)
        .filter(cycle__in=ReportingCycle.objects.accepting_reports_from(member_state, body))
        .select_related("cycle", "activity", "activity__recommendation", "update", "update__author")
        .annotate(
            correction_id=Subquery(correction.values("pk")[:1]),
            correction_state=Subquery(correction.values("state")[:1]),
        )
        .by_priority()
    )


def activity_indicators(activity):
    """The indicators an update on `activity` may give values for: its own and its recommendation's."""
    where = Q(activity=activity)
    if activity.recommendation_id:
        where |= Q(recommendation_id=activity.recommendation_id)
    return Indicator.objects.filter(where)


def reportable_activities(user):
    """Activities the user's party leads or joins, for reporting beyond what is due."""
    member_state, body = user_party(user)
    return Activity.objects.involving(member_state=member_state, body=body).select_related("recommendation")


def review_queue():
    """Submitted updates, oldest submission first: the secretariat's work list."""
    return (
        ProgressUpdate.objects.submitted()
        .for_list()
        .prefetch_related("evidence_files")
        .order_by("submitted_at", "pk")
    )


def update_trail(update, *, user):
    """The moves of `update` that `user` may read, oldest first (tracker.rules.steps_shown_to)."""
    return steps_shown_to(user, update, update.transitions.select_related("actor").order_by("at", "pk"))


def activity_updates(activity, user):
    """The updates on one activity that `user` may read, newest first."""
    return (
        ProgressUpdate.objects.visible_to(user)
        .filter(activity=activity)
        .select_related("cycle", "member_state", "body", "author", "reviewed_by")
        .order_by("-cycle__period_start", "-created_at", "-pk")
    )


# Reports the chasing is measured by: the party has done its part.
HANDED_IN = (DueStatus.SUBMITTED, DueStatus.APPROVED)


def percent(part, whole):
    """`part` as a whole percent of `whole`, rounded half up (`core.numbers.share`)."""
    return share(part, whole)


@dataclass
class Completeness:
    """Expected reports counted by status, and the shares the cycle pages show."""

    counts: Counter = field(default_factory=Counter)

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def approved(self):
        return self.counts[DueStatus.APPROVED]

    @property
    def submitted_or_approved(self):
        return sum(self.counts[s] for s in HANDED_IN)

    @property
    def missing(self):
        return self.counts[DueStatus.MISSING]

    @property
    def percent_approved(self):
        return percent(self.approved, self.total)

    @property
    def percent_in(self):
        """Share handed in (submitted or approved): what chasing is measured by."""
        return percent(self.submitted_or_approved, self.total)


@dataclass(kw_only=True)
class PartyCompleteness(Completeness):
    key: str
    label: str
    member_state: MemberState | None
    body: Body | None


@dataclass
class CycleMatrix:
    cycle: ReportingCycle
    parties: list[PartyCompleteness]
    # rows: (activity, {party key: DueUpdate})
    rows: list[tuple[Activity, dict]]


def shown_due_counts(due_updates, viewer, *group_by):
    """`due_updates` counted by status for each value of `group_by`, as `viewer` is shown them.

    Every count of due updates on every page goes through here, so that it follows the matrix rule
    (`tracker.rules.due_status_shown_to`) as the matrix's cells do. One aggregate query.
    """
    fields = dict.fromkeys([*group_by, "member_state_id", "body_id", "status"])
    rows = due_updates.values(*fields).annotate(n=Count("pk")).order_by()
    counts = defaultdict(Counter)
    for row in rows:
        status = due_status_shown_to(viewer, row["status"], party_key(row["member_state_id"], row["body_id"]))
        counts[tuple(row[name] for name in group_by)][status] += row["n"]
    return counts


def cycle_completeness(cycle, viewer) -> Completeness:
    """The whole cycle's due updates counted by status, as `viewer` is shown them."""
    return Completeness(shown_due_counts(DueUpdate.objects.filter(cycle=cycle), viewer)[()])


def party_completeness(cycle, viewer) -> list[PartyCompleteness]:
    """Counts per party and status for one cycle as `viewer` is shown them, from one aggregate query
    (plus party names)."""
    by_party = shown_due_counts(DueUpdate.objects.filter(cycle=cycle), viewer, "member_state_id", "body_id")
    states = MemberState.objects.in_bulk([ms for ms, _b in by_party if ms])
    bodies = Body.objects.in_bulk([b for _ms, b in by_party if b])
    parties = []
    for (ms_id, body_id), counter in by_party.items():
        ms, body = states.get(ms_id), bodies.get(body_id)
        label = ms.local_name if ms else body.acronym
        parties.append(
            PartyCompleteness(
                key=party_key(ms_id, body_id), label=label, member_state=ms, body=body, counts=counter
            )
        )
    # Member states first, by name; then bodies, by acronym.
    parties.sort(key=lambda p: (p.member_state is None, p.label))
    return parties


def cycle_matrix(cycle, *, viewer, recommendation=None) -> CycleMatrix:
    """The completeness matrix: activity × responsible party, with counts per party as `viewer` is
    shown them (the cells' statuses are for the caller to show through the same rule)."""
    parties = party_completeness(cycle, viewer)
    expected = DueUpdate.objects.filter(cycle=cycle).select_related("activity", "activity__recommendation")
    if recommendation is not None:
        expected = expected.filter(activity__recommendation=recommendation)
    expected = expected.only(
        "pk",
        "status",
        "member_state_id",
        "body_id",
        "update_id",
        "activity__id",
        "activity__code",
        "activity__title",
        "activity__title_vi",
        "activity__sequence",
        "activity__recommendation__id",
        "activity__recommendation__number",
    ).order_by(*ACTIVITY_ORDER_RELATED)
    rows = {}
    for report in expected:
        activity = report.activity
        cells = rows.setdefault(activity.pk, (activity, {}))[1]
        cells[party_key(report.member_state_id, report.body_id)] = report
    return CycleMatrix(cycle=cycle, parties=parties, rows=list(rows.values()))


def submitted_since(since):
    """Updates submitted after `since`, for the secretariat's digest."""
    return (
        ProgressUpdate.objects.filter(state=UpdateState.SUBMITTED, submitted_at__gt=since)
        .for_list()
        .order_by("submitted_at")
    )
