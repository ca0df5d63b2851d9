"""The form that asks for a cycle progress report: which cycle, what it covers, language, format."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import MarksInvalidFields
from roadmap.models import MemberState, Recommendation
from tracker.models import CycleState, ReportFormat, ReportingCycle, ReportScope
from tracker.reports.services import new_report

GENERATE = "tracker.generate_report"
SELECT = {"class": "form-select"}
# The select each narrower scope needs: its field, what to say when it is left empty, and when it
# names something the user may not report on.
SCOPE_FIELDS = {
    ReportScope.RECOMMENDATION: (
        "recommendation",
        _("Choose the recommendation this report covers."),
        _("You may not generate a report on this recommendation."),
    ),
    ReportScope.MEMBER_STATE: (
        "member_state",
        _("Choose the member state this report covers."),
        _("You may not generate a report on this member state."),
    ),
}


class ReportForm(MarksInvalidFields, forms.Form):
    """Offers each user only the scopes the rules let them report on (a focal point: their own
    member state), asking `tracker.generate_report` about each candidate rather than restating it."""

    cycle = forms.ModelChoiceField(
        label=_("Cycle"),
        # A cycle not yet opened has nothing approved to report.
        queryset=ReportingCycle.objects.exclude(state=CycleState.PLANNED).order_by("-period_start"),
        to_field_name="slug",
        empty_label=_("— choose a cycle —"),
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("Choose the cycle to report on.")},
    )
    scope = forms.ChoiceField(
        label=_("The report covers"),
        choices=ReportScope.choices,
        initial=ReportScope.ROADMAP,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    recommendation = forms.ModelChoiceField(
        label=_("Recommendation"),
        queryset=Recommendation.objects.order_by("number", "pk"),
        required=False,
        empty_label=_("— choose a recommendation —"),
        widget=forms.Select(attrs=SELECT),
        help_text=_("When the report covers one recommendation."),
    )
    member_state = forms.ModelChoiceField(
        label=_("Member state"),
        queryset=MemberState.objects.order_by("name"),
        to_field_name="iso2",
        required=False,
        empty_label=_("— choose a member state —"),
        widget=forms.Select(attrs=SELECT),
        help_text=_("When the report covers one member state: the activities it leads or takes part in."),
    )
    language = forms.ChoiceField(
        label=_("Report language"),
        choices=settings.LANGUAGES,
        initial="en",
        widget=forms.Select(attrs=SELECT),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ReportFormat.choices,
        initial=ReportFormat.PDF,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self._limit_to_what_the_user_may_generate()

    def _may(self, **scope):
        # The rules read only the scope of the unsaved report, never its cycle.
        return self.user.has_perm(GENERATE, new_report(cycle=None, fmt=ReportFormat.HTML, **scope))

    def _limit_to_what_the_user_may_generate(self):
        allowed = {ReportScope.ROADMAP: self._may()}
        for value, (name, _missing, refused) in SCOPE_FIELDS.items():
            field = self.fields[name]
            objects = [obj for obj in field.queryset if self._may(**{name: obj})]
            allowed[value] = bool(objects)
            if len(objects) < len(field.queryset):
                field.queryset = field.queryset.filter(pk__in=[obj.pk for obj in objects])
                field.error_messages["invalid_choice"] = refused
                if len(objects) == 1:
                    # A focal point's own member state: chosen already, nothing else to pick.
                    field.empty_label = None
                    field.initial = objects[0]
        scope = self.fields["scope"]
        if not all(allowed.values()):
            scope.choices = [(value, label) for value, label in ReportScope.choices if allowed[value]]
            scope.error_messages["invalid_choice"] = _(
                "You may not generate a report with this scope; choose one of those offered."
            )
        if not allowed[ReportScope.ROADMAP] and scope.choices:
            scope.initial = scope.choices[0][0]

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        for value, (name, missing, _refused) in SCOPE_FIELDS.items():
            if scope != value:
                # A choice left in a select the chosen scope does not use is not part of the report.
                cleaned[name] = None
                self.errors.pop(name, None)
            elif cleaned.get(name) is None and name not in self.errors:
                self.add_error(name, missing)
        return cleaned

    def report(self):
        """The unsaved report the form asks for (call after is_valid())."""
        data = self.cleaned_data
        return new_report(
            cycle=data["cycle"],
            fmt=data["format"],
            language=data["language"],
            recommendation=data.get("recommendation"),
            member_state=data.get("member_state"),
        )
