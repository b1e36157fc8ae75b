"""Mexican authorities (INM): checkpoints on the routes north, sweeps in border cities,
transfers south and deportations. (Acceptance of returns from the US is a rule of the
agreement in force: see `model.policy.mexico_takes`.)"""

from __future__ import annotations

import numpy as np
from mesa import Agent

from agents.traveller import reach_cities, remove_all
from model.states import State


class MexicanAuthority(Agent):
    """INM: stops non-Mexicans on the way north and in border cities; most are moved south,
    some deported home. Intensity is the `mexico.interdiction` and `mexico.city_sweeps` levers,
    weighted in space by the `mx_enforcement` property layer."""

    def checkpoints(self, arriving: list) -> list:
        """Today's trips north end at a checkpoint (moved south or deported) or in the border
        city; returns those who got through. Mexicans are not stopped."""
        if not arriving:
            return []
        m = self.model
        stop = np.asarray(m.stop_chance)
        cities = np.fromiter((t.city for t in arriving), np.intp, len(arriving))
        mexican = np.fromiter((t.group == "mx" for t in arriving), bool, len(arriving))
        stopped = ((m.rng.random(len(arriving)) < stop[cities]) & ~mexican).tolist()
        self.send_away([t for t, s in zip(arriving, stopped, strict=True) if s])
        through = [t for t, s in zip(arriving, stopped, strict=True) if not s]
        reach_cities(m, through)
        return through

    def sweep_cities(self) -> None:
        """Each day a share of the people staging in border cities is picked up."""
        m = self.model
        share = m.levers.mexico.city_sweeps
        expected = share * len(m.in_city)
        n = int(expected) + (1 if m.random.random() < expected % 1 else 0)
        self.send_away([t for t in m.in_city.draw(m.random, n) if t.group != "mx"])

    def send_away(self, travellers: list) -> None:
        """Those stopped today: most moved south, some deported home (`mexico.deport_share`)."""
        if not travellers:
            return
        m = self.model
        deported = (m.rng.random(len(travellers)) < m.levers.mexico.deport_share).tolist()
        home = [t for t, d in zip(travellers, deported, strict=True) if d]
        south = [t for t, d in zip(travellers, deported, strict=True) if not d]
        m.today["interdicted"] += sum(t.people for t in travellers)
        m.today["mexico_deported"] += sum(t.people for t in home)
        m.today["transferred_south"] += sum(t.people for t in south)
        remove_all(m, home, State.REMOVED)
        remove_all(m, south, State.TRANSFERRED_SOUTH)
