"""`borderflow validate`: the fitted model against the data, over replicate seeds, and its
forecast past the data window.

Two fits are checked. The fit through May 2024 (the one `historical` uses) is compared with
every pattern over the whole window and gives the forecast for June 2024 – August 2025. The
fit through May 2023 is run on to May 2024 with its pressure extrapolated by the scenario's
rule, and compared with the twelve months it never saw: the held-out check.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from calibration.calibrate import fit_meta, fit_path, historical_with_fit, posterior_path  # noqa: E402
from calibration.patterns import (  # noqa: E402
    LEVELS, PATTERNS, YEARLY, errors, log_ratio, observed_long, observed_patterns, pattern_table, seed_to_seed,
    skill,
)
from calibration.window import FIRST_MONTH, LAST_MONTH  # noqa: E402
from model.records import DEMOGRAPHICS, monthly  # noqa: E402
from model.scenario import Scenario  # noqa: E402

HELD_OUT = ("2023-06", "2024-05")
FORECAST = ("2024-06", "2025-08")
HELD_OUT_FIT = "2023-05"
CHECKS = {
    HELD_OUT_FIT: (HELD_OUT, "the twelve months after the fit"),
    "2023-04": (("2023-05", "2024-04"), "the end of Title 42, the lawful-pathways rule, more CBP One slots"),
    "2023-11": (("2023-12", "2024-05"), "Mexico's enforcement drive"),
}
"""Held-out checks: a fit through a month (its fit file, experiments/scenarios/fits/through-MONTH.toml)
run on through months it never saw, across the change named. A check whose fit file is not there
is reported as missing, not run."""
SKILL_SERIES = ("encounters_usbp", "encounters_ofo")
FORECAST_SERIES = (*SKILL_SERIES, *(f"encounters_{c}_{d}" for c in ("usbp", "ofo") for d in DEMOGRAPHICS),
                   "waiting_mexico", "closure_days")
"""The forecast's series: encounters, by component and demographic (single adults, family members,
unaccompanied children), people waiting in Mexico at the month's end, days under closure."""
BANDS = {"p05": 0.05, "p50": 0.5, "p95": 0.95}
SCALE_CHECKED = ("encounters_usbp", "encounters_ofo", "family_share", "uc_share")
"""The patterns compared between the fit's scale and the report's (`scale_check`)."""


def replicate(scenarios: list[Scenario], seeds: list[int], engine) -> list[pd.DataFrame]:
    """The monthly tables of each scenario run with each seed, on the experiment backend `engine`
    (`experiments.backends`: this process, local workers or Dask), scenario by scenario in seed order."""
    from experiments.errors import ExperimentError
    from experiments.runs import Run

    runs = [Run(scenario, {}, seed) for scenario in scenarios for seed in seeds]
    order = {run.id: n for n, run in enumerate(runs)}
    tables: dict[int, pd.DataFrame] = {}
    for result in engine.results(runs):
        if not result.ok:
            n = order[result.run_id]
            raise ExperimentError(f"a validation run (seed {seeds[n % len(seeds)]}) failed: {result.error}")
        tables[order[result.run_id]] = monthly(result.daily).set_index("month")
    return [tables[n] for n in range(len(runs))]


def coverage(b: dict[str, pd.DataFrame], obs: pd.DataFrame, name: str, months: tuple[str, str]) -> float:
    """The share of observed months within the 90% band (p05 to p95) over `months`."""
    o = obs[name].loc[months[0]:months[1]].dropna()
    low, high = b["p05"][name].reindex(o.index), b["p95"][name].reindex(o.index)
    return float(((o >= low) & (o <= high)).mean()) if len(o) else np.nan


def bands(tables: list[pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Month-by-month 5%, 50% and 95% points across replicate tables (same columns)."""
    stacked = np.stack([t.to_numpy(dtype=float) for t in tables])
    cols, idx = tables[0].columns, tables[0].index
    with warnings.catch_warnings():  # months where a pattern is undefined in every run stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return {name: pd.DataFrame(np.nanquantile(stacked, q, axis=0), index=idx, columns=cols)
                for name, q in BANDS.items()}


def scale_check(at_fit: list[pd.DataFrame], at_report: list[pd.DataFrame], fit_scale: int, scale: int) -> pd.DataFrame:
    """Does the scale a fit was made at bias it? The fit's point run with the same seeds at the fit's
    scale and at the report's, compared over the fitted window: for each pattern, the mean absolute
    log ratio between the two scales' seed means, against how far two seeds of one scale are apart.
    With k seeds a scale, two means of k differ by about 1/sqrt(k) of what two seeds do when the
    scale makes no difference; they agree if they are within twice that."""
    months = slice(FIRST_MONTH, LAST_MONTH)  # `at_fit`, `at_report`: pattern tables, a seed each
    fit_tables = [t.loc[months] for t in at_fit]
    report_tables = [t.loc[months] for t in at_report]
    rows = []
    for name in SCALE_CHECKED:
        mine, theirs = [t[name] for t in fit_tables], [t[name] for t in report_tables]
        between = float(log_ratio(pd.concat(mine, axis=1).mean(axis=1), pd.concat(theirs, axis=1).mean(axis=1)).mean())
        noise = float(np.nanmean([seed_to_seed(mine), seed_to_seed(theirs)]))
        bound = 2 * noise / np.sqrt(len(mine))
        rows.append({"pattern": name, "fit_scale": fit_scale, "scale": scale, "seeds": len(mine),
                     "between_scales": round(between, 4), "seed_to_seed": round(noise, 4),
                     "bound": round(bound, 4), "agrees": bool(between <= bound)})
    return pd.DataFrame(rows)


def period_of(through: str) -> str:
    """errors.csv's name for a held-out check (the first one keeps its old name)."""
    return "held_out" if through == HELD_OUT_FIT else f"held_out_through_{through}"


def error_table(fit: dict, checks: dict, obs: pd.DataFrame) -> pd.DataFrame:
    """Errors per pattern for the fitted window and each held-out check's months, with skill scores
    and the coverage of the 90% band (`fit`: the fit's bands; `checks`: each check's, by fit month)."""
    rows = []
    periods = [("fitted", (FIRST_MONTH, LAST_MONTH), fit, False)]
    periods += [(period_of(through), CHECKS[through][0], b, True) for through, b in checks.items()]
    for period, months, b, ahead in periods:
        table = b["p50"]
        err = errors(table, obs, months)
        for name, value in err.items():
            row = {"period": period, "pattern": name, "mean_abs_log_ratio": round(value, 4)}
            if name in SKILL_SERIES:
                for base, s in skill(table[name], obs[name], months, ahead=ahead).items():
                    row[f"skill_vs_{base}"] = round(s, 3)
                row["coverage_90"] = round(coverage(b, obs, name, months), 3)
            rows.append(row)
    return pd.DataFrame(rows)


def checks_figure(obs: pd.DataFrame, checks: dict, path: Path) -> None:
    """Each held-out check: USBP and OFO encounters, the fit's median and 90% band run on through
    the months it never saw (shaded), against the observed."""
    fig, axes = plt.subplots(len(checks), 2, figsize=(10, 2.6 * len(checks)), squeeze=False, layout="constrained")
    for row, (through, b) in zip(axes, checks.items(), strict=True):
        months, crossed = CHECKS[through]
        for ax, name in zip(row, SKILL_SERIES, strict=True):
            idx = pd.to_datetime(list(b["p50"].index))
            ax.fill_between(idx, b["p05"][name], b["p95"][name], color="tab:orange", alpha=0.2, lw=0)
            ax.plot(idx, b["p50"][name], color="tab:orange", lw=1.3, label=f"fit through {through}: median, 90% band")
            o = obs[name].dropna()
            ax.plot(pd.to_datetime(list(o.index)), o, "k.", ms=3, label="observed")
            ax.axvspan(pd.Timestamp(f"{months[0]}-01"), pd.Timestamp(f"{months[1]}-28"), color="grey", alpha=0.15, lw=0)
            ax.set_xlim(pd.Timestamp("2021-01-01"), pd.Timestamp(f"{months[1]}-28"))
            ax.xaxis.set_major_locator(mdates.YearLocator())
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
            ax.set_title(f"{name.split('_')[1].upper()} encounters, held out {months[0]} to {months[1]}:\n{crossed}",
                         fontsize=8)
            ax.legend(fontsize=7, loc="upper left")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_pattern(name: str, obs: pd.DataFrame, fit: dict, held: dict, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    x = lambda idx: pd.to_datetime(list(idx))  # noqa: E731
    for label, b, colour in (("fit through 2024-05", fit, "tab:blue"), ("fit through 2023-05", held, "tab:orange")):
        ax.fill_between(x(b["p05"].index), b["p05"][name], b["p95"][name], color=colour, alpha=0.2, lw=0)
        ax.plot(x(b["p50"].index), b["p50"][name], color=colour, lw=1.3, label=f"{label}: median, 90% band")
    o = obs[name].dropna()
    ax.plot(x(o.index), o, "k.", ms=3.5, label="observed (CBP/OHSS)")
    ax.axvspan(pd.Timestamp(f"{HELD_OUT[0]}-01"), pd.Timestamp(f"{HELD_OUT[1]}-28"), color="grey", alpha=0.12,
               lw=0, label="held out")
    ax.axvline(pd.Timestamp(f"{FORECAST[0]}-01"), color="grey", lw=0.8, ls="--")
    title = name.replace("_", " ")
    if name in YEARLY:  # published only as yearly totals: the dots are a year's total spread over its months
        title += " (observed: the known ones, each fiscal year's total spread evenly over its months)"
    ax.set_title(title, fontsize=10)
    if name in LEVELS:
        ax.set_ylabel("people / month")
    ax.legend(fontsize=7, loc="upper left")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def overview(obs: pd.DataFrame, fit: dict, held: dict, path: Path) -> None:
    """The README figure: monthly USBP and OFO encounters, both fits and the forecast."""
    fig, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True, layout="constrained")
    for ax, name in zip(axes, SKILL_SERIES, strict=True):
        for label, b, colour in (("fit through 2024-05 and forecast", fit, "tab:blue"),
                                 ("fit through 2023-05 (held-out check)", held, "tab:orange")):
            idx = pd.to_datetime(list(b["p50"].index))
            ax.fill_between(idx, b["p05"][name], b["p95"][name], color=colour, alpha=0.2, lw=0)
            ax.plot(idx, b["p50"][name], color=colour, lw=1.3, label=label)
        o = obs[name].dropna()
        ax.plot(pd.to_datetime(list(o.index)), o, "k.", ms=3.5, label="observed")
        ax.axvspan(pd.Timestamp(f"{HELD_OUT[0]}-01"), pd.Timestamp(f"{HELD_OUT[1]}-28"), color="grey",
                   alpha=0.12, lw=0)
        ax.axvline(pd.Timestamp(f"{FORECAST[0]}-01"), color="grey", lw=0.8, ls="--")
        ax.set_ylabel(f"{name.split('_')[1].upper()} encounters / month")
        ax.legend(fontsize=7, loc="upper left")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def forecast_table(runs: list[pd.DataFrame]) -> pd.DataFrame:
    b = bands([r[list(FORECAST_SERIES)] for r in runs])
    out = pd.DataFrame(index=b["p50"].loc[FORECAST[0]:FORECAST[1]].index)
    for name in FORECAST_SERIES:
        for band, table in b.items():
            out[f"{name}_{band}"] = table.loc[out.index, name].round(0)
    out.index.name = "month"
    return out.reset_index()


def posterior_of(fit: Path, given: str | None, shipped: bool) -> Path | None:
    """The posterior a fit's runs draw from: the one given, else the one shipped beside the fit
    file (if `shipped` and there is one), else none (the fit's point, seeds only)."""
    if given:
        return Path(given)
    path = posterior_path(fit)
    return path if shipped and path.exists() else None


def validate(out: Path, replicates: int = 8, scale: int = 40, workers: int = 2, fit_file: str | None = None,
             dask: str | None = None, posterior: str | None = None, draws: int = 10,
             shipped_posteriors: bool = True) -> list[str]:
    """Write the report into `out`; return the lines to print. The runs go through the experiment
    backends, as every batch of runs does: `workers` local processes, or Dask (`dask`). A fit with a
    posterior (`posterior`, or the one shipped beside its fit file: `calibrate.posterior_path`) is
    run as `draws` parameter sets resampled from it, each with every seed, so its bands and its
    forecast carry the parameters' uncertainty as well as the seeds'. A fit made at another scale
    than `scale` is checked for a bias of its scale (`scale_check`)."""
    from calibration.simulation import with_draw
    from calibration.smc import posterior_draws
    from experiments.backends import backend

    obs = observed_patterns()
    seeds = list(range(1, replicates + 1))
    main_fit = Path(fit_file) if fit_file else fit_path(LAST_MONTH)
    scenario = historical_with_fit(main_fit).with_values({"run.scale": scale})
    checks = {through: historical_with_fit(fit_path(through)).with_values(
        {"run.scale": scale, "run.end": pd.Period(months[1], freq="M").end_time.date()})
        for through, (months, _) in CHECKS.items() if fit_path(through).exists()}
    fits = {LAST_MONTH: (main_fit, scenario, posterior), **{t: (fit_path(t), c, None) for t, c in checks.items()}}
    posteriors = {t: posterior_of(path, given, shipped_posteriors) for t, (path, _, given) in fits.items()}
    sets = {t: posterior_draws(posteriors[t], fits[t][1], draws) if posteriors[t] else [{}] for t in fits}
    meta = fit_meta(main_fit)
    fit_scale = meta.get("scale")
    checked = isinstance(fit_scale, int) and not isinstance(fit_scale, bool) and fit_scale != scale
    with backend(workers, dask) as engine:
        fit_runs = replicate([with_draw(scenario, values) for values in sets[LAST_MONTH]], seeds, engine)
        check_runs = {through: replicate([with_draw(check, values) for values in sets[through]], seeds, engine)
                      for through, check in checks.items()}
        if checked:  # the fit's point at its own scale and at the report's (its runs already, without draws)
            at_fit = replicate([scenario.with_values({"run.scale": fit_scale})], seeds, engine)
            at_report = fit_runs if sets[LAST_MONTH] == [{}] else replicate([scenario], seeds, engine)
    fit_bands = bands([pattern_table(r) for r in fit_runs])
    check_bands = {through: bands([pattern_table(r) for r in runs]) for through, runs in check_runs.items()}
    held_bands = check_bands[HELD_OUT_FIT]

    table = error_table(fit_bands, check_bands, obs)
    table.to_csv(out / "errors.csv", index=False)
    scales = scale_check([pattern_table(r) for r in at_fit], [pattern_table(r) for r in at_report], fit_scale,
                         scale) if checked else None
    if scales is not None:
        scales.to_csv(out / "scale_check.csv", index=False)
    forecast_table(fit_runs).to_csv(out / "forecast.csv", index=False)
    rows = []
    for label, b in (("fit_2024_05", fit_bands), *((f"fit_{t.replace('-', '_')}", b) for t, b in check_bands.items())):
        for band, t in b.items():
            rows.append(t.assign(fit=label, band=band).reset_index())
    long = pd.concat(rows).melt(id_vars=["month", "fit", "band"], var_name="pattern", value_name="simulated")
    long = long.pivot_table(index=["month", "pattern", "fit"], columns="band", values="simulated").reset_index()
    long.merge(observed_long(obs), on=["month", "pattern"], how="left").to_csv(out / "patterns.csv", index=False)

    (out / "patterns").mkdir()
    for name in PATTERNS:
        plot_pattern(name, obs, fit_bands, held_bands, out / "patterns" / f"{name}.png")
    overview(obs, fit_bands, held_bands, out / "encounters.png")
    checks_figure(obs, check_bands, out / "held_out.png")

    summary = table.groupby("period")["mean_abs_log_ratio"].mean()

    def spread(through: str) -> str:
        if posteriors[through] is None:
            return f"{replicates} seeds"
        return f"{len(sets[through])} posterior draws from {posteriors[through].name} x {replicates} seeds"

    lines = [f"fit: {main_fit.name} (fitted {meta.get('fitted_on', '?')} on {meta.get('data_window', '?')}); "
             f"{spread(LAST_MONTH)} at scale {scale}"]
    for through, period in ((LAST_MONTH, "fitted"), *((t, period_of(t)) for t in check_bands)):
        sub = table[(table["period"] == period) & table["pattern"].isin(SKILL_SERIES)]
        parts = [f"{r.pattern} {r.mean_abs_log_ratio:.3f} (skill {r.skill_vs_last_value:+.2f} vs last value, "
                 f"{r.skill_vs_same_month_last_year:+.2f} vs last year; 90% band covers {r.coverage_90:.0%} of months)"
                 for r in sub.itertuples()]
        runs = "" if period == "fitted" else f" ({spread(through)})"
        lines.append(f"{period}{runs}: mean over patterns {summary[period]:.3f}; " + "; ".join(parts))
    if scales is not None:
        off = scales[~scales["agrees"]]
        verdict = "agree within seed noise" if off.empty else f"differ beyond seed noise in {', '.join(off['pattern'])}"
        lines.append(f"scale check: the fit's point at scale {fit_scale} (where it was made) and at scale {scale} "
                     f"{verdict} (scale_check.csv)")
    lines += [f"{period_of(t)}: not run, no fit through {t} ({fit_path(t).name})" for t in CHECKS if t not in check_bands]
    return lines
