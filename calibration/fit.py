"""Pattern-oriented calibration: the migration pressure by inversion, behaviour by approximate
Bayesian computation (ABC), against several observed patterns at once.

1. Pressure inversion. The pressure (people who start to consider leaving, by nationality
   group, with the family and child shares) is an unobserved input with one knot a quarter,
   so it cannot follow a month-to-month swing: that has to come from decisions. Given
   behaviour, each knot is moved by the damped ratio of observed to simulated encounters of
   that group over the months it answers for (and of the family and child shares), and the
   model is run again; a few rounds bring the simulated levels and mix to the data's.
2. Behaviour by ABC rejection. Behaviour parameters are drawn from their prior ranges by a
   Latin hypercube (scipy.stats.qmc); for each draw, with common random numbers, the pressure
   is re-inverted one round and the model run again, and each draw is scored by its distance to
   the patterns that behaviour governs (the Title 42 share, the re-encounter share, the
   demographic mix, the share released, the sector split, MPP enrolments, appointments). The
   closest draws are the posterior sample: its median is the fit and its 5-95% range the
   uncertainty.
3. The pressure is inverted again at the fitted behaviour.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from calibration.patterns import GROUPS_COMPARED, errors, pattern_table
from calibration.priors import Uniform
from experiments.errors import ExperimentError
from experiments.runs import Result
from model.pressure import MIX, MIX_MAX, Pressure
from model.params import GROUPS as GROUPS_ALL
from model.model import BorderModel
from model.records import monthly
from model.scenario import Scenario
from model.values import parameter, split_key

PRIORS = {
    "behaviour.persistence": Uniform(0.0, 0.95, "how much the chance to try again counts (repeat crossing)"),
    "behaviour.home_value": Uniform(0.1, 1.0, "value of going home"),
    "behaviour.evade_cost": Uniform(0.05, 0.6, "cost of crossing to evade"),
    "behaviour.return_cost": Uniform(0.0, 0.3, "loss from a return to Mexico"),
    "behaviour.own_weight": Uniform(0.1, 0.9, "how far one's own outcome moves beliefs"),
    "behaviour.social_weight": Uniform(0.05, 0.6, "how far others' reports move beliefs"),
    "behaviour.patience_days": Uniform(20.0, 240.0, "days of waiting a traveller can afford"),
    "behaviour.journey_cost": Uniform(0.0, 0.6, "cost of the journey north"),
    "behaviour.send_child_cost": Uniform(0.2, 2.0, "cost to a family of sending a child alone"),
    "border_patrol.apprehension": Uniform(0.5, 0.95, "chance an evader is caught at normal presence"),
    "border_patrol.processing_load": Uniform(0.2, 5.0, "people an agent can process a day before the line thins"),
}
"""The behavioural parameters fitted by ABC, with the prior range each is drawn from."""

BEHAVIOUR_PATTERNS = {"title42_share": 2.0, "reencounter_share": 2.0, "family_share": 1.0, "uc_share": 1.0,
                      "release_share": 1.0, "transfer_share": 1.0, "mpp_enrollments": 1.0, "appointments": 1.0,
                      "sectors": 1.0, "gotaways": 1.0}
"""Weights of the patterns in the ABC distance ('sectors' is the mean over the nine sector shares;
'gotaways' is compared by fiscal year, with the known gotaways reported).
Encounter levels are left out: the inversion fits them, and at a fixed pressure they would favour
whatever behaviour suits that pressure rather than the data."""

KNOT_MOST = parameter("pressure", "knots").metadata["hi"]
"""The most people a day a knot may hold: an inversion round that asks for more (a draw whose behaviour
keeps almost everyone home) stops there, and the draw is judged by how poorly it then fits, instead of
the scenario refusing the knot and the whole fit stopping."""

RATIO_CLIP = (0.25, 4.0)
"""The most one inversion round may multiply a knot by: noise in one month cannot run away."""


@dataclass(frozen=True)
class Window:
    """The months fitted, inclusive (YYYY-MM)."""

    first: str
    last: str

    @property
    def start(self) -> dt.date:
        return dt.date.fromisoformat(f"{self.first}-01")

    @property
    def end(self) -> dt.date:
        period = pd.Period(self.last, freq="M")
        return period.end_time.date()

    def months(self) -> list[str]:
        return list(pd.period_range(self.first, self.last, freq="M").strftime("%Y-%m"))


def monthly_run(scenario: Scenario) -> pd.DataFrame:
    """One run's monthly table indexed by month (a pure function of the scenario)."""
    return monthly(BorderModel(scenario).run()).set_index("month")


def simulate(scenario: Scenario) -> pd.DataFrame:
    """One run's pattern table (a pure function of the scenario: safe in worker processes)."""
    return pattern_table(monthly_run(scenario))


def simulate_adjusted(scenario: Scenario, obs: pd.DataFrame, rounds: int) -> pd.DataFrame:
    """A run after `rounds` undamped inversion rounds of the scenario's own knots: the patterns of
    this behaviour at a pressure that suits it, not at one fitted to other behaviour."""
    for _ in range(rounds):
        knots = adjust_knots(scenario.pressure.knots, simulate(scenario), obs, 1.0)
        scenario = scenario.with_values({"pressure.knots": knots})
    return simulate(scenario)


@dataclass(frozen=True)
class Trial:
    """One calibration run: `scenario` simulated after `rounds` inversion rounds of its own knots
    against `obs` (see simulate_adjusted); `number` is its place among the runs asked for."""

    scenario: Scenario
    obs: pd.DataFrame | None = None
    rounds: int = 0
    number: int = 0

    @property
    def id(self) -> str:
        return f"calibration-{self.number}"


def run_trial(trial: Trial) -> Result:
    """The experiment backends' task for a Trial: its pattern table, or the error that stopped it."""
    try:
        return Result(trial.id, daily=simulate_adjusted(trial.scenario, trial.obs, trial.rounds))
    except Exception as err:  # noqa: BLE001 - reported by run_all with the run's place
        return Result(trial.id, error=" ".join(f"{type(err).__name__}: {err}".split()), trace=traceback.format_exc())


def run_all(scenarios: list[Scenario], workers: int = 1, progress: Callable[[], None] | None = None,
            obs: pd.DataFrame | None = None, adjust: int = 0, dask: str | None = None) -> list[pd.DataFrame]:
    """Each scenario's pattern table (after `adjust` inversion rounds against `obs`), in order. The
    runs go through the experiment backends, as every batch of runs does: this process, `workers`
    local processes, or Dask (`dask`: a scheduler's address, or 'local')."""
    from experiments.backends import WorkerLost, backend

    trials = [Trial(s, obs, adjust, n) for n, s in enumerate(scenarios)]
    tables: dict[str, pd.DataFrame] = {}
    try:
        with backend(workers, dask) as engine:
            for result in engine.results(trials, run_trial):
                if not result.ok:
                    raise ExperimentError(f"calibration run {result.run_id.split('-')[-1]} failed: {result.error}")
                tables[result.run_id] = result.daily
                if progress:
                    progress()
    except WorkerLost as err:
        raise ExperimentError(f"{err}; the fit stopped") from None
    return [tables[t.id] for t in trials]


# -- 1. the pressure ---------------------------------------------------------------------------
def quarterly_knots(scenario: Scenario, window: Window) -> list[dict]:
    """One knot on the 15th of the middle month of each quarter of the window (a short last
    quarter joins the one before), starting from the scenario's own pressure."""
    pressure = Pressure(scenario.pressure)
    months = window.months()
    quarters = [months[i:i + 3] for i in range(0, len(months), 3)]
    if len(quarters) > 1 and len(quarters[-1]) < 3:
        short = quarters.pop()
        quarters[-1] = quarters[-1] + short
    knots = []
    for quarter in quarters:
        date = dt.date.fromisoformat(f"{quarter[(len(quarter) - 1) // 2]}-15")
        knot = {"date": date, **{g: round(pressure.level(g, date), 1) for g in GROUPS_ALL}}
        knot.update({mix: round(pressure.level(mix, date), 3) for mix in MIX})
        knots.append(knot)
    return knots


def _ratio(obs: float, sim: float, floor: float) -> float:
    if not np.isfinite(obs) or not np.isfinite(sim):
        return 1.0
    return float(np.clip((obs + floor) / (sim + floor), *RATIO_CLIP))


def knot_months(knots: list[dict], months: list[str]) -> list[list[str]]:
    """The months each knot answers for: those nearest to it, and the month after them
    (people who start to consider leaving in a month are encountered in it and later)."""
    dates = [k["date"].toordinal() for k in knots]
    mine: list[list[str]] = [[] for _ in knots]
    for month in months:
        mid = dt.date.fromisoformat(f"{month}-15").toordinal()
        mine[int(np.argmin([abs(mid - d) for d in dates]))].append(month)
    return [ms + [months[months.index(ms[-1]) + 1]] if ms and ms[-1] != months[-1] else ms for ms in mine]


def adjust_knots(knots: list[dict], sim: pd.DataFrame, obs: pd.DataFrame, damping: float) -> list[dict]:
    """Each knot moved by the damped ratio of observed to simulated encounters of its groups
    (the model's chnv and other together, keeping their ratio) and of the family and child
    shares of encounters, over the months the knot answers for (see `knot_months`)."""
    both = [m for m in sim.index if m in obs.index]
    sim, obs = sim.loc[both], obs.loc[both]
    out = []
    for knot, months in zip(knots, knot_months(knots, both), strict=True):
        knot = dict(knot)
        if months:
            for column, groups in GROUPS_COMPARED.items():
                floor = 0.04 * float(obs[column].mean()) * len(months)
                r = _ratio(obs.loc[months, column].sum(), sim.loc[months, column].sum(), floor) ** damping
                for g in groups:
                    knot[g] = round(min(knot[g] * r, KNOT_MOST), 1)
            for mix in MIX:
                share = f"{mix}_share"
                r = _ratio(obs.loc[months, share].mean(), sim.loc[months, share].mean(), 0.01) ** damping
                knot[mix] = round(float(np.clip(knot[mix] * r, 0.02, MIX_MAX)), 3)
        out.append(knot)
    return smooth(out)


def smooth(knots: list[dict], weight: float = 0.25) -> list[dict]:
    """Pull each knot's log level a little toward its neighbours': what one noisy month says
    is shared with the months beside it."""
    if len(knots) < 3:
        return knots
    out = [dict(k) for k in knots]
    for key in (*GROUPS_ALL, *MIX):
        logs = np.log(np.array([k[key] for k in knots], dtype=float) + 1e-6)
        padded = np.concatenate([logs[:1], logs, logs[-1:]])
        smoothed = (1 - 2 * weight) * logs + weight * (padded[:-2] + padded[2:])
        for k, v in zip(out, np.exp(smoothed), strict=True):
            k[key] = round(float(v), 3 if key in ("family", "uc") else 1)
    return out


def invert_pressure(scenario: Scenario, obs: pd.DataFrame, window: Window, rounds: int = 5, damping: float = 0.8,
                  seeds: tuple[int, ...] = (1,), workers: int = 1, log: Callable[[str], None] = print,
                  knots: list[dict] | None = None, dask: str | None = None) -> tuple[Scenario, pd.DataFrame]:
    """The scenario with quarterly pressure knots fitted to the observed encounter levels and mix.

    Each round runs the model once per seed and moves the knots by the mean of the runs.
    Returns the round's scenario that came closest (noise can make a later round worse) and a
    table of the errors of every round, with the one returned marked `chosen`."""
    scenario = scenario.with_values({"run.start": window.start, "run.end": window.end})
    knots = knots or quarterly_knots(scenario, window)
    history, trials = [], []
    for r in range(rounds + 1):
        trials.append(scenario.with_values({"pressure.knots": knots}))
        sims = run_all([trials[-1].with_values({"run.seed": s}) for s in seeds], workers, dask=dask)
        sim = sum(sims) / len(sims)
        err = errors(sim, obs, (window.first, window.last))
        history.append({"round": r, "pressure_error": pressure_error(err), **err.to_dict()})
        log(f"pressure round {r}: encounters USBP {err['encounters_usbp']:.3f}, OFO {err['encounters_ofo']:.3f}, "
            f"family share {err['family_share']:.3f} (mean abs log ratio)")
        if r < rounds:
            knots = adjust_knots(knots, sim, obs, damping)
    table = pd.DataFrame(history)
    best = int(table["pressure_error"].idxmin())
    table["chosen"] = table.index == best
    return trials[best], table


def pressure_error(err: pd.Series) -> float:
    """What the inversion aims at: the groups' encounter levels and the family and child shares."""
    return float(err[[*GROUPS_COMPARED, "family_share", "uc_share"]].mean())


# -- 2. behaviour ------------------------------------------------------------------------------
def distance(sim: pd.DataFrame, obs: pd.DataFrame, window: Window) -> float:
    """Weighted mean of the patterns' mean absolute log ratios (see BEHAVIOUR_PATTERNS)."""
    err = errors(sim, obs, (window.first, window.last))
    sectors = err[[c for c in err.index if c.startswith("sector_share_")]]
    parts = {**err.to_dict(), "sectors": float(sectors.mean()) if len(sectors) else np.nan}
    total = weight = 0.0
    for name, w in BEHAVIOUR_PATTERNS.items():
        v = parts.get(name, np.nan)
        if np.isfinite(v):
            total, weight = total + w * v, weight + w
    return total / weight if weight else np.inf


def draw(priors: dict, samples: int, seed: int) -> pd.DataFrame:
    """A Latin hypercube of `samples` draws from the priors (each column through its prior's quantiles)."""
    unit = qmc.LatinHypercube(d=len(priors), rng=np.random.default_rng(seed)).random(samples)
    return pd.DataFrame({k: [prior.ppf(float(u)) for u in unit[:, i]] for i, (k, prior) in enumerate(priors.items())})


def abc(scenario: Scenario, obs: pd.DataFrame, window: Window, priors: dict = PRIORS, samples: int = 40,
        accept: float = 0.25, seed: int = 1, workers: int = 1, progress: Callable[[], None] | None = None,
        adjust: int = 1, dask: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ABC rejection: every draw with its distance, and the posterior summary of the accepted ones.

    Each draw's pressure is first re-inverted `adjust` rounds (see simulate_adjusted), so that a
    draw is not judged by a pressure fitted to other behaviour."""
    table = draw(priors, samples, seed)
    trials = [scenario.with_values({k: _typed(scenario, k, v) for k, v in row.items()})
              for row in table.to_dict("records")]
    sims = run_all(trials, workers, progress, obs, adjust, dask)
    table["distance"] = [distance(s, obs, window) for s in sims]
    n = max(2, int(round(accept * samples)))
    table["accepted"] = table["distance"].rank(method="first") <= n
    post = table[table["accepted"]]
    medoid = post.loc[medoid_index(post, priors)]
    summary = pd.DataFrame({
        "parameter": list(priors),
        "fitted": [float(medoid[k]) for k in priors],  # the ABC's own point; `calibrate` may pick another
        "medoid": [float(medoid[k]) for k in priors],
        "median": [float(post[k].median()) for k in priors],
        "closest": [float(post.loc[post["distance"].idxmin(), k]) for k in priors],
        "q05": [float(post[k].quantile(0.05)) for k in priors],
        "q95": [float(post[k].quantile(0.95)) for k in priors],
        "prior_lo": [v.range[0] for v in priors.values()],
        "prior_hi": [v.range[1] for v in priors.values()],
        "what": [v.what for v in priors.values()],
    })
    return table, summary


def _typed(scenario: Scenario, key: str, value: float):
    """`value` as the scenario holds the parameter `key` (section.field, or section.field.entry of a
    table): a whole number where it is one."""
    section, name, entry = split_key(key)
    current = getattr(scenario.sections[section], name)
    if entry is not None:
        current = current[entry]
    return int(round(value)) if isinstance(current, int) and not isinstance(current, bool) else float(value)


def medoid_index(post: pd.DataFrame, priors: dict):
    """The accepted draw nearest the accepted draws' medians, each parameter measured in units of its
    prior's range: a set of values that fit together (the medians, one parameter at a time, need not)
    and that is not picked for one lucky run (as the single closest draw would be)."""
    span = {k: (v.range[1] - v.range[0]) or 1.0 for k, v in priors.items()}
    gap = sum(((post[k] - post[k].median()) / span[k]) ** 2 for k in priors)
    return gap.idxmin()


def fitted_values(summary: pd.DataFrame, scenario: Scenario, column: str = "fitted") -> dict:
    """One column of the summary (the fitted values, or another candidate) as scenario values,
    rounded to what the data can tell apart."""
    return {p: _typed(scenario, p, float(f"{v:.3g}")) for p, v in zip(summary["parameter"], summary[column], strict=True)}


POINTS = ("medoid", "median", "closest")
"""Candidate point estimates from the accepted draws: the draw nearest the medians (`medoid_index`),
the medians one parameter at a time, and the closest draw."""


def overall(sim: pd.DataFrame, obs: pd.DataFrame, window: Window) -> float:
    """What picks among the candidates once each has its own pressure: the behaviour distance plus
    the mean error of the USBP and OFO encounter levels."""
    err = errors(sim, obs, (window.first, window.last))
    return distance(sim, obs, window) + float(err[["encounters_usbp", "encounters_ofo"]].mean())
