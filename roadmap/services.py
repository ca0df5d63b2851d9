"""Writes to the plan. Each runs in one transaction, validates, and records who acted and why.

Optimistic concurrency: forms carry the `version` they were read at; a write over a newer
version raises `StaleVersionError` and changes nothing, so no one silently overwrites another.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import check_version, save_unique
from core.permissions import require
from roadmap.models import ACTIVITY_OWNER_FIELDS, Activity, Indicator, Milestone

ACTIVITY_DATE_FIELDS = ("planned_start", "planned_end")
MILESTONE_DATE_FIELDS = ("planned_date",)


@dataclass(frozen=True)
class DateChange:
    field: str
    old: object
    new: object


def _date_changes(instance, original, fields):
    return [
        DateChange(f, getattr(original, f), getattr(instance, f))
        for f in fields
        if getattr(original, f) != getattr(instance, f)
    ]


def _create(instance, *, acting_user):
    instance.full_clean()
    instance._history_user = acting_user
    instance._change_reason = _("Created")
    save_unique(instance)
    return instance


def _save_versioned(instance, *, model, expected_version, acting_user, reason, date_fields, m2m=None):
    """Lock the row, refuse a stale version, require a reason for moved dates, then save."""
    current = model.objects.select_for_update().get(pk=instance.pk)
    check_version(current, expected_version)
    moved = _date_changes(instance, current, date_fields)
    reason = (reason or "").strip()
    if moved and not reason:
        raise ValidationError({"change_reason": _("Say why the planned date moved.")})
    instance.full_clean()
    instance.version = current.version + 1
    instance._history_user = acting_user
    instance._change_reason = reason or None
    instance.save()
    if m2m:
        for name, values in m2m.items():
            getattr(instance, name).set(values)
    return moved


@transaction.atomic
def activity_create(*, activity: Activity, m2m: dict, acting_user) -> Activity:
    require(acting_user, "roadmap.add_activity")
    # A new activity's first plan is its baseline.
    activity.baseline_start = activity.baseline_start or activity.planned_start
    activity.baseline_end = activity.baseline_end or activity.planned_end
    activity.full_clean()
    # One "created" row with the owners, rather than one row and then one per owner list.
    activity.skip_history_when_saving = True
    try:
        activity.save()
        for name, values in (m2m or {}).items():
            getattr(activity, name).set(values)
    finally:
        del activity.skip_history_when_saving
    activity_creation_history([activity], reason=_("Created"), acting_user=acting_user)
    return activity


def activity_creation_history(activities, *, reason, acting_user=None):
    """Write one "created" history row per activity, with its owners as they are now.

    Saving an activity and then setting its four owner lists would leave a "created" row followed
    by up to four "changed" rows, each listing an owner as if someone had added it later. Callers
    that create activities save them without history, set the owners, then call this once, inside
    their own transaction.
    Works for any number of activities in a constant number of queries.
    """
    activities = list(activities)
    if not activities:
        return
    Activity.history.bulk_history_create(activities, default_change_reason=reason, default_user=acting_user)
    ids = [a.pk for a in activities]
    history_id_by_id = dict(
        Activity.history.filter(id__in=ids, history_type="+")
        .order_by("id", "history_id")
        .values_list("id", "history_id")
    )
    for name in ACTIVITY_OWNER_FIELDS:
        model_field = Activity._meta.get_field(name)
        through = model_field.remote_field.through
        source, target = model_field.m2m_field_name(), model_field.m2m_reverse_field_name()
        historical = apps.get_model("roadmap", f"HistoricalActivity_{name}")
        rows = through.objects.filter(**{f"{source}_id__in": ids}).values_list(
            "id", f"{source}_id", f"{target}_id"
        )
        historical.objects.bulk_create(
            [
                historical(
                    history_id=history_id_by_id[activity_id],
                    id=row_id,
                    **{f"{source}_id": activity_id, f"{target}_id": target_id},
                )
                for row_id, activity_id, target_id in rows
            ],
            batch_size=1000,
        )


@transaction.atomic
def activity_update(
    *, activity: Activity, m2m: dict | None, expected_version: int | None, reason: str, acting_user
) -> list[DateChange]:
    require(acting_user, "roadmap.change_activity", activity)
    return _save_versioned(
        activity,
        model=Activity,
        expected_version=expected_version,
        acting_user=acting_user,
        reason=reason,
        date_fields=ACTIVITY_DATE_FIELDS,
        m2m=m2m,
    )


@transaction.atomic
def milestone_create(*, milestone: Milestone, acting_user) -> Milestone:
    require(acting_user, "roadmap.add_milestone")
    milestone.baseline_date = milestone.baseline_date or milestone.planned_date
    return _create(milestone, acting_user=acting_user)


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, expected_version: int | None, reason: str, acting_user
) -> list[DateChange]:
    require(acting_user, "roadmap.change_milestone", milestone)
    return _save_versioned(
        milestone,
        model=Milestone,
        expected_version=expected_version,
        acting_user=acting_user,
        reason=reason,
        date_fields=MILESTONE_DATE_FIELDS,
    )


@transaction.atomic
def indicator_create(*, indicator: Indicator, acting_user) -> Indicator:
    require(acting_user, "roadmap.add_indicator")
    return _create(indicator, acting_user=acting_user)


@transaction.atomic
def indicator_update(*, indicator: Indicator, expected_version: int | None, reason: str, acting_user) -> None:
    require(acting_user, "roadmap.change_indicator", indicator)
    _save_versioned(
        indicator,
        model=Indicator,
        expected_version=expected_version,
        acting_user=acting_user,
        reason=reason,
        date_fields=(),
    )
