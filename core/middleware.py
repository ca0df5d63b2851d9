"""Request checks that hold for every page, whatever the view."""

from django.core.exceptions import BadRequest


class RefuseNulCharacters:
    """A NUL character in the path or the query string is a bad request, answered with the site's
    400 page.

    No address of the site holds one, and PostgreSQL refuses it in any query (psycopg raises
    `DataError`), so a lookup by a code taken from the path would otherwise fail with a server
    error on PostgreSQL while SQLite answers "not found". Form fields refuse it on their own
    (Django's `ProhibitNullCharactersValidator`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest("A NUL character in the address")
        return self.get_response(request)
