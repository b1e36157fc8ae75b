"""The scenario: one typed, validated set of parameters plus a dated policy timeline.

A scenario is read from a TOML file (optionally `extends` another named scenario),
changed by `--set section.field=value`, checked against the ranges in
`model.params`, and written back verbatim next to a run's outputs. Every problem
raises `ScenarioError` with one line that names it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from model.pressure import KNOT_MIN_DAYS, MIX
from model.params import GROUPS, LEVER_SECTIONS, SECTIONS

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "experiments" / "scenarios"


class ScenarioError(ValueError):
    """A bad scenario, parameter or value; the message is one line for the user."""


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

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["sections"][name]
        except KeyError:
            raise AttributeError(name) from None

    def with_values(self, values: dict[str, Any]) -> Scenario:
        """A copy with `{"section.field": value}` changes, each validated."""
        sections = dict(self.sections)
        for key, raw in values.items():
            section, name, sub = _split_key(key)
            current = getattr(sections[section], name)
            if sub is not None:
                raw = {**current, sub: raw}
            value = check_value(section, name, raw, f"{section}.{name}")
            sections[section] = replace(sections[section], **{name: value})
        out = replace(self, sections=sections)
        out.validate()
        return out

    def validate(self) -> None:
        """Cross-field checks that one value alone cannot make."""
        run = self.run
        if run.end < run.start:
            raise ScenarioError(f"run.end {run.end} is before run.start {run.start}")
        for ev in self.timeline:
            if ev.announced and ev.announced > ev.date:
                raise ScenarioError(f"timeline event on {ev.date}: announced {ev.announced} is after it takes effect")
        dates = [k["date"] for k in self.pressure.knots]
        if dates != sorted(dates):
            raise ScenarioError("pressure.knots: dates must be in increasing order")
        for a, b in zip(dates, dates[1:]):
            if (b - a).days < KNOT_MIN_DAYS:
                raise ScenarioError(f"pressure.knots: {a} and {b} are {(b - a).days} days apart; knots must be at least "
                                    f"{KNOT_MIN_DAYS} days apart (the pressure is smooth; monthly swings come from decisions)")
        for group, weights in self.geography.route_weights.items():
            if sum(weights) <= 0:
                raise ScenarioError(f"geography.route_weights.{group}: the weights must not all be zero")
        closure = self.closure
        if closure.lift > closure.activation:
            raise ScenarioError(f"closure.lift {closure.lift} is above closure.activation {closure.activation}")

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
        return out


def _split_key(key: str) -> tuple[str, str, str | None]:
    parts = key.split(".")
    if len(parts) not in (2, 3):
        raise ScenarioError(f"parameter '{key}' must look like section.field (e.g. closure.activation)")
    section, name = parts[0], parts[1]
    if section not in SECTIONS:
        raise ScenarioError(f"unknown section '{section}' in '{key}'{_suggest(section, SECTIONS)}")
    names = [f.name for f in fields(SECTIONS[section])]
    if name not in names:
        every = [f"{s}.{f.name}" for s, c in SECTIONS.items() for f in fields(c)]
        raise ScenarioError(f"unknown parameter '{section}.{name}'{_suggest(f'{section}.{name}', every)}")
    sub = parts[2] if len(parts) == 3 else None
    if sub is not None and not isinstance(getattr(SECTIONS[section](), name), dict):
        raise ScenarioError(f"'{section}.{name}' is not a table; use {section}.{name}=VALUE")
    return section, name, sub


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _field(section: str, name: str) -> dataclasses.Field:
    return next(f for f in fields(SECTIONS[section]) if f.name == name)


def check_value(section: str, name: str, value: Any, where: str) -> Any:
    """Coerce and range-check one value against its parameter's metadata."""
    f = _field(section, name)
    meta, default = f.metadata, getattr(SECTIONS[section](), name)
    lo, hi, choices = meta["lo"], meta["hi"], meta["choices"]

    def number(v, label, integer=False):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ScenarioError(f"{label} must be a number, got {v!r}")
        if integer and not (isinstance(v, int) or float(v).is_integer()):
            raise ScenarioError(f"{label} must be a whole number, got {v!r}")
        if v != v:
            raise ScenarioError(f"{label} must be a number, got NaN")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ScenarioError(f"{label} = {v} is out of range [{lo}, {hi}] ({meta['unit']})")
        return int(v) if integer else float(v)

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ScenarioError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, int):
        return number(value, where, integer=True)
    if isinstance(default, float):
        return number(value, where)
    if isinstance(default, dt.date):
        value = _date(value, where)
        if value < lo or value > hi:
            raise ScenarioError(f"{where} = {value} is out of range [{lo}, {hi}]")
        return value
    if isinstance(default, str):
        if value not in choices:
            raise ScenarioError(f"{where} must be one of {', '.join(choices)}, got {value!r}")
        return value
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise ScenarioError(f"{where} must be a table of {', '.join(default)}")
        for k in value:
            if k not in default:
                raise ScenarioError(f"unknown key '{k}' in {where}{_suggest(k, default)}")
        if any(isinstance(v, list) for v in default.values()):  # a table: one row of numbers per key
            return {k: _row(value.get(k, v), len(v), f"{where}.{k}", number) for k, v in default.items()}
        return {k: number(value.get(k, v), f"{where}.{k}") for k, v in default.items()}
    if isinstance(default, list):
        if not isinstance(value, list):
            raise ScenarioError(f"{where} must be a list, got {value!r}")
        if name == "knots":
            return [_knot(k, f"{where}[{i}]") for i, k in enumerate(value)]
        if choices is not None:
            for v in value:
                if v not in choices:
                    raise ScenarioError(f"{where}: unknown entry {v!r}; choose from {', '.join(choices)}")
            return list(value)
        if len(value) != len(default):
            raise ScenarioError(f"{where} must have {len(default)} entries, got {len(value)}")
        return [number(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise ScenarioError(f"{where}: unsupported value {value!r}")


def _row(value: Any, length: int, where: str, number) -> list:
    if not isinstance(value, list) or len(value) != length:
        raise ScenarioError(f"{where} must be a list of {length} numbers, got {value!r}")
    return [number(v, f"{where}[{i}]") for i, v in enumerate(value)]


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"{where} must be a date YYYY-MM-DD, got {value!r}") from None


def _knot(knot: Any, where: str) -> dict:
    if not isinstance(knot, dict) or "date" not in knot:
        raise ScenarioError(f"{where} must be a table with a date and {', '.join(GROUPS)}")
    extra = set(knot) - {"date", *GROUPS, *MIX}
    if extra:
        raise ScenarioError(f"unknown key '{sorted(extra)[0]}' in {where}")
    out = {"date": _date(knot["date"], f"{where}.date")}
    for g in (*GROUPS, *(m for m in MIX if m in knot)):  # family and uc are optional multipliers
        v = knot.get(g)
        if v is None:
            raise ScenarioError(f"{where} is missing {g}")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise ScenarioError(f"{where}.{g} must be a number >= 0, got {v!r}")
        out[g] = float(v)
    return out


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
        changes = {}
        for section, values in (ev.get("set") or {}).items():
            if section not in LEVER_SECTIONS:
                raise ScenarioError(f"{label}: '{section}' is not a policy lever section"
                                    f"{_suggest(section, LEVER_SECTIONS)}")
            if not isinstance(values, dict):
                raise ScenarioError(f"{label}: set.{section} must be a table")
            checked = {}
            for name, v in values.items():
                _split_key(f"{section}.{name}")
                checked[name] = check_value(section, name, v, f"{label} set.{section}.{name}")
            changes[section] = checked
        announced = _date(ev["announced"], f"{label}.announced") if "announced" in ev else None
        events.append(TimelineEvent(_date(ev["date"], f"{label}.date"), changes, str(ev.get("note", "")), announced))
    return tuple(sorted(events, key=lambda e: e.date))


def from_dict(data: dict, where: str, base: Scenario | None = None) -> Scenario:
    """Build a scenario from parsed TOML, on top of `base` (defaults if None)."""
    base = base or Scenario()
    unknown = set(data) - {"name", "description", "extends", "timeline", "meta", *SECTIONS}
    if unknown:
        key = sorted(unknown)[0]
        raise ScenarioError(f"{where}: unknown section '{key}'{_suggest(key, SECTIONS)}")
    values = {}
    for section in SECTIONS:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ScenarioError(f"{where}: [{section}] must be a table")
        for name, v in table.items():
            _split_key(f"{section}.{name}")
            values[f"{section}.{name}"] = v
    timeline = base.timeline
    if "timeline" in data:
        timeline = _timeline(data["timeline"], where)
    scenario = replace(base, name=str(data.get("name", base.name)),
                       description=str(data.get("description", base.description)), timeline=timeline)
    try:
        return scenario.with_values(values)
    except ScenarioError as err:
        raise ScenarioError(f"{where}: {err}") from None


def named_scenarios() -> dict[str, Path]:
    """Name -> file of every scenario shipped in experiments/scenarios."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def load(name_or_path: str, _seen: tuple = ()) -> Scenario:
    """Load a named scenario or a TOML file, following `extends`."""
    named = named_scenarios()
    path = Path(name_or_path)
    if name_or_path in named:
        path = named[name_or_path]
    elif not path.suffix == ".toml" or not path.exists():
        if path.suffix == ".toml":
            raise ScenarioError(f"scenario file not found: {name_or_path}")
        raise ScenarioError(f"unknown scenario '{name_or_path}'{_suggest(name_or_path, named)}; "
                            f"see `borderflow scenarios`")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path.name}: not valid TOML: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"cannot read scenario {path}: {err}") from None
    base = None
    if "extends" in data:
        parent = str(data["extends"])
        if parent.endswith(".toml"):  # a file named relative to this one
            parent = str(path.parent / parent)
        seen = (*_seen, path.resolve())
        if named.get(parent, Path(parent)).resolve() in seen:
            raise ScenarioError(f"{path.name}: 'extends' loops back to '{data['extends']}'")
        base = load(parent, seen)
    scenario = from_dict(data, path.name, base)
    if "name" not in data:
        scenario = replace(scenario, name=path.stem)
    return scenario


def parse_set(items: list[str]) -> dict[str, Any]:
    """Turn `key=value` strings into typed values (TOML syntax; bare words are strings)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"--set needs key=value, got '{item}'")
        key, raw = (s.strip() for s in item.split("=", 1))
        _split_key(key)
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        out[key] = value
    return out


def check_key(key: str, value: Any) -> Any:
    """One `section.field` (or `section.field.key`) value on its own: key known, type and range checked.

    Cross-field rules (e.g. closure.lift <= closure.activation) are left to `with_values`."""
    section, name, sub = _split_key(key)
    if sub is None:
        return check_value(section, name, value, key)
    return check_value(section, name, {sub: value}, key)[sub]
