"""The small pieces of HTML that show a status, a flag, progress and a milestone's state.

Built with format_html rather than included templates: tables render them on every row, and
one implementation serves the tables, the pages (through the `plan` template tags) and reports.
"""

from django.utils.html import format_html
from django.utils.translation import gettext as _


def status_badge(status, label):
    return format_html('<span class="badge status-{}" data-status="{}">{}</span>', status, status, label)


def flag_badge(flag, label):
    return format_html(
        '<span class="flag flag-{}" title="{}: {}" data-flag="{}"><span class="flag-dot" aria-hidden="true">'
        '</span><span class="visually-hidden">{}: </span>{}</span>',
        flag,
        _("Flag"),
        label,
        flag,
        _("Flag"),
        label,
    )


def activity_status(activity):
    return format_html(
        "{} {}",
        status_badge(activity.status, activity.get_status_display()),
        flag_badge(activity.flag, activity.get_flag_display()),
    )


def percent_bar(percent):
    return format_html(
        '<div class="d-flex align-items-center gap-2" style="min-width:7rem">'
        '<div class="progress flex-grow-1" role="progressbar" aria-label="{}" aria-valuenow="{}" '
        'aria-valuemin="0" aria-valuemax="100" style="height:.5rem">'
        '<div class="progress-bar" style="width: {}%"></div></div>'
        '<span class="small">{}%</span></div>',
        _("Percent complete"),
        percent,
        percent,
        percent,
    )


def milestone_state(state):
    return format_html(
        '<span class="badge mstate-{}" data-state="{}">{}</span>', state.value, state.value, state.label
    )
