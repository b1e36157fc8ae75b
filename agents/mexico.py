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

    def interdicts(self, traveller) -> bool:
        """A trip north ends at a checkpoint; the traveller is moved south or deported."""
        m = self.model
        if traveller.group == "mx":
            return False
        if m.random.random() >= m.stop_chance[traveller.city]:
            return False
        self.send_away(traveller)
        return True

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
