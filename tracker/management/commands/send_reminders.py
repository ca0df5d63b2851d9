"""`python manage.py send_reminders [--dry-run] [--cycle SLUG] [--date YYYY-MM-DD]`: for cron.

Run it as often as you like (daily is enough): a reminder already sent today is not sent again.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import TransitionError
from tracker.cycles.reminders import (
    collect_digests,
    collect_submission_digests,
    send_digests,
    send_submission_digests,
)
from tracker.models import ReportingCycle


def parse_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date; give it as YYYY-MM-DD, e.g. 2026-11-23.")


class Command(BaseCommand):
    help = (
        "E-mail each focal point and body representative one digest of their party's missing, draft and "
        "returned reports in open cycles a week before the deadline, a day before, and daily once overdue; "
        "and the secretariat members who asked for it a digest of new submissions. Never sends the same "
        "reminder twice in a day, however often it runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would be sent; send nothing.")
        parser.add_argument(
            "--cycle", metavar="SLUG", help="Only this cycle's reminders (no submissions digest)."
        )
        parser.add_argument(
            "--date", metavar="YYYY-MM-DD", help="Act as if today were this date (default: today)."
        )

    def handle(self, *args, dry_run=False, cycle=None, date=None, **options):
        today = parse_date(date) if date else timezone.localdate()
        selected = None
        if cycle:
            selected = ReportingCycle.objects.filter(slug=cycle).first()
            if selected is None:
                known = ", ".join(
                    ReportingCycle.objects.order_by("-period_start").values_list("slug", flat=True)
                )
                raise CommandError(f"No cycle {cycle!r}. Known cycles: {known or 'none yet'}.")

        # Who was already reminded today, to say so; then send what is still due.
        already = [d for d in collect_digests(today=today, cycle=selected) if d.already_sent_today]
        already_submissions = (
            [] if selected else [d for d in collect_submission_digests(today=today) if d.already_sent_today]
        )
        try:
            sent = send_digests(today=today, cycle=selected, dry_run=dry_run)
        except TransitionError as refused:
            raise CommandError(refused.message)
        sent_submissions = [] if selected else send_submission_digests(today=today, dry_run=dry_run)

        verb = "would send" if dry_run else "sent"
        for digest in sent:
            kinds = ", ".join(sorted(digest.kinds))
            cycles = ", ".join(cycle.slug for cycle, _kind, _items in digest.sections)
            self.stdout.write(
                f"{digest.recipient.username} <{digest.recipient.email}>: {digest.count} item(s) in {cycles} "
                f"[{kinds}] — {verb}"
            )
        for digest in sent_submissions:
            self.stdout.write(
                f"{digest.recipient.username} <{digest.recipient.email}>: {digest.count} new submission(s) "
                f"[submissions] — {verb}"
            )
        for digest in [*already, *already_submissions]:
            self.stdout.write(
                f"{digest.recipient.username} <{digest.recipient.email}>: already reminded today"
            )

        prefix = "Dry run: " if dry_run else ""
        if not sent and not sent_submissions:
            self.stdout.write(f"{prefix}Nothing to send for {today:%Y-%m-%d}.")
            return
        items = sum(d.count for d in sent)
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{verb.capitalize()} {len(sent)} reminder digest(s) ({items} item(s)) and "
                f"{len(sent_submissions)} submissions digest(s) for {today:%Y-%m-%d}."
            )
        )
