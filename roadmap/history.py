"""History of a plan record, as people read it: who changed which field from what to what."""

from django.apps import apps
from django.utils.translation import gettext as _

from core.history import history_entries
from roadmap.models import ACTIVITY_OWNER_FIELDS, Activity, Body, Indicator, MemberState, Milestone


def _attach_owner_sets(records):
    """Read each historical record's owner lists with one query per owner field."""
    labels = {
        MemberState: dict(MemberState.objects.values_list("pk", "iso2")),
        Body: dict(Body.objects.values_list("pk", "acronym")),
    }
    for record in records:
        record._owner_sets = {}
    by_history_id = {r.history_id: r for r in records}
    for name in ACTIVITY_OWNER_FIELDS:
        target = Activity._meta.get_field(name).related_model
        through = apps.get_model("roadmap", f"HistoricalActivity_{name}")
        # The historical through model names its target column after the target model.
        rows = through.objects.filter(history__in=list(by_history_id)).values_list(
            "history_id", f"{target._meta.model_name}_id"
        )
        for history_id, target_id in rows:
            by_history_id[history_id]._owner_sets.setdefault(name, set()).add(
                labels[target].get(target_id, str(target_id))
            )


def activity_history(activity, limit=100):
    """The activity's, its milestones' and its indicators' changes, newest first."""
    activity_records = list(activity.history.select_related("history_user").order_by("-history_date")[:limit])
    _attach_owner_sets(activity_records)
    milestone_records = list(
        Milestone.history.filter(activity_id=activity.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    indicator_records = list(
        Indicator.history.filter(activity_id=activity.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    entries = history_entries(activity_records, lambda r: _("Activity"), m2m_names=ACTIVITY_OWNER_FIELDS)
    entries += history_entries(milestone_records, lambda r: _("Milestone: %(title)s") % {"title": r.title})
    entries += history_entries(indicator_records, lambda r: _("Indicator: %(name)s") % {"name": r.name})
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
