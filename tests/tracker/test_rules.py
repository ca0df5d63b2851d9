"""The record's permissions in tracker/rules.py, as an explicit table: role × update state × owner.

Every cell is written out rather than derived, so a change to a rule shows up here as a changed cell.
`rules.has_perm` is the rule set itself; `user.has_perm` is what views ask, and agrees with it for
everyone but superusers (Django lets an active superuser pass every `has_perm`; the services ask the
rule set, so the record's rules bind them too).
"""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core import errors
from tests import factories
from tests.helpers import write_update
from tracker.cycles import services as cycle_services
from tracker.models import ProgressUpdate, Report, ReportFormat, ReportScope, ReportState, UpdateState
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db

ROLES = [
    "secretariat_user",
    "superuser",
    "focal_vn",
    "focal_th",
    "costi_rep",
    "observer_user",
    "inactive_focal_vn",
]
OBJECT_PERMS = ("view", "change", "submit", "delete", "correct", "review")
STATES = ("draft", "submitted", "returned", "approved")


@pytest.fixture
def users(secretariat_user, focal_vn, focal_th, costi_rep, observer_user, viet_nam):
    return {
        "secretariat_user": secretariat_user,
        # A superuser whose role says nothing: the flag alone makes them secretariat in the rules.
        "superuser": factories.UserFactory(username="root", is_superuser=True, is_staff=True),
        "focal_vn": focal_vn,
        "focal_th": focal_th,
        "costi_rep": costi_rep,
        "observer_user": observer_user,
        "inactive_focal_vn": factories.FocalPointFactory(
            username="focal.vn.gone", member_state=viet_nam, is_active=False
        ),
    }


def _update(owner, state, users, cycle, activity):
    author = users["focal_vn"] if owner == "vn" else users["costi_rep"]
    update = write_update(author=author, activity=activity, cycle=cycle, submit=state != "draft")
    if state == "returned":
        review_services.progress_update_return(
            update=update, comment="Add dates.", acting_user=users["secretariat_user"]
        )
    elif state == "approved":
        review_services.progress_update_approve(update=update, acting_user=users["secretariat_user"])
    update = ProgressUpdate.objects.get(pk=update.pk)
    assert update.state == state
    return update


# Cells: the perms the role holds on the update, by state (draft, submitted, returned, approved).
SECRETARIAT = ("view review",) * 4  # reads everything; never writes for a party; the service checks state
NOTHING = ("", "", "", "")
APPROVED_ONLY = ("", "", "", "view")
OWN_PARTY = ("view change submit delete", "view", "view change submit", "view correct")

EXPECTED = {
    "vn": {
        "secretariat_user": SECRETARIAT,
        "superuser": SECRETARIAT,
        "focal_vn": OWN_PARTY,
        "focal_th": APPROVED_ONLY,
        "costi_rep": APPROVED_ONLY,
        "observer_user": APPROVED_ONLY,
        "inactive_focal_vn": NOTHING,
    },
    "costi": {
        "secretariat_user": SECRETARIAT,
        "superuser": SECRETARIAT,
        "focal_vn": APPROVED_ONLY,
        "focal_th": APPROVED_ONLY,
        "costi_rep": OWN_PARTY,
        "observer_user": APPROVED_ONLY,
        "inactive_focal_vn": NOTHING,
    },
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("owner", ["vn", "costi"])
def test_update_permissions_by_role_state_and_owner(users, cycle, plan, owner, state, role):
    update = _update(owner, state, users, cycle, plan["activity"])
    user = users[role]

    held = {perm for perm in OBJECT_PERMS if rules.has_perm(f"tracker.{perm}_progressupdate", user, update)}

    assert held == set(EXPECTED[owner][role][STATES.index(state)].split())
    if not user.is_superuser:
        assert {
            perm for perm in OBJECT_PERMS if user.has_perm(f"tracker.{perm}_progressupdate", update)
        } == held
    # The list query and the per-object rule say the same thing.
    visible = ProgressUpdate.objects.visible_to(user).filter(pk=update.pk).exists()
    assert visible is ("view" in held)


# Without an object: may the role reach these screens and actions at all.
GLOBAL_PERMS = (
    "tracker.view_reportingcycle",
    "tracker.view_progressupdate",
    "tracker.add_progressupdate",
    "tracker.view_my_activities",
    "tracker.view_cycle_matrix",
    "tracker.manage_reportingcycle",
    "tracker.send_reminders",
)
REPORTER = {
    "tracker.view_reportingcycle",
    "tracker.view_progressupdate",
    "tracker.add_progressupdate",
    "tracker.view_my_activities",
    "tracker.view_cycle_matrix",
}
MANAGER = {
    "tracker.view_reportingcycle",
    "tracker.view_progressupdate",
    "tracker.view_cycle_matrix",
    "tracker.manage_reportingcycle",
    "tracker.send_reminders",
}
EXPECTED_GLOBAL = {
    "secretariat_user": MANAGER,
    "superuser": MANAGER,
    "focal_vn": REPORTER,
    "focal_th": REPORTER,
    "costi_rep": REPORTER,
    "observer_user": {"tracker.view_reportingcycle", "tracker.view_progressupdate"},
    "inactive_focal_vn": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_permissions_without_an_object_by_role(users, role):
    user = users[role]

    held = {perm for perm in GLOBAL_PERMS if rules.has_perm(perm, user)}

    assert held == EXPECTED_GLOBAL[role]
    if not user.is_superuser:
        assert {perm for perm in GLOBAL_PERMS if user.has_perm(perm)} == held


def test_anonymous_visitors_hold_nothing(draft_vn, approved_vn_costi):
    anonymous = AnonymousUser()

    for perm in GLOBAL_PERMS:
        assert rules.has_perm(perm, anonymous) is False, perm
    for update in (draft_vn, approved_vn_costi):
        for perm in OBJECT_PERMS:
            assert rules.has_perm(f"tracker.{perm}_progressupdate", anonymous, update) is False
    assert not ProgressUpdate.objects.visible_to(anonymous).exists()


@pytest.fixture
def approved_vn_costi(cycle, plan, costi_rep, secretariat_user):
    update = write_update(author=costi_rep, activity=plan["activity"], cycle=cycle, submit=True)
    return review_services.progress_update_approve(update=update, acting_user=secretariat_user)


# May the role start an update for its party on R2.1 (led by Viet Nam, joined by Thailand, supported
# by COSTI) in the open cycle: asked with the unsaved draft `new_update` builds for the author.
EXPECTED_ADD = {
    "secretariat_user": False,
    "superuser": False,
    "focal_vn": True,
    "focal_th": True,
    "costi_rep": True,
    "observer_user": False,
    "inactive_focal_vn": False,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_start_an_update(users, cycle, plan, role):
    user = users[role]
    unsaved = update_services.new_update(activity=plan["activity"], cycle=cycle, author=user)

    assert rules.has_perm("tracker.add_progressupdate", user, unsaved) is EXPECTED_ADD[role]
    if not user.is_superuser:
        assert user.has_perm("tracker.add_progressupdate", unsaved) is EXPECTED_ADD[role]


def test_visible_to_lists_exactly_what_each_role_may_read(users, cycle, plan, roadmap, viet_nam, costi):
    """Several updates at once, across parties and states: the query equals the rule, update by update."""
    second = factories.ActivityFactory(
        roadmap=roadmap, code="R2.2", lead_member_states=[viet_nam], supporting_bodies=[costi]
    )
    updates = [
        _update("vn", "draft", users, cycle, plan["activity"]),
        _update("vn", "approved", users, cycle, second),
        _update("costi", "returned", users, cycle, plan["activity"]),
        _update("costi", "approved", users, cycle, second),
        write_update(author=users["focal_th"], activity=plan["activity"], cycle=cycle, submit=True),
    ]

    for role, user in users.items():
        by_rule = {u.pk for u in updates if rules.has_perm("tracker.view_progressupdate", user, u)}
        by_query = set(ProgressUpdate.objects.visible_to(user).values_list("pk", flat=True))
        assert by_query == by_rule, role


def test_report_visible_to_lists_exactly_what_the_view_report_rule_lets_each_role_open(
    users, cycle, plan, viet_nam, thailand
):
    """Every kind of report (scope × state × issued × who generated it): the SQL in
    `ReportQuerySet.visible_to` equals the `tracker.view_report` rule, report by report."""
    scopes = {
        "roadmap": {},
        "recommendation": {"scope": ReportScope.RECOMMENDATION, "recommendation": plan["recommendation"]},
        "viet_nam": {"scope": ReportScope.MEMBER_STATE, "member_state": viet_nam},
        "thailand": {"scope": ReportScope.MEMBER_STATE, "member_state": thailand},
    }
    stages = {
        "queued": {"state": ReportState.QUEUED},
        "failed": {"state": ReportState.FAILED},
        "ready": {"state": ReportState.READY},
        "issued": {"state": ReportState.READY, "issued_at": timezone.now()},
    }
    requesters = [None, users["secretariat_user"], users["focal_vn"], users["focal_th"], users["costi_rep"]]
    reports = Report.objects.bulk_create(
        Report(cycle=cycle, format=ReportFormat.HTML, requested_by=requester, **scope, **stage)
        for scope in scopes.values()
        for stage in stages.values()
        for requester in requesters
    )
    assert len(reports) == 80

    for role, user in [*users.items(), ("anonymous", AnonymousUser())]:
        by_rule = {r.pk for r in reports if rules.has_perm("tracker.view_report", user, r)}
        by_query = set(Report.objects.visible_to(user).values_list("pk", flat=True))
        assert by_query == by_rule, role
        assert by_rule or role in ("inactive_focal_vn", "anonymous"), role


# --- What the table means in practice -----------------------------------------------------------


@pytest.mark.parametrize("fixture", ["draft_vn", "submitted_vn", "returned_vn"])
def test_a_thai_focal_point_can_neither_see_nor_touch_viet_nams_unapproved_update(request, focal_th, fixture):
    update = request.getfixturevalue(fixture)
    state = update.state
    version = ProgressUpdate.objects.get(pk=update.pk).version

    assert not focal_th.has_perm("tracker.view_progressupdate", update)
    assert not ProgressUpdate.objects.visible_to(focal_th).filter(pk=update.pk).exists()
    attempts = [
        lambda: update_services.progress_update_save(
            update=ProgressUpdate.objects.get(pk=update.pk),
            content=update_services.UpdateContent(),
            acting_user=focal_th,
        ),
        lambda: update_services.progress_update_submit(update=update, acting_user=focal_th),
        lambda: update_services.progress_update_discard(update=update, acting_user=focal_th),
    ]
    for attempt in attempts:
        with pytest.raises((PermissionDenied, errors.TransitionError)):
            attempt()

    fresh = ProgressUpdate.objects.get(pk=update.pk)
    assert (fresh.state, fresh.version) == (state, version)


def test_a_thai_focal_point_may_not_correct_viet_nams_approved_update(approved_vn, focal_th):
    assert focal_th.has_perm("tracker.view_progressupdate", approved_vn)

    with pytest.raises(PermissionDenied):
        update_services.progress_update_correct(update=approved_vn, acting_user=focal_th)

    assert ProgressUpdate.objects.count() == 1


def test_a_focal_point_reports_only_where_its_state_takes_part_unless_asked(
    cycle, roadmap, plan, thailand, viet_nam, focal_vn, secretariat_user
):
    thai_only = factories.ActivityFactory(roadmap=roadmap, code="R2.8", lead_member_states=[thailand])
    unsaved = update_services.new_update(activity=thai_only, cycle=cycle, author=focal_vn)
    assert not focal_vn.has_perm("tracker.add_progressupdate", unsaved)
    with pytest.raises(PermissionDenied):
        write_update(author=focal_vn, activity=thai_only, cycle=cycle)

    cycle_services.due_update_add(
        cycle=cycle, activity=thai_only, acting_user=secretariat_user, member_state=viet_nam
    )

    assert focal_vn.has_perm("tracker.add_progressupdate", unsaved)
    update = write_update(author=focal_vn, activity=thai_only, cycle=cycle, submit=True)
    assert update.state == UpdateState.SUBMITTED
    # Being asked in one cycle does not open the activity to Viet Nam in another.
    later = factories.ReportingCycleFactory(slug="2027-H1")
    cycle_services.cycle_open(cycle=later, acting_user=secretariat_user)
    assert not focal_vn.has_perm(
        "tracker.add_progressupdate",
        update_services.new_update(activity=thai_only, cycle=later, author=focal_vn),
    )


def test_a_body_reports_on_activities_it_leads_or_supports_only(cycle, roadmap, plan, accmsme, costi_rep):
    elsewhere = factories.ActivityFactory(roadmap=roadmap, code="R2.8", lead_bodies=[accmsme])

    with pytest.raises(PermissionDenied):
        write_update(author=costi_rep, activity=elsewhere, cycle=cycle)

    assert write_update(author=costi_rep, activity=plan["activity"], cycle=cycle).body == costi_rep.body


def test_a_focal_point_cannot_report_for_another_member_state(cycle, plan, focal_th, viet_nam):
    unsaved = update_services.new_update(
        activity=plan["activity"], cycle=cycle, author=focal_th, member_state=viet_nam
    )
    unsaved.narrative = "Writing for Viet Nam."

    with pytest.raises(PermissionDenied):
        update_services.progress_update_save(
            update=unsaved, content=update_services.UpdateContent(), acting_user=focal_th
        )

    assert not ProgressUpdate.objects.exists()


# --- Nobody reviews their own update ------------------------------------------------------------


def test_a_secretariat_author_may_not_review_their_own_update(cycle, plan, secretariat_user, viet_nam):
    other_reviewer = factories.SecretariatFactory(username="sec.b")
    own = ProgressUpdate.objects.create(
        activity=plan["activity"],
        cycle=cycle,
        member_state=viet_nam,
        author=secretariat_user,
        state=UpdateState.SUBMITTED,
        proposed_status="ongoing",
        proposed_flag="green",
        proposed_percent=50,
        narrative="Entered from the e-mail Viet Nam sent.",
    )

    assert not rules.has_perm("tracker.review_progressupdate", secretariat_user, own)
    assert not secretariat_user.has_perm("tracker.review_progressupdate", own)
    with pytest.raises(PermissionDenied):
        review_services.progress_update_approve(update=own, acting_user=secretariat_user)
    with pytest.raises(PermissionDenied):
        review_services.progress_update_return(
            update=own, comment="Self-review.", acting_user=secretariat_user
        )
    assert ProgressUpdate.objects.get(pk=own.pk).state == UpdateState.SUBMITTED

    assert other_reviewer.has_perm("tracker.review_progressupdate", own)
    review_services.progress_update_approve(update=own, acting_user=other_reviewer)
    assert ProgressUpdate.objects.get(pk=own.pk).state == UpdateState.APPROVED


def test_a_superuser_who_reports_may_not_approve_their_own_update(cycle, plan, viet_nam, secretariat_user):
    """A superuser who is also Viet Nam's focal point writes through the focal point's path."""
    root = factories.FocalPointFactory(
        username="root.vn", member_state=viet_nam, is_superuser=True, is_staff=True
    )
    own = write_update(author=root, activity=plan["activity"], cycle=cycle, submit=True)
    assert own.author == root

    assert not rules.has_perm("tracker.review_progressupdate", root, own)
    with pytest.raises(PermissionDenied):
        review_services.progress_update_approve(update=own, acting_user=root)
    with pytest.raises(PermissionDenied):
        review_services.progress_update_return(update=own, comment="Self-review.", acting_user=root)
    assert ProgressUpdate.objects.get(pk=own.pk).state == UpdateState.SUBMITTED
    assert not own.transitions.filter(actor=root, to_state__in=["approved", "returned"]).exists()

    review_services.progress_update_approve(update=own, acting_user=secretariat_user)
    assert ProgressUpdate.objects.get(pk=own.pk).state == UpdateState.APPROVED


def test_a_superuser_reviews_other_peoples_updates(submitted_vn, users):
    review_services.progress_update_approve(update=submitted_vn, acting_user=users["superuser"])

    assert ProgressUpdate.objects.get(pk=submitted_vn.pk).reviewed_by == users["superuser"]


def test_a_superuser_without_a_party_cannot_write_updates(cycle, plan, users, viet_nam):
    """Django's superuser shortcut does not carry into the record: the services ask the rule set."""
    unsaved = update_services.new_update(
        activity=plan["activity"], cycle=cycle, author=users["superuser"], member_state=viet_nam
    )
    unsaved.narrative = "Typed in by the administrator."

    with pytest.raises(PermissionDenied):
        update_services.progress_update_save(
            update=unsaved, content=update_services.UpdateContent(), acting_user=users["superuser"]
        )

    assert not ProgressUpdate.objects.exists()


def test_the_creator_is_always_the_author(cycle, plan, viet_nam, focal_vn, secretariat_user):
    """Naming someone else as author would let a reporting superuser review their own update."""
    root = factories.FocalPointFactory(
        username="root.vn", member_state=viet_nam, is_superuser=True, is_staff=True
    )
    update = update_services.new_update(activity=plan["activity"], cycle=cycle, author=focal_vn)
    update.narrative = "Written by root, signed as the focal point."

    update_services.progress_update_save(
        update=update, content=update_services.UpdateContent(), acting_user=root, submit=True
    )

    assert ProgressUpdate.objects.get(pk=update.pk).author == root
    with pytest.raises(PermissionDenied):
        review_services.progress_update_approve(update=update, acting_user=root)
