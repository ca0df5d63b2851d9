"""Reminders: one digest per reporter of what their party still owes, and the secretariat's digest.

`python manage.py send_reminders` runs this from cron, and the cycle page on demand. A reporter is
reminded of a cycle a week before its deadline (2 to 7 days left), a day before (1 or 0 days left)
and every day once it is overdue; the week and day reminders go once per cycle. Windows rather than
exact days, so a day cron skips is caught up the next day. Each reminder sent is recorded in
ReminderLog in the transaction that sends it, so however often this runs the same reminder never
goes out twice in a day.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role
from accounts.parties import party_key, party_of
from core.errors import TransitionError
from roadmap.models import ACTIVITY_ORDER_RELATED
from tracker import selectors
from tracker.models import (
    CycleReopening,
    CycleState,
    DueStatus,
    DueUpdate,
    ReminderLog,
    ReportingCycle,
)
from tracker.notifications import site_url

logger = logging.getLogger(__name__)

Kind = ReminderLog.Kind
WEEK_BEFORE_DAYS = 7  # the week reminder goes when 2 to 7 days are left
DAY_BEFORE_DAYS = 1  # the day reminder when 1 or 0 days are left
# Sent once per cycle; an overdue reminder goes again every day until the report is in.
ONCE_PER_CYCLE = {Kind.WEEK_BEFORE, Kind.DAY_BEFORE}


def reminder_kind(cycle: ReportingCycle, today: date):
    """Which reminder a cycle calls for today, or None when its deadline is more than a week away."""
    days_left = cycle.days_to_deadline(today)
    if days_left < 0:
        return Kind.OVERDUE
    if days_left <= DAY_BEFORE_DAYS:
        return Kind.DAY_BEFORE
    if days_left <= WEEK_BEFORE_DAYS:
        return Kind.WEEK_BEFORE
    return None


def report_link(expected: DueUpdate) -> str:
    """Where the reporter goes to act on an item: the draft or returned update, else a new report."""
    if expected.update_id and expected.status in (DueStatus.DRAFT, DueStatus.RETURNED):
        return site_url(reverse("tracker:update_edit", kwargs={"pk": expected.update_id}))
    return site_url(
        reverse("tracker:update_create", kwargs={"slug": expected.cycle.slug, "code": expected.activity.code})
    )


@dataclass
class Digest:
    """One e-mail to one reporter: their party's missing, draft and returned items in the cycles due."""

    recipient: object  # accounts.User
    items: list  # DueUpdate, with cycle, activity and update loaded
    kinds: set  # ReminderLog.Kind values
    # True when this reminder was already sent today: listed for information, not sent again.
    already_sent_today: bool = False
    # cycle id -> kind, for the log rows and the headings of the e-mail
    cycle_kinds: dict = field(default_factory=dict, repr=False)

    @property
    def count(self):
        return len(self.items)

    @property
    def sections(self):
        """(cycle, kind, items) per cycle, earliest deadline first, as the e-mail lists them."""
        cycles, items = {}, defaultdict(list)
        for item in self.items:
            cycles[item.cycle_id] = item.cycle
            items[item.cycle_id].append(item)
        ordered = sorted(cycles.values(), key=lambda cycle: (cycle.deadline, cycle.slug))
        return [(cycle, self.cycle_kinds.get(cycle.pk), items[cycle.pk]) for cycle in ordered]

    def kind_labels(self):
        return [Kind(kind).label for kind in sorted(self.kinds)]


def _due_cycles(today, cycle):
    """{cycle id: (cycle, kind)} for the open cycles and reopened closed cycles due a reminder today."""
    reopened = CycleReopening.objects.filter(ended_at__isnull=True).values("cycle_id")
    cycles = ReportingCycle.objects.filter(
        Q(state=CycleState.OPEN) | Q(state=CycleState.CLOSED, pk__in=reopened)
    )
    if cycle is not None:
        cycles = cycles.filter(pk=cycle.pk)
    due = {}
    for candidate in cycles:
        kind = reminder_kind(candidate, today)
        if kind is not None:
            due[candidate.pk] = (candidate, kind)
    return due


def _reopened_parties(due):
    """{closed cycle id: party keys it is reopened for}; open cycles take every party."""
    closed = [pk for pk, (c, _kind) in due.items() if c.state == CycleState.CLOSED]
    parties = defaultdict(set)
    if closed:
        for cycle_id, ms_id, body_id in CycleReopening.objects.filter(
            cycle_id__in=closed, ended_at__isnull=True
        ).values_list("cycle_id", "member_state_id", "body_id"):
            parties[cycle_id].add(party_key(ms_id, body_id))
    return parties


def _reporters(member_state_ids, body_ids):
    """Active focal points and representatives of these parties who have an e-mail address."""
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(role=Role.FOCAL_POINT, member_state_id__in=member_state_ids)
            | Q(role=Role.BODY_REPRESENTATIVE, body_id__in=body_ids)
        )
        .select_related("member_state", "body")
        .order_by("username")
    )


def collect_digests(*, today=None, cycle=None) -> list[Digest]:
    """The reminders due today, one digest per reporter; nothing is sent or recorded.

    A digest whose reminders were all sent earlier today comes back with `already_sent_today`, so
    a screen can say so; a week or day reminder sent on an earlier day is not due again.
    In a constant number of queries, whatever the number of reporters and items.
    """
    today = today or timezone.localdate()
    due = _due_cycles(today, cycle)
    if not due:
        return []
    reopened = _reopened_parties(due)

    outstanding = (
        DueUpdate.objects.filter(cycle_id__in=list(due))
        .outstanding()
        .select_related("cycle", "activity", "activity__recommendation", "update")
        .order_by("cycle__deadline", *ACTIVITY_ORDER_RELATED)
    )
    by_party = defaultdict(list)
    for item in outstanding:
        key = party_key(item.member_state_id, item.body_id)
        if item.cycle.state == CycleState.CLOSED and key not in reopened[item.cycle_id]:
            continue
        by_party[key].append(item)
    if not by_party:
        return []

    member_state_ids = {
        item.member_state_id for items in by_party.values() for item in items if item.member_state_id
    }
    body_ids = {item.body_id for items in by_party.values() for item in items if item.body_id}
    reporters = _reporters(member_state_ids, body_ids)

    sent_today, sent_before = set(), set()
    for recipient_id, cycle_id, kind, sent_on in (
        ReminderLog.objects.filter(recipient__in=[u.pk for u in reporters], cycle_id__in=list(due))
        .filter(Q(sent_on=today) | Q(kind__in=ONCE_PER_CYCLE))
        .values_list("recipient_id", "cycle_id", "kind", "sent_on")
    ):
        (sent_today if sent_on == today else sent_before).add((recipient_id, cycle_id, kind))

    digests = []
    for user in reporters:
        items = by_party.get(party_of(user).key, [])
        pending, already = [], []
        for item in items:
            kind = due[item.cycle_id][1]
            if (user.pk, item.cycle_id, kind) in sent_today:
                already.append(item)
            elif kind in ONCE_PER_CYCLE and (user.pk, item.cycle_id, kind) in sent_before:
                continue
            else:
                pending.append(item)
        chosen, was_sent = (pending, False) if pending else (already, True)
        if chosen:
            cycle_kinds = {item.cycle_id: due[item.cycle_id][1] for item in chosen}
            digests.append(
                Digest(
                    recipient=user,
                    items=chosen,
                    kinds=set(cycle_kinds.values()),
                    already_sent_today=was_sent,
                    cycle_kinds=cycle_kinds,
                )
            )
    return digests


def _reminder_subject(digest):
    count = digest.count
    cycles = ", ".join(cycle.slug for cycle, _kind, _items in digest.sections)
    if Kind.OVERDUE in digest.kinds:
        return ngettext(
            "Overdue: %(count)s report for %(cycles)s", "Overdue: %(count)s reports for %(cycles)s", count
        ) % {"count": count, "cycles": cycles}
    return ngettext(
        "Reminder: %(count)s report due for %(cycles)s",
        "Reminder: %(count)s reports due for %(cycles)s",
        count,
    ) % {"count": count, "cycles": cycles}


def render_digest(digest: Digest, today: date):
    """(subject, body) of a reporter's digest, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        sections = []
        for cycle, kind, items in digest.sections:
            days_left = cycle.days_to_deadline(today)
            sections.append(
                {
                    "cycle": cycle,
                    "kind": kind,
                    "days_left": days_left,
                    "days_overdue": -days_left,
                    "items": [{"report": item, "link": report_link(item)} for item in items],
                }
            )
        body = render_to_string(
            "tracker/email/reminder_digest.txt",
            {
                "recipient": digest.recipient,
                "party": digest.recipient.party_label,
                "sections": sections,
                "my_activities_url": site_url(reverse("tracker:my_activities")),
            },
        )
        return _reminder_subject(digest), body


def _mail(subject, body, recipient):
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])


def check_cycle_takes_reminders(cycle):
    """Refuse reminders for a cycle that takes no reports: a planned one, or one closed to everyone.

    An open cycle takes every party's reports; a closed one only those of a party it is reopened
    for, who is reminded as in an open cycle.
    """
    if cycle.is_open or (cycle.is_closed and cycle.reopenings.filter(ended_at__isnull=True).exists()):
        return
    raise TransitionError(
        _("Cycle %(slug)s takes no reports, so nobody is reminded of it: open it first.")
        % {"slug": cycle.slug}
        if cycle.state == CycleState.PLANNED
        else _("Cycle %(slug)s is closed, so nobody is reminded of it: reopen it for a party first.")
        % {"slug": cycle.slug}
    )


def send_digests(*, today=None, cycle=None, dry_run=False) -> list[Digest]:
    """Send the reminders due today and record them; returns the digests sent (with dry_run: those
    that would be sent, and nothing is sent or recorded). With `cycle`, only that cycle's, and only
    if it takes reports (`check_cycle_takes_reminders`).

    A digest is recorded and mailed in one transaction: if the mail server fails, nothing is
    recorded (the failure is logged) and the next run tries again. One already sent today, or
    being sent by a concurrent run, is skipped.
    """
    if cycle is not None:
        check_cycle_takes_reminders(cycle)
    today = today or timezone.localdate()
    digests = [d for d in collect_digests(today=today, cycle=cycle) if not d.already_sent_today]
    if dry_run:
        return digests
    sent = []
    for digest in digests:
        if digest.already_sent_today:
            continue
        logs = [
            ReminderLog(
                recipient=digest.recipient,
                cycle_id=cycle_id,
                kind=kind,
                sent_on=today,
                item_count=sum(1 for item in digest.items if item.cycle_id == cycle_id),
            )
            for cycle_id, kind in digest.cycle_kinds.items()
        ]
        try:
            with transaction.atomic():
                # Decided again inside the transaction: another run may have sent it since we looked,
                # and the unique constraint on the log catches one that is sending it right now.
                if ReminderLog.objects.filter(
                    recipient=digest.recipient,
                    cycle_id__in=list(digest.cycle_kinds),
                    kind__in=digest.kinds,
                    sent_on=today,
                ).exists():
                    digest.already_sent_today = True
                    continue
                ReminderLog.objects.bulk_create(logs)
                subject, body = render_digest(digest, today)
                _mail(subject, body, digest.recipient)
        except IntegrityError:
            digest.already_sent_today = True
            continue
        except Exception:  # noqa: BLE001 - one bad address or a mail-server hiccup must not stop the rest
            logger.exception(
                "Could not send the reminder to %s; it will be tried again.", digest.recipient.email
            )
            continue
        sent.append(digest)
    return sent


# --- The secretariat's digest of new submissions -------------------------------------------


@dataclass
class SubmissionDigest:
    """One e-mail to one secretariat member: updates submitted since their previous digest."""

    recipient: object
    updates: list
    since: datetime
    already_sent_today: bool = False

    @property
    def count(self):
        return len(self.updates)


def _digest_recipients():
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, receives_submission_digest=True)
        .filter(Q(role=Role.SECRETARIAT) | Q(is_superuser=True))
        .exclude(email="")
        .order_by("username")
    )


def collect_submission_digests(*, today=None, now=None) -> list[SubmissionDigest]:
    """For each secretariat member who asked for it: updates submitted since their previous digest.

    Nobody gets an empty digest. Someone already sent one today is listed with `already_sent_today`.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    recipients = _digest_recipients()
    if not recipients:
        return []
    previous = {
        row["recipient_id"]: row
        for row in ReminderLog.objects.filter(
            kind=Kind.SUBMISSIONS, cycle__isnull=True, recipient__in=[u.pk for u in recipients]
        )
        .values("recipient_id")
        .annotate(last_at=Max("sent_at"), last_on=Max("sent_on"))
        .order_by()
    }
    # A first digest covers the last day, not the whole history.
    since_by_user = {
        user.pk: previous[user.pk]["last_at"] if user.pk in previous else now - timedelta(days=1)
        for user in recipients
    }
    updates = list(selectors.submitted_since(min(since_by_user.values())))
    digests = []
    for user in recipients:
        if user.pk in previous and previous[user.pk]["last_on"] >= today:
            digests.append(SubmissionDigest(user, [], since_by_user[user.pk], already_sent_today=True))
            continue
        mine = [u for u in updates if u.submitted_at > since_by_user[user.pk]]
        if mine:
            digests.append(SubmissionDigest(user, mine, since_by_user[user.pk]))
    return digests


def render_submission_digest(digest: SubmissionDigest):
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "tracker/email/submission_digest.txt",
            {
                "recipient": digest.recipient,
                "since": timezone.localtime(digest.since),
                "updates": [{"update": u, "link": site_url(u.get_absolute_url())} for u in digest.updates],
                "review_queue_url": site_url(reverse("tracker:review_queue")),
            },
        )
        subject = ngettext(
            "%(count)s new submission to review", "%(count)s new submissions to review", digest.count
        ) % {"count": digest.count}
        return subject, body


def send_submission_digests(*, today=None, dry_run=False) -> list[SubmissionDigest]:
    """Send the secretariat's digests of new submissions, at most one a day each; returns those sent."""
    today = today or timezone.localdate()
    digests = [d for d in collect_submission_digests(today=today) if not d.already_sent_today]
    if dry_run:
        return digests
    sent = []
    for digest in digests:
        try:
            with transaction.atomic():
                ReminderLog.objects.create(
                    recipient=digest.recipient,
                    cycle=None,
                    kind=Kind.SUBMISSIONS,
                    sent_on=today,
                    item_count=digest.count,
                )
                subject, body = render_submission_digest(digest)
                _mail(subject, body, digest.recipient)
        except IntegrityError:
            continue
        except Exception:  # noqa: BLE001 - as for the reminders: logged, tried again next run
            logger.exception("Could not send the submissions digest to %s.", digest.recipient.email)
            continue
        sent.append(digest)
    return sent
