"""A laptop: the embedded SQLite default and DEBUG on unless the environment says otherwise."""

import warnings

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

DEBUG = env.bool("DEBUG", default=True)

# runserver serves static files from the apps; whitenoise's collected copy is for production.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

# Demo accounts, the lived-in record and the synthetic --scale record: never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
