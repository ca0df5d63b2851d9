import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = (
    "from django.db import connection;"
    "c = connection.cursor();"
    "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0],"
    " connection.settings_dict['OPTIONS']['transaction_mode'])"
)


@pytest.mark.slow
def test_the_embedded_sqlite_default_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    """Several server processes can share the laptop database: WAL, a busy timeout, BEGIN IMMEDIATE."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    journal_mode, busy_timeout, transaction_mode = result.stdout.split()[-3:]
    assert journal_mode == "wal"
    assert int(busy_timeout) >= 5000
    assert transaction_mode == "IMMEDIATE"


def test_postgresql_is_chosen_by_database_url():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tracker",
    }
    probe = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "django.db.backends.postgresql"
