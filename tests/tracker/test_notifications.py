"""The author hears when their update is approved or returned; nobody is mailed about a submission."""

import pytest
from django.core import mail
from django.utils import translation

from tests import factories
from tests.helpers import write_update
from tracker import notifications
from tracker.review import services


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://tracker.example.org"
    return settings


@pytest.mark.django_db
def test_approving_emails_the_author_with_the_comment_and_a_link(
    site, submitted_vn, focal_vn, secretariat_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_approve(
            update=submitted_vn, acting_user=secretariat_user, comment="Well evidenced, thank you."
        )

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [focal_vn.email]
    assert message.subject == f"Approved: Update #{submitted_vn.pk} on R2.1 (Viet Nam, 2026-H2)"
    assert "has been approved by" in message.body and str(secretariat_user) in message.body
    assert "Well evidenced, thank you." in message.body
    assert f"https://tracker.example.org/updates/{submitted_vn.pk}/" in message.body


@pytest.mark.django_db
def test_returning_emails_the_author_with_the_comment_and_the_edit_link(
    site, submitted_vn, focal_vn, secretariat_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_return(
            update=submitted_vn, comment="Add the provinces' names.", acting_user=secretariat_user
        )

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [focal_vn.email]
    assert message.subject.startswith("Returned for changes: Update #")
    # Plain text: the apostrophe is not turned into an HTML entity.
    assert "Add the provinces' names." in message.body
    assert f"https://tracker.example.org/updates/{submitted_vn.pk}/edit/" in message.body


@pytest.mark.django_db
def test_saving_a_draft_emails_nobody(cycle, plan, focal_vn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        write_update(author=focal_vn, activity=plan["activity"], cycle=cycle)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_submission_is_not_mailed_on_its_own(cycle, plan, focal_vn, django_capture_on_commit_callbacks):
    # The secretariat hears of submissions in its daily digest (send_reminders).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True)
    assert callbacks
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_mail_to_an_author_who_left(submitted_vn, focal_vn, secretariat_user):
    focal_vn.is_active = False
    focal_vn.save()
    submitted_vn.refresh_from_db()
    notifications.update_reviewed(
        services.progress_update_approve(update=submitted_vn, acting_user=secretariat_user)
    )
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_mail_to_an_author_without_an_address(cycle, plan, viet_nam, secretariat_user):
    author = factories.FocalPointFactory(username="nomail.vn", member_state=viet_nam, email="")
    update = write_update(author=author, activity=plan["activity"], cycle=cycle, submit=True)
    notifications.update_reviewed(
        services.progress_update_return(update=update, comment="More detail.", acting_user=secretariat_user)
    )
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_notice_is_in_the_site_language_whatever_the_reviewer_reads(
    submitted_vn, secretariat_user, settings
):
    settings.LANGUAGE_CODE = "en"
    update = services.progress_update_approve(update=submitted_vn, acting_user=secretariat_user)
    with translation.override("vi"):
        notifications.update_reviewed(update)
        assert translation.get_language() == "vi"
    assert mail.outbox[0].subject.startswith("Approved: Update #")


@pytest.mark.django_db
def test_a_failing_mail_server_does_not_undo_the_review(
    submitted_vn, secretariat_user, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_approve(update=submitted_vn, acting_user=secretariat_user)

    submitted_vn.refresh_from_db()
    assert submitted_vn.state == "approved"
    assert "Could not e-mail" in caplog.text
