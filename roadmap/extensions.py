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
