"""Forms of the secretariat's screens: reviewing updates, keeping cycles, reopening, adjusting who reports."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReviewForm(forms.Form):
    """One approve-or-return decision on one update, carrying the version the reviewer read."""

    APPROVE = "approve"
    RETURN = "return"

    action = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (RETURN, _("Return for changes"))])
    comment = forms.CharField(
        label=_("Comment to the reporter"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Required when returning: say what needs to change."),
    )
    public_note = forms.BooleanField(
        label=_("Show this note to every reader once the update is approved"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
