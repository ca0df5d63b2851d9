"""Who may open and post to which tracker page: every view of tracker/urls.py × every role × GET/POST,
on the user's own party's objects and on another party's.

The matrix is a table. Adding a view to tracker/urls.py means adding its rows to MATRIX (the
completeness test fails until you do). Each row names the view, which object of the `world` it is
asked about, the method, and the expected outcome for every role:

    LOGIN     anonymous visitors (and deactivated accounts) are sent to /accounts/login/?next=<the page>
    200       the page renders (or the file downloads)
    SAVED     a valid POST is accepted: 302 to a page the same user can read, and the database changed
    REDIRECT  302 to a page the same user can read with a message, and the database did not change
              (home sends each role to its landing page; reporting again opens the party's update;
              an update that is no longer editable, or a move its state does not allow, sends back
              to the update's page)
    403       the site's "not allowed" page, and the database did not change
    404       the site's "page not found" page, and the database did not change
    405       a page refuses a method it never takes; the database did not change

The convention, which every view follows:
- an update (or its evidence file) or a report the user may not READ does not exist for them: 404 on
  every page and move that acts on it — a Thai focal point cannot even learn that Viet Nam's draft,
  or Viet Nam's own report, exists;
- an object they may read but not change: 403 (the secretariat opening Viet Nam's draft form, a
  focal point correcting another party's approved update);
- pages reserved to a role (the review queue and review action, cycle management, reminders,
  My activities) refuse other roles with 403 before looking at any object, so the answer is the
  same for a record that exists and one that does not: it reveals nothing either;
- a method a URL never takes is 405 before any object is looked at, for the same reason.
Superusers are held to the tracker's rules (accounts.User.has_perm): they act as the secretariat,
so they review and keep cycles but never write for a party.

The world is built once per module through the real services, inside a transaction that is rolled
back at the end; every test runs in its own savepoint on top of it, so a test that saves leaves
nothing behind for the next one.
"""

import datetime
import hashlib

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from roadmap.models import Activity, Body, MemberState
from tests import factories
from tests.helpers import template_names, write_update
from tests.helpers.files import PDF
from tests.helpers.large_record import Records, built_once
from tests.helpers.permission_matrix import (
    ANONYMOUS,
    COSTI_REP,
    FOCAL_TH,
    FOCAL_VN,
    LOGIN,
    OBSERVER,
    REDIRECT,
    SAVED,
    SECRETARIAT,
    SUPERUSER,
    Row,
    assert_covers_every_view,
    assert_not_allowed_page,
    assert_not_found_page,
    assert_outcome,
    cases,
    send,
    user_per_role,
)
from tracker import urls as tracker_urls
from tracker.cycles import services as cycle_services
from tracker.models import (
    CycleNarrative,
    CycleReopening,
    DueUpdate,
    EvidenceFile,
    ProgressUpdate,
    ReminderLog,
    Report,
    ReportingCycle,
    UpdateTransition,
)
from tracker.reports import services as report_services
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db

INACTIVE_VN = "inactive_vn"  # a former focal point of Viet Nam whose account was deactivated
ROLES = [ANONYMOUS, SECRETARIAT, FOCAL_VN, FOCAL_TH, COSTI_REP, OBSERVER, SUPERUSER, INACTIVE_VN]
SIGNED_IN = [SECRETARIAT, FOCAL_VN, FOCAL_TH, COSTI_REP, OBSERVER, SUPERUSER]
REPORTERS = [FOCAL_VN, FOCAL_TH, COSTI_REP]

VN_SECRET = "Viet Nam's confidential draft: the ministry has not signed off yet."


def expect(everyone=None, **by_role):
    """Expected outcome per role: anonymous and deactivated visitors go to log in; the superuser
    gets what the secretariat gets unless told otherwise."""
    unknown = set(by_role) - set(SIGNED_IN)
    assert not unknown, unknown
    outcomes = {ANONYMOUS: LOGIN, INACTIVE_VN: LOGIN}
    for role in SIGNED_IN:
        default = by_role.get(SECRETARIAT, everyone) if role == SUPERUSER else everyone
        outcomes[role] = by_role.get(role, default)
    assert None not in outcomes.values(), outcomes
    return outcomes


def party_only(party_outcome, *, party, secretariat, others):
    """An object of one party: what that party gets, what the secretariat gets, what everyone else gets."""
    return expect(others, **{party: party_outcome, SECRETARIAT: secretariat})


ALL_READ = expect(200)
ALL_405 = expect(405)
ALL_REDIRECT = expect(REDIRECT)
MANAGE_FORM = expect(403, secretariat=200)
MANAGE_SAVE = expect(403, secretariat=SAVED)
MANAGE_GET_ON_POST_ONLY = expect(403, secretariat=405)
REPORTER_PAGE = expect(403, focal_vn=200, focal_th=200, costi_rep=200)
REPORTER_PAGE_POST = expect(403, focal_vn=405, focal_th=405, costi_rep=405)


# --- The world: built once per module through the real services ---------------------------------


def pdf(name):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _build_world():
    """The world through the services; returns its primary keys by kind and key, and its users."""
    today = timezone.localdate()
    days = datetime.timedelta
    roadmap = factories.RoadmapFactory()
    viet_nam = factories.MemberStateFactory(iso2="VN", iso3="VNM", name="Viet Nam", name_vi="Việt Nam")
    thailand = factories.MemberStateFactory(iso2="TH", iso3="THA", name="Thailand", name_vi="Thái Lan")
    costi = factories.BodyFactory(
        acronym="COSTI", name="ASEAN Committee on Science, Technology and Innovation"
    )
    rec = factories.RecommendationFactory(roadmap=roadmap, number=2)

    def activity(code, title, leads, participants=(), supporters=()):
        return factories.ActivityFactory(
            roadmap=roadmap,
            recommendation=rec,
            code=code,
            title=title,
            lead_member_states=list(leads),
            participating_member_states=list(participants),
            supporting_bodies=list(supporters),
        )

    # As in tests/conftest.py `plan`: led by Viet Nam, Thailand taking part, COSTI supporting.
    shared = activity("R2.1", "Readiness assessment pilots", [viet_nam], [thailand], [costi])
    factories.MilestoneFactory(activity=shared, title="Pilot report")
    factories.IndicatorFactory(activity=shared, name="Enterprises assessed")
    activities = {
        "shared": shared,
        "thai_led": activity("R2.2", "Smart factory demonstration centres", [thailand]),
        # One open update per party, activity and cycle: Viet Nam's other states need other activities.
        "vn_submitted": activity("R2.3", "Digital skills for SME managers", [viet_nam]),
        "vn_returned": activity("R2.4", "Industrial data standards", [viet_nam]),
        # Nobody has started on it: each involved party may create its update.
        "fresh": activity("R2.5", "Cybersecurity for factories", [viet_nam], [thailand], [costi]),
    }

    users = {
        **user_per_role(viet_nam=viet_nam, thailand=thailand, costi=costi),
        INACTIVE_VN: factories.FocalPointFactory(
            username="focal.vn.former", member_state=viet_nam, is_active=False
        ),
    }
    sec, focal_vn, focal_th, costi_rep = (users[r] for r in (SECRETARIAT, FOCAL_VN, FOCAL_TH, COSTI_REP))

    # Last half-year: approved reports, then closed, then reopened for Viet Nam alone.
    closed = factories.ReportingCycleFactory(
        slug="2026-H1",
        name="2026 first half",
        period_start=today - days(330),
        period_end=today - days(150),
        deadline=today - days(140),
    )
    cycle_services.cycle_open(cycle=closed, acting_user=sec)
    vn_approved = write_update(
        author=focal_vn,
        activity=shared,
        cycle=closed,
        narrative="Pilots done in Ha Noi.",
        files=[pdf("approved-evidence.pdf")],
        submit=True,
    )
    vn_approved = review_services.progress_update_approve(update=vn_approved, acting_user=sec)
    costi_approved = write_update(
        author=costi_rep, activity=shared, cycle=closed, narrative="COSTI ran the workshop.", submit=True
    )
    costi_approved = review_services.progress_update_approve(update=costi_approved, acting_user=sec)
    cycle_services.cycle_close(cycle=closed, acting_user=sec)
    reopening = cycle_services.cycle_reopen_for_party(
        cycle=closed, reason="Late sign-off by the ministry.", acting_user=sec, member_state=viet_nam
    )

    # This half-year, open, with its deadline five days away (the week-before reminder is due).
    cycle = factories.ReportingCycleFactory(slug="2026-H2", name="2026 second half", deadline=today + days(5))
    cycle_services.cycle_open(cycle=cycle, acting_user=sec)
    vn_draft = write_update(
        author=focal_vn, activity=shared, cycle=cycle, narrative=VN_SECRET, files=[pdf("draft-evidence.pdf")]
    )
    th_draft = write_update(
        author=focal_th, activity=shared, cycle=cycle, narrative="Thailand's draft on the pilots."
    )
    costi_draft = write_update(
        author=costi_rep, activity=shared, cycle=cycle, narrative="COSTI's draft on the pilots."
    )
    th_approved = write_update(
        author=focal_th,
        activity=activities["thai_led"],
        cycle=cycle,
        narrative="Two centres opened.",
        submit=True,
    )
    th_approved = review_services.progress_update_approve(update=th_approved, acting_user=sec)
    vn_submitted = write_update(
        author=focal_vn,
        activity=activities["vn_submitted"],
        cycle=cycle,
        narrative="Courses ran.",
        submit=True,
    )
    vn_returned = write_update(
        author=focal_vn,
        activity=activities["vn_returned"],
        cycle=cycle,
        narrative="Standards drafted.",
        submit=True,
    )
    vn_returned = review_services.progress_update_return(
        update=vn_returned, comment="Name the standards, please.", acting_user=sec
    )

    planned = factories.ReportingCycleFactory(
        slug="2027-H1",
        name="2027 first half",
        period_start=today + days(40),
        period_end=today + days(220),
        deadline=today + days(230),
    )

    # Progress reports of the open cycle (provisional) and of the closed one (only those can be
    # issued): unissued ones stay with who generated them and the secretariat; an issued Viet Nam
    # report stays with Viet Nam, observers and the secretariat.
    def report(user, *, issue=False, of=cycle, **scope):
        made = report_services.report_request(
            report=report_services.new_report(cycle=of, fmt="html", **scope), acting_user=user
        )
        return report_services.report_issue(report=made, acting_user=sec) if issue else made

    reports = {
        "roadmap_draft": report(sec),
        "roadmap_issued": report(sec, issue=True, of=closed),
        "roadmap_final": report(sec, of=closed),
        "vn_own": report(focal_vn, member_state=viet_nam),
        "vn_issued": report(sec, issue=True, of=closed, member_state=viet_nam),
    }
    # Waiting for its thread, which would start only when this transaction commits: it never does.
    with override_settings(REPORT_RUNNER="thread"):
        reports["vn_queued"] = report(focal_vn, member_state=viet_nam)

    updates = {
        "vn_draft": vn_draft,
        "vn_submitted": vn_submitted,
        "vn_returned": vn_returned,
        "vn_approved": vn_approved,
        "th_draft": th_draft,
        "th_approved": th_approved,
        "costi_draft": costi_draft,
        "costi_approved": costi_approved,
    }
    pks = {
        "users": {role: user.pk for role, user in users.items()},
        "updates": {key: u.pk for key, u in updates.items()},
        "files": {
            "vn_draft": vn_draft.evidence_files.get().pk,
            "vn_approved": vn_approved.evidence_files.get().pk,
        },
        "cycles": {"open": cycle.pk, "closed": closed.pk, "planned": planned.pk},
        "activities": {key: a.pk for key, a in activities.items()},
        "reopenings": {"vn": reopening.pk},
        "reports": {key: r.pk for key, r in reports.items()},
        "member_states": {"viet_nam": viet_nam.pk, "thailand": thailand.pk},
        "bodies": {"costi": costi.pk},
    }
    return pks, users


def _sign_in_once(users):
    """A session per role, made once: each test then only presents its cookie."""
    sessions = {}
    for role, user in users.items():
        browser = Client()
        browser.force_login(user)
        sessions[role] = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    return sessions


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world's primary keys; its rows live in a transaction rolled back after the module."""
    media = tmp_path_factory.mktemp("evidence")
    with built_once(django_db_blocker, media_root=media):
        world, users = _build_world()
        world["sessions"] = _sign_in_once(users)
        yield world


@pytest.fixture
def world(built):
    """The world's objects as they are now: a previous test's writes were rolled back."""
    return {
        "users": Records(get_user_model(), {ANONYMOUS: None, **built["users"]}),
        "updates": Records(ProgressUpdate, built["updates"]),
        "files": Records(EvidenceFile, built["files"]),
        "cycles": Records(ReportingCycle, built["cycles"]),
        "activities": Records(Activity, built["activities"]),
        "reopenings": Records(CycleReopening, built["reopenings"]),
        "reports": Records(Report, built["reports"]),
        "member_states": Records(MemberState, built["member_states"]),
        "bodies": Records(Body, built["bodies"]),
        "sessions": built["sessions"],
    }


# --- URL arguments and valid POST data, built from the `world` fixture ---------------------------


def no_args(w):
    return []


def update(key):
    def args(w):
        return [w["updates"][key].pk]

    args.label = key
    return args


def evidence(key):
    def args(w):
        return [w["files"][key].pk]

    args.label = f"{key}_file"
    return args


def cycle(key):
    def args(w):
        return [w["cycles"][key].slug]

    args.label = key
    return args


def cycle_activity(cycle_key, activity_key):
    def args(w):
        return [w["cycles"][cycle_key].slug, w["activities"][activity_key].code]

    args.label = f"{cycle_key}_{activity_key}"
    return args


def reopening(w):
    return [w["reopenings"]["vn"].pk]


reopening.label = "vn_reopening"


def report(key):
    def args(w):
        return [w["reports"][key].pk]

    args.label = key
    return args


def asking_for(label):
    """The report form, posted asking for a report of `label`'s scope."""

    def args(w):
        return []

    args.label = label
    return args


def report_form_data(**scope):
    def data(w):
        return {"cycle": w["cycles"]["open"].slug, "language": "en", "format": "html", **scope}

    return data


def update_form_data(w, key=None, *, activity_key="fresh", narrative="Pilots extended to a third province."):
    """The update form as a browser sends it: for an existing update (key) or a new one."""
    if key is not None:
        subject = w["updates"][key]
        status, flag, percent = subject.proposed_status, subject.proposed_flag, subject.proposed_percent
    else:
        subject = w["activities"][activity_key]
        status, flag, percent = subject.status, subject.flag, subject.percent_complete
    data = {
        "proposed_status": status,
        "proposed_flag": flag,
        "proposed_percent": min(percent + 10, 100),
        "narrative": narrative,
        "achievements": "",
        "challenges": "",
        "next_steps": "",
        "support_needed": "",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "action": "save",
    }
    if key is not None:
        data["version"] = subject.version
    return data


def edit_data(key):
    return lambda w: update_form_data(w, key)


def create_data(activity_key):
    return lambda w: update_form_data(w, activity_key=activity_key)


def version_of(key):
    return lambda w: {"version": w["updates"][key].version}


def approve(key):
    return lambda w: {"action": "approve", "comment": "", "version": w["updates"][key].version}


def bulk_approve(key):
    def data(w):
        pk = w["updates"][key].pk
        return {"action": "approve", "update": [pk], f"version-{pk}": w["updates"][key].version}

    return data


def cycle_form_data(w, key=None):
    if key is None:
        return {
            "slug": "2027-H2",
            "name": "2027 second half",
            "period_start": "2027-07-01",
            "period_end": "2027-12-31",
            "deadline": "2028-01-31",
        }
    c = w["cycles"][key]
    return {
        "slug": c.slug,
        "name": f"{c.name} (renamed)",
        "period_start": c.period_start.isoformat(),
        "period_end": c.period_end.isoformat(),
        "deadline": c.deadline.isoformat(),
        "version": c.version,
        "change_reason": "Clearer name.",
    }


def cycle_version(key, **extra):
    return lambda w: {"version": w["cycles"][key].version, **extra}


def narrative_data():
    return {
        "executive_summary": "Good progress on assessments.",
        "executive_summary_vi": "Tiến độ tốt.",
        "challenges": "",
        "challenges_vi": "",
        "matters_for_seom": "",
        "matters_for_seom_vi": "",
        "classification": "ASEAN Restricted",
        "prepared_by": "",
    }


def reopen_for_thailand(w):
    return {"member_state": w["member_states"]["thailand"].pk, "reason": "Thailand's ministry reorganised."}


def add_costi_as_due(w):
    return {"body": w["bodies"]["costi"].pk}


# Outcomes on one update of a party, by what the row does to it.
def vn_unpublished(party_outcome, secretariat):
    """Viet Nam's draft, submission or returned update: Viet Nam and the secretariat read it; nobody else."""
    return party_only(party_outcome, party=FOCAL_VN, secretariat=secretariat, others=404)


MATRIX = [
    # Landing page and lists.
    Row("home", no_args, "GET", ALL_REDIRECT),
    Row("home", no_args, "POST", ALL_REDIRECT),
    Row("my_activities", no_args, "GET", REPORTER_PAGE),
    Row("my_activities", no_args, "POST", REPORTER_PAGE_POST),
    Row("update_list", no_args, "GET", ALL_READ),
    Row("update_list", no_args, "POST", ALL_405),
    # Starting an update: on an activity every involved party may report on, nothing started yet.
    Row("update_create", cycle_activity("open", "fresh"), "GET", REPORTER_PAGE),
    Row(
        "update_create",
        cycle_activity("open", "fresh"),
        "POST",
        expect(403, focal_vn=SAVED, focal_th=SAVED, costi_rep=SAVED),
        create_data("fresh"),
    ),
    # Led by Thailand alone: Viet Nam and COSTI may not report on it; Thailand's is already approved.
    Row("update_create", cycle_activity("open", "thai_led"), "GET", expect(403, focal_th=REDIRECT)),
    # A POST made while the party's update did not exist yet comes back with what was typed (409).
    Row(
        "update_create",
        cycle_activity("open", "thai_led"),
        "POST",
        expect(403, focal_th=409),
        create_data("thai_led"),
    ),
    # Each involved party already has a draft: reporting again opens it.
    Row(
        "update_create",
        cycle_activity("open", "shared"),
        "GET",
        expect(403, focal_vn=REDIRECT, focal_th=REDIRECT, costi_rep=REDIRECT),
    ),
    Row(
        "update_create",
        cycle_activity("open", "shared"),
        "POST",
        expect(403, focal_vn=409, focal_th=409, costi_rep=409),
        create_data("shared"),
    ),
    # The closed cycle takes reports from Viet Nam alone, for which it was reopened.
    Row("update_create", cycle_activity("closed", "fresh"), "GET", expect(403, focal_vn=200)),
    Row(
        "update_create",
        cycle_activity("closed", "fresh"),
        "POST",
        expect(403, focal_vn=SAVED),
        create_data("fresh"),
    ),
    # A planned cycle takes no reports from anyone yet.
    Row("update_create", cycle_activity("planned", "fresh"), "GET", expect(403)),
    # The update page: unpublished updates for their party and the secretariat, approved ones for all.
    Row("update_detail", update("vn_draft"), "GET", vn_unpublished(200, 200)),
    Row("update_detail", update("vn_submitted"), "GET", vn_unpublished(200, 200)),
    Row("update_detail", update("vn_returned"), "GET", vn_unpublished(200, 200)),
    Row("update_detail", update("vn_approved"), "GET", ALL_READ),
    Row(
        "update_detail",
        update("th_draft"),
        "GET",
        party_only(200, party=FOCAL_TH, secretariat=200, others=404),
    ),
    Row("update_detail", update("th_approved"), "GET", ALL_READ),
    Row(
        "update_detail",
        update("costi_draft"),
        "GET",
        party_only(200, party=COSTI_REP, secretariat=200, others=404),
    ),
    Row("update_detail", update("costi_approved"), "GET", ALL_READ),
    Row("update_detail", update("vn_draft"), "POST", ALL_405),
    Row("update_detail", update("th_draft"), "POST", ALL_405),
    # The form: only the party writes, and only while the update is a draft or returned.
    Row("update_edit", update("vn_draft"), "GET", vn_unpublished(200, 403)),
    Row("update_edit", update("vn_draft"), "POST", vn_unpublished(SAVED, 403), edit_data("vn_draft")),
    Row("update_edit", update("vn_returned"), "GET", vn_unpublished(200, 403)),
    Row("update_edit", update("vn_returned"), "POST", vn_unpublished(SAVED, 403), edit_data("vn_returned")),
    Row("update_edit", update("vn_submitted"), "GET", vn_unpublished(REDIRECT, REDIRECT)),
    Row(
        "update_edit",
        update("vn_submitted"),
        "POST",
        vn_unpublished(REDIRECT, REDIRECT),
        edit_data("vn_submitted"),
    ),
    Row("update_edit", update("vn_approved"), "GET", ALL_REDIRECT),
    Row("update_edit", update("vn_approved"), "POST", ALL_REDIRECT, edit_data("vn_approved")),
    Row(
        "update_edit", update("th_draft"), "GET", party_only(200, party=FOCAL_TH, secretariat=403, others=404)
    ),
    Row(
        "update_edit",
        update("th_draft"),
        "POST",
        party_only(SAVED, party=FOCAL_TH, secretariat=403, others=404),
        edit_data("th_draft"),
    ),
    Row(
        "update_edit",
        update("costi_draft"),
        "GET",
        party_only(200, party=COSTI_REP, secretariat=403, others=404),
    ),
    Row(
        "update_edit",
        update("costi_draft"),
        "POST",
        party_only(SAVED, party=COSTI_REP, secretariat=403, others=404),
        edit_data("costi_draft"),
    ),
    # Moves from the update page (POST only).
    Row("update_submit", update("vn_draft"), "GET", ALL_405),
    Row("update_submit", update("vn_draft"), "POST", vn_unpublished(SAVED, 403), version_of("vn_draft")),
    Row(
        "update_submit", update("vn_returned"), "POST", vn_unpublished(SAVED, 403), version_of("vn_returned")
    ),
    Row(
        "update_submit",
        update("vn_submitted"),
        "POST",
        vn_unpublished(REDIRECT, REDIRECT),
        version_of("vn_submitted"),
    ),
    Row("update_submit", update("vn_approved"), "POST", ALL_REDIRECT, version_of("vn_approved")),
    Row(
        "update_submit",
        update("th_draft"),
        "POST",
        party_only(SAVED, party=FOCAL_TH, secretariat=403, others=404),
        version_of("th_draft"),
    ),
    Row("update_discard", update("vn_draft"), "GET", ALL_405),
    Row("update_discard", update("vn_draft"), "POST", vn_unpublished(SAVED, 403)),
    Row("update_discard", update("vn_submitted"), "POST", vn_unpublished(REDIRECT, REDIRECT)),
    Row("update_discard", update("vn_approved"), "POST", ALL_REDIRECT),
    Row(
        "update_discard",
        update("th_draft"),
        "POST",
        party_only(SAVED, party=FOCAL_TH, secretariat=403, others=404),
    ),
    Row(
        "update_discard",
        update("costi_draft"),
        "POST",
        party_only(SAVED, party=COSTI_REP, secretariat=403, others=404),
    ),
    Row("update_correct", update("vn_approved"), "GET", ALL_405),
    # In the closed cycle, reopened for Viet Nam: its focal point may start a correction.
    Row("update_correct", update("vn_approved"), "POST", expect(403, focal_vn=SAVED)),
    Row("update_correct", update("th_approved"), "POST", expect(403, focal_th=SAVED)),
    # The closed cycle is not reopened for COSTI: its approved update stays as it is.
    Row("update_correct", update("costi_approved"), "POST", expect(403)),
    Row("update_correct", update("vn_draft"), "POST", vn_unpublished(403, 403)),
    # Evidence files leave only through the permission check on their update.
    Row("evidence_download", evidence("vn_draft"), "GET", vn_unpublished(200, 200)),
    Row("evidence_download", evidence("vn_approved"), "GET", ALL_READ),
    Row("evidence_download", evidence("vn_draft"), "POST", ALL_405),
    # Review: the secretariat's alone, refused to every other role before any update is looked at.
    Row("review_queue", no_args, "GET", expect(403, secretariat=200)),
    Row("review_queue", no_args, "POST", expect(403, secretariat=SAVED), bulk_approve("vn_submitted")),
    Row("update_review", update("vn_submitted"), "GET", expect(403, secretariat=405)),
    Row(
        "update_review",
        update("vn_submitted"),
        "POST",
        expect(403, secretariat=SAVED),
        approve("vn_submitted"),
    ),
    Row("update_review", update("vn_draft"), "POST", expect(403, secretariat=REDIRECT), approve("vn_draft")),
    Row(
        "update_review",
        update("vn_approved"),
        "POST",
        expect(403, secretariat=REDIRECT),
        approve("vn_approved"),
    ),
    # Cycles: everyone reads them; the secretariat keeps them.
    Row("cycle_list", no_args, "GET", ALL_READ),
    Row("cycle_list", no_args, "POST", ALL_405),
    Row("cycle_detail", cycle("open"), "GET", ALL_READ),
    Row("cycle_detail", cycle("closed"), "GET", ALL_READ),
    Row("cycle_detail", cycle("planned"), "GET", ALL_READ),
    Row("cycle_detail", cycle("open"), "POST", ALL_405),
    Row("cycle_create", no_args, "GET", MANAGE_FORM),
    Row("cycle_create", no_args, "POST", MANAGE_SAVE, cycle_form_data),
    Row("cycle_edit", cycle("open"), "GET", MANAGE_FORM),
    Row("cycle_edit", cycle("open"), "POST", MANAGE_SAVE, lambda w: cycle_form_data(w, "open")),
    Row("cycle_edit", cycle("planned"), "POST", MANAGE_SAVE, lambda w: cycle_form_data(w, "planned")),
    Row("cycle_open", cycle("planned"), "GET", MANAGE_GET_ON_POST_ONLY),
    Row("cycle_open", cycle("planned"), "POST", MANAGE_SAVE, cycle_version("planned")),
    # Opening an open cycle again: refused with a message, nothing changes.
    Row("cycle_open", cycle("open"), "POST", expect(403, secretariat=REDIRECT), cycle_version("open")),
    Row("cycle_close", cycle("open"), "GET", MANAGE_GET_ON_POST_ONLY),
    Row("cycle_close", cycle("open"), "POST", MANAGE_SAVE, cycle_version("open", reason="Deadline passed.")),
    Row("cycle_reopen", cycle("closed"), "GET", MANAGE_FORM),
    Row("cycle_reopen", cycle("closed"), "POST", MANAGE_SAVE, reopen_for_thailand),
    Row("reopening_end", reopening, "GET", MANAGE_GET_ON_POST_ONLY),
    Row("reopening_end", reopening, "POST", MANAGE_SAVE),
    Row("cycle_activity_parties", cycle_activity("open", "shared"), "GET", MANAGE_FORM),
    Row("cycle_activity_parties", cycle_activity("open", "shared"), "POST", MANAGE_SAVE, add_costi_as_due),
    Row("cycle_reminders", cycle("open"), "GET", MANAGE_FORM),
    Row("cycle_reminders", cycle("open"), "POST", MANAGE_SAVE),
    # The secretariat's narrative: the closed cycle has an issued report, so its narrative is frozen
    # (shown read-only; a save is refused with a message).
    Row("cycle_narrative", cycle("open"), "GET", MANAGE_FORM),
    Row("cycle_narrative", cycle("open"), "POST", MANAGE_SAVE, lambda w: narrative_data()),
    Row("cycle_narrative", cycle("closed"), "GET", MANAGE_FORM),
    Row(
        "cycle_narrative",
        cycle("closed"),
        "POST",
        expect(403, secretariat=REDIRECT),
        lambda w: narrative_data(),
    ),
    # Reports: the archive lists what each reader may open. The secretariat reports on anything, a
    # focal point on its own member state (another scope is a field error on the form).
    Row("report_list", no_args, "GET", ALL_READ),
    Row("report_list", no_args, "POST", ALL_405),
    Row("report_create", no_args, "GET", expect(403, secretariat=200, focal_vn=200, focal_th=200)),
    Row(
        "report_create",
        asking_for("vn_report"),
        "POST",
        expect(403, secretariat=SAVED, focal_vn=SAVED, focal_th=200),
        report_form_data(scope="member_state", member_state="VN"),
    ),
    Row(
        "report_create",
        asking_for("roadmap_report"),
        "POST",
        expect(403, secretariat=SAVED, focal_vn=200, focal_th=200),
        report_form_data(scope="roadmap"),
    ),
    # A report not issued: whoever generated it and the secretariat. Issued: every reader it
    # concerns (a member state's own report: that member state, observers, the secretariat).
    *[
        Row(view, report(key), "GET", outcome)
        for view in ("report_detail", "report_progress", "report_download")
        for key, outcome in (
            ("vn_own", expect(404, secretariat=200, focal_vn=200)),
            ("vn_issued", expect(200, focal_th=404, costi_rep=404)),
            ("roadmap_draft", expect(404, secretariat=200)),
            ("roadmap_issued", ALL_READ),
            # Still being generated: nothing to download yet.
            (
                "vn_queued",
                expect(404, secretariat=200, focal_vn=200) if view != "report_download" else expect(404),
            ),
        )
    ],
    Row("report_detail", report("vn_own"), "POST", ALL_405),
    Row("report_progress", report("vn_own"), "POST", ALL_405),
    Row("report_download", report("vn_own"), "POST", ALL_405),
    # Issue and delete: the secretariat's; a move the report's state does not allow comes back as
    # a message to whoever may read the report; a reader who may not make it gets 403.
    Row("report_issue", report("vn_own"), "GET", ALL_405),
    # Only a closed cycle's report is issued: the open cycle's are provisional, refused with a message.
    Row("report_issue", report("roadmap_draft"), "POST", expect(404, secretariat=REDIRECT)),
    Row("report_issue", report("roadmap_final"), "POST", expect(404, secretariat=SAVED)),
    Row("report_issue", report("vn_own"), "POST", expect(404, secretariat=REDIRECT, focal_vn=REDIRECT)),
    Row("report_issue", report("vn_issued"), "POST", expect(REDIRECT, focal_th=404, costi_rep=404)),
    Row("report_issue", report("vn_queued"), "POST", expect(404, secretariat=REDIRECT, focal_vn=REDIRECT)),
    Row("report_delete", report("vn_own"), "GET", ALL_405),
    Row("report_delete", report("roadmap_draft"), "POST", expect(404, secretariat=SAVED)),
    Row("report_delete", report("vn_own"), "POST", expect(404, secretariat=SAVED, focal_vn=403)),
    Row("report_delete", report("vn_issued"), "POST", expect(REDIRECT, focal_th=404, costi_rep=404)),
    Row("report_delete", report("vn_queued"), "POST", expect(404, secretariat=REDIRECT, focal_vn=403)),
]

CASES = cases(MATRIX, ROLES)


# --- Helpers -------------------------------------------------------------------------------------


def db_state():
    """Everything a tracker write could touch: updates, their trail, what is due, cycles, the plan."""
    return {
        "updates": sorted(ProgressUpdate.objects.values_list("pk", "state", "version", "narrative")),
        "transitions": UpdateTransition.objects.count(),
        "expected": sorted(DueUpdate.objects.values_list("pk", "status", "update_id")),
        "cycles": sorted(ReportingCycle.objects.values_list("pk", "state", "version", "name")),
        "reopenings": sorted(CycleReopening.objects.values_list("pk", "ended_at")),
        "activities": sorted(
            Activity.objects.values_list("pk", "status", "flag", "percent_complete", "version")
        ),
        "files": sorted(EvidenceFile.objects.values_list("pk", "update_id", "sha256")),
        "reminders": ReminderLog.objects.count(),
        "reports": sorted(Report.objects.values_list("pk", "state", "issued_at", "sha256")),
        "narratives": sorted(CycleNarrative.objects.values_list("pk", "version", "executive_summary")),
    }


def as_role(client, world, role):
    if role != ANONYMOUS:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world["sessions"][role]


def request(client, row, world):
    url = reverse(f"tracker:{row.view}", args=row.args(world))
    return url, send(client, url, row, world)


# --- The matrix ----------------------------------------------------------------------------------


def test_matrix_covers_every_view_with_get_and_post():
    assert_covers_every_view(tracker_urls.urlpatterns, MATRIX)


def test_the_world_holds_what_the_matrix_assumes(world):
    """Guards the matrix against a world that silently stopped holding what its rows are about."""
    updates = world["updates"]
    assert {key: updates[key].state for key in updates.pks} == {
        "vn_draft": "draft",
        "vn_submitted": "submitted",
        "vn_returned": "returned",
        "vn_approved": "approved",
        "th_draft": "draft",
        "th_approved": "approved",
        "costi_draft": "draft",
        "costi_approved": "approved",
    }
    assert {key: world["cycles"][key].state for key in ("open", "closed", "planned")} == {
        "open": "open",
        "closed": "closed",
        "planned": "planned",
    }
    assert updates["vn_draft"].cycle == world["cycles"]["open"]
    assert updates["vn_approved"].cycle == world["cycles"]["closed"]
    reopening = world["reopenings"]["vn"]
    assert reopening.is_active and reopening.member_state == world["member_states"]["viet_nam"]
    assert world["files"]["vn_draft"].update == updates["vn_draft"]
    assert world["files"]["vn_approved"].update == updates["vn_approved"]
    shared = world["activities"]["shared"]
    assert (
        DueUpdate.objects.get(
            cycle=world["cycles"]["open"], activity=shared, member_state=world["member_states"]["viet_nam"]
        ).status
        == "draft"
    )
    # COSTI supports R2.1 without owing a report on it, so the secretariat can add it.
    assert not DueUpdate.objects.filter(activity=shared, body=world["bodies"]["costi"]).exists()
    assert not world["users"][INACTIVE_VN].is_active
    assert world["users"][SUPERUSER].is_superuser
    reports = world["reports"]
    assert {key: (reports[key].state, reports[key].scope, reports[key].is_issued) for key in reports.pks} == {
        "roadmap_draft": ("ready", "roadmap", False),
        "roadmap_issued": ("ready", "roadmap", True),
        "roadmap_final": ("ready", "roadmap", False),
        "vn_own": ("ready", "member_state", False),
        "vn_issued": ("ready", "member_state", True),
        "vn_queued": ("queued", "member_state", False),
    }
    assert reports["vn_own"].requested_by == reports["vn_queued"].requested_by == world["users"][FOCAL_VN]
    assert reports["roadmap_draft"].requested_by == world["users"][SECRETARIAT]
    assert reports["vn_issued"].member_state == world["member_states"]["viet_nam"]


def test_matrix_asks_about_own_and_other_parties_objects():
    """Every view that takes an update is asked about Viet Nam's and another party's."""
    by_view = {}
    for row in MATRIX:
        by_view.setdefault(row.view, set()).add(getattr(row.args, "label", ""))
    for view in ("update_detail", "update_edit", "update_submit", "update_discard", "update_correct"):
        labels = by_view[view]
        assert any(label.startswith("vn_") for label in labels), view
        assert any(label.startswith(("th_", "costi_")) for label in labels), view


@pytest.mark.parametrize(("row", "role"), CASES)
def test_permission_matrix(client, world, row, role):
    as_role(client, world, role)
    before = db_state()

    url, response = request(client, row, world)

    def on_200(response):
        if row.view == "evidence_download":
            assert b"".join(response.streaming_content) == PDF
            assert response["Content-Disposition"].startswith("attachment;")
        elif row.view == "report_download":
            stored = Report.objects.get(pk=row.args(world)[0])
            assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == stored.sha256
            assert response["Content-Disposition"] == f'attachment; filename="{stored.file_name}"'
            assert response["X-Content-Type-Options"] == "nosniff"

    assert_outcome(
        client,
        response,
        url=url,
        expected=row.expected[role],
        before=before,
        db_state=db_state,
        on_200=on_200,
    )


# --- The key sentence of the issue ---------------------------------------------------------------

# Every URL that takes a primary key, by what the key names. A new one must be placed here.
UPDATE_PK_VIEWS = {
    "update_detail",
    "update_edit",
    "update_submit",
    "update_discard",
    "update_correct",
    "update_review",
}
EVIDENCE_PK_VIEWS = {"evidence_download"}
OTHER_PK_VIEWS = {"reopening_end"}  # a cycle reopening, the secretariat's
# Reports answer 403, not 404, to those who may not read them: the archive's rows are not secret
# the way a party's draft is (see test_a_thai_focal_point_cannot_open_viet_nams_report).
REPORT_PK_VIEWS = {
    "report_detail",
    "report_progress",
    "report_download",
    "report_issue",
    "report_delete",
}

# What Thailand's focal point gets on Viet Nam's draft: not found wherever the URL acts on it. The
# review URL is the secretariat's and refuses every other role before looking at the update, and a
# method a URL never takes is refused before that: both answer the same for a key that does not exist.
THAI_ON_VN_DRAFT = {
    ("update_detail", "get"): 404,
    ("update_detail", "post"): 405,
    ("update_edit", "get"): 404,
    ("update_edit", "post"): 404,
    ("update_submit", "get"): 405,
    ("update_submit", "post"): 404,
    ("update_discard", "get"): 405,
    ("update_discard", "post"): 404,
    ("update_correct", "get"): 405,
    ("update_correct", "post"): 404,
    ("update_review", "get"): 403,
    ("update_review", "post"): 403,
    ("evidence_download", "get"): 404,
    ("evidence_download", "post"): 405,
}


def thai_payload(world, view, pk):
    if view == "update_edit":
        return update_form_data(world, "vn_draft", narrative="Thailand rewrote this.")
    if view == "update_review":
        return {"action": "approve", "version": world["updates"]["vn_draft"].version}
    return {"version": world["updates"]["vn_draft"].version}


def test_a_thai_focal_point_can_neither_see_nor_touch_viet_nams_draft_by_any_url(client, world):
    draft = world["updates"]["vn_draft"]
    evidence_file = world["files"]["vn_draft"]
    pk_views = {p.name for p in tracker_urls.urlpatterns if "<int:pk>" in str(p.pattern)}
    assert pk_views == UPDATE_PK_VIEWS | EVIDENCE_PK_VIEWS | OTHER_PK_VIEWS | REPORT_PK_VIEWS
    assert set(THAI_ON_VN_DRAFT) == {
        (v, m) for v in UPDATE_PK_VIEWS | EVIDENCE_PK_VIEWS for m in ("get", "post")
    }
    nobody = (
        max(ProgressUpdate.objects.order_by("-pk")[0].pk, EvidenceFile.objects.order_by("-pk")[0].pk) + 1000
    )
    with evidence_file.file.open("rb") as handle:
        stored = handle.read()

    client.force_login(world["users"][FOCAL_TH])
    before = db_state()
    for view in sorted(UPDATE_PK_VIEWS | EVIDENCE_PK_VIEWS):
        pk = evidence_file.pk if view in EVIDENCE_PK_VIEWS else draft.pk
        for method in ("get", "post"):
            send = getattr(client, method)
            data = thai_payload(world, view, pk) if method == "post" else None
            response = send(reverse(f"tracker:{view}", args=[pk]), data)
            ghost = send(reverse(f"tracker:{view}", args=[nobody]), data)
            expected = THAI_ON_VN_DRAFT[view, method]
            assert response.status_code == expected, (view, method, response.status_code)
            # Nothing tells the draft apart from a record that does not exist.
            assert ghost.status_code == response.status_code, (view, method)
            assert template_names(ghost) == template_names(response), (view, method)
            if expected == 404:
                content = assert_not_found_page(response)
            elif expected == 403:
                content = assert_not_allowed_page(response)
            else:
                content = response.content.decode()
            assert VN_SECRET not in content and "draft-evidence" not in content

    assert db_state() == before
    draft.refresh_from_db()
    assert (draft.state, draft.narrative) == ("draft", VN_SECRET)
    evidence_file.refresh_from_db()
    with evidence_file.file.open("rb") as handle:
        assert handle.read() == stored

    # Nor does any page that lists updates lead to it.
    draft_url = reverse("tracker:update_detail", args=[draft.pk])
    file_url = reverse("tracker:evidence_download", args=[evidence_file.pk])
    pages = [
        reverse("tracker:update_list"),
        reverse("tracker:update_list") + "?state=draft",
        reverse("tracker:my_activities"),
        reverse("tracker:cycle_detail", args=[draft.cycle.slug]),
        reverse("roadmap:activity_detail", args=[draft.activity.code]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        content = response.content.decode()
        assert draft_url not in content and file_url not in content, page
        assert VN_SECRET not in content, page
    # Viet Nam's own focal point does reach it, by the same URLs (the test is not vacuous).
    client.force_login(world["users"][FOCAL_VN])
    assert client.get(draft_url).status_code == 200
    assert VN_SECRET in client.get(draft_url).content.decode()


def test_once_approved_a_returned_update_keeps_its_past_with_its_party_and_the_secretariat(client, world):
    """Viet Nam's returned update, answered and approved: every other party and the observer read the
    approved text and the approval, never the returned draft's text nor the return note, on any page."""
    returned = world["updates"]["vn_returned"]
    earlier, note = returned.narrative, returned.review_comment
    returned.narrative = "Sensor and data exchange standards agreed."
    answered = update_services.progress_update_save(
        update=returned,
        content=update_services.UpdateContent(),
        acting_user=world["users"][FOCAL_VN],
        expected_version=returned.version,
        submit=True,
    )
    approved = review_services.progress_update_approve(
        update=answered, acting_user=world["users"][SECRETARIAT]
    )
    pages = [
        reverse("tracker:update_detail", args=[approved.pk]),
        reverse("roadmap:activity_detail", args=[approved.activity.code]),
        reverse("tracker:update_list"),
        reverse("tracker:update_list") + "?state=approved",
        reverse("roadmap:dashboard"),
    ]
    for role in SIGNED_IN:
        client.force_login(world["users"][role])
        contents = {}
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (role, page)
            contents[page] = response.content.decode()
        detail = contents[pages[0]]
        assert "Sensor and data exchange standards agreed." in detail, role
        if role in (FOCAL_VN, SECRETARIAT, SUPERUSER):
            assert earlier in detail and note in detail, role
            continue
        for page, content in contents.items():
            assert earlier not in content, (role, page)
            assert note not in content, (role, page)


def test_a_thai_focal_point_cannot_open_viet_nams_report(client, world):
    """Viet Nam's own report, issued or not, does not exist for Thailand on any URL: the same page
    as a key with no report behind it, so Thailand cannot even learn it is there."""
    client.force_login(world["users"][FOCAL_TH])
    nobody = Report.objects.order_by("-pk")[0].pk + 1000
    before = db_state()
    for key in ("vn_own", "vn_issued", "vn_queued"):
        pk = world["reports"][key].pk
        for view in ("report_detail", "report_progress", "report_download"):
            assert_not_found_page(client.get(reverse(f"tracker:{view}", args=[pk])))
            assert_not_found_page(client.get(reverse(f"tracker:{view}", args=[nobody])))
        for view in ("report_issue", "report_delete"):
            assert_not_found_page(client.post(reverse(f"tracker:{view}", args=[pk])))
            assert client.get(reverse(f"tracker:{view}", args=[pk])).status_code == 405
    assert db_state() == before

    # Each page, and whether it lists the issued roadmap report, which Thailand does read.
    pages = [
        (reverse("tracker:report_list"), True),
        (reverse("tracker:report_list") + "?scope=member_state", False),
        # The issued reports are the closed cycle's (only a closed cycle's report is issued).
        (reverse("tracker:cycle_detail", args=[world["cycles"]["closed"].slug]), True),
    ]
    for page, lists_roadmap_issued in pages:
        content = client.get(page).content.decode()
        for key in ("vn_own", "vn_issued", "vn_queued", "roadmap_draft"):
            assert world["reports"][key].get_absolute_url() not in content, (page, key)
        roadmap_issued = world["reports"]["roadmap_issued"].get_absolute_url()
        assert (roadmap_issued in content) == lists_roadmap_issued, page
    # Viet Nam's focal point opens the same report by the same URL.
    client.force_login(world["users"][FOCAL_VN])
    assert client.get(world["reports"]["vn_issued"].get_absolute_url()).status_code == 200
