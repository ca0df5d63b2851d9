"""The role predicates (accounts/rules.py) and the plan's permissions (roadmap/rules.py) for every role."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from accounts import rules as account_rules
from accounts.parties import Party, party_of
from roadmap.rules import PLAN_MODELS
from tests import factories

pytestmark = pytest.mark.django_db

ROLE_PREDICATES = {
    "secretariat": account_rules.is_secretariat,
    "focal_point": account_rules.is_focal_point,
    "body_representative": account_rules.is_body_representative,
    "observer": account_rules.is_observer,
}


@pytest.fixture
def users(secretariat_user, focal_vn, costi_rep, observer_user):
    return {
        "secretariat": secretariat_user,
        "focal_point": focal_vn,
        "body_representative": costi_rep,
        "observer": observer_user,
        # A superuser whose role is only "observer": the superuser flag alone makes them secretariat.
        "superuser": factories.UserFactory(username="root", is_superuser=True, is_staff=True),
    }


# --- Who a user acts for -------------------------------------------------------------------------


def test_a_focal_point_acts_for_its_member_state_a_representative_for_its_body_others_for_nobody(
    users, focal_vn, costi_rep
):
    assert party_of(users["focal_point"]) == Party(member_state_id=focal_vn.member_state_id)
    assert party_of(users["body_representative"]) == Party(body_id=costi_rep.body_id)
    assert party_of(users["focal_point"]).key == f"ms:{focal_vn.member_state_id}"
    assert party_of(users["body_representative"]).key == f"body:{costi_rep.body_id}"
    for role in ("secretariat", "observer", "superuser"):
        assert party_of(users[role]) is None, role
    assert party_of(AnonymousUser()) is None and party_of(None) is None


def test_a_party_owns_only_its_own_objects(focal_vn, costi_rep):
    class Owned:
        def __init__(self, member_state_id=None, body_id=None):
            self.member_state_id, self.body_id = member_state_id, body_id

    viet_nam, costi = party_of(focal_vn), party_of(costi_rep)
    assert viet_nam.owns(Owned(member_state_id=focal_vn.member_state_id))
    assert not viet_nam.owns(Owned(member_state_id=focal_vn.member_state_id + 1))
    assert not viet_nam.owns(Owned(body_id=costi_rep.body_id))
    assert costi.owns(Owned(body_id=costi_rep.body_id))
    assert not costi.owns(Owned(member_state_id=focal_vn.member_state_id))


# --- Role predicates -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["secretariat", "focal_point", "body_representative", "observer"])
def test_each_role_predicate_is_true_for_its_role_only(users, role):
    for predicate_role, predicate in ROLE_PREDICATES.items():
        assert predicate.test(users[role]) is (predicate_role == role), (role, predicate_role)


def test_a_superuser_counts_as_secretariat(users):
    assert account_rules.is_secretariat.test(users["superuser"]) is True
    assert account_rules.is_observer.test(users["superuser"]) is True  # their role field
    assert account_rules.is_focal_point.test(users["superuser"]) is False


@pytest.mark.parametrize("predicate", list(ROLE_PREDICATES.values()), ids=list(ROLE_PREDICATES))
def test_role_predicates_are_false_for_anonymous_and_none(predicate):
    assert predicate.test(AnonymousUser()) is False
    assert predicate.test(None) is False


def test_is_reader_needs_an_active_signed_in_user(users):
    for user in users.values():
        assert account_rules.is_reader.test(user) is True
    assert account_rules.is_reader.test(AnonymousUser()) is False
    inactive = users["observer"]
    inactive.is_active = False
    assert account_rules.is_reader.test(inactive) is False


# --- Permissions on the plan ---------------------------------------------------------------------

ALL_ROLES = ["secretariat", "focal_point", "body_representative", "observer", "superuser"]
MAY_EDIT = {"secretariat", "superuser"}
MAY_DELETE = {"superuser"}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("model", PLAN_MODELS)
def test_plan_permissions_by_role(users, role, model):
    user = users[role]
    assert user.has_perm(f"roadmap.view_{model}") is True
    assert user.has_perm(f"roadmap.add_{model}") is (role in MAY_EDIT)
    assert user.has_perm(f"roadmap.change_{model}") is (role in MAY_EDIT)
    assert user.has_perm(f"roadmap.delete_{model}") is (role in MAY_DELETE)
    # The rule set itself answers the same, without Django's superuser shortcut.
    assert rules.has_perm(f"roadmap.view_{model}", user) is True
    assert rules.has_perm(f"roadmap.add_{model}", user) is (role in MAY_EDIT)
    assert rules.has_perm(f"roadmap.change_{model}", user) is (role in MAY_EDIT)
    assert rules.has_perm(f"roadmap.delete_{model}", user) is (role in MAY_DELETE)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_history_and_export_are_for_every_signed_in_user(users, role):
    assert users[role].has_perm("roadmap.view_history") is True
    assert users[role].has_perm("roadmap.export_activities") is True


def test_object_level_checks_agree_with_model_level(users, plan):
    """Plan editing is not per country: a focal point of the leading state may not change it."""
    activity = plan["activity"]
    assert users["focal_point"].member_state in activity.lead_member_states.all()
    assert users["focal_point"].has_perm("roadmap.change_activity", activity) is False
    assert users["focal_point"].has_perm("roadmap.view_activity", activity) is True
    assert users["secretariat"].has_perm("roadmap.change_activity", activity) is True
    assert users["secretariat"].has_perm("roadmap.delete_activity", activity) is False


def _all_perms():
    names = [f"roadmap.{action}_{model}" for model in PLAN_MODELS for action in ("view", "add", "change")]
    names += [f"roadmap.delete_{model}" for model in PLAN_MODELS]
    return [*names, "roadmap.view_history", "roadmap.export_activities"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_an_inactive_user_has_no_permission(users, role):
    user = users[role]
    user.is_active = False
    user.save()
    for perm in _all_perms():
        assert user.has_perm(perm) is False, perm
        assert rules.has_perm(perm, user) is False, perm


def test_anonymous_has_no_permission():
    anonymous = AnonymousUser()
    for perm in _all_perms():
        assert anonymous.has_perm(perm) is False, perm
        assert rules.has_perm(perm, anonymous) is False, perm


def test_every_plan_model_has_its_four_rules():
    for model in PLAN_MODELS:
        for action in ("view", "add", "change", "delete"):
            assert rules.perm_exists(f"roadmap.{action}_{model}"), (action, model)


def test_a_model_permission_granted_in_the_back_office_does_not_override_the_rules(client, observer_user):
    """Pages ask the same rule set as the services: a staff observer given "add activity" in the
    back office still may not add to the plan, on the page or through the service."""
    from django.contrib.auth.models import Permission

    observer_user.is_staff = True
    observer_user.save()
    observer_user.user_permissions.add(
        Permission.objects.get(codename="add_activity", content_type__app_label="roadmap")
    )
    observer_user = type(observer_user).objects.get(pk=observer_user.pk)  # no cached permissions

    assert observer_user.has_perm("roadmap.add_activity") is False
    assert rules.has_perm("roadmap.add_activity", observer_user) is False
    client.force_login(observer_user)
    assert client.get("/activities/new/").status_code == 403
