"""What a day costs whatever happens in it, and what each agent-event adds.

Usage: python benchmarks/day_cost.py [SCENARIO] [--scales 1000,400,100] [--seed 1] [--repeats 2]

Runs the scenario at a few coarse scales (same seed) and fits the model time (building the model
and running it, processor seconds, best of `--repeats`) as

    time = days × cost of a day + agent-events × cost of an agent-event

by least squares. Coarser scales make fewer agent-events over the same days, so the runs part the
two costs. This is why a calibration-scale run stops getting cheaper as the scale grows coarser:
the cost of a day (the classes at home valued, the news read, the day's rows handled as arrays
however few they are, the record written) stays. It prints each run, the two costs, and what share
of each run is the days' own cost.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.model import BorderModel  # noqa: E402
from model.scenario import load  # noqa: E402
from model.values import ScenarioError  # noqa: E402


def model_time(scenario, repeats: int) -> tuple[float, int]:
    """Processor seconds to build and run the scenario (best of `repeats`), and its agent-events."""
    best, events = float("inf"), 0
    for _ in range(repeats):
        start = time.process_time()
        model = BorderModel(scenario)
        model.run()
        best = min(best, time.process_time() - start)
        events = sum(model.events.values())
    return best, events


def split(days: int, runs: list[tuple[int, float, int]]) -> tuple[float, float]:
    """(seconds a day, seconds an agent-event) from runs of the same days: (scale, seconds, events)."""
    design = np.array([[days, events] for _, _, events in runs], dtype=float)
    (per_day, per_event), *_ = np.linalg.lstsq(design, np.array([s for _, s, _ in runs]), rcond=None)
    return float(per_day), float(per_event)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="historical")
    ap.add_argument("--scales", default="1000,400,100", help="comma-separated people per agent (at least two)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    try:
        scales = [int(s) for s in args.scales.split(",")]
        if len(set(scales)) < 2:
            raise ValueError
    except ValueError:
        sys.exit(f"day_cost: --scales needs at least two different whole numbers, not {args.scales!r}")
    try:
        base = load(args.scenario).with_values({"run.seed": args.seed})
        scenarios = [base.with_values({"run.scale": scale}) for scale in scales]
    except ScenarioError as e:
        sys.exit(f"day_cost: {e}")
    runs = []
    for scale, scenario in zip(scales, scenarios, strict=True):
        seconds, events = model_time(scenario, args.repeats)
        runs.append((scale, seconds, events))
        print(f"scale {scale:>5}: {seconds:6.2f} s, {events:>10,} agent-events", flush=True)
    days = base.days
    per_day, per_event = split(days, runs)
    print(f"{base.name}: {days} days")
    print(f"cost of a day      {per_day * 1e3:.2f} ms ({per_day * days:.2f} s over the run)")
    print(f"cost of an event   {per_event * 1e6:.1f} us")
    for scale, seconds, _ in runs:
        print(f"scale {scale:>5}: the days' own cost is {per_day * days / seconds:.0%} of the run")


if __name__ == "__main__":
    main()
