"""The one adapter from the services' errors to what a user reads: on the form, or as a message."""

from types import SimpleNamespace

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.errors import ApplicationError, StaleVersionError, TransitionError
from core.views import show_error

STALE = "Someone else changed this record since you opened it (now version 7); nothing was saved."
KEPT = "Your changes are still in the form below"


class NoteForm(forms.Form):
    title = forms.CharField()
    note = forms.CharField(required=False)


def typed_form():
    form = NoteForm({"title": "What I typed", "note": "and this"})
    assert form.is_valid()
    return form


def request_with_messages():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_validation_error_lands_at_the_field_it_names_and_the_rest_above_the_form():
    form = typed_form()
    show_error(ValidationError({"title": "Too short.", "elsewhere": "Not a field."}), form=form)
    assert form.errors["title"] == ["Too short."]
    assert form.non_field_errors() == ["Not a field."]
    assert form["title"].value() == "What I typed"


def test_a_refusal_lands_above_the_form_as_it_is_said():
    form = typed_form()
    show_error(TransitionError("The cycle is closed."), form=form)
    assert form.non_field_errors() == ["The cycle is closed."]
    assert not getattr(form, "conflict", False)


def test_a_stale_version_on_a_form_is_a_conflict_that_keeps_what_was_typed():
    form = typed_form()
    show_error(StaleVersionError(SimpleNamespace(version=7)), form=form)
    assert form.conflict is True
    [error] = form.non_field_errors()
    assert error.startswith(STALE + " " + KEPT)
    assert form["note"].value() == "and this"


def test_without_a_form_each_error_is_one_message():
    request = request_with_messages()
    show_error(StaleVersionError(SimpleNamespace(version=7)), request=request)
    show_error(ApplicationError("Only a draft can be discarded."), request=request)
    show_error(ValidationError(["Give a narrative.", "Give a percent."]), request=request)
    assert [str(m) for m in get_messages(request)] == [
        STALE,
        "Only a draft can be discarded.",
        "Give a narrative. Give a percent.",
    ]


def test_a_service_may_say_why_a_version_is_stale_in_its_own_words():
    error = StaleVersionError(SimpleNamespace(version=3), message="Already approved by Ana.")
    assert error.message == "Already approved by Ana."
    assert error.current.version == 3
