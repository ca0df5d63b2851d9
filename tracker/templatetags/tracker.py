from django import template
from django.utils.formats import date_format

from roadmap.models import DatePrecision, date_with_precision
from tracker.markdown import render_markdown
from tracker.reports.delivery import issues_in_section

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render a reporter's Markdown as sanitised HTML."""
    return render_markdown(text)


@register.simple_tag
def milestone_date(value, precision, day_format):
    """A milestone's date in a report as exactly as the plan gives it: `day_format` for a day,
    else "March 2025", "early 2025", "July to December 2025", "2025"."""
    if value is None:
        return ""
    if not precision or precision == DatePrecision.DAY:
        return date_format(value, day_format)
    return date_with_precision(value, precision)


@register.filter
def delivery_in_section(issues, number):
    """The report's delivery issues in the section numbered `number` (None: the roadmap as a whole)."""
    return issues_in_section(issues, number)
