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
        reverse("roadmap:recommendation_indicator_create", args=[2]),
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


def test_secretariat_adds_an_indicator_to_a_recommendation(client, secretariat_user, plan):
    client.force_login(secretariat_user)
    url = reverse("roadmap:recommendation_indicator_create", args=[2])
    response = client.post(url, {"name": "SMEs with a smart-manufacturing strategy", "unit": "SMEs"})
    assert response.status_code == 302
    indicator = plan["recommendation"].indicators.get()
    assert indicator.activity is None
    edit = client.get(reverse("roadmap:recommendation_indicator_update", args=[2, indicator.pk]))
    assert edit.status_code == 200
    page = client.get(reverse("roadmap:recommendation_detail", args=[2])).content.decode()
    assert "SMEs with a smart-manufacturing strategy" in page


def test_a_second_milestone_with_the_same_title_is_refused_at_the_form(client, secretariat_user, plan):
    client.force_login(secretariat_user)
    activity = plan["activity"]
    url = reverse("roadmap:milestone_create", args=[activity.code])
    response = client.post(url, {"title": plan["milestone"].title, "planned_date": "2027-01-31"})
    assert response.status_code == 200
    assert "already has a milestone with this title" in response.content.decode()
    assert activity.milestones.count() == 1
