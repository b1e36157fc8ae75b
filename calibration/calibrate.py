"""`borderflow calibrate`: fit the historical scenario through a month and write the fit as a
scenario file (pressure knots and behaviour, with the fit's date, window and uncertainty).

The shipped fits live in `experiments/scenarios/fits/`: `historical` extends the fit through
May 2024; `borderflow validate` also uses the fit through May 2023 for its held-out check.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import tomli_w

from calibration import fit, sector_routes, smooth_pressure
from calibration.patterns import observed_patterns
from model.scenario import SCENARIO_DIR, Scenario, from_dict, load

FITS_DIR = SCENARIO_DIR / "fits"
HISTORICAL = SCENARIO_DIR / "historical.toml"
FITTED_SECTIONS = ("pressure", "behaviour", "border_patrol", "geography")


def fit_path(through: str) -> Path:
    return FITS_DIR / f"through-{through}.toml"


def posterior_path(fit: Path | str) -> Path:
    """Where a fit's posterior (`calibrate --method smc`'s posterior.csv) is shipped: beside its
    fit file, as through-MONTH.posterior.csv."""
    fit = Path(fit)
    return fit.with_name(f"{fit.stem}.posterior.csv")


def historical_with_fit(path: Path | str) -> Scenario:
    """The `historical` scenario (timeline, settings and forecast rule) on top of another fit."""
    data = tomllib.loads(HISTORICAL.read_text(encoding="utf-8"))
    data.pop("extends", None)
    return from_dict(data, HISTORICAL.name, base=load(str(path)))


def starting_point(through: str) -> Scenario:
    """What a fit through `through` starts from (the inversion's first knots, the centre of ABC-SMC's
    pressure prior): the shipped fit through the same month, under `historical`'s timeline, if there is
    one, else `historical` itself, which extends the fit through May 2024. A held-out fit so reads
    nothing from the months it is checked on."""
    path = fit_path(through)
    return historical_with_fit(path) if path.exists() else load("historical")


def fit_meta(path: Path | str) -> dict:
    """The [meta] table of a fit file: when it was made, on which months, and how."""
    meta = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("meta", {})
    return meta if isinstance(meta, dict) else {}  # a scenario's loader ignores [meta]: so may its reader


def calibrate(base: Scenario, window: fit.Window, obs: pd.DataFrame | None = None, samples: int = 40,
              accept: float = 0.25, rounds: int = 5, scale: int = 60, seed: int = 1, workers: int = 1,
              priors: dict = fit.PRIORS, log: Callable[[str], None] = print,
              progress: Callable[[], None] | None = None, dask: str | None = None) -> dict:
    """Pressure inversion, ABC on behaviour, inversion again; returns everything the report needs.
    The runs go to this process, `workers` local processes or Dask (`dask`), as a batch's do."""
    obs = observed_patterns() if obs is None else obs
    obs = obs.loc[window.first:window.last]
    base = base.with_values({"run.scale": scale, "run.seed": seed})
    log(f"1/3 inverting the pressure at the starting behaviour ({rounds} rounds)")
    first, start = fit.invert_pressure(base, obs, window, rounds=rounds, workers=workers, log=log, dask=dask)
    log(f"2/3 ABC over {len(priors)} behaviour parameters ({samples} draws)")
    draws, summary = fit.abc(first, obs, window, priors, samples, accept, seed, workers, progress, dask=dask)
    # Three candidate point estimates, each with the pressure inverted again at its behaviour; the one
    # whose run comes closest to the data, levels included, is the fit.
    tried = {}
    for point in fit.POINTS:
        log(f"3/3 inverting the pressure at the {point} behaviour")
        chosen = first.with_values(fit.fitted_values(summary, first, point))
        final, history = fit.invert_pressure(chosen, obs, window, rounds=rounds, workers=workers, log=log,
                                             knots=first.pressure.knots, dask=dask)
        sim = fit.simulate(final)
        tried[point] = (fit.overall(sim, obs, window), final, history.assign(stage=f"after ABC ({point})"), sim)
    point = min(tried, key=lambda p: tried[p][0])
    score, final, _, sim = tried[point]
    summary = summary.assign(fitted=summary[point])
    history = pd.concat([start.assign(stage="before ABC"), *(t[2] for t in tried.values())], ignore_index=True)
    return {"scenario": final, "draws": draws, "summary": summary, "inversion": history, "point": point,
            "scores": {p: round(t[0], 4) for p, t in tried.items()}, "distance": fit.distance(sim, obs, window)}


def fit_document(result: dict, window: fit.Window, settings: dict) -> dict:
    """The fit of `calibrate` (inversion and rejection ABC) as a scenario file (see `scenario_document`)."""
    return scenario_document(result["scenario"], result["summary"], window, {
        "method": "pressure inversion (quarterly knots) + ABC rejection on behaviour (Latin hypercube)",
        **settings,
        "distance": round(float(result["distance"]), 4),
        "point": result["point"],
        "point_scores": result["scores"],
    })


def scenario_document(scenario: Scenario, summary: pd.DataFrame, window: fit.Window, meta: dict) -> dict:
    """A fit as a scenario file: the fitted values alone, on the model's defaults (it extends nothing:
    the named regimes are forks of `historical`, which extends the fit), and the pressure's knots; its
    [meta] says when, on which months and how (`meta`), and each parameter's 5-95% range. A parameter
    that is not a scenario value is in what it makes and in [meta] only: the smooth pressure's in the
    knots, a sector's multiplier in the route weights (the whole table)."""
    doc = {"meta": {
        "fitted_on": dt.date.today().isoformat(),
        "data_window": f"{window.first} .. {window.last}",
        **meta,
        "uncertainty": {row.parameter: [round(row.q05, 4), round(row.q95, 4)] for row in summary.itertuples()},
    }}
    fitted = {row.parameter for row in summary.itertuples() if not smooth_pressure.is_key(row.parameter)}
    # A table's entry (section.field.entry) is written as its whole table.
    where = {key: ("geography", "route_weights") if sector_routes.is_key(key) else tuple(key.split(".")[:2])
             for key in fitted}
    for section in dict.fromkeys([*FITTED_SECTIONS, *(sec for sec, _ in where.values())]):
        values = {}
        for key in fitted:
            sec, name = where[key]
            if sec == section:
                values[name] = getattr(scenario.sections[sec], name)
        if section == "pressure":
            values["knots"] = scenario.pressure.knots
        if values:
            doc[section] = dict(sorted(values.items()))
    return doc


def write_fit(doc: dict, path: Path) -> None:
    header = ("# A fit of the historical scenario written by `borderflow calibrate`; see [meta] for when, on\n"
              "# which months and how. Knots are people per day who start to consider leaving (family, uc: share multipliers).\n")
    path.write_text(header + tomli_w.dumps(doc), encoding="utf-8")
