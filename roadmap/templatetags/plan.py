from django import template

from roadmap import badges
from roadmap.models import DatePrecision, date_with_precision

register = template.Library()


@register.simple_tag
def activity_status(activity):
    return badges.activity_status(activity)


@register.simple_tag
def percent_bar(percent):
    return badges.percent_bar(percent)


@register.simple_tag
def milestone_state(milestone):
    return badges.milestone_state(milestone.state)


@register.filter
def precise_date(value, precision="day"):
    """A date as exactly as it is known: `{{ m.actual_date|precise_date:m.date_precision }}`."""
    return date_with_precision(value, precision or DatePrecision.DAY)
