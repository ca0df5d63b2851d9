"""Approval publishes the approved update, nothing that came before it (issue 12, finding 1).

An update that went draft → submitted → returned → resubmitted → approved: its own party and the
secretariat see every earlier version and the return note, forever; every other party and the
observer see the approved content and its approval only, on the update page, the activity page and
the lists, unless the secretariat published the return note.
"""

import pytest
from django.core import mail
from django.urls import reverse

from tests.helpers import approve
from tracker import notifications, selectors
from tracker.models import ProgressUpdate, UpdateTransition
from tracker.review import services as review_services
from tracker.rules import sees_update_history
from tracker.updates import services as update_services
from tracker.updates.history import update_history

pytestmark = pytest.mark.django_db

EARLIER_TEXT = "Only one province so far (draft wording)."
FINAL_TEXT = "Pilots ran in Ha Noi and Da Nang."
RETURN_NOTE = "Name the provinces before this is approved."
APPROVAL_NOTE = "Well evidenced."

PARTIES = {"viet_nam": "focal_vn", "costi": "costi_rep"}
OTHERS = {
    "viet_nam": ["focal_th", "costi_rep", "observer_user"],
    "costi": ["focal_vn", "focal_th", "observer_user"],
}


def _through_a_return(*, author, plan, cycle, secretariat_user, public_note=False):
    update = update_services.new_update(activity=plan["activity"], cycle=cycle, author=author)
    update.narrative = EARLIER_TEXT
    update.proposed_percent = 20
    update = update_services.progress_update_save(
        update=update, content=update_services.UpdateContent(), acting_user=author, submit=True
    )
    review_services.progress_update_return(
        update=update, comment=RETURN_NOTE, acting_user=secretariat_user, public_note=public_note
    )
    update = ProgressUpdate.objects.get(pk=update.pk)
    update.narrative = FINAL_TEXT
    update.proposed_percent = 45
    update = update_services.progress_update_save(
        update=update,
        content=update_services.UpdateContent(),
        acting_user=author,
        expected_version=update.version,
        submit=True,
    )
    return review_services.progress_update_approve(
        update=update, acting_user=secretariat_user, comment=APPROVAL_NOTE
    )


@pytest.fixture(params=sorted(PARTIES))
def reviewed(request, cycle, plan, secretariat_user):
    """(party, the approved update) for Viet Nam's and COSTI's update on R2.1."""
    party = request.param
    author = request.getfixturevalue(PARTIES[party])
    return party, _through_a_return(author=author, plan=plan, cycle=cycle, secretariat_user=secretariat_user)


def _pages(client, user, update, plan):
    client.force_login(user)
    urls = [
        reverse("tracker:update_detail", args=[update.pk]),
        reverse("roadmap:activity_detail", args=[plan["activity"].code]),
        reverse("tracker:update_list"),
        reverse("tracker:update_list") + "?q=" + plan["activity"].code,
        reverse("roadmap:dashboard"),
    ]
    texts = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = response.content.decode()
    return texts


def test_other_parties_and_observers_see_no_earlier_text_and_no_return_note(reviewed, plan, client, request):
    party, update = reviewed
    for name in OTHERS[party]:
        user = request.getfixturevalue(name)
        pages = _pages(client, user, update, plan)
        detail = pages[update.get_absolute_url()]
        assert FINAL_TEXT in detail, name
        assert APPROVAL_NOTE in detail, name
        for url, text in pages.items():
            assert EARLIER_TEXT not in text, (name, url)
            assert "Only one province" not in text, (name, url)
            assert RETURN_NOTE not in text, (name, url)
        assert 'id="update-history-withheld"' in detail
        assert update_history(update, user=user) == []
        assert [step.to_state for step in selectors.update_trail(update, user=user)] == ["approved"]


def test_the_own_party_and_the_secretariat_see_every_earlier_version_and_the_note(
    reviewed, plan, client, secretariat_user, request
):
    party, update = reviewed
    for user in (request.getfixturevalue(PARTIES[party]), secretariat_user):
        pages = _pages(client, user, update, plan)
        detail = pages[update.get_absolute_url()]
        activity_page = pages[reverse("roadmap:activity_detail", args=[plan["activity"].code])]
        assert "Only one province" in detail, user
        assert RETURN_NOTE in detail, user
        assert RETURN_NOTE in activity_page, user
        assert [step.to_state for step in selectors.update_trail(update, user=user)] == [
            "draft",
            "submitted",
            "returned",
            "submitted",
            "approved",
        ]
        assert any(
            change.old.startswith("Only one province")
            for e in update_history(update, user=user)
            for change in e.changes
        )


def test_a_published_return_note_is_seen_by_every_reader_once_approved(
    cycle, plan, focal_vn, focal_th, observer_user, secretariat_user, client
):
    update = _through_a_return(
        author=focal_vn, plan=plan, cycle=cycle, secretariat_user=secretariat_user, public_note=True
    )

    for user in (focal_th, observer_user):
        pages = _pages(client, user, update, plan)
        assert RETURN_NOTE in pages[update.get_absolute_url()]
        assert RETURN_NOTE in pages[reverse("roadmap:activity_detail", args=[plan["activity"].code])]
        assert EARLIER_TEXT not in pages[update.get_absolute_url()]
        assert [step.to_state for step in selectors.update_trail(update, user=user)] == [
            "returned",
            "approved",
        ]


def test_a_published_note_waits_for_the_approval(submitted_vn, focal_th, secretariat_user):
    review_services.progress_update_return(
        update=submitted_vn, comment=RETURN_NOTE, acting_user=secretariat_user, public_note=True
    )
    submitted_vn.refresh_from_db()
    assert not sees_update_history(focal_th, submitted_vn)
    assert selectors.update_trail(submitted_vn, user=focal_th) == []


@pytest.mark.parametrize(("ticked", "public"), [({"public_note": "1"}, True), ({}, False)])
def test_the_return_form_marks_the_note_public_only_when_ticked(
    submitted_vn, secretariat_user, client, ticked, public
):
    client.force_login(secretariat_user)
    response = client.post(
        reverse("tracker:update_review", args=[submitted_vn.pk]),
        {"action": "return", "comment": RETURN_NOTE, "version": submitted_vn.version, **ticked},
    )

    assert response.status_code == 302
    step = UpdateTransition.objects.get(update=submitted_vn, to_state="returned")
    assert step.comment == RETURN_NOTE
    assert step.public_note is public


def test_the_review_form_offers_the_public_note_unticked(submitted_vn, secretariat_user, client):
    client.force_login(secretariat_user)
    page = client.get(submitted_vn.get_absolute_url()).content.decode()
    assert 'name="public_note"' in page
    assert "Show this note to every reader once the update is approved" in page
    assert "checked" not in page.split('name="public_note"')[1].split(">")[0]


def test_an_approval_never_makes_a_public_note(submitted_vn, secretariat_user):
    approve(update=submitted_vn, by=secretariat_user)
    assert not UpdateTransition.objects.filter(update=submitted_vn, public_note=True).exists()


def test_no_return_note_is_mailed_to_an_author_now_of_another_party(
    submitted_vn, focal_vn, thailand, secretariat_user
):
    returned = review_services.progress_update_return(
        update=submitted_vn, comment=RETURN_NOTE, acting_user=secretariat_user
    )
    focal_vn.member_state = thailand
    focal_vn.save()
    returned.author.refresh_from_db()

    notifications.update_reviewed(returned)

    assert mail.outbox == []


def test_a_returned_update_offers_the_secretariat_no_review_form(returned_vn, secretariat_user, client):
    """The menu's "may review at all" must not stand in for the page's "may review this one now"."""
    client.force_login(secretariat_user)
    page = client.get(returned_vn.get_absolute_url()).content.decode()
    assert 'id="review-form"' not in page
    assert reverse("tracker:review_queue") in page
