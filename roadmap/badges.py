"""The small pieces of HTML that show a status, a flag, progress and a milestone's state.

Built with format_html rather than included templates: tables render them on every row, and
one implementation serves the tables, the pages (through the `plan` template tags) and reports.
Every badge is `badge()`; the record's (tracker/badges.py) add a table of Bootstrap classes.
"""

from django.utils.html import format_html
from django.utils.translation import gettext as _


def badge(value, label, *, css, data="state", classes=None, default=""):
    """`<span class="badge {css} {classes[value]}" data-{data}="{value}">{label}</span>`.

    `classes` maps each value to its Bootstrap colour classes (`default` for any other); the word is
    always written beside the colour, so colour is never the only cue.
    """
    colour = (classes or {}).get(value, default)
    return format_html(
        '<span class="badge {}" data-{}="{}">{}</span>',
        f"{css} {colour}" if colour else css,
        data,
        value,
        label,
    )


def status_badge(status, label):
    return badge(status, label, css=f"status-{status}", data="status")


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
    return badge(state.value, state.label, css=f"mstate-{state.value}")
