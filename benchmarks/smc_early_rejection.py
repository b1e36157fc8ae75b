"""What early rejection saves a fit: the same ABC-SMC fit on the observed data with and without it.

Usage: python benchmarks/smc_early_rejection.py [--first YYYY-MM] [--through YYYY-MM] [--scale K]
                                                [--population N] [--generations G] [--seed S]

`calibration.early_rejection` stops a fit's run as soon as its distance so far is above epsilon. This
script makes the fit `borderflow calibrate --method smc` makes (the smooth pressure of every
nationality group, behaviour and the sectors' multipliers, drawn jointly from the same priors) over a
shorter window, in one process, twice from the same seed: with early rejection, then with every run
carried to its end (the default). The first generation after the prior's sample is drawn
from the prior in both, so both simulate the same draws and accept the same ones: there the two are
compared like with like. Later generations differ, since the distance's scales come from the accepted
runs with early rejection and from all runs without.

For each it prints every generation's simulations, accepted, epsilon and processor seconds, and, with
early rejection, how many runs were stopped and the share of the days they would have run that were
saved. Processor time (not wall time) is what is compared, so other work on the machine matters less.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def fit(window, scale: int, population: int, generations: int, seed: int, early: bool) -> dict:
    """One fit; each generation's line and the early rejection's counts (runs looked at, stopped, days run)."""
    from calibration import early_rejection, fit, sector_routes, smooth_pressure
    from calibration.patterns import observed_patterns
    from calibration.smc import smc
    from model.scenario import load

    scenario = load("historical").with_values({"run.scale": scale})
    priors = {**smooth_pressure.priors(scenario, window, smooth_pressure.EVERY), **fit.PRIORS,
              **sector_routes.priors()}
    counts = {"runs": 0, "stopped": 0, "days": 0}
    real = early_rejection.EarlyRejection.accept

    def counted(self, *args):
        before = (self.runs, self.stopped, self.days)
        result = real(self, *args)
        for key, was in zip(counts, before, strict=True):
            counts[key] += getattr(self, key) - was
        return result

    early_rejection.EarlyRejection.accept = counted
    lines, clock = [], [time.process_time()]

    def log(line: str) -> None:
        now = time.process_time()
        if line.startswith("generation"):
            lines.append(f"{line.split(':')[0].split(' (')[0]}: {line.split(': ', 1)[1]}; {now - clock[0]:.0f} s")
        clock[0] = now

    try:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.process_time()
            result = smc(scenario, observed_patterns(), window, priors, tmp, population=population,
                         generations=generations, seed=seed, early_rejection=early, log=log)
            took = time.process_time() - start
    finally:
        early_rejection.EarlyRejection.accept = real
    return {"lines": lines, "seconds": took, "simulations": result["record"]["simulations"], **counts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", default="2020-10")
    ap.add_argument("--through", default="2022-03")
    ap.add_argument("--scale", type=int, default=400)
    ap.add_argument("--population", type=int, default=30)
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.first >= args.through or args.scale < 1 or args.population < 2 or args.generations < 1:
        sys.exit("need --first before --through, --scale >= 1, --population >= 2 and --generations >= 1")
    import pyabc  # noqa: F401  (it sets its loggers to INFO when imported: quiet them after)

    from calibration.fit import Window

    logging.getLogger("ABC").setLevel(logging.WARNING)
    window = Window(args.first, args.through)
    print(f"window {args.first} .. {args.through}, {args.scale} people per agent, {args.population} particles, "
          f"{args.generations} generations, seed {args.seed}; processor seconds")
    for early in (True, False):
        r = fit(window, args.scale, args.population, args.generations, args.seed, early)
        print("with early rejection" if early else "every run to its end")
        for line in r["lines"]:
            print(f"  {line}")
        days = len(window.months()) * 365.25 / 12
        saved = f"; {r['stopped']} of {r['runs']} runs stopped early, {1 - r['days'] / (r['runs'] * days):.0%} of " \
                f"their days saved" if early and r["runs"] else ""
        print(f"  {r['simulations']} simulations in {r['seconds']:.0f} s{saved}")


if __name__ == "__main__":
    main()
