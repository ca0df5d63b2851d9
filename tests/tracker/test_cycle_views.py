"""Reporting cycles through the real views: keeping, opening, closing, reopening, the matrix, reminders."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.helpers import messages_of, write_update
from tracker.cycles import services as cycle_services
from tracker.models import CycleReopening, CycleState, DueUpdate, ReportingCycle
from tracker.review import services as review_services

pytestmark = pytest.mark.django_db

CYCLES = reverse("tracker:cycle_list")
CREATE = reverse("tracker:cycle_create")


def url(name, cycle, *args):
    return reverse(f"tracker:{name}", args=[cycle.slug, *args])


@pytest.fixture
def other_client():
    """A second browser, for a reporter while the secretariat's stays signed in."""
    return Client()


@pytest.fixture
def planned(plan, secretariat_user):
    return cycle_services.cycle_create(
        cycle=ReportingCycle(
            slug="2027-H1",
            name="2027 first half",
            period_start=datetime.date(2027, 1, 1),
            period_end=datetime.date(2027, 6, 30),
            deadline=datetime.date(2027, 7, 31),
        ),
        acting_user=secretariat_user,
    )


def cycle_data(**overrides):
    data = {
        "slug": "2027-H2",
        "name": "2027 second half",
        "period_start": "2027-07-01",
        "period_end": "2027-12-31",
        "deadline": "2028-01-31",
    }
    return {**data, **overrides}


# --- Keeping cycles ------------------------------------------------------------------------------


def test_everyone_signed_in_sees_the_cycles_with_their_completeness(client, any_user, cycle, submitted_vn):
    client.force_login(any_user)

    response = client.get(CYCLES)

    assert response.status_code == 200
    row = re.search(r'<tr[^>]*id="cycle-2026-H2".*?</tr>', response.content.decode(), re.S).group(0)
    # Viet Nam handed in, Thailand has not: one of two.
    assert "(1/2)" in row and "50%" in row
    assert ("New cycle" in response.content.decode()) == (any_user.role == "secretariat")


def test_a_cycle_is_created_in_the_planned_state(sec_client, secretariat_user):
    response = sec_client.post(CREATE, cycle_data())

    cycle = ReportingCycle.objects.get(slug="2027-H2")
    assert response["Location"] == cycle.get_absolute_url()
    assert (cycle.state, cycle.deadline) == (CycleState.PLANNED, datetime.date(2028, 1, 31))
    assert cycle.history.last().history_user == secretariat_user


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"period_end": "2027-06-30"}, "period_end", "The period cannot end before it starts."),
        ({"deadline": "2027-01-31"}, "deadline", "The deadline cannot come before the period starts."),
        ({"period_start": "2027-13-01"}, "period_start", "Enter a valid date."),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_bad_cycle_input_is_named_at_its_field_and_kept(sec_client, overrides, field, message):
    data = cycle_data(**overrides)

    response = sec_client.post(CREATE, data)

    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(rf'<div class="invalid-feedback d-block" id="id_{field}_error">(.*?)</div>', html)
    assert error and error.group(1) == message
    assert 'value="2027 second half"' in html or field == "name"
    assert f'value="{data["slug"]}"' in html
    assert "Please correct the errors below; nothing was saved." in messages_of(response)
    assert not ReportingCycle.objects.filter(slug="2027-H2").exists()


def test_an_edit_on_a_stale_cycle_is_a_conflict(sec_client, planned, secretariat_user):
    stale = planned.version
    cycle_services.cycle_update(
        cycle=ReportingCycle.objects.get(pk=planned.pk), expected_version=stale, acting_user=secretariat_user
    )

    response = sec_client.post(
        url("cycle_edit", planned),
        cycle_data(slug="2027-H1", name="Renamed by me", version=stale),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this record since you opened it" in html
    assert "Your changes are still in the form below" in html
    assert 'value="Renamed by me"' in html
    planned.refresh_from_db()
    assert planned.name == "2027 first half"


def test_an_edit_is_saved_with_its_reason(sec_client, planned, secretariat_user):
    response = sec_client.post(
        url("cycle_edit", planned),
        cycle_data(slug="2027-H1", deadline="2027-08-15", version=planned.version, change_reason="Holidays."),
    )

    planned.refresh_from_db()
    assert response["Location"] == planned.get_absolute_url()
    assert planned.deadline == datetime.date(2027, 8, 15)
    assert planned.history.first().history_change_reason == "Holidays."


@pytest.mark.parametrize("role", ["focal_vn", "costi_rep", "observer_user"])
def test_only_the_secretariat_keeps_cycles(client, request, role, planned):
    client.force_login(request.getfixturevalue(role))

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, cycle_data()).status_code == 403
    assert client.get(url("cycle_edit", planned)).status_code == 403
    assert client.post(url("cycle_open", planned), {"version": planned.version}).status_code == 403
    assert client.get(url("cycle_reopen", planned)).status_code == 403
    assert client.get(url("cycle_activity_parties", planned, "R2.1")).status_code == 403
    assert client.get(url("cycle_reminders", planned)).status_code == 403
    planned.refresh_from_db()
    assert planned.state == CycleState.PLANNED
    assert not ReportingCycle.objects.filter(slug="2027-H2").exists()


# --- Opening, closing, reopening -----------------------------------------------------------------


def test_opening_fixes_what_is_due(sec_client, planned, plan, viet_nam, thailand, secretariat_user):
    page = sec_client.get(planned.get_absolute_url()).content.decode()
    assert url("cycle_open", planned) in page

    response = sec_client.post(url("cycle_open", planned), {"version": planned.version})

    assert response["Location"] == planned.get_absolute_url()
    planned.refresh_from_db()
    assert (planned.state, planned.opened_by) == (CycleState.OPEN, secretariat_user)
    due = DueUpdate.objects.filter(cycle=planned, activity=plan["activity"])
    assert {r.member_state for r in due} == {viet_nam, thailand}
    assert "Cycle 2027-H1 is open: 2 reports are due." in messages_of(sec_client.get(CYCLES))


def test_opening_twice_is_refused_with_a_message(sec_client, cycle):
    response = sec_client.post(url("cycle_open", cycle), {"version": cycle.version})

    assert response["Location"] == cycle.get_absolute_url()
    assert "Only a planned cycle can be opened; this one is Open." in messages_of(sec_client.get(CYCLES))


def test_opening_from_a_stale_page_is_refused(sec_client, planned):
    response = sec_client.post(url("cycle_open", planned), {"version": planned.version - 1 or 99})

    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.state == CycleState.PLANNED
    conflict = "Someone else changed this record since you opened it"
    assert any(conflict in m for m in messages_of(sec_client.get(CYCLES)))


def test_a_closed_cycle_is_locked(sec_client, other_client, cycle, plan, draft_vn, focal_vn, focal_th):
    sec_client.post(url("cycle_close", cycle), {"version": cycle.version, "reason": "Deadline passed."})
    cycle.refresh_from_db()
    assert cycle.state == CycleState.CLOSED
    assert cycle.history.first().history_change_reason == "Deadline passed."

    other_client.force_login(focal_th)
    assert other_client.get(url("update_create", cycle, plan["activity"].code)).status_code == 403
    other_client.force_login(focal_vn)
    assert other_client.get(reverse("tracker:update_edit", args=[draft_vn.pk])).status_code == 403
    assert other_client.post(reverse("tracker:update_edit", args=[draft_vn.pk]), {}).status_code == 403


def test_reopening_for_one_party_lets_only_that_party_report(
    sec_client, other_client, cycle, plan, viet_nam, focal_vn, focal_th, secretariat_user
):
    cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user)
    form = sec_client.get(url("cycle_reopen", cycle))
    assert form.status_code == 200

    response = sec_client.post(
        url("cycle_reopen", cycle), {"member_state": viet_nam.pk, "reason": "The minister signed late."}
    )

    assert response["Location"] == cycle.get_absolute_url()
    reopening = CycleReopening.objects.get(cycle=cycle)
    assert (reopening.member_state, reopening.reopened_by, reopening.reason, reopening.is_active) == (
        viet_nam,
        secretariat_user,
        "The minister signed late.",
        True,
    )
    page = sec_client.get(cycle.get_absolute_url()).content.decode()
    assert "The minister signed late." in page and str(secretariat_user) in page
    other_client.force_login(focal_vn)
    assert other_client.get(url("update_create", cycle, plan["activity"].code)).status_code == 200
    other_client.force_login(focal_th)
    assert other_client.get(url("update_create", cycle, plan["activity"].code)).status_code == 403

    sec_client.post(reverse("tracker:reopening_end", args=[reopening.pk]))

    reopening.refresh_from_db()
    assert (reopening.is_active, reopening.ended_by) == (False, secretariat_user)
    other_client.force_login(focal_vn)
    assert other_client.get(url("update_create", cycle, plan["activity"].code)).status_code == 403


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"reason": "Late."}, None, "Choose one member state or one body."),
        (
            {"member_state": "VN", "body": "COSTI", "reason": "Late."},
            None,
            "Choose one member state or one body.",
        ),
        ({"member_state": "VN", "reason": ""}, "reason", "Say why the cycle is reopened for this party."),
    ],
)
def test_a_reopening_needs_one_party_and_a_reason(
    sec_client, cycle, viet_nam, costi, secretariat_user, data, field, message
):
    cycle_services.cycle_close(cycle=cycle, acting_user=secretariat_user)
    ids = {"VN": viet_nam.pk, "COSTI": costi.pk}
    posted = {k: ids.get(v, v) for k, v in data.items()}

    response = sec_client.post(url("cycle_reopen", cycle), posted)

    assert response.status_code == 200
    html = response.content.decode()
    if field:
        assert f'id="id_{field}_error">{message}</div>' in html
    else:
        assert message in html
    assert f'<option value="{viet_nam.pk}" selected>' in html or "member_state" not in data
    assert "Late." in html or not data["reason"]
    assert not CycleReopening.objects.exists()


def test_reopening_an_open_cycle_is_refused_at_the_form(sec_client, cycle, viet_nam):
    response = sec_client.post(
        url("cycle_reopen", cycle), {"member_state": viet_nam.pk, "reason": "Why not."}
    )

    assert response.status_code == 200
    assert "Only a closed cycle can be reopened for a party." in response.content.decode()
    assert not CycleReopening.objects.exists()


# --- Who reports on an activity ------------------------------------------------------------------


def test_the_secretariat_adds_and_removes_a_party(sec_client, cycle, plan, costi, thailand):
    page = url("cycle_activity_parties", cycle, "R2.1")

    response = sec_client.post(page, {"action": "add", "body": costi.pk})

    assert response["Location"] == page
    assert DueUpdate.objects.filter(cycle=cycle, activity=plan["activity"], body=costi).exists()
    thai = DueUpdate.objects.get(cycle=cycle, activity=plan["activity"], member_state=thailand)

    sec_client.post(page, {"action": "remove", "expected": thai.pk})

    assert not DueUpdate.objects.filter(pk=thai.pk).exists()
    html = sec_client.get(page).content.decode()
    assert "COSTI" in html and "Thailand no longer owes a report on R2.1 in 2026-H2." in html


def test_a_party_that_has_started_cannot_be_removed(sec_client, cycle, draft_vn, viet_nam):
    page = url("cycle_activity_parties", cycle, "R2.1")
    expected = DueUpdate.objects.get(cycle=cycle, member_state=viet_nam)
    html = sec_client.get(page).content.decode()
    assert f'name="expected" value="{expected.pk}"' not in html  # no remove button offered

    sec_client.post(page, {"action": "remove", "expected": expected.pk})

    assert DueUpdate.objects.filter(pk=expected.pk).exists()
    assert any("has already started this report" in m for m in messages_of(sec_client.get(page)))


def test_adding_a_party_twice_or_none_is_refused_at_the_form(sec_client, cycle, viet_nam):
    page = url("cycle_activity_parties", cycle, "R2.1")

    twice = sec_client.post(page, {"action": "add", "member_state": viet_nam.pk})
    neither = sec_client.post(page, {"action": "add"})

    assert twice.status_code == neither.status_code == 200
    assert "That party is already due to report on this activity." in twice.content.decode()
    assert "Choose one member state or one body." in neither.content.decode()
    assert DueUpdate.objects.filter(cycle=cycle, member_state=viet_nam).count() == 1


# --- The cycle page and its matrix ---------------------------------------------------------------


@pytest.fixture
def every_status(
    cycle, plan, roadmap, viet_nam, thailand, costi, focal_vn, focal_th, costi_rep, secretariat_user
):
    """R2.1: Viet Nam approved, Thailand returned. R2.2: Viet Nam submitted, Thailand draft, COSTI missing.
    R3.1 (recommendation 3): Thailand missing."""
    r22 = factories.ActivityFactory(
        roadmap=roadmap, recommendation=plan["recommendation"], code="R2.2", lead_member_states=[viet_nam]
    )
    r31 = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=factories.RecommendationFactory(roadmap=roadmap, number=3),
        code="R3.1",
        lead_member_states=[thailand],
    )
    for activity, party in [
        (r22, {"member_state": thailand}),
        (r22, {"body": costi}),
        (r31, {"member_state": thailand}),
    ]:
        cycle_services.due_update_add(cycle=cycle, activity=activity, acting_user=secretariat_user, **party)
    cycle_services.due_update_add(
        cycle=cycle, activity=r22, acting_user=secretariat_user, member_state=viet_nam
    )
    approved = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True)
    review_services.progress_update_approve(update=approved, acting_user=secretariat_user)
    returned = write_update(author=focal_th, activity=plan["activity"], cycle=cycle, submit=True)
    review_services.progress_update_return(
        update=returned, comment="More detail.", acting_user=secretariat_user
    )
    submitted = write_update(author=focal_vn, activity=r22, cycle=cycle, submit=True)
    draft = write_update(author=focal_th, activity=r22, cycle=cycle)
    return {"approved": approved, "returned": returned, "submitted": submitted, "draft": draft, "r22": r22}


def cell(html, code, status):
    """The matrix cell of `code`'s row with that status, or None."""
    row = re.search(rf'<tr id="matrix-{code.lower().replace(".", "")}">(.*?)</tr>', html, re.S)
    if not row:
        return None
    match = re.search(rf'<td class="text-center" data-status="{status}">(.*?)</td>', row.group(1), re.S)
    return match.group(1) if match else None


def test_the_matrix_shows_every_status_and_links_for_the_secretariat(sec_client, cycle, every_status):
    response = sec_client.get(cycle.get_absolute_url())

    html = response.content.decode()
    assert re.search(r'<table class="[^"]*matrix[^"]*" id="cycle-matrix">', html)
    assert '<th scope="row"' in html and '<th scope="col"' in html
    for status in ("approved", "returned", "submitted", "draft", "missing"):
        assert f'data-status="{status}"' in re.search(r'id="matrix-legend">(.*?)</p>', html, re.S).group(1)
    assert every_status["approved"].get_absolute_url() in cell(html, "R2.1", "approved")
    assert every_status["returned"].get_absolute_url() in cell(html, "R2.1", "returned")
    assert every_status["submitted"].get_absolute_url() in cell(html, "R2.2", "submitted")
    assert ">Draft<" in cell(html, "R2.2", "draft") and "href" in cell(html, "R2.2", "draft")
    assert ">Missing<" in cell(html, "R2.2", "missing") and "href" not in cell(html, "R2.2", "missing")
    # 6 due (R2.1 ×2, R2.2 ×3, R3.1 ×1): submitted 1 + approved 1 handed in, 1 approved.
    assert "33% handed in (submitted or approved), 17% approved" in html
    parties = {p.label: p for p, _counts in response.context["parties"]}
    assert (
        parties["Viet Nam"].total,
        parties["Viet Nam"].percent_in,
        parties["Viet Nam"].percent_approved,
    ) == (
        2,
        100,
        50,
    )
    assert parties["Thailand"].percent_in == 0 and parties["COSTI"].missing == 1


def test_a_reporter_sees_the_matrix_but_links_only_to_what_they_may_read(
    client, focal_th, cycle, every_status
):
    client.force_login(focal_th)

    html = client.get(cycle.get_absolute_url()).content.decode()

    assert 'id="cycle-matrix"' in html
    assert every_status["approved"].get_absolute_url() in cell(html, "R2.1", "approved")  # the record
    assert every_status["returned"].get_absolute_url() in cell(html, "R2.1", "returned")  # their own
    assert every_status["draft"].get_absolute_url() in cell(html, "R2.2", "draft")  # their own
    # Viet Nam's submission: its status, not a way in.
    assert ">Submitted<" in cell(html, "R2.2", "submitted")
    assert every_status["submitted"].get_absolute_url() not in html
    assert url("cycle_close", cycle) not in html and url("cycle_activity_parties", cycle, "R2.1") not in html


def test_other_parties_unsubmitted_work_shows_as_missing_to_a_reporter(
    client, focal_vn, secretariat_user, cycle, every_status
):
    # Thailand's returned R2.1 and draft R2.2 are Thailand's own business until submitted.
    client.force_login(focal_vn)
    response = client.get(cycle.get_absolute_url())
    html = response.content.decode()

    assert cell(html, "R2.1", "returned") is None and cell(html, "R2.2", "draft") is None
    assert 'id="counts-masked"' in html
    assert every_status["draft"].get_absolute_url() not in html
    assert every_status["returned"].get_absolute_url() not in html
    parties = {p.label: p for p, _counts in response.context["parties"]}
    assert parties["Thailand"].counts["draft"] == parties["Thailand"].counts["returned"] == 0
    assert parties["Thailand"].missing == 3
    # Its own submission is shown as it is.
    assert every_status["submitted"].get_absolute_url() in cell(html, "R2.2", "submitted")
    # The secretariat sees every party's real state.
    client.force_login(secretariat_user)
    html = client.get(cycle.get_absolute_url()).content.decode()
    assert every_status["draft"].get_absolute_url() in cell(html, "R2.2", "draft")
    assert 'id="counts-masked"' not in html


def status_totals(html):
    """The cycle page's count per status, as shown under "Completeness"."""
    totals = re.search(r'<ul class="list-inline" id="status-totals">(.*?)</ul>', html, re.S).group(1)
    return {
        status: int(count)
        for status, count in re.findall(r'data-status="(\w+)">.*?</span> (\d+)</li>', totals, re.S)
    }


def test_everyone_but_the_secretariat_counts_other_parties_unsubmitted_work_as_missing(
    client, observer_user, focal_vn, secretariat_user, cycle, every_status
):
    # Thailand's returned R2.1 and draft R2.2 are Thailand's own business until submitted: an
    # observer's totals say what Viet Nam's focal point's say, and only the secretariat sees them.
    shown = {}
    said = {}
    for user in (observer_user, focal_vn, secretariat_user):
        client.force_login(user)
        html = client.get(cycle.get_absolute_url()).content.decode()
        shown[user.role] = status_totals(html)
        said[user.role] = 'id="counts-masked"' in html

    masked = {"missing": 4, "draft": 0, "submitted": 1, "returned": 0, "approved": 1}
    assert shown["observer"] == shown["focal_point"] == masked
    assert shown["secretariat"] == {"missing": 2, "draft": 1, "submitted": 1, "returned": 1, "approved": 1}
    # Whoever reads masked counts is told so, the observer too (who sees no matrix).
    assert said == {"observer": True, "focal_point": True, "secretariat": False}


def test_observers_see_the_cycle_but_not_the_matrix(client, observer_user, cycle, every_status):
    client.force_login(observer_user)

    response = client.get(cycle.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="cycle-matrix"' not in html and 'id="party-completeness"' not in html
    assert 'id="matrix-hidden"' in html
    assert "33% handed in" in html
    assert every_status["approved"].get_absolute_url() not in html


@pytest.mark.parametrize(
    "query, rows",
    [
        ({"recommendation": "3"}, ["R3.1"]),
        ({"recommendation": "2"}, ["R2.1", "R2.2"]),
        ({"status": "missing"}, ["R2.2", "R3.1"]),
        ({"status": "approved"}, ["R2.1"]),
        ({"status": "returned", "recommendation": "3"}, []),
        ({"status": "nonsense"}, ["R2.1", "R2.2", "R3.1"]),
    ],
)
def test_the_matrix_filters(sec_client, cycle, every_status, query, rows):
    response = sec_client.get(cycle.get_absolute_url(), query)

    assert [activity.code for activity, _cells in response.context.get("matrix_rows", [])] == rows


def test_the_cycle_page_offers_the_secretariat_its_actions(sec_client, cycle):
    html = sec_client.get(cycle.get_absolute_url()).content.decode()

    assert url("cycle_close", cycle) in html
    assert url("cycle_reminders", cycle) in html
    assert url("cycle_activity_parties", cycle, "R2.1") in html
    assert "14 days left" in html


def test_a_missing_cycle_is_a_404(sec_client):
    assert sec_client.get(reverse("tracker:cycle_detail", args=["1999-H1"])).status_code == 404


# --- Reminders ------------------------------------------------------------------------------------


@pytest.fixture
def due_in_a_week(cycle):
    cycle.deadline = timezone.localdate() + datetime.timedelta(days=7)
    cycle.save()
    return cycle


def test_reminders_are_previewed_then_sent_once(sec_client, due_in_a_week, focal_vn, focal_th, draft_vn):
    page = url("cycle_reminders", due_in_a_week)

    preview = sec_client.get(page)

    assert preview.status_code == 200
    html = preview.content.decode()
    assert focal_vn.email in html and focal_th.email in html
    assert "R2.1" in html
    assert not mail.outbox

    response = sec_client.post(page)

    assert response["Location"] == page
    assert {address for m in mail.outbox for address in m.to} == {focal_vn.email, focal_th.email}
    sent = len(mail.outbox)
    again = sec_client.post(page, follow=True)
    assert len(mail.outbox) == sent  # never twice in a day
    assert "already sent" in again.content.decode()


def test_reminders_for_a_planned_cycle_are_refused_with_a_message(sec_client, planned, focal_vn):
    response = sec_client.post(url("cycle_reminders", planned), follow=True)

    assert "2027-H1 takes no reports, so nobody is reminded of it" in " ".join(messages_of(response))
    assert not mail.outbox


def test_a_long_matrix_is_paged_with_the_same_columns_on_every_page(
    sec_client, cycle, every_status, monkeypatch
):
    from tracker.cycles.views import CycleDetailView

    monkeypatch.setattr(CycleDetailView, "matrix_per_page", 2)
    first = sec_client.get(cycle.get_absolute_url())
    second = sec_client.get(cycle.get_absolute_url() + "?page=2")

    first_codes = [a.code for a, _cells in first.context["matrix_rows"]]
    second_codes = [a.code for a, _cells in second.context["matrix_rows"]]
    assert first_codes == ["R2.1", "R2.2"]
    assert second_codes == ["R3.1"]
    assert [p.key for p in first.context["columns"]] == [p.key for p in second.context["columns"]]
    assert "Activities 1–2 of 3." in first.content.decode()
    assert 'aria-current="page">2<' in second.content.decode()


def test_the_cycle_form_takes_a_vietnamese_name_shown_to_vietnamese_readers(sec_client, planned, settings):
    form = sec_client.get(url("cycle_edit", planned)).content.decode()
    assert 'name="name_vi"' in form

    response = sec_client.post(
        url("cycle_edit", planned),
        cycle_data(
            slug="2027-H1", name="2027 first half", name_vi="Nửa đầu năm 2027", version=planned.version
        ),
    )

    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.name_vi == "Nửa đầu năm 2027"
    sec_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = sec_client.get(url("cycle_detail", planned)).content.decode()
    assert "Nửa đầu năm 2027" in html and "2027 first half" not in html


def test_a_cycle_without_a_vietnamese_name_shows_the_english_marked(sec_client, planned, settings):
    sec_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = sec_client.get(url("cycle_detail", planned)).content.decode()
    assert "2027 first half (tiếng Anh)" in html
