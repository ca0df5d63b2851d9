"""Tables of the secretariat's screens, and the badge that shows where a report stands."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.tables import order_by_expressions
from roadmap import badges
from roadmap.models import ACTIVITY_ORDER_RELATED
from tracker.models import ProgressUpdate


class ReviewTable(tables.Table):
    """The review queue. Each row carries its own checkbox, note and version, named by the update's pk,
    so one form posts any selection of rows with a note for each."""

    select = tables.Column(verbose_name=gettext_lazy("Select"), empty_values=(), orderable=False)
    activity = tables.Column(
        verbose_name=gettext_lazy("Activity"),
        accessor="activity__code",
    )
    party = tables.Column(verbose_name=gettext_lazy("Party"), empty_values=(), orderable=False)
    cycle = tables.Column(verbose_name=gettext_lazy("Cycle"), accessor="cycle__slug")
    submitted_at = tables.DateTimeColumn(verbose_name=gettext_lazy("Submitted"), format="Y-m-d H:i")
    proposed = tables.Column(verbose_name=gettext_lazy("Proposed (now)"), empty_values=(), orderable=False)
    narrative = tables.Column(verbose_name=gettext_lazy("Progress"), empty_values=(), orderable=False)
    evidence = tables.Column(verbose_name=gettext_lazy("Evidence"), empty_values=(), orderable=False)
    note = tables.Column(verbose_name=gettext_lazy("Note to the reporter"), empty_values=(), orderable=False)

    class Meta:
        model = ProgressUpdate
        fields = ["submitted_at"]
        sequence = [
            "select",
            "activity",
            "party",
            "cycle",
            "submitted_at",
            "proposed",
            "narrative",
            "evidence",
            "note",
        ]
        order_by = ("submitted_at",)
        attrs = {"class": "table table-sm align-middle", "id": "review-table"}
        row_attrs = {
            "id": lambda record: f"update-{record.pk}",
            "class": lambda record, table: "table-danger" if record.pk in table.row_errors else "",
        }
        empty_text = gettext_lazy("Nothing is waiting for review.")

    def __init__(self, *args, notes=None, row_errors=None, selected=None, **kwargs):
        super().__init__(*args, **kwargs)
        # What the reviewer typed, and what went wrong, when a bulk action is shown again.
        self.notes = notes or {}
        self.row_errors = row_errors or {}
        self.selected = selected or set()

    def order_activity(self, queryset, is_descending):
        return order_by_expressions(queryset, ACTIVITY_ORDER_RELATED, is_descending)

    def label(self, record):
        return f"{record.activity.code} · {record.party_label}"

    def render_select(self, record):
        return format_html(
            '<input class="form-check-input" type="checkbox" name="update" value="{}" id="select-{}"{}'
            ' aria-label="{}">',
            record.pk,
            record.pk,
            " checked" if record.pk in self.selected else "",
            _("Select %(update)s") % {"update": self.label(record)},
        )

    def render_activity(self, record):
        return format_html(
            '<a href="{}"><strong>{}</strong></a><div class="small">{}</div>',
            record.get_absolute_url(),
            record.activity.code,
            record.activity.local_title,
        )

    def render_party(self, record):
        return format_html(
            "{}<div class='small text-body-secondary'>{}</div>", record.party_label, record.author
        )

    def render_proposed(self, record):
        activity = record.activity
        changed = (record.proposed_status, record.proposed_flag, record.proposed_percent) != (
            activity.status,
            activity.flag,
            activity.percent_complete,
        )
        return format_html(
            '<div class="text-nowrap">{} {} <strong>{}%</strong></div>'
            '<div class="small text-body-secondary text-nowrap">{} {} · {} · {}%</div>',
            badges.status_badge(record.proposed_status, record.get_proposed_status_display()),
            badges.flag_badge(record.proposed_flag, record.get_proposed_flag_display()),
            record.proposed_percent,
            _("now:") if changed else _("unchanged from:"),
            activity.get_status_display(),
            activity.get_flag_display(),
            activity.percent_complete,
        )

    def render_narrative(self, record):
        excerpt = Truncator(record.narrative or "").chars(160)
        if record.no_progress:
            return format_html(
                '<span class="badge text-bg-light border">{}</span> <span class="small">{}</span>',
                _("No progress this period"),
                excerpt,
            )
        return format_html('<span class="small">{}</span>', excerpt)

    def render_evidence(self, record):
        files = len(record.evidence_files.all())
        links = len(record.evidence_links.all())
        return format_html(
            '<span class="text-nowrap">{}</span>',
            _("%(files)s files, %(links)s links") % {"files": files, "links": links},
        )

    def render_note(self, record):
        error = self.row_errors.get(record.pk)
        return format_html(
            '<input type="hidden" name="version-{}" value="{}">'
            '<label class="visually-hidden" for="note-{}">{}</label>'
            '<textarea class="form-control form-control-sm{}" name="note-{}" id="note-{}" rows="2"{}>'
            "{}</textarea>"
            "{}",
            record.pk,
            record.version,
            record.pk,
            _("Note to the reporter on %(update)s") % {"update": self.label(record)},
            " is-invalid" if error else "",
            record.pk,
            record.pk,
            format_html(' aria-describedby="note-{}-error"', record.pk) if error else "",
            self.notes.get(record.pk, ""),
            format_html('<div class="invalid-feedback d-block" id="note-{}-error">{}</div>', record.pk, error)
            if error
            else "",
        )
