import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_plan_page_renders_for_the_secretariat(client, secretariat_user, plan, viet_nam, costi):
    client.force_login(secretariat_user)
    activity = plan["activity"]
    urls = [
        reverse("roadmap:dashboard"),
        reverse("roadmap:recommendation_list"),
        reverse("roadmap:recommendation_detail", args=[2]),
        reverse("roadmap:activity_list"),
        reverse("roadmap:activity_detail", args=[activity.code]),
        reverse("roadmap:activity_update", args=[activity.code]),
        reverse("roadmap:activity_create"),
        reverse("roadmap:milestone_create", args=[activity.code]),
        reverse("roadmap:milestone_update", args=[activity.code, plan["milestone"].pk]),
        reverse("roadmap:indicator_create", args=[activity.code]),
        reverse("roadmap:indicator_update", args=[activity.code, plan["indicator"].pk]),
        reverse("roadmap:milestone_list"),
        reverse("roadmap:member_state_list"),
        reverse("roadmap:member_state_detail", args=["VN"]),
        reverse("roadmap:body_list"),
        reverse("roadmap:body_detail", args=["COSTI"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Readiness assessment pilots" in client.get(urls[4]).content.decode()
