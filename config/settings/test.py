"""The test suite: fast hashing, no throttling surprises, mail kept in memory."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/roadmap-tracker-test-uploads")
LANGUAGE_CODE = "en"
REPORT_RUNNER = "inline"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in production, not Django's shared in-memory database: there a write that meets
    # another connection's read fails at once ("table is locked") instead of waiting, and the
    # browser tests run a report's thread beside the live server. One file per process (the
    # xdist workers each make their own), removed when the run ends.
    import os
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"roadmap-tracker-test-{os.getpid()}.sqlite3")
    }

# Demo accounts, the lived-in record and the synthetic --scale record: never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
