"""Why ABC-SMC's proposal is a kernel density a parameter: the weights on a problem of known truth.

Usage: python benchmarks/smc_proposal.py [--dimensions D] [--informed K] [--population N]
                                         [--generations G] [--seed S]

`calibration.smc` fits some thirty parameters (the smooth pressure's anchors and behaviour) with a
hundred or so particles. pyabc's default proposal is one Gaussian kernel density over all of them;
`calibration.smc.transition` uses one a parameter instead. This script runs both on a problem whose
answer is known and where a simulation costs nothing, so that only the proposal differs: D parameters
with standard normal priors (like the pressure's steps), a truth drawn from the prior, data that show
the first K parameters each with noise 0.3 and the others only through their sum (as the data show
most anchors of the pressure and most behaviour only together). The distance is the L1 distance of
the data, epsilon pyabc's default (the median of the last generation's distances), the same seed for
both.

For each proposal it prints the effective sample size of every generation's weights, the
simulations, the final epsilon, how many of the D truths lie in their 5-95% posterior intervals, and
the root mean square error of the informed parameters' posterior medians. The figures in
`calibration/smc.py`'s docstring and in the README come from the defaults.
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


def problem(dimensions: int, informed: int, seed: int):
    """The truth, the simulator and the observed data."""
    truth = np.random.default_rng(seed).normal(0.0, 1.0, dimensions)
    names = [f"theta{i:02d}" for i in range(dimensions)]

    def show(theta: np.ndarray, noise: np.ndarray) -> dict:
        rest = theta[informed:].sum() / np.sqrt(max(dimensions - informed, 1))
        return {"y": np.concatenate([theta[:informed], [rest]]) + noise}

    def simulate(parameters) -> dict:
        theta = np.array([parameters[n] for n in names])
        return show(theta, np.random.normal(0.0, 0.3, informed + 1))

    return names, truth, simulate, show(truth, np.zeros(informed + 1))


PROPOSALS = ("one kernel for all", "a kernel a parameter")
"""pyabc's default (one Gaussian kernel density over every parameter) and `calibration.smc.transition`."""


def run(proposal: str, dimensions: int = 31, informed: int = 8, population: int = 150, generations: int = 6,
        seed: int = 1) -> dict:
    """One fit of the problem with `proposal` (one of PROPOSALS): each generation's effective sample
    size, the simulations, the final epsilon, the truths inside their 5-95% intervals, the informed
    parameters' error, and the generation where every weight broke down (None if none did)."""
    import pyabc
    from pyabc.weighted_statistics import effective_sample_size, weighted_quantile

    from calibration.smc import transition

    names, truth, simulate, observed = problem(dimensions, informed, seed)
    prior = pyabc.Distribution(**{n: pyabc.RV("norm", 0.0, 1.0) for n in names})
    kernel = transition(names) if proposal == PROPOSALS[1] else pyabc.MultivariateNormalTransition()
    np.random.seed(seed)  # pyabc draws with numpy's global generator
    abc = pyabc.ABCSMC(simulate, prior, lambda a, b: float(np.abs(a["y"] - b["y"]).sum()),
                       population_size=population, transitions=kernel, sampler=pyabc.SingleCoreSampler())
    broke = None
    with tempfile.TemporaryDirectory() as tmp:
        history = abc.new(f"sqlite:///{tmp}/toy.db", observed)
        try:
            abc.run(max_nr_populations=generations)
        except AssertionError:  # pyabc's check of the weights: every proposal density underflowed to 0
            broke = history.max_t + 1
        kept = [history.get_distribution(t=t) for t in range(history.max_t + 1)]
        populations = history.get_all_populations()
    frame, weights = kept[-1]
    weights = np.asarray(weights)
    q = {a: np.array([weighted_quantile(frame[n].to_numpy(), weights, alpha=a) for n in names])
         for a in (0.05, 0.5, 0.95)}
    return {"ess": [float(effective_sample_size(np.asarray(w))) for _, w in kept],
            "simulations": int(populations["samples"].sum()), "epsilon": float(populations["epsilon"].iloc[-1]),
            "inside": int(((q[0.05] <= truth) & (truth <= q[0.95])).sum()),
            "error": float(np.sqrt(np.mean((q[0.5] - truth)[:informed] ** 2))), "broke": broke}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dimensions", type=int, default=31)
    ap.add_argument("--informed", type=int, default=8)
    ap.add_argument("--population", type=int, default=150)
    ap.add_argument("--generations", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not 0 < args.informed <= args.dimensions or args.population < 2 or args.generations < 1:
        sys.exit("need 0 < --informed <= --dimensions, --population >= 2 and --generations >= 1")
    import pyabc  # noqa: F401  (it sets its loggers to INFO when imported: quiet them after)

    logging.getLogger("ABC").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=RuntimeWarning)  # pyabc's, as the joint kernel's weights break
    print(f"{args.dimensions} parameters, {args.informed} informed; {args.population} particles, "
          f"{args.generations} generations, seed {args.seed}")
    for proposal in PROPOSALS:
        r = run(proposal, args.dimensions, args.informed, args.population, args.generations, args.seed)
        print(f"{proposal:22s} effective sample size {' '.join(f'{e:.0f}' for e in r['ess'])}; "
              f"{r['simulations']} simulations; final epsilon {r['epsilon']:.2f}; "
              f"truths inside 90% {r['inside']} of {args.dimensions}; informed error {r['error']:.2f}"
              + (f"; stopped in generation {r['broke']}: every weight not a number" if r["broke"] else ""))


if __name__ == "__main__":
    main()
