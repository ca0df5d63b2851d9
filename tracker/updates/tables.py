import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.tables import order_by_expressions
from roadmap import badges
from roadmap.models import ACTIVITY_ORDER_RELATED
from tracker.badges import update_state_badge
from tracker.models import ProgressUpdate


class UpdateTable(tables.Table):
    pk = tables.Column(verbose_name=_("Update"), linkify=True, order_by=("-created_at", "-pk"))
    cycle = tables.Column(verbose_name=_("Cycle"), accessor="cycle__slug", order_by=("cycle__period_start",))
    activity = tables.Column(
        verbose_name=_("Activity"),
        accessor="activity__code",
        linkify=lambda record: record.activity.get_absolute_url(),
    )
    title = tables.Column(verbose_name=_("Title"), accessor="activity__title", orderable=False)
    party = tables.Column(verbose_name=_("Party"), empty_values=(), orderable=False)
    state = tables.Column(verbose_name=_("State"))
    proposed = tables.Column(verbose_name=_("Proposed"), empty_values=(), order_by=("proposed_percent",))
    author = tables.Column(verbose_name=_("Author"), order_by=("author__last_name", "author__username"))
    updated_at = tables.DateTimeColumn(verbose_name=_("Last change"), format="Y-m-d H:i")

    class Meta:
        model = ProgressUpdate
        fields = ["pk", "cycle", "activity", "title", "party", "state", "proposed", "author", "updated_at"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "update-table"}
        empty_text = _("No progress updates match.")

    def order_activity(self, queryset, is_descending):
        return order_by_expressions(queryset, ACTIVITY_ORDER_RELATED, is_descending)

    def render_pk(self, value):
        return f"#{value}"

    def render_title(self, record):
        return record.activity.local_title

    def render_party(self, record):
        return record.party_label

    def render_state(self, record):
        return update_state_badge(record.state, record.get_state_display())

    def render_proposed(self, record):
        return format_html(
            "{} {}",
            badges.status_badge(record.proposed_status, record.get_proposed_status_display()),
            badges.flag_badge(record.proposed_flag, record.get_proposed_flag_display()),
        ) + format_html(' <span class="small">{}%</span>', record.proposed_percent)
