"""What a view test reads off a response."""

from urllib.parse import urlencode


def messages_of(response):
    """The flash messages the response's page shows, as text."""
    return [str(m) for m in response.context["messages"]]


def login_redirect(path):
    """Where LoginRequiredMiddleware sends an anonymous visitor of `path`."""
    return "/accounts/login/?" + urlencode({"next": path}, safe="/")


def template_names(response):
    return [t.name for t in response.templates]
