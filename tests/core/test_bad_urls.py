"""Bad values in a URL get a page of the site that says so (404 or 400), never a server error.

A NUL character cannot go into a PostgreSQL query (psycopg refuses it outright), so every lookup by
a code, an acronym or a slug taken from the path failed there with a 500.
"""

import pytest

pytestmark = pytest.mark.django_db

PATHS_WITH_NUL = [
    "/activities/%00/",
    "/activities/R1.1%00/edit/",
    "/bodies/%00/",
    "/member-states/%00/",
    "/cycles/%00/",
    "/recommendations/%00/",
]


@pytest.mark.parametrize("path", PATHS_WITH_NUL)
def test_a_nul_in_the_path_is_a_bad_request_page(sec_client, path):
    response = sec_client.get(path)
    assert response.status_code == 400
    assert "Bad request" in response.text
    assert 'id="nav-main"' in response.text  # a page of the site, with its menu


@pytest.mark.parametrize("query", ["?q=%00", "?recommendation=%00", "?page=%00", "?sort=%00"])
def test_a_nul_in_the_query_string_is_a_bad_request_page(sec_client, query):
    response = sec_client.get("/activities/" + query)
    assert response.status_code == 400
    assert "Bad request" in response.text


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "1e9", "0"])
def test_a_page_number_past_any_list_is_no_server_error(sec_client, page):
    response = sec_client.get(f"/activities/?page={page}")
    assert response.status_code in (200, 404)
