"""One run of an experiment: a pure function of (scenario values, seed), with a stable id.

Batches and sweeps are lists of `Run`s. `simulate` is what every backend calls, in this
process, a local worker process or a Dask worker: it never raises, so one bad run is
recorded as a failure and does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from model.scenario import Scenario

LABELS = ("run_id", "scenario", "point", "replicate", "seed")
"""Columns that say which run a row belongs to; the run's parameter columns follow them."""


def _plain(value: Any) -> Any:
    """A JSON- and Parquet-friendly value (numpy scalars to Python, dates to ISO text)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@dataclass(frozen=True, eq=False)
class Run:
    """`scenario` with `values` applied and run.seed = `seed`.

    `values` are checked one by one when the experiment is planned, but together (e.g.
    closure.lift <= closure.activation) only inside `simulate`, so an impossible
    combination is one failed run, not a refused sweep. `point` is the design point (the
    scenario's index in a batch); runs of one point differ only by their seed."""

    scenario: Scenario
    values: dict = field(default_factory=dict)
    seed: int = 1
    point: int = 0
    replicate: int = 0
    columns: dict = field(default_factory=dict)
    """Label columns that describe the scenario without changing it (a batch's differing parameters)."""

    @cached_property
    def id(self) -> str:
        """Stable across processes and sessions: the hash of every parameter and the seed."""
        payload = {"scenario": self.scenario.to_dict(), "values": self.values, "seed": self.seed}
        text = json.dumps(payload, sort_keys=True, default=_plain, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def labels(self) -> dict[str, Any]:
        """The identifying columns plus one column per swept parameter."""
        return {"run_id": self.id, "scenario": self.scenario.name, "point": self.point,
                "replicate": self.replicate, "seed": self.seed,
                **{key: _plain(v) for key, v in {**self.columns, **self.values}.items()}}

    def resolved(self) -> Scenario:
        """The scenario with `values` and the seed; for a fork, a lever value is one of its changes, held
        from the fork date (`Scenario.with_values`)."""
        return self.scenario.with_values({**self.values, "run.seed": self.seed})


@dataclass
class Result:
    """What a backend hands back: the daily table, or the error that stopped the run."""

    run_id: str
    daily: pd.DataFrame | None = None
    error: str = ""
    trace: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.daily is not None


def simulate(run: Run) -> Result:
    """Run one model to its last day (a fork from its history's cached state); any exception becomes a
    failed Result."""
    from model.snapshot import begin

    t0 = time.perf_counter()
    try:
        daily = begin(run.resolved()).run()
    except Exception as err:  # noqa: BLE001 - a failed run is data, reported with its parameters
        message = " ".join(f"{type(err).__name__}: {err}".split())
        return Result(run.id, error=message, trace=traceback.format_exc(), seconds=time.perf_counter() - t0)
    return Result(run.id, daily=daily, seconds=time.perf_counter() - t0)


def labelled(run: Run, daily: pd.DataFrame) -> pd.DataFrame:
    """The daily table with the run's label columns in front."""
    labels = pd.DataFrame({k: [v] * len(daily) for k, v in run.labels().items()}, index=daily.index)
    return pd.concat([labels, daily], axis=1)
