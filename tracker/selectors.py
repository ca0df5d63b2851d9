"""Reads of the record, each in a constant number of queries whatever the size of the data."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from accounts.models import Role
from roadmap.models import ACTIVITY_ORDER_RELATED, Activity, Body, Indicator, MemberState
from tracker.models import (
    CycleReopening,
    CycleState,
    DueStatus,
    DueUpdate,
    ProgressUpdate,
    ReportingCycle,
    UpdateState,
    party_key,
)


def user_party(user):
    """(member_state, body) the user reports for; (None, None) for everyone else."""
    if user.is_authenticated and user.role == Role.FOCAL_POINT and user.member_state_id:
        return user.member_state, None
    if user.is_authenticated and user.role == Role.BODY_REPRESENTATIVE and user.body_id:
        return None, user.body
    return None, None


def cycles_accepting(member_state=None, body=None):
    """Open cycles, and closed cycles reopened for this party."""
    reopened = (
        CycleReopening.objects.for_party(member_state=member_state, body=body)
        .filter(ended_at__isnull=True)
        .values("cycle_id")
    )
    return ReportingCycle.objects.filter(
        Q(state=CycleState.OPEN) | Q(pk__in=reopened, state=CycleState.CLOSED)
    )


def my_due_reports(user):
    """What the user's party owes in cycles that take its reports; what needs them first, first."""
    member_state, body = user_party(user)
    if member_state is None and body is None:
        return DueUpdate.objects.none()
    return (
        DueUpdate.objects.for_party(member_state=member_state, body=body)
        .filter(cycle__in=cycles_accepting(member_state, body))
        .select_related("cycle", "activity", "activity__recommendation", "update", "update__author")
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
    if member_state is not None:
        return Activity.objects.involving_member_state(member_state).select_related("recommendation")
    if body is not None:
        return Activity.objects.involving_body(body).select_related("recommendation")
    return Activity.objects.none()


def review_queue():
    """Submitted updates, oldest submission first: the secretariat's work list."""
    return (
        ProgressUpdate.objects.submitted()
        .for_list()
        .prefetch_related("evidence_files")
        .order_by("submitted_at", "pk")
    )


def update_trail(update):
    return update.transitions.select_related("actor").order_by("at", "pk")


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
    return round(100 * part / whole) if whole else 0


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


def party_completeness(cycle) -> list[PartyCompleteness]:
    """Counts per party and status for one cycle, from one aggregate query (plus party names)."""
    counts = (
        DueUpdate.objects.filter(cycle=cycle)
        .values("member_state_id", "body_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_party = defaultdict(Counter)
    for row in counts:
        by_party[(row["member_state_id"], row["body_id"])][row["status"]] += row["n"]
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


def cycle_matrix(cycle, *, recommendation=None) -> CycleMatrix:
    """The completeness matrix: activity × responsible party, with counts per party."""
    parties = party_completeness(cycle)
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
