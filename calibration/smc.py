"""ABC-SMC (pyabc) over named scenario parameters, against all the patterns at once.

Unlike the inversion + ABC rejection of `calibration.fit`, nothing is matched by construction:
the parameters of the migration pressure (a smooth path a nationality group, drawn from a random-walk
prior: `calibration.smooth_pressure`) and of behaviour are drawn together from their priors
(`calibration.priors`), and encounter levels are summary statistics in the distance like every share.

Summary statistics, their weights and the simulator: `calibration.simulation`.

Proposal: each generation draws every parameter from its own one-dimensional kernel density of the
last generation's particles (pyabc's AggregatedTransition of one MultivariateNormalTransition a
parameter: `transition`), not from one kernel density over all of them together. Why: a particle's
importance weight is prior over proposal density, and a kernel density in some thirty dimensions, fitted
to a population of a hundred or so, is rough wherever the data say little: its log density varies about
as much as a chi-square with as many degrees of freedom, and the weights fall on one or two particles.
A product of one-dimensional kernel densities is smooth in each direction, so where the data say little
the weights stay even, and it is still a proper proposal (correlations between parameters are left to
the accept step). Measured on a Gaussian problem of 31 parameters, 8 of them informed
(`benchmarks/smc_proposal.py`, 150 particles): the effective sample sizes of the generations after the
first were 4, 2, 2, 1 with the joint kernel (then no usable weight at all) and 64, 53, 8, 8, 15 with the
marginal ones.

Weights: pyabc's AdaptivePNormDistance divides each statistic by its spread (median absolute
deviation) across each generation's simulations, rejected ones included (the accepted ones only with early
rejection, `calibration.early_rejection`: a run stopped early has no later months), so every statistic is measured in
units of its own variability; on top come the fixed weights of `calibration.simulation.PATTERN_WEIGHTS`.
Epsilon is pyabc's median of the last generation's distances.

pyabc is imported only inside the functions that use it: `borderflow run` never loads it.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import sector_routes, smooth_pressure
from calibration.fit import PRIORS, Window, _typed
from calibration.kept_runs import KeptRuns, sampler_for
from calibration.priors import Uniform
from calibration.simulation import Simulator, derived, observed_statistics, series_weight
from experiments.errors import ExperimentError
from model.params import GROUPS
from model.scenario import Scenario
from model.values import ScenarioError, split_key

DATABASE = "smc.db"
"""The pyabc database's file name in the output folder."""


def posterior_draws(path: Path | str, scenario: Scenario, draws: int, seed: int = 1) -> list[dict[str, float]]:
    """`draws` parameter sets resampled by weight (systematic resampling, reproducible from `seed`)
    from a posterior table (`calibrate --method smc` writes it: a column per parameter and `weight`).
    Raises ValueError, one line, for a table that is not such a posterior of this scenario."""
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise ValueError(f"cannot read the posterior {path}: {' '.join(str(err).split())}") from None
    if "weight" not in table.columns or len(table) == 0:
        raise ValueError(f"{path} is not a posterior: it needs a 'weight' column and at least one row")
    names = [c for c in table.columns if c != "weight"]
    if not names:
        raise ValueError(f"{path} is not a posterior: it has no parameter columns")
    try:
        check_names(scenario, names)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    weight = pd.to_numeric(table["weight"], errors="coerce").to_numpy()
    values = table[names].apply(pd.to_numeric, errors="coerce").to_numpy()
    if not (np.isfinite(weight).all() and (weight >= 0).all() and weight.sum() > 0 and np.isfinite(values).all()):
        raise ValueError(f"{path}: every weight must be a number >= 0, not all 0, and every value a number")
    cumulative = np.cumsum(weight / weight.sum())
    points = (np.random.default_rng(seed).random() + np.arange(draws)) / draws
    rows = np.minimum(np.searchsorted(cumulative, points, "right"), len(table) - 1)
    return [dict(zip(names, values[r].tolist(), strict=True)) for r in rows]


def default_priors(scenario: Scenario, window: Window, every: int) -> dict:
    """What `calibrate --method smc` fits unless told otherwise: the smooth pressure (anchors `every`
    months apart), the behaviour of `calibration.fit.PRIORS` and a multiplier of each sector's route weights."""
    return {**smooth_pressure.priors(scenario, window, every), **PRIORS, **sector_routes.priors()}


EVERY_SECTOR = "route_weights"
"""What `choose_priors` takes for every sector's multiplier at once."""


def choose_priors(priors: dict, added: dict, held: list[str]) -> dict:
    """`priors` (the defaults) without the `held` ones, which keep the starting point's values
    (`EVERY_SECTOR` for every sector's multiplier), and with the `added` ones, new or in place of a
    default: so an analyst can fit a number the defaults leave alone (a claim mean, the noise of
    choices) or hold one the data cannot tell. The smooth pressure follows from its anchors and is not
    chosen one key at a time. ValueError, one line, for a key that cannot be held or added."""
    out = dict(priors)
    for key in held:
        keys = [k for k in priors if sector_routes.is_key(k)] if key == EVERY_SECTOR else [key]
        if smooth_pressure.is_key(key) or not all(k in priors for k in keys):
            kept = [k for k in priors if not smooth_pressure.is_key(k) and not sector_routes.is_key(k)]
            raise ValueError(f"--hold {key}: not one of the parameters fitted by default besides the smooth pressure: "
                             f"{', '.join(kept)}, route_weights.SECTOR, or {EVERY_SECTOR} for every sector")
        for k in keys:
            out.pop(k)
    for key, prior in added.items():
        if smooth_pressure.is_key(key):
            raise ValueError(f"--prior {key}: the smooth pressure's priors follow from its anchors (--pressure-every)")
        holding = key if key in held else EVERY_SECTOR if sector_routes.is_key(key) and EVERY_SECTOR in held else None
        if holding:
            raise ValueError(f"--prior {key} and --hold {holding}: a parameter is either fitted or held")
        out[key] = prior
    return out


def described(priors: dict) -> dict[str, str]:
    """Each prior in words, as a run's database records them: a resumed run must draw from the same."""
    return {key: prior.describe() for key, prior in priors.items()}


def recorded_priors(history) -> dict[str, str] | None:
    """The priors a run's database records (`described`), or None for a database that records none."""
    import ast

    try:
        options = ast.literal_eval(history.get_abc().json_parameters)
    except (ValueError, SyntaxError):
        return None
    return options.get("priors") if isinstance(options, dict) else None


def check_priors(scenario: Scenario, priors: dict) -> None:
    """Every key a parameter the fit can draw (`check_names`), every prior a proper one, and the prior
    of a scenario value within the value's valid range (so uniform: a normal one's draws could leave it)."""
    check_names(scenario, list(priors))
    for key, prior in priors.items():
        problem = prior.problem()
        if problem:
            raise ValueError(f"the prior of '{key}' is wrong: {problem}")
        if derived(key):
            continue
        if not isinstance(prior, Uniform):
            raise ValueError(f"the prior of '{key}' is {prior.describe()}, whose draws could leave the value's "
                             f"valid range: give it a uniform one")
        for bound in prior.range:
            try:
                scenario.with_values({key: _typed(scenario, key, bound)})
            except ScenarioError as err:
                raise ValueError(f"the prior of '{key}' reaches outside the value's valid range: {err}") from None


def check_names(scenario: Scenario, keys: list[str]) -> None:
    """Every key a numeric scenario value (or a number in a table: section.field.entry) that no timeline
    event sets, a parameter of the smooth pressure (one path a group, on common anchors) or a sector's
    multiplier of the route weights; a constant pressure level only where nothing sets knots (knots
    override the constant levels): neither the scenario nor the smooth pressure. ValueError, one line,
    if not."""
    walk = smooth_pressure.parse(keys)
    sector_routes.check(keys)
    for key in keys:
        if derived(key):
            continue
        section, name, entry = split_key(key)  # ScenarioError, a ValueError, names what is wrong
        value = getattr(scenario.sections[section], name)
        if entry is not None:  # one entry of a table by group (or by kind), e.g. pressure.claim_mean.mx
            if entry not in value:
                raise ValueError(f"unknown parameter '{key}': '{section}.{name}' has {', '.join(value)}")
            value = value[entry]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"parameter '{key}' is not a number")
        if any(name in event.changes.get(section, {}) for event in scenario.timeline):
            raise ValueError(f"'{key}' is a lever the scenario's timeline sets on its dates: a fit cannot draw it")
        if scenario.knots_override(key):
            raise ValueError(f"'{key}' is a constant level, but the scenario's pressure follows knots")
        if section == "pressure" and name in GROUPS and walk:
            raise ValueError(f"'{key}' is a constant level, but the smooth pressure's parameters set knots")


SCALES = {
    "mad": "the median absolute deviation of the generation's simulations (pyabc's `mad`)",
    "pcmad": "that plus their median absolute deviation from the observed value, unless more than a third of the "
             "statistics are over twice as far from it as they spread (pyabc's `pcmad`; Schälte et al. 2021)",
    "cmad": "the same sum always, however many statistics are off (pyabc's `cmad`)",
}
"""How the distance measures each statistic's spread, by name (the names are pyabc's functions)."""

_fitting = False
"""True while `smc` runs: the worker processes pyabc forks then stop quietly on Ctrl-C or SIGTERM."""


def _quiet_worker() -> None:
    """In a worker forked during a fit: Ctrl-C and SIGTERM end it at once, as they end the fit (which
    says so in one line), instead of raising where it happens to be and printing a traceback."""
    if _fitting:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


os.register_at_fork(after_in_child=_quiet_worker)


def interruption(err: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM behind `err`, if it was raised while pyabc tidied up after one: a stop that
    lands while a generation is being written leaves pyabc's database session unusable, and pyabc's own
    clean-up then fails with a database error in place of the stop. The stop is what happened (the
    database keeps the generations written before it, as sqlite writes each at once or not at all)."""
    seen = err.__context__
    while seen is not None and not isinstance(seen, KeyboardInterrupt):
        seen = seen.__context__
    return seen


def kept_generations(database: Path) -> int:
    """Generations an ABC-SMC database holds: 0 for none, for no database, and for one whose run was
    stopped before pyabc recorded it (its tables made, perhaps not yet its version row, no run in them) or
    before its first generation. It may be read while pyabc is creating the database."""
    if not database.is_file():
        return 0
    import pyabc

    try:
        last = pyabc.History(f"sqlite:///{database}").max_t  # None with no run in it
    except AssertionError as err:  # pyabc's version check: its tables made, its version row not yet
        if "has version 0" not in str(err):  # written (a database being created, or stopped then)
            raise
        return 0
    return 0 if last is None else last + 1


def transition(keys):
    """The proposal (see the module's docstring): a one-dimensional kernel density a parameter, each
    with pyabc's default bandwidth (Silverman's rule, on the particles' weighted variance)."""
    import pyabc

    return pyabc.AggregatedTransition({(k,): pyabc.MultivariateNormalTransition() for k in keys})


def smc(scenario: Scenario, obs: pd.DataFrame, window: Window, priors: dict, out: Path | str,
        population: int = 50, generations: int = 5, max_simulations: float = np.inf, min_epsilon: float = 0.0,
        seed: int = 1, workers: int = 1, dask: str | None = None, p: float = 1.0, scale: str = "mad", early_rejection: bool = False,
        log: Callable[[str], None] = print) -> dict:
    """ABC-SMC of `priors` (key -> `calibration.priors.Uniform` or `Normal`) against `obs` (a pattern
    table) over `window`.

    The run is kept in DIR/smc.db; if that already holds one, it is continued (to `generations`
    generations in all, `max_simulations` simulations in all) instead of started over. It stops at
    whichever comes first of those and `min_epsilon`. On local workers the fit is reproducible (the
    same seed gives the same posterior, whatever `workers`), and each simulation is kept in DIR as it
    ends, so a fit stopped inside a generation runs none of them again (`calibration.kept_runs`). With `early_rejection` a simulation stops as
    soon as it cannot be accepted, and the distance's scales come from the accepted simulations
    (`calibration.early_rejection`); without, every simulation runs to the end and the scales come from
    all of them. `scale` is how a statistic's spread is measured (SCALES).
    Returns the posterior (parameters and weight), its summary and the run's record."""
    import pyabc
    from pyabc import distance as distances
    from pyabc.epsilon import QuantileEpsilon

    from calibration.early_rejection import EarlyRejection
    from experiments.backends import Dask

    check_priors(scenario, priors)
    if scale not in SCALES:
        raise ValueError(f"unknown scale '{scale}': choose one of {', '.join(SCALES)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    db = out / DATABASE
    observed = observed_statistics(obs, window)
    if not observed:
        raise ValueError(f"no observed pattern in {window.first} .. {window.last}")
    keys = sorted(observed)
    prior = pyabc.Distribution(**{k: v.rv() for k, v in priors.items()})
    distance = distances.AdaptivePNormDistance(p=p, scale_function=getattr(distances, scale),
                                               all_particles_for_scale=not early_rejection,
                                               fixed_weights={k: series_weight(k.split(":")[0]) for k in keys})
    simulator = Simulator(scenario, window, keys, seed)
    if not dask and not early_rejection:  # (a Dask worker may not see this directory; a stopped run has no statistics)
        simulator.kept = KeptRuns(out, simulator.settings())
    np.random.seed(seed % 2**32)  # pyabc draws from the prior and the kernels with numpy's global generator
    backend = Dask(dask, workers if workers > 1 else None) if dask else None
    try:
        client = backend.__enter__().client if backend else None
        model = EarlyRejection(simulator) if early_rejection else simulator
        abc = pyabc.ABCSMC(model, prior, distance, population_size=population,
                           eps=QuantileEpsilon(alpha=0.5), sampler=sampler_for(workers, seed, client),
                           transitions=transition(list(priors)))
        url = f"sqlite:///{db}"
        resumed = kept_generations(db) > 0
        if resumed:
            history = abc.load(url, abc_id=1)
            drawn = set(history.get_distribution(m=0, t=history.max_t)[0].columns)
            if drawn != set(priors):
                odd = sorted(drawn ^ set(priors))[0]
                raise ExperimentError(f"the run in {DATABASE} fits other parameters ('{odd}' is in one set, not "
                                      f"the other): continue it with the settings it was made with")
            made, now = recorded_priors(history), described(priors)
            for key in sorted(k for k in now if made is not None and made.get(k) != now[k]):
                raise ExperimentError(f"the run in {DATABASE} draws '{key}' from {made.get(key)}, not {now[key]}: "
                                      f"continue it with the settings it was made with")
            log(f"continuing the run in {DATABASE} after generation {history.max_t}")
        else:
            db.unlink(missing_ok=True)
            history = abc.new(url, observed, meta_info={"priors": described(priors)})
            log(f"{len(priors)} parameters, {len(keys)} statistics: {population} simulations from the prior first")
        report_generations(history, log)
        left = generations - (history.max_t + 1)
        if left > 0 and history.total_nr_simulations < max_simulations:
            global _fitting
            _fitting = True
            try:
                history = abc.run(minimum_epsilon=min_epsilon, max_nr_populations=left,
                                  max_total_nr_simulations=max_simulations)
            except Exception as err:
                stop = interruption(err)
                if stop is None:
                    raise
                raise stop from None
            finally:
                _fitting = False
    finally:
        if backend:
            backend.__exit__(None, None, None)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    posterior = frame[list(priors)].reset_index(drop=True).assign(weight=np.asarray(weights))
    return {"posterior": posterior, "summary": summarise(posterior, priors), "record": record(history, resumed)}


def report_generations(history, log: Callable[[str], None]) -> None:
    """A line for each generation as it is written, since a fit runs for hours and the command silences
    pyabc's own lines: accepted of simulated, epsilon, effective sample size, simulations in all and the
    generation's time. It wraps the history's `append_population`, where pyabc hands over each
    finished generation."""
    from pyabc.weighted_statistics import effective_sample_size

    append = history.append_population

    def append_and_report(t, current_epsilon, population, nr_simulations, model_names, **kwargs):
        append(t, current_epsilon, population, nr_simulations, model_names, **kwargs)
        accepted = len(population)
        ess = effective_sample_size(np.asarray(population.get_weighted_distances()["w"]))
        took = f" ({kwargs['wall_time']:.0f} s)" if kwargs.get("wall_time") is not None else ""
        log(f"generation {t}{took}: {accepted} of {nr_simulations} simulations accepted, epsilon "
            f"{current_epsilon:.4g}, effective sample size {ess:.1f}; "
            f"{history.total_nr_simulations} simulations in all")

    history.append_population = append_and_report


def summarise(posterior: pd.DataFrame, priors: dict) -> pd.DataFrame:
    """Weighted median and 5% and 95% quantiles of each parameter, beside its prior and the prior's range
    (a uniform's bounds, a normal's 5-95%: `calibration.priors`)."""
    from pyabc.weighted_statistics import weighted_quantile

    w = posterior["weight"].to_numpy()
    rows = []
    for key, prior in priors.items():
        x = posterior[key].to_numpy()
        q05, median, q95 = (weighted_quantile(x, w, alpha=a) for a in (0.05, 0.5, 0.95))
        rows.append({"parameter": key, "median": median, "q05": q05, "q95": q95, "prior": prior.describe(),
                     "prior_lo": prior.range[0], "prior_hi": prior.range[1], "what": prior.what})
    return pd.DataFrame(rows)


def point(posterior: pd.DataFrame) -> dict[str, float]:
    """The fit's values: each parameter's weighted posterior median, except the smooth pressure's, whose
    path goes through the median of each anchor's log level (the steps' medians added up need not: a
    level the data fix well can come from a high start and low steps, or the other way round)."""
    from pyabc.weighted_statistics import weighted_quantile

    w = posterior["weight"].to_numpy()
    names = [c for c in posterior.columns if c != "weight"]
    out = {k: float(weighted_quantile(posterior[k].to_numpy(), w, alpha=0.5)) for k in names}
    for anchors in smooth_pressure.parse(names).values():
        keys = [k for _, k in anchors]
        logs = posterior[keys].cumsum(axis=1).to_numpy()
        medians = [float(weighted_quantile(logs[:, i], w, alpha=0.5)) for i in range(len(keys))]
        out.update(zip(keys, [medians[0], *np.diff(medians).tolist()], strict=True))
    return out


def record(history, resumed: bool) -> dict:
    """Simulations, acceptance rate (accepted over simulated, in all and in the last generation),
    effective sample size of the last population, final epsilon and generations."""
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    last = pops.iloc[-1]
    _, weights = history.get_distribution(m=0, t=history.max_t)
    return {"generations": int(history.max_t + 1), "simulations": int(history.total_nr_simulations),
            "acceptance_rate": float(pops["particles"].sum() / pops["samples"].sum()),
            "last_acceptance_rate": float(last["particles"] / last["samples"]),
            "ess": float(effective_sample_size(np.asarray(weights))), "epsilon": float(last["epsilon"]),
            "resumed": resumed}
