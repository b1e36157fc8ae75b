"""Command-line values applied to a scenario: `--set` and the span flags, checked together.

`run`, `batch`, sweep specs (`[run]` and `[set]`), `batch_run(max_steps=...)` and the EMA adapter
all change a loaded scenario the same way, so a value means, and is refused, the same wherever it
is given. It lives apart from the command line so that those library modules need not import it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import replace

from experiments.errors import UsageError
from model.fork import LATER, Fork, parse_drop
from model.scenario import Scenario, ScenarioError, check_value, load, parse_set


def configure(args: argparse.Namespace) -> Scenario:
    """The scenario named by `args.scenario` with the command line's changes applied, all checked together;
    with `--empty-start`, a fork run from an empty border on its date instead of from its history."""
    fork, drop = getattr(args, "fork", None), getattr(args, "drop", None) or ()
    given = parse_set(args.set)
    scenario = override(load(args.scenario), given, days=args.days, start=args.start, end=args.end,
                        seed=args.seed, scale=args.scale, fork=fork_date(fork) if fork else None, drop=drop)
    note_resets(scenario, given)
    if not getattr(args, "empty_start", False):
        return scenario
    if snapshot_file(fork):
        raise UsageError("--empty-start cannot go with a snapshot file: the snapshot is the state a run reached")
    try:
        return scenario.empty_start()
    except ScenarioError as err:
        raise UsageError(f"--empty-start: {err} (give --fork DATE to fork it)") from None


def note_resets(scenario: Scenario, keys) -> None:
    """A note on stderr for each given or varied value (`keys`) that the scenario's timeline sets again
    during the run: it holds only until then. Not refused like `refuse_ignored`'s, since it does change
    the run up to that date; forks are never reset."""
    for key in keys:
        event = scenario.reset_by(key)
        if event is not None:
            section, name = key.split(".")[:2]
            value = event.changes[section][name]
            print(f"borderflow: note: {key} holds only until {event.date}, when {scenario.name}'s timeline sets it "
                  f"to {f'{value:g}' if isinstance(value, float) else value}; a fork's values hold over later events "
                  f"(--fork DATE)", file=sys.stderr)


def fork_date(text: str) -> dt.date:
    """`--fork`: a date, or a snapshot file (forked at the date it was saved)."""
    path = snapshot_file(text)
    if path is None:
        return dt.date.fromisoformat(text)
    if not os.path.isfile(path):
        raise UsageError(f"--fork: '{text}' is neither a date YYYY-MM-DD nor a snapshot file")
    from model.snapshot import header

    return header(path)["date"]


def snapshot_file(fork: str | None) -> str | None:
    """`--fork`'s value when it names a snapshot file rather than a date."""
    if fork is None:
        return None
    try:
        dt.date.fromisoformat(fork)
        return None
    except ValueError:
        return fork


def override(scenario: Scenario, values: dict, *, days=None, start=None, end=None, seed=None,
             scale=None, fork: dt.date | None = None, drop=()) -> Scenario:
    """`scenario` with `values` and the span flags applied (the flags win), all checked together.

    For a fork (`fork`, or a scenario that has one), lever values are the fork's changes, held from
    its date; other values apply to the whole run, history included (`start` is the history's start);
    `days` counts from the fork."""
    if days is not None and days <= 0:
        raise UsageError(f"--days must be at least 1, got {days}")
    if start is not None and fork is None and scenario.fork is not None:
        raise UsageError(f"--start cannot go with a fork: {scenario.name} follows its history from "
                         f"{scenario.run.start} and starts on {scenario.fork.date}; give --fork DATE to start it "
                         f"on another day")
    if fork is not None or drop:
        base = scenario.fork or Fork(fork or scenario.run.start)
        if drop and fork is None and scenario.fork is None:
            raise UsageError("--drop needs --fork DATE: the events it drops are those from the fork date on")
        drops = base.drop
        if drop:
            given = parse_drop(LATER if LATER in drop else list(drop), "--drop")
            drops = LATER if LATER in (given, base.drop) else tuple(sorted({*base.drop, *given}))
        scenario = replace(scenario, fork=Fork(fork or base.date, base.changes, drops))
    flags = {"run.start": start, "run.end": end, "run.seed": seed, "run.scale": scale}
    values = {**values, **{k: v for k, v in flags.items() if v is not None}}
    if days is not None:
        first = scenario.fork.date if scenario.fork else \
            check_value("run", "start", values.get("run.start", scenario.run.start), "run.start")
        try:
            values["run.end"] = first + dt.timedelta(days=days - 1)
        except OverflowError:
            raise UsageError(f"--days {days} runs past the last possible date") from None
    out = scenario.with_values(values)
    refuse_ignored(out, values)
    return out


def refuse_ignored(scenario: Scenario, keys) -> None:
    """UsageError if a value given for one of `keys` would change nothing on `scenario`: a constant
    pressure level that its knots override. Given values (`--set`, a spec's `[set]`) and varied ones (a
    sweep's or an EMA model's parameters) are refused alike, so a study never varies a dead value."""
    ignored = [k for k in keys if scenario.knots_override(k)]
    if ignored:
        raise UsageError(f"{ignored[0]}: {scenario.name}'s pressure follows knots, which override the constant "
                         f"levels, so this would change nothing; give pressure.knots=[] as well to run on constant levels")
