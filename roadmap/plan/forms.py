from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_INPUT, VersionedForm
from roadmap.models import (
    ACTIVITY_EDITABLE_FIELDS,
    ACTIVITY_OWNER_FIELDS,
    MILESTONE_EDITABLE_FIELDS,
    Activity,
    Body,
    Indicator,
    MemberState,
    Milestone,
)


class ActivityForm(VersionedForm):
    date_fields = ("planned_start", "planned_end")
    m2m_fields = ACTIVITY_OWNER_FIELDS

    class Meta:
        model = Activity
        fields = list(ACTIVITY_EDITABLE_FIELDS)
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
        fields = list(MILESTONE_EDITABLE_FIELDS)
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
            "description_vi",
            "unit",
            "unit_vi",
            "baseline_value",
            "baseline_year",
            "target_value",
            "target_year",
            "aggregation",
            "decimal_places",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "description_vi": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, activity=None, recommendation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_activity = activity
        self.owner_recommendation = recommendation
        # Left out (an older form, a script), the regional rule and the precision stay as they are.
        for name in ("aggregation", "decimal_places"):
            self.fields[name].required = False

    def clean_aggregation(self):
        return self.cleaned_data.get("aggregation") or self.instance.aggregation

    def clean_decimal_places(self):
        places = self.cleaned_data.get("decimal_places")
        return self.instance.decimal_places if places is None else places

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
