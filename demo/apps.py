from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Development only: demo accounts, the lived-in demo record and the synthetic `--scale` record.

    Installed by the dev and test settings, never by production's.
    """

    name = "demo"
    verbose_name = "Demo data"
