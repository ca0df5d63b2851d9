"""The form of the secretariat's narrative: both languages side by side, the document control fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import VersionedForm
from tracker.models import CycleNarrative
from tracker.narrative.services import EDITABLE_FIELDS

TEXTAREA = {"rows": 6}
FALLBACK_HELP = _("Empty: the Vietnamese report prints the English text, marked as such.")
TEXT_FIELDS = [name for name in EDITABLE_FIELDS if name not in ("classification", "prepared_by")]


class CycleNarrativeForm(VersionedForm):
    class Meta:
        model = CycleNarrative
        fields = list(EDITABLE_FIELDS)
        widgets = {name: forms.Textarea(attrs=TEXTAREA) for name in TEXT_FIELDS}
        help_texts = {
            "executive_summary": _("Printed at the start of the report's executive summary. Markdown."),
            "challenges": _("Printed in its own section after the executive summary."),
            "matters_for_seom": _("What SEOM is asked to note or decide; printed in its own section."),
            **{f"{name}_vi": FALLBACK_HELP for name in CycleNarrative.TEXT_FIELDS},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each pair sits under its own heading (a fieldset's legend): the labels name the language.
        for name in CycleNarrative.TEXT_FIELDS:
            self.fields[name].label = _("English")
            self.fields[f"{name}_vi"].label = _("Vietnamese")
        if "change_reason" in self.fields:
            self.fields["change_reason"].help_text = _("Optional; kept in the narrative's history.")

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}
