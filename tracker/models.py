"""The record of execution: reporting cycles, what each party owes in them, and progress updates.

Writes go through the services of each feature package (updates, review, cycles, reports);
these models only hold data, constraints and read helpers.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.parties import party_key
from roadmap.models import ACTIVITY_ORDER_RELATED, Activity, ActivityStatus, BilingualMixin, Flag


class CycleState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ReportingCycleQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=CycleState.OPEN)

    def current(self):
        """The open cycle whose deadline comes first, else the latest closed one, else None."""
        return self.open().order_by("deadline").first() or (
            self.filter(state=CycleState.CLOSED).order_by("-period_end").first()
        )

    def accepting_reports_from(self, member_state=None, body=None):
        """The cycles taking this party's reports (a member state or body, or its id): the SQL twin
        of `ReportingCycle.accepts_reports_from`, which tests/tracker/test_models.py holds it to."""
        reopened = CycleReopening.objects.for_party(member_state=member_state, body=body).filter(
            ended_at__isnull=True
        )
        return self.filter(
            Q(state=CycleState.OPEN) | Q(state=CycleState.CLOSED, pk__in=reopened.values("cycle_id"))
        )


class ReportingCycle(BilingualMixin, models.Model):
    slug = models.SlugField(_("code"), max_length=20, unique=True, help_text=_("Such as 2026-H2."))
    name = models.CharField(_("name (English)"), max_length=120)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    deadline = models.DateField(_("deadline"), help_text=_("The date reports are due."))
    state = models.CharField(
        _("state"), max_length=10, choices=CycleState.choices, default=CycleState.PLANNED
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    history = HistoricalRecords()

    objects = ReportingCycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting cycle")
        verbose_name_plural = _("reporting cycles")
        ordering = ["-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="cycle_period_end_after_start",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("period_start")),
                name="cycle_deadline_after_start",
                violation_error_message=_("The deadline cannot come before the period starts."),
            ),
        ]

    def __str__(self):
        return self.marked("name") or self.slug

    @property
    def local_name(self):
        return self.localized("name")

    def get_absolute_url(self):
        return reverse("tracker:cycle_detail", kwargs={"slug": self.slug})

    @property
    def is_open(self):
        return self.state == CycleState.OPEN

    @property
    def is_closed(self):
        return self.state == CycleState.CLOSED

    def days_to_deadline(self, today=None):
        return (self.deadline - (today or timezone.localdate())).days

    def accepts_reports_from(self, member_state_id=None, body_id=None):
        """Open cycles take reports from anyone responsible; a closed one only from a reopened party.

        For one cycle already loaded (no query when it is open); `ReportingCycle.objects.
        accepting_reports_from` is the same rule as SQL, for lists.
        """
        if self.state == CycleState.OPEN:
            return True
        if self.state != CycleState.CLOSED or not (member_state_id or body_id):
            # Without a party, `body_id=None` would match any member state's reopening.
            return False
        return self.reopenings.filter(
            ended_at__isnull=True, **party_filter(member_state_id, body_id)
        ).exists()


class PartyMixin(models.Model):
    """Whoever reports: a member state (through its focal points) or a body (its representatives)."""

    member_state = models.ForeignKey(
        "roadmap.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.ForeignKey(
        "roadmap.Body",
        verbose_name=_("body"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def party(self):
        return self.member_state if self.member_state_id else self.body

    @property
    def party_label(self):
        if self.member_state_id:
            return self.member_state.local_name
        return self.body.acronym if self.body_id else ""

    @property
    def party_key(self):
        """A stable text key such as `ms:VN` or `body:12`, for forms and grouping."""
        return party_key(self.member_state_id, self.body_id)


def party_filter(member_state_id, body_id):
    """Filter keywords selecting one party's rows, by id."""
    return {"member_state_id": member_state_id} if member_state_id else {"body_id": body_id}


# Member states by name, then bodies by acronym: each row has one of the two, so say where NULLs go.
PARTY_ORDER = [
    models.F("member_state__name").asc(nulls_last=True),
    models.F("body__acronym").asc(nulls_last=True),
]


class PartyQuerySet(models.QuerySet):
    def in_party_order(self):
        return self.order_by(*PARTY_ORDER)

    def for_party(self, *, member_state=None, body=None):
        if member_state is not None:
            return self.filter(member_state=member_state)
        if body is not None:
            return self.filter(body=body)
        return self.none()


def party_xor(prefix):
    return models.CheckConstraint(
        condition=(
            Q(member_state__isnull=False, body__isnull=True)
            | Q(member_state__isnull=True, body__isnull=False)
        ),
        name=f"{prefix}_one_party",
        violation_error_message=_("Exactly one of member state and body must be given."),
    )


class DueStatus(models.TextChoices):
    """What the completeness matrix shows for one due update."""

    MISSING = "missing", _("Missing")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


# Reporters see what needs them first.
DUE_STATUS_PRIORITY = {
    DueStatus.RETURNED: 0,
    DueStatus.MISSING: 1,
    DueStatus.DRAFT: 2,
    DueStatus.SUBMITTED: 3,
    DueStatus.APPROVED: 4,
}


class DueUpdateQuerySet(PartyQuerySet):
    def outstanding(self):
        return self.filter(status__in=[DueStatus.MISSING, DueStatus.DRAFT, DueStatus.RETURNED])

    def by_priority(self):
        return self.annotate(
            priority=models.Case(
                *[models.When(status=s, then=models.Value(p)) for s, p in DUE_STATUS_PRIORITY.items()],
                output_field=models.IntegerField(),
            )
        ).order_by("priority", *ACTIVITY_ORDER_RELATED)


class DueUpdate(PartyMixin):
    """One report a party owes for one activity in one cycle: a cell of the completeness matrix.

    `status` and `update` mirror the party's standing update (its latest, but an approved update
    stays while a correction of it is in the works: `tracker.updates.services.standing_update`); the
    services keep them in step in the same transaction, so the matrix, "My activities", the
    reminders and the report's participation read one table.
    """

    cycle = models.ForeignKey(
        ReportingCycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="due_updates"
    )
    activity = models.ForeignKey(
        "roadmap.Activity", verbose_name=_("activity"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DueStatus.choices, default=DueStatus.MISSING
    )
    update = models.ForeignKey(
        "ProgressUpdate",
        verbose_name=_("latest update"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    history = HistoricalRecords()

    objects = DueUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("due update")
        verbose_name_plural = _("due updates")
        constraints = [
            party_xor("expected"),
            models.UniqueConstraint(
                fields=["cycle", "activity", "member_state"],
                condition=Q(member_state__isnull=False),
                name="expected_unique_member_state",
            ),
            models.UniqueConstraint(
                fields=["cycle", "activity", "body"],
                condition=Q(body__isnull=False),
                name="expected_unique_body",
            ),
        ]
        indexes = [
            models.Index(fields=["cycle", "status"]),
            models.Index(fields=["member_state", "cycle"]),
            models.Index(fields=["body", "cycle"]),
        ]

    def __str__(self):
        return f"{self.cycle.slug} · {self.activity.code} · {self.party_label}"


class CycleReopening(PartyMixin):
    """The recorded exception that lets one party report into a closed cycle."""

    cycle = models.ForeignKey(
        ReportingCycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="reopenings"
    )
    reason = models.TextField(_("reason"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reopened by"), on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(_("reopened at"), default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("cycle reopening")
        verbose_name_plural = _("cycle reopenings")
        ordering = ["-reopened_at"]
        constraints = [party_xor("reopening")]

    def __str__(self):
        return f"{self.cycle.slug} · {self.party_label}"

    @property
    def is_active(self):
        return self.ended_at is None


class UpdateState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


# The only moves an update can make; anything else is refused by the services.
UPDATE_TRANSITIONS = {
    (UpdateState.DRAFT, UpdateState.SUBMITTED),
    (UpdateState.SUBMITTED, UpdateState.APPROVED),
    (UpdateState.SUBMITTED, UpdateState.RETURNED),
    (UpdateState.RETURNED, UpdateState.SUBMITTED),
}
EDITABLE_STATES = (UpdateState.DRAFT, UpdateState.RETURNED)


class ProgressUpdateQuerySet(PartyQuerySet):
    def approved(self):
        return self.filter(state=UpdateState.APPROVED)

    def submitted(self):
        return self.filter(state=UpdateState.SUBMITTED)

    def visible_to(self, user):
        """The updates `user` may read; the same rule as `tracker.view_progressupdate` (tracker/rules.py),
        as SQL; tests/tracker/test_rules.py holds the two together."""
        from accounts.models import Role

        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser or user.role == Role.SECRETARIAT:
            return self
        visible = Q(state=UpdateState.APPROVED)
        if user.role == Role.FOCAL_POINT and user.member_state_id:
            visible |= Q(member_state_id=user.member_state_id)
        elif user.role == Role.BODY_REPRESENTATIVE and user.body_id:
            visible |= Q(body_id=user.body_id)
        return self.filter(visible)

    def for_list(self):
        return self.select_related(
            "activity", "activity__recommendation", "cycle", "member_state", "body", "author"
        )


class ProgressUpdate(PartyMixin):
    """What a party reports on one activity for one cycle. Approved updates are the record."""

    activity = models.ForeignKey(
        "roadmap.Activity", verbose_name=_("activity"), on_delete=models.PROTECT, related_name="+"
    )
    cycle = models.ForeignKey(
        ReportingCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=UpdateState.choices, default=UpdateState.DRAFT
    )
    no_progress = models.BooleanField(
        _("no progress this period"),
        default=False,
        help_text=_("Say so explicitly when nothing moved; the narrative can say why."),
    )
    proposed_status = models.CharField(_("status"), max_length=20, choices=ActivityStatus.choices)
    proposed_flag = models.CharField(_("flag"), max_length=10, choices=Flag.choices)
    proposed_percent = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MaxValueValidator(100)]
    )
    narrative = models.TextField(_("progress this period"), blank=True)
    achievements = models.TextField(_("achievements"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    support_needed = models.TextField(_("support needed"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        help_text=_("The approved update this one corrects."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-pk"]
        constraints = [
            party_xor("update"),
            models.CheckConstraint(
                condition=Q(proposed_percent__gte=0, proposed_percent__lte=100),
                name="update_percent_0_100",
                violation_error_message=_("Percent complete must be between 0 and 100."),
            ),
            # One update in the works per activity, cycle and party; approved ones pile up as the record.
            models.UniqueConstraint(
                fields=["activity", "cycle", "member_state"],
                condition=Q(member_state__isnull=False) & ~Q(state="approved"),
                name="update_one_open_per_member_state",
                violation_error_message=_(
                    "This party already has an update in progress for this activity and cycle."
                ),
            ),
            models.UniqueConstraint(
                fields=["activity", "cycle", "body"],
                condition=Q(body__isnull=False) & ~Q(state="approved"),
                name="update_one_open_per_body",
                violation_error_message=_(
                    "This party already has an update in progress for this activity and cycle."
                ),
            ),
        ]
        indexes = [
            # Lists show the newest first: read in index order and stop at the page's end.
            models.Index(fields=["-created_at", "-id"], name="update_newest_first"),
            # The dashboard's latest approved updates: read in index order, stop after a few.
            models.Index(fields=["state", "-reviewed_at", "-id"], name="update_latest_reviewed"),
            models.Index(fields=["state", "cycle"]),
            models.Index(fields=["activity", "state"]),
            models.Index(fields=["member_state", "state"]),
            models.Index(fields=["body", "state"]),
        ]

    def __str__(self):
        return _("Update #%(pk)s on %(code)s (%(party)s, %(cycle)s)") % {
            "pk": self.pk,
            "code": self.activity.code,
            "party": self.party_label,
            "cycle": self.cycle.slug,
        }

    def get_absolute_url(self):
        return reverse("tracker:update_detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self):
        return self.state in EDITABLE_STATES

    def party_may_report(self):
        """The party leads or joins the activity, or the secretariat listed it as due in this cycle."""
        activity = self.activity
        if not (self.member_state_id or self.body_id):
            return False
        involved = (
            Activity.objects.involving(member_state=self.member_state_id, body=self.body_id)
            .filter(pk=activity.pk)
            .exists()
        )
        return (
            involved
            or DueUpdate.objects.filter(
                cycle_id=self.cycle_id,
                activity_id=activity.pk,
                **party_filter(self.member_state_id, self.body_id),
            ).exists()
        )

    @property
    def is_approved(self):
        return self.state == UpdateState.APPROVED


class UpdateTransition(models.Model):
    """One move of an update between states: who, when and why. The trail shown on the update."""

    update = models.ForeignKey(
        ProgressUpdate, verbose_name=_("update"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.CharField(_("from"), max_length=10, choices=UpdateState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=10, choices=UpdateState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    # A return's note stays with the party and the secretariat unless the secretariat publishes it:
    # then every reader sees it once the update is approved (tracker.rules.steps_shown_to).
    public_note = models.BooleanField(
        _("show this note to every reader once the update is approved"), default=False
    )

    class Meta:
        verbose_name = _("update transition")
        verbose_name_plural = _("update transitions")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_state or '—'} → {self.to_state}"


class MilestoneAchievement(models.Model):
    """A milestone the update reports as achieved; approval copies the date onto the milestone."""

    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("update"),
        on_delete=models.CASCADE,
        related_name="milestone_achievements",
    )
    milestone = models.ForeignKey(
        "roadmap.Milestone", verbose_name=_("milestone"), on_delete=models.PROTECT, related_name="+"
    )
    achieved_on = models.DateField(_("achieved on"))

    class Meta:
        verbose_name = _("milestone achieved")
        verbose_name_plural = _("milestones achieved")
        constraints = [
            models.UniqueConstraint(fields=["update", "milestone"], name="achievement_once_per_update")
        ]

    def __str__(self):
        return f"{self.milestone} @ {self.achieved_on}"


class IndicatorValue(models.Model):
    """A value for one of the activity's indicators, for one member state or (empty) ASEAN as a whole."""

    update = models.ForeignKey(
        ProgressUpdate, verbose_name=_("update"), on_delete=models.CASCADE, related_name="indicator_values"
    )
    indicator = models.ForeignKey(
        "roadmap.Indicator", verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+"
    )
    member_state = models.ForeignKey(
        "roadmap.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for a value for ASEAN as a whole."),
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "indicator", "member_state"],
                condition=Q(member_state__isnull=False),
                name="value_once_per_member_state",
            ),
            models.UniqueConstraint(
                fields=["update", "indicator"],
                condition=Q(member_state__isnull=True),
                name="value_once_for_asean",
            ),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value}"


class EvidenceLink(models.Model):
    update = models.ForeignKey(
        ProgressUpdate, verbose_name=_("update"), on_delete=models.CASCADE, related_name="evidence_links"
    )
    url = models.URLField(_("link"), max_length=500)
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("evidence link")
        verbose_name_plural = _("evidence links")
        ordering = ["pk"]

    def __str__(self):
        return self.title or self.url


class PrivateStorage(FileSystemStorage):
    """Uploads under MEDIA_ROOT, which nothing serves; they leave only through a permission check."""

    def __init__(self, **kwargs):
        super().__init__(location=None, base_url=None, **kwargs)

    def url(self, name):
        raise NotImplementedError("Evidence files are served only through tracker:evidence_download.")


def evidence_path(instance, filename):
    # A generated name: what the user called the file is kept in `original_name`, never on disk.
    suffix = PurePath(filename).suffix.lower()
    today = timezone.localdate()
    return f"evidence/{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class EvidenceFile(models.Model):
    update = models.ForeignKey(
        ProgressUpdate, verbose_name=_("update"), on_delete=models.CASCADE, related_name="evidence_files"
    )
    file = models.FileField(_("file"), upload_to=evidence_path, storage=PrivateStorage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("tracker:evidence_download", kwargs={"pk": self.pk})

    @cached_property
    def size_label(self):
        from django.template.defaultfilters import filesizeformat

        return filesizeformat(self.size)


class ReminderLog(models.Model):
    """A reminder sent, so the same one never goes out twice in a day however often cron runs."""

    class Kind(models.TextChoices):
        WEEK_BEFORE = "week", _("A week before the deadline")
        DAY_BEFORE = "day", _("A day before the deadline")
        OVERDUE = "overdue", _("Overdue")
        SUBMISSIONS = "submissions", _("New submissions digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.ForeignKey(
        ReportingCycle,
        verbose_name=_("cycle"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    sent_on = models.DateField(_("sent on"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    item_count = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "cycle", "kind", "sent_on"],
                condition=Q(cycle__isnull=False),
                name="reminder_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "sent_on"],
                condition=Q(cycle__isnull=True),
                name="digest_once_a_day",
            ),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.kind} · {self.sent_on}"


# --- The cycle progress report and its archive ----------------------------------------------


class ReportScope(models.TextChoices):
    ROADMAP = "roadmap", _("The whole roadmap")
    RECOMMENDATION = "recommendation", _("One recommendation")
    MEMBER_STATE = "member_state", _("One member state")


class ReportFormat(models.TextChoices):
    HTML = "html", _("HTML (printable)")
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    CSV = "csv", _("CSV (the activities)")
    DOCX = "docx", _("Word document (DOCX)")


REPORT_CONTENT_TYPES = {
    ReportFormat.HTML: "text/html; charset=utf-8",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class ReportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being generated")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reports `user` may open; the same rule as `tracker.view_report` (tracker/rules.py), as
        SQL; tests/tracker/test_rules.py holds the two together."""
        from accounts.models import Role

        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser or user.role == Role.SECRETARIAT:
            return self
        issued = Q(issued_at__isnull=False, state=ReportState.READY)
        if user.role == Role.OBSERVER:
            published = issued
        else:
            # Issued reports are published to every reader, except a member state's own report,
            # which stays with that member state, observers and the secretariat.
            published = issued & ~Q(scope=ReportScope.MEMBER_STATE)
            if user.role == Role.FOCAL_POINT and user.member_state_id:
                published |= issued & Q(member_state_id=user.member_state_id)
        return self.filter(published | Q(requested_by=user))

    def for_list(self):
        return self.select_related("cycle", "recommendation", "member_state", "requested_by", "issued_by")


def report_path(instance, filename):
    today = timezone.localdate()
    return f"reports/{today:%Y/%m}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class Report(models.Model):
    """A generated cycle progress report, kept with its parameters and checksum. Issued = frozen."""

    cycle = models.ForeignKey(
        ReportingCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="reports"
    )
    scope = models.CharField(
        _("scope"), max_length=20, choices=ReportScope.choices, default=ReportScope.ROADMAP
    )
    recommendation = models.ForeignKey(
        "roadmap.Recommendation",
        verbose_name=_("recommendation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    member_state = models.ForeignKey(
        "roadmap.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    format = models.CharField(_("format"), max_length=10, choices=ReportFormat.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=ReportState.choices, default=ReportState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, validators=[MaxValueValidator(100)])
    stage = models.CharField(_("stage"), max_length=120, blank=True)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(
        _("file"), upload_to=report_path, storage=PrivateStorage, max_length=200, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when generated from the command line."),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("Generated while its cycle was open: figures may still change; it cannot be issued."),
    )
    awaiting_review = models.PositiveIntegerField(
        _("updates awaiting review"),
        null=True,
        blank=True,
        help_text=_("Submitted updates in the report's scope not yet reviewed when it was generated."),
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Document control, assigned when the file is generated (`tracker.reports.services.report_reference`).
    reference = models.CharField(_("reference number"), max_length=80, blank=True)
    report_version = models.PositiveIntegerField(
        _("report version"),
        null=True,
        blank=True,
        help_text=_(
            "How many reports of this cycle, scope and language had been generated, this one included."
        ),
    )
    narrative_version = models.PositiveIntegerField(
        _("narrative version"),
        null=True,
        blank=True,
        help_text=_(
            "The version of the secretariat's narrative the file was built with; empty if none was written."
        ),
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="roadmap", recommendation__isnull=True, member_state__isnull=True)
                    | Q(scope="recommendation", recommendation__isnull=False, member_state__isnull=True)
                    | Q(scope="member_state", recommendation__isnull=True, member_state__isnull=False)
                ),
                name="report_scope_matches_its_object",
            ),
            models.CheckConstraint(
                condition=Q(issued_at__isnull=True) | Q(state="ready"),
                name="report_issued_only_when_ready",
            ),
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="report_reference_unique"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "-requested_at"])]

    def __str__(self):
        return _("%(cycle)s progress report (%(scope)s, %(format)s)") % {
            "cycle": self.cycle.slug,
            "scope": self.scope_label,
            "format": self.format.upper(),
        }

    def get_absolute_url(self):
        return reverse("tracker:report_detail", kwargs={"pk": self.pk})

    @property
    def scope_label(self):
        if self.scope == ReportScope.RECOMMENDATION and self.recommendation_id:
            return _("Recommendation %(number)s") % {"number": self.recommendation.number}
        if self.scope == ReportScope.MEMBER_STATE and self.member_state_id:
            return self.member_state.local_name
        return str(ReportScope(self.scope).label)

    @property
    def is_issued(self):
        return self.issued_at is not None

    @property
    def is_finished(self):
        return self.state in (ReportState.READY, ReportState.FAILED)

    @property
    def content_type(self):
        return REPORT_CONTENT_TYPES[ReportFormat(self.format)]

    @cached_property
    def size_label(self):
        from django.template.defaultfilters import filesizeformat

        return filesizeformat(self.size or 0)


class Classification(models.TextChoices):
    """How widely a report may be passed on; the value is what the report prints in English."""

    PUBLIC = "Public", _("Public")
    ASEAN_RESTRICTED = "ASEAN Restricted", _("ASEAN Restricted")
    ASEAN_CONFIDENTIAL = "ASEAN Confidential", _("ASEAN Confidential")


def default_classification():
    """The classification a report carries unless the secretariat sets one for its cycle."""
    return getattr(settings, "REPORT_CLASSIFICATION", Classification.ASEAN_RESTRICTED)


class CycleNarrative(models.Model):
    """What the secretariat writes about a cycle for SEOM, in English and Vietnamese, and how the
    cycle's reports are classified and signed. Frozen once a report of the cycle is issued."""

    cycle = models.OneToOneField(
        ReportingCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="narrative"
    )
    executive_summary = models.TextField(_("executive summary"), blank=True)
    executive_summary_vi = models.TextField(_("executive summary (Vietnamese)"), blank=True)
    challenges = models.TextField(_("challenges and support needed"), blank=True)
    challenges_vi = models.TextField(_("challenges and support needed (Vietnamese)"), blank=True)
    matters_for_seom = models.TextField(_("matters for SEOM's consideration"), blank=True)
    matters_for_seom_vi = models.TextField(_("matters for SEOM's consideration (Vietnamese)"), blank=True)
    classification = models.CharField(
        _("classification"), max_length=40, choices=Classification.choices, default=default_classification
    )
    prepared_by = models.CharField(
        _("prepared by"),
        max_length=200,
        blank=True,
        help_text=_("Empty: the ASEAN Secretariat."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    TEXT_FIELDS = ("executive_summary", "challenges", "matters_for_seom")

    class Meta:
        verbose_name = _("cycle narrative")
        verbose_name_plural = _("cycle narratives")

    def __str__(self):
        return _("Narrative of cycle %(slug)s") % {"slug": self.cycle.slug}

    @property
    def is_written(self):
        return any(getattr(self, name) or getattr(self, f"{name}_vi") for name in self.TEXT_FIELDS)


class ReportNumber(models.Model):
    """The last version given to reports of one cycle, scope and language ("SMR/2026-H2/ROADMAP/EN"):
    kept apart from the reports so that a deleted trial run's number is never handed out again."""

    key = models.CharField(_("reference stem"), max_length=80, unique=True)
    last = models.PositiveIntegerField(_("last version given"), default=0)

    class Meta:
        verbose_name = _("report number")
        verbose_name_plural = _("report numbers")

    def __str__(self):
        return f"{self.key}/v{self.last}"
