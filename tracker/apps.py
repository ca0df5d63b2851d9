from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Tracker")

    def ready(self):
        from roadmap.extensions import register_activity_panel, register_dashboard_panel
        from tracker.panels import activity_updates_panel, cycle_completeness_panel, latest_approved_panel

        register_activity_panel(activity_updates_panel)
        register_dashboard_panel(cycle_completeness_panel)
        register_dashboard_panel(latest_approved_panel)
