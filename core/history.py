"""History as people read it: who changed which field from what to what, and why."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# Bookkeeping fields nobody needs to read about.
SKIPPED_FIELDS = {"version", "updated_at", "created_at", "sequence", "id"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: object
    user: object
    kind: str  # created, changed, deleted
    subject: str  # what the record is: the activity, a milestone's title, an indicator's name
    reason: str
    changes: list = field(default_factory=list)


def _display(record, model_field, excerpt=None):
    value = getattr(record, model_field.attname)
    if value in (None, ""):
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    text = str(value)
    return text if excerpt is None or len(text) <= excerpt else text[: excerpt - 1] + "…"


def history_entries(records, subject_of, m2m_names=(), skipped=SKIPPED_FIELDS, excerpt=None):
    """Turn historical records (any order) into entries, each diffed against the one before.

    `skipped` names the fields nobody reads about; texts longer than `excerpt` are shortened.
    """
    entries = []
    previous_by_object = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        model = record.instance_type
        previous = previous_by_object.get(record.id)
        changes = []
        if previous is not None:
            for model_field in model._meta.concrete_fields:
                if model_field.attname in skipped or model_field.name in skipped:
                    continue
                old, new = _display(previous, model_field, excerpt), _display(record, model_field, excerpt)
                if old != new:
                    changes.append(FieldChange(str(model_field.verbose_name), old, new))
            for name in m2m_names:
                old_set = previous._owner_sets.get(name, set())
                new_set = record._owner_sets.get(name, set())
                if old_set != new_set:
                    changes.append(
                        FieldChange(
                            str(model._meta.get_field(name).verbose_name),
                            ", ".join(sorted(old_set)) or "—",
                            ", ".join(sorted(new_set)) or "—",
                        )
                    )
        kind = {"+": "created", "-": "deleted"}.get(record.history_type, "changed")
        previous_by_object[record.id] = record
        if kind == "changed" and not changes:
            continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=record.history_user,
                kind=kind,
                subject=subject_of(record),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries
