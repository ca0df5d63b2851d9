from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from roadmap.models import ACTIVITY_OWNER_FIELDS, Activity, Body, Indicator, MemberState, Milestone

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def attach_error(form, error):
    """A service's ValidationError onto the form: at the field when it names one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


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


class ActivityForm(VersionedForm):
    date_fields = ("planned_start", "planned_end")
    m2m_fields = ACTIVITY_OWNER_FIELDS

    class Meta:
        model = Activity
        fields = [
            "code",
            "recommendation",
            "title",
            "title_vi",
            "description",
            "description_vi",
            "expected_outputs",
            "lead_member_states",
            "lead_bodies",
            "participating_member_states",
            "supporting_bodies",
            "planned_start",
            "planned_end",
            "baseline_start",
            "baseline_end",
            "status",
            "flag",
            "percent_complete",
            "is_illustrative",
        ]
        widgets = {
            "planned_start": DATE_INPUT,
            "planned_end": DATE_INPUT,
            "baseline_start": DATE_INPUT,
            "baseline_end": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_vi": forms.Textarea(attrs={"rows": 4}),
            "expected_outputs": forms.Textarea(attrs={"rows": 3}),
            "percent_complete": forms.NumberInput(attrs={"min": 0, "max": 100}),
            # Checkboxes, not a multiple select: one click without Ctrl there drops every other owner.
            "lead_member_states": forms.CheckboxSelectMultiple,
            "participating_member_states": forms.CheckboxSelectMultiple,
            "lead_bodies": forms.CheckboxSelectMultiple,
            "supporting_bodies": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, roadmap=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.roadmap = roadmap
        states = MemberState.objects.order_by("name")
        bodies = Body.objects.order_by("acronym")
        self.fields["lead_member_states"].queryset = states
        self.fields["participating_member_states"].queryset = states
        self.fields["lead_bodies"].queryset = bodies
        self.fields["supporting_bodies"].queryset = bodies
        if self.instance.pk:
            # The baseline is what was first agreed; it is not edited alongside the plan.
            for name in ("baseline_start", "baseline_end"):
                self.fields[name].disabled = True
        if roadmap is not None:
            self.fields["recommendation"].queryset = roadmap.recommendations.all()

    def clean_percent_complete(self):
        value = self.cleaned_data.get("percent_complete")
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError(_("Percent complete must be between 0 and 100."))
        return value

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("planned_start"), cleaned.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("The planned end cannot be before the planned start."))
        no_lead = not cleaned.get("lead_member_states") and not cleaned.get("lead_bodies")
        if no_lead and "lead_member_states" not in self.errors:
            self.add_error("lead_member_states", _("Name at least one lead member state or lead body."))
        return cleaned

    def _post_clean(self):
        if self.roadmap is not None and not self.instance.roadmap_id:
            self.instance.roadmap = self.roadmap
        super()._post_clean()

    def m2m_data(self):
        return {name: self.cleaned_data[name] for name in self.m2m_fields}


class MilestoneForm(VersionedForm):
    date_fields = ("planned_date",)

    class Meta:
        model = Milestone
        fields = ["title", "title_vi", "description", "planned_date", "baseline_date", "actual_date"]
        widgets = {
            "planned_date": DATE_INPUT,
            "baseline_date": DATE_INPUT,
            "actual_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, activity=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity = activity
        if self.instance.pk:
            self.fields["baseline_date"].disabled = True

    def _post_clean(self):
        if self.activity is not None and not self.instance.activity_id:
            self.instance.activity = self.activity
        super()._post_clean()


class IndicatorForm(VersionedForm):
    class Meta:
        model = Indicator
        fields = [
            "name",
            "name_vi",
            "description",
            "unit",
            "baseline_value",
            "baseline_year",
            "target_value",
            "target_year",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, activity=None, recommendation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_activity = activity
        self.owner_recommendation = recommendation

    def clean(self):
        cleaned = super().clean()
        base, target = cleaned.get("baseline_year"), cleaned.get("target_year")
        if base and target and target < base:
            self.add_error("target_year", _("The target year cannot be before the baseline year."))
        return cleaned

    def _post_clean(self):
        if not self.instance.pk:
            self.instance.activity = self.owner_activity
            self.instance.recommendation = self.owner_recommendation
        super()._post_clean()


class DashboardFilterForm(MarksInvalidFields, forms.Form):
    """Which member state and body the dashboard is about.

    With no filter in the query, a focal point sees their member state and a body representative
    their body; "all" is an explicit choice, kept in the query, so they can see all of ASEAN.
    Choices come from lists the view has already read, so the form costs no query.
    """

    ALL = "all"

    member_state = forms.ChoiceField(
        label=_("Member state"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    body = forms.ChoiceField(
        label=_("Body"), required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )

    def __init__(self, query, *, member_states, bodies, user):
        self.member_states = {state.iso2: state for state in member_states}
        self.bodies = {body.acronym: body for body in bodies}
        self.defaulted = not any(name in query for name in ("member_state", "body"))
        super().__init__(self.defaults_for(user) if self.defaulted else query)
        self.fields["member_state"].choices = [
            (self.ALL, _("All member states")),
            *((state.iso2, state.local_name) for state in member_states),
        ]
        self.fields["body"].choices = [(self.ALL, _("All bodies")), *((b.acronym, b.acronym) for b in bodies)]

    def defaults_for(self, user):
        """A focal point's member state, a representative's body; all of ASEAN for everyone else."""
        defaults = {"member_state": self.ALL, "body": self.ALL}
        role = getattr(user, "role", None)
        if role == Role.FOCAL_POINT:
            defaults["member_state"] = next(
                (iso2 for iso2, state in self.member_states.items() if state.pk == user.member_state_id),
                self.ALL,
            )
        elif role == Role.BODY_REPRESENTATIVE:
            defaults["body"] = next(
                (acronym for acronym, body in self.bodies.items() if body.pk == user.body_id), self.ALL
            )
        return defaults

    def filters(self):
        """{"member_state": MemberState or None, "body": Body or None}; a bad value means all."""
        cleaned = self.cleaned_data if self.is_valid() else {}
        return {
            "member_state": self.member_states.get(cleaned.get("member_state") or ""),
            "body": self.bodies.get(cleaned.get("body") or ""),
        }
