"""Load the roadmap from its TOML data file (`roadmap/data/roadmap.toml`) into the database.

The rule that makes loading safe to repeat: every record is looked up by its natural key; a
missing record is created, an existing one is never touched (people may have edited it in the
tracker since). An activity's owners, milestones and indicators are created only together with
the activity, so a milestone someone renamed or deleted is not brought back.

Everything runs in one transaction: a mistake in the file loads nothing.
"""

import datetime
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from roadmap.models import (
    ACTIVITY_OWNER_FIELDS,
    Activity,
    Body,
    CountryFigure,
    Indicator,
    MemberState,
    Milestone,
    NationalStrategy,
    Recommendation,
    Roadmap,
)
from roadmap.services import activity_creation_history

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "roadmap.toml"

METRICS = [choice.value for choice in CountryFigure.Metric]


class RoadmapFileError(Exception):
    """The data file cannot be read or says something the model does not accept."""


@dataclass
class Tally:
    label: str
    created: int = 0
    present: int = 0
    left_out: int = 0

    def line(self):
        text = f"{self.label}: {self.created} created, {self.present} already present"
        if self.left_out:
            text += f", {self.left_out} left out because their activity existed before this run"
        return text


@dataclass
class LoadResult:
    path: Path
    tallies: dict = field(default_factory=dict)

    def tally(self, key, label):
        return self.tallies.setdefault(key, Tally(label))

    @property
    def created(self):
        return sum(t.created for t in self.tallies.values())

    def lines(self):
        lines = [t.line() for t in self.tallies.values()]
        if self.created:
            lines.append(f"Loaded {self.created} new records from {self.path.name}.")
        else:
            lines.append("Nothing to do: the roadmap is already loaded.")
        return lines


# --- Reading the file ---------------------------------------------------------------------------


def read_file(path):
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise RoadmapFileError(f"No roadmap file at {path}.")
    except tomllib.TOMLDecodeError as error:
        raise RoadmapFileError(f"{path.name} is not valid TOML: {error}")


def _fields(table, where, allowed, required=()):
    """The table's keys, refusing unknown ones (a typo would otherwise be dropped in silence)."""
    if not isinstance(table, dict):
        raise RoadmapFileError(f"{where}: expected a table, found {table!r}.")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise RoadmapFileError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}."
        )
    missing = [key for key in required if table.get(key) in (None, "")]
    if missing:
        raise RoadmapFileError(f"{where}: missing {', '.join(missing)}.")
    return dict(table)


def _list(data, key):
    value = data.get(key, [])
    if not isinstance(value, list):
        raise RoadmapFileError(f"'{key}' must be an array of tables ([[{key}]]).")
    return value


def _date(value, where, key):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raise RoadmapFileError(f"{where}: {key} must be a date such as 2021-01-21, found {value!r}.")


def _decimal(value, where, key):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RoadmapFileError(f"{where}: {key} must be a number, found {value!r}.")
    try:
        # str() first: the float 36.2 becomes Decimal("36.2"), not 36.2000000000000028...
        return Decimal(str(value))
    except InvalidOperation:
        raise RoadmapFileError(f"{where}: {key} must be a number, found {value!r}.")


def _save(instance, where, reason=None, skip_history=False):
    """Validate like a form would, then save; name the record when the file is wrong."""
    try:
        instance.full_clean()
    except ValidationError as error:
        messages = "; ".join(
            f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
            for name, errors in error.message_dict.items()
        )
        raise RoadmapFileError(f"{where}: {messages}")
    if reason:
        instance._change_reason = reason
    if skip_history:
        instance.skip_history_when_saving = True
    instance.save()
    return instance


# --- History for records created in bulk or with their owners ------------------------------------


# --- Loading ------------------------------------------------------------------------------------


ROADMAP_KEYS = (
    "slug",
    "title",
    "title_vi",
    "short_title",
    "description",
    "description_vi",
    "adopted_on",
    "adopted_by",
    "source",
)
RECOMMENDATION_KEYS = (
    "number",
    "short_title",
    "short_title_vi",
    "title",
    "title_vi",
    "description",
    "description_vi",
    "indicators",
)
MEMBER_STATE_KEYS = ("iso2", "iso3", "name", "name_vi", "joined_on", "focal_agency", "notes")
BODY_KEYS = ("acronym", "name", "name_vi", "kind", "role", "parent", "member_state")
STRATEGY_KEYS = ("member_state", "name", "year", "lead_agency", "summary", "link")
FIGURE_KEYS = ("member_state", "year", "source", "approximate", *METRICS)
ACTIVITY_KEYS = (
    "code",
    "recommendation",
    "title",
    "title_vi",
    "description",
    "description_vi",
    "expected_outputs",
    *ACTIVITY_OWNER_FIELDS,
    "planned_start",
    "planned_end",
    "baseline_start",
    "baseline_end",
    "status",
    "flag",
    "percent_complete",
    "is_illustrative",
    "milestones",
    "indicators",
)
MILESTONE_KEYS = ("title", "title_vi", "description", "planned_date", "baseline_date", "actual_date")
INDICATOR_KEYS = (
    "name",
    "name_vi",
    "description",
    "unit",
    "baseline_value",
    "baseline_year",
    "target_value",
    "target_year",
    "is_illustrative",
)


class _Loader:
    def __init__(self, data, path):
        self.data = data
        self.path = Path(path)
        self.reason = f"Loaded from {self.path.name}"
        self.result = LoadResult(self.path)
        self.roadmap = None
        self.recommendations = {}
        self.member_states = {}
        self.bodies = {}

    def run(self):
        unknown = sorted(
            set(self.data)
            - {"roadmap", "recommendations", "member_states", "bodies", "strategies", "figures", "activities"}
        )
        if unknown:
            raise RoadmapFileError(f"{self.path.name}: unknown section(s) {', '.join(unknown)}.")
        # Tallies in the order they are printed.
        for key, label in [
            ("roadmap", "Roadmaps"),
            ("recommendation", "Recommendations"),
            ("member_state", "Member states"),
            ("body", "Bodies"),
            ("strategy", "National strategies"),
            ("figure", "Country figures"),
            ("activity", "Activities"),
            ("milestone", "Milestones"),
            ("indicator", "Indicators"),
        ]:
            self.result.tally(key, label)
        self.load_roadmap()
        self.load_recommendations()
        self.load_member_states()
        self.load_bodies()
        self.load_strategies()
        self.load_figures()
        self.load_activities()
        return self.result

    # Lookups of what the file refers to ---------------------------------------------------------

    def member_state(self, iso2, where):
        if iso2 not in self.member_states:
            found = MemberState.objects.filter(iso2=iso2).first()
            if found is None:
                raise RoadmapFileError(f"{where}: no member state with ISO code {iso2!r}.")
            self.member_states[iso2] = found
        return self.member_states[iso2]

    def body(self, acronym, where):
        if acronym not in self.bodies:
            found = Body.objects.filter(acronym=acronym).first()
            if found is None:
                raise RoadmapFileError(
                    f"{where}: no body with acronym {acronym!r} (list it before it is used)."
                )
            self.bodies[acronym] = found
        return self.bodies[acronym]

    def recommendation(self, number, where):
        if number not in self.recommendations:
            found = Recommendation.objects.filter(roadmap=self.roadmap, number=number).first()
            if found is None:
                raise RoadmapFileError(f"{where}: no recommendation number {number!r} in the roadmap.")
            self.recommendations[number] = found
        return self.recommendations[number]

    # Sections ------------------------------------------------------------------------------------

    def load_roadmap(self):
        if "roadmap" not in self.data:
            raise RoadmapFileError(f"{self.path.name}: the [roadmap] table is missing.")
        row = _fields(self.data["roadmap"], "[roadmap]", ROADMAP_KEYS, required=("slug", "title"))
        tally = self.result.tally("roadmap", "Roadmaps")
        self.roadmap = Roadmap.objects.filter(slug=row["slug"]).first()
        if self.roadmap:
            tally.present += 1
            return
        row["adopted_on"] = _date(row.get("adopted_on"), "[roadmap]", "adopted_on")
        self.roadmap = _save(Roadmap(**row), f"roadmap {row['slug']}")
        tally.created += 1

    def load_recommendations(self):
        tally = self.result.tally("recommendation", "Recommendations")
        existing = {r.number: r for r in Recommendation.objects.filter(roadmap=self.roadmap)}
        for index, raw in enumerate(_list(self.data, "recommendations"), 1):
            where = f"recommendation #{index}"
            row = _fields(raw, where, RECOMMENDATION_KEYS, required=("number", "title", "title_vi"))
            indicators = row.pop("indicators", [])
            number = row["number"]
            where = f"recommendation {number}"
            recommendation = existing.get(number)
            if recommendation:
                tally.present += 1
            else:
                recommendation = _save(Recommendation(roadmap=self.roadmap, **row), where, self.reason)
                tally.created += 1
            self.recommendations[number] = recommendation
            # Indicators on a recommendation are found by name, whether or not it is new.
            self.load_indicators(indicators, where, recommendation=recommendation)

    def load_member_states(self):
        tally = self.result.tally("member_state", "Member states")
        existing = {m.iso2: m for m in MemberState.objects.all()}
        for index, raw in enumerate(_list(self.data, "member_states"), 1):
            row = _fields(
                raw,
                f"member state #{index}",
                MEMBER_STATE_KEYS,
                required=("iso2", "iso3", "name", "joined_on"),
            )
            where = f"member state {row['iso2']}"
            if row["iso2"] in existing:
                tally.present += 1
                self.member_states[row["iso2"]] = existing[row["iso2"]]
                continue
            row["joined_on"] = _date(row["joined_on"], where, "joined_on")
            self.member_states[row["iso2"]] = _save(MemberState(**row), where)
            tally.created += 1

    def load_bodies(self):
        tally = self.result.tally("body", "Bodies")
        existing = {b.acronym: b for b in Body.objects.all()}
        for index, raw in enumerate(_list(self.data, "bodies"), 1):
            row = _fields(raw, f"body #{index}", BODY_KEYS, required=("acronym", "name", "kind"))
            where = f"body {row['acronym']}"
            if row["acronym"] in existing:
                tally.present += 1
                self.bodies[row["acronym"]] = existing[row["acronym"]]
                continue
            parent = row.pop("parent", None)
            member_state = row.pop("member_state", None)
            body = Body(**row)
            body.parent = self.body(parent, where) if parent else None
            body.member_state = self.member_state(member_state, where) if member_state else None
            self.bodies[row["acronym"]] = _save(body, where)
            tally.created += 1

    def load_strategies(self):
        tally = self.result.tally("strategy", "National strategies")
        existing = set(NationalStrategy.objects.values_list("member_state__iso2", "name"))
        for index, raw in enumerate(_list(self.data, "strategies"), 1):
            row = _fields(raw, f"strategy #{index}", STRATEGY_KEYS, required=("member_state", "name"))
            where = f"strategy {row['name']!r}"
            iso2 = row.pop("member_state")
            if (iso2, row["name"]) in existing:
                tally.present += 1
                continue
            _save(NationalStrategy(member_state=self.member_state(iso2, where), **row), where)
            existing.add((iso2, row["name"]))
            tally.created += 1

    def load_figures(self):
        tally = self.result.tally("figure", "Country figures")
        existing = set(CountryFigure.objects.values_list("member_state__iso2", "metric", "year"))
        for index, raw in enumerate(_list(self.data, "figures"), 1):
            row = _fields(raw, f"figures #{index}", FIGURE_KEYS, required=("year",))
            iso2 = row.get("member_state") or None
            where = f"figures for {iso2 or 'ASEAN'} {row['year']}"
            approximate = row.get("approximate", [])
            wrong = sorted(set(approximate) - set(METRICS))
            if wrong:
                raise RoadmapFileError(f"{where}: 'approximate' names unknown metric(s) {', '.join(wrong)}.")
            member_state = self.member_state(iso2, where) if iso2 else None
            for metric in METRICS:
                if metric not in row:
                    continue
                if (iso2, metric, row["year"]) in existing:
                    tally.present += 1
                    continue
                figure = CountryFigure(
                    member_state=member_state,
                    metric=metric,
                    year=row["year"],
                    value=_decimal(row[metric], where, metric),
                    approximate=metric in approximate,
                    source=row.get("source", ""),
                )
                _save(figure, where)
                existing.add((iso2, metric, row["year"]))
                tally.created += 1

    def load_activities(self):
        tally = self.result.tally("activity", "Activities")
        milestones = self.result.tally("milestone", "Milestones")
        indicators = self.result.tally("indicator", "Indicators")
        existing = set(Activity.objects.values_list("code", flat=True))
        created = []
        for index, raw in enumerate(_list(self.data, "activities"), 1):
            row = _fields(raw, f"activity #{index}", ACTIVITY_KEYS, required=("code", "title"))
            code = row.pop("code")
            where = f"activity {code}"
            milestone_rows = _list(row, "milestones")
            indicator_rows = _list(row, "indicators")
            row.pop("milestones", None)
            row.pop("indicators", None)
            if code in existing:
                tally.present += 1
                self._count_children(code, milestone_rows, indicator_rows, milestones, indicators)
                continue
            owners = {name: row.pop(name, []) for name in ACTIVITY_OWNER_FIELDS}
            number = row.pop("recommendation", None)
            for key in ("planned_start", "planned_end", "baseline_start", "baseline_end"):
                row[key] = _date(row.get(key), where, key)
            # The first plan is the baseline, as when the secretariat creates an activity.
            row["baseline_start"] = row["baseline_start"] or row["planned_start"]
            row["baseline_end"] = row["baseline_end"] or row["planned_end"]
            activity = Activity(
                code=code,
                roadmap=self.roadmap,
                recommendation=self.recommendation(number, where) if number is not None else None,
                **row,
            )
            # History is written once the owners are set: see services.activity_creation_history().
            _save(activity, where, skip_history=True)
            for name, keys in owners.items():
                lookup = self.member_state if name.endswith("member_states") else self.body
                getattr(activity, name).set([lookup(key, f"{where} {name}") for key in keys])
            del activity.skip_history_when_saving
            created.append(activity)
            existing.add(code)
            tally.created += 1
            for m_index, m_raw in enumerate(milestone_rows, 1):
                self._create_milestone(activity, m_raw, f"{where} milestone #{m_index}")
                milestones.created += 1
            self.load_indicators(indicator_rows, where, activity=activity)
        activity_creation_history(created, reason=self.reason)

    def _count_children(self, code, milestone_rows, indicator_rows, milestones, indicators):
        """Children of an activity that already exists are not loaded; say which are there."""
        titles = set(Milestone.objects.filter(activity__code=code).values_list("title", flat=True))
        names = set(Indicator.objects.filter(activity__code=code).values_list("name", flat=True))
        for row in milestone_rows:
            if isinstance(row, dict) and row.get("title") in titles:
                milestones.present += 1
            else:
                milestones.left_out += 1
        for row in indicator_rows:
            if isinstance(row, dict) and row.get("name") in names:
                indicators.present += 1
            else:
                indicators.left_out += 1

    def _create_milestone(self, activity, raw, where):
        row = _fields(raw, where, MILESTONE_KEYS, required=("title", "planned_date"))
        where = f"{where} ({row['title']!r})"
        for key in ("planned_date", "baseline_date", "actual_date"):
            row[key] = _date(row.get(key), where, key)
        row["baseline_date"] = row["baseline_date"] or row["planned_date"]
        if Milestone.objects.filter(activity=activity, title=row["title"]).exists():
            raise RoadmapFileError(f"{where}: the activity already has a milestone with this title.")
        _save(Milestone(activity=activity, **row), where, self.reason)

    def load_indicators(self, rows, where, *, activity=None, recommendation=None):
        tally = self.result.tally("indicator", "Indicators")
        owner = {"activity": activity} if activity else {"recommendation": recommendation}
        existing = set(Indicator.objects.filter(**owner).values_list("name", flat=True))
        for index, raw in enumerate(rows, 1):
            row = _fields(raw, f"{where} indicator #{index}", INDICATOR_KEYS, required=("name", "unit"))
            if row["name"] in existing:
                tally.present += 1
                continue
            row_where = f"{where} indicator {row['name']!r}"
            for key in ("baseline_value", "target_value"):
                row[key] = _decimal(row.get(key), row_where, key)
            _save(Indicator(**owner, **row), row_where, self.reason)
            existing.add(row["name"])
            tally.created += 1


def load_roadmap(path=None):
    """Load the roadmap file (the default one unless told) and return what was created."""
    path = Path(path) if path else DEFAULT_FILE
    data = read_file(path)
    with transaction.atomic():
        return _Loader(data, path).run()
