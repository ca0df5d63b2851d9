"""Data migrations, run as functions against the current models (their fields are a superset)."""

import importlib

from django.apps import apps

from tests.helpers import approve, correct, write_update
from tracker.models import DueStatus, DueUpdate

resync = importlib.import_module("tracker.migrations.0006_due_updates_keep_approved_during_correction")


def test_due_updates_mirroring_a_correction_in_progress_stand_on_the_approved_update_again(
    cycle, plan, focal_vn, secretariat_user
):
    approved = approve(
        update=write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True),
        by=secretariat_user,
    )
    correction = correct(update=approved, author=focal_vn, submit=False)
    due = DueUpdate.objects.filter(cycle=cycle, activity=plan["activity"], member_state=focal_vn.member_state)
    # As the tracker recorded it before the rule: the due update mirrored the correction's draft.
    due.update(status=DueStatus.DRAFT, update=correction)

    resync.standing_again(apps, None)

    assert due.get().status == DueStatus.APPROVED
    assert due.get().update == approved


def test_other_due_updates_are_left_as_they_are(cycle, plan, focal_vn):
    draft = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle)
    due = DueUpdate.objects.filter(cycle=cycle, activity=plan["activity"], member_state=focal_vn.member_state)
    before = list(DueUpdate.objects.values_list("pk", "status", "update"))

    resync.standing_again(apps, None)

    assert list(DueUpdate.objects.values_list("pk", "status", "update")) == before
    assert due.get().update == draft
