"""E-mails the record sends when something happens to an update. Called after the commit.

A failing mail server must not turn a review that is already committed into an error page, so
failures are logged, not raised.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tracker.models import UpdateState
from tracker.rules import sees_update_history

logger = logging.getLogger(__name__)


def site_url(path):
    """An absolute link: mail is read outside the site, and cron has no request to take a host from."""
    return settings.SITE_URL.rstrip("/") + path


def update_reviewed(update):
    """Tell the author their update was approved or returned, with the reviewer's comment and a link."""
    if update.state not in (UpdateState.APPROVED, UpdateState.RETURNED):
        return
    recipient = update.author
    if not recipient.is_active or not recipient.email:
        return
    # The author may have moved to another party since: a return note and the draft stay with the
    # update's party and the secretariat (tracker.rules.sees_update_history).
    if not sees_update_history(recipient, update):
        return
    # Mail goes out in the site's language, whatever the language of the reviewer's screen.
    with translation.override(settings.LANGUAGE_CODE):
        if update.state == UpdateState.APPROVED:
            subject = _("Approved: %(update)s") % {"update": update}
        else:
            subject = _("Returned for changes: %(update)s") % {"update": update}
        body = render_to_string(
            "tracker/email/update_reviewed.txt",
            {
                "update": update,
                "recipient": recipient,
                "link": site_url(update.get_absolute_url()),
                "edit_link": site_url(reverse("tracker:update_edit", kwargs={"pk": update.pk})),
            },
        )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    except Exception:  # noqa: BLE001 - the review is committed; a lost notice must not undo the page
        logger.exception("Could not e-mail %s about update %s", recipient.email, update.pk)


def update_submitted(update):
    """Submissions go into the secretariat's daily digest (send_reminders), not one mail each."""
    return None
