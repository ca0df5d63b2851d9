"""The badges that show where a due update, a progress update, a cycle and a generated report stand.

Each is roadmap.badges.badge() with its table of Bootstrap's own contrast-checked colour classes.
"""

from roadmap.badges import badge
from tracker.models import DueStatus, ReportState

DUE_STATUS_CLASSES = {
    DueStatus.MISSING: "text-bg-danger",
    DueStatus.DRAFT: "text-bg-secondary",
    DueStatus.SUBMITTED: "text-bg-primary",
    DueStatus.RETURNED: "text-bg-warning",
    DueStatus.APPROVED: "text-bg-success",
}

CYCLE_STATE_CLASSES = {"planned": "text-bg-light border", "open": "text-bg-success", "closed": "text-bg-dark"}

REPORT_STATE_CLASSES = {
    ReportState.QUEUED: "text-bg-secondary",
    ReportState.RUNNING: "text-bg-info",
    ReportState.READY: "text-bg-success",
    ReportState.FAILED: "text-bg-danger",
}


def due_status_badge(status):
    status = DueStatus(status)
    return badge(
        status.value,
        status.label,
        css=f"report-status report-status-{status.value}",
        data="status",
        classes=DUE_STATUS_CLASSES,
    )


def update_state_badge(state, label):
    return badge(state, label, css=f"update-state update-state-{state}")


def cycle_state_badge(cycle):
    return badge(
        cycle.state,
        cycle.get_state_display(),
        css="cycle-state",
        classes=CYCLE_STATE_CLASSES,
        default="text-bg-light",
    )


def report_state_badge(report):
    state = ReportState(report.state)
    return badge(
        state.value, state.label, css=f"report-state report-state-{state.value}", classes=REPORT_STATE_CLASSES
    )
