"""The observed data, read once into one monthly table named like the model's outputs.

`observed()` returns one row per calendar month (October 2018 – May 2024) with columns that
`model.records.monthly()` also produces, so that observed and simulated patterns are compared
column by column. `reencounter_points()` returns the few published re-encounter shares, and
`known_gotaways()` Border Patrol's known gotaways by fiscal year.
Every file is in `calibration/data/` (see its README for sources) and ends in May 2024.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from calibration.window import FIRST_MONTH, LAST_MONTH, fiscal_months
from model.border import SECTORS

DATA_DIR = Path(__file__).resolve().parent / "data"

DEMOGRAPHIC = {"single_adults": "single_adults", "family_unit_individuals": "family_members",
               "accompanied_minors": "family_members", "uc_single_minors": "uc"}
CITIZENSHIP = {"Mexico": "mx", "El Salvador": "nca", "Guatemala": "nca", "Honduras": "nca", "Other": "others"}
"""CBP's 'Other' group holds both the model's `chnv` and `other` groups: they are compared together."""
SECTOR_NAMES = {"San Diego, CA": "san_diego", "El Centro, CA": "el_centro", "Yuma, AZ": "yuma",
                "Tucson, AZ": "tucson", "El Paso, TX": "el_paso", "Big Bend, TX": "big_bend",
                "Del Rio, TX": "del_rio", "Laredo, TX": "laredo", "Rio Grande Valley, TX": "rgv"}
OUTCOMES = {"T42 expulsions": "expulsions", "USBP Releases": "releases_usbp", "Transfers to ICE": "transfers_ice"}
"""OHSS book-outs compared like with like: Border Patrol's own releases, and every book-out to ICE
(for detention, a fear screening or removal; ICE's later releases are not in this file)."""


class DataError(Exception):
    """A data file is missing or not what the loader expects (one line)."""


def _read(name: str, columns: set[str]) -> pd.DataFrame:
    path = DATA_DIR / name
    try:
        df = pd.read_csv(path, dtype={"month": str})
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataError(f"cannot read data file {name}: {' '.join(str(err).split())}") from None
    missing = columns - set(df.columns)
    if missing:
        raise DataError(f"data file {name} lacks column(s) {', '.join(sorted(missing))}")
    return df


def _pivot(df: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    return df.pivot_table(index="month", columns=column, values=value, aggfunc="sum")


@cache
def observed() -> pd.DataFrame:
    """The monthly observed table, October 2018 – May 2024, in people (encounters are events)."""
    comp = _read("sw_monthly_by_component.csv", {"month", "component", "encounters"})
    out = _pivot(comp, "component", "encounters").rename(columns=lambda c: f"encounters_{c.lower()}")

    demo = _read("sw_monthly_by_demographic.csv", {"month", "component", "demographic", "encounters"})
    demo["column"] = "encounters_" + demo["component"].str.lower() + "_" + demo["demographic"].map(DEMOGRAPHIC)
    out = out.join(_pivot(demo, "column", "encounters"))

    title = _read("sw_monthly_by_component_demographic_title.csv", {"month", "title_of_authority", "encounters"})
    t42 = title[title["title_of_authority"] == "Title 42"].groupby("month")["encounters"].sum()
    out["encounters_title42"] = t42.reindex(out.index).fillna(0.0)

    cit = _read("sw_monthly_by_citizenship_group.csv", {"month", "citizenship_group", "encounters"})
    cit["column"] = "encounters_" + cit["citizenship_group"].map(CITIZENSHIP)
    out = out.join(_pivot(cit, "column", "encounters"))

    sec = _read("usbp_sw_monthly_by_sector_ohss.csv", {"month", "sector", "usbp_encounters"})
    sec["column"] = "encounters_usbp_" + sec["sector"].map(SECTOR_NAMES)
    out = out.join(_pivot(sec, "column", "usbp_encounters"))

    book = _read("ohss_sw_bookouts_by_agency_monthly.csv", {"month", "agency", "outcome", "count"})
    book = book[(book["agency"] == "Total CBP") & book["outcome"].isin(OUTCOMES)]
    out = out.join(_pivot(book.assign(column=book["outcome"].map(OUTCOMES)), "column", "count"))
    out["expulsions"] = out["expulsions"].fillna(0.0)

    mpp = _read("mpp_monthly.csv", {"month", "ohss_mpp_bookouts_total_cbp"})
    out["mpp_enrollments"] = mpp.set_index("month")["ohss_mpp_bookouts_total_cbp"]
    apps = _read("cbp_one_appointments_monthly_ohss.csv", {"month", "appointments_processed_total"})
    out["appointments"] = apps.set_index("month")["appointments_processed_total"]

    out = out.loc[FIRST_MONTH:LAST_MONTH].copy()
    out["gotaways"] = known_gotaways_by_month(out.index)
    expected = pd.period_range(FIRST_MONTH, LAST_MONTH, freq="M").strftime("%Y-%m")
    if list(out.index) != list(expected):
        raise DataError(f"observed months do not run without gaps from {FIRST_MONTH} to {LAST_MONTH}")
    wanted = [f"encounters_usbp_{s}" for s in SECTORS]
    if out[wanted].isna().any().any():
        raise DataError("usbp_sw_monthly_by_sector_ohss.csv lacks a sector in some month")
    out.index.name = "month"
    return out


@cache
def reencounter_points() -> pd.Series:
    """Published shares of encounters with a prior encounter in the last 12 months, by month."""
    df = _read("reencounter_rates.csv", {"period", "pct_encounters_with_prior_encounter_12mo"})
    df = df[df["period"].str.fullmatch(r"\d{4}-\d{2}")]
    return (df.set_index("period")["pct_encounters_with_prior_encounter_12mo"] / 100.0).rename("reencounter_share")


@cache
def known_gotaways() -> pd.Series:
    """Border Patrol's known gotaways by fiscal year, as reported (index: the fiscal year)."""
    df = _read("usbp_known_gotaways.csv", {"fiscal_year", "known_gotaways"})
    return df.set_index("fiscal_year")["known_gotaways"].astype(float).rename("gotaways")


def known_gotaways_by_month(months: pd.Index) -> pd.Series:
    """Each reported fiscal year's known gotaways spread evenly over its months (NaN in other months).
    Only yearly totals are published, and the patterns compare gotaways only as sums over whole fiscal
    years (`calibration.patterns.YEARLY`), so the even spread is a way of storing a year, not a claim
    about its months."""
    out = pd.Series(float("nan"), index=months, name="gotaways")
    for year, count in known_gotaways().items():
        inside = [m for m in fiscal_months(int(year)) if m in out.index]
        if len(inside) == 12:
            out[inside] = count / 12
    return out


def last_month_in_files() -> dict[str, str]:
    """The latest month any row of each data file refers to (for the no-peeking check): any YYYY-MM in
    it, and, in a file of whole fiscal years (a `fiscal_year` column and no `month`), the last month
    (September) of its latest year."""
    latest = {}
    for path in sorted(DATA_DIR.glob("*.csv")):
        df = pd.read_csv(path, dtype=str)
        months = pd.concat([df[c].str.extract(r"((?:19|20)\d{2}-\d{2})", expand=False) for c in df.columns])
        if "fiscal_year" in df.columns and "month" not in df.columns:
            months = pd.concat([months, df["fiscal_year"].str.strip() + "-09"])
        latest[path.name] = months.dropna().max()
    return latest
