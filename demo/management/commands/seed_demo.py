"""`python manage.py seed_demo [--scale N] [--force]`: demo accounts, a lived-in record, and bulk data.

The plan's part (accounts, synthetic activities) is `demo.plan`; the record's part (cycles,
updates in every state) is `demo.record`. Development only: production does not install `demo`.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.plan import (
    ACTIVITIES_PER_SCALE,
    DEMO_PASSWORD,
    MAX_SCALE,
    MILESTONES_PER_ACTIVITY,
    DemoError,
    accounts_table,
    check_scale,
    create_synthetic_plan,
    ensure_demo_accounts,
)
from demo.record import HISTORY_YEARS, create_lived_in_record, create_synthetic_record, mail_silenced
from roadmap.loading import RoadmapFileError, load_roadmap


class Command(BaseCommand):
    help = (
        "Load the roadmap if needed, create or reset a demo account for every role (one shared, "
        "published password), and leave a lived-in record: a closed cycle with approved updates and an "
        "open one, due in a week, with drafts, submissions, returns, approvals and missing reports. "
        f"With --scale N, also add {ACTIVITIES_PER_SCALE} synthetic activities and "
        f"{ACTIVITIES_PER_SCALE * MILESTONES_PER_ACTIVITY} milestones per unit of N, and {HISTORY_YEARS} "
        "years of half-yearly cycles with about 1,000 updates per unit of N. Runs only with DEBUG on "
        "unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=None,
            metavar="N",
            help=(
                f"Add synthetic data: N x {ACTIVITIES_PER_SCALE} activities, "
                f"N x {ACTIVITIES_PER_SCALE * MILESTONES_PER_ACTIVITY} milestones (1 <= N <= {MAX_SCALE}) "
                f"and {HISTORY_YEARS} years of cycles with their updates. N=100 gives about 500 activities, "
                "2,500 milestones and 100,000 updates."
            ),
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed for the synthetic data.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off. Never on a production database: the demo password is public.",
        )

    def handle(self, *args, scale, seed, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refused: DEBUG is off, so this may be a production database, and seed_demo "
                f"creates accounts whose password ({DEMO_PASSWORD}) is public. Run it with DEBUG=True, "
                "or add --force if this really is a throw-away database."
            )
        timings = {}
        try:
            if scale is not None:
                check_scale(scale)
            started = time.monotonic()
            # The demo's reviews would e-mail their authors once the transaction commits.
            with mail_silenced(), transaction.atomic():
                loaded = load_roadmap()
                users = ensure_demo_accounts()
                synthetic = create_synthetic_plan(scale, seed=seed) if scale else None
                timings["plan"] = time.monotonic() - started
                record = create_lived_in_record()
                timings["record"] = time.monotonic() - started - timings["plan"]
                history = create_synthetic_record(scale, seed=seed) if scale else None
                timings["history"] = time.monotonic() - started - timings["plan"] - timings["record"]
            elapsed = time.monotonic() - started
        except (DemoError, RoadmapFileError) as error:
            raise CommandError(f"Nothing was changed. {error}")

        if loaded.created:
            self.stdout.write("Roadmap:")
            for line in loaded.lines():
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write("Roadmap: already loaded, nothing to do.")
        if synthetic is not None:
            self.stdout.write(f"Synthetic data (--scale {scale}, seed {seed}):")
            for line in synthetic.lines():
                self.stdout.write(f"  {line}")
        self.stdout.write("Reporting record:")
        for line in record.lines():
            self.stdout.write(f"  {line}")
        if history is not None:
            self.stdout.write(f"Synthetic record (--scale {scale}, seed {seed}):")
            for line in history.lines():
                self.stdout.write(f"  {line}")
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items() if seconds >= 0.05)
        self.stdout.write(f"Done in {elapsed:.1f} s ({parts}).")
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Demo accounts (the password for all of them is {DEMO_PASSWORD}):")
        )
        for line in accounts_table(users):
            self.stdout.write(f"  {line}")
