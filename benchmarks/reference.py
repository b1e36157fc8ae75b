"""Mesa's reference rate: agent-steps per second of its Boltzmann wealth example, measured here.

Usage: python benchmarks/reference.py [--agents 1000] [--steps 200] [--seed 1] [--repeats 3] [--collect]

The model is Mesa's own example, `mesa.examples.basic.boltzmann_wealth_model`, used as shipped:
`MoneyAgent` is a `CellAgent` on an `OrthogonalMooreGrid`, and a step moves each agent to a
random neighbouring cell and gives one unit of wealth to a random cellmate. The grid is square
with about one cell per agent, as in the example's default (100 agents on 10 x 10).

An agent-step is one agent's `step`, activated as the example's model step does it
(`model.agents.shuffle_do("step")`). The example's model step also collects data every step
(every agent's wealth and the Gini coefficient); that is bookkeeping, not agent work, and
roughly halves the rate, so it is left out unless `--collect` (`collect=True`) asks for the
whole model step. The rate is the best of a few repeats, each on a fresh model, in the calling
process: measured in the same process as a borderflow run, it is a yardstick for the machine
and the interpreter at that moment.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
import warnings


def boltzmann_model(agents: int, seed: int):
    """Mesa's Boltzmann wealth example with `agents` agents on a square grid of about one cell each."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    side = max(1, round(math.sqrt(agents)))
    with warnings.catch_warnings():  # the example uses Mesa's experimental data recorder, which warns
        warnings.simplefilter("ignore")
        return BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=seed))


def boltzmann_rate(agents: int = 1000, steps: int = 200, seed: int = 1, repeats: int = 3,
                   collect: bool = False) -> float:
    """Agent-steps per second of Mesa's Boltzmann wealth example (CellAgent), best of `repeats`.

    Each repeat builds a fresh model (seed `seed`) and times `steps` steps of all `agents` agents;
    with `collect`, the example's whole model step, data collection included."""
    if agents < 1 or steps < 1 or repeats < 1:
        raise ValueError("agents, steps and repeats must be at least 1")
    best = 0.0
    for _ in range(repeats):
        model = boltzmann_model(agents, seed)
        step = model.step if collect else (lambda: model.agents.shuffle_do("step"))
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        elapsed = time.perf_counter() - t0
        best = max(best, agents * steps / elapsed)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--collect", action="store_true", help="time the example's whole step, data collection included")
    args = ap.parse_args()
    for name in ("agents", "steps", "repeats"):
        if getattr(args, name) < 1:
            ap.exit(2, f"reference.py: error: --{name} must be at least 1\n")
    import mesa

    rate = boltzmann_rate(args.agents, args.steps, args.seed, args.repeats, args.collect)
    what = "whole model step, data collection included" if args.collect else "agent steps only"
    print(f"reference     Mesa {mesa.__version__} Boltzmann wealth, CellAgent on OrthogonalMooreGrid")
    print(f"size          {args.agents:,} agents, {args.steps} steps, seed {args.seed}, best of {args.repeats} ({what})")
    print(f"machine       {platform.machine()}, Python {platform.python_version()}, one process")
    print(f"rate          {rate:,.0f} agent-steps per second")


if __name__ == "__main__":
    main()
