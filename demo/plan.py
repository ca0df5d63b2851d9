"""Demo data: an account for every role, and synthetic plan data in bulk for benchmarks.

Used by `python manage.py seed_demo [--scale N]`. Never meant for a production database: the demo
accounts share one published password.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Role
from roadmap.models import (
    ACTIVITY_OWNER_FIELDS,
    Activity,
    ActivityStatus,
    Body,
    Flag,
    Indicator,
    MemberState,
    Milestone,
    Recommendation,
    Roadmap,
)
from roadmap.services import activity_creation_history

DEMO_PASSWORD = "demo-pass-2026"
ROADMAP_SLUG = "smart-manufacturing"


class DemoError(Exception):
    """The demo data cannot be made as asked; the message says why."""


# --- Accounts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str
    member_state: str = ""  # iso2
    body: str = ""  # acronym
    is_staff: bool = False
    is_superuser: bool = False


DEMO_ACCOUNTS = (
    # The secretariat desk officer: staff so the admin back office opens, but not a superuser.
    DemoAccount("secretariat", "Dewi", "Lestari", Role.SECRETARIAT, is_staff=True),
    DemoAccount("admin", "Site", "Administrator", Role.SECRETARIAT, is_staff=True, is_superuser=True),
    DemoAccount("focal.vn", "Thu Hà", "Nguyễn", Role.FOCAL_POINT, member_state="VN"),
    DemoAccount("focal.th", "Kanya", "Srisuk", Role.FOCAL_POINT, member_state="TH"),
    DemoAccount("costi.rep", "Maria", "Reyes", Role.BODY_REPRESENTATIVE, body="COSTI"),
    DemoAccount("observer", "Daniel", "Lim", Role.OBSERVER),
)


def ensure_demo_accounts(password=DEMO_PASSWORD):
    """Create or reset the demo accounts (role, ties, names, password); return them in order."""
    User = get_user_model()
    users = []
    for account in DEMO_ACCOUNTS:
        member_state = body = None
        if account.member_state:
            member_state = MemberState.objects.filter(iso2=account.member_state).first()
            if member_state is None:
                raise DemoError(f"Demo account {account.username}: no member state {account.member_state}.")
        if account.body:
            body = Body.objects.filter(acronym=account.body).first()
            if body is None:
                raise DemoError(f"Demo account {account.username}: no body {account.body}.")
        user, _created = User.objects.get_or_create(username=account.username)
        user.first_name = account.first_name
        user.last_name = account.last_name
        user.email = user.email or f"{account.username}@example.org"
        user.role = account.role
        user.member_state = member_state
        user.body = body
        user.is_staff = account.is_staff
        user.is_superuser = account.is_superuser
        user.is_active = True
        user.set_password(password)
        user.save()
        users.append(user)
    _unlock([a.username for a in DEMO_ACCOUNTS])
    return users


def _unlock(usernames):
    """Lift login-throttling lockouts on the demo accounts, so a demo never starts locked out."""
    try:
        from axes.utils import reset
    except ImportError:  # pragma: no cover - axes is installed in every settings module
        return
    for username in usernames:
        reset(username=username)


def acting_for(user):
    if user.role == Role.FOCAL_POINT and user.member_state_id:
        return user.member_state.name
    if user.role == Role.BODY_REPRESENTATIVE and user.body_id:
        return user.body.acronym
    return "—"


def accounts_table(users, password=DEMO_PASSWORD):
    """The demo accounts as a plain-text table."""
    header = ("username", "password", "role", "acting for")
    rows = [
        (
            u.username,
            password,
            u.get_role_display() + (" (superuser)" if u.is_superuser else ""),
            acting_for(u),
        )
        for u in users
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*header), line.format(*("-" * w for w in widths))]
    out += [line.format(*map(str, row)).rstrip() for row in rows]
    return out


# --- Synthetic plan data ------------------------------------------------------------------------

ACTIVITIES_PER_SCALE = 5  # one per recommendation
MILESTONES_PER_ACTIVITY = 5  # so 25 milestones per unit of scale
INDICATOR_EVERY = 5  # one indicator on every fifth synthetic activity
# Synthetic codes are R1.101, R1.102, ...: always the same code for the same unit of scale, so
# running --scale N again skips what exists and a larger N tops up. R1.1-R1.100 stay free for
# the real list. The code format (ACTIVITY_CODE_RE) allows at most three digits after the dot.
SYNTHETIC_FIRST = 101
MAX_SEQUENCE = 999
MAX_SCALE = MAX_SEQUENCE - SYNTHETIC_FIRST + 1
SYNTHETIC_REASON = "Synthetic demo data (seed_demo --scale)"

TOPICS = (
    ("readiness pilots in the electronics sector", "thí điểm đánh giá mức độ sẵn sàng trong ngành điện tử"),
    ("digital-twin training for SMEs", "đào tạo về bản sao số cho doanh nghiệp nhỏ và vừa"),
    ("industrial IoT standards workshop", "hội thảo về tiêu chuẩn Internet vạn vật công nghiệp"),
    ("smart-factory study visit", "chuyến khảo sát nhà máy thông minh"),
    ("predictive-maintenance demonstration", "trình diễn bảo trì dự đoán"),
    ("cybersecurity guidance for connected plants", "hướng dẫn an ninh mạng cho nhà máy kết nối"),
    ("automation skills programme", "chương trình kỹ năng tự động hóa"),
    ("energy-monitoring pilot", "thí điểm giám sát năng lượng"),
    ("supplier digitalisation clinic", "tư vấn chuyển đổi số cho nhà cung ứng"),
    ("data-exchange interoperability test", "thử nghiệm khả năng tương tác trong trao đổi dữ liệu"),
)
MILESTONE_TITLES = (
    ("Terms of reference agreed", "Thống nhất điều khoản tham chiếu"),
    ("Kick-off meeting held", "Tổ chức cuộc họp khởi động"),
    ("Draft report circulated", "Gửi lấy ý kiến dự thảo báo cáo"),
    ("Regional workshop held", "Tổ chức hội thảo khu vực"),
    ("Final report submitted to ACCSQ", "Trình báo cáo cuối cùng lên ACCSQ"),
)
LEAD_BODY_KINDS = (
    Body.Kind.SECTORAL_BODY,
    Body.Kind.WORKING_GROUP,
    Body.Kind.SECRETARIAT,
    Body.Kind.PARTNER_ORGANISATION,
    Body.Kind.NATIONAL_AGENCY,
)
SUPPORTING_BODY_KINDS = (*LEAD_BODY_KINDS, Body.Kind.DIALOGUE_PARTNER)
FIRST_START = datetime.date(2021, 1, 1)
LAST_START = datetime.date(2027, 6, 30)


@dataclass
class SyntheticResult:
    activities: int = 0
    skipped: int = 0
    milestones: int = 0
    indicators: int = 0
    owner_links: int = 0
    sequences: tuple = ()

    def lines(self):
        lines = [
            f"Synthetic activities: {self.activities} created, {self.skipped} already present",
            f"Synthetic milestones: {self.milestones} created",
            f"Synthetic indicators: {self.indicators} created",
            f"Owner links (lead, participating, supporting): {self.owner_links} created",
        ]
        if self.sequences:
            low, high = self.sequences
            lines.append(f"New codes within Rn.{low} to Rn.{high} in each recommendation n.")
        return lines


def synthetic_codes(number, scale):
    return [f"R{number}.{SYNTHETIC_FIRST + i}" for i in range(scale)]


def check_scale(scale):
    if scale < 1:
        raise DemoError("--scale must be 1 or more.")
    if scale > MAX_SCALE:
        raise DemoError(
            f"--scale {scale} is too large: synthetic codes run from R1.{SYNTHETIC_FIRST} and an activity "
            f"code has at most three digits after the dot, so --scale can be at most {MAX_SCALE} "
            f"({MAX_SCALE * ACTIVITIES_PER_SCALE} activities)."
        )


def _day(start, days):
    return start + datetime.timedelta(days=days)


def _plan_activity(rng, activity, today):
    """Dates, status, flag and percent that agree with each other and with today."""
    start = _day(FIRST_START, rng.randrange((LAST_START - FIRST_START).days))
    end = _day(start, rng.randrange(180, 1100))
    slip = rng.randrange(30, 366) if rng.random() < 0.3 else 0
    activity.planned_start, activity.planned_end = start, end
    activity.baseline_start = start
    activity.baseline_end = max(start, _day(end, -slip))
    elapsed = min(1.0, max(0.0, (today - start).days / max(1, (end - start).days)))
    if start > today:
        status, percent = ActivityStatus.NOT_STARTED, 0
        flag = Flag.AMBER if slip else Flag.GREEN
    elif end < today:
        roll = rng.random()
        if roll < 0.7:
            status, percent, flag = ActivityStatus.COMPLETED, 100, Flag.GREEN
        elif roll < 0.94:
            status, percent = ActivityStatus.DELAYED, rng.randrange(40, 96)
            flag = rng.choice([Flag.AMBER, Flag.RED])
        else:
            status, percent, flag = ActivityStatus.DISCONTINUED, rng.randrange(10, 61), Flag.RED
    elif rng.random() < 0.75:
        status = ActivityStatus.ONGOING
        percent = min(95, max(5, round(elapsed * 100) + rng.randrange(-15, 16)))
        flag = Flag.GREEN if rng.random() < 0.8 else Flag.AMBER
    else:
        status = ActivityStatus.DELAYED
        percent = min(90, max(5, round(elapsed * 60)))
        flag = rng.choice([Flag.AMBER, Flag.RED])
    activity.status, activity.flag, activity.percent_complete = status, flag, percent
    return slip


def _plan_milestones(rng, activity, slip, today):
    start, end = activity.planned_start, activity.planned_end
    span = (end - start).days
    achieve_odds = {
        ActivityStatus.COMPLETED: 1.0,
        ActivityStatus.ONGOING: 0.85,
        ActivityStatus.DELAYED: 0.5,
        ActivityStatus.DISCONTINUED: 0.4,
    }.get(activity.status, 0.0)
    milestones = []
    for k, (title, title_vi) in enumerate(MILESTONE_TITLES, 1):
        planned = _day(start, round(span * k / len(MILESTONE_TITLES)))
        baseline = _day(planned, -round(slip * k / len(MILESTONE_TITLES)))
        actual = None
        # A completed activity met every milestone, even one planned after its last report.
        if activity.status == ActivityStatus.COMPLETED or (planned <= today and rng.random() < achieve_odds):
            # About half on time (up to three weeks early), the rest up to three months late.
            lateness = -rng.randrange(0, 21) if rng.random() < 0.55 else rng.randrange(1, 91)
            actual = min(today, _day(planned, lateness))
        milestones.append(
            Milestone(
                activity=activity,
                title=title,
                title_vi=title_vi,
                planned_date=planned,
                baseline_date=baseline,
                actual_date=actual,
            )
        )
    return milestones


def _pick_owners(rng, activity, states, lead_bodies, supporting_bodies):
    eligible = [s for s in states if s.joined_on <= activity.planned_start]
    owners = {name: [] for name in ACTIVITY_OWNER_FIELDS}
    if rng.random() < 0.7:
        owners["lead_member_states"] = [rng.choice(eligible)]
    if lead_bodies and (rng.random() < 0.5 or not owners["lead_member_states"]):
        owners["lead_bodies"] = [rng.choice(lead_bodies)]
    others = [s for s in eligible if s not in owners["lead_member_states"]]
    owners["participating_member_states"] = rng.sample(others, k=min(len(others), rng.randint(2, 6)))
    helpers = [b for b in supporting_bodies if b not in owners["lead_bodies"]]
    owners["supporting_bodies"] = rng.sample(helpers, k=min(len(helpers), rng.randint(0, 2)))
    return owners


@transaction.atomic
def create_synthetic_plan(scale, seed=2026, today=None):
    """Add 5 activities and 25 milestones per unit of scale, spread over the 5 recommendations.

    Random but reproducible: each activity is drawn from a generator seeded with the seed and its
    own code, so R3.150 is the same whatever the scale. Inserted in bulk, with history rows.
    """
    check_scale(scale)
    today = today or timezone.localdate()
    roadmap = Roadmap.objects.filter(slug=ROADMAP_SLUG).first()
    if roadmap is None:
        raise DemoError(f"No roadmap '{ROADMAP_SLUG}': run load_roadmap first.")
    recommendations = {r.number: r for r in Recommendation.objects.filter(roadmap=roadmap)}
    if not recommendations:
        raise DemoError("The roadmap has no recommendations: run load_roadmap first.")
    states = list(MemberState.objects.order_by("iso2"))
    if not states:
        raise DemoError("There are no member states: run load_roadmap first.")
    bodies = list(Body.objects.order_by("acronym"))
    lead_bodies = [b for b in bodies if b.kind in LEAD_BODY_KINDS]
    supporting_bodies = [b for b in bodies if b.kind in SUPPORTING_BODY_KINDS]

    wanted = [(number, code) for number in sorted(recommendations) for code in synthetic_codes(number, scale)]
    existing = set(
        Activity.objects.filter(code__in=[code for _, code in wanted]).values_list("code", flat=True)
    )
    result = SyntheticResult(skipped=len(existing))

    activities, owners_by_code, rngs = [], {}, {}
    for index, (number, code) in enumerate(wanted):
        if code in existing:
            continue
        rng = random.Random(f"{seed}:{code}")
        topic, topic_vi = TOPICS[index % len(TOPICS)]
        activity = Activity(
            roadmap=roadmap,
            recommendation=recommendations[number],
            code=code,
            # bulk_create skips save(), which is where the sequence is computed.
            sequence=Activity.sequence_for(code),
            title=f"Synthetic activity {code}: {topic}",
            title_vi=f"Hoạt động mô phỏng {code}: {topic_vi}",
            description="Synthetic benchmark data made by seed_demo --scale; not part of the roadmap.",
            description_vi=(
                "Dữ liệu mô phỏng do lệnh seed_demo --scale tạo ra để đo hiệu năng; không thuộc lộ trình."
            ),
            is_illustrative=True,
        )
        slip = _plan_activity(rng, activity, today)
        owners_by_code[code] = _pick_owners(rng, activity, states, lead_bodies, supporting_bodies)
        rngs[code] = (rng, slip)
        activities.append(activity)
    if not activities:
        return result

    Activity.objects.bulk_create(activities, batch_size=500)
    if any(a.pk is None for a in activities):  # databases that cannot return ids from a bulk insert
        ids = dict(Activity.objects.filter(code__in=owners_by_code).values_list("code", "id"))
        for activity in activities:
            activity.pk = ids[activity.code]

    for name in ACTIVITY_OWNER_FIELDS:
        model_field = Activity._meta.get_field(name)
        through = model_field.remote_field.through
        source, target = model_field.m2m_field_name(), model_field.m2m_reverse_field_name()
        links = [
            through(**{f"{source}_id": activity.pk, f"{target}_id": owner.pk})
            for activity in activities
            for owner in owners_by_code[activity.code][name]
        ]
        through.objects.bulk_create(links, batch_size=1000)
        result.owner_links += len(links)
    # One "created" history row per activity, owners included.
    activity_creation_history(activities, reason=SYNTHETIC_REASON)

    milestones = []
    indicators = []
    for activity in activities:
        rng, slip = rngs[activity.code]
        milestones += _plan_milestones(rng, activity, slip, today)
        if (activity.sequence - SYNTHETIC_FIRST) % INDICATOR_EVERY == 0:
            baseline = rng.randrange(0, 50)
            indicators.append(
                Indicator(
                    activity=activity,
                    name=f"Synthetic indicator {activity.code}: enterprises supported",
                    name_vi=f"Chỉ số mô phỏng {activity.code}: số doanh nghiệp được hỗ trợ",
                    description="Synthetic benchmark data.",
                    unit="enterprises",
                    baseline_value=baseline,
                    baseline_year=activity.planned_start.year,
                    target_value=baseline + rng.randrange(50, 500),
                    target_year=activity.planned_end.year,
                    is_illustrative=True,
                )
            )
    bulk_create_with_history(milestones, Milestone, batch_size=1000, default_change_reason=SYNTHETIC_REASON)
    bulk_create_with_history(indicators, Indicator, batch_size=1000, default_change_reason=SYNTHETIC_REASON)

    result.activities = len(activities)
    result.milestones = len(milestones)
    result.indicators = len(indicators)
    result.sequences = (min(a.sequence for a in activities), max(a.sequence for a in activities))
    return result
