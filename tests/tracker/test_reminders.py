"""Reminders: one digest per reporter, in the right windows, never the same one twice in a day."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from tests import factories, helpers
from tests.helpers import write_update
from tracker.cycles import reminders
from tracker.cycles import services as cycle_services
from tracker.models import DueStatus, ReminderLog
from tracker.review import services as review_services

Kind = ReminderLog.Kind


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://tracker.example.org/"
    return settings


@pytest.fixture
def vn_plan(plan, roadmap, viet_nam, thailand, costi):
    """Four more activities led by Viet Nam, so its focal point owes several reports."""
    activities = [plan["activity"]]
    for n in range(2, 6):
        activities.append(
            factories.ActivityFactory(
                roadmap=roadmap,
                recommendation=plan["recommendation"],
                code=f"R2.{n}",
                title=f"Activity two point {n}",
                lead_member_states=[viet_nam],
            )
        )
    return activities


@pytest.fixture
def open_cycle(vn_plan, secretariat_user):
    """An open cycle due on 1 December; Viet Nam owes five reports and Thailand one."""
    return helpers.open_cycle(
        by=secretariat_user,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 12, 31),
        deadline=datetime.date(2026, 12, 1),
    )


def day(days_before_deadline, cycle):
    return cycle.deadline - datetime.timedelta(days=days_before_deadline)


def outbox_to(user):
    return [m for m in mail.outbox if user.email in m.to]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days_left", "kind"),
    [
        (8, None),
        (7, Kind.WEEK_BEFORE),
        (5, Kind.WEEK_BEFORE),
        (2, Kind.WEEK_BEFORE),
        (1, Kind.DAY_BEFORE),
        (0, Kind.DAY_BEFORE),
        (-1, Kind.OVERDUE),
        (-30, Kind.OVERDUE),
    ],
)
def test_the_window_decides_the_reminder(open_cycle, focal_vn, days_left, kind):
    digests = reminders.collect_digests(today=day(days_left, open_cycle))
    if kind is None:
        assert digests == []
    else:
        mine = [d for d in digests if d.recipient == focal_vn]
        assert len(mine) == 1
        assert mine[0].kinds == {kind}
        assert not mine[0].already_sent_today


@pytest.mark.django_db
def test_one_digest_lists_missing_draft_and_returned_items_only(
    site, open_cycle, vn_plan, focal_vn, focal_th, secretariat_user
):
    r21, r22, r23, r24, r25 = vn_plan
    write_update(author=focal_vn, activity=r21, cycle=open_cycle)  # draft
    returned = write_update(author=focal_vn, activity=r22, cycle=open_cycle, submit=True)
    review_services.progress_update_return(
        update=returned, comment="Name the provinces, please.", acting_user=secretariat_user
    )
    write_update(author=focal_vn, activity=r23, cycle=open_cycle, submit=True)  # submitted: not chased
    approved = write_update(author=focal_vn, activity=r24, cycle=open_cycle, submit=True)
    review_services.progress_update_approve(update=approved, acting_user=secretariat_user)
    # R2.5 is missing.

    sent = reminders.send_digests(today=day(7, open_cycle))

    mine = [d for d in sent if d.recipient == focal_vn]
    assert len(mine) == 1
    digest = mine[0]
    assert {item.activity.code: item.status for item in digest.items} == {
        "R2.1": DueStatus.DRAFT,
        "R2.2": DueStatus.RETURNED,
        "R2.5": DueStatus.MISSING,
    }
    messages = outbox_to(focal_vn)
    assert len(messages) == 1
    body = messages[0].body
    assert messages[0].subject == "Reminder: 3 reports due for 2026-H2"
    assert "deadline 1 December 2026" in body and "The deadline is in 7 days." in body
    assert "R2.1 Readiness assessment pilots" in body
    assert "draft, not yet submitted" in body
    assert "returned for changes" in body and "Name the provinces, please." in body
    assert "missing" in body
    for code in ("R2.3", "R2.4"):
        assert code not in body
    # Absolute links: to the draft or returned update, and to a new report for the missing one.
    assert f"https://tracker.example.org/updates/{returned.pk}/edit/" in body
    assert "https://tracker.example.org/cycles/2026-H2/activities/R2.5/report/" in body
    # Thailand's focal point is reminded of Thailand's report only.
    th = outbox_to(focal_th)
    assert len(th) == 1 and "R2.1" in th[0].body and "R2.5" not in th[0].body
    log = ReminderLog.objects.get(recipient=focal_vn)
    assert (log.cycle, log.kind, log.sent_on, log.item_count) == (
        open_cycle,
        Kind.WEEK_BEFORE,
        day(7, open_cycle),
        3,
    )


@pytest.mark.django_db
def test_a_second_run_the_same_day_sends_nothing(open_cycle, focal_vn, focal_th):
    today = day(3, open_cycle)
    first = reminders.send_digests(today=today)
    assert {d.recipient for d in first} == {focal_vn, focal_th}
    sent_mail, logs = len(mail.outbox), ReminderLog.objects.count()

    assert reminders.send_digests(today=today) == []
    assert len(mail.outbox) == sent_mail
    assert ReminderLog.objects.count() == logs
    # A preview still lists them, marked as already sent today.
    preview = reminders.collect_digests(today=today)
    assert preview and all(d.already_sent_today for d in preview)


@pytest.mark.django_db
def test_the_week_reminder_is_not_repeated_on_the_following_days(open_cycle, focal_vn):
    reminders.send_digests(today=day(7, open_cycle))
    assert len(outbox_to(focal_vn)) == 1

    for days_left in (6, 5, 2):
        assert reminders.send_digests(today=day(days_left, open_cycle)) == []
        assert reminders.collect_digests(today=day(days_left, open_cycle)) == []
    assert len(outbox_to(focal_vn)) == 1

    # The day reminder is a different one: it goes, once.
    reminders.send_digests(today=day(1, open_cycle))
    assert reminders.send_digests(today=day(0, open_cycle)) == []
    assert len(outbox_to(focal_vn)) == 2
    assert set(ReminderLog.objects.filter(recipient=focal_vn).values_list("kind", flat=True)) == {
        Kind.WEEK_BEFORE,
        Kind.DAY_BEFORE,
    }


@pytest.mark.django_db
def test_a_day_cron_skipped_is_caught_up(open_cycle, focal_vn):
    # Nothing ran on days 7 and 6: the week reminder goes on day 5.
    sent = reminders.send_digests(today=day(5, open_cycle))
    assert [d.kinds for d in sent if d.recipient == focal_vn] == [{Kind.WEEK_BEFORE}]


@pytest.mark.django_db
def test_overdue_reminders_go_every_day_once(open_cycle, focal_vn):
    first_day = day(-1, open_cycle)
    reminders.send_digests(today=first_day)
    reminders.send_digests(today=first_day)
    assert len(outbox_to(focal_vn)) == 1
    assert outbox_to(focal_vn)[0].subject == "Overdue: 5 reports for 2026-H2"
    assert "The deadline passed 1 day ago." in outbox_to(focal_vn)[0].body

    reminders.send_digests(today=first_day + datetime.timedelta(days=1))
    assert len(outbox_to(focal_vn)) == 2
    assert "The deadline passed 2 days ago." in outbox_to(focal_vn)[1].body
    assert ReminderLog.objects.filter(recipient=focal_vn, kind=Kind.OVERDUE).count() == 2


@pytest.mark.django_db
def test_nothing_for_a_party_that_has_handed_everything_in(open_cycle, vn_plan, focal_vn, secretariat_user):
    for index, activity in enumerate(vn_plan):
        update = write_update(author=focal_vn, activity=activity, cycle=open_cycle, submit=True)
        if index % 2:
            review_services.progress_update_approve(update=update, acting_user=secretariat_user)

    digests = reminders.send_digests(today=day(-2, open_cycle))

    assert focal_vn not in {d.recipient for d in digests}
    assert outbox_to(focal_vn) == []


@pytest.mark.django_db
def test_inactive_reporters_and_reporters_without_an_email_are_skipped(open_cycle, viet_nam, focal_vn):
    gone = factories.FocalPointFactory(username="gone.vn", member_state=viet_nam, is_active=False)
    silent = factories.FocalPointFactory(username="silent.vn", member_state=viet_nam, email="")
    colleague = factories.FocalPointFactory(username="second.vn", member_state=viet_nam)

    sent = reminders.send_digests(today=day(1, open_cycle))

    recipients = {d.recipient for d in sent}
    assert {focal_vn, colleague} <= recipients
    assert gone not in recipients and silent not in recipients
    assert len(outbox_to(focal_vn)) == len(outbox_to(colleague)) == 1
    assert not ReminderLog.objects.filter(recipient__in=[gone, silent]).exists()


@pytest.mark.django_db
def test_body_representatives_are_reminded_of_their_body_s_reports(
    open_cycle, vn_plan, costi, costi_rep, secretariat_user
):
    cycle_services.due_update_add(
        cycle=open_cycle, activity=vn_plan[0], body=costi, acting_user=secretariat_user
    )

    sent = reminders.send_digests(today=day(4, open_cycle))

    digest = next(d for d in sent if d.recipient == costi_rep)
    assert [(item.activity.code, item.body) for item in digest.items] == [("R2.1", costi)]
    assert "These reports for COSTI" in outbox_to(costi_rep)[0].body


@pytest.mark.django_db
def test_a_closed_cycle_reopened_for_viet_nam_reminds_viet_nam_only(
    open_cycle, viet_nam, focal_vn, focal_th, secretariat_user
):
    cycle_services.cycle_close(cycle=open_cycle, acting_user=secretariat_user)
    overdue = day(-10, open_cycle)
    assert reminders.collect_digests(today=overdue) == []

    cycle_services.cycle_reopen_for_party(
        cycle=open_cycle,
        reason="Late ministry sign-off.",
        member_state=viet_nam,
        acting_user=secretariat_user,
    )
    sent = reminders.send_digests(today=overdue)

    assert [d.recipient for d in sent] == [focal_vn]
    assert sent[0].kinds == {Kind.OVERDUE}
    assert outbox_to(focal_th) == []


@pytest.mark.django_db
def test_a_cycle_can_be_reminded_alone(open_cycle, vn_plan, focal_vn, secretariat_user):
    other = factories.ReportingCycleFactory(
        slug="2026-Q4",
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 12, 31),
        deadline=open_cycle.deadline,
    )
    cycle_services.cycle_open(cycle=other, acting_user=secretariat_user)
    today = day(2, open_cycle)
    both = next(d for d in reminders.collect_digests(today=today) if d.recipient == focal_vn)
    assert {cycle.slug for cycle, _kind, _items in both.sections} == {"2026-H2", "2026-Q4"}
    assert both.count == 10

    sent = reminders.send_digests(today=today, cycle=other)

    mine = next(d for d in sent if d.recipient == focal_vn)
    assert {item.cycle for item in mine.items} == {other}
    assert not ReminderLog.objects.filter(cycle=open_cycle).exists()
    # The other cycle's reminder is still due the same day.
    assert reminders.send_digests(today=today, cycle=open_cycle)


@pytest.mark.django_db
def test_no_reminder_goes_for_a_planned_cycle_or_one_closed_to_everyone(
    open_cycle, focal_vn, secretariat_user
):
    from core.errors import TransitionError

    planned = factories.ReportingCycleFactory(
        slug="2027-H1",
        period_start=datetime.date(2027, 1, 1),
        period_end=datetime.date(2027, 6, 30),
        deadline=datetime.date(2027, 7, 31),
    )
    with pytest.raises(TransitionError, match="2027-H1 takes no reports"):
        reminders.send_digests(today=day(2, planned), cycle=planned)

    cycle_services.cycle_close(cycle=open_cycle, acting_user=secretariat_user)
    with pytest.raises(TransitionError, match="2026-H2 is closed"):
        reminders.send_digests(today=day(-1, open_cycle), cycle=open_cycle, dry_run=True)
    assert mail.outbox == [] and not ReminderLog.objects.exists()


@pytest.mark.django_db
def test_a_dry_run_sends_and_records_nothing(open_cycle, focal_vn):
    digests = reminders.send_digests(today=day(7, open_cycle), dry_run=True)
    assert focal_vn in {d.recipient for d in digests}
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


@pytest.mark.django_db
def test_a_failing_mail_server_records_nothing_so_the_next_run_tries_again(open_cycle, focal_vn, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    assert reminders.send_digests(today=day(7, open_cycle)) == []
    assert not ReminderLog.objects.exists()

    monkeypatch.undo()
    assert focal_vn in {d.recipient for d in reminders.send_digests(today=day(7, open_cycle))}
    assert len(outbox_to(focal_vn)) == 1


@pytest.mark.django_db
def test_collecting_takes_the_same_queries_whatever_the_number_of_reporters(
    open_cycle, viet_nam, thailand, focal_vn, django_assert_max_num_queries
):
    today = day(7, open_cycle)
    reminders.collect_digests(today=today)  # warm caches
    with django_assert_max_num_queries(5) as small:
        few = reminders.collect_digests(today=today)
    for n in range(3):
        factories.FocalPointFactory(username=f"extra{n}.vn", member_state=viet_nam)
        factories.FocalPointFactory(username=f"extra{n}.th", member_state=thailand)
    with django_assert_max_num_queries(5) as large:
        many = reminders.collect_digests(today=today)
    assert len(many) > len(few)
    assert len(large.captured_queries) == len(small.captured_queries)


# --- The secretariat's digest of new submissions -------------------------------------------------


@pytest.fixture
def digest_reader(db):
    return factories.SecretariatFactory(username="reader", receives_submission_digest=True)


@pytest.mark.django_db
def test_the_secretariat_digest_lists_new_submissions_once_a_day(
    site, open_cycle, vn_plan, focal_vn, digest_reader, secretariat_user
):
    first = write_update(author=focal_vn, activity=vn_plan[0], cycle=open_cycle, submit=True)
    write_update(author=focal_vn, activity=vn_plan[1], cycle=open_cycle)  # a draft is not news
    today = day(20, open_cycle)

    sent = reminders.send_submission_digests(today=today)

    assert [d.recipient for d in sent] == [digest_reader]  # not the secretariat user who did not ask
    messages = outbox_to(digest_reader)
    assert len(messages) == 1
    assert messages[0].subject == "1 new submission to review"
    assert "R2.1" in messages[0].body and "R2.2" not in messages[0].body
    assert f"https://tracker.example.org/updates/{first.pk}/" in messages[0].body
    assert "https://tracker.example.org/review/" in messages[0].body
    assert secretariat_user.email not in [address for m in mail.outbox for address in m.to]

    # The same day: nothing more, even with a new submission.
    write_update(author=focal_vn, activity=vn_plan[2], cycle=open_cycle, submit=True)
    assert reminders.send_submission_digests(today=today) == []
    assert len(outbox_to(digest_reader)) == 1

    # The next day: only what came in since the previous digest.
    reminders.send_submission_digests(today=today + datetime.timedelta(days=1))
    messages = outbox_to(digest_reader)
    assert len(messages) == 2
    assert "R2.3" in messages[1].body and "R2.1" not in messages[1].body


@pytest.mark.django_db
def test_no_secretariat_digest_when_nothing_was_submitted(open_cycle, digest_reader):
    assert reminders.send_submission_digests(today=day(20, open_cycle)) == []
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


@pytest.mark.django_db
def test_the_secretariat_digest_goes_to_active_secretariat_members_with_an_email(
    open_cycle, vn_plan, focal_vn, digest_reader
):
    factories.SecretariatFactory(username="left", receives_submission_digest=True, is_active=False)
    factories.SecretariatFactory(username="noaddress", receives_submission_digest=True, email="")
    factories.ObserverFactory(username="curious", receives_submission_digest=True)
    write_update(author=focal_vn, activity=vn_plan[0], cycle=open_cycle, submit=True)

    sent = reminders.send_submission_digests(today=day(20, open_cycle))

    assert [d.recipient.username for d in sent] == ["reader"]


# --- The command -----------------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_prints_a_line_per_digest_and_a_summary(open_cycle, focal_vn, focal_th):
    date = day(7, open_cycle).isoformat()

    output = run("--date", date)

    assert "focal.vn <focal.vn@example.org>: 5 item(s) in 2026-H2 [week] — sent" in output
    assert "focal.th <focal.th@example.org>: 1 item(s) in 2026-H2 [week] — sent" in output
    assert "Sent 2 reminder digest(s) (6 item(s)) and 0 submissions digest(s) for 2026-11-24." in output
    assert len(mail.outbox) == 2

    again = run("--date", date)
    assert "focal.vn <focal.vn@example.org>: already reminded today" in again
    assert "Nothing to send for 2026-11-24." in again
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_command_dry_run_sends_nothing(open_cycle, focal_vn):
    output = run("--dry-run", "--date", day(1, open_cycle).isoformat())
    assert "focal.vn <focal.vn@example.org>: 5 item(s) in 2026-H2 [day] — would send" in output
    assert output.strip().splitlines()[-1] == (
        "Dry run: Would send 1 reminder digest(s) (5 item(s)) and 0 submissions digest(s) for 2026-11-30."
    )
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


@pytest.mark.django_db
def test_the_command_exits_cleanly_when_nothing_is_due(open_cycle):
    output = run("--date", day(30, open_cycle).isoformat())
    assert output.strip() == "Nothing to send for 2026-11-01."


@pytest.mark.django_db
def test_the_command_limits_to_a_cycle_and_names_an_unknown_one(open_cycle, focal_vn):
    output = run("--cycle", "2026-H2", "--date", day(7, open_cycle).isoformat())
    assert "focal.vn" in output

    with pytest.raises(CommandError, match=r"No cycle '2099-H1'\. Known cycles: 2026-H2\."):
        run("--cycle", "2099-H1")


@pytest.mark.django_db
def test_the_command_refuses_a_cycle_that_takes_no_reports(open_cycle, secretariat_user):
    cycle_services.cycle_close(cycle=open_cycle, acting_user=secretariat_user)

    with pytest.raises(CommandError, match="Cycle 2026-H2 is closed, so nobody is reminded of it"):
        run("--cycle", "2026-H2", "--date", day(-1, open_cycle).isoformat())


@pytest.mark.django_db
def test_the_command_refuses_a_malformed_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "23/11/2026")
