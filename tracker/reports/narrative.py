"""The secretariat's narrative of the cycle and the report's document control, gathered for the report.

Two queries, whatever the size of the record: the cycle's narrative, and the bodies (for the list
of acronyms). Every text is already in the report's language: gathered under `override(language)`.

- The narrative: the executive summary, the challenges and support needed, and the matters for
  SEOM's consideration the secretariat wrote for the cycle (`tracker.models.CycleNarrative`). A
  Vietnamese report takes the Vietnamese text; where that is empty, the English one, marked
  (`NarrativeText.english_fallback`). Nothing written: nothing printed (provisional or not).
- Document control: the reference number and version (assigned by the archive when a report row
  is generated; a report built without one is a draft, not archived), the date, the classification
  and "prepared by" (the cycle's narrative, else the `REPORT_CLASSIFICATION` setting and the ASEAN
  Secretariat), a note on how the figures are computed, and the acronyms the report uses.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from roadmap.models import Body
from tracker.models import Classification, CycleNarrative, default_classification
from tracker.reports.render.common import jakarta, show_date


def _fixed_names():
    """Terms the report's own text uses whatever the record holds, with their full names in the
    report's language; bodies in the database come first and win."""
    return {
        "ASEAN": _("Association of Southeast Asian Nations"),
        "ACCSQ": _("ASEAN Consultative Committee for Standards and Quality"),
        "SEOM": _("Senior Economic Officials Meeting"),
        "AEM": _("ASEAN Economic Ministers"),
        "MSMEs": _("Micro, small and medium enterprises"),
        "UTC": _("Coordinated Universal Time"),
    }


@dataclass
class NarrativeText:
    text: str  # Markdown source, in the report's language where given
    english_fallback: bool = False  # a Vietnamese report printing the English text: none was given

    def __bool__(self):
        return bool(self.text)


@dataclass
class DocumentControl:
    reference: str  # "" when the report was built outside the archive (a draft)
    version: int | None
    date: datetime.date
    classification: str  # in the report's language
    prepared_by: str
    method_note: list[str] = field(default_factory=list)  # paragraphs
    acronyms: list[tuple[str, str]] = field(default_factory=list)  # (acronym, full name)

    @property
    def reference_text(self):
        return self.reference or _("Draft, not archived: no reference number")

    @property
    def version_text(self):
        return str(self.version) if self.version else "—"


@dataclass
class ReportNarrative:
    """What the secretariat wrote about the cycle, and the report's document control."""

    control: DocumentControl
    executive_summary: NarrativeText = field(default_factory=lambda: NarrativeText(""))
    challenges: NarrativeText = field(default_factory=lambda: NarrativeText(""))
    matters_for_seom: NarrativeText = field(default_factory=lambda: NarrativeText(""))
    version: int | None = None  # the narrative's version; None when nothing is stored

    @property
    def has_sections(self):
        """Challenges or matters for SEOM to print in their own sections."""
        return bool(self.challenges or self.matters_for_seom)


def fallback_mark() -> str:
    return _("(English; no Vietnamese text given)")


def _text(narrative, name, language):
    if narrative is None:
        return NarrativeText("")
    english = (getattr(narrative, name) or "").strip()
    if language == "vi":
        vietnamese = (getattr(narrative, f"{name}_vi") or "").strip()
        if vietnamese:
            return NarrativeText(vietnamese)
        return NarrativeText(english, english_fallback=bool(english))
    return NarrativeText(english)


def method_note(*, period_end_text: str) -> list[str]:
    """How the report's figures are computed, as `tracker.reports.content` computes them."""
    return [
        _(
            "Cut-off: the end of the cycle's period (%(end)s). Only approved progress updates count, "
            "reported for this cycle or an earlier one; drafts, submitted updates awaiting review and "
            "returned updates do not. An update replaced by an approved correction is left out."
        )
        % {"end": period_end_text},
        _(
            "Completion: the average of the activities' percent complete as of the cycle's end, each "
            "from its latest approved update; an activity with no approved update yet takes the plan's "
            "record as it stood at the period's end, and its figures are marked “*”."
        ),
        _(
            "Milestones are shown as they stood at the period's end, whenever the report is generated. "
            "Reporting completeness: reports owed this cycle that are approved. Averages have one "
            "decimal and shares are whole percents, rounded half up."
        ),
    ]


def gather_narrative(
    cycle, *, language: str, reference: str, version: int | None, generated_at: datetime.datetime
) -> ReportNarrative:
    """The narrative and the document control of `cycle`'s report: two queries."""
    narrative = CycleNarrative.objects.filter(cycle=cycle).first()
    classification = narrative.classification if narrative else default_classification()
    labels = dict(Classification.choices)
    acronyms = {}
    for body in Body.objects.order_by("acronym").only("acronym", "name", "name_vi"):
        acronyms[body.acronym] = str(body.local_name)
    for acronym, full_name in _fixed_names().items():
        acronyms.setdefault(acronym, str(full_name))
    control = DocumentControl(
        reference=reference,
        version=version,
        date=jakarta(generated_at).date(),  # the secretariat's day, as the cover's "generated on"
        classification=str(labels.get(classification, classification)),
        prepared_by=(narrative.prepared_by if narrative and narrative.prepared_by else "")
        or _("ASEAN Secretariat"),
        method_note=method_note(period_end_text=show_date(cycle.period_end, language, "long")),
        acronyms=sorted(acronyms.items(), key=lambda item: item[0].casefold()),
    )
    return ReportNarrative(
        control=control,
        executive_summary=_text(narrative, "executive_summary", language),
        challenges=_text(narrative, "challenges", language),
        matters_for_seom=_text(narrative, "matters_for_seom", language),
        version=narrative.version if narrative else None,
    )
