"""`manage.py load_roadmap`: the seeded roadmap from roadmap/data/roadmap.toml, loaded safely."""

import datetime
import io
import re
import tomllib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from roadmap.loading import DEFAULT_FILE
from roadmap.models import (
    ACTIVITY_CODE_RE,
    Activity,
    ActivityStatus,
    Body,
    CountryFigure,
    DatePrecision,
    Indicator,
    MemberState,
    Milestone,
    MilestoneState,
    NationalStrategy,
    Recommendation,
    Roadmap,
    date_with_precision,
    milestone_state,
)

# The Vietnamese titles exactly as domain/ROADMAP.md gives them.
TITLES_VI = {
    1: "Thúc đẩy nhận thức của các bên liên quan, đặc biệt là các doanh nghiệp trong ASEAN, về sản xuất "
    "thông minh",
    2: "Tạo điều kiện phát triển các chương trình nghiên cứu và triển khai, thí điểm về sản xuất thông minh "
    "như các giải pháp và đánh giá mức độ sẵn sàng về sản xuất thông minh",
    3: "Hài hòa tiêu chuẩn về sản xuất thông minh trong khu vực và tham gia vào việc xây dựng các tiêu chuẩn "
    "quốc tế về sản xuất thông minh khi thích hợp",
    4: "Tăng cường hợp tác và xây dựng năng lực trong ASEAN, hợp tác với các đối tác đối thoại và các Ủy ban "
    "chuyên ngành của ASEAN trong triển khai khung lộ trình và giải pháp thúc đẩy sản xuất thông minh",
    5: "Xây dựng chiến lược phát triển sản xuất thông minh ở cấp quốc gia và khuyến khích các doanh nghiệp "
    "vừa và nhỏ trong ASEAN xây dựng chiến lược phát triển sản xuất thông minh ở cấp doanh nghiệp và hỗ trợ "
    "doanh nghiệp áp dụng các giải pháp sản xuất thông minh",
}
ALL_MODELS = [
    Roadmap,
    Recommendation,
    MemberState,
    Body,
    NationalStrategy,
    CountryFigure,
    Activity,
    Milestone,
    Indicator,
]
# The day the illustrative dates were written against.
WRITTEN_ON = datetime.date(2026, 11, 23)


def run(*args):
    out = io.StringIO()
    call_command("load_roadmap", *args, stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


@pytest.fixture
def loaded(db):
    return run()


def test_first_run_reports_what_it_created(loaded):
    assert "Roadmaps: 1 created, 0 already present" in loaded
    assert "Recommendations: 5 created, 0 already present" in loaded
    assert "Member states: 11 created, 0 already present" in loaded
    assert "Loaded " in loaded
    assert "Nothing to do" not in loaded


def test_roadmap_record(loaded):
    roadmap = Roadmap.objects.get()
    assert roadmap.slug == "smart-manufacturing"
    assert roadmap.title == "Roadmap and Solutions to Promote Smart Manufacturing in ASEAN"
    assert roadmap.title_vi.startswith("Lộ trình, giải pháp thúc đẩy sản xuất thông minh")
    assert roadmap.adopted_on == datetime.date(2021, 1, 21)
    assert roadmap.adopted_by == "SEOM"
    assert roadmap.source


def test_five_recommendations_with_vietnamese_titles_as_in_the_source(loaded):
    recommendations = {r.number: r for r in Recommendation.objects.all()}
    assert sorted(recommendations) == [1, 2, 3, 4, 5]
    for number, title_vi in TITLES_VI.items():
        rec = recommendations[number]
        assert rec.title_vi == title_vi
        assert rec.title and rec.short_title and rec.short_title_vi
        assert rec.description and rec.description_vi
    assert recommendations[3].title.startswith("Harmonise smart-manufacturing standards")


def test_member_states(loaded):
    assert MemberState.objects.count() == 11
    names = set(MemberState.objects.values_list("name", flat=True))
    assert {"Viet Nam", "Lao PDR", "Brunei Darussalam", "Timor-Leste"} <= names
    timor = MemberState.objects.get(iso2="TL")
    assert timor.iso3 == "TLS"
    assert timor.joined_on == datetime.date(2025, 10, 26)
    viet_nam = MemberState.objects.get(iso2="VN")
    assert (viet_nam.iso3, viet_nam.name_vi, viet_nam.joined_on) == (
        "VNM",
        "Việt Nam",
        datetime.date(1995, 7, 28),
    )
    assert "STAMEQ" in viet_nam.focal_agency
    assert MemberState.objects.filter(joined_on=datetime.date(1967, 8, 8)).count() == 5
    assert MemberState.objects.get(iso2="KH").joined_on == datetime.date(1999, 4, 30)
    assert set(
        MemberState.objects.filter(joined_on=datetime.date(1997, 7, 23)).values_list("iso2", flat=True)
    ) == {
        "LA",
        "MM",
    }
    assert all(MemberState.objects.values_list("name_vi", flat=True))


def test_bodies(loaded):
    acronyms = set(Body.objects.values_list("acronym", flat=True))
    assert {"AEM", "SEOM", "ACCSQ", "ACCMSME", "COSTI", "ASEC", "APO", "STAMEQ", "VNPI"} <= acronyms
    assert Body.objects.get(acronym="AEM").kind == Body.Kind.MINISTERS
    assert Body.objects.get(acronym="ASEC").kind == Body.Kind.SECRETARIAT
    assert Body.objects.get(acronym="APO").kind == Body.Kind.PARTNER_ORGANISATION
    stameq = Body.objects.get(acronym="STAMEQ")
    assert stameq.kind == Body.Kind.NATIONAL_AGENCY
    assert stameq.member_state.iso2 == "VN"
    assert stameq.name_vi == "Tổng cục Tiêu chuẩn Đo lường Chất lượng"
    working_groups = Body.objects.filter(kind=Body.Kind.WORKING_GROUP)
    assert set(working_groups.values_list("acronym", flat=True)) == {"ACCSQ-WG1", "ACCSQ-WG2", "ACCSQ-WG3"}
    assert {wg.parent.acronym for wg in working_groups} == {"ACCSQ"}
    assert Body.objects.filter(kind=Body.Kind.DIALOGUE_PARTNER).count() == 11
    assert all(Body.objects.values_list("role", flat=True))


def test_national_strategies(loaded):
    assert NationalStrategy.objects.count() == 17
    industry4wrd = NationalStrategy.objects.get(name__contains="Industry4WRD")
    assert (industry4wrd.member_state.iso2, industry4wrd.year) == ("MY", 2018)
    assert "MITI" in industry4wrd.lead_agency
    assert NationalStrategy.objects.get(name__contains="i3S").lead_agency.endswith("(DTI)")
    assert NationalStrategy.objects.get(member_state__iso2="KH").lead_agency == (
        "Ministry of Posts and Telecommunications"
    )
    assert NationalStrategy.objects.filter(member_state__iso2="VN").count() == 5
    assert not NationalStrategy.objects.filter(member_state__iso2="LA").exists()


def test_country_figures(loaded):
    assert CountryFigure.objects.count() == 22
    assert CountryFigure.objects.get(
        member_state__iso2="VN", metric="industry_gdp_pct", year=2019
    ).value == Decimal("36.2")
    asean = CountryFigure.objects.get(member_state__isnull=True)
    assert (asean.metric, asean.year, asean.value) == ("industry_gdp_pct", 2019, Decimal("36.0"))
    singapore = CountryFigure.objects.get(member_state__iso2="SG", metric="manufacturing_gdp_pct")
    assert singapore.approximate and singapore.value == Decimal("20")
    assert CountryFigure.objects.filter(approximate=True).count() == 1
    assert CountryFigure.objects.filter(member_state__iso2="VN").count() == 4


def test_initiative_timeline_is_one_completed_activity(loaded):
    init = Activity.objects.get(code="INIT.1")
    assert init.recommendation is None
    assert (init.status, init.flag, init.percent_complete) == (ActivityStatus.COMPLETED, "green", 100)
    assert init.is_illustrative is False
    assert set(init.lead_bodies.values_list("acronym", flat=True)) == {"ACCSQ", "STAMEQ"}
    assert list(init.lead_member_states.values_list("iso2", flat=True)) == ["VN"]
    milestones = list(init.milestones.order_by("planned_date"))
    assert len(milestones) == 7
    for milestone in milestones:
        assert milestone.planned_date == milestone.baseline_date == milestone.actual_date
    dates = [m.planned_date for m in milestones]
    assert datetime.date(2020, 3, 10) in dates
    assert datetime.date(2020, 12, 11) in dates
    assert milestones[-1].planned_date == datetime.date(2021, 1, 21)
    assert "SEOM" in milestones[-1].title
    assert "not given" in milestones[2].description or "no dates" in milestones[2].description


def test_illustrative_activities_per_recommendation(loaded):
    for number in range(1, 6):
        activities = Activity.objects.filter(recommendation__number=number)
        assert 3 <= activities.count() <= 5
        for activity in activities:
            assert activity.is_illustrative
            assert re.match(ACTIVITY_CODE_RE, activity.code)
            assert activity.code.startswith(f"R{number}.")
            assert "illustrative" in activity.description.lower()
            assert activity.title_vi
            assert activity.lead_member_states.exists() or activity.lead_bodies.exists()
            assert 2 <= activity.milestones.count() <= 4
            assert activity.sequence == int(activity.code.split(".")[1])
            if activity.status == ActivityStatus.COMPLETED:
                assert activity.percent_complete == 100
                assert not activity.milestones.filter(actual_date__isnull=True).exists()
            if activity.status == ActivityStatus.NOT_STARTED:
                assert activity.percent_complete == 0
    statuses = set(Activity.objects.filter(is_illustrative=True).values_list("status", flat=True))
    assert {"not_started", "ongoing", "delayed", "completed"} <= statuses
    # Some plans slipped: the planned end is later than the baseline one.
    assert any(a.end_slip_days and a.end_slip_days > 0 for a in Activity.objects.all())


def test_milestones_cover_every_state(loaded):
    states = {
        milestone_state(m.planned_date, m.actual_date, today=WRITTEN_ON) for m in Milestone.objects.all()
    }
    assert set(MilestoneState) <= states


def test_indicators(loaded):
    readiness = Indicator.objects.get(name="Enterprises assessed for smart-manufacturing readiness")
    assert readiness.activity.code == "R2.1"
    assert (readiness.unit, readiness.baseline_value, readiness.baseline_year) == ("enterprises", 93, 2020)
    assert (readiness.target_value, readiness.target_year) == (500, 2025)
    assert "illustrative" in readiness.description
    assert Indicator.objects.filter(recommendation__isnull=False).exists()
    assert Indicator.objects.filter(activity__isnull=False).count() >= 4


# --- The record checked against the source article (../shared/domain/000_*.txt, line N) ---------


def test_productivity_forecast_is_context_not_an_indicator(loaded):
    # Lines 54-58: a manufacturing magazine's forecast, not an ASEAN target.
    assert not Indicator.objects.filter(name="Growth in manufacturing labour productivity").exists()
    assert not Indicator.objects.filter(recommendation__number=5).exists()
    roadmap = Roadmap.objects.get()
    assert "magazine" in roadmap.description and "not a target" in roadmap.description
    assert "0.7 %" in roadmap.description and "2.3 % a year from 2025 to 2030" in roadmap.description
    assert "Tạp chí tầm nhìn ngành sản xuất" in roadmap.description_vi
    assert "0,7%" in roadmap.description_vi and "2,3%" in roadmap.description_vi


def test_invented_indicator_target_is_marked_illustrative(loaded):
    readiness = Indicator.objects.get(name="Enterprises assessed for smart-manufacturing readiness")
    assert readiness.is_illustrative
    assert (readiness.baseline_value, readiness.target_value) == (93, 500)


def test_figures_the_source_gives_no_year_for_are_undated(loaded):
    # Line 50 (employment shares) and line 100 (Singapore, about 20 % of GDP) give no year.
    employment = CountryFigure.objects.filter(metric="industry_employment_pct")
    assert employment.count() == 7
    assert set(employment.values_list("year", flat=True)) == {None}
    singapore = CountryFigure.objects.get(member_state__iso2="SG", metric="manufacturing_gdp_pct")
    assert singapore.year is None and singapore.approximate
    assert "no year" in singapore.source
    assert not CountryFigure.objects.filter(source__contains="2019", year__isnull=True).exists()
    # The shares of GDP, exports and imports are the source's 2019 figures.
    assert CountryFigure.objects.filter(year=2019).count() == 14
    assert str(employment.get(member_state__iso2="VN")) == "Viet Nam: Industry, % of employment = 32.80"


def test_member_states_and_strategies_are_worded_as_the_source_does(loaded):
    strategy = {s.name: s for s in NationalStrategy.objects.all()}
    brunei = strategy["Digital Economy Masterplan 2025"].summary  # lines 68-70
    assert "Smart Nation" in brunei and "a leading digital industry" in brunei
    myanmar = NationalStrategy.objects.get(member_state__iso2="MM")  # line 91
    assert "micro, small and medium enterprises" in myanmar.name
    assert "smart manufacturing" in myanmar.summary and "concessional" in myanmar.summary
    assert "grants" in myanmar.summary
    lao = MemberState.objects.get(iso2="LA").notes  # line 81
    assert "World Bank" in lao and "skilled labour" in lao and "infrastructure" in lao
    r53 = Activity.objects.get(code="R5.3")
    assert "without a named strategy" not in r53.description
    assert "chưa có chiến lược" not in r53.description_vi
    assert "Myanmar" in r53.description and "Myanmar" in r53.description_vi
    siri = strategy["Smart Industry Readiness Index (SIRI)"]  # line 104
    assert siri.year == 2017 and "transformation roadmap" in siri.summary
    assert "building blocks" not in siri.summary
    tech_depot = strategy["Tech Depot"]  # line 111
    assert tech_depot.lead_agency == "" and "A*STAR" not in tech_depot.summary
    assert "A*STAR Tech Depot" not in strategy
    assert "smart manufacturing in enterprises" in strategy["Decision 1322/QĐ-TTg"].summary  # 122-126
    assert "research, development and application of Industry 4.0" in (
        strategy["Decision 2813/QĐ-BKHCN"].summary  # lines 126-128
    )
    assert "domestic ICT industry" in strategy["Make in Vietnam"].summary  # lines 128-129
    assert NationalStrategy.objects.count() == 17


def test_roadmap_description_says_who_did_what(loaded):
    roadmap = Roadmap.objects.get()
    # Line 9: SEOM, not the AEM Retreat, assigned ACCSQ; line 7: one of 13 proposals.
    assert "Hội nghị Quan chức Kinh tế cấp cao ASEAN (SEOM) giao" in roadmap.description_vi
    assert "thông qua và giao ACCSQ" not in roadmap.description_vi
    assert "01 trong 13 đề xuất" in roadmap.description_vi
    assert "SEOM assigned ACCSQ" in roadmap.description
    assert "one of Viet Nam's 13 proposed initiatives" in roadmap.description
    assert Body.objects.get(acronym="SEOM").name_vi == "Hội nghị Quan chức Kinh tế cấp cao ASEAN"
    apo = Body.objects.get(acronym="APO")
    assert (apo.name, apo.name_vi) == ("Asian Productivity Organization", "Tổ chức Năng suất Châu Á")
    centre = Body.objects.get(acronym="APO-COE-SM")
    assert centre.parent == apo and "Centre of Excellence" in centre.name
    most = Body.objects.get(acronym="MOST")
    assert (most.kind, most.member_state.iso2) == (Body.Kind.NATIONAL_AGENCY, "VN")
    assert "Proposed the initiative" in most.role and "11 December 2020" in most.role


def test_dates_keep_the_precision_the_source_gives(loaded):
    init = Activity.objects.get(code="INIT.1")
    conference = init.milestones.get(title="STAMEQ conference on ASEAN-APO cooperation")
    assert conference.date_precision == DatePrecision.EARLY_YEAR
    assert (conference.planned_display, conference.actual_display) == ("early 2020", "early 2020")
    meetings = init.milestones.filter(title__contains="online meeting")
    assert meetings.count() == 3
    for meeting in meetings:
        assert meeting.date_precision == DatePrecision.HALF_YEAR
        assert meeting.actual_display == "July to December 2020"
    with translation.override("vi"):
        assert conference.actual_display == "đầu năm 2020"
        assert meetings[0].actual_display == "từ tháng 7 đến tháng 12 năm 2020"
    # Dates the source gives exactly stay exact.
    adoption = init.milestones.get(title="SEOM adopts the roadmap report")
    assert (adoption.date_precision, adoption.actual_display) == ("day", "2021-01-21")
    assert not Milestone.objects.exclude(activity=init).exclude(date_precision="day").exists()


@pytest.mark.parametrize(
    "precision, shown",
    [
        ("day", "2020-03-10"),
        ("month", "March 2020"),
        ("early_year", "early 2020"),
        ("half_year", "January to June 2020"),
        ("year", "2020"),
    ],
)
def test_a_date_is_shown_as_exactly_as_it_is_known(precision, shown):
    assert date_with_precision(datetime.date(2020, 3, 10), precision) == shown
    assert date_with_precision(None, precision) == ""


WAS = """
[roadmap]
slug = "other"
title = "Another roadmap"
description = "Corrected"
was = { description = "Loaded before" }

[[member_states]]
iso2 = "VN"
iso3 = "VNM"
name = "Viet Nam"
joined_on = 1995-07-28

[[strategies]]
member_state = "VN"
name = "Renamed"
summary = "Corrected"
was = { name = "Old name", summary = "Loaded before" }

[[figures]]
member_state = "VN"
source = "no year given"
industry_employment_pct = 32.8
was = { year = 2019, source = "2019" }
"""


@pytest.mark.django_db
def test_was_corrects_what_nobody_changed_and_leaves_what_somebody_did(tmp_path):
    earlier = tmp_path / "other.toml"
    earlier.write_text(
        WAS.replace('description = "Corrected"\n', 'description = "Loaded before"\n')
        .replace('name = "Renamed"\nsummary = "Corrected"', 'name = "Old name"\nsummary = "Loaded before"')
        .replace('source = "no year given"', 'year = 2019\nsource = "2019"')
        .replace("was = {", "# was = {"),
        encoding="utf-8",
    )
    run("--file", str(earlier))
    edited = NationalStrategy.objects.get(name="Old name")
    edited.summary = "Edited by the secretariat"
    edited.save()
    corrected = tmp_path / "corrected.toml"
    corrected.write_text(WAS, encoding="utf-8")

    output = run("--file", str(corrected))

    assert Roadmap.objects.get(slug="other").description == "Corrected"
    figure = CountryFigure.objects.get()
    assert (figure.year, figure.source) == (None, "no year given")
    # Edited in the tracker: left as it is, found under its old name (no second strategy).
    assert list(NationalStrategy.objects.values_list("name", "summary")) == [
        ("Old name", "Edited by the secretariat")
    ]
    assert "1 not corrected because they were edited in the tracker" in output
    assert "Corrected 2 records from corrected.toml." in output
    assert "Nothing to do" in run("--file", str(corrected))


def test_pages_show_dates_and_undated_figures_as_the_source_gives_them(loaded, sec_client):
    page = sec_client.get(Activity.objects.get(code="INIT.1").get_absolute_url()).content.decode()
    assert (
        "early 2020" in page and page.count("July to December 2020") >= 9
    )  # 3 x planned, baseline, achieved
    # No milestone shows a made-up day (the activity's own start is explained in its description).
    assert "2020-07-30" not in page and "2020-09-30" not in page and "2020-11-30" not in page
    page = sec_client.get(MemberState.objects.get(iso2="SG").get_absolute_url()).content.decode()
    assert "year not given" in page


def test_the_milestone_list_and_form_keep_the_precision(loaded, sec_client):
    page = sec_client.get(reverse("roadmap:milestone_list") + "?q=online").content.decode()
    assert "July to December 2020" in page and "2020-07-01" not in page
    milestone = Milestone.objects.get(title="STAMEQ conference on ASEAN-APO cooperation")
    url = reverse("roadmap:milestone_update", args=["INIT.1", milestone.pk])
    assert 'name="date_precision"' in sec_client.get(url).content.decode()
    response = sec_client.post(
        url,
        {
            "title": milestone.title,
            "planned_date": "2020-03-01",
            "actual_date": "2020-03-01",
            "date_precision": "month",
            "version": milestone.version,
            "change_reason": "The secretariat found the month",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    milestone.refresh_from_db()
    assert (milestone.date_precision, milestone.actual_display) == ("month", "March 2020")


def test_the_timeline_shows_milestone_dates_as_the_source_gives_them(loaded, sec_client):
    page = sec_client.get(reverse("roadmap:timeline")).content.decode()
    # The chart's tooltips (its table alternative uses the same filter as the activity page).
    assert "STAMEQ conference on ASEAN-APO cooperation: early 2020" in page
    assert "First online meeting of the expert group: July to December 2020" in page
    assert "2020-07-01" not in page and "2020-01-01" not in page


def test_facts_from_outside_the_source_are_marked_in_the_file():
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    blocks = text.split("\n[[")
    member_states = [b for b in blocks if b.startswith("member_states]]")]
    assert len(member_states) == 11
    for block in member_states:
        # Joining dates and focal agencies come from outside the source, and the block says so.
        assert "# ADDED, not in the source: joined_on" in block, block
        if re.search(r'focal_agency = "[^"]', block):
            assert "focal_agency (" in block, block
    marked = "# ADDED, not in the source"
    for record in ['acronym = "ACCSQ-WG1"', 'acronym = "AU"', 'code = "R4.2"', 'code = "R2.1"']:
        before = text[: text.index(record)].rstrip().rsplit("\n[[", 1)[0]
        assert before.rstrip().splitlines()[-1].startswith(marked), record
    aem = text.index('title = "26th AEM Retreat adopts the initiative"')
    assert marked in text[aem - 300 : aem]
    assert "Added from public sources" in tomllib.loads(text)["roadmap"]["source"]


def test_second_run_changes_nothing_and_says_so(loaded):
    before = counts()
    history_before = Activity.history.count() + Milestone.history.count() + Indicator.history.count()
    output = run()
    assert "Nothing to do: the roadmap is already loaded." in output
    assert "Recommendations: 0 created, 5 already present" in output
    assert "Activities: 0 created" in output
    assert counts() == before
    assert Activity.history.count() + Milestone.history.count() + Indicator.history.count() == history_before


# --- A database loaded with an earlier version of the file ------------------------------------

PRODUCTIVITY = "Growth in manufacturing labour productivity"


def corrected_records():
    """For every record the file corrects (`was`): its model, a lookup, its old and new values."""
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))

    def entry(model, lookup, row):
        return model, lookup, row["was"], {key: row.get(key) for key in row["was"]}

    if "was" in data["roadmap"]:
        yield entry(Roadmap, {"slug": data["roadmap"]["slug"]}, data["roadmap"])
    for row in data["member_states"]:
        if "was" in row:
            yield entry(MemberState, {"iso2": row["iso2"]}, row)
    for row in data["bodies"]:
        if "was" in row:
            yield entry(Body, {"acronym": row["acronym"]}, row)
    for row in data["strategies"]:
        if "was" in row:
            yield entry(
                NationalStrategy, {"member_state__iso2": row["member_state"], "name": row["name"]}, row
            )
    for row in data["figures"]:
        if "was" in row:
            for metric in [m for m in CountryFigure.Metric.values if m in row]:
                lookup = {"member_state__iso2": row["member_state"], "metric": metric, "year__isnull": True}
                yield entry(CountryFigure, lookup, row)
    for activity in data["activities"]:
        code = activity["code"]
        if "was" in activity:
            yield entry(Activity, {"code": code}, activity)
        for row in activity.get("milestones", []):
            if "was" in row:
                yield entry(Milestone, {"activity__code": code, "title": row["title"]}, row)
        for row in activity.get("indicators", []):
            if "was" in row:
                yield entry(Indicator, {"activity__code": code, "name": row["name"]}, row)


def load_as_the_earlier_file_did():
    """Turn the freshly loaded database into what the file before its corrections loaded."""
    records = list(corrected_records())
    for model, lookup, was, _new in records:
        # update(): no history row, as if the earlier loader had written these values.
        assert model.objects.filter(**lookup).update(**was) == 1, (model, lookup)
    productivity = Indicator(
        recommendation=Recommendation.objects.get(number=5),
        name=PRODUCTIVITY,
        unit="% a year",
        baseline_value=Decimal("0.7"),
        baseline_year=2019,
        target_value=Decimal("2.3"),
        target_year=2030,
    )
    productivity._change_reason = "Loaded from roadmap.toml"
    productivity.save()
    return records


def old_lookup(model, lookup, was):
    """Where the record is before the correction: under its old name or year."""
    if "name" in was and model is NationalStrategy:
        lookup = {**lookup, "name": was["name"]}
    if "year" in was and model is CountryFigure:
        lookup = {key: value for key, value in lookup.items() if key != "year__isnull"} | {
            "year": was["year"]
        }
    return lookup


def holds(record, values):
    return all((getattr(record, key) or None) == (value or None) for key, value in values.items())


def test_the_file_corrects_every_kind_of_record():
    kinds = {model for model, *_ in corrected_records()}
    # Every model the file loads but recommendations (none of those is corrected).
    assert set(ALL_MODELS) - {Recommendation} <= kinds


def test_a_database_loaded_with_an_earlier_file_gets_the_corrections(loaded):
    records = load_as_the_earlier_file_did()
    for model, lookup, was, _new in records:
        assert holds(model.objects.get(**old_lookup(model, lookup, was)), was)

    output = run()

    for model, lookup, _was, new in records:
        assert holds(model.objects.get(**lookup), new), (model, lookup)
    assert not Indicator.objects.filter(name=PRODUCTIVITY).exists()
    assert f"Corrected {len(records) + 1} records from roadmap.toml." in output
    assert "Indicators: 0 created" in output and "1 withdrawn" in output
    assert not NationalStrategy.objects.filter(name="A*STAR Tech Depot").exists()
    # A correction is in the record's history, with its reason.
    milestone = Milestone.objects.get(title="STAMEQ conference on ASEAN-APO cooperation")
    assert milestone.history.first().history_change_reason == "Corrected from roadmap.toml"
    assert milestone.version == 2
    # Once corrected, loading again changes nothing.
    before = counts()
    assert "Nothing to do: the roadmap is already loaded." in run()
    assert counts() == before


def test_corrections_leave_what_users_changed(loaded):
    load_as_the_earlier_file_did()
    tech_depot = NationalStrategy.objects.get(name="A*STAR Tech Depot")
    tech_depot.summary = "Edited by the secretariat"
    tech_depot.save()
    milestone = Milestone.objects.get(title="First online meeting of the expert group")
    milestone.actual_date = datetime.date(2020, 7, 28)
    milestone.save()
    productivity = Indicator.objects.get(name=PRODUCTIVITY)
    productivity.description = "Kept by the secretariat"
    productivity._change_reason = "Edited in the tracker"
    productivity.save()

    output = run()

    tech_depot.refresh_from_db()
    assert (tech_depot.name, tech_depot.lead_agency, tech_depot.summary) == (
        "A*STAR Tech Depot",
        "A*STAR",
        "Edited by the secretariat",
    )
    milestone.refresh_from_db()
    assert (milestone.actual_date, milestone.date_precision) == (datetime.date(2020, 7, 28), "day")
    assert Indicator.objects.get(name=PRODUCTIVITY).description == "Kept by the secretariat"
    assert "National strategies: 0 created, 17 already present" in output
    assert "1 not corrected because they were edited in the tracker" in output
    # The records nobody touched are corrected all the same.
    assert NationalStrategy.objects.filter(name="Tech Depot").count() == 0
    assert (
        Milestone.objects.get(title="Second online meeting of the expert group").date_precision == "half_year"
    )


def test_user_edits_survive_a_second_run(loaded):
    activity = Activity.objects.get(code="R1.2")
    activity.title = "Edited by the secretariat"
    activity.save()
    activity.participating_member_states.remove(MemberState.objects.get(iso2="TH"))
    milestone = activity.milestones.get(title="Portal launched")
    milestone.planned_date = datetime.date(2027, 1, 31)
    milestone.save()
    activity.milestones.get(title="Portal requirements agreed").delete()
    strategy = NationalStrategy.objects.get(name="Thailand 4.0")
    strategy.summary = "Edited summary"
    strategy.save()

    output = run()

    activity.refresh_from_db()
    assert activity.title == "Edited by the secretariat"
    assert not activity.participating_member_states.filter(iso2="TH").exists()
    milestone.refresh_from_db()
    assert milestone.planned_date == datetime.date(2027, 1, 31)
    # The deleted milestone is not brought back: its activity existed before this run.
    assert not activity.milestones.filter(title="Portal requirements agreed").exists()
    assert "1 left out because their activity existed before this run" in output
    assert NationalStrategy.objects.get(name="Thailand 4.0").summary == "Edited summary"
    assert "Nothing to do" in output


def test_loaded_records_have_history(loaded):
    for activity in Activity.objects.all():
        records = list(activity.history.all())
        assert len(records) == 1, activity.code
        assert records[0].history_type == "+"
        assert records[0].history_change_reason == "Loaded from roadmap.toml"
    # The one "created" row carries the owners as loaded.
    record = Activity.objects.get(code="INIT.1").history.get()
    historical_leads = apps.get_model("roadmap", "HistoricalActivity_lead_bodies").objects.filter(
        history=record
    )
    assert {row.body.acronym for row in historical_leads} == {"ACCSQ", "STAMEQ"}
    assert Milestone.history.filter(history_change_reason="Loaded from roadmap.toml").count() == (
        Milestone.objects.count()
    )
    assert Indicator.history.count() == Indicator.objects.count()
    assert Recommendation.history.count() == 5


MINIMAL = """
[roadmap]
slug = "other"
title = "Another roadmap"

[[recommendations]]
number = 1
title = "One"
title_vi = "Một"

[[member_states]]
iso2 = "VN"
iso3 = "VNM"
name = "Viet Nam"
joined_on = 1995-07-28

[[activities]]
code = "X1.1"
recommendation = 1
title = "An activity"
lead_member_states = ["VN"]
planned_start = 2025-01-01
planned_end = 2025-12-31

[[activities.milestones]]
title = "Done"
planned_date = 2025-06-30
"""


@pytest.mark.django_db
def test_file_option_loads_another_file(tmp_path):
    path = tmp_path / "other.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    output = run("--file", str(path))
    assert "Activities: 1 created" in output
    activity = Activity.objects.get(code="X1.1")
    assert activity.roadmap.slug == "other"
    # The first plan is the baseline.
    assert activity.baseline_end == datetime.date(2025, 12, 31)
    assert activity.milestones.get().baseline_date == datetime.date(2025, 6, 30)
    assert activity.history.get().history_change_reason == "Loaded from other.toml"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mistake, message",
    [
        ('lead_member_states = ["VN"]', "no member state with ISO code 'ZZ'"),
        ('title = "An activity"', "unknown key(s) colour"),
        ("planned_end = 2025-12-31", "planned end cannot be before the planned start"),
        ("planned_start = 2025-01-01", "'was' names unknown key(s) colour"),
    ],
)
def test_a_mistake_in_the_file_loads_nothing(tmp_path, mistake, message):
    replacement = {
        'lead_member_states = ["VN"]': 'lead_member_states = ["ZZ"]',
        'title = "An activity"': 'title = "An activity"\ncolour = "red"',
        "planned_end = 2025-12-31": "planned_end = 2024-12-31",
        "planned_start = 2025-01-01": 'planned_start = 2025-01-01\nwas = { colour = "red" }',
    }[mistake]
    path = tmp_path / "broken.toml"
    path.write_text(MINIMAL.replace(mistake, replacement), encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)):
        run("--file", str(path))
    assert sum(counts().values()) == 0


@pytest.mark.django_db
def test_missing_or_invalid_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No roadmap file"):
        run("--file", str(tmp_path / "nope.toml"))
    bad = tmp_path / "bad.toml"
    bad.write_text("[roadmap\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid TOML"):
        run("--file", str(bad))


def test_units_strategies_and_agencies_are_loaded_in_vietnamese_too(loaded):
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    strategies = {(s["member_state"], s["name"]): s for s in data["strategies"]}
    for strategy in NationalStrategy.objects.select_related("member_state"):
        row = strategies[(strategy.member_state.iso2, strategy.name)]
        assert strategy.name_vi == row["name_vi"] and strategy.summary_vi == row["summary_vi"]
        assert strategy.summary_vi and strategy.name_vi
        assert bool(strategy.lead_agency_vi) == bool(strategy.lead_agency), strategy.name
    assert NationalStrategy.objects.get(name="Thailand 4.0").name_vi == "Thái Lan 4.0"
    for indicator in Indicator.objects.all():
        assert indicator.unit_vi, indicator.name
        assert bool(indicator.description_vi) == bool(indicator.description), indicator.name
    units = dict(Indicator.objects.values_list("unit", "unit_vi").distinct())
    assert units == {
        "member states": "nước thành viên",
        "standards": "tiêu chuẩn",
        "enterprises": "doanh nghiệp",
        "assessors": "chuyên gia đánh giá",
    }
    for state in MemberState.objects.exclude(focal_agency=""):
        assert state.focal_agency_vi, state.name
    with translation.override("vi"):
        assert MemberState.objects.get(iso2="VN").marked("focal_agency").startswith("Tổng cục Tiêu chuẩn")


def test_a_member_state_page_in_vietnamese_shows_strategies_in_vietnamese(loaded, sec_client, settings):
    sec_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = sec_client.get(reverse("roadmap:member_state_detail", args=["VN"])).content.decode()
    assert "Quyết định số 1322/QĐ-TTg" in html
    assert "Thủ tướng Chính phủ" in html
    assert "Tổng cục Tiêu chuẩn Đo lường Chất lượng" in html
    assert "Prime Minister" not in html and "(tiếng Anh)" not in html

    NationalStrategy.objects.filter(name="Make in Vietnam").update(summary_vi="")
    html = sec_client.get(reverse("roadmap:member_state_detail", args=["VN"])).content.decode()
    assert "Programme launched by the Ministry of Information and Communications" in html
    assert "domestic ICT industry. (tiếng Anh)" in html


INDICATOR = """
[[activities.indicators]]
name = "Enterprises reached"
unit = "enterprises"
target_value = 10
"""


@pytest.mark.django_db
def test_indicators_load_their_regional_rule_and_precision(tmp_path):
    path = tmp_path / "other.toml"
    path.write_text(MINIMAL + INDICATOR + 'aggregation = "all_done"\ndecimal_places = 1\n', encoding="utf-8")
    run("--file", str(path))
    indicator = Indicator.objects.get(name="Enterprises reached")
    assert (indicator.aggregation, indicator.decimal_places) == ("all_done", 1)
    # Left out: a sum, at whole numbers.
    Indicator.objects.all().delete()
    path.write_text(MINIMAL + INDICATOR, encoding="utf-8")
    Activity.objects.all().delete()
    run("--file", str(path))
    indicator = Indicator.objects.get(name="Enterprises reached")
    assert (indicator.aggregation, indicator.decimal_places) == ("sum", 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "line, message",
    [
        ('aggregation = "median"', "aggregation must be one of sum, average, all_done, none, found 'median'"),
        ("decimal_places = 3", "decimal_places must be a whole number from 0 to 2, found 3"),
        ("decimal_places = 1.5", "decimal_places must be a whole number from 0 to 2, found 1.5"),
        ("decimal_places = true", "decimal_places must be a whole number from 0 to 2, found True"),
        ('decimal_places = "1"', "decimal_places must be a whole number from 0 to 2, found '1'"),
    ],
)
def test_a_wrong_regional_rule_or_precision_loads_nothing(tmp_path, line, message):
    path = tmp_path / "broken.toml"
    path.write_text(MINIMAL + INDICATOR + line + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)):
        run("--file", str(path))
    assert sum(counts().values()) == 0


@pytest.mark.django_db
def test_the_seed_file_gives_every_indicator_its_regional_rule():
    run()
    rules = dict(Indicator.objects.values_list("name", "aggregation"))
    assert rules["Member states that adopted the priority standards"] == "all_done"
    assert rules["Priority smart-manufacturing standards adopted by all member states"] == "none"
    assert rules["Enterprises assessed for smart-manufacturing readiness"] == "sum"
    assert set(Indicator.objects.values_list("decimal_places", flat=True)) == {0}
