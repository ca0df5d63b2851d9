"""One vocabulary for a write that did not happen, shared by every service and every view.

Services raise these (or Django's `ValidationError` for bad input, which names its fields);
views hand them to `core.views.show_error`, the one adapter that turns them into field errors
or messages. Each carries the sentence the user reads.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _


class ApplicationError(Exception):
    """A write refused for a reason the user can act on; `message` is said to them as it is."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


class TransitionError(ApplicationError):
    """The record is not in a state that allows this move (a closed cycle, an approved update...)."""


class StaleVersionError(ApplicationError):
    """The record changed since the user loaded it; nothing was saved.

    `current` is the stored record. The message names the version, or, where the service knows
    better (a review that came too late), says who got there first.
    """

    def __init__(self, current, message=None):
        self.current = current
        super().__init__(message or stale_message(current))


def stale_message(current):
    return _(
        "Someone else changed this record since you opened it (now version %(version)s); nothing was saved."
    ) % {"version": current.version}


def check_version(current, expected_version, *, message=None):
    """Refuse a write made from a copy older than the stored `current` (no silent overwrite).

    `message(current)`, when given, says why in the service's own words (None: the usual sentence).
    """
    if expected_version is not None and current.version != expected_version:
        raise StaleVersionError(current, message(current) if message else None)


# What a service raises for the user to read; anything else is a bug and a 500.
SERVICE_ERRORS = (ApplicationError, ValidationError)


def error_text(error):
    """The sentence a message shows for any of SERVICE_ERRORS."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return error.message


def save_unique(instance, *, refused=None):
    """Save `instance`; when the database's unique rule refuses it (the same form posted twice, two
    people creating the same thing at once), raise the field errors `full_clean` gives for the row
    that got there first, or `refused` (a sentence) when given, instead of a server error.

    The database is the check: a look-up before the insert cannot see a row committed between the
    two. The insert runs in a savepoint, so the caller's transaction stays usable."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        if refused is not None:
            raise ValidationError(refused) from error
        instance.validate_unique()
        instance.validate_constraints()
        raise  # no unique rule explains it: a bug, not the user's doing
