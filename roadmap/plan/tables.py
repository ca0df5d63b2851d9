import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.tables import nulls_last, order_by_expressions
from roadmap import badges
from roadmap.models import ACTIVITY_ORDER, MILESTONE_ORDER, Activity, Milestone, date_with_precision

# django-tables2 ships no Vietnamese catalogue: its pagination words are translated in ours.
PAGINATION_WORDS = (gettext_noop("previous"), gettext_noop("next"))


class ActivityTable(tables.Table):
    code = tables.Column(verbose_name=_("Code"), linkify=True)
    title = tables.Column(verbose_name=_("Title"), linkify=True, order_by=("title",))
    recommendation = tables.Column(verbose_name=_("Rec."), accessor="recommendation__number")
    lead = tables.Column(verbose_name=_("Lead"), empty_values=(), orderable=False)
    planned_end = tables.DateColumn(verbose_name=_("Planned end"), format="Y-m-d")
    status = tables.Column(verbose_name=_("Status"), order_by=("status",))
    percent_complete = tables.Column(verbose_name=_("Progress"))

    class Meta:
        model = Activity
        fields = ["code", "title", "recommendation", "lead", "planned_end", "status", "percent_complete"]
        order_by = ("code",)
        attrs = {"class": "table table-sm table-hover align-middle", "id": "activity-table"}

    # Columns that may be empty sort them last (first when descending) on every database.
    def order_code(self, queryset, is_descending):
        return order_by_expressions(queryset, ACTIVITY_ORDER, is_descending)

    order_recommendation = order_code

    def order_planned_end(self, queryset, is_descending):
        return order_by_expressions(queryset, [*nulls_last("planned_end"), *ACTIVITY_ORDER], is_descending)

    def render_title(self, record):
        mark = (
            format_html(
                ' <span class="badge text-bg-light border" title="{}">{}</span>',
                _("Illustrative seed data"),
                _("illustrative"),
            )
            if record.is_illustrative
            else ""
        )
        return format_html("{}{}", record.local_title, mark)

    def render_status(self, record):
        return badges.activity_status(record)

    def render_percent_complete(self, value):
        return badges.percent_bar(value)

    def render_lead(self, record):
        parts = [s.iso2 for s in record.lead_member_states.all()] + [
            b.acronym for b in record.lead_bodies.all()
        ]
        return format_html_join(" ", '<span class="badge text-bg-secondary">{}</span>', ((p,) for p in parts))


class MilestoneTable(tables.Table):
    planned_date = tables.DateColumn(verbose_name=_("Planned"), format="Y-m-d", order_by=MILESTONE_ORDER)
    activity = tables.Column(
        verbose_name=_("Activity"),
        accessor="activity__code",
        linkify=lambda record: record.activity.get_absolute_url(),
    )
    title = tables.Column(verbose_name=_("Milestone"), linkify=True)
    baseline_date = tables.DateColumn(verbose_name=_("Baseline"), format="Y-m-d")
    actual_date = tables.DateColumn(verbose_name=_("Achieved"), format="Y-m-d")
    state = tables.Column(verbose_name=_("State"), accessor="state_value", order_by=("state_value",))

    class Meta:
        model = Milestone
        fields = ["planned_date", "activity", "title", "baseline_date", "actual_date", "state"]
        order_by = ("planned_date",)
        attrs = {"class": "table table-sm table-hover align-middle", "id": "milestone-table"}

    def order_baseline_date(self, queryset, is_descending):
        return order_by_expressions(queryset, [*nulls_last("baseline_date"), *MILESTONE_ORDER], is_descending)

    def order_actual_date(self, queryset, is_descending):
        return order_by_expressions(queryset, [*nulls_last("actual_date"), *MILESTONE_ORDER], is_descending)

    # Dates as exactly as they are known ("early 2020"), the one rule pages and reports use.
    def render_planned_date(self, value, record):
        return date_with_precision(value, record.date_precision)

    def render_baseline_date(self, value, record):
        return date_with_precision(value, record.date_precision)

    def render_actual_date(self, value, record):
        return date_with_precision(value, record.date_precision)

    def render_title(self, record):
        return record.local_title

    def render_state(self, record):
        return badges.milestone_state(record.state)
