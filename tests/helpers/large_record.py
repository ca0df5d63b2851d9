"""Records built once per module (the query-count tests' large records, the two permission matrices'
worlds), the objects of such a record read afresh in each test (`Records`), and the query count of a
page.

`built_once` opens an outer transaction in which a module-scoped fixture builds (and measures) its
record; on leaving, everything is rolled back, so no row leaks into another module's tests or
counts. Each test then runs in its own savepoint on top (pytest-django's `db`). It works on SQLite
and PostgreSQL, and under pytest-xdist each worker builds its own.
"""

from contextlib import ExitStack, contextmanager

from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext


@contextmanager
def built_once(django_db_blocker, *, media_root=None):
    """Unblock the database for a module-scoped fixture; what it writes is rolled back on exit."""
    with ExitStack() as stack:
        if media_root is not None:
            stack.enter_context(override_settings(MEDIA_ROOT=media_root))
        stack.enter_context(django_db_blocker.unblock())
        stack.enter_context(transaction.atomic())
        yield
        transaction.set_rollback(True)


def count_queries(client, url):
    """The queries a second GET of `url` runs (the first warms per-process caches: content types,
    sessions), and the response, which must be a 200."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response


class Records(dict):
    """Objects by key, each read from the database the first time a test asks for it."""

    def __init__(self, model, pks):
        super().__init__()
        self.model, self.pks = model, pks

    def __missing__(self, key):
        pk = self.pks[key]
        self[key] = None if pk is None else self.model.objects.get(pk=pk)
        return self[key]
