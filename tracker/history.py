"""An update's field history as people read it: who changed which field from what to what, and why."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from tracker.models import ProgressUpdate

# Bookkeeping, or shown in the trail of transitions already (state, reviewer, timestamps).
SKIPPED_FIELDS = {
    "id",
    "version",
    "created_at",
    "updated_at",
    "submitted_at",
    "reviewed_at",
    "reviewed_by",
    "review_comment",
    "activity",
    "cycle",
    "member_state",
    "body",
    "author",
    "corrects",
}
# Long texts are shown shortened; the update page holds them in full.
EXCERPT = 160


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
    reason: str
    changes: list = field(default_factory=list)


def _display(record, model_field):
    value = getattr(record, model_field.attname)
    if value in (None, ""):
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    text = str(value)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def update_history(update, limit=100):
    """The update's recorded versions, each compared with the one before, newest first.

    One query (the historical rows with their users), whatever the length of the history.
    """
    records = list(
        update.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]
    )
    fields = [
        f
        for f in ProgressUpdate._meta.concrete_fields
        if f.name not in SKIPPED_FIELDS and f.attname not in SKIPPED_FIELDS
    ]
    entries = []
    previous = None
    for record in reversed(records):
        changes = []
        if previous is not None:
            for model_field in fields:
                old, new = _display(previous, model_field), _display(record, model_field)
                if old != new:
                    changes.append(FieldChange(str(model_field.verbose_name), old, new))
        kind = {"+": "created", "-": "deleted"}.get(record.history_type, "changed")
        previous = record
        if kind == "changed" and not changes:
            continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=record.history_user,
                kind=kind,
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    entries.reverse()
    return entries
