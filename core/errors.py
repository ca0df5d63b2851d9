"""One vocabulary for a write that did not happen, shared by every service and every view.

Services raise these (or Django's `ValidationError` for bad input, which names its fields);
views hand them to `core.views.show_error`, the one adapter that turns them into field errors
or messages. Each carries the sentence the user reads.
"""

from django.core.exceptions import ValidationError
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
