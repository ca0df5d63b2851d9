from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Tracker")

    def ready(self):
        from roadmap.extensions import register_activity_panel
        from tracker.panels import activity_updates_panel

        register_activity_panel(activity_updates_panel)
