"""Command-line values applied to a scenario: `--set` and the span flags, checked together.

`run`, `batch`, sweep specs (`[run]` and `[set]`), `batch_run(max_steps=...)` and the EMA adapter
all change a loaded scenario the same way, so a value means, and is refused, the same wherever it
is given. It lives apart from the command line so that those library modules need not import it.
"""

from __future__ import annotations

import argparse
import datetime as dt

from experiments.errors import UsageError
from model.scenario import Scenario, check_value, load, parse_set


def configure(args: argparse.Namespace) -> Scenario:
    """The scenario named by `args.scenario` with the command line's changes applied, all checked together."""
    return override(load(args.scenario), parse_set(args.set), days=args.days, start=args.start, end=args.end,
                    seed=args.seed, scale=args.scale)


def override(scenario: Scenario, values: dict, *, days=None, start=None, end=None, seed=None,
             scale=None) -> Scenario:
    """`scenario` with `values` and the span flags applied (the flags win), all checked together."""
    if days is not None and days <= 0:
        raise UsageError(f"--days must be at least 1, got {days}")
    flags = {"run.start": start, "run.end": end, "run.seed": seed, "run.scale": scale}
    values = {**values, **{k: v for k, v in flags.items() if v is not None}}
    if days is not None:
        first = check_value("run", "start", values.get("run.start", scenario.run.start), "run.start")
        try:
            values["run.end"] = first + dt.timedelta(days=days - 1)
        except OverflowError:
            raise UsageError(f"--days {days} runs past the last possible date") from None
    return scenario.with_values(values)
