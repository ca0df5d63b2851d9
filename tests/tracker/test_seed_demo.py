"""`manage.py seed_demo`, the record's part: a lived-in pair of cycles, and years of history in bulk."""

import datetime
import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from demo.plan import DEMO_ACCOUNTS
from demo.record import half_of, half_slug, previous_half
from roadmap.models import Activity
from tracker import selectors
from tracker.cycles import reminders
from tracker.cycles import services as cycle_services
from tracker.models import (
    CycleState,
    DueStatus,
    DueUpdate,
    ProgressUpdate,
    ReminderLog,
    ReportingCycle,
    UpdateState,
    UpdateTransition,
)

User = get_user_model()


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def assert_matrix_mirrors_latest_updates():
    """Every due update shows its party's latest update, as the services keep it, except that a
    correction still in the works does not displace the approved update it corrects."""
    latest = {}
    for pk, activity, cycle, ms, body, state, corrects in ProgressUpdate.objects.order_by(
        "created_at", "pk"
    ).values_list("pk", "activity_id", "cycle_id", "member_state_id", "body_id", "state", "corrects_id"):
        if corrects is not None and state != DueStatus.APPROVED:
            continue
        latest[(activity, cycle, ms, body)] = (pk, state)
    for *key, status, update_id in DueUpdate.objects.values_list(
        "activity_id", "cycle_id", "member_state_id", "body_id", "status", "update_id"
    ):
        pk, state = latest.get(tuple(key), (None, DueStatus.MISSING))
        assert (update_id, status) == (pk, state), key


def assert_trails_end_in_the_update_state():
    last = {}
    first = {}
    for update_id, to_state in UpdateTransition.objects.order_by("at", "pk").values_list(
        "update_id", "to_state"
    ):
        first.setdefault(update_id, to_state)
        last[update_id] = to_state
    for pk, state in ProgressUpdate.objects.values_list("pk", "state"):
        assert first[pk] == UpdateState.DRAFT
        assert last[pk] == state


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_is_lived_in_and_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    today = timezone.localdate()
    output = seed()

    current, previous = half_slug(*half_of(today)), half_slug(*previous_half(*half_of(today)))
    closed = ReportingCycle.objects.get(slug=previous)
    opened = ReportingCycle.objects.get(slug=current)
    assert closed.state == CycleState.CLOSED and opened.state == CycleState.OPEN
    assert opened.deadline == today + datetime.timedelta(days=7)
    assert f"Cycle {previous} (closed" in output and f"Cycle {current} (open" in output
    # Every cycle is named in Vietnamese too: "Nửa cuối năm 2026 (tháng 7–12)".
    assert closed.name_vi.startswith(("Nửa đầu năm", "Nửa cuối năm")) and closed.name_vi.endswith(
        ("tháng 1–6)", "tháng 7–12)")
    )

    # The closed cycle: approved updates for all but a couple of reports, dated before it closed.
    statuses = Counter(DueUpdate.objects.filter(cycle=closed).values_list("status", flat=True))
    assert statuses[DueStatus.MISSING] == 2
    assert set(statuses) == {DueStatus.APPROVED, DueStatus.MISSING}
    assert statuses[DueStatus.APPROVED] > 50
    closed_updates = ProgressUpdate.objects.filter(cycle=closed)
    assert not closed_updates.exclude(state=UpdateState.APPROVED).exists()
    assert not closed_updates.filter(reviewed_at__gt=closed.closed_at).exists()
    assert UpdateTransition.objects.filter(update__cycle=closed, to_state=UpdateState.RETURNED).exists()

    # The open cycle: a report in every state.
    statuses = Counter(DueUpdate.objects.filter(cycle=opened).values_list("status", flat=True))
    assert set(statuses) == set(DueStatus.values)
    assert ProgressUpdate.objects.filter(cycle=opened).exclude(review_comment="").exists()

    # Viet Nam's and COSTI's screens have missing, draft and returned items.
    users = {u.username: u for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])}
    assert all(user.email for user in users.values())
    for username in ("focal.vn", "costi.rep"):
        due = Counter(report.status for report in selectors.my_due_reports(users[username]))
        assert {DueStatus.MISSING, DueStatus.DRAFT, DueStatus.RETURNED} <= set(due), username
    returned = DueUpdate.objects.get(cycle=opened, member_state__iso2="VN", status=DueStatus.RETURNED).update
    assert returned.review_comment and returned.author == users["focal.vn"]

    assert_matrix_mirrors_latest_updates()
    assert_trails_end_in_the_update_state()
    # Approvals went through the services: the record moved the plan.
    assert Activity.history.filter(history_change_reason__startswith="Approved").exists()

    # send_reminders has something to send today, and the secretariat a digest of submissions.
    assert users["secretariat"].receives_submission_digest
    digests = {d.recipient.username: d for d in reminders.collect_digests(today=today)}
    assert digests["focal.vn"].kinds == {ReminderLog.Kind.WEEK_BEFORE}
    assert digests["costi.rep"].count == 3
    submissions = reminders.collect_submission_digests(today=today)
    assert [d.recipient.username for d in submissions] == ["secretariat"]
    assert submissions[0].count == DueUpdate.objects.filter(cycle=opened, status=DueStatus.SUBMITTED).count()

    counts = (
        User.objects.count(),
        ReportingCycle.objects.count(),
        DueUpdate.objects.count(),
        ProgressUpdate.objects.count(),
        UpdateTransition.objects.count(),
    )
    again = seed()
    assert (
        User.objects.count(),
        ReportingCycle.objects.count(),
        DueUpdate.objects.count(),
        ProgressUpdate.objects.count(),
        UpdateTransition.objects.count(),
    ) == counts
    assert f"Cycle {previous}: already present, left as it is" in again
    assert f"Cycle {current}: already present, left as it is" in again


@pytest.mark.slow
@pytest.mark.django_db
def test_scale_builds_ten_years_of_cycles_with_updates_in_every_state(settings):
    settings.DEBUG = True
    output = seed("--scale", "2")

    cycles = list(ReportingCycle.objects.order_by("period_start"))
    assert len(cycles) == 20
    assert [c.state for c in cycles] == [CycleState.CLOSED] * 19 + [CycleState.OPEN]
    assert all(c.name_vi.startswith(("Nửa đầu năm", "Nửa cuối năm")) for c in cycles)
    assert cycles[-1].slug == half_slug(*half_of(timezone.localdate()))
    for earlier, later in zip(cycles, cycles[1:], strict=False):
        assert later.period_start == earlier.period_end + datetime.timedelta(days=1)

    assert set(ProgressUpdate.objects.values_list("state", flat=True)) == set(UpdateState.values)
    for cycle in cycles[:-1]:
        statuses = Counter(DueUpdate.objects.filter(cycle=cycle).values_list("status", flat=True))
        assert statuses[DueStatus.APPROVED] > sum(statuses.values()) * 0.8, cycle.slug
    synthetic = Activity.objects.filter(sequence__gte=101)
    assert synthetic.count() == 10
    assert DueUpdate.objects.filter(cycle=cycles[-1], activity__in=synthetic).exists()
    assert DueUpdate.objects.filter(cycle=cycles[0], activity__in=synthetic).exists()
    # The open cycle owes what opening a cycle makes due today: the service's rule, not a copy.
    owed = set(
        DueUpdate.objects.filter(cycle=cycles[-1], activity__in=synthetic).values_list(
            "activity_id", "member_state_id", "body_id"
        )
    )
    assert owed == {
        (activity.pk, party.member_state_id, party.body_id)
        for activity, parties in cycle_services.due_on_opening(synthetic)
        for party in parties
    }
    # Parties file interim updates: approved ones pile up within a cycle.
    assert ProgressUpdate.objects.count() > DueUpdate.objects.exclude(status=DueStatus.MISSING).count()
    assert_matrix_mirrors_latest_updates()
    assert_trails_end_in_the_update_state()
    assert ProgressUpdate.history.count() >= ProgressUpdate.objects.count()
    by_hand = ProgressUpdate.objects.filter(cycle__in=cycles[-2:], activity__sequence__lt=101).count()
    assert f"Progress updates: {ProgressUpdate.objects.count() - by_hand} created" in output

    counts = (ReportingCycle.objects.count(), DueUpdate.objects.count(), ProgressUpdate.objects.count())
    again = seed("--scale", "2")
    assert (
        ReportingCycle.objects.count(),
        DueUpdate.objects.count(),
        ProgressUpdate.objects.count(),
    ) == counts
    assert "Cycles" in again and "0 created, 20 already present" in again
