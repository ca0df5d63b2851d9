"""The reporter's screens through their real URLs: My activities, the update form and page, files.

Bad input gets a message beside its field and everything typed comes back; another party's
unpublished update does not exist for a reporter (404), by any URL.
"""

import datetime
import re
from html import unescape

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.errors import TransitionError
from tests import factories
from tests.helpers import write_update
from tests.helpers.files import PDF
from tracker.cycles import services as cycle_services
from tracker.models import (
    DueStatus,
    DueUpdate,
    EvidenceFile,
    IndicatorValue,
    MilestoneAchievement,
    ProgressUpdate,
    UpdateState,
)
from tracker.review import services as review_services
from tracker.updates import services as update_services
from tracker.updates.evidence import ACCEPT_ATTRIBUTE

pytestmark = pytest.mark.django_db

NOTHING_SAVED = "Please correct the errors below; nothing was saved."
PERCENT = "Percent complete must be between 0 and 100."
NARRATIVE_NEEDED = "Describe the progress this period, or tick “No progress this period”."


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name="report.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def login(client, user):
    client.force_login(user)
    return client


def create_url(cycle, activity):
    return reverse("tracker:update_create", args=[cycle.slug, activity.code])


def page_data(response, **overrides):
    """POST data as a browser would send the form on the page: what it shows, plus overrides."""
    form, links = response.context["form"], response.context["links"]
    data = {}
    for field in form:
        if field.name == "files":
            continue
        value = field.value()
        if isinstance(field.field.widget, forms.CheckboxInput):
            if value:
                data[field.html_name] = "on"
        elif isinstance(field.field, forms.MultipleChoiceField):
            if value:
                data[field.html_name] = [str(v) for v in value]
        elif isinstance(value, datetime.date):
            data[field.html_name] = value.isoformat()
        else:
            data[field.html_name] = "" if value is None else str(value)
    management = links.management_form
    for field in management:
        data[field.html_name] = field.value()
    for link_form in links:
        for field in link_form:
            data[field.html_name] = field.value() or ""
    data["action"] = "save"
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def error_at(html, field_id):
    """The error messages shown under the input with this id."""
    return [unescape(m) for m in re.findall(rf'id="{field_id}_error">([^<]*)<', html)]


def textarea(html, name):
    match = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S)
    return match.group(1) if match else None


# --- The focal point's flow ----------------------------------------------------------------


def test_a_focal_point_drafts_with_a_link_and_a_file_edits_submits_and_sees_it_listed(
    client, cycle, plan, focal_vn
):
    login(client, focal_vn)
    activity = plan["activity"]
    landing = client.get(reverse("tracker:home"))
    assert landing.url == reverse("tracker:my_activities")
    mine = client.get(reverse("tracker:my_activities")).content.decode()
    assert create_url(cycle, activity) in mine
    assert "Readiness assessment pilots" in mine

    page = client.get(create_url(cycle, activity))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'accept="{ACCEPT_ATTRIBUTE}"' in html
    assert 'name="action" value="save"' in html and 'name="action" value="submit"' in html
    data = page_data(
        page,
        proposed_percent="45",
        narrative="Pilots ran in **two** provinces.",
        challenges="Few assessors.",
        **{"links-0-url": "https://example.org/pilot", "links-0-title": "Pilot page"},
    )
    data["files"] = pdf()
    response = client.post(create_url(cycle, activity), data)
    update = ProgressUpdate.objects.get()
    assert response.status_code == 302 and response.url == update.get_absolute_url()
    assert update.state == UpdateState.DRAFT and update.proposed_percent == 45
    assert update.member_state == focal_vn.member_state and update.author == focal_vn
    assert [(link.url, link.title) for link in update.evidence_links.all()] == [
        ("https://example.org/pilot", "Pilot page")
    ]
    evidence = update.evidence_files.get()
    assert evidence.original_name == "report.pdf" and evidence.content_type == "application/pdf"
    with evidence.file.open("rb") as stored:
        assert stored.read() == PDF

    detail = client.get(response.url)
    html = detail.content.decode()
    assert "Draft saved." in html
    assert "<strong>two</strong>" in html
    assert 'href="https://example.org/pilot" target="_blank" rel="noopener noreferrer"' in html
    assert reverse("tracker:evidence_download", args=[evidence.pk]) in html
    assert reverse("tracker:update_edit", args=[update.pk]) in html

    edit = client.get(reverse("tracker:update_edit", args=[update.pk]))
    assert edit.status_code == 200
    assert f'id="remove-file-{evidence.pk}"' in edit.content.decode()
    response = client.post(
        reverse("tracker:update_edit", args=[update.pk]),
        page_data(edit, proposed_percent="55", next_steps="Train assessors.", action="submit"),
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED
    assert update.proposed_percent == 55 and update.next_steps == "Train assessors."
    assert update.evidence_files.count() == 1 and update.evidence_links.count() == 1
    assert "Submitted for review." in client.get(response.url).content.decode()
    expected = DueUpdate.objects.get(cycle=cycle, activity=activity, member_state=focal_vn.member_state)
    assert expected.status == DueStatus.SUBMITTED and expected.update == update

    mine = client.get(reverse("tracker:my_activities")).content.decode()
    row = re.search(r'<tr data-activity="R2.1" data-status="(\w+)">(.*?)</tr>', mine, re.S)
    assert row.group(1) == "submitted"
    assert reverse("tracker:update_detail", args=[update.pk]) in row.group(2)

    detail = client.get(update.get_absolute_url()).content.decode()
    trail = re.search(r'id="update-trail">(.*?)</ol>', detail, re.S).group(1)
    assert trail.count("<li") == 2 and "Submitted" in trail
    history = re.search(r'id="update-history">(.*?)</ol>', detail, re.S).group(1)
    assert "<del>45</del> → <ins>55</ins>" in history


def test_milestones_and_indicator_values_are_saved_per_member_state(client, cycle, plan, focal_vn):
    login(client, focal_vn)
    milestone, indicator = plan["milestone"], plan["indicator"]
    page = client.get(create_url(cycle, plan["activity"]))
    html = page.content.decode()
    assert f'name="value_{indicator.pk}_{focal_vn.member_state_id}"' in html
    assert f'name="value_{indicator.pk}_asean"' in html and "ASEAN as a whole" in html
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = page_data(
        page,
        **{
            f"milestone_{milestone.pk}": "on",
            f"milestone_{milestone.pk}_on": yesterday.isoformat(),
            f"value_{indicator.pk}_{focal_vn.member_state_id}": "120",
            f"note_{indicator.pk}_{focal_vn.member_state_id}": "Northern provinces",
            f"value_{indicator.pk}_asean": "410.5",
        },
    )
    response = client.post(create_url(cycle, plan["activity"]), data)
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert list(MilestoneAchievement.objects.values_list("milestone", "achieved_on")) == [
        (milestone.pk, yesterday)
    ]
    values = {(v.member_state_id, str(v.value), v.note) for v in IndicatorValue.objects.filter(update=update)}
    assert values == {(focal_vn.member_state_id, "120.00", "Northern provinces"), (None, "410.50", "")}
    detail = client.get(response.url).content.decode()
    assert "Pilot report" in detail and yesterday.isoformat() in detail
    assert "410.5" in detail and "Northern provinces" in detail

    edit = client.get(reverse("tracker:update_edit", args=[update.pk]))
    edit_html = edit.content.decode()
    assert (
        f'name="milestone_{milestone.pk}" class="form-check-input" id="id_milestone_{milestone.pk}" checked'
        in (edit_html)
    )
    assert 'value="410.50"' in edit_html


def test_a_milestone_ticked_without_a_date_or_in_the_future_is_refused_at_its_row(
    client, cycle, plan, focal_vn
):
    login(client, focal_vn)
    milestone = plan["milestone"]
    page = client.get(create_url(cycle, plan["activity"]))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        create_url(cycle, plan["activity"]),
        page_data(
            page, **{f"milestone_{milestone.pk}": "on", f"milestone_{milestone.pk}_on": tomorrow.isoformat()}
        ),
    )
    html = response.content.decode()
    assert error_at(html, f"id_milestone_{milestone.pk}_on") == ["The date achieved cannot be in the future."]
    response = client.post(
        create_url(cycle, plan["activity"]), page_data(page, **{f"milestone_{milestone.pk}": "on"})
    )
    assert error_at(response.content.decode(), f"id_milestone_{milestone.pk}_on") == [
        "Give the date the milestone was achieved."
    ]
    assert not ProgressUpdate.objects.exists()


def test_a_body_representative_reports_one_asean_row_per_indicator(client, cycle, plan, costi_rep):
    login(client, costi_rep)
    indicator = plan["indicator"]
    page = client.get(create_url(cycle, plan["activity"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert re.findall(rf'name="value_{indicator.pk}_(\w+)"', html) == ["asean"]
    response = client.post(
        create_url(cycle, plan["activity"]),
        page_data(
            page, narrative="Expert pool set up.", action="submit", **{f"value_{indicator.pk}_asean": "3"}
        ),
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.body == costi_rep.body and update.state == UpdateState.SUBMITTED


def test_a_returned_update_shows_the_comment_and_is_answered_and_resubmitted(client, returned_vn, focal_vn):
    login(client, focal_vn)
    mine = client.get(reverse("tracker:my_activities")).content.decode()
    assert "Add the provinces&#x27; names." in mine and "Answer return" in mine
    edit = client.get(reverse("tracker:update_edit", args=[returned_vn.pk]))
    assert "Add the provinces&#x27; names." in edit.content.decode()
    response = client.post(
        reverse("tracker:update_edit", args=[returned_vn.pk]),
        page_data(edit, narrative="Pilots ran in Ha Noi and Da Nang.", action="submit"),
    )
    assert response.status_code == 302
    returned_vn.refresh_from_db()
    assert returned_vn.state == UpdateState.SUBMITTED
    assert list(returned_vn.transitions.values_list("to_state", flat=True)) == [
        "draft",
        "submitted",
        "returned",
        "submitted",
    ]


# --- Bad input through the real URL --------------------------------------------------------


def test_percent_150_is_named_at_the_field_and_the_rest_is_kept(client, cycle, plan, focal_vn):
    login(client, focal_vn)
    page = client.get(create_url(cycle, plan["activity"]))
    response = client.post(
        create_url(cycle, plan["activity"]),
        page_data(page, proposed_percent="150", narrative="Two provinces done.", challenges="Budget cuts."),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert error_at(html, "id_proposed_percent") == [PERCENT]
    assert NOTHING_SAVED in html
    assert 'name="proposed_percent" value="150"' in html
    assert textarea(html, "narrative") == "Two provinces done."
    assert textarea(html, "challenges") == "Budget cuts."
    assert not ProgressUpdate.objects.exists()


def test_a_12_mb_file_is_refused_naming_the_limit(client, cycle, plan, focal_vn):
    login(client, focal_vn)
    page = client.get(create_url(cycle, plan["activity"]))
    data = page_data(page, narrative="With the full survey.")
    data["files"] = pdf("survey.pdf", PDF + b"0" * (12 * 1024 * 1024))
    response = client.post(create_url(cycle, plan["activity"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    (message,) = error_at(html, "id_files")
    assert "survey.pdf" in message and "at most 10.0\xa0MB" in message
    assert "choose the file again" in html
    assert textarea(html, "narrative") == "With the full survey."
    assert not ProgressUpdate.objects.exists() and not EvidenceFile.objects.exists()


def test_an_executable_renamed_pdf_is_refused_by_its_content(client, cycle, plan, focal_vn, settings):
    login(client, focal_vn)
    page = client.get(create_url(cycle, plan["activity"]))
    data = page_data(page, narrative="See the report.")
    data["files"] = pdf("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200)
    response = client.post(create_url(cycle, plan["activity"]), data)
    (message,) = error_at(response.content.decode(), "id_files")
    assert "report.pdf is called a PDF file but its content is not one" in message
    assert not ProgressUpdate.objects.exists()
    assert not list(settings.MEDIA_ROOT.rglob("*.pdf"))


def test_a_script_in_the_narrative_is_rendered_inert(client, cycle, plan, focal_vn):
    login(client, focal_vn)
    page = client.get(create_url(cycle, plan["activity"]))
    client.post(
        create_url(cycle, plan["activity"]),
        page_data(
            page,
            narrative="Done <script>alert(1)</script> and [a link](javascript:alert(2)) "
            '<img src=x onerror="alert(3)">',
            support_needed="<script>alert(4)</script>",
        ),
    )
    update = ProgressUpdate.objects.get()
    html = client.get(update.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "javascript:" not in html and "onerror" not in html
    narrative = re.search(r'id="narrative">(.*?)</div>', html, re.S).group(1)
    assert "<script" not in narrative and "Done" in narrative


def test_submitting_without_a_narrative_or_no_progress_is_refused_at_the_narrative(
    client, cycle, plan, focal_vn
):
    login(client, focal_vn)
    page = client.get(create_url(cycle, plan["activity"]))
    response = client.post(
        create_url(cycle, plan["activity"]),
        page_data(page, narrative="", challenges="Rainy season.", proposed_percent="35", action="submit"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert error_at(html, "id_narrative") == [NARRATIVE_NEEDED]
    assert textarea(html, "challenges") == "Rainy season."
    assert 'name="proposed_percent" value="35"' in html
    assert not ProgressUpdate.objects.exists()

    response = client.post(
        create_url(cycle, plan["activity"]),
        page_data(page, narrative="", no_progress="on", action="submit"),
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.no_progress and update.state == UpdateState.SUBMITTED
    assert "No progress this period" in client.get(update.get_absolute_url()).content.decode()


def test_a_stale_form_shows_a_conflict_keeps_the_input_and_saves_nothing(client, draft_vn, focal_vn):
    login(client, focal_vn)
    url = reverse("tracker:update_edit", args=[draft_vn.pk])
    stale_page = client.get(url)
    # Meanwhile a colleague saves the same draft.
    other = ProgressUpdate.objects.get(pk=draft_vn.pk)
    other.narrative = "A colleague's text."
    update_services.progress_update_save(
        update=other,
        content=update_services.UpdateContent(),
        acting_user=focal_vn,
        expected_version=other.version,
    )
    response = client.post(url, page_data(stale_page, narrative="My text.", proposed_percent="60"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this record since you opened it" in html
    assert "Your changes are still in the form below" in html
    assert textarea(html, "narrative") == "My text."
    assert 'name="proposed_percent" value="60"' in html
    draft_vn.refresh_from_db()
    assert draft_vn.narrative == "A colleague's text." and draft_vn.proposed_percent == 30


def test_an_invalid_link_is_named_at_its_row(client, cycle, plan, focal_vn):
    login(client, focal_vn)
    page = client.get(create_url(cycle, plan["activity"]))
    response = client.post(
        create_url(cycle, plan["activity"]),
        page_data(page, narrative="x", **{"links-0-url": "not a link", "links-1-title": "Orphan title"}),
    )
    html = response.content.decode()
    assert error_at(html, "id_links-0-url") == ["Enter a valid URL."]
    assert error_at(html, "id_links-1-url") == ["Give the link's address, or clear its title."]
    assert not ProgressUpdate.objects.exists()


# --- Moves and redirects -------------------------------------------------------------------


def test_reporting_again_opens_the_partys_update_in_progress(client, draft_vn, focal_vn, cycle, plan):
    login(client, focal_vn)
    response = client.get(create_url(cycle, plan["activity"]))
    assert response.url == reverse("tracker:update_edit", args=[draft_vn.pk])


def test_reporting_again_after_approval_offers_a_correction(client, approved_vn, focal_vn, cycle, plan):
    login(client, focal_vn)
    response = client.get(create_url(cycle, plan["activity"]), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == approved_vn.get_absolute_url()
    assert "start a correction" in html
    assert reverse("tracker:update_correct", args=[approved_vn.pk]) in html

    response = client.post(reverse("tracker:update_correct", args=[approved_vn.pk]))
    correction = ProgressUpdate.objects.get(corrects=approved_vn)
    assert response.url == reverse("tracker:update_edit", args=[correction.pk])
    assert correction.state == UpdateState.DRAFT and correction.narrative == approved_vn.narrative
    assert "correction of approved update" in client.get(response.url).content.decode()


def test_editing_a_submitted_update_goes_to_its_page_with_a_message(client, submitted_vn, focal_vn):
    login(client, focal_vn)
    response = client.get(reverse("tracker:update_edit", args=[submitted_vn.pk]), follow=True)
    assert response.redirect_chain[-1][0] == submitted_vn.get_absolute_url()
    assert "can no longer be edited" in response.content.decode()


def test_submit_and_discard_from_the_update_page(client, draft_vn, focal_vn, cycle, plan):
    login(client, focal_vn)
    detail = client.get(draft_vn.get_absolute_url()).content.decode()
    assert reverse("tracker:update_submit", args=[draft_vn.pk]) in detail
    assert reverse("tracker:update_discard", args=[draft_vn.pk]) in detail
    response = client.post(
        reverse("tracker:update_submit", args=[draft_vn.pk]), {"version": draft_vn.version}
    )
    assert response.url == draft_vn.get_absolute_url()
    draft_vn.refresh_from_db()
    assert draft_vn.state == UpdateState.SUBMITTED

    other = write_update(
        author=focal_vn,
        activity=factories.ActivityFactory(code="R2.2", lead_member_states=[focal_vn.member_state]),
        cycle=cycle,
    )
    response = client.post(reverse("tracker:update_discard", args=[other.pk]))
    assert response.url == reverse("tracker:my_activities")
    assert not ProgressUpdate.objects.filter(pk=other.pk).exists()


def test_a_stale_submit_changes_nothing(client, draft_vn, focal_vn):
    login(client, focal_vn)
    response = client.post(
        reverse("tracker:update_submit", args=[draft_vn.pk]), {"version": draft_vn.version - 1}, follow=True
    )
    assert "Someone else changed this record since you opened it" in response.content.decode()
    draft_vn.refresh_from_db()
    assert draft_vn.state == UpdateState.DRAFT


def test_submitting_a_draft_without_narrative_from_its_page_sends_back_to_the_form(
    client, cycle, plan, focal_vn
):
    draft = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, narrative="")
    login(client, focal_vn)
    response = client.post(reverse("tracker:update_submit", args=[draft.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("tracker:update_edit", args=[draft.pk])
    assert NARRATIVE_NEEDED in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == UpdateState.DRAFT


@pytest.mark.parametrize("name", ["update_submit", "update_discard", "update_correct"])
def test_moves_refuse_get(client, draft_vn, focal_vn, name):
    login(client, focal_vn)
    assert client.get(reverse(f"tracker:{name}", args=[draft_vn.pk])).status_code == 405


def test_the_secretariat_sees_a_review_form_on_a_submitted_update(
    client, submitted_vn, secretariat_user, focal_vn
):
    html = login(client, secretariat_user).get(submitted_vn.get_absolute_url()).content.decode()
    review = reverse("tracker:update_review", args=[submitted_vn.pk])
    assert f'action="{review}"' in html
    assert 'value="approve"' in html and 'value="return"' in html and 'name="comment"' in html
    assert f'name="version" value="{submitted_vn.version}"' in html
    html = login(client, focal_vn).get(submitted_vn.get_absolute_url()).content.decode()
    assert review not in html
    assert reverse("tracker:update_edit", args=[submitted_vn.pk]) not in html


# --- Who sees and touches what -------------------------------------------------------------


@pytest.fixture
def vn_draft_with_file(cycle, plan, focal_vn):
    update = update_services.new_update(activity=plan["activity"], cycle=cycle, author=focal_vn)
    update.narrative = "Viet Nam's confidential draft."
    return update_services.progress_update_save(
        update=update, content=update_services.UpdateContent(new_files=[pdf()]), acting_user=focal_vn
    )


def test_a_thai_focal_point_cannot_see_or_touch_viet_nams_draft_by_any_url(
    client, vn_draft_with_file, focal_th
):
    update = vn_draft_with_file
    evidence = update.evidence_files.get()
    login(client, focal_th)
    assert client.get(reverse("tracker:update_detail", args=[update.pk])).status_code == 404
    assert client.get(reverse("tracker:update_edit", args=[update.pk])).status_code == 404
    assert (
        client.post(reverse("tracker:update_edit", args=[update.pk]), {"narrative": "x"}).status_code == 404
    )
    assert client.post(reverse("tracker:update_submit", args=[update.pk])).status_code == 404
    assert client.post(reverse("tracker:update_discard", args=[update.pk])).status_code == 404
    assert client.post(reverse("tracker:update_correct", args=[update.pk])).status_code == 404
    assert client.get(reverse("tracker:evidence_download", args=[evidence.pk])).status_code == 404
    for page in (reverse("tracker:update_list"), reverse("tracker:my_activities")):
        assert "confidential" not in client.get(page).content.decode()
    activity_page = client.get(update.activity.get_absolute_url()).content.decode()
    assert update.get_absolute_url() not in activity_page
    update.refresh_from_db()
    assert update.state == UpdateState.DRAFT and update.narrative == "Viet Nam's confidential draft."


def test_a_thai_focal_point_may_not_report_on_an_activity_thailand_neither_leads_nor_joins(
    client, cycle, viet_nam, focal_th
):
    activity = factories.ActivityFactory(code="R3.1", lead_member_states=[viet_nam])
    login(client, focal_th)
    assert client.get(create_url(cycle, activity)).status_code == 403
    assert client.post(create_url(cycle, activity), {"narrative": "x", "action": "save"}).status_code == 403
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("role", ["secretariat_user", "observer_user"])
def test_only_reporters_write_updates(client, request, cycle, plan, role):
    login(client, request.getfixturevalue(role))
    assert client.get(create_url(cycle, plan["activity"])).status_code == 403
    assert client.get(reverse("tracker:my_activities")).status_code == 403


def test_an_observer_sees_approved_updates_only(client, approved_vn, focal_th, cycle, plan, observer_user):
    thai_draft = write_update(
        author=focal_th, activity=plan["activity"], cycle=cycle, narrative="Thai draft."
    )
    login(client, observer_user)
    listing = client.get(reverse("tracker:update_list")).content.decode()
    assert approved_vn.get_absolute_url() in listing
    assert thai_draft.get_absolute_url() not in listing
    assert client.get(approved_vn.get_absolute_url()).status_code == 200
    assert client.get(thai_draft.get_absolute_url()).status_code == 404
    detail = client.get(approved_vn.get_absolute_url()).content.decode()
    assert reverse("tracker:update_correct", args=[approved_vn.pk]) not in detail
    panel = client.get(plan["activity"].get_absolute_url()).content.decode()
    assert approved_vn.get_absolute_url() in panel and thai_draft.get_absolute_url() not in panel
    assert create_url(cycle, plan["activity"]) not in panel


def test_anonymous_visitors_are_sent_to_log_in(client, draft_vn, cycle, plan):
    for url in (
        reverse("tracker:my_activities"),
        reverse("tracker:update_list"),
        create_url(cycle, plan["activity"]),
        reverse("tracker:update_detail", args=[draft_vn.pk]),
        reverse("tracker:update_edit", args=[draft_vn.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


# --- Evidence downloads ----------------------------------------------------------------------


def test_evidence_is_downloaded_as_an_attachment_that_cannot_run(
    client, vn_draft_with_file, focal_vn, secretariat_user
):
    evidence = vn_draft_with_file.evidence_files.get()
    url = reverse("tracker:evidence_download", args=[evidence.pk])
    for user in (focal_vn, secretariat_user):
        response = login(client, user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'"
        assert response["Cache-Control"] == "private"


def test_an_observer_downloads_evidence_of_approved_updates_only(
    client, vn_draft_with_file, focal_vn, secretariat_user, observer_user
):
    evidence = vn_draft_with_file.evidence_files.get()
    url = reverse("tracker:evidence_download", args=[evidence.pk])
    login(client, observer_user)
    assert client.get(url).status_code == 404
    submitted = update_services.progress_update_submit(update=vn_draft_with_file, acting_user=focal_vn)
    review_services.progress_update_approve(update=submitted, acting_user=secretariat_user)
    assert client.get(url).status_code == 200


def test_a_file_removed_from_a_draft_is_gone(client, vn_draft_with_file, focal_vn):
    evidence = vn_draft_with_file.evidence_files.get()
    login(client, focal_vn)
    url = reverse("tracker:update_edit", args=[vn_draft_with_file.pk])
    response = client.post(url, page_data(client.get(url), remove_files=[str(evidence.pk)]))
    assert response.status_code == 302
    assert not EvidenceFile.objects.exists()


# --- Lists and the activity page -----------------------------------------------------------


def test_my_activities_puts_what_needs_the_reporter_first_and_counts_it(
    client, cycle, plan, focal_vn, viet_nam, secretariat_user
):
    # Three more activities Viet Nam leads, due in the cycle: one draft, one missing, one approved.
    extra = [factories.ActivityFactory(code=f"R2.{n}", lead_member_states=[viet_nam]) for n in (2, 3, 4)]
    for activity in extra:
        cycle_services.due_update_add(
            cycle=cycle, activity=activity, member_state=viet_nam, acting_user=secretariat_user
        )
    write_update(author=focal_vn, activity=extra[0], cycle=cycle)
    done = write_update(author=focal_vn, activity=extra[2], cycle=cycle, submit=True)
    review_services.progress_update_approve(update=done, acting_user=secretariat_user)
    submitted = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True)
    review_services.progress_update_return(
        update=submitted, comment="Name the provinces.", acting_user=secretariat_user
    )
    other = factories.ActivityFactory(
        code="R5.9", title="Joined but not due", participating_member_states=[viet_nam]
    )

    html = login(client, focal_vn).get(reverse("tracker:my_activities")).content.decode()
    order = re.findall(r'<tr data-activity="([^"]+)" data-status="(\w+)">', html)
    assert order == [("R2.1", "returned"), ("R2.3", "missing"), ("R2.2", "draft"), ("R2.4", "approved")]
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert counts == {"missing": "1", "draft": "1", "submitted": "0", "returned": "1", "approved": "1"}
    assert "Name the provinces." in html and "days left" in html
    others = re.search(r'id="other-activities">(.*?)</section>', html, re.S).group(1)
    assert "Joined but not due" in others and create_url(cycle, other) in others
    assert "R2.2" not in others


def test_my_activities_keeps_an_approved_report_approved_and_reaches_its_correction(
    client, cycle, plan, focal_vn, secretariat_user
):
    approved = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True)
    review_services.progress_update_approve(update=approved, acting_user=secretariat_user)
    correction = update_services.progress_update_correct(update=approved, acting_user=focal_vn)

    def row():
        html = login(client, focal_vn).get(reverse("tracker:my_activities")).content.decode()
        return re.search(r'<tr data-activity="R2.1" data-status="(\w+)">(.*?)</tr>', html, re.S).groups()

    status, cells = row()
    assert status == "approved"
    assert "Correction in progress" in cells
    assert reverse("tracker:update_edit", args=[correction.pk]) in cells
    update_services.progress_update_submit(update=correction, acting_user=focal_vn)
    status, cells = row()
    assert status == "approved" and reverse("tracker:update_detail", args=[correction.pk]) in cells
    review_services.progress_update_return(
        update=correction, comment="Which one?", acting_user=secretariat_user
    )
    status, cells = row()
    assert status == "approved" and "Answer return" in cells
    assert reverse("tracker:update_edit", args=[correction.pk]) in cells


def test_an_overdue_cycle_says_so(client, cycle, plan, focal_vn):
    cycle.deadline = timezone.localdate() - datetime.timedelta(days=3)
    cycle.save()
    html = login(client, focal_vn).get(reverse("tracker:my_activities")).content.decode()
    assert "3 days overdue" in html


def test_the_update_list_filters_by_state_and_party(
    client, submitted_vn, focal_th, cycle, plan, secretariat_user
):
    thai = write_update(author=focal_th, activity=plan["activity"], cycle=cycle)
    login(client, secretariat_user)
    listing = client.get(reverse("tracker:update_list")).content.decode()
    assert submitted_vn.get_absolute_url() in listing and thai.get_absolute_url() in listing
    only_drafts = client.get(reverse("tracker:update_list") + "?state=draft").content.decode()
    assert thai.get_absolute_url() in only_drafts and submitted_vn.get_absolute_url() not in only_drafts
    viet_nam = client.get(
        reverse("tracker:update_list") + f"?member_state=VN&cycle={cycle.slug}&q=R2"
    ).content.decode()
    assert submitted_vn.get_absolute_url() in viet_nam and thai.get_absolute_url() not in viet_nam
    for sort in ("activity", "-cycle", "state", "proposed", "author", "-updated_at"):
        assert client.get(reverse("tracker:update_list") + f"?sort={sort}").status_code == 200


def test_the_activity_page_offers_to_report_then_to_continue(client, cycle, plan, focal_vn, costi_rep):
    url = plan["activity"].get_absolute_url()
    html = login(client, focal_vn).get(url).content.decode()
    assert create_url(cycle, plan["activity"]) in html and "Report progress for 2026-H2" in html
    draft = write_update(author=focal_vn, activity=plan["activity"], cycle=cycle)
    html = client.get(url).content.decode()
    assert reverse("tracker:update_edit", args=[draft.pk]) in html and "Continue your report" in html
    assert "Draft started" not in html  # the panel shows moves, the update page the history
    assert re.search(rf'data-update="{draft.pk}">.*?Draft', html, re.S)
    # COSTI supports R2.1 but is not due by default: it may still report.
    html = login(client, costi_rep).get(url).content.decode()
    assert create_url(cycle, plan["activity"]) in html
    assert draft.get_absolute_url() not in html


def test_the_activity_page_shows_every_move_of_its_updates(
    client, cycle, plan, focal_vn, secretariat_user, returned_vn
):
    returned_vn.proposed_percent = 55
    update_services.progress_update_save(
        update=returned_vn, content=update_services.UpdateContent(), acting_user=focal_vn, submit=True
    )
    review_services.progress_update_approve(
        update=returned_vn, acting_user=secretariat_user, comment="Thank you."
    )

    html = login(client, focal_vn).get(plan["activity"].get_absolute_url()).content.decode()

    trail = re.search(rf'aria-label="Trail of update #{returned_vn.pk}">(.*?)</ol>', html, re.S).group(1)
    moves = [
        unescape(re.sub(r"<[^>]+>", "", m)).split(" · ", 2)[2]
        for m in re.findall(r"<li.*?</li>", trail, re.S)
    ]
    # Newest first, each with its reason.
    assert moves == [
        "Submitted → Approved — Thank you.",
        "Returned → Submitted",
        "Submitted → Returned — Add the provinces' names.",
        "Draft → Submitted",
        "Draft",
    ]
    # The approval is in the activity's own history too, naming the update.
    assert f"Approved Update #{returned_vn.pk} on R2.1" in unescape(html)


def test_every_reporting_page_renders_in_vietnamese(client, returned_vn, focal_vn, cycle, plan, settings):
    login(client, focal_vn)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    for url in (
        reverse("tracker:my_activities"),
        reverse("tracker:update_list"),
        returned_vn.get_absolute_url(),
        reverse("tracker:update_edit", args=[returned_vn.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Thí điểm đánh giá mức độ sẵn sàng" in response.content.decode(), url


def test_a_stale_discard_keeps_the_draft_a_colleague_changed_since(client, draft_vn, focal_vn, plan, cycle):
    colleague = factories.FocalPointFactory(member_state=focal_vn.member_state)
    seen = draft_vn.version
    draft_vn.narrative = "The colleague's newer text."
    update_services.progress_update_save(
        update=draft_vn,
        content=update_services.UpdateContent(),
        acting_user=colleague,
        expected_version=seen,
    )
    login(client, focal_vn)
    response = client.post(
        reverse("tracker:update_discard", args=[draft_vn.pk]), {"version": seen}, follow=True
    )

    assert "Not discarded" in response.content.decode()
    assert ProgressUpdate.objects.get(pk=draft_vn.pk).narrative == "The colleague's newer text."


def test_the_discard_button_carries_the_version_it_was_shown_with(client, draft_vn, focal_vn):
    login(client, focal_vn)
    detail = client.get(draft_vn.get_absolute_url()).content.decode()
    form = detail[detail.index(reverse("tracker:update_discard", args=[draft_vn.pk])) :]
    assert f'name="version" value="{draft_vn.version}"' in form[: form.index("</form>")]


def test_saving_a_draft_discarded_meanwhile_is_refused_in_words(draft_vn, focal_vn):
    stale = ProgressUpdate.objects.get(pk=draft_vn.pk)
    update_services.progress_update_discard(update=draft_vn, acting_user=focal_vn)
    stale.narrative = "Typed while a colleague discarded it."
    with pytest.raises(TransitionError, match="discarded"):
        update_services.progress_update_save(
            update=stale,
            content=update_services.UpdateContent(),
            acting_user=focal_vn,
            expected_version=stale.version,
        )


# --- A colleague started the same update meanwhile: nothing typed is lost --------------------------


@pytest.fixture
def typed_while_colleague_started(client, cycle, plan, focal_vn):
    """Viet Nam's focal point opened the create page; a colleague then saved a draft first."""
    login(client, focal_vn)
    data = page_data(
        client.get(create_url(cycle, plan["activity"])),
        narrative="Hanoi workshop held with 40 firms.",
        challenges="Venue costs.",
        proposed_percent="45",
    )
    colleague = factories.FocalPointFactory(member_state=focal_vn.member_state, first_name="Lan")
    theirs = write_update(
        author=colleague, activity=plan["activity"], cycle=cycle, narrative="Da Nang survey done."
    )
    return data, theirs


def test_a_post_after_a_colleague_started_the_update_comes_back_with_everything_typed(
    client, cycle, plan, typed_while_colleague_started
):
    data, theirs = typed_while_colleague_started
    response = client.post(create_url(cycle, plan["activity"]), data)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing of yours is saved yet." in html
    assert str(theirs.author) in unescape(html)
    assert textarea(html, "narrative") == "Hanoi workshop held with 40 firms."
    assert 'value="45"' in html
    assert f'formaction="{reverse("tracker:update_edit", args=[theirs.pk])}"' in html
    assert f'href="{theirs.get_absolute_url()}"' in html
    assert ProgressUpdate.objects.get() == theirs  # nothing saved beside it
    assert ProgressUpdate.objects.get().narrative == "Da Nang survey done."


def test_adding_my_text_to_their_draft_shows_both_and_saves_nothing_until_saved(
    client, cycle, plan, typed_while_colleague_started
):
    data, theirs = typed_while_colleague_started
    edit_url = reverse("tracker:update_edit", args=[theirs.pk])
    merged = client.post(edit_url, {**data, "action": "merge"})

    assert merged.status_code == 200
    html = merged.content.decode()
    assert textarea(html, "narrative") == "Da Nang survey done.\n\nHanoi workshop held with 40 firms."
    assert textarea(html, "challenges") == "Venue costs."
    assert "Percent complete: 45" in unescape(html)  # listed beside, not taken over
    typed = unescape(html[html.index('id="typed-entries"') :].split("</div>", 1)[0])
    assert "Percent complete: 45" in typed and "Flag" not in typed  # the same flag as the draft's
    assert ProgressUpdate.objects.get(pk=theirs.pk).narrative == "Da Nang survey done."

    client.post(edit_url, page_data(merged))
    assert ProgressUpdate.objects.get(pk=theirs.pk).narrative == (
        "Da Nang survey done.\n\nHanoi workshop held with 40 firms."
    )


def test_a_colleagues_update_already_submitted_offers_to_open_it_not_to_merge(
    client, cycle, plan, typed_while_colleague_started
):
    data, theirs = typed_while_colleague_started
    update_services.progress_update_submit(update=theirs, acting_user=theirs.author)
    response = client.post(create_url(cycle, plan["activity"]), data)

    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="merge-into-draft"' not in html
    assert f'href="{theirs.get_absolute_url()}"' in html
    assert textarea(html, "narrative") == "Hanoi workshop held with 40 firms."
