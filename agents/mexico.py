"""Mexican authorities (INM): checkpoints on the routes north, sweeps in border cities,
transfers south and deportations. (Acceptance of returns from the US is a rule of the
agreement in force: see `model.policy.mexico_takes`.)"""

from __future__ import annotations

import numpy as np
from mesa import Agent

from agents.traveller import MEXICAN, reach_cities, remove_all
from model.states import State


class MexicanAuthority(Agent):
    """INM: stops non-Mexicans on the way north and in border cities; most are moved south,
    some deported home. Intensity is the `mexico.interdiction` and `mexico.city_sweeps` levers,
    weighted in space by the `mx_enforcement` property layer."""

    def checkpoints(self, rows: np.ndarray) -> np.ndarray:
        """Today's trips north (rows) end at a checkpoint (moved south or deported) or in the
        border city; returns those who got through. Mexicans are not stopped."""
        m, p = self.model, self.model.population
        stop = np.asarray(m.stop_chance)[p.city[rows]]
        stopped = (m.rng.random(len(rows)) < stop) & (p.g[rows] != MEXICAN)
        self.send_away(rows[stopped])
        reach_cities(m, rows[~stopped])
        return rows[~stopped]

    def sweep_cities(self) -> None:
        """Each day a share of the people staging in border cities is picked up."""
        m = self.model
        in_city = m.population.in_city()
        expected = m.levers.mexico.city_sweeps * len(in_city)
        n = int(expected) + (1 if m.random.random() < expected % 1 else 0)
        if n:
            picked = in_city[m.rng.choice(len(in_city), n, replace=False)]
            self.send_away(picked[m.population.g[picked] != MEXICAN])

    def send_away(self, rows: np.ndarray) -> None:
        """Those stopped today: most moved south, some deported home (`mexico.deport_share`)."""
        if not len(rows):
            return
        m, people = self.model, self.model.population.people
        deported = m.rng.random(len(rows)) < m.levers.mexico.deport_share
        m.today["interdicted"] += float(people[rows].sum())
        m.today["mexico_deported"] += float(people[rows[deported]].sum())
        m.today["transferred_south"] += float(people[rows[~deported]].sum())
        remove_all(m, rows[deported], State.REMOVED)
        remove_all(m, rows[~deported], State.TRANSFERRED_SOUTH)
