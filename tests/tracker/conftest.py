"""The record set up through the real services: an open cycle and updates in every state."""

import pytest

from tests.helpers import approve, return_update, write_update

# `cycle` (the open cycle these start from) is in tests/conftest.py: the browser tests use it too.


@pytest.fixture
def draft_vn(cycle, plan, focal_vn):
    return write_update(
        author=focal_vn,
        activity=plan["activity"],
        cycle=cycle,
        proposed_percent=30,
        proposed_status="ongoing",
    )


@pytest.fixture
def submitted_vn(cycle, plan, focal_vn):
    return write_update(
        author=focal_vn,
        activity=plan["activity"],
        cycle=cycle,
        submit=True,
        proposed_percent=40,
        proposed_status="ongoing",
    )


@pytest.fixture
def returned_vn(submitted_vn, secretariat_user):
    return return_update(update=submitted_vn, by=secretariat_user, comment="Add the provinces' names.")


@pytest.fixture
def approved_vn(submitted_vn, secretariat_user):
    return approve(update=submitted_vn, by=secretariat_user)
