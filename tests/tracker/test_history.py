"""History of updates: who changed which field from what to what, and every move with who and why."""

import datetime

import pytest
from django.utils import timezone

from roadmap.history import activity_history
from tests import factories
from tracker import selectors
from tracker.models import ProgressUpdate
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db


def _changes(record):
    """{field: (old, new)} between a historical record and the one before it, bookkeeping left out."""
    previous = record.prev_record
    delta = record.diff_against(previous, excluded_fields=["version", "updated_at"])
    return {change.field: (change.old, change.new) for change in delta.changes}


@pytest.fixture
def second_focal_vn(viet_nam):
    return factories.FocalPointFactory(username="focal.vn.2", member_state=viet_nam)


def test_editing_a_draft_records_who_changed_which_field_from_what_to_what(draft_vn, second_focal_vn):
    edited = ProgressUpdate.objects.get(pk=draft_vn.pk)
    edited.narrative = "Pilots ran in Ha Noi and Da Nang."
    edited.proposed_percent = 55
    edited.proposed_flag = "amber"

    update_services.progress_update_save(
        update=edited,
        content=update_services.UpdateContent(),
        acting_user=second_focal_vn,
        expected_version=edited.version,
        reason="Figures from the ministry.",
    )

    latest = ProgressUpdate.objects.get(pk=draft_vn.pk).history.first()
    assert latest.history_type == "~"
    assert latest.history_user == second_focal_vn
    assert latest.history_change_reason == "Figures from the ministry."
    assert _changes(latest) == {
        "narrative": ("Pilots ran in two provinces.", "Pilots ran in Ha Noi and Da Nang."),
        "proposed_percent": (30, 55),
        "proposed_flag": ("green", "amber"),
    }


def test_an_edit_without_a_reason_is_recorded_as_edited(draft_vn, focal_vn):
    draft_vn.challenges = "Budget approval late."

    update_services.progress_update_save(
        update=draft_vn, content=update_services.UpdateContent(), acting_user=focal_vn
    )

    latest = draft_vn.history.first()
    assert (latest.history_user, latest.history_change_reason) == (focal_vn, "Edited")
    assert _changes(latest) == {"challenges": ("", "Budget approval late.")}


def test_the_update_keeps_every_version_in_order(draft_vn, focal_vn, secretariat_user):
    draft_vn.narrative = "Second version."
    update_services.progress_update_save(
        update=draft_vn, content=update_services.UpdateContent(), acting_user=focal_vn
    )
    update_services.progress_update_submit(update=draft_vn, acting_user=focal_vn)
    review_services.progress_update_return(
        update=draft_vn, comment="Name the provinces.", acting_user=secretariat_user
    )

    rows = list(ProgressUpdate.history.filter(id=draft_vn.pk).order_by("history_date", "history_id"))
    assert [(r.history_user, r.state, r.history_change_reason) for r in rows] == [
        (focal_vn, "draft", "Draft started"),
        (focal_vn, "draft", "Edited"),
        (focal_vn, "submitted", "Submitted"),
        (secretariat_user, "returned", "Name the provinces."),
    ]
    assert [r.narrative for r in rows] == [
        "Pilots ran in two provinces.",
        "Second version.",
        "Second version.",
        "Second version.",
    ]
    assert _changes(rows[-1])["review_comment"] == ("", "Name the provinces.")


def test_the_trail_lists_every_move_in_order_with_its_actor_and_comment(
    submitted_vn, focal_vn, second_focal_vn, secretariat_user
):
    review_services.progress_update_return(
        update=submitted_vn, comment="Name the provinces.", acting_user=secretariat_user
    )
    update_services.progress_update_submit(update=submitted_vn, acting_user=second_focal_vn, comment="Named.")
    review_services.progress_update_approve(
        update=submitted_vn, acting_user=secretariat_user, comment="Thank you."
    )

    trail = list(selectors.update_trail(submitted_vn, user=secretariat_user))

    assert [(t.from_state, t.to_state, t.actor, t.comment) for t in trail] == [
        ("", "draft", focal_vn, ""),
        ("draft", "submitted", focal_vn, ""),
        ("submitted", "returned", secretariat_user, "Name the provinces."),
        ("returned", "submitted", second_focal_vn, "Named."),
        ("submitted", "approved", secretariat_user, "Thank you."),
    ]
    assert [t.at for t in trail] == sorted(t.at for t in trail)
    assert str(trail[2]) == "submitted → returned"


def test_the_trail_reads_in_one_query_with_its_actors(
    submitted_vn, secretariat_user, django_assert_num_queries
):
    review_services.progress_update_return(
        update=submitted_vn, comment="Again.", acting_user=secretariat_user
    )

    with django_assert_num_queries(1):
        actors = [t.actor.username for t in selectors.update_trail(submitted_vn, user=secretariat_user)]

    assert actors[-1] == secretariat_user.username


def test_the_activity_history_shows_what_an_approval_changed_and_why(cycle, plan, focal_vn, secretariat_user):
    achieved = timezone.localdate() - datetime.timedelta(days=10)
    update = update_services.new_update(activity=plan["activity"], cycle=cycle, author=focal_vn)
    update.narrative = "Pilot report out."
    update.proposed_percent = 70
    update_services.progress_update_save(
        update=update,
        content=update_services.UpdateContent(achievements=[(plan["milestone"], achieved)]),
        acting_user=focal_vn,
        submit=True,
    )
    review_services.progress_update_approve(update=update, acting_user=secretariat_user)

    entries = activity_history(plan["activity"])
    reason = f"Approved {ProgressUpdate.objects.get(pk=update.pk)}"
    by_subject = {e.subject: e for e in entries if e.reason == reason}
    assert {c.label: (c.old, c.new) for c in by_subject["Activity"].changes} == {
        "percent complete": ("40", "70")
    }
    milestone = by_subject["Milestone: Pilot report"]
    assert {c.label: (c.old, c.new) for c in milestone.changes} == {
        "actual date": ("—", achieved.isoformat())
    }
    assert milestone.user == secretariat_user
