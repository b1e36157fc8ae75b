"""How the distance's scales cope with statistics the model cannot reach: `mad`, `pcmad` and `cmad`.

Usage: python benchmarks/smc_scales.py [--misfits M ...] [--population N] [--generations G] [--seed S]

ABC-SMC's adaptive distance (`calibration.smc`) divides each statistic by its spread across a
generation's simulations. A statistic that no parameter moves and the model cannot reach (on the real
data, port encounters in months where the ports' capacities, an input, do not match them) has a small
spread, so its weight is large, and the fit spends its acceptances on noise in it. pyabc's `pcmad`
(Schälte et al. 2021) adds each statistic's median distance from the observed value to its spread, so
such statistics count less (unless more than a third of them are off, when it keeps `mad`); `cmad` adds
it always.

The problem is `benchmarks/smc_proposal.py`'s (31 parameters with standard normal priors, the data
showing 8 of them one by one with noise 0.3 and the rest only through their sum), plus M statistics
that no parameter moves, simulated with noise 0.05 and observed 0.5 away: ten of their spreads. For
each M and each scale it prints the simulations of the whole fit, the last generation's effective
sample size, how many of the 31 truths lie in their 5-95% intervals, and the error and the mean 90%
width of the 8 informed parameters. The README's figures come from the defaults.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DIMENSIONS, INFORMED = 31, 8


def fit(scale: str, misfits: int, population: int = 150, generations: int = 6, seed: int = 1) -> dict:
    """One fit of the problem with the distance's `scale` (a key of `calibration.smc.SCALES`)."""
    import pyabc
    from pyabc import distance as distances
    from pyabc.weighted_statistics import effective_sample_size, weighted_quantile

    from calibration.smc import transition

    truth = np.random.default_rng(seed).normal(0.0, 1.0, DIMENSIONS)
    names = [f"theta{i:02d}" for i in range(DIMENSIONS)]

    def show(theta: np.ndarray, noise: np.ndarray, unreached: np.ndarray) -> dict:
        rest = theta[INFORMED:].sum() / np.sqrt(DIMENSIONS - INFORMED)
        shown = np.concatenate([theta[:INFORMED], [rest]]) + noise
        return {**{f"y{i}": v for i, v in enumerate(shown)}, **{f"z{j}": v for j, v in enumerate(unreached)}}

    def simulate(parameters) -> dict:
        theta = np.array([parameters[n] for n in names])
        return show(theta, np.random.normal(0.0, 0.3, INFORMED + 1), np.random.normal(0.0, 0.05, misfits))

    observed = show(truth, np.zeros(INFORMED + 1), np.full(misfits, 0.5))
    prior = pyabc.Distribution(**{n: pyabc.RV("norm", 0.0, 1.0) for n in names})
    np.random.seed(seed)  # pyabc draws with numpy's global generator
    distance = distances.AdaptivePNormDistance(p=1, scale_function=getattr(distances, scale))
    abc = pyabc.ABCSMC(simulate, prior, distance, population_size=population, transitions=transition(names),
                       sampler=pyabc.SingleCoreSampler())
    with tempfile.TemporaryDirectory() as tmp:
        history = abc.new(f"sqlite:///{tmp}/toy.db", observed)
        abc.run(max_nr_populations=generations)
        frame, weights = history.get_distribution(t=history.max_t)
        simulations = int(history.total_nr_simulations)
    weights = np.asarray(weights)
    q = {a: np.array([weighted_quantile(frame[n].to_numpy(), weights, alpha=a) for n in names])
         for a in (0.05, 0.5, 0.95)}
    return {"simulations": simulations, "ess": float(effective_sample_size(weights)),
            "inside": int(((q[0.05] <= truth) & (truth <= q[0.95])).sum()),
            "error": float(np.sqrt(np.mean((q[0.5] - truth)[:INFORMED] ** 2))),
            "width": float(np.mean((q[0.95] - q[0.05])[:INFORMED]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misfits", type=int, nargs="+", default=[0, 2, 4, 20])
    ap.add_argument("--population", type=int, default=150)
    ap.add_argument("--generations", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if min(args.misfits) < 0 or args.population < 2 or args.generations < 1:
        sys.exit("need --misfits >= 0, --population >= 2 and --generations >= 1")
    import pyabc  # noqa: F401  (it sets its loggers to INFO when imported: quiet them after)

    from calibration.smc import SCALES

    logging.getLogger("ABC").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(f"{DIMENSIONS} parameters, {INFORMED} informed; {args.population} particles, {args.generations} "
          f"generations, seed {args.seed}")
    for misfits in args.misfits:
        for scale in SCALES:
            r = fit(scale, misfits, args.population, args.generations, args.seed)
            print(f"{misfits} unreached, {scale:5s}: {r['simulations']} simulations; effective sample size "
                  f"{r['ess']:.0f}; truths inside 90% {r['inside']} of {DIMENSIONS}; informed error {r['error']:.2f}, "
                  f"90% width {r['width']:.2f}")


if __name__ == "__main__":
    main()
