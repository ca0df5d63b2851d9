"""The update's state machine: every allowed move recorded with who and why, every other one refused."""

import pytest
from django.core.exceptions import ValidationError

from core.errors import TransitionError
from tests.helpers import write_update
from tracker.models import DueUpdate, ProgressUpdate, UpdateState, UpdateTransition
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db


def _fresh(update):
    return ProgressUpdate.objects.get(pk=update.pk)


def _expected(update):
    return DueUpdate.objects.get(
        cycle=update.cycle, activity=update.activity, member_state=update.member_state
    )


def _snapshot(update):
    """Everything a refused move must leave as it was."""
    fresh = _fresh(update)
    expected = _expected(update)
    return {
        "state": fresh.state,
        "version": fresh.version,
        "narrative": fresh.narrative,
        "reviewed_by": fresh.reviewed_by_id,
        "review_comment": fresh.review_comment,
        "transitions": list(fresh.transitions.values_list("from_state", "to_state", "actor_id", "comment")),
        "history": fresh.history.count(),
        "expected": (expected.status, expected.update_id),
    }


# --- Allowed moves ---------------------------------------------------------------------------


def _submit(update, users, comment):
    return update_services.progress_update_submit(
        update=update, acting_user=users["focal_vn"], comment=comment
    )


def _approve(update, users, comment):
    return review_services.progress_update_approve(
        update=update, acting_user=users["secretariat_user"], comment=comment
    )


def _return(update, users, comment):
    return review_services.progress_update_return(
        update=update, acting_user=users["secretariat_user"], comment=comment
    )


ALLOWED = [
    # (fixture holding the update, move, who moves it, from, to, comment)
    ("draft_vn", _submit, "focal_vn", "draft", "submitted", "Ready for review."),
    ("submitted_vn", _approve, "secretariat_user", "submitted", "approved", "Well evidenced."),
    ("submitted_vn", _return, "secretariat_user", "submitted", "returned", "Name the provinces."),
    ("returned_vn", _submit, "focal_vn", "returned", "submitted", "Provinces named."),
]


@pytest.fixture
def users(secretariat_user, focal_vn):
    return {"secretariat_user": secretariat_user, "focal_vn": focal_vn}


@pytest.mark.parametrize(
    ("fixture", "move", "actor", "from_state", "to_state", "comment"),
    ALLOWED,
    ids=[f"{a[3]}->{a[4]}" for a in ALLOWED],
)
def test_each_allowed_move_is_made_and_recorded_with_who_and_why(
    request, users, fixture, move, actor, from_state, to_state, comment
):
    update = request.getfixturevalue(fixture)
    before = _fresh(update)
    transitions_before = before.transitions.count()

    moved = move(update, users, comment)

    fresh = _fresh(update)
    assert moved.state == fresh.state == to_state
    assert fresh.version > before.version
    last = fresh.transitions.last()
    assert fresh.transitions.count() == transitions_before + 1
    assert (last.from_state, last.to_state, last.actor, last.comment) == (
        from_state,
        to_state,
        users[actor],
        comment,
    )
    history = fresh.history.first()
    assert history.state == to_state
    assert history.history_user == users[actor]
    assert history.history_change_reason == comment
    expected = _expected(update)
    assert (expected.status, expected.update_id) == (to_state, update.pk)


def test_a_move_without_a_comment_is_recorded_under_the_new_state(draft_vn, focal_vn):
    update_services.progress_update_submit(update=draft_vn, acting_user=focal_vn)

    history = _fresh(draft_vn).history.first()
    assert history.history_user == focal_vn
    assert history.history_change_reason == "Submitted"
    assert _fresh(draft_vn).transitions.last().comment == ""


def test_starting_a_draft_is_the_first_transition(draft_vn, focal_vn):
    assert list(draft_vn.transitions.values_list("from_state", "to_state", "actor")) == [
        ("", "draft", focal_vn.pk)
    ]
    history = _fresh(draft_vn).history.last()
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        focal_vn,
        "Draft started",
    )


def test_submission_stamps_the_time_and_review_stamps_the_reviewer(submitted_vn, secretariat_user):
    assert submitted_vn.submitted_at is not None
    assert submitted_vn.reviewed_by is None

    returned = review_services.progress_update_return(
        update=submitted_vn, comment="Add the dates.", acting_user=secretariat_user
    )

    fresh = _fresh(returned)
    assert fresh.reviewed_by == secretariat_user
    assert fresh.reviewed_at is not None
    assert fresh.review_comment == "Add the dates."


def test_the_full_round_trip_is_listed_in_order(submitted_vn, focal_vn, secretariat_user):
    review_services.progress_update_return(
        update=submitted_vn, comment="Add the dates.", acting_user=secretariat_user
    )
    update_services.progress_update_submit(update=submitted_vn, acting_user=focal_vn, comment="Dates added.")
    review_services.progress_update_approve(update=submitted_vn, acting_user=secretariat_user)

    trail = UpdateTransition.objects.filter(update=submitted_vn).order_by("at", "pk")
    assert [(t.from_state, t.to_state, t.actor) for t in trail] == [
        ("", "draft", focal_vn),
        ("draft", "submitted", focal_vn),
        ("submitted", "returned", secretariat_user),
        ("returned", "submitted", focal_vn),
        ("submitted", "approved", secretariat_user),
    ]


def test_no_progress_with_an_empty_narrative_is_a_valid_submission(cycle, plan, focal_vn):
    update = write_update(
        author=focal_vn, activity=plan["activity"], cycle=cycle, narrative="", no_progress=True, submit=True
    )

    fresh = _fresh(update)
    assert fresh.state == UpdateState.SUBMITTED
    assert fresh.no_progress is True
    assert fresh.narrative == ""


def test_a_draft_may_be_saved_without_a_narrative(cycle, plan, focal_vn):
    update = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, narrative="")

    assert _fresh(update).state == UpdateState.DRAFT


def test_a_returned_update_can_be_edited_and_resubmitted_in_one_save(returned_vn, focal_vn):
    returned_vn.narrative = "Pilots ran in Hanoi and Da Nang."

    update_services.progress_update_save(
        update=returned_vn,
        content=update_services.UpdateContent(),
        acting_user=focal_vn,
        expected_version=returned_vn.version,
        submit=True,
    )

    fresh = _fresh(returned_vn)
    assert fresh.state == UpdateState.SUBMITTED
    assert fresh.narrative == "Pilots ran in Hanoi and Da Nang."
    # The reviewer's comment stays on the record of the return.
    assert fresh.review_comment == "Add the provinces' names."
    assert fresh.transitions.last().from_state == "returned"


def test_a_draft_is_discarded_and_its_expected_report_is_missing_again(draft_vn, focal_vn):
    update_services.progress_update_discard(update=draft_vn, acting_user=focal_vn)

    assert not ProgressUpdate.objects.filter(pk=draft_vn.pk).exists()
    expected = DueUpdate.objects.get(
        cycle=draft_vn.cycle, activity=draft_vn.activity, member_state=draft_vn.member_state
    )
    assert (expected.status, expected.update_id) == ("missing", None)
    deleted = ProgressUpdate.history.filter(id=draft_vn.pk).first()
    assert (deleted.history_type, deleted.history_user, deleted.history_change_reason) == (
        "-",
        focal_vn,
        "Draft discarded",
    )


# --- Forbidden moves -------------------------------------------------------------------------


def _edit(update, users):
    update = _fresh(update)
    update.narrative = "Rewritten after the fact."
    return update_services.progress_update_save(
        update=update, content=update_services.UpdateContent(), acting_user=users["focal_vn"]
    )


FORBIDDEN = [
    # (fixture, what is tried, refused with, a phrase the message must carry)
    (
        "draft_vn",
        lambda u, users: _approve(u, users, ""),
        TransitionError,
        "This update has not been submitted.",
    ),
    (
        "draft_vn",
        lambda u, users: _return(u, users, "Too short."),
        TransitionError,
        "This update has not been submitted.",
    ),
    ("returned_vn", lambda u, users: _approve(u, users, ""), TransitionError, "already returned by"),
    ("returned_vn", lambda u, users: _return(u, users, "Again."), TransitionError, "already returned by"),
    ("approved_vn", lambda u, users: _approve(u, users, ""), TransitionError, "already approved by"),
    ("approved_vn", lambda u, users: _return(u, users, "Late."), TransitionError, "already approved by"),
    ("approved_vn", lambda u, users: _submit(u, users, ""), TransitionError, "already approved by"),
    ("submitted_vn", lambda u, users: _submit(u, users, ""), TransitionError, "already submitted"),
    ("approved_vn", _edit, TransitionError, "This update is Approved and can no longer be edited."),
    ("submitted_vn", _edit, TransitionError, "This update is Submitted and can no longer be edited."),
    (
        "submitted_vn",
        lambda u, users: update_services.progress_update_discard(update=u, acting_user=users["focal_vn"]),
        TransitionError,
        "Only a draft can be discarded.",
    ),
    (
        "returned_vn",
        lambda u, users: update_services.progress_update_discard(update=u, acting_user=users["focal_vn"]),
        TransitionError,
        "Only a draft can be discarded.",
    ),
    (
        "approved_vn",
        lambda u, users: update_services.progress_update_discard(update=u, acting_user=users["focal_vn"]),
        TransitionError,
        "Only a draft can be discarded.",
    ),
]
FORBIDDEN_IDS = [
    "approve-draft",
    "return-draft",
    "approve-returned",
    "return-returned",
    "approve-approved",
    "return-approved",
    "submit-approved",
    "submit-submitted",
    "edit-approved",
    "edit-submitted",
    "discard-submitted",
    "discard-returned",
    "discard-approved",
]


@pytest.mark.parametrize(("fixture", "attempt", "error", "message"), FORBIDDEN, ids=FORBIDDEN_IDS)
def test_each_forbidden_move_is_refused_clearly_and_changes_nothing(
    request, users, fixture, attempt, error, message
):
    update = request.getfixturevalue(fixture)
    before = _snapshot(update)

    with pytest.raises(error) as refused:
        attempt(update, users)

    assert message in str(refused.value)
    assert _snapshot(update) == before


def test_the_already_reviewed_message_names_the_reviewer(approved_vn, secretariat_user):
    with pytest.raises(TransitionError) as refused:
        review_services.progress_update_approve(update=approved_vn, acting_user=secretariat_user)

    assert str(secretariat_user) in str(refused.value)


def test_returning_without_a_comment_is_refused_at_the_comment(submitted_vn, secretariat_user):
    before = _snapshot(submitted_vn)

    for comment in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            review_services.progress_update_return(
                update=submitted_vn, comment=comment, acting_user=secretariat_user
            )
        assert list(refused.value.message_dict) == ["comment"]

    assert _snapshot(submitted_vn) == before


def test_submitting_without_narrative_or_no_progress_is_refused_at_the_narrative(cycle, plan, focal_vn):
    draft = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, narrative="  ")
    before = _snapshot(draft)

    with pytest.raises(ValidationError) as refused:
        update_services.progress_update_submit(update=draft, acting_user=focal_vn)

    assert list(refused.value.message_dict) == ["narrative"]
    assert "No progress this period" in refused.value.message_dict["narrative"][0]
    assert _snapshot(draft) == before


def test_saving_and_submitting_without_narrative_keeps_the_draft_as_it_was(draft_vn, focal_vn):
    before = _snapshot(draft_vn)
    edited = _fresh(draft_vn)
    edited.narrative = ""

    with pytest.raises(ValidationError) as refused:
        update_services.progress_update_save(
            update=edited, content=update_services.UpdateContent(), acting_user=focal_vn, submit=True
        )

    assert "narrative" in refused.value.message_dict
    assert _snapshot(draft_vn) == before


def test_starting_and_submitting_without_narrative_creates_nothing(cycle, plan, focal_vn):
    with pytest.raises(ValidationError):
        write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, narrative="", submit=True)

    assert not ProgressUpdate.objects.exists()
    assert not UpdateTransition.objects.exists()
