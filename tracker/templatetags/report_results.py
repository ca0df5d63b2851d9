"""The indicators' results chain in the report's HTML (and PDF): the table model of a section."""

from django import template

from tracker.reports.render import results

register = template.Library()


@register.simple_tag
def results_table(section):
    return results.results_table(section)


@register.simple_tag
def results_headers(table):
    return results.results_headers(table)


@register.simple_tag
def results_method_note(report):
    return results.method_note(report)


@register.filter
def trend_arrow(trend):
    return results.ARROWS.get(trend or "", "")


@register.filter
def trend_word(trend):
    return results.trend_word(trend)
