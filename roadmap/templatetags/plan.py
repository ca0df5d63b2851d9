from django import template

from roadmap import badges

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
