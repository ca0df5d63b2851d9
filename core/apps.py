from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What belongs to no feature: errors, form and view helpers, history, private files."""

    name = "core"
