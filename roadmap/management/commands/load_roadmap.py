"""`python manage.py load_roadmap [--file PATH]`: load the seeded roadmap, safely, any number of times."""

from django.core.management.base import BaseCommand, CommandError

from roadmap.loading import DEFAULT_FILE, RoadmapFileError, load_roadmap


class Command(BaseCommand):
    help = (
        "Load the roadmap (recommendations, member states, bodies, strategies, figures, activities, "
        "milestones, indicators) from roadmap/data/roadmap.toml. Creates what is missing and never "
        "changes a record that exists, so running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            dest="path",
            default=str(DEFAULT_FILE),
            help="A TOML file of the same shape as roadmap/data/roadmap.toml (default: that file).",
        )

    def handle(self, *args, path, **options):
        try:
            result = load_roadmap(path)
        except RoadmapFileError as error:
            raise CommandError(f"Nothing was loaded. {error}")
        for line in result.lines():
            style = self.style.SUCCESS if line.startswith(("Loaded", "Nothing to do")) else str
            self.stdout.write(style(line))
