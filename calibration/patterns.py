"""The patterns the model is fitted to and judged by, computed alike from observed and
simulated monthly tables, and the error metrics that compare them.

A pattern is a monthly series: a level (encounters, outcomes, enrolments) or a share (the
demographic mix, the Title 42 share, the split across sectors, the re-encounter share).
Levels test the pressure and the decision to leave; shares test behaviour and the rules, whatever the level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.window import fiscal_year
from model.border import SECTORS

LEVELS = ("encounters_usbp", "encounters_ofo", "encounters_mx", "encounters_nca", "encounters_others",
          "expulsions", "releases_usbp", "transfers_ice", "mpp_enrollments", "appointments", "gotaways")
SHARES = ("family_share", "uc_share", "title42_share", "reencounter_share", "release_share", "transfer_share",
          *(f"sector_share_{s}" for s in SECTORS))
PATTERNS = (*LEVELS, *SHARES)
YEARLY = ("gotaways",)
"""Patterns compared only as sums over whole fiscal years: Border Patrol's known gotaways are
published as yearly totals (`calibration.data.known_gotaways`)."""
TITLE42_MONTHS = ("2020-04", "2023-04")
"""Whole months under Title 42: its share is compared only there."""
GROUPS_COMPARED = {"encounters_mx": ("mx",), "encounters_nca": ("nca",), "encounters_others": ("chnv", "other")}
ENCOUNTER_COLUMNS = {
    "encounters_usbp", "encounters_ofo", *(f"encounters_{g}" for groups in GROUPS_COMPARED.values() for g in groups),
    *(f"encounters_{c}_{d}" for c in ("usbp", "ofo") for d in ("family_members", "uc")), "encounters_title42",
    "repeat_encounters", "unique_encountered", "releases_usbp", "transfers_ice", *(f"encounters_usbp_{s}" for s in SECTORS),
    "gotaways",
}
"""The columns `pattern_table` reads for the encounter levels and every share (keep it beside the function):
a table of just these, `date` and what `model.records.monthly` averages gives the same of them."""


def pattern_table(monthly: pd.DataFrame) -> pd.DataFrame:
    """Every pattern as a column, one row per month (index `month`); NaN where undefined. (Worked out on
    the columns' arrays and made into a table once: a fit works out a run's patterns every few months.)"""
    m = monthly.set_index("month") if "month" in monthly.columns else monthly

    def column(name: str) -> np.ndarray:
        return m[name].to_numpy(dtype=float)

    def level(name: str) -> np.ndarray:  # as the table holds it (the observed counts are whole numbers)
        if name in m:
            return m[name].to_numpy()
        if name in GROUPS_COMPARED:
            return sum(m[f"encounters_{g}"].to_numpy() for g in GROUPS_COMPARED[name])
        return np.full(len(m), np.nan)

    out = {name: level(name) for name in LEVELS}
    usbp = column("encounters_usbp")
    total = usbp + column("encounters_ofo")
    months = m.index.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["family_share"] = (column("encounters_usbp_family_members") + column("encounters_ofo_family_members")) / total
        out["uc_share"] = (column("encounters_usbp_uc") + column("encounters_ofo_uc")) / total
        title42 = (months >= TITLE42_MONTHS[0]) & (months <= TITLE42_MONTHS[1])
        out["title42_share"] = np.where(title42, column("encounters_title42") / total, np.nan)
        out["release_share"] = column("releases_usbp") / total  # Border Patrol's releases, as OHSS counts them
        out["transfer_share"] = column("transfers_ice") / total
        if "repeat_encounters" in m:
            repeat = column("repeat_encounters")
            out["reencounter_share"] = repeat / (repeat + column("unique_encountered"))
        else:
            out["reencounter_share"] = np.full(len(m), np.nan)
        for s in SECTORS:
            out[f"sector_share_{s}"] = column(f"encounters_usbp_{s}") / usbp
    table = pd.DataFrame(out, index=pd.Index(m.index, name="month"))
    return table.replace([np.inf, -np.inf], np.nan)


def log_ratio(sim: pd.Series, obs: pd.Series) -> pd.Series:
    """|log(sim/obs)| month by month where both exist; a floor of 1% of the observed mean keeps
    months near zero from dominating."""
    both = pd.concat([sim.rename("sim"), obs.rename("obs")], axis=1).dropna()
    floor = 0.01 * both["obs"].abs().mean() if len(both) else 0.0
    floor = floor or 1e-9
    return np.abs(np.log((both["sim"].clip(lower=0) + floor) / (both["obs"].clip(lower=0) + floor)))


def seed_to_seed(curves: list[pd.Series]) -> float:
    """How far two seeds' monthly curves are apart: the mean absolute log ratio, averaged over every
    pair of seeds (NaN for fewer than two)."""
    pairs = [float(log_ratio(a, b).mean()) for i, a in enumerate(curves) for b in curves[i + 1:]]
    return float(np.mean(pairs)) if pairs else np.nan


def fiscal_year_sums(series: pd.Series) -> pd.Series:
    """A monthly series summed over each fiscal year whose twelve months all hold a value."""
    values = series.dropna()
    years = pd.Index([fiscal_year(m) for m in values.index], name="fiscal_year")
    grouped = values.groupby(years)
    return grouped.sum()[grouped.size() == 12]


def observed_long(obs: pd.DataFrame) -> pd.DataFrame:
    """The observed patterns a row a month and pattern (`month`, `pattern`, `observed`), for a table
    beside the simulated ones. A YEARLY pattern is known only as fiscal-year totals, so its months
    have no observed value; `observed_fiscal_year` gives the total of the fiscal year each month is in
    (the observed table stores it spread evenly over the months, which only its sums may be read as)."""
    long = obs.reset_index().melt(id_vars="month", var_name="pattern", value_name="observed")
    long["observed_fiscal_year"] = np.nan
    for name in YEARLY:
        if name not in obs:
            continue
        totals = fiscal_year_sums(obs[name])
        rows = long["pattern"] == name
        long.loc[rows, "observed_fiscal_year"] = long.loc[rows, "month"].map(fiscal_year).map(totals)
        long.loc[rows, "observed"] = np.nan
    return long


def errors(sim: pd.DataFrame, obs: pd.DataFrame, months: tuple[str, str] | None = None) -> pd.Series:
    """Mean absolute log ratio per pattern over `months` (inclusive), for patterns with data there;
    a YEARLY pattern's over the whole fiscal years inside `months` where the observed one has data."""
    out = {}
    for name in PATTERNS:
        if name not in sim or name not in obs:
            continue
        s, o = sim[name], obs[name]
        if months:
            s, o = s.loc[months[0]:months[1]], o.loc[months[0]:months[1]]
        if name in YEARLY:
            s, o = fiscal_year_sums(s.where(o.reindex(s.index).notna())), fiscal_year_sums(o)
        r = log_ratio(s, o)
        if len(r):
            out[name] = float(r.mean())
    return pd.Series(out, name="mean_abs_log_ratio", dtype=float)


def naive_forecasts(obs: pd.Series, months: tuple[str, str], ahead: bool = True) -> dict[str, pd.Series]:
    """The two baselines a forecast must beat, for each month in `months`: the last value
    known (`ahead`: the value before the stretch, carried forward through it; otherwise the
    previous month's, as for a fitted period), and the same month a year earlier."""
    idx = obs.loc[months[0]:months[1]].index
    before = obs.loc[:months[0]].drop(months[0], errors="ignore").dropna()
    if ahead:
        last = pd.Series(before.iloc[-1] if len(before) else np.nan, index=idx)
    else:
        last = obs.shift(1).reindex(idx)
    previous_year = pd.Series([obs.get(_year_before(m), np.nan) for m in idx], index=idx)
    return {"last_value": last, "same_month_last_year": previous_year}


def _year_before(month: str) -> str:
    year, mon = month.split("-")
    return f"{int(year) - 1}-{mon}"


def skill(sim: pd.Series, obs: pd.Series, months: tuple[str, str], ahead: bool = True) -> dict[str, float]:
    """1 - error(model) / error(baseline) for each naive baseline: above 0, the model beats it."""
    model_error = float(log_ratio(sim.loc[months[0]:months[1]], obs.loc[months[0]:months[1]]).mean())
    out = {}
    for name, forecast in naive_forecasts(obs, months, ahead).items():
        base = float(log_ratio(forecast, obs.loc[months[0]:months[1]]).mean())
        out[name] = 1.0 - model_error / base if base > 0 else np.nan
    return out


def observed_patterns() -> pd.DataFrame:
    """The observed patterns, with the published re-encounter shares in their months."""
    from calibration.data import observed, reencounter_points

    out = pattern_table(observed())
    out["reencounter_share"] = reencounter_points().reindex(out.index)
    return out
