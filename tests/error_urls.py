"""Test-only URLs: the whole site plus views that fail, to exercise the error handlers.

Used with `@pytest.mark.urls("tests.error_urls")`; the handlers are the site's own.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path

from config.urls import handler403, handler404, handler500  # noqa: F401 - looked up by Django
from config.urls import urlpatterns as site_urlpatterns

SECRET_DETAIL = "connection string postgres://tracker:s3cr3t@db.internal/tracker"


def boom(request):
    raise RuntimeError(SECRET_DETAIL)


def forbidden(request):
    raise PermissionDenied(SECRET_DETAIL)


def missing(request):
    raise Http404(SECRET_DETAIL)


urlpatterns = [
    path("test-errors/500/", boom, name="test_error_500"),
    path("test-errors/403/", forbidden, name="test_error_403"),
    path("test-errors/404/", missing, name="test_error_404"),
    *site_urlpatterns,
]
