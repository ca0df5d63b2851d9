"""Forms of the cycle screens: keeping a cycle, reopening it for a party, adjusting who reports."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_INPUT, MarksInvalidFields, VersionedForm
from roadmap.models import Body, MemberState
from tracker.models import DueStatus, ReportingCycle


class CycleForm(VersionedForm):
    class Meta:
        model = ReportingCycle
        fields = ["slug", "name", "name_vi", "period_start", "period_end", "deadline"]
        widgets = {"period_start": DATE_INPUT, "period_end": DATE_INPUT, "deadline": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "change_reason" in self.fields:
            self.fields["change_reason"].help_text = _("Optional; kept in the cycle's history.")

    def clean(self):
        cleaned = super().clean()
        start, end, deadline = (cleaned.get(f) for f in ("period_start", "period_end", "deadline"))
        # The model's constraints say the same, but only as a message above the form; here each
        # lands beside the date that has to change.
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        if start and deadline and deadline < start:
            self.add_error("deadline", _("The deadline cannot come before the period starts."))
        return cleaned


class PartyForm(MarksInvalidFields, forms.Form):
    """Exactly one member state or one body."""

    member_state = forms.ModelChoiceField(
        label=_("Member state"),
        queryset=MemberState.objects.order_by("name"),
        required=False,
        empty_label=_("— none —"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    body = forms.ModelChoiceField(
        label=_("or body"),
        queryset=Body.objects.order_by("acronym"),
        required=False,
        empty_label=_("— none —"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("member_state") is None) == (cleaned.get("body") is None) and not self.errors:
            raise forms.ValidationError(_("Choose one member state or one body."), code="one_party")
        return cleaned

    @property
    def party(self):
        return {"member_state": self.cleaned_data.get("member_state"), "body": self.cleaned_data.get("body")}


class ReopenForm(PartyForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Kept with the reopening, for everyone to see on the cycle page."),
        error_messages={"required": _("Say why the cycle is reopened for this party.")},
    )


class MatrixFilterForm(forms.Form):
    """`?recommendation=N&status=missing` on the cycle page; bad values are ignored, not fatal."""

    recommendation = forms.TypedChoiceField(
        label=_("Recommendation"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *DueStatus.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, recommendations=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["recommendation"]
        field.choices = [("", _("All recommendations"))] + [(r.number, str(r)) for r in recommendations]
        field.widget.attrs["class"] = "form-select form-select-sm"
