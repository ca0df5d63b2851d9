"""History as people read it: who changed which field from what to what, and why."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from roadmap import services
from roadmap.history import activity_history
from roadmap.models import Activity, ActivityStatus, Indicator, Milestone
from tests import factories

pytestmark = pytest.mark.django_db


def _fresh(instance):
    return type(instance).objects.get(pk=instance.pk)


def _changes(entry):
    return {c.label: (c.old, c.new) for c in entry.changes}


def _create_activity(secretariat_user, plan, viet_nam):
    activity = Activity(
        roadmap=plan["activity"].roadmap,
        recommendation=plan["recommendation"],
        code="R2.2",
        title="Digital skills programme",
        planned_start=datetime.date(2026, 1, 1),
        planned_end=datetime.date(2026, 12, 31),
        percent_complete=10,
    )
    return services.activity_create(
        activity=activity, m2m={"lead_member_states": [viet_nam]}, acting_user=secretariat_user
    )


def test_field_changes_list_old_and_new_values_user_and_reason(plan, secretariat_user, viet_nam):
    activity = _create_activity(secretariat_user, plan, viet_nam)
    activity = _fresh(activity)
    activity.status = ActivityStatus.DELAYED
    activity.percent_complete = 25
    activity.planned_end = datetime.date(2027, 3, 31)
    reason = "Trainers recruited late."
    services.activity_update(
        activity=activity, m2m=None, expected_version=1, reason=reason, acting_user=secretariat_user
    )

    entries = activity_history(activity)
    latest = entries[0]
    assert latest.kind == "changed"
    assert latest.subject == "Activity"
    assert latest.user == secretariat_user
    assert latest.reason == reason
    assert _changes(latest) == {
        "status": ("Not started", "Delayed"),
        "percent complete": ("10", "25"),
        "planned end": ("2026-12-31", "2027-03-31"),
    }
    # Bookkeeping fields are not shown as changes.
    assert not {"version", "updated at", "sequence"} & set(_changes(latest))
    created = [e for e in entries if e.kind == "created"]
    assert len(created) == 1
    assert created[0].user == secretariat_user
    assert created[0].reason == "Created"


def test_entries_are_newest_first_and_record_each_user(plan, secretariat_user):
    other = factories.SecretariatFactory(username="sec2")
    activity = _fresh(plan["activity"])
    activity.percent_complete = 50
    services.activity_update(
        activity=activity, m2m=None, expected_version=1, reason="", acting_user=secretariat_user
    )
    activity = _fresh(activity)
    activity.flag = "amber"
    services.activity_update(
        activity=activity, m2m=None, expected_version=2, reason="Risk", acting_user=other
    )

    changed = [e for e in activity_history(activity) if e.subject == "Activity" and e.kind == "changed"]
    assert [_changes(e) for e in changed[:2]] == [
        {"flag": ("Green", "Amber")},
        {"percent complete": ("40", "50")},
    ]
    assert [e.user for e in changed[:2]] == [other, secretariat_user]
    assert [e.reason for e in changed[:2]] == ["Risk", ""]
    whens = [e.when for e in activity_history(activity)]
    assert whens == sorted(whens, reverse=True)


def test_owner_changes_appear(plan, secretariat_user, viet_nam, thailand, accmsme, costi):
    activity = _create_activity(secretariat_user, plan, viet_nam)
    activity = _fresh(activity)
    services.activity_update(
        activity=activity,
        m2m={"lead_member_states": [viet_nam, thailand], "supporting_bodies": [costi, accmsme]},
        expected_version=1,
        reason="Thailand joins as co-lead.",
        acting_user=secretariat_user,
    )
    owner_changes = {}
    for entry in activity_history(activity):
        for change in entry.changes:
            if change.label in ("lead member states", "supporting bodies"):
                owner_changes.setdefault(change.label, []).append((change.old, change.new, entry))
    (old, new, entry), *_ = owner_changes["lead member states"]
    assert (old, new) == ("VN", "TH, VN")
    assert entry.user == secretariat_user
    assert entry.reason == "Thailand joins as co-lead."
    assert ("—", "ACCMSME, COSTI") in [(o, n) for o, n, _e in owner_changes["supporting bodies"]]

    page_entries = activity_history(activity)
    # No entry is an empty "changed" line.
    assert all(e.changes for e in page_entries if e.kind == "changed")


def test_removing_an_owner_appears(plan, secretariat_user, viet_nam, thailand):
    activity = _fresh(plan["activity"])
    services.activity_update(
        activity=activity,
        m2m={"participating_member_states": []},
        expected_version=1,
        reason="Thailand withdrew.",
        acting_user=secretariat_user,
    )
    latest = activity_history(activity)[0]
    assert _changes(latest)["participating member states"] == ("TH", "—")
    assert latest.reason == "Thailand withdrew."


def test_milestone_changes_appear_with_the_milestone_title(plan, secretariat_user):
    milestone = _fresh(plan["milestone"])
    milestone.planned_date = datetime.date(2027, 8, 31)
    services.milestone_update(
        milestone=milestone, expected_version=1, reason="Field work extended.", acting_user=secretariat_user
    )
    new = Milestone(activity=plan["activity"], title="Launch event", planned_date=datetime.date(2028, 1, 15))
    services.milestone_create(milestone=new, acting_user=secretariat_user)

    entries = activity_history(plan["activity"])
    moved = next(e for e in entries if e.subject == "Milestone: Pilot report" and e.kind == "changed")
    assert _changes(moved) == {"planned date": ("2027-06-30", "2027-08-31")}
    assert moved.reason == "Field work extended."
    assert moved.user == secretariat_user
    created = next(e for e in entries if e.subject == "Milestone: Launch event")
    assert created.kind == "created"


def test_indicator_changes_appear_with_the_indicator_name(plan, secretariat_user):
    indicator = _fresh(plan["indicator"])
    indicator.target_value = 650
    services.indicator_update(
        indicator=indicator, expected_version=1, reason="Raised by SEOM.", acting_user=secretariat_user
    )
    entry = next(
        e
        for e in activity_history(plan["activity"])
        if e.subject == "Indicator: Enterprises assessed" and e.kind == "changed"
    )
    assert _changes(entry) == {"target value": ("500.00", "650.00")}
    assert entry.reason == "Raised by SEOM."


def test_history_of_one_activity_excludes_others(plan, secretariat_user, roadmap):
    other = factories.ActivityFactory(roadmap=roadmap, code="R2.9")
    other_milestone = factories.MilestoneFactory(activity=other, title="Unrelated milestone")
    other_milestone = _fresh(other_milestone)
    other_milestone.title = "Renamed unrelated milestone"
    services.milestone_update(
        milestone=other_milestone, expected_version=1, reason="", acting_user=secretariat_user
    )
    subjects = {e.subject for e in activity_history(plan["activity"])}
    assert not any("unrelated" in s.lower() for s in subjects)
    assert Indicator.objects.filter(activity=plan["activity"]).exists()


def test_activity_page_shows_history_with_reason_and_values(client, plan, secretariat_user, observer_user):
    activity = _fresh(plan["activity"])
    activity.planned_end = datetime.date(2028, 6, 30)
    reason = "Pilots wait for the 2028 budget & new partners."
    services.activity_update(
        activity=activity, m2m=None, expected_version=1, reason=reason, acting_user=secretariat_user
    )
    client.force_login(observer_user)
    html = client.get(reverse("roadmap:activity_detail", args=[activity.code])).content.decode()
    assert f'<span class="history-reason">{escape(reason)}</span>' in html
    assert "planned end: <del>2027-12-31</del> → <ins>2028-06-30</ins>" in html
    assert str(secretariat_user) in html


def test_history_page_query_count_does_not_grow_with_changes(
    client, plan, secretariat_user, viet_nam, thailand
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(secretariat_user)
    url = reverse("roadmap:activity_detail", args=[plan["activity"].code])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for version in range(1, 11):
        activity = _fresh(plan["activity"])
        activity.percent_complete = 40 + version
        lead = [viet_nam, thailand] if version % 2 else [viet_nam]
        services.activity_update(
            activity=activity,
            m2m={"lead_member_states": lead},
            expected_version=version,
            reason=f"Step {version}",
            acting_user=secretariat_user,
        )
    assert count() == few
