"""tracker services: approval effects, corrections, one update in the works, and reporting cycles."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.errors import StaleVersionError, TransitionError
from roadmap.models import Activity
from tests import factories
from tests.helpers import write_update
from tracker.cycles import services as cycle_services
from tracker.models import (
    CycleReopening,
    CycleState,
    DueUpdate,
    ProgressUpdate,
    ReportingCycle,
    UpdateState,
    UpdateTransition,
)
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def _fresh(instance):
    return type(instance).objects.get(pk=instance.pk)


def _expected(cycle, activity, *, member_state=None, body=None):
    party = {"member_state": member_state} if member_state else {"body": body}
    return DueUpdate.objects.get(cycle=cycle, activity=activity, **party)


def _submitted_with_content(cycle, plan, focal_vn, **fields):
    """A submitted update from Viet Nam that marks the milestone achieved and reports a value."""
    update = update_services.new_update(activity=plan["activity"], cycle=cycle, author=focal_vn)
    update.narrative = "Pilot report published."
    update.proposed_status = "delayed"
    update.proposed_flag = "amber"
    update.proposed_percent = 65
    for name, value in fields.items():
        setattr(update, name, value)
    content = update_services.UpdateContent(
        achievements=[(plan["milestone"], YESTERDAY)],
        indicator_values=[(plan["indicator"], focal_vn.member_state, Decimal("120"), "Provisional")],
        links=[("https://example.org/pilot-report", "Pilot report")],
    )
    return update_services.progress_update_save(
        update=update, content=content, acting_user=focal_vn, submit=True
    )


# --- Approval ------------------------------------------------------------------------------------


def test_approval_sets_the_official_record_from_the_update(cycle, plan, focal_vn, secretariat_user):
    update = _submitted_with_content(cycle, plan, focal_vn)

    review_services.progress_update_approve(update=update, acting_user=secretariat_user, comment="Thanks.")

    activity = _fresh(plan["activity"])
    assert (activity.status, activity.flag, activity.percent_complete) == ("delayed", "amber", 65)
    assert _fresh(plan["milestone"]).actual_date == YESTERDAY
    approved = _fresh(update)
    reason = f"Approved {approved}"
    assert "R2.1" in reason and "Viet Nam" in reason and "2026-H2" in reason
    activity_row = activity.history.first()
    assert (activity_row.history_user, activity_row.history_change_reason) == (secretariat_user, reason)
    milestone_row = _fresh(plan["milestone"]).history.first()
    assert (milestone_row.history_user, milestone_row.history_change_reason) == (secretariat_user, reason)
    expected = _expected(cycle, plan["activity"], member_state=focal_vn.member_state)
    assert (expected.status, expected.update_id) == ("approved", update.pk)


def test_approval_leaves_the_activity_alone_when_nothing_changes(submitted_vn, plan, secretariat_user):
    activity = _fresh(plan["activity"])
    activity.percent_complete = 40  # what submitted_vn proposes, with the same status and flag
    activity.save()
    rows_before = activity.history.count()

    review_services.progress_update_approve(update=submitted_vn, acting_user=secretariat_user)

    assert _fresh(plan["activity"]).history.count() == rows_before


def test_the_expected_report_mirrors_every_step(cycle, plan, focal_vn, secretariat_user):
    def cell():
        expected = _expected(cycle, plan["activity"], member_state=focal_vn.member_state)
        return expected.status, expected.update_id

    assert cell() == ("missing", None)
    update = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle)
    assert cell() == ("draft", update.pk)
    update_services.progress_update_submit(update=update, acting_user=focal_vn)
    assert cell() == ("submitted", update.pk)
    review_services.progress_update_return(update=update, comment="Add dates.", acting_user=secretariat_user)
    assert cell() == ("returned", update.pk)
    update_services.progress_update_submit(update=update, acting_user=focal_vn)
    assert cell() == ("submitted", update.pk)
    review_services.progress_update_approve(update=update, acting_user=secretariat_user)
    assert cell() == ("approved", update.pk)
    # A correction in the works leaves the approved update standing until it is approved itself.
    correction = update_services.progress_update_correct(update=update, acting_user=focal_vn)
    assert cell() == ("approved", update.pk)
    update_services.progress_update_discard(update=correction, acting_user=focal_vn)
    assert cell() == ("approved", update.pk)
    correction = update_services.progress_update_correct(update=update, acting_user=focal_vn)
    update_services.progress_update_submit(update=correction, acting_user=focal_vn)
    assert cell() == ("approved", update.pk)
    review_services.progress_update_return(
        update=correction, comment="Which figure?", acting_user=secretariat_user
    )
    assert cell() == ("approved", update.pk)
    update_services.progress_update_submit(update=correction, acting_user=focal_vn)
    review_services.progress_update_approve(update=correction, acting_user=secretariat_user)
    assert cell() == ("approved", correction.pk)


def test_a_failure_midway_through_approval_leaves_nothing_of_it(
    cycle, plan, focal_vn, secretariat_user, monkeypatch
):
    update = _submitted_with_content(cycle, plan, focal_vn)
    activity_before = _fresh(plan["activity"])
    activity_rows = activity_before.history.count()
    transitions = UpdateTransition.objects.count()

    def broken_milestone_update(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(review_services, "milestone_update", broken_milestone_update)
    with pytest.raises(RuntimeError):
        review_services.progress_update_approve(update=update, acting_user=secretariat_user)

    fresh = _fresh(update)
    assert fresh.state == UpdateState.SUBMITTED
    assert fresh.reviewed_by is None
    activity = _fresh(plan["activity"])
    assert (activity.status, activity.flag, activity.percent_complete, activity.version) == (
        activity_before.status,
        activity_before.flag,
        activity_before.percent_complete,
        activity_before.version,
    )
    assert activity.history.count() == activity_rows
    assert _fresh(plan["milestone"]).actual_date is None
    assert UpdateTransition.objects.count() == transitions
    assert _expected(cycle, plan["activity"], member_state=focal_vn.member_state).status == "submitted"


def test_a_stale_reviewer_gets_a_conflict_and_changes_nothing(submitted_vn, secretariat_user):
    version = submitted_vn.version
    review_services.progress_update_return(
        update=submitted_vn, comment="Add dates.", acting_user=secretariat_user, expected_version=version
    )

    with pytest.raises(StaleVersionError):
        review_services.progress_update_approve(
            update=submitted_vn, acting_user=secretariat_user, expected_version=version
        )

    assert _fresh(submitted_vn).state == UpdateState.RETURNED


def test_review_and_notification_mail_follow_the_commit(
    submitted_vn, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review_services.progress_update_return(
            update=submitted_vn, comment="Add dates.", acting_user=secretariat_user
        )

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [submitted_vn.author.email]
    assert "Returned" in mailoutbox[0].subject


# --- Approved updates never change; corrections are new updates ----------------------------------


def test_a_correction_is_a_new_draft_carrying_the_approved_content(cycle, plan, focal_vn, secretariat_user):
    original = _submitted_with_content(cycle, plan, focal_vn, no_progress=False, challenges="Funding.")
    review_services.progress_update_approve(update=original, acting_user=secretariat_user)

    correction = update_services.progress_update_correct(update=original, acting_user=focal_vn)

    correction = _fresh(correction)
    assert correction.pk != original.pk
    assert correction.state == UpdateState.DRAFT
    assert correction.corrects_id == original.pk
    assert correction.author == focal_vn
    for name in ("activity_id", "cycle_id", "member_state_id", "body_id", "proposed_status", "proposed_flag"):
        assert getattr(correction, name) == getattr(original, name), name
    assert (correction.proposed_percent, correction.narrative, correction.challenges) == (
        65,
        "Pilot report published.",
        "Funding.",
    )
    assert [(a.milestone_id, a.achieved_on) for a in correction.milestone_achievements.all()] == [
        (plan["milestone"].pk, YESTERDAY)
    ]
    assert [
        (v.indicator_id, v.member_state_id, v.value, v.note) for v in correction.indicator_values.all()
    ] == [(plan["indicator"].pk, focal_vn.member_state_id, Decimal("120.00"), "Provisional")]
    assert [(link.url, link.title) for link in correction.evidence_links.all()] == [
        ("https://example.org/pilot-report", "Pilot report")
    ]
    assert correction.history.first().history_change_reason == f"Correction of {_fresh(original)}"
    # The approved update itself is untouched.
    assert _fresh(original).state == UpdateState.APPROVED
    assert original.milestone_achievements.count() == 1


def test_a_correction_goes_through_review_and_becomes_the_record(
    approved_vn, plan, focal_vn, secretariat_user
):
    correction = update_services.progress_update_correct(update=approved_vn, acting_user=focal_vn)
    correction.proposed_percent = 55
    correction.narrative = "Corrected: 55% not 40%."
    update_services.progress_update_save(
        update=correction, content=update_services.UpdateContent(), acting_user=focal_vn, submit=True
    )
    review_services.progress_update_approve(update=correction, acting_user=secretariat_user)

    assert _fresh(plan["activity"]).percent_complete == 55
    assert ProgressUpdate.objects.approved().filter(activity=plan["activity"]).count() == 2


def test_only_an_approved_update_can_be_corrected(submitted_vn, focal_vn):
    with pytest.raises(PermissionDenied):
        update_services.progress_update_correct(update=submitted_vn, acting_user=focal_vn)

    assert ProgressUpdate.objects.count() == 1


def test_only_one_update_in_the_works_per_party_activity_and_cycle(draft_vn, cycle, plan, focal_vn, focal_th):
    with pytest.raises(ValidationError):
        write_update(author=focal_vn, activity=plan["activity"], cycle=cycle)

    assert ProgressUpdate.objects.filter(member_state=focal_vn.member_state).count() == 1
    # Another party on the same activity is not held up.
    write_update(author=focal_th, activity=plan["activity"], cycle=cycle)
    assert ProgressUpdate.objects.count() == 2


def test_a_second_correction_while_one_is_open_is_refused(approved_vn, focal_vn):
    update_services.progress_update_correct(update=approved_vn, acting_user=focal_vn)

    with pytest.raises(ValidationError):
        update_services.progress_update_correct(update=approved_vn, acting_user=focal_vn)

    assert ProgressUpdate.objects.count() == 2


def test_a_fresh_update_after_approval_is_allowed(approved_vn, cycle, plan, focal_vn):
    later = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, narrative="More pilots.")

    assert later.state == UpdateState.DRAFT
    assert ProgressUpdate.objects.filter(member_state=focal_vn.member_state).count() == 2


def test_editing_keeps_the_update_where_it_belongs(draft_vn, focal_vn, thailand, secretariat_user):
    """The party, activity, cycle, author and review fields are not the editor's to change."""
    other_activity = factories.ActivityFactory(code="R2.9", lead_member_states=[thailand])
    edited = _fresh(draft_vn)
    edited.narrative = "Edited."
    edited.member_state = thailand
    edited.activity = other_activity
    edited.author = secretariat_user
    edited.review_comment = "Forged approval note."

    update_services.progress_update_save(
        update=edited, content=update_services.UpdateContent(), acting_user=focal_vn
    )

    fresh = _fresh(draft_vn)
    assert fresh.narrative == "Edited."
    assert (fresh.member_state_id, fresh.activity_id, fresh.author_id, fresh.review_comment) == (
        draft_vn.member_state_id,
        draft_vn.activity_id,
        focal_vn.pk,
        "",
    )


def test_saving_from_an_old_copy_keeps_the_reviewers_comment(submitted_vn, focal_vn, secretariat_user):
    stale_copy = _fresh(submitted_vn)
    review_services.progress_update_return(
        update=submitted_vn, comment="Add dates.", acting_user=secretariat_user
    )

    stale_copy.narrative = "Dates added."
    update_services.progress_update_save(
        update=stale_copy, content=update_services.UpdateContent(), acting_user=focal_vn
    )

    fresh = _fresh(submitted_vn)
    assert (fresh.state, fresh.narrative) == (UpdateState.RETURNED, "Dates added.")
    assert (fresh.review_comment, fresh.reviewed_by) == ("Add dates.", secretariat_user)


def test_a_stale_form_is_refused(draft_vn, focal_vn):
    first = _fresh(draft_vn)
    second = _fresh(draft_vn)
    first.narrative = "First edit."
    update_services.progress_update_save(
        update=first,
        content=update_services.UpdateContent(),
        acting_user=focal_vn,
        expected_version=first.version,
    )
    second.narrative = "Second edit."

    with pytest.raises(StaleVersionError):
        update_services.progress_update_save(
            update=second,
            content=update_services.UpdateContent(),
            acting_user=focal_vn,
            expected_version=second.version,
        )

    assert _fresh(draft_vn).narrative == "First edit."


def test_content_is_replaced_as_a_whole_on_each_save(cycle, plan, focal_vn):
    update = _submitted_with_content(cycle, plan, focal_vn)
    review_services.progress_update_return(
        update=update, comment="Wrong link.", acting_user=factories.SecretariatFactory(username="sec.b")
    )
    update = _fresh(update)

    update_services.progress_update_save(
        update=update,
        content=update_services.UpdateContent(links=[("https://example.org/right", "Right report")]),
        acting_user=focal_vn,
    )

    assert list(update.evidence_links.values_list("url", flat=True)) == ["https://example.org/right"]
    assert not update.milestone_achievements.exists()
    assert not update.indicator_values.exists()


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (
            lambda plan: update_services.UpdateContent(achievements=[(plan["other_milestone"], YESTERDAY)]),
            "achievements",
        ),
        (
            lambda plan: update_services.UpdateContent(
                achievements=[(plan["milestone"], timezone.localdate() + datetime.timedelta(days=3))]
            ),
            "achievements",
        ),
        (
            lambda plan: update_services.UpdateContent(
                indicator_values=[(plan["other_indicator"], None, Decimal(1), "")]
            ),
            "indicator_values",
        ),
    ],
    ids=["milestone-of-another-activity", "achieved-in-the-future", "indicator-of-another-activity"],
)
def test_content_that_does_not_belong_is_refused_at_its_field(cycle, plan, focal_vn, content, field):
    other = factories.ActivityFactory(code="R9.9")
    plan = {
        **plan,
        "other_milestone": factories.MilestoneFactory(activity=other),
        "other_indicator": factories.IndicatorFactory(activity=other),
    }
    update = update_services.new_update(activity=plan["activity"], cycle=cycle, author=focal_vn)
    update.narrative = "x"

    with pytest.raises(ValidationError) as refused:
        update_services.progress_update_save(update=update, content=content(plan), acting_user=focal_vn)

    assert list(refused.value.message_dict) == [field]
    assert not ProgressUpdate.objects.exists()


def test_percent_over_100_is_refused_at_the_field(cycle, plan, focal_vn):
    with pytest.raises(ValidationError) as refused:
        write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, proposed_percent=150)

    assert "proposed_percent" in refused.value.message_dict
    assert not ProgressUpdate.objects.exists()


def test_an_indicator_of_the_recommendation_may_be_reported(cycle, plan, focal_vn):
    indicator = factories.IndicatorFactory(activity=None, recommendation=plan["recommendation"])
    update = update_services.new_update(activity=plan["activity"], cycle=cycle, author=focal_vn)
    update.narrative = "x"

    update_services.progress_update_save(
        update=update,
        content=update_services.UpdateContent(indicator_values=[(indicator, None, Decimal("3.5"), "")]),
        acting_user=focal_vn,
    )

    assert update.indicator_values.get().indicator == indicator


# --- Reporting cycles -------------------------------------------------------------------------


@pytest.fixture
def planned(plan, secretariat_user):
    return factories.ReportingCycleFactory(slug="2027-H1", name="2027 first half")


def test_opening_fixes_one_report_per_responsible_party(
    planned, plan, roadmap, viet_nam, thailand, costi, accmsme, secretariat_user
):
    rec = plan["recommendation"]
    # Viet Nam leads and also takes part: one report from it, not two.
    both = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=rec,
        code="R2.2",
        lead_member_states=[viet_nam],
        participating_member_states=[viet_nam, thailand],
        lead_bodies=[accmsme],
        supporting_bodies=[costi],
    )
    done = factories.ActivityFactory(
        roadmap=roadmap, recommendation=rec, code="R2.3", status="completed", lead_member_states=[viet_nam]
    )
    dropped = factories.ActivityFactory(
        roadmap=roadmap, recommendation=rec, code="R2.4", status="discontinued", lead_bodies=[costi]
    )

    created = cycle_services.cycle_open(cycle=planned, acting_user=secretariat_user)

    due = set(
        DueUpdate.objects.filter(cycle=planned).values_list(
            "activity__code", "member_state__iso2", "body__acronym"
        )
    )
    assert due == {
        ("R2.1", "VN", None),
        ("R2.1", "TH", None),
        ("R2.2", "VN", None),
        ("R2.2", "TH", None),
        ("R2.2", None, "ACCMSME"),
    }
    assert created == 5
    assert not DueUpdate.objects.filter(activity__in=[done, dropped]).exists()
    assert set(DueUpdate.objects.filter(cycle=planned).values_list("status", flat=True)) == {"missing"}
    assert not DueUpdate.objects.filter(cycle=planned, activity=both, body=costi).exists()
    fresh = _fresh(planned)
    assert (fresh.state, fresh.opened_by) == (CycleState.OPEN, secretariat_user)
    assert fresh.opened_at is not None
    assert fresh.history.first().history_user == secretariat_user


def test_opening_twice_is_refused(cycle, secretariat_user):
    count = DueUpdate.objects.count()

    with pytest.raises(TransitionError) as refused:
        cycle_services.cycle_open(cycle=cycle, acting_user=secretariat_user)

    assert "Only a planned cycle can be opened" in str(refused.value)
    assert DueUpdate.objects.count() == count


def test_closing_locks_the_cycle(cycle, secretariat_user):
    cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user, reason="Deadline passed.")

    fresh = _fresh(cycle)
    assert (fresh.state, fresh.closed_by) == (CycleState.CLOSED, secretariat_user)
    assert fresh.history.first().history_change_reason == "Deadline passed."


@pytest.mark.parametrize("state", ["planned", "closed"])
def test_only_an_open_cycle_can_be_closed(planned, cycle, secretariat_user, state):
    target = planned if state == "planned" else cycle
    if state == "closed":
        cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user)
    version = _fresh(target).version

    with pytest.raises(TransitionError) as refused:
        cycle_services.cycle_close(cycle=target, acting_user=secretariat_user)

    assert "Only an open cycle can be closed" in str(refused.value)
    assert (_fresh(target).state, _fresh(target).version) == (state, version)


def test_a_stale_cycle_edit_is_refused(cycle, secretariat_user):
    other = _fresh(cycle)
    other.name = "Renamed"
    cycle_services.cycle_update(cycle=other, expected_version=cycle.version, acting_user=secretariat_user)
    cycle.name = "Renamed again"

    with pytest.raises(StaleVersionError):
        cycle_services.cycle_update(cycle=cycle, expected_version=cycle.version, acting_user=secretariat_user)

    assert _fresh(cycle).name == "Renamed"


def test_editing_a_cycle_never_moves_its_state(cycle, secretariat_user):
    cycle.state = CycleState.CLOSED
    cycle.name = "Second half"

    cycle_services.cycle_update(cycle=cycle, expected_version=cycle.version, acting_user=secretariat_user)

    assert (_fresh(cycle).state, _fresh(cycle).name) == (CycleState.OPEN, "Second half")


def test_a_cycle_cannot_end_before_it_starts(secretariat_user):
    cycle = ReportingCycle(
        slug="2028-H1",
        name="2028 first half",
        period_start=datetime.date(2028, 6, 30),
        period_end=datetime.date(2028, 1, 1),
        deadline=datetime.date(2028, 7, 31),
    )

    with pytest.raises(ValidationError):
        cycle_services.cycle_create(cycle=cycle, acting_user=secretariat_user)

    assert not ReportingCycle.objects.filter(slug="2028-H1").exists()


def test_a_planned_cycle_accepts_no_reports(planned, plan, focal_vn):
    with pytest.raises(PermissionDenied):
        write_update(author=focal_vn, activity=plan["activity"], cycle=planned)

    assert not ProgressUpdate.objects.exists()


@pytest.fixture
def closed(cycle, secretariat_user):
    cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user)
    return _fresh(cycle)


def test_a_closed_cycle_refuses_new_updates_edits_and_submissions(
    draft_vn, cycle, plan, focal_vn, focal_th, secretariat_user
):
    cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user)
    draft_vn = _fresh(draft_vn)
    draft_vn.narrative = "Too late."

    with pytest.raises(PermissionDenied):
        update_services.progress_update_save(
            update=draft_vn, content=update_services.UpdateContent(), acting_user=focal_vn
        )
    with pytest.raises(PermissionDenied):
        update_services.progress_update_submit(update=draft_vn, acting_user=focal_vn)
    with pytest.raises(PermissionDenied):
        write_update(author=focal_th, activity=plan["activity"], cycle=cycle)

    assert _fresh(draft_vn).narrative == "Pilots ran in two provinces."
    assert _fresh(draft_vn).state == UpdateState.DRAFT
    assert ProgressUpdate.objects.count() == 1


def test_reviews_go_on_after_closing(submitted_vn, cycle, secretariat_user):
    cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user)

    review_services.progress_update_approve(update=submitted_vn, acting_user=secretariat_user)

    assert _fresh(submitted_vn).state == UpdateState.APPROVED


def test_reopening_for_one_party_lets_only_that_party_report(
    closed, plan, focal_vn, focal_th, viet_nam, secretariat_user
):
    reopening = cycle_services.cycle_reopen_for_party(
        cycle=closed,
        reason="Ministry reshuffle delayed sign-off.",
        acting_user=secretariat_user,
        member_state=viet_nam,
    )

    assert (reopening.reason, reopening.reopened_by, reopening.is_active) == (
        "Ministry reshuffle delayed sign-off.",
        secretariat_user,
        True,
    )
    update = write_update(author=focal_vn, activity=plan["activity"], cycle=closed, submit=True)
    assert _fresh(update).state == UpdateState.SUBMITTED
    with pytest.raises(PermissionDenied):
        write_update(author=focal_th, activity=plan["activity"], cycle=closed)
    assert not ProgressUpdate.objects.filter(member_state=focal_th.member_state).exists()


def test_reopening_needs_a_reason(closed, viet_nam, secretariat_user):
    with pytest.raises(ValidationError) as refused:
        cycle_services.cycle_reopen_for_party(
            cycle=closed, reason="  ", acting_user=secretariat_user, member_state=viet_nam
        )

    assert list(refused.value.message_dict) == ["reason"]
    assert not CycleReopening.objects.exists()


def test_reopening_needs_exactly_one_party(closed, viet_nam, costi, secretariat_user):
    for party in ({}, {"member_state": viet_nam, "body": costi}):
        with pytest.raises(ValidationError):
            cycle_services.cycle_reopen_for_party(
                cycle=closed, reason="Why", acting_user=secretariat_user, **party
            )

    assert not CycleReopening.objects.exists()


def test_only_a_closed_cycle_is_reopened_and_only_once_per_party(cycle, viet_nam, secretariat_user):
    with pytest.raises(TransitionError):
        cycle_services.cycle_reopen_for_party(
            cycle=cycle, reason="Why", acting_user=secretariat_user, member_state=viet_nam
        )
    cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user)
    cycle_services.cycle_reopen_for_party(
        cycle=cycle, reason="Why", acting_user=secretariat_user, member_state=viet_nam
    )

    with pytest.raises(TransitionError):
        cycle_services.cycle_reopen_for_party(
            cycle=cycle, reason="Again", acting_user=secretariat_user, member_state=viet_nam
        )

    assert CycleReopening.objects.count() == 1


def test_ending_a_reopening_locks_the_party_out_again(closed, plan, focal_vn, viet_nam, secretariat_user):
    reopening = cycle_services.cycle_reopen_for_party(
        cycle=closed, reason="Late sign-off.", acting_user=secretariat_user, member_state=viet_nam
    )
    draft = write_update(author=focal_vn, activity=plan["activity"], cycle=closed)

    cycle_services.cycle_reopening_end(reopening=reopening, acting_user=secretariat_user)

    ended = _fresh(reopening)
    assert (ended.is_active, ended.ended_by) == (False, secretariat_user)
    with pytest.raises(PermissionDenied):
        update_services.progress_update_submit(update=draft, acting_user=focal_vn)
    assert _fresh(draft).state == UpdateState.DRAFT


def test_a_body_reopening_lets_in_that_body_only(closed, plan, costi, costi_rep, focal_vn, secretariat_user):
    cycle_services.cycle_reopen_for_party(
        cycle=closed, reason="Late.", acting_user=secretariat_user, body=costi
    )

    write_update(author=costi_rep, activity=plan["activity"], cycle=closed)
    with pytest.raises(PermissionDenied):
        write_update(author=focal_vn, activity=plan["activity"], cycle=closed)

    assert list(ProgressUpdate.objects.values_list("body", flat=True)) == [costi.pk]


def test_closing_ends_every_reopening(closed, viet_nam, thailand, secretariat_user):
    for state in (viet_nam, thailand):
        cycle_services.cycle_reopen_for_party(
            cycle=closed, reason="Late.", acting_user=secretariat_user, member_state=state
        )
    # No service moves a closed cycle back to open, so force it: the guard is that no reopening outlives
    # a close, whatever path the cycle took.
    ReportingCycle.objects.filter(pk=closed.pk).update(state=CycleState.OPEN)

    cycle_services.cycle_close(cycle=closed, acting_user=secretariat_user)

    assert not CycleReopening.objects.filter(ended_at__isnull=True).exists()
    assert set(CycleReopening.objects.values_list("ended_by", flat=True)) == {secretariat_user.pk}


def test_the_secretariat_adds_and_removes_what_is_due(
    cycle, roadmap, plan, viet_nam, costi, secretariat_user
):
    extra = factories.ActivityFactory(roadmap=roadmap, code="R2.5")

    added = cycle_services.due_update_add(
        cycle=cycle, activity=extra, acting_user=secretariat_user, body=costi
    )

    assert (added.status, added.added_by, added.body) == ("missing", secretariat_user, costi)
    with pytest.raises(ValidationError):
        cycle_services.due_update_add(cycle=cycle, activity=extra, acting_user=secretariat_user, body=costi)
    added_pk = added.pk
    cycle_services.due_update_remove(expected=added, acting_user=secretariat_user, reason="Not COSTI's.")
    assert not DueUpdate.objects.filter(activity=extra).exists()
    removed = DueUpdate.history.filter(id=added_pk).first()
    assert (removed.history_type, removed.history_user, removed.history_change_reason) == (
        "-",
        secretariat_user,
        "Not COSTI's.",
    )


def test_adding_a_due_report_picks_up_an_update_already_written(
    cycle, plan, costi, costi_rep, secretariat_user
):
    update = write_update(author=costi_rep, activity=plan["activity"], cycle=cycle, submit=True)

    added = cycle_services.due_update_add(
        cycle=cycle, activity=plan["activity"], acting_user=secretariat_user, body=costi
    )

    assert (added.status, added.update) == ("submitted", update)


def test_nothing_is_added_to_a_closed_cycle(closed, roadmap, costi, secretariat_user):
    extra = factories.ActivityFactory(roadmap=roadmap, code="R2.6")

    with pytest.raises(TransitionError):
        cycle_services.due_update_add(cycle=closed, activity=extra, acting_user=secretariat_user, body=costi)

    assert not DueUpdate.objects.filter(activity=extra).exists()


@pytest.fixture
def outsiders(focal_vn, focal_th, costi_rep, observer_user, viet_nam):
    inactive = factories.SecretariatFactory(username="sec.gone", is_active=False)
    return [focal_vn, focal_th, costi_rep, observer_user, inactive]


CYCLE_ACTIONS = {
    "create": lambda c, user, ctx: cycle_services.cycle_create(
        cycle=ReportingCycle(
            slug="2029-H1",
            name="x",
            period_start=datetime.date(2029, 1, 1),
            period_end=datetime.date(2029, 6, 30),
            deadline=datetime.date(2029, 7, 31),
        ),
        acting_user=user,
    ),
    "update": lambda c, user, ctx: cycle_services.cycle_update(
        cycle=c["open"], expected_version=None, acting_user=user
    ),
    "open": lambda c, user, ctx: cycle_services.cycle_open(cycle=c["planned"], acting_user=user),
    "close": lambda c, user, ctx: cycle_services.cycle_close(cycle=c["open"], acting_user=user),
    "reopen": lambda c, user, ctx: cycle_services.cycle_reopen_for_party(
        cycle=c["closed"], reason="Why", acting_user=user, member_state=ctx["viet_nam"]
    ),
    "end-reopening": lambda c, user, ctx: cycle_services.cycle_reopening_end(
        reopening=ctx["reopening"], acting_user=user
    ),
    "add-due": lambda c, user, ctx: cycle_services.due_update_add(
        cycle=c["open"], activity=ctx["extra"], acting_user=user, body=ctx["costi"]
    ),
    "remove-due": lambda c, user, ctx: cycle_services.due_update_remove(
        expected=ctx["expected"], acting_user=user
    ),
}


@pytest.mark.parametrize("action", list(CYCLE_ACTIONS))
def test_only_the_secretariat_manages_cycles(
    action, cycle, planned, plan, outsiders, viet_nam, costi, secretariat_user
):
    closed_cycle = factories.ReportingCycleFactory(slug="2025-H2")
    cycle_services.cycle_open(cycle=closed_cycle, acting_user=secretariat_user)
    cycle_services.cycle_close(cycle=closed_cycle, acting_user=secretariat_user)
    ctx = {
        "viet_nam": viet_nam,
        "costi": costi,
        "extra": factories.ActivityFactory(code="R2.7"),
        "expected": DueUpdate.objects.filter(cycle=cycle).first(),
        "reopening": cycle_services.cycle_reopen_for_party(
            cycle=closed_cycle, reason="Why", acting_user=secretariat_user, body=costi
        ),
    }
    cycles = {"open": cycle, "planned": planned, "closed": closed_cycle}

    def state():
        return (
            list(ReportingCycle.objects.order_by("pk").values_list("slug", "state", "version")),
            list(
                DueUpdate.objects.order_by("pk").values_list(
                    "pk", "activity_id", "body_id", "member_state_id"
                )
            ),
            list(CycleReopening.objects.order_by("pk").values_list("pk", "ended_at")),
        )

    before = state()
    for user in outsiders:
        with pytest.raises(PermissionDenied):
            CYCLE_ACTIONS[action](cycles, user, ctx)
        assert state() == before, user

    CYCLE_ACTIONS[action](cycles, secretariat_user, ctx)
    assert state() != before or action == "update"


def test_cycle_writes_need_an_active_secretariat_account(planned, secretariat_user):
    secretariat_user.is_active = False
    secretariat_user.save()

    with pytest.raises(PermissionDenied):
        cycle_services.cycle_open(cycle=planned, acting_user=secretariat_user)

    assert _fresh(planned).state == CycleState.PLANNED


def test_opening_on_an_empty_plan_is_allowed(secretariat_user, db):
    empty = factories.ReportingCycleFactory(slug="2031-H1")
    assert not Activity.objects.exists()

    assert cycle_services.cycle_open(cycle=empty, acting_user=secretariat_user) == 0
    assert _fresh(empty).state == CycleState.OPEN
