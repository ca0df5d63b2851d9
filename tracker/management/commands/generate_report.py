"""python manage.py generate_report --cycle 2026-H2 --format pdf --output report.pdf [--language vi]
[--recommendation N | --member-state ISO2]

Writes the cycle progress report (approved data only) to PATH and keeps it in the report archive.
"""

import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import TransitionError
from roadmap.models import MemberState, Recommendation
from tracker.models import ReportFormat, ReportingCycle, ReportState
from tracker.reports.services import new_report, report_generate_for_command


class Command(BaseCommand):
    help = "Generate the cycle progress report from approved data, and keep it in the report archive."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, help="The cycle's code, such as 2026-H2.")
        parser.add_argument("--format", required=True, choices=[f.value for f in ReportFormat], dest="fmt")
        parser.add_argument("--output", required=True, help="Where to write the file.")
        parser.add_argument("--language", default="en", choices=[code for code, _name in settings.LANGUAGES])
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--recommendation", type=int, help="Only this recommendation (1-5).")
        scope.add_argument("--member-state", help="Only this member state (ISO alpha-2, such as VN).")

    def handle(self, *args, cycle, fmt, output, language, recommendation, member_state, **options):
        cycle_obj = ReportingCycle.objects.filter(slug=cycle).first()
        if cycle_obj is None:
            known = ", ".join(ReportingCycle.objects.order_by("-period_start").values_list("slug", flat=True))
            raise CommandError(
                f"No reporting cycle with the code {cycle!r}. Known cycles: {known or 'none yet'}."
            )
        rec = ms = None
        if recommendation is not None:
            rec = Recommendation.objects.filter(number=recommendation).first()
            if rec is None:
                raise CommandError(f"No recommendation number {recommendation}.")
        if member_state:
            ms = MemberState.objects.filter(iso2=member_state.upper()).first()
            if ms is None:
                raise CommandError(
                    f"No member state with the code {member_state!r} (use ISO alpha-2, such as VN)."
                )
        path = Path(output).expanduser()
        self._check_writable(path)

        started = time.monotonic()
        interactive = self.stderr.isatty()

        def progress(percent, stage):
            line = f"[{percent:3d}%] {stage}"
            if interactive:
                self.stderr.write(f"\r{line:<70}", ending="")
            else:
                self.stderr.write(line)

        report = new_report(cycle=cycle_obj, fmt=fmt, language=language, recommendation=rec, member_state=ms)
        try:
            report = report_generate_for_command(report=report, progress=progress)
        except TransitionError as refused:
            raise CommandError(refused.message)
        if interactive:
            self.stderr.write("")
        if report.state != ReportState.READY:
            raise CommandError(f"The report could not be generated: {report.error}")
        with report.file.open("rb") as source:
            content = source.read()
        self._write(path, content)
        self.stdout.write(
            f"Wrote {path} ({report.size_label}, sha256 {report.sha256[:16]}…) in "
            f"{time.monotonic() - started:.1f} s; kept in the archive as report #{report.pk}, "
            f"reference {report.reference}."
        )

    def _check_writable(self, path):
        # Fail before the long part: a missing folder or no permission is told at once.
        folder = path.parent
        if path.is_dir():
            raise CommandError(f"Cannot write to {path}: it is a folder; give a file name.")
        if not folder.is_dir():
            raise CommandError(f"Cannot write to {path}: the folder {folder} does not exist.")
        if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise CommandError(f"Cannot write to {path}: permission denied.")

    def _write(self, path, content):
        # Through a temporary file, so an interrupted run never leaves half a report at PATH.
        try:
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=".report-") as tmp:
                tmp.write(content)
            os.replace(tmp.name, path)
        except OSError as exc:
            raise CommandError(f"Cannot write to {path}: {exc.strerror or exc}.") from exc
