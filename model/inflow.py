"""People setting out toward the border: the exogenous inflow by nationality group and
demographic, with seasonality, and who they are (claim, risk tolerance, patience).

The inflow is the number of people who decide to leave, not the number who reach or cross
the border: where and whether they cross is decided later, by them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from model.params import GROUPS
from model.states import State

MIX = ("family", "uc")
"""Optional knot keys: multipliers of every group's family and unaccompanied-child shares."""


class Inflow:
    def __init__(self, params, model):
        self.p, self.model = params, model
        self.knot_days = [k["date"].toordinal() for k in params.knots]
        self.knot_levels = {g: [k[g] for k in params.knots] for g in GROUPS}
        for mix in MIX:  # optional multipliers of the family and child shares at each knot
            self.knot_levels[mix] = [k.get(mix, 1.0) for k in params.knots]
        self.parole_month, self.parole_used = None, 0.0

    def level(self, group: str, date: dt.date) -> float:
        """People per day setting out on `date`, before seasonality (or, for 'family' and
        'uc', the knots' multiplier of the family and child shares)."""
        p = self.p
        if not self.knot_days:
            return 1.0 if group in MIX else getattr(p, group)
        day = date.toordinal()
        if day > self.knot_days[-1] and p.after_last_knot == "repeat_last_year":
            span = 365
            while day > self.knot_days[-1] and day - span >= self.knot_days[0]:
                day -= span
        return float(np.interp(day, self.knot_days, self.knot_levels[group]))

    def rate(self, group: str, date: dt.date) -> float:
        return self.level(group, date) * self.p.seasonality[date.month - 1]

    def new_travellers(self, date: dt.date) -> list:
        """Today's new travellers as agents; CHNV nationals use parole while it has room."""
        from agents import Family, Migrant, UnaccompaniedMinor

        m, p, rng = self.model, self.p, self.model.rng
        scale = m.scale
        out = []
        fam_mult, uc_mult = self.level("family", date), self.level("uc", date)
        for group in GROUPS:
            rate = self.rate(group, date)
            if rate <= 0:
                continue
            fam, uc = min(1.0, p.family_share[group] * fam_mult), min(1.0, p.uc_share[group] * uc_mult)
            size = 1 + p.family_two_adult_share + p.family_children_mean
            n_single = rng.poisson(rate * max(0.0, 1 - fam - uc) / scale)
            n_family = rng.poisson(rate * fam / size / scale)
            n_uc = rng.poisson(rate * uc / scale)
            traits = self.traits(group, n_single + n_family + n_uc)
            for _ in range(n_single):
                out.append(Migrant(m, group, *next(traits)))
            for _ in range(n_family):
                adults = 2 if m.random.random() < p.family_two_adult_share else 1
                children = 1 + int(rng.poisson(p.family_children_mean - 1))
                out.append(Family(m, group, *next(traits), adults=adults, children=children))
            for _ in range(n_uc):
                out.append(UnaccompaniedMinor(m, group, *next(traits)))
        for t in out:
            m.today["arrivals"] += t.people
        return [t for t in out if not self.paroled(t, date)]

    def traits(self, group: str, n: int):
        """n travellers' (claim ~ Beta(mean, 4), risk tolerance ~ lognormal(0, 0.4), patience ~ exponential)."""
        rng, mean = self.model.rng, self.p.claim_mean[group]
        claim = rng.beta(max(1e-3, 4 * mean), max(1e-3, 4 * (1 - mean)), n).tolist()
        risk = rng.lognormal(0.0, 0.4, n).tolist()
        patience = rng.exponential(self.model.beh.patience_days, n).tolist()
        return zip(claim, risk, patience, strict=True)

    def paroled(self, t, date: dt.date) -> bool:
        """A lawful pathway with monthly room: CHNV nationals who can fly in on parole do."""
        if t.group != "chnv" or t.kind == "uc":
            return False
        month = (date.year, date.month)
        if month != self.parole_month:
            self.parole_month, self.parole_used = month, 0.0
        if self.parole_used + t.people > self.model.levers.pathways.chnv_parole:
            return False
        self.parole_used += t.people
        m = self.model
        m.today["paroles"] += t.people
        t.move(State.PAROLED)
        t.retire()
        return True
