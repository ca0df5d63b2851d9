"""The page where the secretariat writes a cycle's narrative for SEOM (read-only once a report is issued)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView

from core.views import ObjectPermissionMixin, ServiceFormMixin
from tracker.models import ReportingCycle
from tracker.narrative import services
from tracker.narrative.forms import CycleNarrativeForm


class CycleNarrativeView(ObjectPermissionMixin, ServiceFormMixin, FormView):
    permission_required = "tracker.change_cycle_narrative"
    form_class = CycleNarrativeForm
    template_name = "tracker/cycle_narrative.html"

    def find_object(self, queryset=None):
        return get_object_or_404(ReportingCycle, slug=self.kwargs["slug"])

    @cached_property
    def narrative(self):
        return services.narrative_of(self.get_object())

    @cached_property
    def frozen_reason(self):
        return services.frozen_reason(self.get_object())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.narrative}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {
            **context,
            "cycle": self.get_object(),
            "narrative": self.narrative,
            "frozen_reason": self.frozen_reason,
            "groups": self.groups(context["form"]),
        }

    def groups(self, form):
        """The three texts, each with its English and Vietnamese field (and stored text, read-only)."""
        titles = {
            "executive_summary": _("Executive summary"),
            "challenges": _("Challenges and support needed"),
            "matters_for_seom": _("Matters for SEOM's consideration"),
        }
        return [
            {
                "title": title,
                "field_en": form[name],
                "field_vi": form[f"{name}_vi"],
                "en": getattr(self.narrative, name),
                "vi": getattr(self.narrative, f"{name}_vi"),
            }
            for name, title in titles.items()
        ]

    def post(self, request, *args, **kwargs):
        if self.frozen_reason:
            messages.error(request, self.frozen_reason)
            return redirect("tracker:cycle_narrative", slug=self.get_object().slug)
        return super().post(request, *args, **kwargs)

    def save_through_service(self, form):
        self.saved = services.save_cycle_narrative(
            cycle=self.get_object(),
            acting_user=self.request.user,
            version=form.expected_version,
            reason=(form.cleaned_data.get("change_reason") or "").strip(),
            **form.service_fields(),
        )

    def success_text(self):
        return _("The narrative of cycle %(slug)s is saved (version %(version)s).") % {
            "slug": self.get_object().slug,
            "version": self.saved.version,
        }

    def get_success_url(self):
        return self.get_object().get_absolute_url()
