"""Batches: several scenarios, the same N seeds for each, compared as median curves with 90% bands.

Replicate i of every scenario runs with seed S + i (common random numbers), so two
scenarios differ by their policies, not by luck. `batch_run` offers the same runs from
Python with the signature Mesa's `batch_run` users know.
"""

from __future__ import annotations

import argparse
import itertools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from experiments.backends import backend
from experiments.errors import ExperimentError
from experiments.output import scenario_toml
from experiments.overrides import configure, override, snapshot_file
from experiments.plots import THOUSANDS
from experiments.runs import Run
from experiments.summaries import summarise
from model.scenario import Scenario, load, parse_set

DEFAULT_SEED = 1
PANELS = {"encounters": "Encounters, USBP + OFO (7-day mean)", "waiting_mexico": "Waiting in Mexico (end of day)",
          "expulsions": "Expulsions (7-day mean)", "removals": "Removals (7-day mean)",
          "releases": "Releases (7-day mean)", "paroles": "Paroles (7-day mean)"}
STOCK_PANELS = {"waiting_mexico"}


def _flat(scenario: Scenario) -> dict[str, Any]:
    """Scalar parameters as {"section.field": value}, as in force on the run's first day (for a fork, with
    its changes: a regime forked from history is told apart by the levers it sets on its date)."""
    return {key: value for key, value in scenario.in_force().items()
            if isinstance(value, (bool, int, float, str))}


def key_parameters(scenarios: list[Scenario], changed: Iterable[str] = ()) -> list[str]:
    """The scalar parameters that differ between the scenarios, then the ones the user changed."""
    flat = [_flat(s) for s in scenarios]
    differing = [k for k in flat[0] if any(f.get(k) != flat[0][k] for f in flat[1:])]
    return list(dict.fromkeys([*differing, *(k for k in changed if k in flat[0])]))


def plan(scenarios: list[Scenario], replicates: int, seed: int, changed: Iterable[str] = ()) -> list[Run]:
    """Every scenario x replicate; the key parameters become the runs' columns."""
    keys = key_parameters(scenarios, changed)
    return [Run(s, {}, seed + r, point, r, columns={k: _flat(s).get(k) for k in keys})
            for point, s in enumerate(scenarios) for r in range(replicates)]


def plan_from_args(args: argparse.Namespace) -> list[Run]:
    if args.replicates < 1:
        raise ExperimentError(f"--replicates must be at least 1, got {args.replicates}")
    if args.fork and snapshot_file(args.fork):
        raise ExperimentError("--fork FILE resumes one run; a batch forks its scenarios by date (--fork YYYY-MM-DD)")
    if len(set(args.scenarios)) != len(args.scenarios):
        raise ExperimentError("--scenarios names a scenario twice")
    scenarios = [configure(argparse.Namespace(**{**vars(args), "scenario": name, "seed": None}))
                 for name in args.scenarios]
    names = [s.name for s in scenarios]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise ExperimentError(f"--scenarios: two of them are named '{twice}'; give each file its own name")
    if any(not n or "/" in n or n.startswith(".") for n in names):
        raise ExperimentError(f"--scenarios: scenario names must be plain file names, got {names}")
    seed = DEFAULT_SEED if args.seed is None else args.seed
    return plan(scenarios, args.replicates, seed, parse_set(args.set))


def files(runs: list[Run], argv: list[str]) -> dict[str, str]:
    """One scenario-<name>.toml per scenario: every parameter, loadable with `run --scenario`."""
    seen = {}
    for run in runs:
        seen.setdefault(run.scenario.name, run.scenario)
    return {f"scenario-{name}.toml": scenario_toml(s, argv) for name, s in seen.items()}


# -- the comparison figure ----------------------------------------------------------------
def _series(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    """date x replicate table of one panel's quantity, smoothed over 7 days for flows."""
    values = daily["encounters_usbp"] + daily["encounters_ofo"] if column == "encounters" else daily[column]
    table = pd.DataFrame({"date": daily["date"], "replicate": daily["replicate"], "v": values})
    wide = table.pivot(index="date", columns="replicate", values="v")
    return wide if column in STOCK_PANELS else wide.rolling(7, min_periods=1).mean()


def comparison(daily: pd.DataFrame, path: str | os.PathLike, title: str) -> None:
    """Each scenario's median curve and 5-95% band, one panel per quantity, saved as a PNG."""
    daily = daily.assign(date=pd.to_datetime(daily["date"]))
    fig = Figure(figsize=(14, 8.5), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True).ravel()
    colours = [f"C{i % 10}" for i in range(daily["scenario"].nunique())]
    for (name, runs), colour in zip(daily.groupby("scenario", sort=False), colours, strict=True):
        for ax, column in zip(axes, PANELS, strict=True):
            wide = _series(runs, column)
            low, mid, high = (wide.quantile(q, axis=1) for q in (0.05, 0.5, 0.95))
            ax.fill_between(wide.index, low, high, color=colour, alpha=0.2, lw=0)
            ax.plot(wide.index, mid, color=colour, lw=1.6, label=name)
    for ax, title_ in zip(axes, PANELS.values(), strict=True):
        ax.set_title(title_, loc="left", fontsize=10)
        ax.yaxis.set_major_formatter(THOUSANDS)
        ax.set_ylim(bottom=0)
        ax.grid(True, lw=0.4, alpha=0.5)
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes[0].legend(loc="upper left", fontsize=8, framealpha=0.9)
    fig.suptitle(title, fontsize=12)
    fig.savefig(path, dpi=100, format="png")


def draw(out: Path, runs: list[Run]) -> None:
    from experiments.store import atomic

    columns = ["scenario", "replicate", "date", "encounters_usbp", "encounters_ofo",
               *(c for c in PANELS if c != "encounters")]
    daily = pd.read_parquet(out / "daily.parquet", columns=columns)
    seeds = sorted({run.seed for run in runs})
    replicates = f"{len(seeds)} replicate{'s' * (len(seeds) > 1)} (seeds {seeds[0]}-{seeds[-1]})"
    title = f"Median and 90% band over {replicates} per scenario"
    atomic(out / "comparison.png", lambda p: comparison(daily, p, title))


# -- the Python API ---------------------------------------------------------------------------
def _points(parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Mesa's rule: lists, tuples and ranges are swept (all combinations), anything else is fixed."""
    axes = {k: list(v) if isinstance(v, (list, tuple, range, np.ndarray)) else [v] for k, v in parameters.items()}
    return [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]


def _seeds(base: int, iterations: int | None, rng) -> list[int]:
    if iterations is not None and rng is not None:
        raise ValueError("give iterations or rng, not both")
    if iterations is not None:
        return [base + i for i in range(iterations)]
    if rng is None:
        return [base]
    return [int(s) for s in rng] if isinstance(rng, Iterable) else [int(rng)]


def batch_run(scenario: str | Scenario = "baseline", parameters: Mapping[str, Any] | None = None,
              number_processes: int | None = 1, iterations: int | None = None, data_collection_period: int = -1,
              max_steps: int | None = None, display_progress: bool = True, rng=None,
              dask: str | None = None) -> list[dict[str, Any]]:
    """Run every combination of `parameters` with each seed, like `mesa.batch_run`.

    `parameters` maps scenario keys ("closure.activation") to a value or a list of values;
    `iterations=N` uses seeds S..S+N-1 (S the scenario's run.seed) for every combination, or
    `rng` gives the seeds. `max_steps` is the number of days (default: the scenario's span);
    `data_collection_period=-1` keeps the last day, k keeps every k-th day and the last.
    `number_processes=None` uses every core; `dask="local"` or an address runs on Dask.
    Returns one dict per run and kept day: RunId, iteration, Step (day), the parameters,
    seed, the summary statistics of the whole run and the day's columns. A run that fails
    gives one dict with its error instead."""
    from tqdm import tqdm

    base = load(scenario) if isinstance(scenario, str) else scenario
    base = override(base, {}, days=max_steps)
    seeds = _seeds(base.run.seed, iterations, rng)
    points = _points(parameters or {})
    runs = [Run(base, point, seed, p, i) for i, seed in enumerate(seeds) for p, point in enumerate(points)]
    workers = (os.cpu_count() or 1) if number_processes is None else number_processes
    rows: dict[int, list[dict]] = {}
    with backend(workers, dask) as engine, tqdm(total=len(runs), disable=not display_progress) as bar:
        index = {run.id: n for n, run in enumerate(runs)}
        for result in engine.results(runs):
            n = index[result.run_id]
            rows[n] = _rows(n, runs[n], result, data_collection_period)
            bar.update()
    return [row for n in sorted(rows) for row in rows[n]]


def _rows(n: int, run: Run, result, period: int) -> list[dict[str, Any]]:
    head = {"RunId": n, "iteration": run.replicate, **run.columns, **run.values, "seed": run.seed}
    if not result.ok:
        return [{**head, "Step": None, "error": result.error}]
    daily = result.daily
    days = len(daily)
    keep = [days] if period < 1 else sorted({*range(period, days + 1, period), days})
    totals = summarise(daily)
    return [{**head, "Step": day, **totals, **daily.iloc[day - 1].to_dict()} for day in keep]
