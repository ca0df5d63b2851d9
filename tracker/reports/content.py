"""The cycle progress report's content, gathered once from approved data into plain objects.

`gather_report()` reads the database in a fixed number of queries, whatever the size of the
record, and returns a `ReportContent` holding only plain values (strings, numbers, dates): every
renderer (HTML, PDF, XLSX, CSV, DOCX) draws from it and none of them queries the database.

Rules (the tests recompute each of them independently):
- Only approved updates count. An approved update that an approved correction replaced is left out.
- An activity's status, flag and percent "as of" a cycle come from its latest approved update in
  that cycle or an earlier one (latest cycle end, then latest approval); with none, from the plan's
  record as it stood at the end of the cycle's period (its history; the earliest version if the
  plan was recorded later), marked `from_plan`, so approvals of later cycles never leak back.
- The previous cycle is the one with the latest end before this cycle starts.
- Milestones, as at the end of the cycle's period whenever the report is generated (planned and
  baseline dates from the plan's history, states as of that day). Achieved this cycle: reported
  achieved by an approved update of this cycle. Slipped: planned after the baseline, not achieved
  before the period started. Due next cycle: planned within the next period and not achieved by
  this period's end. Achieved means as an approved update of this cycle or an earlier one reports
  it; failing that, as the plan's record says, and the milestone's state says so. The next period
  is the next cycle's, or else the same calendar period again (a half-year after a half-year:
  1 January to 30 June, not 184 days), starting the day after this one ends.
- Indicator values: per indicator and member state (or ASEAN as a whole), the latest approved value
  in this cycle or an earlier one.
  Values are rounded half up to the indicator's unit precision (`decimal_places`) wherever they are
  shown. The results chain (values per cycle, regional figure, percent of target, trend) is
  gathered in tracker/reports/indicators.py.
- Scope: the roadmap (every activity), one recommendation (its activities) or one member state
  (activities it leads or takes part in, or owes a report on this cycle; narratives, updates and
  indicator values of that member state only).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.parties import Party
from core.numbers import average, round_half_up
from roadmap.models import (
    Activity,
    ActivityStatus,
    Body,
    Flag,
    Indicator,
    MemberState,
    Milestone,
    Recommendation,
    Roadmap,
    milestone_state,
)
from tracker.models import (
    CycleState,
    DueStatus,
    DueUpdate,
    IndicatorValue,
    MilestoneAchievement,
    ProgressUpdate,
    ReportingCycle,
    ReportScope,
    UpdateState,
)
from tracker.reports.delivery import DeliveryIssue, delivery_issues
from tracker.reports.discipline import Discipline, reporting_discipline
from tracker.reports.indicators import IndicatorResults, add_results_chain
from tracker.reports.matrix import ImplementationMatrix, implementation_matrix
from tracker.reports.narrative import ReportNarrative, gather_narrative
from tracker.selectors import percent as share


@dataclass
class StatusCount:
    value: str  # ActivityStatus value
    label: str
    count: int


@dataclass
class FlagCount:
    value: str  # Flag value
    label: str
    count: int


@dataclass
class ActivityRow:
    code: str
    title: str
    recommendation_number: int | None
    lead: str  # lead member states and bodies, comma-separated
    participants: str
    status: str  # ActivityStatus value
    status_label: str
    flag: str  # Flag value
    flag_label: str
    percent: int
    from_plan: bool  # no approved update yet: status, flag and percent are the plan's record
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    baseline_start: datetime.date | None
    baseline_end: datetime.date | None
    narrative: str  # the latest approved narrative this cycle (Markdown source), "" if none
    narrative_party: str
    updates_this_cycle: int  # approved updates in this cycle (in scope)
    previous_status: str | None = None  # as of the previous cycle; None without one
    previous_flag: str | None = None
    previous_percent: int | None = None
    illustrative: bool = False  # a placeholder in the plan file, to be replaced by the real list

    @property
    def changed(self):
        return self.previous_status is not None and (
            (self.status, self.flag, self.percent)
            != (self.previous_status, self.previous_flag, self.previous_percent)
        )


@dataclass
class MilestoneRow:
    activity_code: str
    title: str
    planned_date: datetime.date | None
    baseline_date: datetime.date | None
    actual_date: datetime.date | None
    state: str  # MilestoneState value, as of the end of the cycle's period
    state_label: str
    actual_from_plan: bool = False  # achieved by the plan's record only: no approved update reports it
    # How exactly the plan gives its dates (a `DatePrecision` value: "day", "month", "early_year",
    # "half_year", "year"), for the planned, baseline, due and revised dates; the achieved date's
    # is the same when it comes from the plan's record, else "day" (an update reports a day).
    precision: str = "day"
    actual_precision: str = "day"
    # Overdue (not achieved by the cycle's end, due before it): the date it was due (its baseline, or
    # its planned date if that is earlier or there is no baseline), the days from then to the
    # cycle's end, the planned date when the plan moved it, and the reason with where it comes from.
    due_date: datetime.date | None = None
    days_overdue: int | None = None
    revised_date: datetime.date | None = None
    reason: str = ""
    reason_source: str = ""

    @property
    def slip_days(self):
        if self.planned_date and self.baseline_date:
            return (self.planned_date - self.baseline_date).days
        return None


@dataclass
class IndicatorValueRow:
    member_state: str  # a member state's name, or "ASEAN" for the region as a whole
    value: Decimal
    cycle: str  # the slug of the cycle the value was reported for
    note: str = ""


@dataclass
class IndicatorRow:
    name: str
    unit: str
    owner: str  # an activity code, or "Recommendation N"
    baseline_value: Decimal | None
    baseline_year: int | None
    target_value: Decimal | None
    target_year: int | None
    values: list[IndicatorValueRow] = field(default_factory=list)
    illustrative: bool = False  # a placeholder in the plan file, to be replaced by the real list
    pk: int | None = None
    results: IndicatorResults | None = None  # the results chain (tracker/reports/indicators.py)


@dataclass
class RecommendationSection:
    number: int | None  # None: activities on the roadmap as a whole
    title: str
    short_title: str
    activities: list[ActivityRow] = field(default_factory=list)
    status_counts: list[StatusCount] = field(default_factory=list)
    flag_counts: list[FlagCount] = field(default_factory=list)
    completion: Decimal = Decimal("0.0")  # average percent complete, one decimal, rounded half up
    milestones_achieved: list[MilestoneRow] = field(default_factory=list)
    milestones_slipped: list[MilestoneRow] = field(default_factory=list)
    milestones_overdue: list[MilestoneRow] = field(default_factory=list)
    milestones_due_next: list[MilestoneRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)

    @property
    def heading(self):
        if self.number is None:
            return self.title
        return f"{self.number}. {self.short_title or self.title}"

    @property
    def activity_count(self):
        return len(self.activities)

    @property
    def completed_count(self):
        return sum(1 for a in self.activities if a.status == ActivityStatus.COMPLETED)

    @property
    def approved_updates(self):
        """Approved updates this cycle on the section's activities (in scope)."""
        return sum(a.updates_this_cycle for a in self.activities)

    @property
    def has_illustrative(self):
        return any(a.illustrative for a in self.activities) or any(i.illustrative for i in self.indicators)

    @property
    def has_plan_states(self):
        """Some activity has no approved update yet: the report marks its figures as the plan's."""
        return any(a.from_plan for a in self.activities)


@dataclass
class ParticipationRow:
    party: str  # a member state's name or a body's acronym
    is_member_state: bool
    activities_led: int
    activities_joined: int
    expected: int  # reports owed this cycle
    approved: int  # of those, approved

    @property
    def percent_approved(self):
        return share(self.approved, self.expected)


@dataclass
class AnnexUpdate:
    pk: int
    activity_code: str
    activity_title: str
    recommendation_number: int | None
    party: str
    author: str
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    approved_by: str
    status_label: str
    flag: str
    flag_label: str
    percent: int
    no_progress: bool
    narrative: str
    achievements: str
    challenges: str
    next_steps: str
    support_needed: str
    corrects: int | None  # pk of the update this one corrects
    milestones: list[tuple[str, datetime.date]] = field(default_factory=list)  # (title, achieved on)
    indicator_values: list[tuple[str, str, Decimal, str]] = field(default_factory=list)
    # (indicator, member state or ASEAN, value, unit)
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, url)
    files: list[str] = field(default_factory=list)  # file names


@dataclass
class Change:
    activity_code: str
    activity_title: str
    field: str  # "status", "flag" or "percent"
    field_label: str
    before: str
    after: str


@dataclass
class ReportContent:
    language: str
    roadmap_title: str
    title: str
    cycle_slug: str
    cycle_name: str
    period_start: datetime.date
    period_end: datetime.date
    deadline: datetime.date
    cycle_state: str
    scope: str  # ReportScope value
    scope_label: str
    generated_by: str
    generated_at: datetime.datetime
    previous_cycle_slug: str | None
    previous_cycle_name: str | None
    next_period_start: datetime.date
    next_period_end: datetime.date
    sections: list[RecommendationSection] = field(default_factory=list)
    status_totals: list[StatusCount] = field(default_factory=list)
    flag_totals: list[FlagCount] = field(default_factory=list)
    completion: Decimal = Decimal("0.0")  # average percent complete over every activity in scope
    activity_count: int = 0
    completed_count: int = 0
    approved_updates: int = 0  # approved updates this cycle, in scope
    previous_approved_updates: int | None = None
    changes: list[Change] = field(default_factory=list)
    participation: list[ParticipationRow] = field(default_factory=list)
    annex: list[AnnexUpdate] = field(default_factory=list)
    # Decided once, from the cycle as it stood when the report was gathered: a report of a cycle
    # not yet closed is provisional, and says how many submitted updates in scope await review.
    provisional: bool = False
    awaiting_review: int = 0
    # Member state × activity: each party's role and its reporting state this cycle (approved data only).
    matrix: ImplementationMatrix = field(default_factory=ImplementationMatrix)
    # Per party: reports due, on time, late, not submitted, approved, pending review.
    discipline: Discipline = field(default_factory=Discipline)
    # Each delayed activity (status delayed, or flag red or amber): cause and remedy from its updates.
    delivery_issues: list[DeliveryIssue] = field(default_factory=list)

    # The secretariat's narrative of the cycle and the document control (`tracker.reports.narrative`).
    narrative: ReportNarrative | None = None

    @property
    def activities(self):
        return [a for s in self.sections for a in s.activities]

    @property
    def illustrative_codes(self):
        """The codes of the illustrative activities, for every table that names an activity by code."""
        return {a.code for a in self.activities if a.illustrative}

    @property
    def has_illustrative(self):
        return any(s.has_illustrative for s in self.sections)

    @property
    def plan_only_count(self):
        """Activities whose status, flag and percent rest on the plan alone: no approved update backs them."""
        return sum(1 for a in self.activities if a.from_plan)

    @property
    def plan_only_completed(self):
        """Of the completed activities, those whose "completed" comes from the plan alone."""
        return sum(1 for a in self.activities if a.from_plan and a.status == ActivityStatus.COMPLETED)

    @property
    def expected_total(self):
        return sum(p.expected for p in self.participation)

    @property
    def approved_total(self):
        return sum(p.approved for p in self.participation)

    @property
    def percent_approved(self):
        return share(self.approved_total, self.expected_total)

    @property
    def file_stem(self):
        scope = "roadmap" if self.scope == ReportScope.ROADMAP else self.scope_label
        return f"progress-report-{self.cycle_slug}-{slugify(scope) or 'report'}-{self.language}"


# --- Gathering ------------------------------------------------------------------------------


def _approved_until(cycle):
    """Approved updates of `cycle` and every cycle that ended no later, minus replaced ones."""
    replaced = ProgressUpdate.objects.approved().filter(corrects=OuterRef("pk"))
    return (
        ProgressUpdate.objects.approved()
        .filter(cycle__period_end__lte=cycle.period_end)
        .exclude(Exists(replaced))
    )


def _latest_state_ids(activities, cycle):
    """{activity id: id of its latest approved update up to `cycle`}: one query."""
    latest = (
        _approved_until(cycle)
        .filter(activity=OuterRef("pk"))
        .order_by("-cycle__period_end", "-reviewed_at", "-pk")
        .values("pk")[:1]
    )
    return dict(activities.order_by().annotate(latest_id=Subquery(latest)).values_list("pk", "latest_id"))


def _plan_states(activities, cycle):
    """{activity id: (status, flag, percent)} from the plan's history at the end of `cycle`: two queries.

    Approving an update moves the activity's record, so its current record can hold later cycles'
    progress; the version in force when the period ended (or, for a plan recorded since, its first
    version) cannot."""
    return {
        pk: (row["status"], row["flag"], row["percent_complete"])
        for pk, row in _as_at_end(activities, cycle, "status", "flag", "percent_complete").items()
    }


def _with_version_at_end(queryset, cycle):
    """`queryset` (a model with history) annotated with `version_id`: the history row in force at
    the end of `cycle`'s period or, for a row recorded since, its first."""
    historical = queryset.model.history.model
    period_end = timezone.make_aware(
        datetime.datetime.combine(cycle.period_end + datetime.timedelta(days=1), datetime.time.min)
    )
    versions = historical.objects.filter(id=OuterRef("pk"))
    return queryset.order_by().annotate(
        version_id=Coalesce(
            Subquery(
                versions.filter(history_date__lt=period_end)
                .order_by("-history_date", "-history_id")
                .values("history_id")[:1]
            ),
            Subquery(versions.order_by("history_date", "history_id").values("history_id")[:1]),
        )
    )


def _versions(model, ids, *fields):
    """{id: {field: value}} of the history rows `ids` of `model`: one query."""
    rows = model.history.model.objects.filter(history_id__in=[i for i in ids if i])
    return {row["id"]: row for row in rows.values("id", *fields)}


def _as_at_end(queryset, cycle, *fields):
    """{id: {field: value}} for the rows of `queryset` as they stood at the end of `cycle`'s period
    (`_with_version_at_end`): two queries."""
    ids = _with_version_at_end(queryset, cycle).values_list("version_id", flat=True)
    return _versions(queryset.model, list(ids), *fields)


def _previous_cycle(cycle):
    return (
        ReportingCycle.objects.filter(period_end__lt=cycle.period_start)
        .order_by("-period_end", "-pk")
        .first()
    )


def _next_period(cycle):
    following = (
        ReportingCycle.objects.filter(period_start__gt=cycle.period_end).order_by("period_start").first()
    )
    if following:
        return following.period_start, following.period_end
    start = cycle.period_end + datetime.timedelta(days=1)
    months = _whole_months(cycle.period_start, cycle.period_end)
    if months:
        # The same calendar period again: a half-year is followed by a half-year, a quarter by a quarter.
        return start, _add_months(start, months) - datetime.timedelta(days=1)
    return start, start + (cycle.period_end - cycle.period_start)


def _whole_months(start, end):
    """How many calendar months `start`–`end` spans, if it runs from a month's first day to a
    month's last; else None."""
    if start.day != 1 or (end + datetime.timedelta(days=1)).day != 1:
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _add_months(first_of_month, months):
    index = first_of_month.month - 1 + months
    return first_of_month.replace(year=first_of_month.year + index // 12, month=index % 12 + 1)


def gather_report(
    cycle: ReportingCycle,
    *,
    recommendation: Recommendation | None = None,
    member_state: MemberState | None = None,
    language: str = "en",
    generated_by: str = "",
    generated_at: datetime.datetime | None = None,
    reference: str = "",
    report_version: int | None = None,
) -> ReportContent:
    """Everything the report shows, from approved data only, in a fixed number of queries.

    `reference` and `report_version`: the archive's document control for this report ("" and None
    for a report built outside the archive)."""
    with override(language):
        content = _gather(
            cycle,
            recommendation=recommendation,
            member_state=member_state,
            language=language,
            generated_by=generated_by,
            generated_at=generated_at or timezone.now(),
        )
        content.narrative = gather_narrative(
            cycle,
            language=language,
            reference=reference,
            version=report_version,
            generated_at=content.generated_at,
        )
        return content


def _gather(cycle, *, recommendation, member_state, language, generated_by, generated_at):
    if recommendation is not None and member_state is not None:
        raise ValueError("A report covers one recommendation or one member state, not both.")
    roadmap = Roadmap.objects.first()
    previous = _previous_cycle(cycle)
    next_start, next_end = _next_period(cycle)

    # The activities in scope, with their owners.
    activities = Activity.objects.all()
    if recommendation is not None:
        activities = activities.filter(recommendation=recommendation)
        scope, scope_label = (
            ReportScope.RECOMMENDATION,
            _("Recommendation %(number)s") % {"number": recommendation.number},
        )
    elif member_state is not None:
        # The secretariat can ask a member state to report on an activity it neither leads nor
        # joins; that report is the member state's work too.
        owed = DueUpdate.objects.filter(cycle=cycle, member_state=member_state).values("activity_id")
        involved = Activity.objects.involving_member_state(member_state).values("pk")
        activities = activities.filter(Q(pk__in=involved) | Q(pk__in=owed))
        scope, scope_label = ReportScope.MEMBER_STATE, member_state.local_name
    else:
        scope, scope_label = ReportScope.ROADMAP, str(ReportScope.ROADMAP.label)
    activity_list = list(
        activities.select_related("recommendation")
        .prefetch_related(
            "lead_member_states", "lead_bodies", "participating_member_states", "supporting_bodies"
        )
        # Work on the roadmap as a whole last, as its section comes last, on every database.
        .in_plan_order()
    )
    activity_ids = [a.pk for a in activity_list]
    in_scope = Activity.objects.filter(pk__in=activity_ids)

    # Status as of this cycle and the previous one.
    latest_ids = _latest_state_ids(in_scope, cycle)
    previous_ids = _latest_state_ids(in_scope, previous) if previous else {}
    state_rows = {
        row["pk"]: row
        for row in ProgressUpdate.objects.filter(
            pk__in={i for i in (*latest_ids.values(), *previous_ids.values()) if i}
        ).values("pk", "proposed_status", "proposed_flag", "proposed_percent")
    }

    # This cycle's approved updates in scope: the narratives and the annex.
    cycle_updates = (
        _approved_until(cycle)
        .filter(cycle=cycle, activity_id__in=activity_ids)
        .select_related("member_state", "body", "author", "reviewed_by")
        .prefetch_related(
            "milestone_achievements__milestone",
            "indicator_values__indicator",
            "indicator_values__member_state",
            "evidence_links",
            "evidence_files",
        )
        .order_by("reviewed_at", "pk")
    )
    if member_state is not None:
        cycle_updates = cycle_updates.filter(member_state=member_state)
    cycle_updates = list(cycle_updates)
    latest_narrative = {}
    updates_per_activity = Counter()
    for update in cycle_updates:  # in approval order: the last one wins
        latest_narrative[update.activity_id] = update
        updates_per_activity[update.activity_id] += 1

    previous_approved = None
    if previous is not None:
        previous_updates = _approved_until(previous).filter(cycle=previous, activity_id__in=activity_ids)
        if member_state is not None:
            previous_updates = previous_updates.filter(member_state=member_state)
        previous_approved = previous_updates.count()

    status_labels = dict(ActivityStatus.choices)
    flag_labels = dict(Flag.choices)

    plan_now = _plan_states(in_scope, cycle)
    plan_before = _plan_states(in_scope, previous) if previous else {}

    def as_of(activity, ids, plans):
        row = state_rows.get(ids.get(activity.pk))
        if row is None:
            plan = plans.get(activity.pk)
            if plan is None:  # no history at all: the current record is all there is
                plan = (activity.status, activity.flag, activity.percent_complete)
            return (*plan, True)
        return row["proposed_status"], row["proposed_flag"], row["proposed_percent"], False

    # Sections, one per recommendation (and one for work on the roadmap as a whole).
    sections: dict[int | None, RecommendationSection] = {}
    recommendations = Recommendation.objects.order_by("number")
    if recommendation is not None:
        recommendations = recommendations.filter(pk=recommendation.pk)
    elif member_state is not None:
        recommendations = recommendations.filter(activities__in=activity_ids).distinct()
    for rec in recommendations:
        sections[rec.pk] = RecommendationSection(
            number=rec.number, title=str(rec.local_title), short_title=str(rec.local_short_title)
        )
    changes = []
    activity_rows = {}
    for activity in activity_list:
        status, flag, percent, from_plan = as_of(activity, latest_ids, plan_now)
        narrative = latest_narrative.get(activity.pk)
        row = ActivityRow(
            code=activity.code,
            title=str(activity.local_title),
            recommendation_number=activity.recommendation.number if activity.recommendation_id else None,
            lead=", ".join(
                [ms.local_name for ms in activity.lead_member_states.all()]
                + [b.acronym for b in activity.lead_bodies.all()]
            ),
            participants=", ".join(
                [ms.local_name for ms in activity.participating_member_states.all()]
                + [b.acronym for b in activity.supporting_bodies.all()]
            ),
            status=status,
            status_label=str(status_labels.get(status, status)),
            flag=flag,
            flag_label=str(flag_labels.get(flag, flag)),
            percent=percent,
            from_plan=from_plan,
            planned_start=activity.planned_start,
            planned_end=activity.planned_end,
            baseline_start=activity.baseline_start,
            baseline_end=activity.baseline_end,
            narrative=narrative.narrative if narrative else "",
            narrative_party=narrative.party_label if narrative else "",
            updates_this_cycle=updates_per_activity[activity.pk],
            illustrative=activity.is_illustrative,
        )
        if previous is not None:
            prev_status, prev_flag, prev_percent, _plan = as_of(activity, previous_ids, plan_before)
            row.previous_status, row.previous_flag, row.previous_percent = (
                prev_status,
                prev_flag,
                prev_percent,
            )
            for name, label, before, after in (
                ("status", _("Status"), status_labels.get(prev_status), status_labels.get(status)),
                ("flag", _("Flag"), flag_labels.get(prev_flag), flag_labels.get(flag)),
                ("percent", _("Percent complete"), f"{prev_percent}%", f"{percent}%"),
            ):
                if str(before) != str(after):
                    changes.append(
                        Change(activity.code, row.title, name, str(label), str(before), str(after))
                    )
        activity_rows[activity.pk] = row
        key = activity.recommendation_id
        if key not in sections:
            sections[key] = RecommendationSection(
                number=None, title=_("The roadmap as a whole"), short_title=_("The roadmap as a whole")
            )
        sections[key].activities.append(row)

    section_of = {a.pk: a.recommendation_id for a in activity_list}
    # Milestones of the activities in scope, as they stood at the end of the cycle, so that the
    # report says the same whenever it is generated: planned and baseline dates from the plan's
    # history at the period's end; achieved as the approved updates of this cycle or an earlier one
    # report it (else the plan's record, and the state says so); states as of the period's end.
    for kind, rows in _milestone_lists(cycle, activity_ids, cycle_updates, next_start, next_end).items():
        for m, row in rows:
            row.activity_code = activity_rows[m.activity_id].code
            getattr(sections[section_of[m.activity_id]], f"milestones_{kind}").append(row)

    # Indicators: their own baseline and target, and the latest approved value per member state.
    rec_ids = [pk for pk in sections if pk is not None]
    indicators = list(
        Indicator.objects.filter(Q(activity_id__in=activity_ids) | Q(recommendation_id__in=rec_ids))
        .select_related("activity", "recommendation")
        # Within a section: the recommendation's own indicators, then its activities' in order
        # (nulls sort differently on SQLite and PostgreSQL, so say where they go).
        .order_by(F("activity__sequence").asc(nulls_first=True), "activity__code", "pk")
    )
    values = (
        IndicatorValue.objects.filter(
            indicator__in=[i.pk for i in indicators], update__in=_approved_until(cycle)
        )
        .select_related("member_state", "update__cycle")
        .order_by("update__cycle__period_end", "update__reviewed_at", "update__pk")
    )
    if member_state is not None:
        values = values.filter(member_state=member_state)
    latest_values = {}
    for value in values.only(
        "indicator_id",
        "member_state__name",
        "member_state__name_vi",
        "value",
        "note",
        "update__cycle__slug",
    ):  # oldest first: the latest value per indicator and member state wins
        latest_values[(value.indicator_id, value.member_state_id)] = value
    by_indicator = defaultdict(list)
    places = {i.pk: i.decimal_places for i in indicators}
    for (indicator_id, _ms), value in latest_values.items():
        by_indicator[indicator_id].append(
            IndicatorValueRow(
                member_state=value.member_state.local_name if value.member_state_id else "ASEAN",
                value=round_half_up(value.value, places[indicator_id]),  # at the unit's precision
                cycle=value.update.cycle.slug,
                note=value.note,
            )
        )
    for indicator in indicators:
        rows = sorted(by_indicator[indicator.pk], key=lambda v: (v.member_state == "ASEAN", v.member_state))
        owner = (
            indicator.activity.code
            if indicator.activity_id
            else _("Recommendation %(number)s") % {"number": indicator.recommendation.number}
        )
        section_key = (
            indicator.activity.recommendation_id if indicator.activity_id else indicator.recommendation_id
        )
        if section_key not in sections:
            continue
        sections[section_key].indicators.append(
            IndicatorRow(
                name=str(indicator.local_name),
                unit=indicator.marked("unit"),
                owner=owner,
                baseline_value=indicator.baseline_value,
                baseline_year=indicator.baseline_year,
                target_value=indicator.target_value,
                target_year=indicator.target_year,
                values=rows,
                illustrative=indicator.is_illustrative,
                pk=indicator.pk,
            )
        )
    add_results_chain(sections, cycle, _approved_until(cycle), member_state=member_state)

    # Totals per section and for the report.
    all_rows = list(activity_rows.values())
    for section in sections.values():
        section.status_counts = _status_counts(section.activities)
        section.flag_counts = _flag_counts(section.activities)
        section.completion = _completion(section.activities)

    participation = _participation(cycle, activity_list, member_state)
    awaiting = ProgressUpdate.objects.filter(
        cycle=cycle, state=UpdateState.SUBMITTED, activity_id__in=activity_ids
    )
    if member_state is not None:
        awaiting = awaiting.filter(member_state=member_state)
    annex = [_annex_row(u, activity_rows, status_labels, flag_labels) for u in cycle_updates]
    order = {a.code: i for i, a in enumerate(activity_list)}
    annex.sort(key=lambda u: (order[u.activity_code], u.party, u.approved_at or generated_at, u.pk))

    return ReportContent(
        language=language,
        roadmap_title=str(roadmap.local_title) if roadmap else "",
        title=_("Progress report: %(cycle)s") % {"cycle": str(cycle)},
        cycle_slug=cycle.slug,
        cycle_name=str(cycle),
        period_start=cycle.period_start,
        period_end=cycle.period_end,
        deadline=cycle.deadline,
        cycle_state=str(cycle.get_state_display()),
        scope=scope.value,
        scope_label=str(scope_label),
        generated_by=generated_by,
        generated_at=timezone.localtime(generated_at),
        previous_cycle_slug=previous.slug if previous else None,
        previous_cycle_name=str(previous) if previous else None,
        next_period_start=next_start,
        next_period_end=next_end,
        sections=[s for s in sections.values() if s.activities or s.indicators],
        status_totals=_status_counts(all_rows),
        flag_totals=_flag_counts(all_rows),
        completion=_completion(all_rows),
        activity_count=len(all_rows),
        completed_count=sum(1 for r in all_rows if r.status == ActivityStatus.COMPLETED),
        approved_updates=len(cycle_updates),
        previous_approved_updates=previous_approved,
        changes=changes,
        participation=participation,
        annex=annex,
        provisional=cycle.state != CycleState.CLOSED,
        awaiting_review=awaiting.count(),
        matrix=implementation_matrix(cycle, activity_list, cycle_updates, member_state),
        discipline=reporting_discipline(cycle, activity_ids, member_state),
        delivery_issues=delivery_issues(activity_rows, _approved_until(cycle), member_state),
    )


def _milestone_lists(cycle, activity_ids, cycle_updates, next_start, next_end):
    """{"achieved" | "slipped" | "overdue" | "due_next": [(milestone, row)]} in date order, as at the
    cycle's end; three queries.

    - Achieved this cycle: reported achieved by an approved update of this cycle (in scope), on
      whatever date it gives; the plan's record alone never lists a milestone here.
    - Slipped: planned (as at the period's end) after its baseline, and not achieved before the
      period started.
    - Overdue: due before the period's end (its baseline date, or its planned date if that is
      earlier or there is no baseline) and not achieved by then, re-planned or not. The revised
      date is the planned date when the plan moved it; the reason is the challenges (else the
      narrative) of the latest approved update of this cycle on the activity, and says so.
    - Due next: planned within the next period and not achieved by the period's end.
    A milestone's achievement is the one the approved updates of this cycle or an earlier one
    report; failing that, the plan's record at the period's end, and its state says so.
    """
    in_scope = list(_with_version_at_end(Milestone.objects.filter(activity_id__in=activity_ids), cycle))
    at_end = _versions(
        Milestone,
        [m.version_id for m in in_scope],
        "planned_date",
        "baseline_date",
        "actual_date",
        "date_precision",
    )
    reported = dict(
        MilestoneAchievement.objects.filter(
            update__in=_approved_until(cycle), milestone__activity_id__in=activity_ids
        )
        # Oldest first: the latest report of each milestone wins.
        .order_by("update__cycle__period_end", "update__reviewed_at", "update_id", "pk")
        .values_list("milestone_id", "achieved_on")
    )
    this_cycle = {}
    latest_update = {}
    for update in cycle_updates:  # in approval order: the last one wins
        latest_update[update.activity_id] = update
        for achievement in update.milestone_achievements.all():
            this_cycle[achievement.milestone_id] = achievement.achieved_on
    lists = {"achieved": [], "slipped": [], "overdue": [], "due_next": []}
    rows = []
    for m in in_scope:
        dates = at_end.get(m.pk, {})
        planned = dates.get("planned_date", m.planned_date)
        baseline = dates.get("baseline_date", m.baseline_date)
        from_plan = False
        if m.pk in this_cycle:
            actual = this_cycle[m.pk]
        elif m.pk in reported:
            actual = reported[m.pk]
        else:
            actual = dates.get("actual_date", m.actual_date)
            if actual is not None and actual > cycle.period_end:
                actual = None
            from_plan = actual is not None
        state = milestone_state(planned, actual, today=cycle.period_end)
        label = str(state.label)
        if from_plan:
            label = _("%(state)s (plan record; no approved update reports it)") % {"state": label}
        row = MilestoneRow(
            activity_code="",
            title=str(m.local_title),
            planned_date=planned,
            baseline_date=baseline,
            actual_date=actual,
            state=state.value,
            state_label=label,
            actual_from_plan=from_plan,
            precision=dates.get("date_precision") or m.date_precision or "day",
        )
        if from_plan:
            row.actual_precision = row.precision
        rows.append((planned, m.pk, m, row))
    for planned, _pk, m, row in sorted(rows, key=lambda r: r[:2]):
        actual = row.actual_date
        if m.pk in this_cycle:
            lists["achieved"].append((m, row))
        if (
            row.baseline_date
            and planned > row.baseline_date
            and (actual is None or actual >= cycle.period_start)
        ):
            lists["slipped"].append((m, row))
        due = min((d for d in (planned, row.baseline_date) if d), default=None)
        if due and due < cycle.period_end and (actual is None or actual > cycle.period_end):
            row.due_date = due
            row.days_overdue = (cycle.period_end - due).days
            row.revised_date = planned if row.baseline_date and planned != row.baseline_date else None
            row.reason, row.reason_source = _overdue_reason(latest_update.get(m.activity_id))
            lists["overdue"].append((m, row))
        if next_start <= planned <= next_end and (actual is None or actual > cycle.period_end):
            lists["due_next"].append((m, row))
    return lists


def _overdue_reason(update):
    """(reason, where it comes from) for an overdue milestone: the challenges, else the narrative,
    of the latest approved update of this cycle on its activity."""
    if update is None:
        return "", str(_("No approved update this cycle gives a reason."))
    party = {"party": update.party_label}
    if update.challenges.strip():
        return update.challenges, str(_("Challenges in the approved update of %(party)s") % party)
    if update.narrative.strip():
        return update.narrative, str(_("Narrative of the approved update of %(party)s") % party)
    return "", str(_("The approved update of %(party)s gives no reason.") % party)


def _status_counts(rows):
    counts = Counter(r.status for r in rows)
    return [StatusCount(s.value, str(s.label), counts[s.value]) for s in ActivityStatus]


def _flag_counts(rows):
    counts = Counter(r.flag for r in rows)
    return [FlagCount(f.value, str(f.label), counts[f.value]) for f in Flag]


def _completion(rows):
    if not rows:
        return Decimal("0.0")
    return average(sum(r.percent for r in rows), len(rows))


def _participation(cycle, activity_list, member_state):
    """Per member state (then body): activities led and joined in scope, reports owed and approved."""
    led, joined = Counter(), Counter()
    for activity in activity_list:
        for ms in activity.lead_member_states.all():
            led[Party(member_state_id=ms.pk)] += 1
        for ms in activity.participating_member_states.all():
            joined[Party(member_state_id=ms.pk)] += 1
        for body in activity.lead_bodies.all():
            led[Party(body_id=body.pk)] += 1
        for body in activity.supporting_bodies.all():
            joined[Party(body_id=body.pk)] += 1
    expected = DueUpdate.objects.filter(cycle=cycle, activity_id__in=[a.pk for a in activity_list])
    if member_state is not None:
        expected = expected.filter(member_state=member_state)
    owed, approved = Counter(), Counter()
    for row in expected.values("member_state_id", "body_id", "status"):
        key = Party(member_state_id=row["member_state_id"], body_id=row["body_id"])
        owed[key] += 1
        if row["status"] == DueStatus.APPROVED:
            approved[key] += 1
    keys = set(led) | set(joined) | set(owed)
    if member_state is not None:
        keys = {Party(member_state_id=member_state.pk)}
    states = MemberState.objects.in_bulk([key.member_state_id for key in keys if key.member_state_id])
    bodies = Body.objects.in_bulk([key.body_id for key in keys if not key.member_state_id])
    rows = []
    for key in keys:
        is_member_state = bool(key.member_state_id)
        rows.append(
            ParticipationRow(
                party=states[key.member_state_id].local_name
                if is_member_state
                else bodies[key.body_id].acronym,
                is_member_state=is_member_state,
                activities_led=led[key],
                activities_joined=joined[key],
                expected=owed[key],
                approved=approved[key],
            )
        )
    rows.sort(key=lambda r: (not r.is_member_state, r.party))
    return rows


def _annex_row(update, activity_rows, status_labels, flag_labels):
    activity = activity_rows[update.activity_id]
    return AnnexUpdate(
        pk=update.pk,
        activity_code=activity.code,
        activity_title=activity.title,
        recommendation_number=activity.recommendation_number,
        party=update.party_label,
        author=str(update.author),
        submitted_at=timezone.localtime(update.submitted_at) if update.submitted_at else None,
        approved_at=timezone.localtime(update.reviewed_at) if update.reviewed_at else None,
        approved_by=str(update.reviewed_by) if update.reviewed_by_id else "",
        status_label=str(status_labels.get(update.proposed_status, update.proposed_status)),
        flag=update.proposed_flag,
        flag_label=str(flag_labels.get(update.proposed_flag, update.proposed_flag)),
        percent=update.proposed_percent,
        no_progress=update.no_progress,
        narrative=update.narrative,
        achievements=update.achievements,
        challenges=update.challenges,
        next_steps=update.next_steps,
        support_needed=update.support_needed,
        corrects=update.corrects_id,
        milestones=[
            (str(a.milestone.local_title), a.achieved_on) for a in update.milestone_achievements.all()
        ],
        indicator_values=[
            (
                str(v.indicator.local_name),
                v.member_state.local_name if v.member_state_id else "ASEAN",
                round_half_up(v.value, v.indicator.decimal_places),  # at the unit's precision
                v.indicator.marked("unit"),
            )
            for v in update.indicator_values.all()
        ],
        links=[(link.title or link.url, link.url) for link in update.evidence_links.all()],
        files=[f.original_name for f in update.evidence_files.all()],
    )
