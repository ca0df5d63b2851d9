"""Form helpers every feature uses: versioned model forms, invalid-field marks, service errors."""

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def attach_error(form, error):
    """A service's ValidationError onto the form: at the field when it names one.

    A form with `section_errors` (a list per part of the page that is not one field) gets the
    errors for those parts there; anything else lands above the form.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    sections = getattr(form, "section_errors", {})
    for name, errors in error.error_dict.items():
        if name in sections:
            sections[name].extend(message for err in errors for message in err.messages)
        else:
            form.add_error(name if name in form.fields else None, errors)


class MarksInvalidFields:
    """Bootstrap shows a field as invalid only with this class on the input itself."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


class VersionedForm(MarksInvalidFields, forms.ModelForm):
    """A plan form that carries the version it was read at and, for moved dates, a reason."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when a planned date moves; kept in the history."),
    )
    date_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        if not self.instance.pk:
            del self.fields["change_reason"]
        for _name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                # Its attrs reach the wrapping <div> as well as each box: styled in app.css instead.
                continue
            elif isinstance(widget, forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
                widget.attrs.setdefault("size", "6")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")

    def clean(self):
        cleaned = super().clean()
        # A form read at an older version is reported as a conflict by the service; comparing its
        # dates with the newer record would blame the user for a date someone else moved.
        stale = cleaned.get("version") not in (None, self.instance.version)
        if self.instance.pk and "change_reason" in self.fields and not stale:
            moved = [f for f in self.date_fields if f in self.changed_data]
            if moved and not (cleaned.get("change_reason") or "").strip():
                self.add_error("change_reason", _("Say why the planned date moved."))
        return cleaned

    @property
    def expected_version(self):
        return self.cleaned_data.get("version")
