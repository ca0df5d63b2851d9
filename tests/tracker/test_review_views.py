"""The secretariat's review through the real views: one at a time, in bulk, and when reviewers collide."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roadmap.models import Activity, Milestone
from tests import factories
from tests.helpers import messages_of, write_update
from tracker.cycles import services as cycle_services
from tracker.models import DueUpdate, ProgressUpdate, UpdateState, UpdateTransition
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db

QUEUE = reverse("tracker:review_queue")


def review_url(update):
    return reverse("tracker:update_review", args=[update.pk])


@pytest.fixture
def other_reviewer(db):
    return factories.SecretariatFactory(username="sec2", first_name="Second", last_name="Reviewer")


@pytest.fixture
def second_activity(plan, roadmap, viet_nam, thailand, cycle, secretariat_user):
    """R2.2, led by Viet Nam with Thailand taking part, added to the open cycle for both."""
    activity = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=plan["recommendation"],
        code="R2.2",
        title="Digital twins for SMEs",
        lead_member_states=[viet_nam],
        participating_member_states=[thailand],
    )
    for state in (viet_nam, thailand):
        cycle_services.due_update_add(
            cycle=cycle, activity=activity, acting_user=secretariat_user, member_state=state
        )
    return activity


@pytest.fixture
def three_submitted(cycle, plan, second_activity, focal_vn, focal_th):
    """R2.1 from Viet Nam and Thailand, R2.2 from Viet Nam: all waiting for review."""
    return [
        write_update(
            author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True, proposed_percent=55
        ),
        write_update(
            author=focal_th,
            activity=plan["activity"],
            cycle=cycle,
            submit=True,
            narrative="Thai pilots started.",
        ),
        write_update(
            author=focal_vn, activity=second_activity, cycle=cycle, submit=True, proposed_percent=10
        ),
    ]


# --- One at a time, from the update page -------------------------------------------------------


def test_approving_sets_the_activity_and_its_milestones(sec_client, cycle, plan, focal_vn, secretariat_user):
    achieved = timezone.localdate() - datetime.timedelta(days=3)
    draft = update_services.new_update(activity=plan["activity"], cycle=cycle, author=focal_vn)
    draft.narrative = "The pilot report is out."
    draft.proposed_status, draft.proposed_flag, draft.proposed_percent = "delayed", "amber", 65
    update = update_services.progress_update_save(
        update=draft,
        content=update_services.UpdateContent(achievements=[(plan["milestone"], achieved)]),
        acting_user=focal_vn,
        submit=True,
    )

    response = sec_client.post(
        review_url(update), {"action": "approve", "comment": "Thanks.", "version": update.version}
    )

    assert response.status_code == 302
    assert response["Location"] == QUEUE  # nothing else waits
    update.refresh_from_db()
    activity = Activity.objects.get(pk=plan["activity"].pk)
    assert (update.state, update.reviewed_by, update.review_comment) == (
        "approved",
        secretariat_user,
        "Thanks.",
    )
    assert (activity.status, activity.flag, activity.percent_complete) == ("delayed", "amber", 65)
    assert Milestone.objects.get(pk=plan["milestone"].pk).actual_date == achieved
    last = update.transitions.last()
    assert (last.from_state, last.to_state, last.actor, last.comment) == (
        "submitted",
        "approved",
        secretariat_user,
        "Thanks.",
    )
    assert DueUpdate.objects.get(
        cycle=cycle, activity=activity, member_state=focal_vn.member_state
    ).status == ("approved")
    assert "Approved: R2.1 · Viet Nam." in messages_of(sec_client.get(QUEUE))


def test_a_failed_approval_leaves_nothing_half_written(sec_client, cycle, plan, focal_vn, monkeypatch):
    update = write_update(
        author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True, proposed_percent=70
    )

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(review_services, "activity_update", broken)

    with pytest.raises(RuntimeError):
        sec_client.post(review_url(update), {"action": "approve", "version": update.version})

    update.refresh_from_db()
    assert update.state == "submitted"
    assert not update.transitions.filter(to_state="approved").exists()
    assert Activity.objects.get(pk=plan["activity"].pk).percent_complete == 40
    assert DueUpdate.objects.get(activity=plan["activity"], member_state=focal_vn.member_state).status == (
        "submitted"
    )


def test_a_return_needs_a_comment(sec_client, submitted_vn):
    response = sec_client.post(
        review_url(submitted_vn),
        {"action": "return", "comment": "  ", "version": submitted_vn.version},
        follow=False,
    )

    assert response.status_code == 302
    assert response["Location"] == submitted_vn.get_absolute_url()
    submitted_vn.refresh_from_db()
    assert submitted_vn.state == "submitted"
    assert not submitted_vn.transitions.filter(to_state="returned").exists()
    assert "Say what needs to change before it can be approved." in messages_of(sec_client.get(QUEUE))


def test_a_return_reaches_the_reporter_and_moves_on_to_the_next_update(
    sec_client, three_submitted, focal_vn, django_capture_on_commit_callbacks
):
    first, second, _third = three_submitted
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = sec_client.post(
            review_url(first),
            {"action": "return", "comment": "Name the provinces.", "version": first.version},
        )

    assert response["Location"] == reverse("tracker:update_detail", args=[second.pk])
    first.refresh_from_db()
    assert (first.state, first.review_comment) == ("returned", "Name the provinces.")
    assert first.transitions.last().comment == "Name the provinces."
    assert [m.to for m in mail.outbox] == [[focal_vn.email]]


@pytest.mark.parametrize("second_action", ["approve", "return"])
def test_two_reviewers_on_the_same_version_one_wins(
    submitted_vn, secretariat_user, other_reviewer, second_action
):
    first, second = Client(), Client()
    first.force_login(secretariat_user)
    second.force_login(other_reviewer)
    version = submitted_vn.version  # both opened the page at this version

    won = first.post(review_url(submitted_vn), {"action": "approve", "version": version})
    lost = second.post(
        review_url(submitted_vn), {"action": second_action, "comment": "Too thin.", "version": version}
    )

    assert won.status_code == lost.status_code == 302
    assert lost["Location"] == submitted_vn.get_absolute_url()
    text = " ".join(messages_of(second.get(QUEUE)))
    assert f"This update was already approved by {secretariat_user} at " in text
    assert "Your comment was not sent: “Too thin.”" in text
    submitted_vn.refresh_from_db()
    assert (
        submitted_vn.state,
        submitted_vn.reviewed_by,
        submitted_vn.review_comment,
        submitted_vn.version,
    ) == (
        "approved",
        secretariat_user,
        "",
        version + 1,
    )
    reviews = UpdateTransition.objects.filter(update=submitted_vn, from_state="submitted")
    assert [(t.to_state, t.actor) for t in reviews] == [("approved", secretariat_user)]


def test_a_second_approval_without_a_version_is_refused_by_state(sec_client, approved_vn):
    response = sec_client.post(review_url(approved_vn), {"action": "approve"})

    assert response["Location"] == approved_vn.get_absolute_url()
    assert any("already approved" in m for m in messages_of(sec_client.get(QUEUE)))
    assert approved_vn.transitions.filter(to_state="approved").count() == 1


def test_a_review_of_an_update_changed_since_is_a_conflict(
    sec_client, submitted_vn, focal_vn, other_reviewer
):
    version = submitted_vn.version  # the reviewer opened the page at this version
    # Meanwhile another reviewer returned it and the reporter submitted it again: nobody approved it.
    review_services.progress_update_return(update=submitted_vn, comment="More.", acting_user=other_reviewer)
    resubmitted = update_services.progress_update_submit(update=submitted_vn, acting_user=focal_vn)

    response = sec_client.post(
        review_url(submitted_vn), {"action": "approve", "comment": "Fine.", "version": version}
    )

    assert response["Location"] == submitted_vn.get_absolute_url()
    text = " ".join(messages_of(sec_client.get(QUEUE)))
    assert (
        f"Someone else changed this record since you opened it (now version {resubmitted.version}); "
        "nothing was saved." in text
    )
    assert "Your comment was not sent: “Fine.”" in text
    submitted_vn.refresh_from_db()
    assert (submitted_vn.state, submitted_vn.version) == ("submitted", resubmitted.version)


@pytest.mark.parametrize("role", ["focal_vn", "focal_th", "costi_rep", "observer_user"])
def test_only_the_secretariat_reviews(client, request, role, submitted_vn):
    client.force_login(request.getfixturevalue(role))

    assert client.get(QUEUE).status_code == 403
    response = client.post(review_url(submitted_vn), {"action": "approve", "version": submitted_vn.version})
    assert response.status_code == 403
    submitted_vn.refresh_from_db()
    assert submitted_vn.state == "submitted"


def test_signed_out_visitors_are_sent_to_log_in(client, submitted_vn):
    assert client.get(QUEUE)["Location"].startswith(reverse("login"))
    client.post(review_url(submitted_vn), {"action": "approve"})
    submitted_vn.refresh_from_db()
    assert submitted_vn.state == "submitted"


def test_reviewing_an_update_that_does_not_exist_is_a_404(sec_client):
    assert (
        sec_client.post(reverse("tracker:update_review", args=[999999]), {"action": "approve"}).status_code
        == 404
    )


def test_the_review_url_takes_no_get(sec_client, submitted_vn):
    assert sec_client.get(review_url(submitted_vn)).status_code == 405


# --- The queue ----------------------------------------------------------------------------------


def test_the_queue_lists_submissions_with_what_they_would_change(sec_client, three_submitted, draft_vn_other):
    response = sec_client.get(QUEUE)

    assert response.status_code == 200
    html = response.content.decode()
    rows = [r.record for r in response.context["table"].paginated_rows]
    assert [u.pk for u in rows] == [u.pk for u in three_submitted]  # oldest submission first
    assert draft_vn_other.pk not in [u.pk for u in rows]
    first = three_submitted[0]
    assert f'name="note-{first.pk}"' in html
    assert f'name="version-{first.pk}" value="{first.version}"' in html
    assert f'value="{first.pk}" id="select-{first.pk}"' in html
    assert "55%" in html and "now:" in html  # proposed against the official 40%
    assert "Thai pilots started." in html
    assert first.get_absolute_url() in html


@pytest.fixture
def draft_vn_other(second_activity, cycle, focal_th):
    """A Thai draft: never in the queue."""
    return write_update(author=focal_th, activity=second_activity, cycle=cycle)


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"member_state": "TH"}, [1]),
        ({"member_state": "VN"}, [0, 2]),
        ({"q": "R2.2"}, [2]),
        ({"q": "digital twins"}, [2]),
        ({"recommendation": "2"}, [0, 1, 2]),
        ({"recommendation": "3"}, []),
        ({"cycle": "2026-H2"}, [0, 1, 2]),
    ],
)
def test_the_queue_filters(sec_client, three_submitted, query, expected, roadmap):
    factories.RecommendationFactory(roadmap=roadmap, number=3)
    response = sec_client.get(QUEUE, query)

    assert [r.record.pk for r in response.context["table"].paginated_rows] == [
        three_submitted[i].pk for i in expected
    ]


def test_the_queue_filters_by_body(sec_client, cycle, plan, costi, costi_rep, three_submitted):
    costi_update = write_update(author=costi_rep, activity=plan["activity"], cycle=cycle, submit=True)

    response = sec_client.get(QUEUE, {"body": "COSTI"})

    assert [r.record.pk for r in response.context["table"].paginated_rows] == [costi_update.pk]


# --- Bulk ----------------------------------------------------------------------------------------


def bulk_data(action, rows, *, ticked):
    """The queue's form: every row's note and version, with some rows ticked."""
    data = {"action": action, "update": [str(u.pk) for u in ticked]}
    for update, note in rows:
        data[f"note-{update.pk}"] = note
        data[f"version-{update.pk}"] = str(update.version)
    return data


def test_bulk_approve(sec_client, three_submitted, plan, second_activity, secretariat_user):
    rows = [(u, "") for u in three_submitted]
    rows[0] = (three_submitted[0], "Good evidence.")

    response = sec_client.post(QUEUE + "?member_state=", bulk_data("approve", rows, ticked=three_submitted))

    assert response.status_code == 302
    assert response["Location"] == QUEUE + "?member_state="  # filters kept
    assert set(ProgressUpdate.objects.values_list("state", flat=True)) == {"approved"}
    assert ProgressUpdate.objects.get(pk=three_submitted[0].pk).review_comment == "Good evidence."
    assert Activity.objects.get(pk=second_activity.pk).percent_complete == 10
    assert "Done: 3 approved." in messages_of(sec_client.get(QUEUE))


def test_bulk_return_refuses_a_row_without_a_note_and_keeps_what_was_typed(sec_client, three_submitted):
    vn, th, vn2 = three_submitted
    data = bulk_data(
        "return",
        [(vn, "Name the provinces."), (th, ""), (vn2, "A note I am still writing")],
        ticked=[vn, th],
    )

    response = sec_client.post(QUEUE, data)

    # Shown again, not redirected: the reviewer's notes are still there to finish.
    assert response.status_code == 200
    html = response.content.decode()
    text = " ".join(messages_of(response))
    assert "1 returned; 1 could not be: R2.1 · Thailand — Say what needs to change" in text
    assert "A note I am still writing" in html
    assert f'value="{th.pk}" id="select-{th.pk}" checked' in html
    assert f'id="note-{th.pk}-error"' in html
    assert f'id="update-{th.pk}" class="table-danger' in html
    states = dict(ProgressUpdate.objects.values_list("pk", "state"))
    assert (states[vn.pk], states[th.pk], states[vn2.pk]) == ("returned", "submitted", "submitted")
    assert ProgressUpdate.objects.get(pk=vn.pk).review_comment == "Name the provinces."
    # The row that was done has left the queue.
    assert vn.pk not in [r.record.pk for r in response.context["table"].paginated_rows]


def test_bulk_reports_a_row_another_reviewer_took(sec_client, three_submitted, other_reviewer):
    vn, th, _vn2 = three_submitted
    review_services.progress_update_approve(update=vn, acting_user=other_reviewer)

    response = sec_client.post(QUEUE, bulk_data("approve", [(vn, ""), (th, "")], ticked=[vn, th]))

    assert response.status_code == 302
    text = " ".join(messages_of(sec_client.get(QUEUE)))
    assert (
        "1 approved; 1 could not be: R2.1 · Viet Nam — This update was already approved by Second Reviewer"
        in (text)
    )
    assert ProgressUpdate.objects.get(pk=th.pk).state == "approved"
    assert UpdateTransition.objects.filter(update=vn, to_state="approved").count() == 1


def test_bulk_names_a_row_the_reviewer_may_not_review(sec_client, three_submitted, secretariat_user):
    vn, th, _vn2 = three_submitted
    ProgressUpdate.objects.filter(pk=vn.pk).update(author=secretariat_user)  # nobody reviews their own

    response = sec_client.post(QUEUE, bulk_data("approve", [(vn, ""), (th, "")], ticked=[vn, th]))

    assert response.status_code == 302
    text = " ".join(messages_of(sec_client.get(QUEUE)))
    assert (
        "1 approved; 1 could not be: R2.1 · Viet Nam — "
        "You may not review this update (nobody reviews their own)." in text
    )
    states = dict(ProgressUpdate.objects.values_list("pk", "state"))
    assert (states[vn.pk], states[th.pk]) == ("submitted", "approved")


def test_bulk_with_nothing_ticked_does_nothing_and_says_so(sec_client, three_submitted):
    vn = three_submitted[0]
    response = sec_client.post(QUEUE, bulk_data("approve", [(vn, "kept")], ticked=[]))

    assert response.status_code == 200
    assert "Tick the updates to approve or return; nothing was done." in messages_of(response)
    assert "kept</textarea>" in response.content.decode()
    assert not ProgressUpdate.objects.exclude(state=UpdateState.SUBMITTED).exists()


def test_bulk_needs_an_action(sec_client, three_submitted):
    response = sec_client.post(QUEUE, bulk_data("delete", [], ticked=three_submitted))

    assert response.status_code == 200
    assert "Choose whether to approve or return the ticked updates." in messages_of(response)
    assert not ProgressUpdate.objects.exclude(state=UpdateState.SUBMITTED).exists()


@pytest.mark.parametrize("role", ["focal_vn", "observer_user"])
def test_bulk_is_refused_to_others(client, request, role, three_submitted):
    client.force_login(request.getfixturevalue(role))

    response = client.post(QUEUE, bulk_data("approve", [], ticked=three_submitted))

    assert response.status_code == 403
    assert not ProgressUpdate.objects.exclude(state=UpdateState.SUBMITTED).exists()


def test_a_bulk_return_with_no_note_at_all_returns_nothing(sec_client, three_submitted):
    vn = three_submitted[0]

    response = sec_client.post(QUEUE, bulk_data("return", [(vn, "")], ticked=[vn]))

    assert response.status_code == 200
    assert "Nothing was returned: R2.1 · Viet Nam — Say what needs to change" in " ".join(
        messages_of(response)
    )
    assert not ProgressUpdate.objects.exclude(state=UpdateState.SUBMITTED).exists()


@pytest.mark.parametrize(
    "role, sees_review", [("secretariat_user", True), ("focal_vn", False), ("observer_user", False)]
)
def test_the_menu_offers_review_to_the_secretariat_and_cycles_to_all(client, request, role, sees_review):
    client.force_login(request.getfixturevalue(role))

    html = client.get(reverse("tracker:cycle_list")).content.decode()

    assert f'href="{reverse("tracker:cycle_list")}">Cycles</a>' in html
    assert (f'href="{QUEUE}">Review</a>' in html) == sees_review
