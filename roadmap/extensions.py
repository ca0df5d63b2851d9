"""Places where apps built on the plan add to its pages without the plan knowing about them.

`tracker` depends on `roadmap`, never the reverse: instead of the activity page importing the
tracker, the tracker registers a panel here when it starts (`TrackerConfig.ready`).
"""

from collections.abc import Callable

# Each panel: callable(request, activity) -> rendered HTML (safe string), or "" to show nothing.
activity_panels: list[Callable] = []


def register_activity_panel(panel: Callable) -> Callable:
    if panel not in activity_panels:
        activity_panels.append(panel)
    return panel


def render_activity_panels(request, activity):
    return [html for panel in activity_panels if (html := panel(request, activity))]


# Each panel: callable(request, filters) -> rendered HTML (safe string), or "" to show nothing.
# `filters` is the dashboard's choice: {"member_state": MemberState or None, "body": Body or None};
# a panel restricts what it shows to the activities they lead, take part in or support.
dashboard_panels: list[Callable] = []


def register_dashboard_panel(panel: Callable) -> Callable:
    if panel not in dashboard_panels:
        dashboard_panels.append(panel)
    return panel


def render_dashboard_panels(request, filters):
    return [html for panel in dashboard_panels if (html := panel(request, filters))]
