"""The update form: one page, no JavaScript needed, nothing typed lost on any error."""

from django import forms
from django.db.models import F, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import VersionedForm
from roadmap.models import ActivityStatus, Flag, Milestone
from tracker import selectors
from tracker.models import ProgressUpdate
from tracker.updates.evidence import ACCEPT_ATTRIBUTE, MAX_EVIDENCE_BYTES, check_evidence_file
from tracker.updates.services import UpdateContent

MARKDOWN_HELP = _(
    "You can use Markdown: **bold**, *italic*, lists starting with “- ”, links as [text](https://…)."
)
PERCENT_MESSAGE = _("Percent complete must be between 0 and 100.")
ASEAN = "asean"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by name, size and content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        errors = []
        for uploaded in cleaned:
            try:
                check_evidence_file(uploaded)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class UpdateForm(VersionedForm):
    """The update's own fields, plus its milestones, indicator values and files.

    Milestones and indicator values are fields made per row (`milestone_<pk>`, `value_<indicator>_<state>`)
    so a browser without JavaScript posts them all and every error lands beside its row.
    """

    proposed_percent = forms.IntegerField(
        label=_("Percent complete"),
        min_value=0,
        max_value=100,
        error_messages={"min_value": PERCENT_MESSAGE, "max_value": PERCENT_MESSAGE},
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
    )
    files = MultipleFileField(
        label=_("Add evidence files"),
        required=False,
    )
    remove_files = forms.TypedMultipleChoiceField(
        label=_("Remove"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ProgressUpdate
        fields = [
            "proposed_status",
            "proposed_flag",
            "proposed_percent",
            "no_progress",
            "narrative",
            "achievements",
            "challenges",
            "next_steps",
            "support_needed",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4 if name == "narrative" else 3})
            for name in ("narrative", "achievements", "challenges", "next_steps", "support_needed")
        }
        help_texts = {
            **dict.fromkeys(("achievements", "challenges", "next_steps", "support_needed"), MARKDOWN_HELP),
            "narrative": _(
                "Required to submit, unless you tick “No progress this period”. You can use Markdown: "
                "**bold**, *italic*, lists starting with “- ”, links as [text](https://…)."
            ),
        }

    def __init__(self, *args, milestones=(), indicators=(), value_states=(), evidence_files=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("change_reason", None)
        # A status and a flag always start from the activity's official ones: no empty choice.
        self.fields["proposed_status"].choices = ActivityStatus.choices
        self.fields["proposed_flag"].choices = Flag.choices
        self.fields["files"].help_text = _(
            "PDF, Word, Excel, PowerPoint, PNG or JPEG, at most %(limit)s each; "
            "you can choose several at once."
        ) % {"limit": filesizeformat(MAX_EVIDENCE_BYTES)}
        self.evidence_files = list(evidence_files)
        self.fields["remove_files"].choices = [(f.pk, f.original_name) for f in self.evidence_files]
        # A service's errors about a whole section, put here by core.forms.attach_error.
        self.section_errors = {"achievements": [], "indicator_values": []}
        self.conflict = False
        self._add_milestone_fields(milestones)
        self._add_indicator_fields(indicators, value_states)

    # --- Rows made at run time -----------------------------------------------------------------

    def _add_milestone_fields(self, milestones):
        achieved = {}
        if self.instance.pk:
            achieved = {a.milestone_id: a.achieved_on for a in self.instance.milestone_achievements.all()}
        self.milestone_rows = []
        for milestone in milestones:
            tick, on = f"milestone_{milestone.pk}", f"milestone_{milestone.pk}_on"
            self.fields[tick] = forms.BooleanField(
                label=milestone.local_title,
                required=False,
                initial=milestone.pk in achieved,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[on] = forms.DateField(
                label=_("Achieved on"),
                required=False,
                initial=achieved.get(milestone.pk),
                widget=forms.DateInput(
                    attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
                ),
            )
            self.milestone_rows.append((milestone, tick, on))

    def _add_indicator_fields(self, indicators, value_states):
        existing = {}
        if self.instance.pk:
            existing = {(v.indicator_id, v.member_state_id): v for v in self.instance.indicator_values.all()}
        self.indicator_rows = []
        for indicator in indicators:
            states = list(value_states)
            for indicator_id, state_id in existing:
                if indicator_id == indicator.pk and state_id not in [s.pk if s else None for s in states]:
                    states.append(existing[indicator_id, state_id].member_state)
            for state in states:
                key = f"{indicator.pk}_{state.pk if state else ASEAN}"
                value = existing.get((indicator.pk, state.pk if state else None))
                self.fields[f"value_{key}"] = forms.DecimalField(
                    label=_("Value"),
                    required=False,
                    max_digits=14,
                    decimal_places=2,
                    initial=value.value if value else None,
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "any"}),
                )
                self.fields[f"note_{key}"] = forms.CharField(
                    label=_("Note"),
                    required=False,
                    max_length=300,
                    initial=value.note if value else "",
                    widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
                )
                self.indicator_rows.append((indicator, state, f"value_{key}", f"note_{key}"))

    @property
    def milestone_fields(self):
        return [(m, self[tick], self[on]) for m, tick, on in self.milestone_rows]

    @property
    def indicator_fields(self):
        return [(i, state, self[value], self[note]) for i, state, value, note in self.indicator_rows]

    @property
    def existing_files(self):
        chosen = {str(v) for v in (self["remove_files"].value() or [])}
        return [(f, str(f.pk) in chosen) for f in self.evidence_files]

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        for _milestone, tick, on in self.milestone_rows:
            achieved_on = cleaned.get(on)
            if cleaned.get(tick) and not achieved_on and on not in self.errors:
                self.add_error(on, _("Give the date the milestone was achieved."))
            elif cleaned.get(tick) and achieved_on and achieved_on > today:
                self.add_error(on, _("The date achieved cannot be in the future."))
        for _indicator, _state, value, note in self.indicator_rows:
            if cleaned.get(note) and cleaned.get(value) is None and value not in self.errors:
                self.add_error(value, _("Give a value for this note, or clear the note."))
        return cleaned

    def content(self, links) -> UpdateContent:
        """What the service saves besides the update's own fields, from the valid form and links."""
        data = self.cleaned_data
        return UpdateContent(
            achievements=[(m, data[on]) for m, tick, on in self.milestone_rows if data.get(tick)],
            indicator_values=[
                (indicator, state, data[value], data.get(note) or "")
                for indicator, state, value, note in self.indicator_rows
                if data.get(value) is not None
            ],
            links=links.links(),
            new_files=data.get("files") or [],
            remove_file_ids=data.get("remove_files") or [],
        )

    @property
    def has_section_errors(self):
        return any(self.section_errors.values())


class EvidenceLinkForm(forms.Form):
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "form-control", "placeholder": "https://"}),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("title") and not cleaned.get("url") and "url" not in self.errors:
            self.add_error("url", _("Give the link's address, or clear its title."))
        return cleaned


class BaseEvidenceLinkFormSet(forms.BaseFormSet):
    def links(self):
        return [
            (form.cleaned_data["url"], form.cleaned_data.get("title", ""))
            for form in self.forms
            if form.cleaned_data.get("url")
        ]


EvidenceLinkFormSet = forms.formset_factory(
    EvidenceLinkForm, formset=BaseEvidenceLinkFormSet, extra=2, max_num=30, validate_max=True
)

LINKS_PREFIX = "links"


# The free-text boxes, which a merge of two colleagues' drafts joins (`UpdateEditView.merge`).
TEXT_FIELDS = ("narrative", "achievements", "challenges", "next_steps", "support_needed")


def typed_entries(form, links, draft):
    """(label, value) for what was typed besides the text boxes, read from a checked `form` and its
    `links` (what passed the checks), where it differs from `draft`: shown beside the merged draft so
    that nothing typed is lost."""
    data = form.cleaned_data
    entries = []
    for name in ("proposed_status", "proposed_flag", "proposed_percent"):
        if data.get(name) not in (None, "", getattr(draft, name)):
            field = form.fields[name]
            value = (
                dict(field.choices).get(data[name], data[name]) if hasattr(field, "choices") else data[name]
            )
            entries.append((field.label, str(value)))
    if data.get("no_progress") and not draft.no_progress:
        entries.append((form.fields["no_progress"].label, _("yes")))
    for milestone, tick, on in form.milestone_rows:
        if data.get(tick):
            entries.append((_("Milestone achieved"), f"{milestone.local_title} ({data.get(on) or ''})"))
    for indicator, state, value, note in form.indicator_rows:
        if data.get(value) is not None:
            where = state.local_name if state is not None else "ASEAN"
            entries.append(
                (f"{indicator.local_name} · {where}", f"{data[value]} {data.get(note) or ''}".strip())
            )
    for link_form in links.forms:
        url = getattr(link_form, "cleaned_data", {}).get("url")
        if url:
            entries.append((_("Evidence link"), url))
    return entries


def link_formset(update, data=None):
    initial = (
        [{"url": link.url, "title": link.title} for link in update.evidence_links.all()] if update.pk else []
    )
    if data is not None:
        return EvidenceLinkFormSet(data, prefix=LINKS_PREFIX)
    return EvidenceLinkFormSet(initial=initial, prefix=LINKS_PREFIX)


def update_form_rows(update, member_state):
    """The milestones and indicators the form offers for `update`, each list in one query.

    Milestones not yet achieved, plus any this update already marks achieved. Indicators of the
    activity and of its recommendation. Values per member state: the reporter's own and ASEAN as a
    whole (a body reports for ASEAN only).
    """
    activity = update.activity
    achieved_ids = [a.milestone_id for a in update.milestone_achievements.all()] if update.pk else []
    milestones = list(
        Milestone.objects.filter(activity=activity)
        .filter(Q(actual_date__isnull=True) | Q(pk__in=achieved_ids))
        .in_date_order()
    )
    # The activity's own indicators (no recommendation) first, then its recommendation's, on every database.
    indicators = list(
        selectors.activity_indicators(activity).order_by(F("recommendation_id").asc(nulls_first=True), "pk")
    )
    value_states = [member_state, None] if member_state is not None else [None]
    return {"milestones": milestones, "indicators": indicators, "value_states": value_states}
