"""Writes to the secretariat's narrative of a cycle: one keyword-only service, frozen once issued."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import TransitionError, check_version
from core.permissions import require
from tracker.models import CycleNarrative, Report, ReportingCycle

# The fields the secretariat writes; anything else passed in is a programming error.
EDITABLE_FIELDS = (
    "executive_summary",
    "executive_summary_vi",
    "challenges",
    "challenges_vi",
    "matters_for_seom",
    "matters_for_seom_vi",
    "classification",
    "prepared_by",
)


def issued_report(cycle) -> Report | None:
    """The first report of `cycle` that was issued, or None: once there is one, the narrative is frozen."""
    return Report.objects.filter(cycle=cycle, issued_at__isnull=False).order_by("issued_at", "pk").first()


def frozen_reason(cycle) -> str:
    """Why the narrative of `cycle` can no longer change ("" while it can)."""
    issued = issued_report(cycle)
    if issued is None:
        return ""
    return _(
        "A report of cycle %(slug)s was issued on %(date)s: the narrative it was built with is frozen "
        "and can no longer be changed."
    ) % {"slug": cycle.slug, "date": timezone.localtime(issued.issued_at).strftime("%Y-%m-%d")}


def narrative_of(cycle) -> CycleNarrative:
    """The cycle's stored narrative, or a new unsaved one (nothing written yet)."""
    return CycleNarrative.objects.filter(cycle=cycle).first() or CycleNarrative(cycle=cycle)


@transaction.atomic
def save_cycle_narrative(
    *, cycle: ReportingCycle, acting_user, version: int | None, reason: str = "", **fields
) -> CycleNarrative:
    """Save the secretariat's narrative of `cycle` (created on first save) from `fields`.

    `version` is the version the user read (None: a new narrative, or no check). Refused once a report
    of the cycle has been issued: that report was built with the text as it stands.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not narrative fields: {', '.join(sorted(unknown))}")
    require(acting_user, "tracker.change_cycle_narrative", cycle)
    # The cycle's row is the lock: two first saves cannot both create the narrative, and issuing a
    # report cannot slip in between the check below and the write.
    cycle = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    reason_frozen = frozen_reason(cycle)
    if reason_frozen:
        raise TransitionError(reason_frozen)
    current = CycleNarrative.objects.select_for_update().filter(cycle=cycle).first()
    if current is None:
        narrative = CycleNarrative(cycle=cycle)
        change = _("Written")
    else:
        check_version(current, version)
        narrative = current
        narrative.version = current.version + 1
        change = _("Changed")
    for name, value in fields.items():
        setattr(narrative, name, value.strip() if isinstance(value, str) else value)
    narrative.full_clean(exclude=["cycle"])
    narrative.updated_by = acting_user
    narrative.updated_at = timezone.now()
    narrative._history_user = acting_user
    narrative._change_reason = reason or change
    narrative.save()
    return narrative
