"""The report archive's filters: cycle, scope, format, language, issued or not."""

import django_filters
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.widgets import select_widget
from tracker.models import Report, ReportFormat, ReportScope
from tracker.updates.filters import cycle_filter

YES_NO = [("yes", _("Issued")), ("no", _("Not issued"))]


class ReportFilter(django_filters.FilterSet):
    cycle = cycle_filter(empty_label=_("All cycles"))
    scope = django_filters.ChoiceFilter(
        label=_("Scope"), choices=ReportScope.choices, empty_label=_("Any scope"), widget=select_widget()
    )
    format = django_filters.ChoiceFilter(
        label=_("Format"), choices=ReportFormat.choices, empty_label=_("Any format"), widget=select_widget()
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=settings.LANGUAGES, empty_label=_("Any language"), widget=select_widget()
    )
    issued = django_filters.ChoiceFilter(
        label=_("Issued"),
        choices=YES_NO,
        empty_label=_("Issued or not"),
        method="filter_issued",
        widget=select_widget(),
    )

    class Meta:
        model = Report
        fields = ["cycle", "scope", "format", "language", "issued"]

    def filter_issued(self, queryset, name, value):
        # Only called with one of YES_NO: an empty choice skips the filter.
        return queryset.filter(issued_at__isnull=value == "no")
