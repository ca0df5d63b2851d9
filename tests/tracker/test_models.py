"""tracker/models.py: constraints the database enforces whatever writes to it, and the read helpers."""

import datetime
import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests import factories
from tests.helpers import write_update
from tracker.cycles import services as cycle_services
from tracker.models import (
    DueStatus,
    DueUpdate,
    ProgressUpdate,
    ReportingCycle,
    UpdateState,
    evidence_path,
)
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db


def _raw_update(plan, cycle, author, **fields):
    values = {
        "activity": plan["activity"],
        "cycle": cycle,
        "author": author,
        "proposed_status": "ongoing",
        "proposed_flag": "green",
        "proposed_percent": 10,
        **fields,
    }
    return ProgressUpdate.objects.create(**values)


@pytest.mark.parametrize(
    "fields",
    [{}, {"member_state_id": "vn", "body_id": "costi"}],
    ids=["no-party", "two-parties"],
)
def test_an_update_belongs_to_exactly_one_party(plan, cycle, focal_vn, viet_nam, costi, fields):
    ids = {"vn": viet_nam.pk, "costi": costi.pk}
    fields = {name: ids[value] for name, value in fields.items()}

    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_update(plan, cycle, focal_vn, **fields)


def test_the_database_refuses_percent_over_100(plan, cycle, focal_vn, viet_nam):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_update(plan, cycle, focal_vn, member_state=viet_nam, proposed_percent=150)


def test_the_database_allows_one_open_update_per_party_but_any_number_approved(
    plan, cycle, focal_vn, viet_nam
):
    _raw_update(plan, cycle, focal_vn, member_state=viet_nam, state=UpdateState.APPROVED)
    _raw_update(plan, cycle, focal_vn, member_state=viet_nam, state=UpdateState.APPROVED)
    _raw_update(plan, cycle, focal_vn, member_state=viet_nam, state=UpdateState.DRAFT)

    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_update(plan, cycle, focal_vn, member_state=viet_nam, state=UpdateState.RETURNED)

    assert ProgressUpdate.objects.count() == 3


def test_a_body_likewise_has_one_open_update(plan, cycle, costi_rep, costi):
    _raw_update(plan, cycle, costi_rep, body=costi, state=UpdateState.SUBMITTED)

    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_update(plan, cycle, costi_rep, body=costi, state=UpdateState.DRAFT)


def test_due_updates_are_unique_per_cycle_activity_and_party(cycle, plan, viet_nam):
    with pytest.raises(IntegrityError), transaction.atomic():
        DueUpdate.objects.create(cycle=cycle, activity=plan["activity"], member_state=viet_nam)


def test_a_cycle_cannot_end_before_it_starts_in_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingCycle.objects.create(
            slug="2030-H1",
            name="x",
            period_start=datetime.date(2030, 6, 30),
            period_end=datetime.date(2030, 1, 1),
            deadline=datetime.date(2030, 7, 31),
        )


# --- Cycles ---------------------------------------------------------------------------------


def test_who_a_cycle_accepts_reports_from(cycle, plan, viet_nam, thailand, costi, secretariat_user):
    planned = factories.ReportingCycleFactory(slug="2027-H1")
    assert cycle.accepts_reports_from(member_state_id=viet_nam.pk) is True
    assert cycle.accepts_reports_from(body_id=costi.pk) is True
    assert planned.accepts_reports_from(member_state_id=viet_nam.pk) is False

    cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user)
    cycle_services.cycle_reopen_for_party(
        cycle=cycle, reason="Late.", acting_user=secretariat_user, member_state=viet_nam
    )
    cycle.refresh_from_db()

    assert cycle.accepts_reports_from(member_state_id=viet_nam.pk) is True
    assert cycle.accepts_reports_from(member_state_id=thailand.pk) is False
    assert cycle.accepts_reports_from(body_id=costi.pk) is False
    # Someone who reports for no party is not let in by another party's reopening.
    assert cycle.accepts_reports_from() is False


def test_the_cycles_listed_as_accepting_a_partys_reports_are_those_that_accept_them_one_by_one(
    cycle, plan, viet_nam, thailand, costi, secretariat_user
):
    """`ReportingCycle.objects.accepting_reports_from` (SQL, for lists) is the same rule as
    `accepts_reports_from` (one cycle): open, planned, closed, reopened for one party, reopening ended."""

    def closed(slug, **reopened_for):
        closing = factories.ReportingCycleFactory(slug=slug)
        cycle_services.cycle_open(cycle=closing, acting_user=secretariat_user)
        cycle_services.cycle_close(cycle=closing, acting_user=secretariat_user)
        if reopened_for:
            return closing, cycle_services.cycle_reopen_for_party(
                cycle=closing, reason="Late.", acting_user=secretariat_user, **reopened_for
            )
        return closing, None

    factories.ReportingCycleFactory(slug="2027-H1")  # planned
    closed("2025-H1")
    closed("2025-H2", member_state=viet_nam)
    closed("2024-H2", body=costi)
    _ended, reopening = closed("2024-H1", member_state=thailand)
    cycle_services.cycle_reopening_end(reopening=reopening, acting_user=secretariat_user)
    cycles = list(ReportingCycle.objects.all())

    parties = {"Viet Nam": {"member_state_id": viet_nam.pk}, "Thailand": {"member_state_id": thailand.pk}}
    parties |= {"COSTI": {"body_id": costi.pk}, "nobody": {}}
    for name, party in parties.items():
        one_by_one = {c.slug for c in cycles if c.accepts_reports_from(**party)}
        listed = ReportingCycle.objects.accepting_reports_from(
            member_state=party.get("member_state_id"), body=party.get("body_id")
        )
        assert set(listed.values_list("slug", flat=True)) == one_by_one, name
    assert one_by_one == {"2026-H2"}  # nobody: the open cycle only


def test_the_current_cycle_is_the_open_one_due_first_else_the_latest_closed(secretariat_user, plan):
    assert ReportingCycle.objects.current() is None
    today = timezone.localdate()
    old = factories.ReportingCycleFactory(
        slug="2025-H1",
        period_start=today - datetime.timedelta(days=400),
        period_end=today - datetime.timedelta(days=220),
    )
    older = factories.ReportingCycleFactory(
        slug="2024-H2",
        period_start=today - datetime.timedelta(days=600),
        period_end=today - datetime.timedelta(days=420),
    )
    for closed in (old, older):
        cycle_services.cycle_open(cycle=closed, acting_user=secretariat_user)
        cycle_services.cycle_close(cycle=closed, acting_user=secretariat_user)
    assert ReportingCycle.objects.current() == old

    later = factories.ReportingCycleFactory(slug="2026-H2", deadline=today + datetime.timedelta(days=40))
    sooner = factories.ReportingCycleFactory(slug="2026-H1", deadline=today + datetime.timedelta(days=5))
    for open_cycle in (later, sooner):
        cycle_services.cycle_open(cycle=open_cycle, acting_user=secretariat_user)

    assert ReportingCycle.objects.current() == sooner


def test_days_to_deadline(db):
    cycle = factories.ReportingCycleFactory(slug="2026-H2", deadline=datetime.date(2026, 12, 31))

    assert cycle.days_to_deadline(today=datetime.date(2026, 12, 24)) == 7
    assert cycle.days_to_deadline(today=datetime.date(2027, 1, 2)) == -2


# --- Parties and due updates -----------------------------------------------------------


def test_party_label_and_key(draft_vn, cycle, plan, costi_rep, costi, viet_nam):
    body_update = write_update(author=costi_rep, activity=plan["activity"], cycle=cycle)

    assert (draft_vn.party, draft_vn.party_label, draft_vn.party_key) == (
        viet_nam,
        "Viet Nam",
        f"ms:{viet_nam.pk}",
    )
    assert (body_update.party, body_update.party_label, body_update.party_key) == (
        costi,
        "COSTI",
        f"body:{costi.pk}",
    )
    assert str(draft_vn) == f"Update #{draft_vn.pk} on R2.1 (Viet Nam, 2026-H2)"


def test_the_party_label_follows_the_language(draft_vn):
    from django.utils import translation

    with translation.override("vi"):
        assert draft_vn.party_label == "Việt Nam"


def test_reporters_see_what_needs_them_first(cycle, roadmap, plan, viet_nam, focal_vn, secretariat_user):
    rec = plan["recommendation"]
    activities = {
        code: factories.ActivityFactory(
            roadmap=roadmap, recommendation=rec, code=code, lead_member_states=[viet_nam]
        )
        for code in ("R2.2", "R2.3", "R2.4", "R2.5")
    }
    for activity in activities.values():
        cycle_services.due_update_add(
            cycle=cycle, activity=activity, acting_user=secretariat_user, member_state=viet_nam
        )
    write_update(author=focal_vn, activity=activities["R2.2"], cycle=cycle)  # draft
    write_update(author=focal_vn, activity=activities["R2.3"], cycle=cycle, submit=True)  # submitted
    returned = write_update(author=focal_vn, activity=activities["R2.4"], cycle=cycle, submit=True)
    review_services.progress_update_return(update=returned, comment="Fix.", acting_user=secretariat_user)
    approved = write_update(author=focal_vn, activity=activities["R2.5"], cycle=cycle, submit=True)
    review_services.progress_update_approve(update=approved, acting_user=secretariat_user)

    mine = DueUpdate.objects.filter(cycle=cycle).for_party(member_state=viet_nam)
    ordered = [(e.status, e.activity.code) for e in mine.by_priority().select_related("activity")]

    assert ordered == [
        ("returned", "R2.4"),
        ("missing", "R2.1"),
        ("draft", "R2.2"),
        ("submitted", "R2.3"),
        ("approved", "R2.5"),
    ]
    assert set(mine.outstanding().values_list("status", flat=True)) == {
        DueStatus.RETURNED,
        DueStatus.MISSING,
        DueStatus.DRAFT,
    }
    assert not DueUpdate.objects.for_party().exists()


def test_party_may_report_follows_the_activity_owners(cycle, plan, focal_vn, focal_th, costi_rep, accmsme):
    for user in (focal_vn, focal_th, costi_rep):
        assert update_services.new_update(
            activity=plan["activity"], cycle=cycle, author=user
        ).party_may_report(), user
    outsider = factories.BodyRepresentativeFactory(username="accmsme.rep", body=accmsme)
    assert not update_services.new_update(
        activity=plan["activity"], cycle=cycle, author=outsider
    ).party_may_report()
    assert not ProgressUpdate(activity=plan["activity"], cycle=cycle).party_may_report()


def test_new_update_starts_from_the_official_status(cycle, plan, focal_vn, costi_rep, costi):
    activity = plan["activity"]
    activity.status, activity.flag, activity.percent_complete = "delayed", "red", 35
    activity.save()

    update = update_services.new_update(activity=activity, cycle=cycle, author=focal_vn)
    body_update = update_services.new_update(activity=activity, cycle=cycle, author=costi_rep)

    assert update.pk is None
    assert (update.proposed_status, update.proposed_flag, update.proposed_percent) == ("delayed", "red", 35)
    assert (update.member_state, update.body, update.author) == (focal_vn.member_state, None, focal_vn)
    assert (body_update.member_state, body_update.body) == (None, costi)


def test_only_drafts_and_returned_updates_are_editable(draft_vn):
    for state, editable in (("draft", True), ("returned", True), ("submitted", False), ("approved", False)):
        draft_vn.state = state
        assert draft_vn.is_editable is editable, state
        assert draft_vn.is_approved is (state == "approved")


def test_evidence_is_stored_under_a_generated_name():
    first = evidence_path(None, "Báo cáo Q3 (final).PDF")
    second = evidence_path(None, "Báo cáo Q3 (final).PDF")

    assert re.fullmatch(r"evidence/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", first)
    assert first != second


def test_visible_to_needs_an_active_account(approved_vn, focal_vn):
    focal_vn.is_active = False

    assert not ProgressUpdate.objects.visible_to(focal_vn).exists()
    assert not ProgressUpdate.objects.visible_to(None).exists()
