"""Mexican authorities (INM): checkpoints on the routes north, sweeps in border cities,
transfers south and deportations. (Acceptance of returns from the US is a rule of the
agreement in force: see `model.policy.mexico_takes`.)"""

from __future__ import annotations

from mesa import Agent

from model.states import State


class MexicanAuthority(Agent):
    """INM: stops non-Mexicans on the way north and in border cities; most are moved south,
    some deported home. Intensity is the `mexico.interdiction` and `mexico.city_sweeps` levers,
    weighted in space by the `mx_enforcement` property layer."""

    def checkpoints(self, arriving: list) -> list:
        """Today's trips north end at a checkpoint (moved south or deported) or in the border
        city; returns those who got through. Mexicans are not stopped."""
        m = self.model
        stop = m.stop_chance
        through = []
        for t, u in zip(arriving, m.rng.random(len(arriving)).tolist(), strict=True):
            if t.group != "mx" and u < stop[t.city]:
                self.send_away(t)
            else:
                t.reach_city()
                through.append(t)
        return through

    def sweep_cities(self) -> None:
        """Each day a share of the people staging in border cities is picked up."""
        m = self.model
        share = m.levers.mexico.city_sweeps
        expected = share * len(m.in_city)
        n = int(expected) + (1 if m.random.random() < expected % 1 else 0)
        for t in m.in_city.draw(m.random, n):
            if t.group != "mx":
                self.send_away(t)

    def send_away(self, traveller) -> None:
        m = self.model
        m.today["interdicted"] += traveller.people
        if m.random.random() < m.levers.mexico.deport_share:
            m.today["mexico_deported"] += traveller.people
            traveller.removed(State.REMOVED)
        else:
            m.today["transferred_south"] += traveller.people
            traveller.removed(State.TRANSFERRED_SOUTH)
