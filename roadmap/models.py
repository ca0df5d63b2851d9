"""The plan: the roadmap, its recommendations, activities, milestones, owners and indicators."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.language import english_marked, in_vietnamese


class BilingualMixin:
    """Picks the Vietnamese text of a field when the user reads in Vietnamese and it exists."""

    def localized(self, field):
        if in_vietnamese():
            value = getattr(self, f"{field}_vi", "")
            if value:
                return value
        return getattr(self, field)

    def marked(self, field):
        """The text to show in the reader's language: the English with a visible mark when the
        reader reads Vietnamese and no Vietnamese is given (see `core.language.english_marked`)."""
        value = self.localized(field)
        if (
            value
            and value == getattr(self, field)
            and in_vietnamese()
            and not getattr(self, f"{field}_vi", "")
        ):
            return english_marked(value)
        return value

    @property
    def local_title(self):
        return self.localized("title")

    @property
    def local_description(self):
        return self.localized("description")


class Roadmap(BilingualMixin, models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title (English)"), max_length=300)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300, blank=True)
    short_title = models.CharField(_("short title"), max_length=120, blank=True)
    description = models.TextField(_("description (English)"), blank=True)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    adopted_by = models.CharField(_("adopted by"), max_length=200, blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("roadmap")
        verbose_name_plural = _("roadmaps")

    def __str__(self):
        return self.short_title or self.title


class Recommendation(BilingualMixin, models.Model):
    """One of the roadmap's five recommendations: a workstream of activities."""

    roadmap = models.ForeignKey(
        Roadmap, verbose_name=_("roadmap"), on_delete=models.PROTECT, related_name="recommendations"
    )
    number = models.PositiveSmallIntegerField(
        _("number"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    short_title = models.CharField(_("short title (English)"), max_length=120, blank=True)
    short_title_vi = models.CharField(_("short title (Vietnamese)"), max_length=160, blank=True)
    title = models.TextField(_("title (English)"))
    title_vi = models.TextField(_("title (Vietnamese)"))
    description = models.TextField(_("description (English)"), blank=True)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["roadmap", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "number"], name="recommendation_number_unique_in_roadmap"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=5), name="recommendation_number_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.local_short_title}"

    @property
    def local_short_title(self):
        return self.localized("short_title") or self.local_title

    def get_absolute_url(self):
        return reverse("roadmap:recommendation_detail", args=[self.number])


class MemberState(BilingualMixin, models.Model):
    iso2 = models.CharField(
        _("ISO alpha-2"), max_length=2, unique=True, validators=[RegexValidator(r"^[A-Z]{2}$")]
    )
    iso3 = models.CharField(
        _("ISO alpha-3"), max_length=3, unique=True, validators=[RegexValidator(r"^[A-Z]{3}$")]
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=100, blank=True)
    joined_on = models.DateField(_("joined ASEAN on"))
    focal_agency = models.CharField(_("focal agency"), max_length=200, blank=True)
    focal_agency_vi = models.CharField(_("focal agency (Vietnamese)"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("member state")
        verbose_name_plural = _("member states")
        ordering = ["name"]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self):
        if in_vietnamese() and self.name_vi:
            return self.name_vi
        return self.name

    def get_absolute_url(self):
        return reverse("roadmap:member_state_detail", args=[self.iso2])


# A state's strategies: undated ones after the dated, on every database.
STRATEGY_ORDER = [F("year").asc(nulls_last=True), "name"]


class NationalStrategy(BilingualMixin, models.Model):
    member_state = models.ForeignKey(
        MemberState,
        verbose_name=_("member state"),
        on_delete=models.CASCADE,
        related_name="strategies",
    )
    name = models.CharField(_("name"), max_length=300)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    lead_agency = models.CharField(_("lead agency"), max_length=200, blank=True)
    lead_agency_vi = models.CharField(_("lead agency (Vietnamese)"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_vi = models.TextField(_("summary (Vietnamese)"), blank=True)
    link = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("national strategy")
        verbose_name_plural = _("national strategies")
        ordering = ["member_state__name", *STRATEGY_ORDER]
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "name"], name="national_strategy_unique_per_state"
            )
        ]

    def __str__(self):
        return self.marked("name")

    @property
    def local_name(self):
        return self.localized("name")

    @property
    def local_lead_agency(self):
        return self.localized("lead_agency")

    @property
    def local_summary(self):
        return self.localized("summary")


class Body(BilingualMixin, models.Model):
    class Kind(models.TextChoices):
        MINISTERS = "ministers", _("Ministers")
        SENIOR_OFFICIALS = "senior_officials", _("Senior officials")
        SECTORAL_BODY = "sectoral_body", _("Sectoral body")
        WORKING_GROUP = "working_group", _("Working group")
        SECRETARIAT = "secretariat", _("Secretariat")
        PARTNER_ORGANISATION = "partner_organisation", _("Partner organisation")
        NATIONAL_AGENCY = "national_agency", _("National agency")
        DIALOGUE_PARTNER = "dialogue_partner", _("Dialogue partner")

    acronym = models.CharField(_("acronym"), max_length=30, unique=True)
    name = models.CharField(_("full name"), max_length=300)
    name_vi = models.CharField(_("full name (Vietnamese)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent body"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    member_state = models.ForeignKey(
        MemberState,
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        help_text=_("For a national agency: the member state it belongs to."),
    )
    role = models.TextField(_("role in the roadmap"), blank=True)

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["acronym"]

    def __str__(self):
        return self.acronym

    @property
    def local_name(self):
        return self.localized("name")

    def get_absolute_url(self):
        return reverse("roadmap:body_detail", args=[self.acronym])


class CountryFigure(models.Model):
    """A published statistic for a member state, or for ASEAN as a whole when no state is set."""

    class Metric(models.TextChoices):
        # The "%" in these labels is text, not a format: tell xgettext, or msgfmt rejects them.
        # xgettext:no-python-format
        INDUSTRY_GDP = "industry_gdp_pct", _("Industry, % of GDP")
        # xgettext:no-python-format
        MANUFACTURING_GDP = "manufacturing_gdp_pct", _("Manufacturing, % of GDP")
        # xgettext:no-python-format
        MANUFACTURES_EXPORTS = "manufactures_exports_pct", _("Manufactures, % of exports")
        # xgettext:no-python-format
        MANUFACTURES_IMPORTS = "manufactures_imports_pct", _("Manufactures, % of imports")
        # xgettext:no-python-format
        INDUSTRY_EMPLOYMENT = "industry_employment_pct", _("Industry, % of employment")

    member_state = models.ForeignKey(
        MemberState,
        verbose_name=_("member state"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="figures",
    )
    metric = models.CharField(_("metric"), max_length=40, choices=Metric.choices)
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, help_text=_("Empty when the source gives no year.")
    )
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2)
    approximate = models.BooleanField(_("approximate"), default=False)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("country figure")
        verbose_name_plural = _("country figures")
        # ASEAN as a whole (no member state) first, undated figures last, on every database.
        ordering = [
            F("member_state__name").asc(nulls_first=True),
            "metric",
            F("year").asc(nulls_last=True),
        ]
        # NULLs are distinct in a unique index: the undated figures get constraints of their own.
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "metric", "year"],
                condition=Q(member_state__isnull=False),
                name="country_figure_unique",
            ),
            models.UniqueConstraint(
                fields=["metric", "year"],
                condition=Q(member_state__isnull=True),
                name="asean_figure_unique",
            ),
            models.UniqueConstraint(
                fields=["member_state", "metric"],
                condition=Q(member_state__isnull=False, year__isnull=True),
                name="country_figure_undated_unique",
            ),
            models.UniqueConstraint(
                fields=["metric"],
                condition=Q(member_state__isnull=True, year__isnull=True),
                name="asean_figure_undated_unique",
            ),
        ]

    def __str__(self):
        where = self.member_state.name if self.member_state_id else "ASEAN"
        year = f" {self.year}" if self.year else ""
        return f"{where}: {self.get_metric_display()}{year} = {self.value}"


class ActivityStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ONGOING = "ongoing", _("Ongoing")
    DELAYED = "delayed", _("Delayed")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "discontinued", _("Discontinued")


class Flag(models.TextChoices):
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")


ACTIVITY_CODE_RE = r"^[A-Z][A-Z0-9]*\.[0-9]{1,3}$"

# The activity's owners: who leads it and who takes part, member states and bodies.
ACTIVITY_OWNER_FIELDS = (
    "lead_member_states",
    "participating_member_states",
    "lead_bodies",
    "supporting_bodies",
)

# The activity's fields a person sets, on the form (in its order) and in the seeded plan file.
ACTIVITY_EDITABLE_FIELDS = (
    "code",
    "recommendation",
    "title",
    "title_vi",
    "description",
    "description_vi",
    "expected_outputs",
    "lead_member_states",
    "lead_bodies",
    "participating_member_states",
    "supporting_bodies",
    "planned_start",
    "planned_end",
    "baseline_start",
    "baseline_end",
    "status",
    "flag",
    "percent_complete",
    "is_illustrative",
)


def _today():
    return timezone.localdate()


def activity_order(prefix=""):
    """The plan's order of activities, the one every list of them uses.

    By recommendation, with work on the roadmap as a whole (no recommendation) last; then the
    activity's sequence, code and pk. Where NULLs go is said, not left to the database: SQLite puts
    them first and PostgreSQL last. `prefix` orders related rows by their activity ("activity__").
    """
    return [
        F(f"{prefix}recommendation__number").asc(nulls_last=True),
        F(f"{prefix}sequence").asc(nulls_last=True),
        F(f"{prefix}code").asc(),
        F(f"{prefix}pk").asc(),
    ]


ACTIVITY_ORDER = activity_order()
ACTIVITY_ORDER_RELATED = activity_order("activity__")


class ActivityQuerySet(models.QuerySet):
    def in_plan_order(self):
        return self.order_by(*ACTIVITY_ORDER)

    def for_list(self):
        """What every activity list shows, fetched in a constant number of queries."""
        return self.select_related("recommendation").prefetch_related("lead_member_states", "lead_bodies")

    def open(self):
        return self.exclude(status__in=[ActivityStatus.COMPLETED, ActivityStatus.DISCONTINUED])

    def overdue(self, today=None):
        """Activities past their planned end that are not finished, or with an overdue milestone."""
        today = today or _today()
        return (
            self.open()
            .filter(
                Q(planned_end__lt=today)
                | Q(milestones__actual_date__isnull=True, milestones__planned_date__lt=today)
            )
            .distinct()
        )

    def involving_member_state(self, member_state):
        return self.filter(
            Q(lead_member_states=member_state) | Q(participating_member_states=member_state)
        ).distinct()

    def involving_body(self, body):
        return self.filter(Q(lead_bodies=body) | Q(supporting_bodies=body)).distinct()

    def involving(self, *, member_state=None, body=None):
        """Activities a party (a member state or a body, or its id) takes part in: it leads or
        participates, it leads or supports. The SQL twin of `Activity.involves`."""
        if member_state is not None:
            return self.involving_member_state(member_state)
        if body is not None:
            return self.involving_body(body)
        return self.none()


class Activity(BilingualMixin, models.Model):
    roadmap = models.ForeignKey(
        Roadmap, verbose_name=_("roadmap"), on_delete=models.PROTECT, related_name="activities"
    )
    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        help_text=_("Empty for work on the roadmap as a whole, such as its own development."),
    )
    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(
                ACTIVITY_CODE_RE, _("Use a code such as R2.3: letters and digits, a dot, a number.")
            )
        ],
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=0, editable=False)
    title = models.CharField(_("title (English)"), max_length=300)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300, blank=True)
    description = models.TextField(_("description (English)"), blank=True)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    expected_outputs = models.TextField(_("expected outputs"), blank=True)
    lead_member_states = models.ManyToManyField(
        MemberState, verbose_name=_("lead member states"), blank=True, related_name="activities_led"
    )
    lead_bodies = models.ManyToManyField(
        Body, verbose_name=_("lead bodies"), blank=True, related_name="activities_led"
    )
    participating_member_states = models.ManyToManyField(
        MemberState,
        verbose_name=_("participating member states"),
        blank=True,
        related_name="activities_joined",
    )
    supporting_bodies = models.ManyToManyField(
        Body, verbose_name=_("supporting bodies"), blank=True, related_name="activities_supported"
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    baseline_start = models.DateField(
        _("baseline start"), null=True, blank=True, help_text=_("The start first agreed.")
    )
    baseline_end = models.DateField(
        _("baseline end"), null=True, blank=True, help_text=_("The end first agreed.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.NOT_STARTED
    )
    flag = models.CharField(_("flag"), max_length=10, choices=Flag.choices, default=Flag.GREEN)
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Seed data standing in for the secretariat's real list, to be replaced."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        m2m_fields=[lead_member_states, lead_bodies, participating_member_states, supporting_bodies]
    )
    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ACTIVITY_ORDER
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__gte=0, percent_complete__lte=100),
                name="activity_percent_0_100",
                violation_error_message=_("Percent complete must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="activity_planned_end_after_start",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_start__isnull=True)
                | Q(baseline_end__isnull=True)
                | Q(baseline_end__gte=models.F("baseline_start")),
                name="activity_baseline_end_after_start",
                violation_error_message=_("The baseline end cannot be before the baseline start."),
            ),
            models.CheckConstraint(condition=Q(code__regex=ACTIVITY_CODE_RE), name="activity_code_format"),
        ]
        indexes = [models.Index(fields=["status", "flag"])]

    def __str__(self):
        return f"{self.code} {self.local_title}"

    def get_absolute_url(self):
        return reverse("roadmap:activity_detail", args=[self.code])

    @staticmethod
    def sequence_for(code):
        """Sort R2.10 after R2.9: the number after the dot, as an integer."""
        match = re.search(r"\.(\d+)$", code or "")
        return int(match.group(1)) if match else 0

    def save(self, *args, **kwargs):
        self.sequence = self.sequence_for(self.code)
        super().save(*args, **kwargs)

    @property
    def is_finished(self):
        return self.status in (ActivityStatus.COMPLETED, ActivityStatus.DISCONTINUED)

    def involves(self, *, member_state_id=None, body_id=None):
        """The party leads or participates in (a member state), leads or supports (a body) this
        activity: the same rule as `ActivityQuerySet.involving`, read from the prefetched owners."""
        if member_state_id is not None:
            owners = [*self.lead_member_states.all(), *self.participating_member_states.all()]
            return any(owner.pk == member_state_id for owner in owners)
        if body_id is not None:
            return any(
                owner.pk == body_id for owner in [*self.lead_bodies.all(), *self.supporting_bodies.all()]
            )
        return False

    @property
    def is_overdue(self):
        """The same rule as ActivityQuerySet.overdue(): past its end, or a milestone overdue."""
        if self.is_finished:
            return False
        today = _today()
        if self.planned_end is not None and self.planned_end < today:
            return True
        # Uses the prefetched milestones where the page has them.
        return any(m.actual_date is None and m.planned_date < today for m in self.milestones.all())

    @property
    def end_slip_days(self):
        if self.planned_end and self.baseline_end:
            return (self.planned_end - self.baseline_end).days
        return None


class MilestoneState(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ACHIEVED_ON_TIME = "achieved_on_time", _("Achieved on time")
    ACHIEVED_LATE = "achieved_late", _("Achieved late")


def milestone_state(planned_date, actual_date, today=None):
    """The state of a milestone from its dates: the one rule both Python and SQL follow."""
    today = today or _today()
    if actual_date is not None:
        if planned_date is None or actual_date <= planned_date:
            return MilestoneState.ACHIEVED_ON_TIME
        return MilestoneState.ACHIEVED_LATE
    if planned_date is None:
        return MilestoneState.UPCOMING
    if planned_date < today:
        return MilestoneState.OVERDUE
    if planned_date <= today + datetime.timedelta(days=settings.MILESTONE_DUE_SOON_DAYS):
        return MilestoneState.DUE_SOON
    return MilestoneState.UPCOMING


# Milestones by planned date (never empty), then pk.
MILESTONE_ORDER = ["planned_date", "pk"]


class MilestoneQuerySet(models.QuerySet):
    def in_date_order(self):
        return self.order_by(*MILESTONE_ORDER)

    def with_state(self, today=None):
        """Annotate `state_value` in SQL, mirroring milestone_state(), so lists filter and sort."""
        today = today or _today()
        soon = today + datetime.timedelta(days=settings.MILESTONE_DUE_SOON_DAYS)
        return self.annotate(
            state_value=Case(
                When(
                    Q(actual_date__isnull=False)
                    & (Q(planned_date__isnull=True) | Q(actual_date__lte=models.F("planned_date"))),
                    then=Value(MilestoneState.ACHIEVED_ON_TIME.value),
                ),
                When(actual_date__isnull=False, then=Value(MilestoneState.ACHIEVED_LATE.value)),
                When(planned_date__isnull=True, then=Value(MilestoneState.UPCOMING.value)),
                When(planned_date__lt=today, then=Value(MilestoneState.OVERDUE.value)),
                When(planned_date__lte=soon, then=Value(MilestoneState.DUE_SOON.value)),
                default=Value(MilestoneState.UPCOMING.value),
                output_field=models.CharField(),
            )
        )

    def achieved(self):
        return self.filter(actual_date__isnull=False)

    def pending(self):
        return self.filter(actual_date__isnull=True)

    def overdue(self, today=None):
        return self.pending().filter(planned_date__lt=today or _today())

    def due_within(self, days, today=None):
        today = today or _today()
        return self.pending().filter(
            planned_date__gte=today, planned_date__lte=today + datetime.timedelta(days=days)
        )

    def upcoming(self, today=None):
        return self.pending().filter(planned_date__gte=today or _today())


class DatePrecision(models.TextChoices):
    """How exactly a source gives a date; the stored date is the first day of the period."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    EARLY_YEAR = "early_year", _("Early in the year")
    HALF_YEAR = "half_year", _("Half-year")
    YEAR = "year", _("Year")


def date_with_precision(value, precision=DatePrecision.DAY):
    """A date as exactly as it is known: "2020-12-11", "March 2020", "early 2020",
    "July to December 2020", "2020". The one rule every page and report uses."""
    if value is None:
        return ""
    if precision == DatePrecision.MONTH:
        return date_format(value, "YEAR_MONTH_FORMAT")
    if precision == DatePrecision.EARLY_YEAR:
        return _("early %(year)s") % {"year": value.year}
    if precision == DatePrecision.HALF_YEAR:
        if value.month <= 6:
            return _("January to June %(year)s") % {"year": value.year}
        return _("July to December %(year)s") % {"year": value.year}
    if precision == DatePrecision.YEAR:
        return str(value.year)
    return value.isoformat()


# What a person sets on a milestone: the plan form's fields and the data file's keys.
MILESTONE_EDITABLE_FIELDS = (
    "title",
    "title_vi",
    "description",
    "planned_date",
    "baseline_date",
    "actual_date",
    "date_precision",
)


class Milestone(BilingualMixin, models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title (English)"), max_length=300)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    planned_date = models.DateField(_("planned date"))
    baseline_date = models.DateField(
        _("baseline date"), null=True, blank=True, help_text=_("The date first agreed.")
    )
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"),
        max_length=12,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        blank=True,  # A form that leaves it out keeps exact dates: saved as "day".
        help_text=_(
            "How exactly the source gives the dates: for a month, a half-year or a year, store its first day."
        ),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = MILESTONE_ORDER
        indexes = [models.Index(fields=["planned_date", "actual_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "title"],
                name="milestone_title_unique_in_activity",
                violation_error_message=_("This activity already has a milestone with this title."),
            )
        ]

    def __str__(self):
        return self.local_title

    def get_absolute_url(self):
        return reverse("roadmap:activity_detail", args=[self.activity.code]) + f"#milestone-{self.pk}"

    @property
    def state(self):
        return MilestoneState(milestone_state(self.planned_date, self.actual_date))

    def save(self, *args, **kwargs):
        self.date_precision = self.date_precision or DatePrecision.DAY
        super().save(*args, **kwargs)

    @property
    def planned_display(self):
        return date_with_precision(self.planned_date, self.date_precision)

    @property
    def actual_display(self):
        return date_with_precision(self.actual_date, self.date_precision)

    def get_state_display(self):
        return self.state.label

    @property
    def slip_days(self):
        if self.baseline_date:
            return (self.planned_date - self.baseline_date).days
        return None


class Aggregation(models.TextChoices):
    """How an indicator's member-state values make its regional figure, cycle by cycle."""

    SUM = "sum", _("Sum over member states")
    AVERAGE = "average", _("Average over member states")
    ALL_DONE = "all_done", _("Done when every member state has done it (yes/no: 1 = done)")
    NONE = "none", _("No regional figure (reported for ASEAN as a whole)")


class Indicator(BilingualMixin, models.Model):
    """A measure with a baseline and a target, on an activity or on a whole recommendation."""

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
    )
    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
    )
    name = models.CharField(_("name (English)"), max_length=300)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300, blank=True)
    description = models.TextField(_("description (English)"), blank=True)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    unit = models.CharField(_("unit (English)"), max_length=60)
    unit_vi = models.CharField(_("unit (Vietnamese)"), max_length=60, blank=True)
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    aggregation = models.CharField(
        _("regional figure"),
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.SUM,
        help_text=_(
            "How the member states' values make the regional figure. For a yes/no measure (1 = done), "
            "the region is done only when every member state has done it (the AEC Scorecard rule)."
        ),
    )
    decimal_places = models.PositiveSmallIntegerField(
        _("decimal places"),
        default=0,
        validators=[MaxValueValidator(2)],
        help_text=_("The unit's precision: values print rounded half up to this many decimals (0 to 2)."),
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(activity__isnull=False) & Q(recommendation__isnull=True))
                | (Q(activity__isnull=True) & Q(recommendation__isnull=False)),
                name="indicator_on_activity_or_recommendation",
                violation_error_message=_(
                    "An indicator belongs to an activity or to a recommendation, not both."
                ),
            ),
            models.UniqueConstraint(
                fields=["activity", "name"],
                condition=Q(activity__isnull=False),
                name="indicator_name_unique_in_activity",
                violation_error_message=_("This activity already has an indicator with this name."),
            ),
            models.UniqueConstraint(
                fields=["recommendation", "name"],
                condition=Q(recommendation__isnull=False),
                name="indicator_name_unique_in_recommendation",
                violation_error_message=_("This recommendation already has an indicator with this name."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_year__isnull=True)
                | Q(target_year__isnull=True)
                | Q(target_year__gte=models.F("baseline_year")),
                name="indicator_target_year_after_baseline",
                violation_error_message=_("The target year cannot be before the baseline year."),
            ),
        ]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self):
        return self.localized("name")

    @property
    def local_unit(self):
        return self.localized("unit")

    @property
    def owner(self):
        return self.activity or self.recommendation

    def clean(self):
        super().clean()
        if self.activity_id and self.recommendation_id:
            raise ValidationError(_("An indicator belongs to an activity or to a recommendation, not both."))
