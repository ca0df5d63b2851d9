"""View helpers every feature uses: one object loaded once for its permission check, service-backed forms."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin
from rules.contrib.views import PermissionRequiredMixin

from core.errors import StaleVersionError
from core.forms import attach_error


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


class PlanFormMixin:
    """Shared by the plan's create and edit views: service call, conflict and error handling."""

    def form_invalid(self, form):
        messages.error(self.request, _("Please correct the errors below; nothing was saved."))
        return super().form_invalid(form)

    def save_through_service(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.save_through_service(form)
        except StaleVersionError as conflict:
            form.add_error(
                None,
                _(
                    "Someone else saved this record while you were editing it (now version "
                    "%(version)s). Your changes are still in the form below and were not saved: "
                    "reload the page to see the latest version, then apply your changes again."
                )
                % {"version": conflict.current.version},
            )
            form.conflict = True
            return self.form_invalid(form)
        except ValidationError as error:
            attach_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_text())
        return HttpResponseRedirect(self.get_success_url())
