"""Load the roadmap from its TOML data file (`roadmap/data/roadmap.toml`) into the database.

The rule that makes loading safe to repeat: every record is looked up by its natural key; a
missing record is created, an existing one is never touched (people may have edited it in the
tracker since). An activity's owners, milestones and indicators are created only together with
the activity, so a milestone someone renamed or deleted is not brought back.

Corrections: a record in the file may say what an earlier version of the file loaded
(`was = { field = old value, ... }`). A record that still holds exactly those old values, field by
field, was not changed by anyone since: it gets the file's current values for those fields. A
record that holds anything else was edited in the tracker and is left as it is. The record is
found by its natural key, or by the old one when `was` names a key field (a renamed strategy, a
figure whose year was dropped). A seeded indicator the file withdraws (`retired_indicators`) is
deleted only if nobody changed it and no value was ever recorded for it.

Everything runs in one transaction: a mistake in the file loads nothing.
"""

import datetime
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from roadmap.models import (
    ACTIVITY_EDITABLE_FIELDS,
    ACTIVITY_OWNER_FIELDS,
    MILESTONE_EDITABLE_FIELDS,
    Activity,
    Aggregation,
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
    corrected: int = 0
    kept: int = 0
    retired: int = 0

    def line(self):
        text = f"{self.label}: {self.created} created, {self.present} already present"
        if self.left_out:
            text += f", {self.left_out} left out because their activity existed before this run"
        if self.corrected:
            text += f", {self.corrected} corrected"
        if self.kept:
            text += f", {self.kept} not corrected because they were edited in the tracker"
        if self.retired:
            text += f", {self.retired} withdrawn"
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

    @property
    def changed(self):
        return sum(t.corrected + t.retired for t in self.tallies.values())

    def lines(self):
        lines = [t.line() for t in self.tallies.values()]
        if self.created:
            lines.append(f"Loaded {self.created} new records from {self.path.name}.")
        if self.changed:
            lines.append(f"Corrected {self.changed} records from {self.path.name}.")
        if not self.created and not self.changed:
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


# --- Corrections ----------------------------------------------------------------------------------


def _was(row, where, allowed):
    """The `was` table of a row: the values an earlier version of the file loaded."""
    was = row.pop("was", None) or {}
    if not isinstance(was, dict):
        raise RoadmapFileError(f"{where}: 'was' must be a table such as was = {{ summary = \"...\" }}.")
    unknown = sorted(set(was) - set(allowed))
    if unknown:
        raise RoadmapFileError(f"{where}: 'was' names unknown key(s) {', '.join(unknown)}.")
    return was


def _value(instance, key, value):
    """A file value as the model field holds it, for comparing and assigning."""
    field = instance._meta.get_field(key)
    if value is None:
        return field.get_default()
    internal = field.get_internal_type()
    if internal == "DecimalField":
        return Decimal(str(value))
    if internal == "DateField" and isinstance(value, datetime.datetime):
        return value.date()
    return value


def _holds(instance, values):
    return all(getattr(instance, key) == _value(instance, key, value) for key, value in values.items())


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
    "was",
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
    "retired_indicators",
    "was",
)
MEMBER_STATE_KEYS = (
    "iso2",
    "iso3",
    "name",
    "name_vi",
    "joined_on",
    "focal_agency",
    "focal_agency_vi",
    "notes",
    "was",
)
BODY_KEYS = ("acronym", "name", "name_vi", "kind", "role", "parent", "member_state", "was")
STRATEGY_KEYS = (
    "member_state",
    "name",
    "name_vi",
    "year",
    "lead_agency",
    "lead_agency_vi",
    "summary",
    "summary_vi",
    "link",
    "was",
)
FIGURE_KEYS = ("member_state", "year", "source", "approximate", *METRICS, "was")
ACTIVITY_KEYS = (*ACTIVITY_EDITABLE_FIELDS, "milestones", "indicators", "was")
# What `was` may name on an activity: its own fields, not its owners or children.
ACTIVITY_CORRECTABLE = [
    key
    for key in ACTIVITY_KEYS
    if key not in ("code", "recommendation", *ACTIVITY_OWNER_FIELDS, "milestones", "indicators", "was")
]
MILESTONE_KEYS = (*MILESTONE_EDITABLE_FIELDS, "was")
INDICATOR_KEYS = (
    "name",
    "name_vi",
    "description",
    "description_vi",
    "unit",
    "unit_vi",
    "baseline_value",
    "baseline_year",
    "target_value",
    "target_year",
    "aggregation",
    "decimal_places",
    "is_illustrative",
    "was",
)
RETIRED_INDICATOR_KEYS = ("name", "reason")


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

    # Corrections ---------------------------------------------------------------------------------

    def correct(self, instance, row, was, where, tally):
        """Give a record the file's values for the fields `was` names, if nobody changed them."""
        if not was:
            return
        new = {key: row.get(key) for key in was}
        if _holds(instance, new):
            return  # Corrected by an earlier run.
        if not _holds(instance, was):
            tally.kept += 1
            return
        for key, value in new.items():
            setattr(instance, key, _value(instance, key, value))
        if hasattr(instance, "version"):
            instance.version += 1  # An edit form opened before this run sees the conflict.
        _save(instance, where, f"Corrected from {self.path.name}")
        tally.corrected += 1

    def retire_indicators(self, rows, where, recommendation):
        """Delete the seeded indicators the file withdraws, where nobody changed or used them."""
        tally = self.result.tally("indicator", "Indicators")
        for index, raw in enumerate(rows, 1):
            row = _fields(
                raw, f"{where} retired indicator #{index}", RETIRED_INDICATOR_KEYS, required=("name",)
            )
            indicator = Indicator.objects.filter(recommendation=recommendation, name=row["name"]).first()
            if indicator is None:
                continue
            if indicator.history.exclude(history_change_reason__startswith="Loaded from").exists():
                tally.kept += 1
                continue
            indicator._change_reason = f"Withdrawn by {self.path.name}: {row.get('reason', '')}".strip()
            try:
                with transaction.atomic():
                    indicator.delete()
            except ProtectedError:  # Values were recorded for it.
                tally.kept += 1
                continue
            tally.retired += 1

    # Sections ------------------------------------------------------------------------------------

    def load_roadmap(self):
        if "roadmap" not in self.data:
            raise RoadmapFileError(f"{self.path.name}: the [roadmap] table is missing.")
        row = _fields(self.data["roadmap"], "[roadmap]", ROADMAP_KEYS, required=("slug", "title"))
        was = _was(row, "[roadmap]", ROADMAP_KEYS[1:-1])
        tally = self.result.tally("roadmap", "Roadmaps")
        self.roadmap = Roadmap.objects.filter(slug=row["slug"]).first()
        if self.roadmap:
            tally.present += 1
            self.correct(self.roadmap, row, was, f"roadmap {row['slug']}", tally)
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
            retired = row.pop("retired_indicators", [])
            number = row["number"]
            where = f"recommendation {number}"
            was = _was(row, where, RECOMMENDATION_KEYS[1:7])
            recommendation = existing.get(number)
            if recommendation:
                tally.present += 1
                self.correct(recommendation, row, was, where, tally)
            else:
                recommendation = _save(Recommendation(roadmap=self.roadmap, **row), where, self.reason)
                tally.created += 1
            self.recommendations[number] = recommendation
            # Indicators on a recommendation are found by name, whether or not it is new.
            self.load_indicators(indicators, where, recommendation=recommendation)
            self.retire_indicators(retired, where, recommendation)

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
            was = _was(row, where, MEMBER_STATE_KEYS[1:-1])
            if row["iso2"] in existing:
                tally.present += 1
                self.member_states[row["iso2"]] = existing[row["iso2"]]
                self.correct(existing[row["iso2"]], row, was, where, tally)
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
            was = _was(row, where, ("name", "name_vi", "kind", "role"))
            if row["acronym"] in existing:
                tally.present += 1
                self.bodies[row["acronym"]] = existing[row["acronym"]]
                self.correct(existing[row["acronym"]], row, was, where, tally)
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
        existing = {
            (s.member_state.iso2, s.name): s for s in NationalStrategy.objects.select_related("member_state")
        }
        for index, raw in enumerate(_list(self.data, "strategies"), 1):
            row = _fields(raw, f"strategy #{index}", STRATEGY_KEYS, required=("member_state", "name"))
            where = f"strategy {row['name']!r}"
            iso2 = row.pop("member_state")
            was = _was(row, where, STRATEGY_KEYS[1:-1])
            # A strategy the file renamed is found by the name it was loaded with.
            strategy = existing.get((iso2, row["name"])) or existing.get((iso2, was.get("name")))
            if strategy:
                tally.present += 1
                self.correct(strategy, row, was, where, tally)
                continue
            strategy = _save(NationalStrategy(member_state=self.member_state(iso2, where), **row), where)
            existing[(iso2, row["name"])] = strategy
            tally.created += 1

    def load_figures(self):
        tally = self.result.tally("figure", "Country figures")
        existing = {
            (f.member_state.iso2 if f.member_state_id else None, f.metric, f.year): f
            for f in CountryFigure.objects.select_related("member_state")
        }
        for index, raw in enumerate(_list(self.data, "figures"), 1):
            # No year: the source gives none (the figure is shown as undated).
            row = _fields(raw, f"figures #{index}", FIGURE_KEYS)
            iso2 = row.get("member_state") or None
            where = f"figures for {iso2 or 'ASEAN'} {row.get('year') or '(no year)'}"
            was = _was(row, where, ("year", "source"))
            approximate = row.get("approximate", [])
            wrong = sorted(set(approximate) - set(METRICS))
            if wrong:
                raise RoadmapFileError(f"{where}: 'approximate' names unknown metric(s) {', '.join(wrong)}.")
            member_state = self.member_state(iso2, where) if iso2 else None
            for metric in METRICS:
                if metric not in row:
                    continue
                # A figure whose year the file corrected is found by the year it was loaded with.
                figure = existing.get((iso2, metric, row.get("year"))) or (
                    existing.get((iso2, metric, was["year"])) if "year" in was else None
                )
                if figure:
                    tally.present += 1
                    self.correct(figure, row, was, f"{where} {metric}", tally)
                    continue
                figure = CountryFigure(
                    member_state=member_state,
                    metric=metric,
                    year=row.get("year"),
                    value=_decimal(row[metric], where, metric),
                    approximate=metric in approximate,
                    source=row.get("source", ""),
                )
                _save(figure, where)
                existing[(iso2, metric, row.get("year"))] = figure
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
            was = _was(row, where, ACTIVITY_CORRECTABLE)
            if code in existing:
                tally.present += 1
                activity = Activity.objects.get(code=code)
                self.correct(activity, row, was, where, tally)
                self._count_children(activity, milestone_rows, indicator_rows, milestones, indicators)
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

    def _count_children(self, activity, milestone_rows, indicator_rows, milestones, indicators):
        """Children of an activity that already exists are not loaded; say which are there, and
        correct those the file corrects."""
        titles = {m.title: m for m in Milestone.objects.filter(activity=activity)}
        names = {i.name: i for i in Indicator.objects.filter(activity=activity)}
        for kind, rows, found, tally, keys in [
            ("milestone", milestone_rows, titles, milestones, MILESTONE_KEYS),
            ("indicator", indicator_rows, names, indicators, INDICATOR_KEYS),
        ]:
            key = "title" if kind == "milestone" else "name"
            for row in rows:
                record = found.get(row.get(key)) if isinstance(row, dict) else None
                if record is None:
                    tally.left_out += 1
                    continue
                tally.present += 1
                where = f"activity {activity.code} {kind} {record}"
                row = _fields(row, where, keys)
                self.correct(record, row, _was(row, where, keys[1:-1]), where, tally)

    def _create_milestone(self, activity, raw, where):
        row = _fields(raw, where, MILESTONE_KEYS, required=("title", "planned_date"))
        where = f"{where} ({row['title']!r})"
        row.pop("was", None)
        for key in ("planned_date", "baseline_date", "actual_date"):
            row[key] = _date(row.get(key), where, key)
        row["baseline_date"] = row["baseline_date"] or row["planned_date"]
        if Milestone.objects.filter(activity=activity, title=row["title"]).exists():
            raise RoadmapFileError(f"{where}: the activity already has a milestone with this title.")
        _save(Milestone(activity=activity, **row), where, self.reason)

    def load_indicators(self, rows, where, *, activity=None, recommendation=None):
        tally = self.result.tally("indicator", "Indicators")
        owner = {"activity": activity} if activity else {"recommendation": recommendation}
        existing = {i.name: i for i in Indicator.objects.filter(**owner)}
        for index, raw in enumerate(rows, 1):
            row = _fields(raw, f"{where} indicator #{index}", INDICATOR_KEYS, required=("name", "unit"))
            row_where = f"{where} indicator {row['name']!r}"
            _check_indicator_rule(row, row_where)
            was = _was(row, row_where, INDICATOR_KEYS[1:-1])
            if row["name"] in existing:
                tally.present += 1
                self.correct(existing[row["name"]], row, was, row_where, tally)
                continue
            for key in ("baseline_value", "target_value"):
                row[key] = _decimal(row.get(key), row_where, key)
            existing[row["name"]] = _save(Indicator(**owner, **row), row_where, self.reason)
            tally.created += 1


def _check_indicator_rule(row, where):
    """The regional figure's rule and the unit's precision, refused with a plain message if wrong."""
    if "aggregation" in row and row["aggregation"] not in Aggregation.values:
        raise RoadmapFileError(
            f"{where}: aggregation must be one of {', '.join(Aggregation.values)}, "
            f"found {row['aggregation']!r}."
        )
    places = row.get("decimal_places")
    whole = isinstance(places, int) and not isinstance(places, bool)
    if places is not None and not (whole and 0 <= places <= 2):
        raise RoadmapFileError(
            f"{where}: decimal_places must be a whole number from 0 to 2, found {places!r}."
        )


def load_roadmap(path=None):
    """Load the roadmap file (the default one unless told) and return what was created."""
    path = Path(path) if path else DEFAULT_FILE
    data = read_file(path)
    with transaction.atomic():
        return _Loader(data, path).run()
