"""A family: adults and children who decide and move as one."""

from __future__ import annotations

import numpy as np

from agents.minor import UnaccompaniedMinor
from agents.traveller import SEND_CHILD, SURRENDER, Traveller
from model.states import State


class Family(Traveller):
    """A group agent; its members are counted as family unit individuals when encountered.

    When the rules bar the adults but exempt children (a closure, or Title 42 expulsion of
    families), the family may send its children on alone: they become an
    UnaccompaniedMinor, and the adults stay and decide again.
    """

    kind = "family"

    def __init__(self, model, group, claim, risk, patience, adults: int = 1, children: int = 1):
        super().__init__(model, group, claim, risk, patience, size=adults + children, children=children)

    @property
    def adults(self) -> int:
        return self.size - self.children

    def act(self, choice: int) -> None:
        """Send the children on alone (the only choice a family makes on its own; the rest are
        carried out for the day's deciders together, `agents.choosing.act`): they surrender at
        the line today, and the adults decide again tomorrow."""
        assert choice == SEND_CHILD
        m = self.model
        children = self.children
        moved = children * m.scale
        m.census.split(self.state, moved)
        child = UnaccompaniedMinor(m, self.group, self.claim, self.risk, self.patience, size=children)
        self.size, self.children = self.adults, 0
        m.population.people[self.row] = self.size * m.scale
        child.city = child.spot = self.city
        child.move(State.STAGING)
        child.belief = self.model.shared[child.g, child.k, int(child.claim > m.levers.processing.fear_threshold)]
        m.today["children_sent_alone"] += moved
        m.crossings.append((child.rows, np.array([SURRENDER])))
        m.calendar.add(m.day + 1, self, "decide")


__all__ = ["Family"]
