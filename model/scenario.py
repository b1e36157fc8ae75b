"""The scenario: one typed, validated set of parameters plus a dated policy timeline.

A scenario is read from a TOML file (optionally `extends` another named scenario),
changed by `--set section.field=value`, checked against the ranges in
`model.params`, and written back verbatim next to a run's outputs. Every problem
raises `ScenarioError` with one line that names it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from model import fork as forks
from model.fork import Fork
from model.params import GROUPS, LEVER_SECTIONS, SECTIONS
from model.pressure import KNOT_MIN_DAYS
from model.size import check_size
from model.values import ScenarioError, check_value, date, split_key, suggest

__all__ = ["SCENARIO_DIR", "Scenario", "ScenarioError", "TimelineEvent", "check_key", "check_value", "from_dict",
           "load", "named_scenarios", "parse_set"]

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "experiments" / "scenarios"


@dataclass(frozen=True)
class TimelineEvent:
    """On `date`, the levers in `changes` take new values; known to travellers from `announced`."""

    date: dt.date
    changes: dict  # section -> {field: value}
    note: str = ""
    announced: dt.date | None = None


@dataclass(frozen=True)
class Scenario:
    """All parameters of one run; sections as in `model.params.SECTIONS`."""

    name: str = "custom"
    description: str = ""
    sections: dict = field(default_factory=lambda: {k: cls() for k, cls in SECTIONS.items()})
    timeline: tuple = ()
    fork: Fork | None = None
    """If set, the run follows this scenario's history up to `fork.date` and goes on under the
    fork's changes (`model.fork`); `run.start` is the start of the history."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["sections"][name]
        except KeyError:
            raise AttributeError(name) from None

    def with_values(self, values: dict[str, Any]) -> Scenario:
        """A copy with `{"section.field": value}` changes, each validated. For a fork, a lever's value is
        one of the fork's changes, held from its date (the history is not changed); other values apply
        to the whole run."""
        sections, fork = dict(self.sections), self.fork
        if fork is not None:
            levers = {k: v for k, v in values.items() if k.split(".")[0] in LEVER_SECTIONS}
            values = {k: v for k, v in values.items() if k not in levers}
            changes = {s: dict(v) for s, v in fork.changes.items()}
            for section, named in forks.lever_changes(levers, "at a fork").items():
                changes.setdefault(section, {}).update(named)
            fork = replace(fork, changes=changes)
        for key, raw in values.items():
            section, name, sub = split_key(key)
            current = getattr(sections[section], name)
            if sub is not None:
                raw = {**current, sub: raw}
            value = check_value(section, name, raw, f"{section}.{name}")
            sections[section] = replace(sections[section], **{name: value})
        out = replace(self, sections=sections, fork=fork)
        out.validate()
        return out

    def knots_override(self, key: str) -> bool:
        """Whether `key` is a constant pressure level (`pressure.mx`, ...) that this scenario's knots
        override: a value given for it would change nothing, so the command line and the fits refuse it."""
        section, name, entry = split_key(key)
        return section == "pressure" and name in GROUPS and entry is None and bool(self.pressure.knots)

    def reset_by(self, key: str):
        """The first event of the run's own timeline, after its first day and by its last, that sets
        `key` again (None if none does): a value given for it holds only until that date. A fork's
        changes hold over later events, so a fork is never reset."""
        section, name, _ = split_key(key)
        if self.fork is not None:
            return None
        return next((ev for ev in self.timeline
                     if self.run.start < ev.date <= self.run.end and name in ev.changes.get(section, {})), None)

    @property
    def events(self) -> tuple:
        """The timeline the run follows: the scenario's own, or with a fork's changes from its date (last,
        so they win over any event on the same day)."""
        if self.fork is None:
            return self.timeline
        own = TimelineEvent(self.fork.date, self.fork.changes, f"fork: {forks.describe(self.fork.changes)}")
        return self.fork.timeline(self.timeline) + ((own,) if self.fork.changes else ())

    def history(self) -> Scenario:
        """The scenario without its fork: what runs up to the fork date."""
        return replace(self, fork=None)

    @property
    def first_day(self) -> dt.date:
        """The first day of the run's outputs: the fork date for a fork, else run.start."""
        return self.fork.date if self.fork else self.run.start

    def in_force(self, day: dt.date | None = None) -> dict[str, Any]:
        """Every parameter as `{"section.field": value}` as it is in force on `day` (default: the first
        day): the scenario's values with the events of its timeline up to that day applied, a fork's
        own changes included."""
        return {f"{key}.{f.name}": getattr(sec, f.name) for key, sec in self._sections_on(day or self.first_day).items()
                for f in fields(sec)}

    def _sections_on(self, day: dt.date) -> dict:
        sections = dict(self.sections)
        for ev in self.events:
            if ev.date <= day:
                for section, values in ev.changes.items():
                    sections[section] = replace(sections[section], **values)
        return sections

    def empty_start(self) -> Scenario:
        """The fork run from an empty border: it starts on the fork date with the fork's timeline, so the
        same levers, timeline and pressure, but no history before it. For experiments that want a
        synthetic start rather than the state history reached.

        The levers in force on the fork date (the history's events to it and the fork's own changes)
        become the scenario's starting values and the events after it its timeline: what a cold
        scenario's levers are, so a value set on it afterwards (`--set` on its written scenario.toml,
        a sweep) changes its first day as on any scenario."""
        if self.fork is None:
            raise ScenarioError(f"{self.name} is not a fork of a history, so it starts from an empty border already")
        start = self.fork.date
        sections = self._sections_on(start)
        sections["run"] = replace(sections["run"], start=start)
        return replace(self, sections=sections, timeline=tuple(ev for ev in self.events if ev.date > start), fork=None)

    def validate(self) -> None:
        """Cross-field checks that one value alone cannot make: on the scenario as it starts, and on
        the levers in force from every date of its timeline (a fork's included); then the run's size
        (`model.size`)."""
        run = self.run
        if run.end < run.start:
            raise ScenarioError(f"run.end {run.end} is before run.start {run.start}")
        if self.fork:
            self.fork.check(run.start, run.end, self.timeline)
        for ev in self.events:
            if ev.announced and ev.announced > ev.date:
                raise ScenarioError(f"timeline event on {ev.date}: announced {ev.announced} is after it takes effect")
        dates = [k["date"] for k in self.pressure.knots]
        if dates != sorted(dates):
            raise ScenarioError("pressure.knots: dates must be in increasing order")
        for a, b in zip(dates, dates[1:]):
            if (b - a).days < KNOT_MIN_DAYS:
                raise ScenarioError(f"pressure.knots: {a} and {b} are {(b - a).days} days apart; knots must be at least "
                                    f"{KNOT_MIN_DAYS} days apart (the pressure is smooth; monthly swings come from decisions)")
        rules(self.sections)
        for day in sorted({ev.date for ev in self.events}):  # the changes of one day apply together
            try:
                rules(self._sections_on(day))
            except ScenarioError as err:
                raise ScenarioError(f"from the timeline event on {day}: {err}") from None
        check_size(self)

    @property
    def days(self) -> int:
        return (self.run.end - self.run.start).days + 1

    def to_dict(self) -> dict:
        """Plain TOML-ready dict: name, description, every section, the timeline."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        for key, sec in self.sections.items():
            out[key] = {f.name: getattr(sec, f.name) for f in fields(sec)}
        out["timeline"] = [
            {"date": ev.date, **({"announced": ev.announced} if ev.announced else {}),
             "note": ev.note, "set": ev.changes}
            for ev in self.timeline
        ]
        if self.fork:
            out["fork"] = self.fork.to_dict()
        return out


def rules(sections: dict) -> None:
    """The rules that tie values together, on one set of sections (the scenario as it starts, or
    the levers in force from a timeline date)."""
    pressure = sections["pressure"]
    for group in GROUPS:
        family, uc = pressure.family_share[group], pressure.uc_share[group]
        if family + uc > 1:
            raise ScenarioError(f"pressure.family_share.{group} {family} and pressure.uc_share.{group} {uc} add up "
                                f"to more than 1 (they are shares of the same people)")
    for group, weights in sections["geography"].route_weights.items():
        if sum(weights) <= 0:
            raise ScenarioError(f"geography.route_weights.{group}: the weights must not all be zero")
    if sum(sections["border_patrol"].allocation.values()) <= 0:
        raise ScenarioError("border_patrol.allocation: the shares must not all be zero "
                            "(for no Border Patrol, set border_patrol.agents = 0)")
    closure = sections["closure"]
    if closure.lift > closure.activation:
        raise ScenarioError(f"closure.lift {closure.lift} is above closure.activation {closure.activation}")


def _timeline(entries: Any, where: str) -> tuple[TimelineEvent, ...]:
    if not isinstance(entries, list):
        raise ScenarioError(f"{where}: timeline must be a list of [[timeline]] tables")
    events = []
    for i, ev in enumerate(entries):
        label = f"{where}: timeline[{i}]"
        if not isinstance(ev, dict) or "date" not in ev:
            raise ScenarioError(f"{label} needs a date")
        unknown = set(ev) - {"date", "announced", "note", "set"}
        if unknown:
            raise ScenarioError(f"{label}: unknown key '{sorted(unknown)[0]}' (use date, announced, note, set)")
        if not isinstance(ev.get("set", {}), dict):
            raise ScenarioError(f"{label}: set must be a table such as {{ closure = {{ mode = \"always\" }} }}, "
                                f"got {ev['set']!r}")
        if not isinstance(ev.get("note", ""), str):
            raise ScenarioError(f"{label}: note must be text, got {ev['note']!r}")
        changes = {}
        for section, values in ev.get("set", {}).items():
            if section not in LEVER_SECTIONS:
                raise ScenarioError(f"{label}: '{section}' is not a policy lever section"
                                    f"{suggest(section, LEVER_SECTIONS)}")
            if not isinstance(values, dict):
                raise ScenarioError(f"{label}: set.{section} must be a table")
            checked = {}
            for name, v in values.items():
                split_key(f"{section}.{name}")
                checked[name] = check_value(section, name, v, f"{label} set.{section}.{name}")
            changes[section] = checked
        announced = date(ev["announced"], f"{label}.announced") if "announced" in ev else None
        events.append(TimelineEvent(date(ev["date"], f"{label}.date"), changes, ev.get("note", ""), announced))
    return tuple(sorted(events, key=lambda e: e.date))


def from_dict(data: dict, where: str, base: Scenario | None = None) -> Scenario:
    """Build a scenario from parsed TOML, on top of `base` (defaults if None)."""
    base = base or Scenario()
    unknown = set(data) - {"name", "description", "extends", "timeline", "fork", "meta", *SECTIONS}
    if unknown:
        key = sorted(unknown)[0]
        raise ScenarioError(f"{where}: unknown section '{key}'{suggest(key, SECTIONS)}")
    values = {}
    for section in SECTIONS:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ScenarioError(f"{where}: [{section}] must be a table")
        for name, v in table.items():
            split_key(f"{section}.{name}")
            values[f"{section}.{name}"] = v
    timeline = base.timeline
    if "timeline" in data:
        timeline = _timeline(data["timeline"], where)
    fork = forks.parse(data["fork"], where, base.fork) if "fork" in data else base.fork
    scenario = replace(base, name=str(data.get("name", base.name)),
                       description=str(data.get("description", base.description)), timeline=timeline, fork=None)
    try:  # the file's own sections are the history's, even in a forked file: its [fork.set] are the changes
        scenario = replace(scenario.with_values(values), fork=fork)
        scenario.validate()
    except ScenarioError as err:
        raise ScenarioError(f"{where}: {err}") from None
    return scenario


def named_scenarios() -> dict[str, Path]:
    """Name -> file of every scenario shipped in experiments/scenarios."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def load(name_or_path: str, _children: tuple = ()) -> Scenario:
    """Load a named scenario or a TOML file, following `extends`. An error in a file that another
    extends names that file and the ones that extend it."""
    try:
        return _load(name_or_path, _children)
    except ScenarioError as err:
        if not _children or getattr(err, "chained", False):
            raise
        shown = [child for _, child in reversed(_children)]
        chained = ScenarioError(f"{err} (extended by {', which is extended by '.join(shown)})")
        chained.chained = True
        raise chained from None


def _load(name_or_path: str, children: tuple) -> Scenario:
    named = named_scenarios()
    path, shown = Path(name_or_path), name_or_path
    if name_or_path in named:
        path, shown = named[name_or_path], named[name_or_path].name
    elif not path.suffix == ".toml" or not path.exists():
        if path.suffix == ".toml":
            raise ScenarioError(f"scenario file not found: {name_or_path}")
        raise ScenarioError(f"unknown scenario '{name_or_path}'{suggest(name_or_path, named)}; "
                            f"see `borderflow scenarios`")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{shown}: not valid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(f"{shown}: not valid TOML: tables or lists nested too deeply") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"cannot read scenario {shown}: {getattr(err, 'strerror', None) or err}") from None
    if not set(data) - {"name", "description", "meta"}:
        raise ScenarioError(f"{shown} is empty: it extends no scenario and sets no parameter or timeline; start it "
                            f"with extends = \"baseline\" (or another scenario) and the values to change")
    for key in ("name", "description"):
        if not isinstance(data.get(key, ""), str):
            raise ScenarioError(f"{shown}: {key} must be text, got {data[key]!r}")
    base = None
    if isinstance(data.get("fork"), dict) and "scenario" in data["fork"]:  # the history it forks, as `extends`
        if "extends" in data:
            raise ScenarioError(f"{shown}: give either extends or fork.scenario (the scenario whose history "
                                f"it forks), not both")
        data = {**data, "extends": data["fork"]["scenario"]}
    if "extends" in data:
        parent = data["extends"]
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(f"{shown}: extends must be a scenario name or a .toml file, got {parent!r}")
        if parent.endswith(".toml"):  # a file named relative to this one
            parent = str(path.parent / parent)
        chain = (*children, (path.resolve(), shown))
        if named.get(parent, Path(parent)).resolve() in [p for p, _ in chain]:
            raise ScenarioError(f"{shown}: 'extends' loops back to '{data['extends']}'")
        base = load(parent, chain)
    scenario = from_dict(data, shown, base)
    if "name" not in data:
        scenario = replace(scenario, name=path.stem)
    return scenario


def parse_set(items: list[str]) -> dict[str, Any]:
    """Turn `key=value` strings into typed values (TOML syntax; bare words are strings)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"--set needs key=value, got {item!r}")
        key, raw = (s.strip() for s in item.split("=", 1))
        split_key(key)
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except (tomllib.TOMLDecodeError, RecursionError):
            value = raw
        out[key] = value
    return out


def check_key(key: str, value: Any) -> Any:
    """One `section.field` (or `section.field.key`) value on its own: key known, type and range checked.

    Cross-field rules (e.g. closure.lift <= closure.activation) are left to `with_values`."""
    section, name, sub = split_key(key)
    if sub is None:
        return check_value(section, name, value, key)
    return check_value(section, name, {sub: value}, key)[sub]
