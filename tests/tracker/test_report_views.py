"""The report archive in the browser: the form, the report's page and its progress, download,
issue, delete, the list with its filters, and who sees what.

Reports generate inline in tests (REPORT_RUNNER = "inline"); a report "still being generated" is
one queued with the thread runner, whose thread would start only when the test's transaction
commits, which it never does.
"""

import datetime
import hashlib
import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.helpers import close_cycle, messages_of, write_update
from tracker.models import Report, ReportState
from tracker.reports import services
from tracker.reports import services as build
from tracker.review import services as review_services
from tracker.updates import services as update_services

pytestmark = pytest.mark.django_db

CREATE = reverse("tracker:report_create")
LIST = reverse("tracker:report_list")
NOTHING_GENERATED = "Please correct the errors below; nothing was generated."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def login(user):
    client = Client()
    client.force_login(user)
    return client


def generate(user, cycle, fmt="html", **scope):
    return services.report_request(
        report=services.new_report(cycle=cycle, fmt=fmt, **scope), acting_user=user
    )


def queued(user, cycle, settings, **scope):
    settings.REPORT_RUNNER = "thread"
    try:
        return generate(user, cycle, **scope)
    finally:
        settings.REPORT_RUNNER = "inline"


def form_data(the_cycle, **overrides):
    data = {"cycle": the_cycle.slug, "scope": "roadmap", "language": "en", "format": "html"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def option_values(html, select_name):
    select = re.search(rf'<select name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, select_name
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def selected_value(html, select_name):
    select = re.search(rf'<select name="{select_name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return chosen.group(1) if chosen else None


def checked_scope(html):
    chosen = re.search(r'<input type="radio" name="scope" value="([^"]+)"[^>]*checked', html)
    return chosen.group(1) if chosen else None


def shown_pks(response):
    return {row.record.pk for row in response.context["table"].paginated_rows}


# --- The form ------------------------------------------------------------------------------------


def test_the_form_offers_the_secretariat_every_scope_for_the_current_cycle(
    cycle, plan, secretariat_user, viet_nam
):
    closed = factories.ReportingCycleFactory(slug="2026-H1", state="closed")
    factories.ReportingCycleFactory(slug="2027-H1")  # planned: nothing to report yet
    response = login(secretariat_user).get(CREATE)

    assert response.status_code == 200
    html = response.content.decode()
    assert selected_value(html, "cycle") == cycle.slug
    assert set(option_values(html, "cycle")) == {"", cycle.slug, closed.slug}
    assert checked_scope(html) == "roadmap"
    assert re.findall(r'name="scope" value="([^"]+)"', html) == ["roadmap", "recommendation", "member_state"]
    assert set(option_values(html, "member_state")) >= {"", "VN", "TH"}
    assert str(plan["recommendation"].pk) in option_values(html, "recommendation")
    assert option_values(html, "language") == ["en", "vi"]
    assert option_values(html, "format") == ["html", "pdf", "xlsx", "csv", "docx"]


def test_a_focal_point_is_offered_only_its_own_member_state(cycle, plan, focal_vn):
    response = login(focal_vn).get(CREATE)

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'name="scope" value="([^"]+)"', html) == ["member_state"]
    assert checked_scope(html) == "member_state"
    assert option_values(html, "member_state") == ["VN"]
    assert selected_value(html, "member_state") == "VN"
    assert 'name="recommendation"' not in html


def test_the_scope_needs_its_object_and_what_was_typed_comes_back(cycle, plan, secretariat_user):
    client = login(secretariat_user)
    response = client.post(CREATE, form_data(cycle, scope="recommendation", language="vi", format="csv"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"recommendation": ["Choose the recommendation this report covers."]}
    html = response.content.decode()
    assert NOTHING_GENERATED in messages_of(response)
    assert 'id="id_recommendation_error"' in html and "is-invalid" in html
    assert (selected_value(html, "language"), selected_value(html, "format")) == ("vi", "csv")
    assert (selected_value(html, "cycle"), checked_scope(html)) == (cycle.slug, "recommendation")

    response = client.post(CREATE, form_data(cycle, scope="member_state"))
    assert response.context["form"].errors == {
        "member_state": ["Choose the member state this report covers."]
    }
    response = client.post(CREATE, form_data(cycle, cycle=""))
    assert response.context["form"].errors == {"cycle": ["Choose the cycle to report on."]}
    assert not Report.objects.exists()


def test_an_object_left_in_a_select_the_scope_does_not_use_is_ignored(cycle, plan, secretariat_user):
    response = login(secretariat_user).post(CREATE, form_data(cycle, member_state="VN", recommendation="999"))

    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert (report.scope, report.member_state, report.recommendation) == ("roadmap", None, None)


def test_a_focal_point_may_not_choose_another_member_state_or_the_whole_roadmap(cycle, plan, focal_vn):
    client = login(focal_vn)
    response = client.post(CREATE, form_data(cycle, scope="member_state", member_state="TH"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "member_state": ["You may not generate a report on this member state."]
    }
    response = client.post(CREATE, form_data(cycle, scope="roadmap"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "scope": ["You may not generate a report with this scope; choose one of those offered."]
    }
    assert not Report.objects.exists()

    response = client.post(CREATE, form_data(cycle, scope="member_state", member_state="VN"))
    report = Report.objects.get()
    assert response["Location"] == report.get_absolute_url()
    assert (report.member_state.iso2, report.requested_by, report.state) == (
        "VN",
        focal_vn,
        ReportState.READY,
    )


@pytest.mark.parametrize("who", ["observer_user", "costi_rep"])
def test_those_who_may_not_generate_get_403_on_the_form(request, cycle, plan, who):
    client = login(request.getfixturevalue(who))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(cycle)).status_code == 403
    assert not Report.objects.exists()


# --- Generate, follow, download ------------------------------------------------------------------


def test_generate_then_download_the_bytes_whose_checksum_is_recorded(cycle, approved_vn, secretariat_user):
    client = login(secretariat_user)
    response = client.post(CREATE, form_data(cycle), follow=True)

    report = Report.objects.get()
    assert response.redirect_chain == [(report.get_absolute_url(), 302)]
    assert report.state == ReportState.READY
    html = response.content.decode()
    assert "The report is ready." in messages_of(response)
    assert report.sha256 in html and report.file_name in html
    assert 'id="report-download"' in html
    assert "hx-trigger" not in html

    download = client.get(reverse("tracker:report_download", args=[report.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == report.sha256
    assert len(content) == report.size
    assert approved_vn.narrative.encode() in content
    assert download["Content-Type"] == "text/html; charset=utf-8"
    assert download["Content-Disposition"] == f'attachment; filename="{report.file_name}"'
    assert download["X-Content-Type-Options"] == "nosniff"


def test_the_page_does_not_wait_for_the_report(cycle, plan, secretariat_user, settings):
    settings.REPORT_RUNNER = "thread"
    client = login(secretariat_user)
    response = client.post(CREATE, form_data(cycle), follow=True)

    report = Report.objects.get()
    assert report.state == ReportState.QUEUED
    assert response.status_code == 200
    assert any("keep using the site" in m for m in messages_of(response))
    # Meanwhile the rest of the site answers as usual.
    assert client.get(reverse("roadmap:dashboard")).status_code == 200


def test_the_progress_partial_polls_while_running_and_stops_when_ready(
    cycle, plan, secretariat_user, settings
):
    report = queued(secretariat_user, cycle, settings)
    client = login(secretariat_user)
    progress_url = reverse("tracker:report_progress", args=[report.pk])

    page = client.get(report.get_absolute_url()).content.decode()
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 1s"' in page
    partial = client.get(progress_url)
    assert partial.status_code == 200
    html = partial.content.decode()
    # The partial alone, with or without htmx asking for it.
    assert html.lstrip().startswith('<section id="report-progress"')
    assert 'aria-label="Main navigation"' not in html
    assert 'hx-trigger="every 1s"' in html and 'hx-swap="outerHTML"' in html
    assert "Waiting to start" in html and 'data-state="queued"' in html
    assert "report-download" not in html
    assert client.get(progress_url, headers={"HX-Request": "true"}).content.decode() == html

    Report.objects.filter(pk=report.pk).update(
        state=ReportState.RUNNING, progress=40, stage="Writing the HTML file"
    )
    html = client.get(progress_url).content.decode()
    assert (
        'hx-trigger="every 1s"' in html and 'aria-valuenow="40"' in html and "Writing the HTML file" in html
    )

    Report.objects.filter(pk=report.pk).update(state=ReportState.QUEUED)
    services.run_queued_report(report.pk)
    html = client.get(progress_url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html and "hx-get" not in html
    assert 'data-state="ready"' in html and 'id="report-download"' in html
    assert Report.objects.get(pk=report.pk).sha256 in html


def test_a_failed_report_shows_its_error_and_generate_again_fills_the_form(
    cycle, plan, secretariat_user, viet_nam, monkeypatch
):
    def broken(data, fmt, *, progress):
        raise RuntimeError("the template is missing")

    monkeypatch.setattr(build, "render", broken)
    client = login(secretariat_user)
    response = client.post(
        CREATE, form_data(cycle, scope="member_state", member_state="VN", language="vi"), follow=True
    )

    report = Report.objects.get()
    assert report.state == ReportState.FAILED
    html = response.content.decode()
    assert "The report could not be generated." in html
    assert "RuntimeError: the template is missing" in html
    assert "hx-trigger" not in html and "report-download" not in html
    again = unescape(re.search(r'href="([^"]+)" id="report-again"', html).group(1))
    assert again.startswith(CREATE)

    form = client.get(again).content.decode()
    assert selected_value(form, "cycle") == cycle.slug
    assert checked_scope(form) == "member_state"
    assert selected_value(form, "member_state") == "VN"
    assert (selected_value(form, "language"), selected_value(form, "format")) == ("vi", "html")
    assert client.get(reverse("tracker:report_download", args=[report.pk])).status_code == 404


def test_a_report_cut_off_shows_as_failed(cycle, plan, secretariat_user, settings):
    report = queued(secretariat_user, cycle, settings)
    Report.objects.filter(pk=report.pk).update(
        state=ReportState.RUNNING,
        requested_at=timezone.now() - datetime.timedelta(seconds=services.STALE_AFTER_SECONDS + 1),
    )
    html = login(secretariat_user).get(reverse("tracker:report_progress", args=[report.pk])).content.decode()
    assert 'data-state="failed"' in html and "interrupted" in html and "hx-trigger" not in html


# --- Issue and delete ----------------------------------------------------------------------------


def test_a_provisional_report_says_so_and_cannot_be_issued(cycle, plan, secretariat_user, focal_vn):
    write_update(author=focal_vn, activity=plan["activity"], cycle=cycle, submit=True)
    report = generate(secretariat_user, cycle)
    client = login(secretariat_user)

    html = client.get(report.get_absolute_url()).content.decode()
    assert re.search(
        r'id="report-provisional">\s*<strong>Provisional</strong> — '
        r"generated while the cycle was open; 1 update awaited review\.",
        html,
    )
    assert 'id="report-issue"' not in html
    blocked = re.search(r'<div id="report-issue-blocked">.*?</div>', html, re.S).group(0)
    assert "disabled" in blocked
    assert "Only a closed cycle&#x27;s report can be issued: cycle 2026-H2 is still open." in blocked
    response = client.post(reverse("tracker:report_issue", args=[report.pk]), follow=True)
    assert any("Only a closed cycle's report can be issued" in m for m in messages_of(response))
    report.refresh_from_db()
    assert report.issued_at is None

    close_cycle(cycle=cycle, by=secretariat_user)
    html = client.get(report.get_absolute_url()).content.decode()
    assert "generated while cycle 2026-H2 was open, so it is provisional" in html
    assert 'id="report-issue"' not in html


def test_the_archive_list_marks_provisional_reports(cycle, plan, secretariat_user):
    provisional = generate(secretariat_user, cycle)
    close_cycle(cycle=cycle, by=secretariat_user)
    final = generate(secretariat_user, cycle)

    html = login(secretariat_user).get(LIST).content.decode()

    row = re.search(rf'<tr [^>]*id="report-{provisional.pk}".*?</tr>', html, re.S).group(0)
    assert ">Provisional</span>" in row and "not issued" not in row
    row = re.search(rf'<tr [^>]*id="report-{final.pk}".*?</tr>', html, re.S).group(0)
    assert "Provisional" not in row and "not issued" in row


def test_issue_freezes_the_report_once(cycle, plan, secretariat_user):
    close_cycle(cycle=cycle, by=secretariat_user)
    report = generate(secretariat_user, cycle)
    client = login(secretariat_user)
    issue_url = reverse("tracker:report_issue", args=[report.pk])
    assert 'id="report-issue"' in client.get(report.get_absolute_url()).content.decode()
    assert client.get(issue_url).status_code == 405

    response = client.post(issue_url, follow=True)
    assert response.redirect_chain == [(report.get_absolute_url(), 302)]
    report.refresh_from_db()
    assert report.issued_by == secretariat_user and report.issued_at
    html = response.content.decode()
    assert re.search(r"Issued on \d{4}-\d\d-\d\d \d\d:\d\d by .+: frozen; it will not change\.", html)
    assert 'id="report-issue"' not in html and 'id="report-delete"' not in html

    issued_at = report.issued_at
    response = client.post(issue_url, follow=True)
    assert "This report has already been issued." in messages_of(response)
    report.refresh_from_db()
    assert report.issued_at == issued_at


def test_delete_removes_a_report_nobody_issued(cycle, plan, secretariat_user):
    report = generate(secretariat_user, cycle)
    client = login(secretariat_user)
    delete_url = reverse("tracker:report_delete", args=[report.pk])
    assert 'id="report-delete"' in client.get(report.get_absolute_url()).content.decode()
    assert client.get(delete_url).status_code == 405

    response = client.post(delete_url, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert any("was deleted" in m for m in messages_of(response))
    assert not Report.objects.filter(pk=report.pk).exists()
    assert client.get(report.get_absolute_url()).status_code == 404


def test_an_issued_report_cannot_be_deleted(cycle, plan, secretariat_user):
    close_cycle(cycle=cycle, by=secretariat_user)
    report = services.report_issue(report=generate(secretariat_user, cycle), acting_user=secretariat_user)
    client = login(secretariat_user)
    response = client.post(reverse("tracker:report_delete", args=[report.pk]), follow=True)

    assert response.redirect_chain == [(report.get_absolute_url(), 302)]
    assert "An issued report is kept for good and cannot be deleted." in messages_of(response)
    assert Report.objects.filter(pk=report.pk, issued_at__isnull=False).exists()


def test_a_focal_point_neither_issues_nor_deletes_its_own_report(
    cycle, plan, focal_vn, viet_nam, secretariat_user
):
    close_cycle(cycle=cycle, by=secretariat_user)  # a final report: the refusal is the role's
    report = generate(focal_vn, cycle, member_state=viet_nam)
    client = login(focal_vn)
    html = client.get(report.get_absolute_url()).content.decode()
    assert 'id="report-download"' in html
    assert 'id="report-issue"' not in html and 'id="report-delete"' not in html
    assert client.post(reverse("tracker:report_issue", args=[report.pk])).status_code == 403
    assert client.post(reverse("tracker:report_delete", args=[report.pk])).status_code == 403
    report.refresh_from_db()
    assert report.issued_at is None


# --- Who sees what -------------------------------------------------------------------------------


@pytest.fixture
def archive(cycle, plan, approved_vn, secretariat_user, focal_vn, focal_th, viet_nam, thailand):
    def issued(report):
        return services.report_issue(report=report, acting_user=secretariat_user)

    drafts = {
        "roadmap_draft": generate(secretariat_user, cycle),
        "vn_own": generate(focal_vn, cycle, member_state=viet_nam),
    }
    # Only a closed cycle's report is issued.
    close_cycle(cycle=cycle, by=secretariat_user)
    return {
        **drafts,
        "roadmap_issued": issued(generate(secretariat_user, cycle, fmt="html")),
        "vn_issued": issued(generate(secretariat_user, cycle, member_state=viet_nam)),
        "th_issued": issued(generate(focal_th, cycle, member_state=thailand)),
        "rec_issued_vi": issued(
            services.report_request(
                report=services.new_report(
                    cycle=cycle, fmt="html", language="vi", recommendation=plan["recommendation"]
                ),
                acting_user=secretariat_user,
            )
        ),
    }


VISIBLE = {
    "secretariat_user": {
        "roadmap_draft",
        "roadmap_issued",
        "vn_own",
        "vn_issued",
        "th_issued",
        "rec_issued_vi",
    },
    "focal_vn": {"roadmap_issued", "vn_own", "vn_issued", "rec_issued_vi"},
    "focal_th": {"roadmap_issued", "th_issued", "rec_issued_vi"},
    "costi_rep": {"roadmap_issued", "rec_issued_vi"},
    "observer_user": {"roadmap_issued", "vn_issued", "th_issued", "rec_issued_vi"},
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_the_list_and_each_report_page_show_each_role_what_it_may_read(request, archive, who):
    user = request.getfixturevalue(who)
    client = login(user)
    response = client.get(LIST)

    assert response.status_code == 200
    pks = {key: r.pk for key, r in archive.items()}
    assert shown_pks(response) == {pks[key] for key in VISIBLE[who]}
    html = response.content.decode()
    assert 'id="nav-reports"' in html
    for key, report in archive.items():
        allowed = key in VISIBLE[who]
        for view in ("report_detail", "report_progress", "report_download"):
            status = client.get(reverse(f"tracker:{view}", args=[report.pk])).status_code
            assert status == (200 if allowed else 404), (key, view, status)
        assert (reverse("tracker:report_download", args=[report.pk]) in html) == allowed, key


def test_a_missing_report_is_not_found(secretariat_user):
    client = login(secretariat_user)
    for view in ("report_detail", "report_progress", "report_download"):
        assert client.get(reverse(f"tracker:{view}", args=[999])).status_code == 404
    for view in ("report_issue", "report_delete"):
        assert client.post(reverse(f"tracker:{view}", args=[999])).status_code == 404


def test_the_list_filters(archive, cycle, secretariat_user, settings):
    closed = factories.ReportingCycleFactory(slug="2026-H1", state="closed")
    older = generate(secretariat_user, closed, fmt="html")
    client = login(secretariat_user)
    pks = {key: r.pk for key, r in archive.items()}

    def shown(**query):
        response = client.get(LIST, query)
        assert response.status_code == 200
        return shown_pks(response)

    assert shown(cycle=closed.slug) == {older.pk}
    assert shown(cycle=cycle.slug) == set(pks.values())
    assert shown(scope="member_state") == {pks["vn_own"], pks["vn_issued"], pks["th_issued"]}
    assert shown(scope="recommendation") == {pks["rec_issued_vi"]}
    assert shown(language="vi") == {pks["rec_issued_vi"]}
    assert shown(format="html") == set(pks.values()) | {older.pk}
    assert shown(format="pdf") == set()
    assert shown(issued="yes") == {
        pks[k] for k in ("roadmap_issued", "vn_issued", "th_issued", "rec_issued_vi")
    }
    assert shown(issued="no") == {pks["roadmap_draft"], pks["vn_own"], older.pk}
    assert shown(issued="no", scope="member_state") == {pks["vn_own"]}


def test_the_list_shows_each_reports_facts(archive, cycle, secretariat_user):
    command = services.report_generate_for_command(report=services.new_report(cycle=cycle, fmt="html"))
    html = login(secretariat_user).get(LIST).content.decode()

    row = re.search(rf'<tr [^>]*id="report-{command.pk}".*?</tr>', html, re.S).group(0)
    assert "command line" in row
    assert f'title="{command.sha256}"' in row and command.sha256[:12] in row
    assert 'data-state="ready"' in row and "HTML" in row and "not issued" in row
    issued = archive["vn_issued"]
    row = re.search(rf'<tr [^>]*id="report-{issued.pk}".*?</tr>', html, re.S).group(0)
    assert "Viet Nam" in row and str(issued.issued_by) in row


def test_the_list_runs_the_same_queries_whatever_the_number_of_reports(
    cycle, plan, secretariat_user, focal_vn, viet_nam, django_assert_max_num_queries
):
    clients = {"secretariat": login(secretariat_user), "focal point": login(focal_vn)}

    close_cycle(cycle=cycle, by=secretariat_user)  # its reports can be issued

    def fill(n):
        for i in range(n):
            report = generate(secretariat_user, cycle, member_state=viet_nam if i % 2 else None)
            if i % 3:
                services.report_issue(report=report, acting_user=secretariat_user)
        generate(focal_vn, cycle, member_state=viet_nam)
        services.report_generate_for_command(report=services.new_report(cycle=cycle, fmt="html"))

    pages = [
        LIST,
        LIST + "?issued=yes&scope=member_state",
        reverse("tracker:cycle_detail", args=[cycle.slug]),
    ]
    fill(2)
    small = {}
    for who, client in clients.items():
        for page in pages:
            client.get(page)
            with django_assert_max_num_queries(1000) as captured:
                assert client.get(page).status_code == 200
            small[who, page] = len(captured)
    first = Report.objects.order_by("pk").first()
    detail_pages = [
        reverse("tracker:report_detail", args=[first.pk]),
        reverse("tracker:report_progress", args=[first.pk]),
    ]
    for page in detail_pages:
        with django_assert_max_num_queries(1000) as captured:
            clients["secretariat"].get(page)
        small["secretariat", page] = len(captured)

    fill(14)
    assert Report.objects.count() == 20
    for (who, page), count in small.items():
        with django_assert_max_num_queries(count, info=f"{page} as {who}"):
            response = clients[who].get(page)
        assert response.status_code == 200
    # Guard: the bigger archive really is on the page.
    assert len(shown_pks(clients["secretariat"].get(LIST))) == 20


# --- Links from the rest of the site -------------------------------------------------------------


def test_the_cycle_page_links_to_generating_and_to_the_cycles_reports(
    archive, cycle, focal_vn, observer_user
):
    page = login(focal_vn).get(reverse("tracker:cycle_detail", args=[cycle.slug])).content.decode()
    assert "Generate the progress report" in page
    assert f'href="{CREATE}?cycle={cycle.slug}"' in page
    assert archive["vn_own"].get_absolute_url() in page
    assert archive["roadmap_draft"].get_absolute_url() not in page

    page = login(observer_user).get(reverse("tracker:cycle_detail", args=[cycle.slug])).content.decode()
    assert "Generate the progress report" not in page
    assert archive["vn_issued"].get_absolute_url() in page
    assert archive["vn_own"].get_absolute_url() not in page


def test_the_generate_link_from_a_cycle_preselects_it(cycle, plan, secretariat_user):
    closed = factories.ReportingCycleFactory(slug="2026-H1", state="closed")
    html = login(secretariat_user).get(CREATE, {"cycle": closed.slug}).content.decode()
    assert selected_value(html, "cycle") == closed.slug


def test_an_approved_update_changes_a_new_report_but_not_an_issued_one(
    cycle, plan, approved_vn, secretariat_user, focal_th
):
    # Submitted before the cycle closed, approved after the report was issued.
    update = update_services.new_update(activity=plan["activity"], cycle=cycle, author=focal_th)
    update.narrative = "Thailand finished its pilots."
    update = update_services.progress_update_save(
        update=update, content=update_services.UpdateContent(), acting_user=focal_th, submit=True
    )
    close_cycle(cycle=cycle, by=secretariat_user)
    issued = services.report_issue(report=generate(secretariat_user, cycle), acting_user=secretariat_user)
    client = login(secretariat_user)
    download = reverse("tracker:report_download", args=[issued.pk])
    before = b"".join(client.get(download).streaming_content)

    review_services.progress_update_approve(update=update, acting_user=secretariat_user)

    after = b"".join(client.get(download).streaming_content)
    assert after == before and hashlib.sha256(after).hexdigest() == issued.sha256


def test_a_report_cut_off_by_a_restart_shows_failed_and_polling_stops(
    cycle, plan, secretariat_user, settings
):
    running = queued(secretariat_user, cycle, settings)
    cut_off = queued(secretariat_user, cycle, settings)
    Report.objects.filter(pk__in=[running.pk, cut_off.pk]).update(state=ReportState.RUNNING)
    Report.objects.filter(pk=cut_off.pk).update(requested_at=timezone.now() - datetime.timedelta(hours=1))
    client = login(secretariat_user)

    html = client.get(reverse("tracker:report_progress", args=[cut_off.pk])).content.decode()
    assert 'data-state="failed"' in html and "hx-trigger" not in html
    assert "Generation was interrupted; generate the report again." in html

    # A report still within its time is left running, and polling it writes nothing.
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("tracker:report_progress", args=[running.pk])).content.decode()
    assert 'data-state="running"' in html and 'hx-trigger="every 1s"' in html
    assert queries.captured_queries  # not vacuous
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert Report.objects.get(pk=running.pk).state == ReportState.RUNNING
