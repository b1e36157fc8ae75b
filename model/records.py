"""The outputs: one row per day, in people, and its calendar-month summary.

Flows are counted as they happen in `model.today`; stocks are read from the census at
the day's end. The monthly table sums flows, takes stocks at the month's last day and
averages the 7-day average.
"""

from __future__ import annotations

import pandas as pd

from model.border import SECTORS
from model.params import GROUPS
from model.states import State

DEMOGRAPHICS = ("single_adults", "family_members", "uc")
KIND_TO_DEMOGRAPHIC = {"single": "single_adults", "family": "family_members", "uc": "uc"}

ENCOUNTERS = [f"encounters_{c}{s}" for c in ("usbp", "ofo") for s in ("", *(f"_{d}" for d in DEMOGRAPHICS))]
SECTOR_ENCOUNTERS = [f"encounters_usbp_{s}" for s in SECTORS]
GROUP_ENCOUNTERS = [f"encounters_{g}" for g in GROUPS]  # both components, by nationality group
FLOWS = [
    "pressure", "departures", "stayed_home", *ENCOUNTERS, "counted_encounters", "expulsions", "removals", "releases",
    "releases_usbp", "transfers_ice", "releases_ice", "reinstatements", "prosecutions", "paroles",
    "mpp_enrollments", "mpp_abandoned", "appointments", "repeat_encounters", "unique_encountered", "gotaways",
    "interdicted", "transferred_south", "mexico_deported", "uc_referrals", "children_sent_alone", "gave_up",
    "court_completions", "court_closures", "encounters_title42", *GROUP_ENCOUNTERS, *SECTOR_ENCOUNTERS, *(f"gotaways_{s}" for s in SECTORS),
]
STOCKS = [
    "waiting_mexico", "waiting_appointment", "waiting_mpp", "waiting_after_expulsion", "court_backlog",
    "custody", *(f"people_{s.name.lower()}" for s in State),
]
LEVELS = ["counted_7day_avg", "closure_active", "title42_active", "clp_active", "mpp_active",
          "appointments_active", "bp_agents"]
COLUMNS = ["date", *FLOWS[:9], "counted_7day_avg", "closure_active", *FLOWS[9:], *STOCKS, *LEVELS[2:]]
COLUMNS = list(dict.fromkeys(COLUMNS))


def monthly(daily: pd.DataFrame) -> pd.DataFrame:
    """Calendar-month table: flows summed, stocks at month end, levels averaged.

    `closure_active` becomes the number of days in the month the suspension applied."""
    df = daily.copy()
    df["month"] = pd.to_datetime(df["date"]).dt.strftime("%Y-%m")
    groups = df.groupby("month", sort=True)
    out = groups[[c for c in FLOWS if c in df]].sum()
    out = out.join(groups[[c for c in STOCKS if c in df]].last())
    out = out.join(groups[["counted_7day_avg", "title42_active", "clp_active", "mpp_active",
                           "appointments_active", "bp_agents"]].mean())
    out["closure_days"] = groups["closure_active"].sum()
    out["days"] = groups.size()
    return out.reset_index()
