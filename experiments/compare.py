"""`borderflow compare`: the effect of a change from a day of history, with honest uncertainty.

The factual (the scenario as it is) and the counterfactual (with the changes) both fork from the
same day of the same history and go on with the same seed: common random numbers, so with N
replicate seeds the N differences are the effect's spread, not the noise of two separate runs.
A change that changes nothing gives differences that are exactly zero.

The effect of a flow (encounters, expulsions, removals, releases, days under closure) is the
cumulative difference from the fork; the effect on a stock (people waiting in Mexico, by cause)
is the difference on the day. Both as the median and the 5-95% band over the replicates.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from experiments.errors import ExperimentError
from experiments.overrides import configure, snapshot_file
from experiments.plots import THOUSANDS
from experiments.runs import Run
from model.fork import describe

FLOWS = {"encounters_usbp": "Border Patrol encounters", "encounters_ofo": "encounters at ports (OFO)",
         "departures": "departures from home", "expulsions": "expulsions", "removals": "removals",
         "releases": "releases into the US", "closure_active": "days under closure"}
STOCKS = {"waiting_mexico": "waiting in Mexico (all)", "waiting_appointment": "waiting for an appointment",
          "waiting_mpp": "waiting in MPP", "waiting_after_expulsion": "waiting after expulsion"}
OUTPUTS = {**FLOWS, **STOCKS}
HORIZONS = (30, 90, 365)
ARMS = ("factual", "counterfactual")
BAND = (0.05, 0.5, 0.95)


def arms(args: argparse.Namespace) -> tuple:
    """The factual (the scenario forked with no change) and the counterfactual (with the changes)."""
    if snapshot_file(args.fork):
        raise ExperimentError("compare forks by date (--fork YYYY-MM-DD): a snapshot FILE is one seed's state")
    if not args.set and not args.drop:
        raise ExperimentError("compare needs a change: --set SECTION.FIELD=VALUE (a lever) or --drop DATE")
    counterfactual = configure(args)
    if counterfactual.fork is None:
        raise ExperimentError("compare needs --fork YYYY-MM-DD, the day both runs go on from (a named regime "
                              "forks on its own first day without it)")
    factual = configure(argparse.Namespace(**{**vars(args), "set": [], "drop": None}))
    if factual.history() != counterfactual.history():
        raise ExperimentError("compare changes levers from the fork date; a --set of a behaviour, pressure, "
                              "geography or run value would change the history itself")
    return replace(factual, name="factual"), replace(counterfactual, name="counterfactual")


def plan(args: argparse.Namespace) -> list[Run]:
    """Factual runs first, then the counterfactual's with the same seeds: the second arm finds each
    seed's history in the cache."""
    from experiments.batch import plan as batch_plan

    if args.replicates < 1:
        raise ExperimentError(f"--replicates must be at least 1, got {args.replicates}")
    factual, counterfactual = arms(args)
    seed = 1 if args.seed is None else args.seed
    return batch_plan([factual, counterfactual], args.replicates, seed)


def differences(daily: pd.DataFrame) -> pd.DataFrame:
    """Per replicate and day, counterfactual minus factual: flows cumulated from the fork, stocks as
    they are. Long table: output, replicate, day, date, factual, counterfactual, effect."""
    rows = []
    for output in OUTPUTS:
        wide = daily.pivot_table(index=["replicate", "date"], columns="scenario", values=output, aggfunc="first")
        wide = wide.reindex(columns=list(ARMS)).sort_index()
        if output in FLOWS:
            wide = wide.groupby(level="replicate").cumsum()
        table = wide.reset_index()
        table["day"] = table.groupby("replicate").cumcount() + 1
        table["effect"] = table["counterfactual"] - table["factual"]
        table.insert(0, "output", output)
        rows.append(table)
    return pd.concat(rows, ignore_index=True)[["output", "replicate", "day", "date", *ARMS, "effect"]]


def band(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Median and 5-95% band of the effect, with the arms' medians, over the replicates."""
    grouped = table.groupby(by, sort=False)
    out = grouped[["factual", "counterfactual"]].median().add_suffix("_median")
    for q, name in zip(BAND, ("effect_p05", "effect_median", "effect_p95"), strict=True):
        out[name] = grouped["effect"].quantile(q)
    out["replicates"] = grouped["effect"].size()
    return out.reset_index()


def horizons(days: int) -> list[int]:
    """30, 90 and 365 days, or the run's end where it comes first."""
    return sorted({min(h, days) for h in HORIZONS})


def effects(diffs: pd.DataFrame) -> pd.DataFrame:
    """The effects at 30, 90 and 365 days (or the run's end)."""
    days = int(diffs["day"].max())
    at = diffs[diffs["day"].isin(horizons(days))]
    table = band(at, ["output", "day"]).rename(columns={"day": "days"})
    table.insert(1, "measure", table["output"].map(lambda o: "cumulative" if o in FLOWS else "on the day"))
    return table


def picture(curves: pd.DataFrame, path: str | os.PathLike, title: str) -> None:
    """One panel per output: the effect's median and 90% band against the days since the fork."""
    shown = ["encounters_usbp", "encounters_ofo", "departures", "waiting_mexico", "expulsions", "removals",
             "releases", "waiting_after_expulsion", "closure_active"]
    fig = Figure(figsize=(14, 10), layout="constrained")
    axes = fig.subplots(3, 3, sharex=True).ravel()
    for ax, output in zip(axes, shown, strict=True):
        one = curves[curves["output"] == output]
        dates = pd.to_datetime(one["date"])
        ax.fill_between(dates, one["effect_p05"], one["effect_p95"], color="C0", alpha=0.25, lw=0, label="90% band")
        ax.plot(dates, one["effect_median"], color="C0", lw=1.6, label="median")
        ax.axhline(0, color="black", lw=0.6)
        if not one[["effect_p05", "effect_p95"]].abs().to_numpy().any():
            ax.set_ylim(-1, 1)  # no effect at all: a plain zero line, not ticks rounded from a tiny range
            ax.set_yticks([-1, 0, 1])  # whole numbers: the thousands format would show halves as 0 and -0
        kind = "cumulative" if output in FLOWS else "on the day"
        ax.set_title(f"{OUTPUTS[output]} ({kind})", loc="left", fontsize=10)
        ax.yaxis.set_major_formatter(THOUSANDS)
        ax.grid(True, lw=0.4, alpha=0.5)
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle(title, fontsize=12)
    fig.savefig(path, dpi=100, format="png")


def write(out: Path, runs: list[Run]) -> None:
    """differences.csv, effects.csv and effects.png from the finished runs' daily table."""
    from experiments.store import atomic

    daily = pd.read_parquet(out / "daily.parquet", columns=["scenario", "replicate", "date", *OUTPUTS])
    diffs = differences(daily)
    complete = diffs.groupby("replicate")[["factual", "counterfactual"]].transform(lambda c: c.notna().all())
    diffs = diffs[complete.all(axis=1)]  # a replicate whose other arm failed has no difference
    if diffs.empty:
        return
    curves = band(diffs, ["output", "day", "date"])
    table = effects(diffs)
    atomic(out / "differences.csv", lambda p: curves.to_csv(p, index=False, lineterminator="\n"))
    atomic(out / "effects.csv", lambda p: table.to_csv(p, index=False, lineterminator="\n"))
    cf = next(run.scenario for run in runs if run.scenario.name == "counterfactual")
    change = describe(cf.fork.changes) or "no lever"
    dropped = cf.fork.drop if cf.fork.drop == "later" else ", ".join(map(str, cf.fork.drop))
    title = (f"Effect of {change}{f', dropping {dropped}' if dropped else ''} from {cf.fork.date}: "
             f"counterfactual - factual, median and 90% band over {diffs['replicate'].nunique()} seeds")
    atomic(out / "effects.png", lambda p: picture(curves, p, title))


def summary(out: Path) -> str:
    """The line `compare` prints: the USBP effect at each horizon."""
    table = pd.read_csv(out / "effects.csv")
    usbp = table[table["output"] == "encounters_usbp"]
    parts = [f"{int(r.days)} days {r.effect_median:+,.0f} [{r.effect_p05:+,.0f}, {r.effect_p95:+,.0f}]"
             for r in usbp.itertuples()]
    return "Border Patrol encounters, cumulative effect (median [90% band]): " + "; ".join(parts)

