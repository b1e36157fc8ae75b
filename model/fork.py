"""A fork: a run that follows its scenario's history up to a date, then goes on under changed levers.

The question an analyst asks of history is a counterfactual: what would have happened from
June 2024 had the threshold been 1,500, or had there been no closure? A regime started from an
empty border answers it on a model still filling up. A fork answers it from the state history
reached on that day: the people in transit and waiting in Mexico, their beliefs, the courts'
backlog, the closure's count.

A forked scenario is its whole-run scenario (the history, from `run.start`) plus a `Fork`:
- `changes`: lever values that take effect on the fork date and are *held* to the end. A later
  timeline event that sets the same lever no longer sets it (the threshold "had been" 1,500: the
  June 2024 rule does not put it back to 2,500); its other changes still apply.
- `drop`: later timeline events left out entirely (say "no January 2025 measures"), by date, or
  `"later"` for every event from the fork date on.

Only lever sections change at a fork: behaviour, pressure and geography shaped the history being
forked, and changing them from a date would leave that history inconsistent with them.
`model.snapshot` runs the history once and caches its state; this module only says what the
forked timeline is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from model.params import LEVER_SECTIONS
from model.values import ScenarioError, check_value, date, split_key, suggest

LATER = "later"
"""`drop = "later"`: every timeline event from the fork date on."""


@dataclass(frozen=True)
class Fork:
    """From `date` on, `changes` (section -> {field: value}) are held and the events of `drop` are gone."""

    date: dt.date
    changes: dict = field(default_factory=dict)
    drop: tuple | str = ()

    def dropped(self, event) -> bool:
        return event.date >= self.date and (self.drop == LATER or event.date in self.drop)

    def timeline(self, events: tuple) -> tuple:
        """The history's events before the date as they were; from the date, the events not dropped,
        without the held levers. (The fork's own changes come after them: `Scenario.events`.)"""
        out = [ev for ev in events if ev.date < self.date]
        for ev in events:
            if ev.date < self.date or self.dropped(ev):
                continue
            kept = {}
            for section, values in ev.changes.items():
                rest = {k: v for k, v in values.items() if k not in self.changes.get(section, {})}
                if rest:
                    kept[section] = rest
            if kept:
                out.append(replace(ev, changes=kept))
        return tuple(out)

    def check(self, start: dt.date, end: dt.date, events: tuple) -> None:
        """The fork fits its run: the date within it, every dropped date a later event's."""
        if not start <= self.date <= end:
            raise ScenarioError(f"fork.date {self.date} is outside the run ({start} to {end})")
        if self.drop == LATER:
            return
        dates = sorted({ev.date for ev in events if ev.date >= self.date})
        for day in self.drop:
            if day < self.date:
                raise ScenarioError(f"fork.drop: the event on {day} is before the fork date {self.date}: it is "
                                    f"history; fork from an earlier date to change it")
            if day not in dates:
                shown = ", ".join(map(str, dates)) or "none"
                raise ScenarioError(f"fork.drop: no timeline event on {day} (events from the fork date: {shown})")

    def to_dict(self) -> dict:
        return {"date": self.date, "drop": self.drop if self.drop == LATER else list(self.drop),
                "set": self.changes}


def describe(changes: dict) -> str:
    return ", ".join(f"{s}.{k}={v}" for s, values in changes.items() for k, v in values.items())


def lever_changes(values: dict[str, Any], where: str) -> dict:
    """`{"section.field": value}` -> `{section: {field: value}}`, lever sections only, each value checked."""
    out: dict = {}
    for key, raw in values.items():
        section, name, sub = split_key(key)
        if section not in LEVER_SECTIONS:
            raise ScenarioError(f"{where}: {key} cannot change at a fork: only policy levers can "
                                f"({', '.join(LEVER_SECTIONS)}); {section} shaped the history being forked")
        if sub is not None:
            raise ScenarioError(f"{where}: give the whole table {section}.{name} at a fork, not {key}")
        out.setdefault(section, {})[name] = check_value(section, name, raw, f"{where} {key}")
    return out


def parse(table: Any, where: str, base: Fork | None = None) -> Fork:
    """A `[fork]` table (`date`, `set`, `drop`; `scenario` is read by the loader), on top of `base`'s
    (a scenario that extends a forked one adds to its changes)."""
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: [fork] must be a table with a date")
    unknown = set(table) - {"scenario", "date", "set", "drop"}
    if unknown:
        key = sorted(unknown)[0]
        raise ScenarioError(f"{where}: unknown key fork.{key}{suggest(key, ['scenario', 'date', 'set', 'drop'])}")
    if "date" not in table and base is None:
        raise ScenarioError(f"{where}: [fork] needs a date")
    day = date(table["date"], f"{where}: fork.date") if "date" in table else base.date
    raw_set = table.get("set", {})
    if not isinstance(raw_set, dict) or not all(isinstance(v, dict) for v in raw_set.values()):
        raise ScenarioError(f"{where}: fork.set must be a table of sections, such as {{ closure = {{ mode = \"off\" }} }}")
    changes = {s: dict(v) for s, v in (base.changes if base else {}).items()}
    flat = {f"{s}.{k}": v for s, values in raw_set.items() for k, v in values.items()}
    for section, values in lever_changes(flat, where).items():
        changes.setdefault(section, {}).update(values)
    drop = table.get("drop", base.drop if base else ())
    return Fork(day, changes, parse_drop(drop, f"{where}: fork.drop"))


def parse_drop(drop: Any, where: str) -> tuple | str:
    if drop == LATER:
        return LATER
    if not isinstance(drop, (list, tuple)):
        raise ScenarioError(f"{where} must be \"{LATER}\" or a list of event dates, got {drop!r}")
    return tuple(sorted({date(d, where) for d in drop}))
