"""The record's rules: what a user is shown of the cycles, due updates, progress updates and reports."""

from collections import Counter

from accounts.parties import party_of
from accounts.rules import is_secretariat
from tracker.models import DueStatus

# --- The completeness matrix rule -----------------------------------------------------------------
# Work before submission belongs to its party: everyone else (other reporters and observers alike)
# sees it as not handed in yet. Only the secretariat sees every party's drafts and returns.
UNPUBLISHED = (DueStatus.DRAFT, DueStatus.RETURNED)


def sees_every_party_unpublished_work(user):
    return is_secretariat(user)


def due_status_shown_to(user, status, party_key):
    """The status a due update of the party `party_key` shows as to `user`, on every page."""
    if status not in UNPUBLISHED or sees_every_party_unpublished_work(user):
        return status
    party = party_of(user)
    if party is not None and party.key == party_key:
        return status
    return DueStatus.MISSING


def due_counts_shown_to(user, counts, party_key):
    """One party's due updates counted by status (a Counter), as `user` is shown them."""
    shown = Counter()
    for status, n in counts.items():
        shown[due_status_shown_to(user, status, party_key)] += n
    return shown
