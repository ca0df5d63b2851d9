"""The back office reads the plan's versioned records but does not write them: only the app's pages,
through the services, check versions and reasons (issue 12, finding 5)."""

import pytest

from roadmap.models import Activity, Milestone

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pass-2026-word")
    client.force_login(user)
    return client


def test_an_activity_opens_read_only_and_points_to_the_app(admin_client, plan):
    activity = plan["activity"]
    response = admin_client.get(f"/admin/roadmap/activity/{activity.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html
    assert f'href="/activities/{activity.code}/edit/"' in html


@pytest.mark.parametrize("model", ["activity", "milestone", "indicator"])
def test_a_back_office_save_is_refused_and_changes_nothing(admin_client, plan, model):
    obj = {"activity": plan["activity"], "milestone": plan["milestone"], "indicator": plan["indicator"]}[
        model
    ]
    before = type(obj).objects.get(pk=obj.pk).version
    response = admin_client.post(f"/admin/roadmap/{model}/{obj.pk}/change/", {"title": "Overwritten"})
    assert response.status_code == 403
    assert type(obj).objects.get(pk=obj.pk).version == before


@pytest.mark.parametrize("model", ["activity", "milestone", "indicator"])
def test_nothing_is_added_or_deleted_there_either(admin_client, plan, model):
    assert admin_client.get(f"/admin/roadmap/{model}/add/").status_code == 403
    obj = {"activity": plan["activity"], "milestone": plan["milestone"], "indicator": plan["indicator"]}[
        model
    ]
    assert admin_client.post(f"/admin/roadmap/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Activity.objects.count() == 1 and Milestone.objects.count() == 1
