"""The dashboard's filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.parties import party_of
from core.forms import MarksInvalidFields


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
        party = party_of(user)
        if party is None:
            return defaults
        if party.member_state_id:
            defaults["member_state"] = next(
                (iso2 for iso2, state in self.member_states.items() if state.pk == party.member_state_id),
                self.ALL,
            )
        else:
            defaults["body"] = next(
                (acronym for acronym, body in self.bodies.items() if body.pk == party.body_id), self.ALL
            )
        return defaults

    def filters(self):
        """{"member_state": MemberState or None, "body": Body or None}; a bad value means all."""
        cleaned = self.cleaned_data if self.is_valid() else {}
        return {
            "member_state": self.member_states.get(cleaned.get("member_state") or ""),
            "body": self.bodies.get(cleaned.get("body") or ""),
        }
