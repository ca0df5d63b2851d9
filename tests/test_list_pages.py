"""The paginated lists answer any page number with a page of the site, never a server error."""

import pytest
from django.urls import reverse

from tests.factories import ActivityFactory, MilestoneFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "roadmap:activity_list",
    "roadmap:milestone_list",
    "tracker:update_list",
    "tracker:report_list",
    "tracker:review_queue",
    "tracker:cycle_list",
]


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("page", ["999999999", "99999999999999999999", "-1", "two"])
def test_any_page_number_answers_a_page_not_a_server_error(sec_client, name, page):
    MilestoneFactory(activity=ActivityFactory())
    response = sec_client.get(reverse(name), {"page": page})
    assert response.status_code == 200
    assert b'id="main"' in response.content or b"<main" in response.content
