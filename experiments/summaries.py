"""Named summary statistics of one run's daily table: what sweeps compare and sensitivity explains.

Each statistic turns a run into one number; a sweep spec lists the ones it wants under
`outputs`. The registry is the documentation (`borderflow sweep --help` prints it).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from experiments.errors import ExperimentError

if TYPE_CHECKING:  # kept out of the import so the command line's help stays quick
    import pandas as pd


@dataclass(frozen=True)
class Statistic:
    name: str
    unit: str
    doc: str
    compute: Callable[[pd.DataFrame], float]


def _encounters(daily: pd.DataFrame) -> pd.Series:
    return daily["encounters_usbp"] + daily["encounters_ofo"]


def _total(column: str) -> Callable[[pd.DataFrame], float]:
    return lambda daily: daily[column].sum()


def _repeat_share(daily: pd.DataFrame) -> float:
    encounters = _encounters(daily).sum()
    return daily["repeat_encounters"].sum() / encounters if encounters else 0.0


STATISTICS = {s.name: s for s in (
    Statistic("total_encounters", "people", "USBP and OFO encounters over the run",
              lambda d: _encounters(d).sum()),
    Statistic("mean_daily_encounters", "people/day", "USBP and OFO encounters per day, averaged over the run",
              lambda d: _encounters(d).mean()),
    Statistic("peak_7day_avg", "people/day", "highest counted 7-day average (the closure rule's measure)",
              lambda d: d["counted_7day_avg"].max()),
    Statistic("days_closed", "days", "days the asylum closure applied", _total("closure_active")),
    Statistic("mean_waiting_mexico", "people", "people waiting in Mexican border cities, mean of day ends",
              lambda d: d["waiting_mexico"].mean()),
    Statistic("final_waiting_mexico", "people", "people waiting in Mexican border cities on the last day",
              lambda d: d["waiting_mexico"].iloc[-1]),
    Statistic("total_expulsions", "people", "Title 42 expulsions over the run", _total("expulsions")),
    Statistic("total_removals", "people", "removals over the run", _total("removals")),
    Statistic("total_releases", "people", "releases into the United States over the run", _total("releases")),
    Statistic("total_paroles", "people", "paroles over the run", _total("paroles")),
    Statistic("total_gotaways", "people", "known gotaways over the run", _total("gotaways")),
    Statistic("repeat_share", "share", "share of encounters with a prior encounter in the last 365 days",
              _repeat_share),
)}
"""Every statistic by name, in the order tables list them."""


class UnknownStatistic(ExperimentError):
    """A statistic name not in the registry; the message suggests the closest."""


def check_names(names: list[str]) -> list[str]:
    """`names` if every one is known, else UnknownStatistic naming the first unknown one."""
    for name in names:
        if name not in STATISTICS:
            close = difflib.get_close_matches(str(name), list(STATISTICS), n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; choose from {', '.join(STATISTICS)}"
            raise UnknownStatistic(f"unknown output '{name}'{hint}")
    return list(names)


def summarise(daily: pd.DataFrame, names: list[str] | None = None) -> dict[str, float]:
    """The named statistics (all of them by default) of one run, as plain floats."""
    return {name: float(STATISTICS[name].compute(daily)) for name in (names or STATISTICS)}


def describe() -> str:
    """One line per statistic, for help texts."""
    width = max(map(len, STATISTICS))
    return "\n".join(f"  {s.name.ljust(width)}  {s.doc} ({s.unit})" for s in STATISTICS.values())
