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

from calibration.calibrate import fit_meta, fit_path, historical_with_fit  # noqa: E402
from calibration.patterns import LEVELS, PATTERNS, errors, observed_patterns, pattern_table, skill  # noqa: E402
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
    ax.set_title(name.replace("_", " "), fontsize=10)
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


def validate(out: Path, replicates: int = 8, scale: int = 40, workers: int = 2, fit_file: str | None = None,
             dask: str | None = None, posterior: str | None = None, draws: int = 10) -> list[str]:
    """Write the report into `out`; return the lines to print. The runs go through the experiment
    backends, as every batch of runs does: `workers` local processes, or Dask (`dask`). With a
    `posterior` (a table `calibrate --method smc` writes), the fit's runs are `draws` parameter sets
    resampled from it, each with every seed, so its bands and its forecast carry the parameters'
    uncertainty as well as the seeds'."""
    from calibration.smc import posterior_draws, with_draw
    from experiments.backends import backend

    obs = observed_patterns()
    seeds = list(range(1, replicates + 1))
    main_fit = Path(fit_file) if fit_file else fit_path(LAST_MONTH)
    scenario = historical_with_fit(main_fit).with_values({"run.scale": scale})
    checks = {through: historical_with_fit(fit_path(through)).with_values(
        {"run.scale": scale, "run.end": pd.Period(months[1], freq="M").end_time.date()})
        for through, (months, _) in CHECKS.items() if fit_path(through).exists()}
    sets = posterior_draws(posterior, scenario, draws) if posterior else [{}]
    with backend(workers, dask) as engine:
        fit_runs = replicate([with_draw(scenario, values) for values in sets], seeds, engine)
        check_runs = {through: replicate([check], seeds, engine) for through, check in checks.items()}
    fit_bands = bands([pattern_table(r) for r in fit_runs])
    check_bands = {through: bands([pattern_table(r) for r in runs]) for through, runs in check_runs.items()}
    held_bands = check_bands[HELD_OUT_FIT]

    table = error_table(fit_bands, check_bands, obs)
    table.to_csv(out / "errors.csv", index=False)
    forecast_table(fit_runs).to_csv(out / "forecast.csv", index=False)
    rows = []
    for label, b in (("fit_2024_05", fit_bands), *((f"fit_{t.replace('-', '_')}", b) for t, b in check_bands.items())):
        for band, t in b.items():
            rows.append(t.assign(fit=label, band=band).reset_index())
    long = pd.concat(rows).melt(id_vars=["month", "fit", "band"], var_name="pattern", value_name="simulated")
    long = long.pivot_table(index=["month", "pattern", "fit"], columns="band", values="simulated").reset_index()
    observed_long = obs.reset_index().melt(id_vars="month", var_name="pattern", value_name="observed")
    long.merge(observed_long, on=["month", "pattern"], how="left").to_csv(out / "patterns.csv", index=False)

    (out / "patterns").mkdir()
    for name in PATTERNS:
        plot_pattern(name, obs, fit_bands, held_bands, out / "patterns" / f"{name}.png")
    overview(obs, fit_bands, held_bands, out / "encounters.png")
    checks_figure(obs, check_bands, out / "held_out.png")

    meta = fit_meta(main_fit)
    summary = table.groupby("period")["mean_abs_log_ratio"].mean()
    spread = f"{len(sets)} posterior draws from {Path(posterior).name} x {replicates} seeds" if posterior \
        else f"{replicates} seeds"
    lines = [f"fit: {main_fit.name} (fitted {meta.get('fitted_on', '?')} on {meta.get('data_window', '?')}); "
             f"{spread} at scale {scale}"]
    for period in ("fitted", *(period_of(t) for t in check_bands)):
        sub = table[(table["period"] == period) & table["pattern"].isin(SKILL_SERIES)]
        parts = [f"{r.pattern} {r.mean_abs_log_ratio:.3f} (skill {r.skill_vs_last_value:+.2f} vs last value, "
                 f"{r.skill_vs_same_month_last_year:+.2f} vs last year; 90% band covers {r.coverage_90:.0%} of months)"
                 for r in sub.itertuples()]
        lines.append(f"{period}: mean over patterns {summary[period]:.3f}; " + "; ".join(parts))
    lines += [f"{period_of(t)}: not run, no fit through {t} ({fit_path(t).name})" for t in CHECKS if t not in check_bands]
    return lines
