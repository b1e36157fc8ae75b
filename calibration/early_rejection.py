"""Early rejection: a fit's simulation is stopped as soon as it can no longer be accepted.

ABC-SMC accepts a simulation if its distance to the data is at most the generation's epsilon. The
distance (`calibration.smc`, `calibration.simulation`) is a weighted sum over months of each
statistic's absolute difference from the observed one, every term at least 0, and a month's statistics
depend on that month's days alone. So after each few months the months done so far give a lower bound
of the whole run's distance: the distance with every later statistic set to the observed value. Once
that bound is above epsilon, the rest of the run cannot bring it back, and the run stops there. Which
draws are accepted is what it would have been with every run carried to the end; only the days a
rejected run would still have cost are saved. Those are few on the real data (8% of the days on
`benchmarks/smc_early_rejection.py`'s fit), since a rejected run's distance mostly passes epsilon only
in its last months, so a fit uses this only when asked (`smc(early_rejection=True)`,
`calibrate --early-rejection`).

A run stopped early has no statistics for its later months, so the distance's scales (pyabc's
adaptive p-norm, one median absolute deviation a statistic) are taken from the accepted runs of a
generation rather than from every run (`all_particles_for_scale=False` in `calibration.smc.smc`).

Imports pyabc: import this module only where a fit runs.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyabc

CHECK_EVERY = 3
"""Months between looks at a run's distance so far: a look costs a few milliseconds, a month of a run
a few hundred."""


class EarlyRejection(pyabc.Model):
    """A pyabc model around `calibration.simulation.Simulator` that runs a draw a few months at a time and
    stops it once its distance so far is above epsilon. A draw that runs to the end is accepted or
    not by the acceptor exactly as with the plain simulator, with the same statistics. `checked`
    and `days` count, in this process, the runs looked at and the days they ran (for measuring)."""

    def __init__(self, simulator, every: int = CHECK_EVERY):
        super().__init__("borderflow")
        self.simulator, self.every = simulator, every
        self.runs = self.stopped = self.days = 0

    def sample(self, pars):
        return self.simulator(pars)

    def accept(self, t, pars, sum_stat_calculator, distance_calculator, eps_calculator, acceptor, x_0):
        eps = eps_calculator(t)
        simulator, model = self.simulator, self.simulator.begin(pars)
        self.runs += 1
        if np.isfinite(eps):
            for bound in self.bounds(model, t, pars, distance_calculator, x_0):
                if bound > eps:
                    self.stopped += 1
                    self.days += model.day
                    return pyabc.ModelResult(distance=bound, accepted=False)
        result = pyabc.ModelResult(sum_stat=simulator.summary(model.run()))
        self.days += model.day
        verdict = acceptor(distance_function=distance_calculator, eps=eps_calculator, x=result.sum_stat, x_0=x_0,
                           t=t, par=pars)
        result.distance, result.accepted, result.weight = verdict.distance, verdict.accept, verdict.weight
        return result

    def bounds(self, model, t, pars, distance, x_0):
        """Run `model` a stretch at a time; after each, the distance of the months run so far (every later
        statistic at its observed value): rising, and never above the whole run's."""
        simulator, so_far = self.simulator, dict(x_0)
        for since, until, months in checkpoints(simulator.scenario.run.start, simulator.months, self.every):
            model.run(until=until)
            so_far.update(simulator.summary(model.daily(since), months))
            yield distance(so_far, x_0, t, pars)


def checkpoints(start: dt.date, months: list[str], every: int) -> list[tuple[int, int, list[str]]]:
    """Where a run is looked at: after each stretch of `every` months but the one that ends the window
    (a run's end is looked at anyway), the stretch's first day and the day after its last, counted
    from the run's `start`, and its months."""
    return [((first_day(months[i]) - start).days, (first_day(months[i + every]) - start).days, months[i:i + every])
            for i in range(0, len(months) - every, every)]


def first_day(month: str) -> dt.date:
    return dt.date.fromisoformat(f"{month}-01")
