import pytest
from django.urls import reverse

from tests.factories import UserFactory

MODELS = ["reportingcycle", "dueupdate", "cyclereopening", "progressupdate", "reminderlog"]


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True, role="secretariat"))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_the_back_office_lists_the_record(admin_client, submitted_vn, model):
    response = admin_client.get(reverse(f"admin:tracker_{model}_changelist"))
    assert response.status_code == 200
    # Read-only: no "add" link for any of the record's models.
    assert reverse(f"admin:tracker_{model}_add") not in response.content.decode()


def test_an_update_is_shown_but_cannot_be_changed_in_the_back_office(admin_client, submitted_vn):
    url = reverse("admin:tracker_progressupdate_change", args=[submitted_vn.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Pilots ran in two provinces." in page.content.decode()
    response = admin_client.post(url, {"narrative": "rewritten", "state": "approved"})
    assert response.status_code == 403
    submitted_vn.refresh_from_db()
    assert submitted_vn.state == "submitted"
    assert submitted_vn.narrative == "Pilots ran in two provinces."


def test_a_superuser_is_held_to_the_records_rules_not_waved_through(db, draft_vn):
    root = UserFactory(username="root2", is_staff=True, is_superuser=True, role="secretariat")
    # Django would say yes to a superuser for anything; the record's rules say no to writing
    # someone else's draft, and yes to what the secretariat may do.
    assert not root.has_perm("tracker.change_progressupdate", draft_vn)
    assert not root.has_perm("tracker.view_my_activities")
    assert root.has_perm("tracker.view_progressupdate", draft_vn)
    assert root.has_perm("tracker.manage_reportingcycle")
    # Permissions the rules do not define still follow Django's superuser rule (the back office).
    assert root.has_perm("tracker.view_reminderlog")
