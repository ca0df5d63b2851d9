"""An update's field history as people read it: who changed which field from what to what, and why."""

from core.history import history_entries
from tracker.rules import sees_update_history

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


def update_history(update, *, user, limit=100):
    """The update's recorded versions, each compared with the one before, newest first, for `user`.

    One query (the historical rows with their users), whatever the length of the history. Only the
    update's own party and the secretariat see it (tracker.rules.sees_update_history): to everyone
    else an approved update is its approved content, nothing that came before.
    """
    if not sees_update_history(user, update):
        return []
    records = list(
        update.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]
    )
    entries = history_entries(records, lambda r: "", skipped=SKIPPED_FIELDS, excerpt=EXCERPT)
    entries.reverse()
    return entries
