"""The record set up through the real services: an open cycle and updates in every state."""

import pytest

from tests import factories
from tracker.cycles import services as cycle_services
from tracker.review import services as review_services
from tracker.updates import services as update_services


def open_cycle(secretariat_user, **fields):
    """Cycle 2026-H2 (deadline in 14 days unless `fields` say otherwise), opened by the secretariat."""
    cycle = factories.ReportingCycleFactory(slug="2026-H2", name="2026 second half", **fields)
    cycle_services.cycle_open(cycle=cycle, acting_user=secretariat_user)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def cycle(plan, secretariat_user):
    """An open cycle (deadline in 14 days) in which Viet Nam and Thailand owe a report on R2.1."""
    return open_cycle(secretariat_user)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def write_update(user, activity, cycle, *, submit=False, narrative="Pilots ran in two provinces.", **fields):
    """A draft (or, with submit=True, a submitted update) by `user` for their party."""
    update = update_services.new_update(activity=activity, cycle=cycle, author=user)
    update.narrative = narrative
    for name, value in fields.items():
        setattr(update, name, value)
    return update_services.progress_update_save(
        update=update, content=update_services.UpdateContent(), acting_user=user, submit=submit
    )


@pytest.fixture
def draft_vn(cycle, plan, focal_vn):
    return write_update(focal_vn, plan["activity"], cycle, proposed_percent=30, proposed_status="ongoing")


@pytest.fixture
def submitted_vn(cycle, plan, focal_vn):
    return write_update(
        focal_vn, plan["activity"], cycle, submit=True, proposed_percent=40, proposed_status="ongoing"
    )


@pytest.fixture
def returned_vn(submitted_vn, secretariat_user):
    return review_services.progress_update_return(
        update=submitted_vn, comment="Add the provinces' names.", acting_user=secretariat_user
    )


@pytest.fixture
def approved_vn(submitted_vn, secretariat_user):
    return review_services.progress_update_approve(update=submitted_vn, acting_user=secretariat_user)
