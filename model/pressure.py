"""Migration pressure: how many people, by nationality group and demographic, start to
consider leaving home on a day, because of conditions there (with seasonality).

This is the model's exogenous input. It is deliberately smooth (knots at least 80 days
apart, linearly interpolated), so that the month-to-month response of flows to a policy
change has to come from people's decisions (`agents/origin.py`), not from the input.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from model.params import GROUPS

MIX = ("family", "uc")
"""Optional knot keys: multipliers of every group's family and unaccompanied-child shares."""

MIX_MAX = 20.0
"""The largest multiplier a knot may carry (the calibration's inversion stays within it); the
multiplied shares are capped so that they add up to at most 1 (`Pressure.shares`)."""

KNOT_MIN_DAYS = 80
"""Knots closer than this would let the input follow month-to-month swings (about a quarter)."""


class Pressure:
    """The pressure's level on any date, from the scenario's `[pressure]` section."""

    def __init__(self, params):
        self.p = params
        self.knot_days = [k["date"].toordinal() for k in params.knots]
        self.knot_levels = {g: [k[g] for k in params.knots] for g in GROUPS}
        for mix in MIX:  # optional multipliers of the family and child shares at each knot
            self.knot_levels[mix] = [k.get(mix, 1.0) for k in params.knots]

    def level(self, group: str, date: dt.date) -> float:
        """People per day who start to consider leaving on `date`, before seasonality (or,
        for 'family' and 'uc', the knots' multiplier of the family and child shares)."""
        p = self.p
        if not self.knot_days:
            return 1.0 if group in MIX else getattr(p, group)
        day = date.toordinal()
        if day > self.knot_days[-1] and p.after_last_knot == "repeat_last_year":
            span = 365
            while day > self.knot_days[-1] and day - span >= self.knot_days[0]:
                day -= span
        return float(np.interp(day, self.knot_days, self.knot_levels[group]))

    def levels(self, group: str, days: np.ndarray) -> np.ndarray:
        """`level` on many days at once (`days` as date ordinals): for estimates made before a run."""
        if not self.knot_days:
            return np.full(len(days), 1.0 if group in MIX else float(getattr(self.p, group)))
        days = np.asarray(days, dtype=np.int64)
        if self.p.after_last_knot == "repeat_last_year":
            first, last = self.knot_days[0], self.knot_days[-1]
            while (move := (days > last) & (days - 365 >= first)).any():
                days = np.where(move, days - 365, days)
        return np.interp(days, self.knot_days, self.knot_levels[group])

    def rate(self, group: str, date: dt.date) -> float:
        return self.level(group, date) * self.p.seasonality[date.month - 1]

    def units(self, first: dt.date, days: int) -> np.ndarray:
        """The expected newcomers on each of `days` days from `first`, by (group, kind in KINDS order):
        single adults, families and unaccompanied children, as `rate` and `shares` give them for each
        day, with the knots interpolated for all the days at once."""
        p = self.p
        ordinals = first.toordinal() + np.arange(days)
        months = (np.datetime64(first, "D") + np.arange(days)).astype("datetime64[M]").astype(np.int64) % 12
        season = np.asarray(p.seasonality)[months]
        family_mix, uc_mix = self.levels("family", ordinals), self.levels("uc", ordinals)
        size = 1 + p.family_two_adult_share + p.family_children_mean
        units = np.zeros((days, len(GROUPS), 3))
        for g, group in enumerate(GROUPS):
            rate = self.levels(group, ordinals) * season
            fam = np.minimum(1.0, p.family_share[group] * family_mix)
            uc = np.minimum(1.0 - fam, p.uc_share[group] * uc_mix)
            kinds = np.column_stack([rate * np.maximum(0.0, 1 - fam - uc), rate * fam / size, rate * uc])
            units[:, g] = np.where(rate[:, None] > 0, kinds, 0.0)
        return units

    def shares(self, group: str, date: dt.date) -> tuple[float, float]:
        """(family, unaccompanied-child) shares of the group's people on `date`."""
        p = self.p
        fam = min(1.0, p.family_share[group] * self.level("family", date))
        uc = min(1.0 - fam, p.uc_share[group] * self.level("uc", date))
        return fam, uc
