"""What a day costs whatever happens in it, and what each agent-event adds, from the scale benchmark's runs.

Usage: python benchmarks/day_cost.py [--results benchmarks/results/scale] [--coarsest-scales 100]

Reads the runs `benchmarks/scale_benchmark.py` kept (each with its model time and agent-events) and
fits the model time of those at `--coarsest-scales` people per agent or coarser as

    time = days × cost of a day + agent-events × cost of an agent-event

by least squares. Coarser scales make fewer agent-events over the same days, so the runs part the
two costs. This is why a calibration-scale run stops getting cheaper as the scale grows coarser:
the cost of a day (the classes at home valued, the news read, the day's rows handled as arrays
however few they are, the record written) stays. Finer scales are left out, where memory and the
population's size change what an event costs. It prints the two costs and what share of each
coarse scale's run is the days' own cost.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scale_benchmark import per_run, read_results  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "scale"


def split(runs: pd.DataFrame) -> tuple[float, float]:
    """(seconds a day, seconds an agent-event) from runs of the same days (`per_run`'s rows: `days`,
    `model_s`, `agent_events`)."""
    design = runs[["days", "agent_events"]].to_numpy(dtype=float)
    (per_day, per_event), *_ = np.linalg.lstsq(design, runs["model_s"].to_numpy(dtype=float), rcond=None)
    return float(per_day), float(per_event)


def coarse_runs(results: pd.DataFrame, coarsest: int) -> pd.DataFrame:
    """One row per run at `coarsest` people per agent or coarser, with its days; refused (ValueError)
    unless they cover one span and at least two scales."""
    spans = results[["scenario", "start", "end"]].drop_duplicates()
    if len(spans) != 1:
        raise ValueError(f"the runs cover {len(spans)} scenarios or spans; keep one set in the folder")
    runs = per_run(results)
    runs = runs[runs["scale"] >= coarsest].copy()
    if runs["scale"].nunique() < 2:
        raise ValueError(f"need runs at two scales of {coarsest} people per agent or coarser "
                         f"(python benchmarks/scale_benchmark.py --scales with two of them)")
    start, end = (pd.Timestamp(spans.iloc[0][k]) for k in ("start", "end"))
    runs["days"] = (end - start).days + 1
    runs["scenario"] = spans.iloc[0]["scenario"]
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=RESULTS, help="the scale benchmark's results folder")
    ap.add_argument("--coarsest-scales", type=int, default=100, help="use runs at this scale or coarser")
    args = ap.parse_args()
    paths = sorted(args.results.glob("*.parquet"))
    if not paths:
        sys.exit(f"day_cost: no runs in {args.results}; run python benchmarks/scale_benchmark.py first")
    try:
        runs = coarse_runs(read_results(paths), args.coarsest_scales)
    except ValueError as err:
        sys.exit(f"day_cost: {err}")
    per_day, per_event = split(runs)
    days = int(runs["days"].iloc[0])
    print(f"{runs['scenario'].iloc[0]}: {days} days; {len(runs)} runs at scales "
          f"{', '.join(map(str, sorted(runs['scale'].unique(), reverse=True)))}")
    print(f"cost of a day      {per_day * 1e3:.2f} ms ({per_day * days:.2f} s over the run)")
    print(f"cost of an event   {per_event * 1e6:.1f} us")
    for scale, seconds in runs.groupby("scale")["model_s"].mean().sort_index(ascending=False).items():
        print(f"scale {scale:>5}: the days' own cost is {per_day * days / seconds:.0%} of a {seconds:.1f} s run")


if __name__ == "__main__":
    main()
