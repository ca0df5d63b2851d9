"""View helpers every feature uses: one object loaded once for its permission check, service-backed
forms, and `show_error`, the one adapter from the services' errors (core.errors) to what a user reads."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin
from rules.contrib.views import PermissionRequiredMixin

from core.errors import SERVICE_ERRORS, StaleVersionError, error_text
from core.forms import attach_error


def show_error(error, *, form=None, request=None):
    """Show one of SERVICE_ERRORS where the user reads it: on the form when there is one, else as a message.

    On a form, a ValidationError lands at the fields it names and any other error above the form; a
    stale version also marks the form as a conflict and says that what the user typed is still there
    and how to apply it. Without a form, the error's sentence is an error message on the next page.
    """
    if form is None:
        messages.error(request, error_text(error))
    elif isinstance(error, ValidationError):
        attach_error(form, error)
    elif isinstance(error, StaleVersionError):
        form.conflict = True
        kept = _(
            "Your changes are still in the form below: open this page again in a new tab to see the "
            "latest version, then make your changes there."
        )
        form.add_error(None, f"{error.message} {kept}")
    else:
        form.add_error(None, error.message)


class ObjectPermissionMixin(PermissionRequiredMixin):
    """Permission check on the page's object, which is then loaded once, not twice."""

    def get_object(self, queryset=None):
        if not hasattr(self, "_object"):
            self._object = self.find_object(queryset)
        return self._object

    def find_object(self, queryset=None):
        return super().get_object(queryset)


class BoundedLazyPaginator(LazyPaginator):
    """django-tables2's paginator, which counts no rows, refusing a page past any list's end.

    Its offset for a page such as 10**20 overflows the database's integer: a server error, where an
    empty page falls back to the first.
    """

    last_offset = 2**31

    def validate_number(self, number):
        number = super().validate_number(number)
        if (number - 1) * self.per_page > self.last_offset:
            raise EmptyPage("That page is past the end of any list")
        return number


class FilteredTableView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    """A list as a sortable table with its filter bar, in pages that cost no count query.

    Set permission_required, template_name, model, table_class, filterset_class and get_queryset;
    table_pagination to change the page size.
    """

    paginator_class = BoundedLazyPaginator
    table_pagination = {"per_page": 25}


class ServiceFormMixin:
    """A create or edit view whose valid form is saved by a service; what it refuses shows on the form.

    Used by the plan's views and the cycle form. The view names the call (`save_through_service`)
    and the sentence said on success (`success_text`); nothing typed is lost on any error.
    """

    def form_invalid(self, form):
        messages.error(self.request, _("Please correct the errors below; nothing was saved."))
        return super().form_invalid(form)

    def save_through_service(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.save_through_service(form)
        except SERVICE_ERRORS as error:
            show_error(error, form=form)
            return self.form_invalid(form)
        messages.success(self.request, self.success_text())
        return HttpResponseRedirect(self.get_success_url())
