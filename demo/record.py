"""Demo record: a lived-in pair of cycles through the real services, and years of history in bulk.

Used by `python manage.py seed_demo [--scale N]` after `demo.plan` has made the accounts and
the plan. Never meant for a production database: the demo accounts share one published password.

Without --scale: the previous half-year is a closed cycle in which nearly every report was
approved, and the current half-year is an open cycle, due a week from today so that
`send_reminders` has something to send, with drafts, submissions, returns, approvals and missing
reports, Viet Nam's and COSTI's included. Written through the services, as a user would.

With --scale N: ten years of half-yearly cycles (all closed but the current one) and about 1 000
updates per unit of N in every state, bulk-inserted for speed, with their transitions and history
rows, and each due update mirroring its party's latest update as the services would leave it.
"""

import datetime
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Role
from accounts.parties import party_key, party_of
from demo.plan import DEMO_ACCOUNTS, DEMO_PASSWORD, SYNTHETIC_FIRST, DemoError, check_scale
from roadmap.models import (
    ACTIVITY_ORDER_RELATED,
    Activity,
    ActivityStatus,
    Aggregation,
    Body,
    Flag,
    MemberState,
)
from tracker.cycles import services as cycle_services
from tracker.models import (
    CycleState,
    DueStatus,
    DueUpdate,
    ProgressUpdate,
    ReportingCycle,
    UpdateState,
    UpdateTransition,
)
from tracker.review import services as review_services
from tracker.updates import services as update_services

SECRETARIAT_USERNAME = "secretariat"
# The demo reporters whose screens the demo walks through: they get a bit of everything.
DEMO_MEMBER_STATES = ("VN", "TH")
DEMO_BODIES = ("COSTI",)
HISTORY_YEARS = 10
DAYS_TO_OPEN_DEADLINE = 7  # inside the week-before window: send_reminders has work on the day
DEADLINE_AFTER_PERIOD = datetime.timedelta(days=15)
SYNTHETIC_REASON = "Synthetic demo record (seed_demo --scale)"


# --- Half-years ------------------------------------------------------------------------------


def half_of(day):
    return day.year, 1 if day.month <= 6 else 2


def previous_half(year, half):
    return (year - 1, 2) if half == 1 else (year, 1)


def half_period(year, half):
    if half == 1:
        return datetime.date(year, 1, 1), datetime.date(year, 6, 30)
    return datetime.date(year, 7, 1), datetime.date(year, 12, 31)


def half_slug(year, half):
    return f"{year}-H{half}"


def half_name(year, half):
    months = "January–June" if half == 1 else "July–December"
    return f"{year} {'first' if half == 1 else 'second'} half ({months})"


def half_name_vi(year, half):
    months = "tháng 1–6" if half == 1 else "tháng 7–12"
    return f"{'Nửa đầu' if half == 1 else 'Nửa cuối'} năm {year} ({months})"


def half_names(year, half):
    """A half-year cycle's names, English and Vietnamese, as `ReportingCycle` fields."""
    return {"name": half_name(year, half), "name_vi": half_name_vi(year, half)}


def _at(day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# --- Accounts ----------------------------------------------------------------------------------


def demo_secretariat():
    User = get_user_model()
    user = User.objects.filter(username=SECRETARIAT_USERNAME, is_active=True).first()
    if user is None:
        raise DemoError("No active 'secretariat' account: the demo accounts must be made first.")
    return user


def ensure_reporters(party_keys, password_hash=None):
    """{party key: a reporter of that party}, creating an account for each party that has none.

    The demo accounts (focal.vn, costi.rep...) are used where they exist; other parties get a
    `focal.<iso2>` or `<acronym>.rep` account with the demo password, so that the record has an
    author for every report. Returns (reporters, usernames created).
    """
    User = get_user_model()
    wanted = set(party_keys)
    ms_ids = {int(key[3:]) for key in wanted if key.startswith("ms:")}
    body_ids = {int(key[5:]) for key in wanted if key.startswith("body:")}
    demo_usernames = {account.username for account in DEMO_ACCOUNTS}
    reporters = {}
    for user in (
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.FOCAL_POINT, member_state_id__in=ms_ids)
            | Q(role=Role.BODY_REPRESENTATIVE, body_id__in=body_ids)
        )
        .order_by("username")
    ):
        key = party_of(user).key
        current = reporters.get(key)
        # The party's demo account (focal.vn) writes its reports, if it has one.
        if current is None or (user.username in demo_usernames and current.username not in demo_usernames):
            reporters[key] = user
    missing = wanted - set(reporters)
    if not missing:
        return reporters, []
    password_hash = password_hash or make_password(DEMO_PASSWORD)
    states = MemberState.objects.in_bulk([int(k[3:]) for k in missing if k.startswith("ms:")])
    bodies = Body.objects.in_bulk([int(k[5:]) for k in missing if k.startswith("body:")])
    created = []
    for key in sorted(missing):
        if key.startswith("ms:"):
            state = states[int(key[3:])]
            username = f"focal.{state.iso2.lower()}"
            defaults = {"role": Role.FOCAL_POINT, "member_state": state, "body": None}
            defaults.update(first_name=state.name, last_name="focal point")
        else:
            body = bodies[int(key[5:])]
            username = f"{body.acronym.lower()}.rep"
            defaults = {"role": Role.BODY_REPRESENTATIVE, "body": body, "member_state": None}
            defaults.update(first_name=body.acronym, last_name="representative")
        user, was_created = User.objects.update_or_create(
            username=username,
            defaults={**defaults, "email": f"{username}@example.org", "is_active": True},
            create_defaults={
                **defaults,
                "email": f"{username}@example.org",
                "is_active": True,
                "password": password_hash,
            },
        )
        if was_created:
            created.append(username)
        reporters[key] = user
    return reporters, created


@contextmanager
def mail_silenced():
    """Seeding reviews hundreds of updates; none of it is news to e-mail the demo accounts about."""
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        yield


# --- Texts ---------------------------------------------------------------------------------------

NARRATIVES = (
    "Two national workshops held with {n} manufacturers; the readiness self-assessment was translated "
    "and piloted in the main industrial zones.",
    "The working group met twice. Terms of reference for the pilot were agreed and the first "
    "{n} enterprises were selected.",
    "Training of trainers completed: {n} assessors certified. Field visits to pilot factories are "
    "scheduled for next period.",
    "The draft guidance was circulated to member states for comment; {n} comments received and "
    "being consolidated.",
    "Cooperation with the industry association continued. {n} SMEs joined the programme this period, "
    "mostly in electronics and food processing.",
)
CHALLENGES = (
    "Budget approval for the second phase is still pending.",
    "Limited availability of certified assessors outside the capital.",
    "",
    "Some enterprises are reluctant to share production data.",
)
NEXT_STEPS = (
    "Hold the regional workshop and publish the summary report.",
    "Extend the pilot to two more provinces.",
    "Submit the consolidated guidance to ACCSQ for endorsement.",
)
SUPPORT = ("", "", "Technical assistance from a dialogue partner for the assessor training.")
RETURN_COMMENTS = (
    "Please name the provinces where the pilots ran and attach the workshop report.",
    "The percentage looks high against the milestones met; please explain it or correct it.",
    "Add the number of enterprises assessed this period as an indicator value.",
    "The narrative repeats last period's text; what happened in this period?",
)
APPROVAL_COMMENTS = ("", "Thank you: clear and complete.", "", "Approved; well evidenced.")
RESUBMISSION_NOTES = (
    "Provinces named and the workshop report linked.",
    "Percentage corrected to match the milestones met.",
    "Indicator value added.",
    "Narrative rewritten for this period.",
)


def _texts(index):
    return {
        "narrative": NARRATIVES[index % len(NARRATIVES)].format(n=12 + (index * 7) % 40),
        "challenges": CHALLENGES[index % len(CHALLENGES)],
        "next_steps": NEXT_STEPS[index % len(NEXT_STEPS)],
        "support_needed": SUPPORT[index % len(SUPPORT)],
    }


# --- The lived-in record, through the services -----------------------------------------------

# Where the open cycle's reports stand, by party: read in turn from the party's offset.
MISSING = "missing"
DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
RESUBMITTED = "resubmitted"  # returned, edited and submitted again
APPROVED = "approved"
APPROVED_AFTER_RETURN = "approved_after_return"
OPEN_PATTERN = (
    APPROVED,
    SUBMITTED,
    MISSING,
    DRAFT,
    RETURNED,
    APPROVED_AFTER_RETURN,
    MISSING,
    SUBMITTED,
    RESUBMITTED,
    DRAFT,
    APPROVED,
)
# Viet Nam's focal point sees every state; COSTI's three reports are missing, draft and returned.
OPEN_OFFSETS = {"VN": 0, "TH": 1, "COSTI": 2}
FINAL_STATE = {
    DRAFT: DueStatus.DRAFT,
    SUBMITTED: DueStatus.SUBMITTED,
    RESUBMITTED: DueStatus.SUBMITTED,
    RETURNED: DueStatus.RETURNED,
    APPROVED: DueStatus.APPROVED,
    APPROVED_AFTER_RETURN: DueStatus.APPROVED,
}


@dataclass
class CycleSummary:
    slug: str
    state: str
    deadline: datetime.date
    created: bool
    counts: Counter = field(default_factory=Counter)

    def line(self):
        if not self.created:
            return f"Cycle {self.slug}: already present, left as it is"
        total = sum(self.counts.values())
        parts = ", ".join(f"{n} {status}" for status, n in sorted(self.counts.items()))
        return (
            f"Cycle {self.slug} ({self.state}, deadline {self.deadline:%Y-%m-%d}): "
            f"{total} reports due: {parts}"
        )


@dataclass
class LivedInResult:
    cycles: list = field(default_factory=list)
    reporters_created: list = field(default_factory=list)

    def lines(self):
        lines = [summary.line() for summary in self.cycles]
        if self.reporters_created:
            created = self.reporters_created
            names = ", ".join(created[:4]) + (", ..." if len(created) > 4 else "")
            lines.append(
                f"Reporter accounts for the other parties: {len(self.reporters_created)} created "
                f"({names}), same password"
            )
        lines.append(f"Daily digest of new submissions: on for '{SECRETARIAT_USERNAME}'")
        return lines


def _proposal(activity, cycle):
    """What every party proposes for an activity in a cycle, so approvals agree with each other."""
    if activity.status == ActivityStatus.NOT_STARTED:
        if activity.planned_start and activity.planned_start > cycle.period_end:
            return {
                "no_progress": True,
                "status": ActivityStatus.NOT_STARTED,
                "flag": activity.flag,
                "percent": 0,
            }
        return {"no_progress": False, "status": ActivityStatus.ONGOING, "flag": Flag.GREEN, "percent": 5}
    step = 3 if activity.status == ActivityStatus.DELAYED else 5
    return {
        "no_progress": False,
        "status": activity.status,
        "flag": activity.flag,
        "percent": min(95, activity.percent_complete + step),
    }


def _content(cell, proposal, lead_key, index, today):
    """Milestones reached in the period (told by the lead party), indicator values, a link."""
    content = update_services.UpdateContent()
    activity = cell.activity
    key = party_key(cell.member_state_id, cell.body_id)
    if key == lead_key and not proposal["no_progress"]:
        until = min(cell.cycle.period_end, today)
        content.achievements = [
            (m, m.planned_date)
            for m in activity.milestones.all()
            if m.actual_date is None and cell.cycle.period_start <= m.planned_date <= until
        ]
    if cell.member_state_id and not proposal["no_progress"]:
        for indicator in activity.indicators.all():
            # Each member state's share of the way from baseline to target, about a tenth of it.
            span = (indicator.target_value or 0) - (indicator.baseline_value or 0)
            value = (Decimal(span) * proposal["percent"] / 100 / 10).quantize(Decimal("0.01"))
            if indicator.aggregation == Aggregation.ALL_DONE:  # a yes/no measure: 1 = done
                value = Decimal(1 if proposal["percent"] >= 50 else 0)
            content.indicator_values.append((indicator, cell.member_state, value, ""))
    if index % 3 == 0:
        content.links = [
            (
                f"https://example.org/evidence/{cell.cycle.slug}/{activity.code}-{key.replace(':', '-')}.pdf",
                "Workshop report",
            )
        ]
    return content


def _lead_key(activity):
    leads = [party_key(ms.pk, None) for ms in activity.lead_member_states.all()]
    leads += [party_key(None, b.pk) for b in activity.lead_bodies.all()]
    return leads[0] if leads else None


def _write(cell, plan, *, reporter, secretariat, proposal, content, index):
    """Take one due update to `plan` through the services, as its reporter and the secretariat would."""
    update = update_services.new_update(
        activity=cell.activity,
        cycle=cell.cycle,
        author=reporter,
        member_state=cell.member_state,
        body=cell.body,
    )
    for name, value in _texts(index).items():
        setattr(update, name, value)
    update.no_progress = proposal["no_progress"]
    if update.no_progress:
        update.narrative = "Not started yet: preparations only. The activity starts next year."
    update.proposed_status = proposal["status"]
    update.proposed_flag = proposal["flag"]
    update.proposed_percent = proposal["percent"]
    update = update_services.progress_update_save(
        update=update, content=content, acting_user=reporter, submit=plan != DRAFT
    )
    if plan in (RETURNED, RESUBMITTED, APPROVED_AFTER_RETURN):
        update = review_services.progress_update_return(
            update=update, comment=RETURN_COMMENTS[index % len(RETURN_COMMENTS)], acting_user=secretariat
        )
    if plan in (RESUBMITTED, APPROVED_AFTER_RETURN):
        update.narrative += "\n\nRevised after review: " + RESUBMISSION_NOTES[index % len(RESUBMISSION_NOTES)]
        update = update_services.progress_update_save(
            update=update,
            content=content,
            acting_user=reporter,
            submit=True,
            reason=RESUBMISSION_NOTES[index % len(RESUBMISSION_NOTES)],
        )
    if plan in (APPROVED, APPROVED_AFTER_RETURN):
        update = review_services.progress_update_approve(
            update=update, acting_user=secretariat, comment=APPROVAL_COMMENTS[index % len(APPROVAL_COMMENTS)]
        )
    return update


def _backdate(update, times):
    """Move an update's timestamps, trail and history rows to `times` (one per transition, in order)."""
    transitions = list(update.transitions.order_by("at", "pk"))
    times = (list(times) + [times[-1]] * len(transitions))[: len(transitions)]
    for transition, when in zip(transitions, times, strict=True):
        transition.at = when
    UpdateTransition.objects.bulk_update(transitions, ["at"])
    submitted = [t.at for t in transitions if t.to_state == UpdateState.SUBMITTED]
    reviewed = [t.at for t in transitions if t.to_state in (UpdateState.APPROVED, UpdateState.RETURNED)]
    ProgressUpdate.objects.filter(pk=update.pk).update(
        created_at=transitions[0].at,
        updated_at=transitions[-1].at,
        submitted_at=submitted[-1] if submitted else None,
        reviewed_at=reviewed[-1] if reviewed else None,
    )
    # History rows: each at the time of the first transition (from where we are) into its state.
    rows = list(ProgressUpdate.history.filter(id=update.pk).order_by("history_date", "history_id"))
    position = 0
    for row in rows:
        for i in range(position, len(transitions)):
            if transitions[i].to_state == row.state:
                position = i
                break
        row.history_date = transitions[position].at
    ProgressUpdate.history.model.objects.bulk_update(rows, ["history_date"])


def _step_times(start, plan, *, gap_days, latest):
    steps = {
        DRAFT: 1,
        SUBMITTED: 2,
        RETURNED: 3,
        RESUBMITTED: 4,
        APPROVED: 3,
        APPROVED_AFTER_RETURN: 5,
    }[plan]
    times = [start + datetime.timedelta(days=gap_days * i, hours=2 * i) for i in range(steps)]
    return [min(t, latest) for t in times]


def _add_supporting_body_reports(cycle, secretariat):
    """The secretariat asks the demo bodies to report on what they support, not only what they lead."""
    for acronym in DEMO_BODIES:
        body = Body.objects.filter(acronym=acronym).first()
        if body is None:
            continue
        for activity in Activity.objects.open().filter(supporting_bodies=body, sequence__lt=SYNTHETIC_FIRST):
            if not DueUpdate.objects.filter(cycle=cycle, activity=activity, body=body).exists():
                cycle_services.due_update_add(
                    cycle=cycle, activity=activity, acting_user=secretariat, body=body
                )


def _party_code(cell):
    return cell.member_state.iso2 if cell.member_state_id else cell.body.acronym


def _plan_cells(cells, closed):
    """What becomes of each due update: [(cell, plan)]."""
    plans = []
    if closed:
        others = [c for c in cells if _party_code(c) not in (*DEMO_MEMBER_STATES, *DEMO_BODIES)]
        # A couple of reports never came in; the rest were approved, some after a return.
        missing = {id(others[2]), id(others[-3])} if len(others) >= 6 else set()
        for index, cell in enumerate(cells):
            if id(cell) in missing:
                plans.append((cell, MISSING))
            else:
                plans.append((cell, APPROVED_AFTER_RETURN if index % 7 == 3 else APPROVED))
        return plans
    codes = sorted({_party_code(c) for c in cells})
    seen = Counter()
    for cell in cells:
        code = _party_code(cell)
        offset = OPEN_OFFSETS.get(code, 3 * codes.index(code))
        plans.append((cell, OPEN_PATTERN[(offset + seen[code]) % len(OPEN_PATTERN)]))
        seen[code] += 1
    return plans


def _lived_in_cycle(half, *, closed, today, secretariat, result):
    year, number = half
    slug = half_slug(year, number)
    start, end = half_period(year, number)
    deadline = (
        end + DEADLINE_AFTER_PERIOD if closed else today + datetime.timedelta(days=DAYS_TO_OPEN_DEADLINE)
    )
    existing = ReportingCycle.objects.filter(slug=slug).first()
    if existing is not None:
        result.cycles.append(CycleSummary(slug, existing.state, existing.deadline, created=False))
        return existing
    now = timezone.now()
    if closed:
        opened_at = _at(end - datetime.timedelta(days=30))
        first_report = end - datetime.timedelta(days=25)
        latest = min(_at(deadline + datetime.timedelta(days=12), 17), now)
        closed_at = min(_at(deadline + datetime.timedelta(days=16), 10), now)
    else:
        opened_at = _at(max(start, today - datetime.timedelta(days=45)))
        first_report = max(start, today - datetime.timedelta(days=40))
        latest = now - datetime.timedelta(hours=1)
        closed_at = None

    cycle = cycle_services.cycle_create(
        cycle=ReportingCycle(
            slug=slug,
            **half_names(year, number),
            period_start=start,
            period_end=end,
            deadline=deadline,
        ),
        acting_user=secretariat,
    )
    cycle_services.cycle_open(cycle=cycle, acting_user=secretariat)
    _add_supporting_body_reports(cycle, secretariat)

    cells = list(
        DueUpdate.objects.filter(cycle=cycle)
        .exclude(activity__sequence__gte=SYNTHETIC_FIRST)  # synthetic activities are filled in bulk
        .select_related("cycle", "activity", "member_state", "body")
        .prefetch_related(
            "activity__milestones",
            "activity__indicators",
            "activity__lead_member_states",
            "activity__lead_bodies",
        )
        .order_by(
            *ACTIVITY_ORDER_RELATED,
            F("member_state__iso2").asc(nulls_first=True),
            F("body__acronym").asc(nulls_first=True),
        )
    )
    reporters, created = ensure_reporters({party_key(c.member_state_id, c.body_id) for c in cells})
    result.reporters_created += created
    proposals = {cell.activity_id: _proposal(cell.activity, cycle) for cell in cells}
    summary = CycleSummary(slug, CycleState.CLOSED if closed else CycleState.OPEN, deadline, created=True)
    plans = _plan_cells(cells, closed)
    span = max(1, int((latest - _at(first_report)).total_seconds() // 3600))
    for index, (cell, plan) in enumerate(plans):
        if plan == MISSING:
            summary.counts[DueStatus.MISSING] += 1
            continue
        key = party_key(cell.member_state_id, cell.body_id)
        content = _content(cell, proposals[cell.activity_id], _lead_key(cell.activity), index, today)
        update = _write(
            cell,
            plan,
            reporter=reporters[key],
            secretariat=secretariat,
            proposal=proposals[cell.activity_id],
            content=content,
            index=index,
        )
        summary.counts[FINAL_STATE[plan]] += 1
        # Spread the reports over the weeks before the deadline; the open cycle's submissions
        # waiting for review came in over the last day, for the secretariat's digest.
        start_at = _at(first_report) + datetime.timedelta(hours=span * index // max(1, len(plans)))
        times = _step_times(start_at, plan, gap_days=2 if closed else 1, latest=latest)
        if not closed and plan in (SUBMITTED, RESUBMITTED):
            times[-1] = now - datetime.timedelta(hours=1 + index % 18)
            times = [min(t, times[-1]) for t in times]
        _backdate(update, times)
    if closed:
        cycle_services.cycle_close(cycle=cycle, acting_user=secretariat)
    ReportingCycle.objects.filter(pk=cycle.pk).update(opened_at=opened_at, closed_at=closed_at)
    DueUpdate.objects.filter(cycle=cycle).update(added_at=opened_at)
    cycle_history = list(ReportingCycle.history.filter(id=cycle.pk).order_by("history_date", "history_id"))
    for row, when in zip(
        cycle_history, [opened_at - datetime.timedelta(days=7), opened_at, closed_at], strict=False
    ):
        row.history_date = when
    ReportingCycle.history.model.objects.bulk_update(cycle_history, ["history_date"])
    result.cycles.append(summary)
    return cycle


def create_lived_in_record(today=None) -> LivedInResult:
    """The previous half-year closed and nearly all approved; the current one open, due in a week.

    Idempotent: a cycle that exists is left as it is.
    """
    today = today or timezone.localdate()
    # Silenced around the transaction: the reviews' notices are sent when it commits.
    with mail_silenced(), transaction.atomic():
        secretariat = demo_secretariat()
        if not secretariat.receives_submission_digest:
            secretariat.receives_submission_digest = True
            secretariat.save(update_fields=["receives_submission_digest"])
        result = LivedInResult()
        current = half_of(today)
        _lived_in_cycle(
            previous_half(*current), closed=True, today=today, secretariat=secretariat, result=result
        )
        _lived_in_cycle(current, closed=False, today=today, secretariat=secretariat, result=result)
    return result


# --- Years of history in bulk -------------------------------------------------------------------

# Where a report stands at the end of a closed cycle, and now in the open one: (plan, weight).
CLOSED_MIX = (
    (MISSING, 4),
    (DRAFT, 1),
    (RETURNED, 1),
    (SUBMITTED, 1),
    (APPROVED, 75),
    (APPROVED_AFTER_RETURN, 18),
)
OPEN_MIX = (
    (MISSING, 30),
    (DRAFT, 15),
    (RETURNED, 8),
    (SUBMITTED, 14),
    (RESUBMITTED, 6),
    (APPROVED, 20),
    (APPROVED_AFTER_RETURN, 7),
)
# Parties often file an interim update that is approved before the final one: (earlier updates, weight).
CLOSED_INTERIM = ((0, 30), (1, 45), (2, 25))
OPEN_INTERIM = ((0, 75), (1, 25))


def _pick(rng, weighted):
    total = sum(w for _v, w in weighted)
    roll = rng.random() * total
    for value, weight in weighted:
        roll -= weight
        if roll < 0:
            return value
    return weighted[-1][0]


def _adapters(connection, model, attnames):
    fields = {f.attname: f for f in model._meta.local_concrete_fields}
    adapters = {
        "DateTimeField": connection.ops.adapt_datetimefield_value,
        "DateField": connection.ops.adapt_datefield_value,
    }
    return [adapters.get(fields[name].get_internal_type()) for name in attnames], [
        connection.ops.quote_name(fields[name].column) for name in attnames
    ]


def _prepared(rows, adapters):
    dated = [i for i, adapt in enumerate(adapters) if adapt]
    if not dated:
        return rows
    prepared = []
    for row in rows:
        row = list(row)
        for i in dated:
            if row[i] is not None:
                row[i] = adapters[i](row[i])
        prepared.append(row)
    return prepared


def _raw_insert(model, attnames, rows, *, returning_ids=False, batch_size=1000):
    """INSERT rows of plain values; with returning_ids, return the new ids in the order given.

    For hundreds of thousands of rows the ORM's per-value bookkeeping is most of the time, and
    these rows need no model instances. Ids come back through INSERT ... RETURNING, in the order
    of the rows, as bulk_create relies on for PostgreSQL and SQLite.
    """
    connection = connections[router.db_for_write(model)]
    adapters, columns = _adapters(connection, model, attnames)
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = "({})".format(", ".join(["%s"] * len(attnames)))
    ids = []
    with connection.cursor() as cursor:
        if not returning_ids:
            # executemany: faster than many rows a statement, on SQLite and on psycopg's pipeline.
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders}"
            for start in range(0, len(rows), batch_size):
                cursor.executemany(sql, _prepared(rows[start : start + batch_size], adapters))
            return ids
        pk = connection.ops.quote_name(model._meta.pk.column)
        # Many rows a statement, within SQLite's limit of 32 766 parameters.
        per_statement = max(1, min(batch_size, 30000 // len(attnames)))
        for start in range(0, len(rows), per_statement):
            batch = _prepared(rows[start : start + per_statement], adapters)
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                f"{', '.join([placeholders] * len(batch))} RETURNING {pk}"
            )
            cursor.execute(sql, [value for row in batch for value in row])
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


UPDATE_COLUMNS = [f.attname for f in ProgressUpdate._meta.local_concrete_fields if not f.primary_key]


@dataclass
class SyntheticRecordResult:
    cycles_created: int = 0
    cycles_present: int = 0
    first: str = ""
    last: str = ""
    expected_created: int = 0
    updates: Counter = field(default_factory=Counter)
    transitions: int = 0
    reporters_created: int = 0

    def lines(self):
        states = ", ".join(f"{n} {state}" for state, n in sorted(self.updates.items()))
        return [
            f"Cycles {self.first} to {self.last}: {self.cycles_created} created, "
            f"{self.cycles_present} already present",
            f"Expected reports: {self.expected_created} created",
            f"Progress updates: {sum(self.updates.values())} created ({states or 'none'})",
            f"Transitions: {self.transitions} created",
            f"Reporter accounts: {self.reporters_created} created",
        ]


def _synthetic_proposal(activity, cycle, is_last):
    """The activity's state as it would have been reported at the end of the cycle."""
    start, end = activity.planned_start, activity.planned_end
    if is_last or (end and cycle.period_start > end):
        no_progress = activity.status == ActivityStatus.NOT_STARTED
        return activity.status, activity.flag, activity.percent_complete, no_progress
    if start is None or cycle.period_end < start:
        return ActivityStatus.NOT_STARTED, Flag.GREEN, 0, True
    elapsed = (cycle.period_end - start).days / max(1, (end - start).days)
    final = 100 if activity.status == ActivityStatus.COMPLETED else activity.percent_complete
    percent = max(1, min(99, round(final * min(1.0, elapsed))))
    late = activity.status in (ActivityStatus.DELAYED, ActivityStatus.DISCONTINUED) and elapsed > 0.5
    return (
        (ActivityStatus.DELAYED if late else ActivityStatus.ONGOING),
        (Flag.AMBER if late else Flag.GREEN),
        percent,
        False,
    )


def _history_cycles(today, secretariat, result):
    """The half-years of the last ten years, oldest first; the ones missing are created closed."""
    halves = [half_of(today)]
    for _ in range(HISTORY_YEARS * 2 - 1):
        halves.insert(0, previous_half(*halves[0]))
    slugs = [half_slug(*h) for h in halves]
    existing = {c.slug: c for c in ReportingCycle.objects.filter(slug__in=slugs)}
    result.first, result.last = slugs[0], slugs[-1]
    result.cycles_present = len(existing)
    new = []
    for (year, number), slug in zip(halves, slugs, strict=True):
        if slug in existing:
            continue
        start, end = half_period(year, number)
        is_current = slug == slugs[-1]
        deadline = (
            today + datetime.timedelta(days=DAYS_TO_OPEN_DEADLINE)
            if is_current
            else end + DEADLINE_AFTER_PERIOD
        )
        cycle = ReportingCycle(
            slug=slug,
            **half_names(year, number),
            period_start=start,
            period_end=end,
            deadline=deadline,
            state=CycleState.OPEN if is_current else CycleState.CLOSED,
            opened_at=_at(end - datetime.timedelta(days=30))
            if not is_current
            else _at(today - datetime.timedelta(days=45)),
            opened_by=secretariat,
            closed_at=None if is_current else _at(deadline + datetime.timedelta(days=16)),
            closed_by=None if is_current else secretariat,
        )
        cycle._history_date = cycle.closed_at or cycle.opened_at
        cycle._history_user = secretariat
        new.append(cycle)
    if new:
        ReportingCycle.objects.bulk_create(new)
        ReportingCycle.history.bulk_history_create(new, default_change_reason=SYNTHETIC_REASON)
    result.cycles_created = len(new)
    cycles = {c.slug: c for c in ReportingCycle.objects.filter(slug__in=slugs)}
    return [cycles[s] for s in slugs]


def _fill_cycle(cycle, activities, parties, reporters, secretariat, *, seed, is_last, now, result):
    """Expected reports for `activities` in one cycle, and the updates that fill them, in bulk.

    Rows are plain dicts of column values: a hundred thousand model instances cost more than the
    inserts themselves.
    """
    existing = {
        (a, ms, b): (pk, status, update_id)
        for pk, a, ms, b, status, update_id in DueUpdate.objects.filter(
            cycle=cycle, activity_id__in=[a.pk for a in activities]
        ).values_list("pk", "activity_id", "member_state_id", "body_id", "status", "update_id")
    }
    is_open = cycle.state == CycleState.OPEN
    mix, interim = (OPEN_MIX, OPEN_INTERIM) if is_open else (CLOSED_MIX, CLOSED_INTERIM)
    first_day = _at(cycle.period_start + datetime.timedelta(days=20))
    last_day = min(now - datetime.timedelta(hours=2), _at(cycle.deadline, 17))
    window = max(3600, (last_day - first_day).total_seconds())
    opened_at = cycle.opened_at or first_day

    updates, trails, cells = [], [], []  # cells: (existing pk or None, activity, ms, body, final update)
    for activity in activities:
        status, flag, percent, no_progress = _synthetic_proposal(activity, cycle, is_last)
        for party in parties[activity.pk]:
            ms_id, body_id, key = party.member_state_id, party.body_id, party.key
            row = existing.get((activity.pk, ms_id, body_id))
            if row is not None and (row[2] is not None or row[1] != DueStatus.MISSING):
                continue
            rng = random.Random(f"{seed}:{cycle.slug}:{activity.code}:{key}")
            plan = _pick(rng, mix)
            final = None
            if plan != MISSING:
                author_id = reporters[key].pk
                count = _pick(rng, interim) + 1
                for k in range(count):
                    step_plan = plan if k == count - 1 else APPROVED
                    # Interim updates early in the period, the last one near the deadline.
                    share = (k + 1) / (count + 1) if k < count - 1 else 0.75 + 0.2 * rng.random()
                    start = first_day + datetime.timedelta(
                        seconds=window * share * (0.9 + 0.1 * rng.random())
                    )
                    times = _step_times(start, step_plan, gap_days=rng.randint(1, 4), latest=last_day)
                    index = rng.randrange(1000)
                    trail = [("", UpdateState.DRAFT, author_id, "")]
                    review_comment = ""
                    if step_plan != DRAFT:
                        trail.append((UpdateState.DRAFT, UpdateState.SUBMITTED, author_id, ""))
                    if step_plan in (RETURNED, RESUBMITTED, APPROVED_AFTER_RETURN):
                        review_comment = RETURN_COMMENTS[index % len(RETURN_COMMENTS)]
                        trail.append(
                            (UpdateState.SUBMITTED, UpdateState.RETURNED, secretariat.pk, review_comment)
                        )
                    if step_plan in (RESUBMITTED, APPROVED_AFTER_RETURN):
                        trail.append((UpdateState.RETURNED, UpdateState.SUBMITTED, author_id, ""))
                    if step_plan in (APPROVED, APPROVED_AFTER_RETURN):
                        review_comment = APPROVAL_COMMENTS[index % len(APPROVAL_COMMENTS)]
                        trail.append(
                            (UpdateState.SUBMITTED, UpdateState.APPROVED, secretariat.pk, review_comment)
                        )
                    steps = list(zip(trail, times, strict=False))
                    submitted = [at for (_f, to, _a, _c), at in steps if to == UpdateState.SUBMITTED]
                    reviewed = [
                        at
                        for (_f, to, _a, _c), at in steps
                        if to in (UpdateState.APPROVED, UpdateState.RETURNED)
                    ]
                    update = {
                        "member_state_id": ms_id,
                        "body_id": body_id,
                        "activity_id": activity.pk,
                        "cycle_id": cycle.pk,
                        "author_id": author_id,
                        "state": FINAL_STATE[step_plan],
                        "no_progress": no_progress,
                        "proposed_status": status,
                        "proposed_flag": flag,
                        "proposed_percent": percent
                        if k == count - 1
                        else max(0, percent - 5 * (count - 1 - k)),
                        "achievements": "",
                        **_texts(index),
                        "submitted_at": submitted[-1] if submitted else None,
                        "reviewed_at": reviewed[-1] if reviewed else None,
                        "reviewed_by_id": secretariat.pk if reviewed else None,
                        "review_comment": review_comment,
                        "corrects_id": None,
                        "version": len(trail),
                        "created_at": steps[0][1],
                        "updated_at": steps[-1][1],
                    }
                    updates.append(update)
                    trails.append((update, steps))
                    result.updates[update["state"]] += 1
                    final = update
            cells.append((row[0] if row else None, activity.pk, ms_id, body_id, final))

    ids = _raw_insert(
        ProgressUpdate,
        UPDATE_COLUMNS,
        [[u[name] for name in UPDATE_COLUMNS] for u in updates],
        returning_ids=True,
    )
    for update, pk in zip(updates, ids, strict=True):
        update["id"] = pk
    history = ProgressUpdate.history.model
    tracked = [f.attname for f in history.tracked_fields]
    _raw_insert(
        history,
        [*tracked, "history_date", "history_change_reason", "history_type", "history_user_id"],
        [
            [*(u[name] for name in tracked), u["updated_at"], SYNTHETIC_REASON, "+", u["author_id"]]
            for u in updates
        ],
    )
    transitions = [
        # No return note of the scale demo is published (public_note False).
        (update["id"], from_state, to_state, actor_id, at, comment, False)
        for update, steps in trails
        for (from_state, to_state, actor_id, comment), at in steps
    ]
    _raw_insert(
        UpdateTransition,
        ["update_id", "from_state", "to_state", "actor_id", "at", "comment", "public_note"],
        transitions,
    )
    result.transitions += len(transitions)

    new_cells, filled = [], []
    for pk, activity_id, ms_id, body_id, final in cells:
        status = final["state"] if final else DueStatus.MISSING
        update_id = final["id"] if final else None
        if pk is None:
            new_cells.append(
                (cycle.pk, activity_id, ms_id, body_id, status, update_id, secretariat.pk, opened_at)
            )
        elif final is not None:
            filled.append(DueUpdate(pk=pk, status=status, update_id=update_id))
    _raw_insert(
        DueUpdate,
        [
            "cycle_id",
            "activity_id",
            "member_state_id",
            "body_id",
            "status",
            "update_id",
            "added_by_id",
            "added_at",
        ],
        new_cells,
    )
    DueUpdate.objects.bulk_update(filled, ["status", "update"], batch_size=500)
    result.expected_created += len(new_cells)


@transaction.atomic
def create_synthetic_record(scale, *, seed=2026, today=None) -> SyntheticRecordResult:
    """Ten years of half-yearly cycles with about 1 000 updates per unit of scale, in bulk.

    Every cycle but the current one is closed. Each cycle is due from every activity's default
    parties (leads and participants): all activities in the closed cycles, the unfinished ones in
    the open cycle. The two cycles of the lived-in record keep their hand-made reports; only the
    synthetic activities are added to them. Reproducible and idempotent: a report's fate is drawn
    from a generator seeded with the seed, cycle, activity and party, and a report that already
    has an update is left alone.
    """
    check_scale(scale)
    today = today or timezone.localdate()
    now = timezone.now()
    secretariat = demo_secretariat()
    result = SyntheticRecordResult()
    cycles = _history_cycles(today, secretariat, result)
    lived_in = {cycles[-1].slug, cycles[-2].slug}

    activities = list(
        Activity.objects.prefetch_related(
            "lead_member_states", "participating_member_states", "lead_bodies"
        ).in_plan_order()
    )
    # The closed cycles are history: every activity was under way then. The open cycle owes what
    # opening it makes due today, asked of the service that opens cycles.
    parties = {activity.pk: cycle_services.default_parties(activity) for activity in activities}
    due_now = cycle_services.due_on_opening(Activity.objects.in_plan_order())
    unfinished = [activity for activity, _parties in due_now]
    keys = {party.key for p in parties.values() for party in p}
    reporters, created = ensure_reporters(keys)
    result.reporters_created = len(created)
    for index, cycle in enumerate(cycles):
        if cycle.slug in lived_in:
            due = [a for a in unfinished if a.sequence >= SYNTHETIC_FIRST]
        elif cycle.state == CycleState.OPEN:
            due = unfinished
        else:
            due = activities
        _fill_cycle(
            cycle,
            due,
            parties,
            reporters,
            secretariat,
            seed=seed,
            is_last=index == len(cycles) - 1,
            now=now,
            result=result,
        )
    return result
