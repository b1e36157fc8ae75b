"""A family: adults and children who decide and move as one."""

from __future__ import annotations

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
        self.adults, self.children = adults, children
        super().__init__(model, group, claim, risk, patience, size=adults + children)

    @property
    def counted_as(self) -> str:
        return "family" if self.children else "single"

    def act(self, choice: int, awaited: int | None = None) -> None:
        if choice != SEND_CHILD:
            super().act(choice, awaited)
            return
        m = self.model
        moved = self.children * m.scale
        m.census.split(self.state, moved)
        child = UnaccompaniedMinor(m, self.group, self.claim, self.risk, self.patience, size=self.children)
        self.size, self.children = self.adults, 0
        self.people = self.size * m.scale
        child.place_in_city(self.city)
        child.move(State.STAGING)
        child.belief = list(child.shared_belief())
        m.today["children_sent_alone"] += moved
        child.act(SURRENDER)
        m.calendar.add(m.day + 1, self, "decide")
