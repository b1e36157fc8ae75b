"""Time one run of a scenario as a whole and print what it cost.

Usage: python benchmarks/run_benchmark.py [SCENARIO] [--scale K] [--seed S]

Prints wall time, peak memory (resident set, from the operating system), agents created,
and person-days simulated per second (people in the model on each day, summed over days,
divided by the wall time). The README quotes its output for the default run.

It also prints the run's agent-events (departures, arrivals, decisions, reconsiderations,
crossings and book-outs: `model.events`) and their rate over the same wall time, which covers
the model only (building it and running it). Right after the run, in the same process, it
measures Mesa's reference rate, the agent-steps per second of Mesa's Boltzmann wealth example
(see benchmarks/reference.py), and prints the ratio of the two: what an agent-event costs here
against what an agent-step costs in the simplest Mesa model, on this machine at this moment.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reference import boltzmann_rate  # noqa: E402
from model.model import BorderModel  # noqa: E402
from model.scenario import load  # noqa: E402
from model.states import EXITS, State  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="historical")
    ap.add_argument("--scale", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    scenario = load(args.scenario).with_values({"run.seed": args.seed})
    if args.scale:
        scenario = scenario.with_values({"run.scale": args.scale})
    t0 = time.perf_counter()
    model = BorderModel(scenario)
    daily = model.run()
    wall = time.perf_counter() - t0
    live = [f"people_{s.name.lower()}" for s in State if s not in EXITS]
    person_days = float(daily[live].sum(axis=1).sum())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scenario      {scenario.name} ({scenario.run.start} to {scenario.run.end}, {scenario.days} days)")
    print(f"scale, seed   {scenario.run.scale} people per agent, seed {scenario.run.seed}")
    print(f"machine       {platform.machine()}, Python {platform.python_version()}, one process")
    print(f"wall time     {wall:.1f} s")
    print(f"peak memory   {peak_mib:.0f} MiB")
    print(f"agents        {model.agent_id_counter - 1:,} created, {len(model.agents):,} alive at the end")
    print(f"person-days   {person_days:,.0f} simulated, {person_days / wall:,.0f} per second")
    events = sum(model.events.values())
    rate = events / wall
    kinds = ", ".join(f"{n:,} {kind.replace('_', '-')}" for kind, n in model.events.most_common())
    print(f"agent-events  {events:,} ({kinds})")
    print(f"event rate    {rate:,.0f} agent-events per second of model time")
    reference = boltzmann_rate()
    print(f"reference     {reference:,.0f} agent-steps per second (Mesa's Boltzmann wealth, CellAgent, same process)")
    print(f"ratio         {rate / reference:.3f} (agent-events per second / Mesa agent-steps per second)")


if __name__ == "__main__":
    main()
