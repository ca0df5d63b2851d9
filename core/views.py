"""View helpers every feature uses: one object loaded once for its permission check, service-backed forms."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
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
