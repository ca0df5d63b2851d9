"""The record written through the real services, as the tests set it up. Every argument is keyword-only."""

from roadmap.models import Activity
from tests import factories
from tracker.cycles import services as cycle_services
from tracker.review import services as review_services
from tracker.updates import services as update_services

NARRATIVE = "Pilots ran in two provinces."


def small_plan(*, roadmap, viet_nam, thailand, costi):
    """Recommendation 2 and its activity R2.1, led by Viet Nam with Thailand taking part and COSTI
    supporting, with a milestone and an indicator (tests/conftest.py `plan`)."""
    rec = factories.RecommendationFactory(roadmap=roadmap, number=2)
    activity = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=rec,
        code="R2.1",
        title="Readiness assessment pilots",
        title_vi="Thí điểm đánh giá mức độ sẵn sàng",
        lead_member_states=[viet_nam],
        participating_member_states=[thailand],
        supporting_bodies=[costi],
    )
    milestone = factories.MilestoneFactory(activity=activity, title="Pilot report")
    indicator = factories.IndicatorFactory(activity=activity, name="Enterprises assessed")
    return {"recommendation": rec, "activity": activity, "milestone": milestone, "indicator": indicator}


def open_cycle(*, by, slug="2026-H2", name="2026 second half", **fields):
    """Cycle `slug` (deadline in 14 days unless `fields` say otherwise), opened by `by` (the secretariat)."""
    cycle = factories.ReportingCycleFactory(slug=slug, name=name, **fields)
    cycle_services.cycle_open(cycle=cycle, acting_user=by)
    cycle.refresh_from_db()
    return cycle


def close_cycle(*, cycle, by):
    """Close `cycle` through the service, as the secretariat `by`; returns it fresh from the database."""
    cycle.refresh_from_db()
    cycle_services.cycle_close(cycle=cycle, acting_user=by)
    cycle.refresh_from_db()
    return cycle


def open_cycle_owing_three(*, plan, led_by, by, **fields):
    """Add R2.2 and R2.3, led by the member state `led_by`, next to the plan's R2.1 and open 2026-H2.

    Returns the cycle and the activities by code.
    """
    for code, title in (("R2.2", "Factory data standards"), ("R2.3", "Skills for smart factories")):
        factories.ActivityFactory(
            roadmap=plan["activity"].roadmap,
            recommendation=plan["recommendation"],
            code=code,
            title=title,
            lead_member_states=[led_by],
        )
    return open_cycle(by=by, **fields), {a.code: a for a in Activity.objects.all()}


def _save(update, *, author, submit, narrative, fields, **content):
    if narrative is not None:
        update.narrative = narrative
    for name, value in fields.items():
        if not hasattr(update, name):
            raise TypeError(f"a progress update has no field {name!r}")
        setattr(update, name, value)
    return update_services.progress_update_save(
        update=update,
        content=update_services.UpdateContent(**{name: list(items) for name, items in content.items()}),
        acting_user=author,
        submit=submit,
    )


def write_update(
    *,
    author,
    activity,
    cycle,
    submit=False,
    narrative=NARRATIVE,
    values=(),
    files=(),
    links=(),
    achievements=(),
    **fields,
):
    """A draft (or, with submit=True, a submitted update) by `author` for their party.

    `values` are (indicator, member state or None, value, note); `files` uploaded evidence; `links`
    (url, label); `achievements` (milestone, date);
    `fields` set the update's own fields (proposed_status, proposed_flag, proposed_percent…).
    """
    update = update_services.new_update(activity=activity, cycle=cycle, author=author)
    return _save(
        update,
        author=author,
        submit=submit,
        narrative=narrative,
        fields=fields,
        indicator_values=values,
        new_files=files,
        links=links,
        achievements=achievements,
    )


def approve(*, update, by):
    """`by` (the secretariat) approves the submitted `update`."""
    return review_services.progress_update_approve(update=update, acting_user=by)


def return_update(*, update, by, comment="Add the provinces' names."):
    """`by` (the secretariat) returns the submitted `update` to its party with `comment`."""
    return review_services.progress_update_return(update=update, comment=comment, acting_user=by)


def correct(*, update, author, approved_by=None, submit=True, narrative=None, values=(), **fields):
    """`author` corrects the approved `update`: the correction is saved (submitted unless submit=False)
    and, with `approved_by`, approved."""
    draft = update_services.progress_update_correct(update=update, acting_user=author)
    draft = _save(
        draft, author=author, submit=submit, narrative=narrative, fields=fields, indicator_values=values
    )
    return approve(update=draft, by=approved_by) if approved_by is not None else draft
