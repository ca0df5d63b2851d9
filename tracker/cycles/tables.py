"""Tables of the cycle screens."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadmap import badges
from tracker.badges import cycle_state_badge
from tracker.models import ReportingCycle
from tracker.selectors import percent


class CycleTable(tables.Table):
    slug = tables.Column(verbose_name=gettext_lazy("Cycle"), linkify=True)
    name = tables.Column(verbose_name=gettext_lazy("Name"))
    state = tables.Column(verbose_name=gettext_lazy("State"))
    period_start = tables.Column(verbose_name=gettext_lazy("Period"))
    deadline = tables.DateColumn(verbose_name=gettext_lazy("Deadline"), format="Y-m-d")
    completeness = tables.Column(
        verbose_name=gettext_lazy("Handed in"), empty_values=(), order_by=("expected_in",)
    )
    approved = tables.Column(
        verbose_name=gettext_lazy("Approved"), empty_values=(), order_by=("expected_approved",)
    )

    class Meta:
        model = ReportingCycle
        fields = ["slug", "name", "state", "period_start", "deadline"]
        sequence = ["slug", "name", "state", "period_start", "deadline", "completeness", "approved"]
        order_by = ("-period_start",)
        attrs = {"class": "table table-sm table-hover align-middle", "id": "cycle-table"}
        row_attrs = {"id": lambda record: f"cycle-{record.slug}"}
        empty_text = gettext_lazy("No reporting cycles yet.")

    def render_state(self, record):
        return cycle_state_badge(record)

    def render_period_start(self, record):
        return format_html("{} → {}", record.period_start.isoformat(), record.period_end.isoformat())

    def _share(self, part, whole):
        if not whole:
            return format_html('<span class="text-body-secondary">{}</span>', _("nothing due"))
        return format_html(
            '{} <span class="small text-body-secondary">({}/{})</span>',
            badges.percent_bar(percent(part, whole)),
            part,
            whole,
        )

    def render_completeness(self, record):
        return self._share(record.expected_in, record.expected_total)

    def render_approved(self, record):
        return self._share(record.expected_approved, record.expected_total)
