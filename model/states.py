"""The states a person can be in, and the census that counts people by state.

Every person is in exactly one state at the end of every day. The census is kept
incrementally on every transition, so conservation can be checked against a
recount of the agents at any time.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class State(IntEnum):
    TRAVELLING = 0  # on the way north through Mexico
    STAGING = 1  # in a Mexican border city, deciding what to do
    WAITING_APPOINTMENT = 2  # registered for a port appointment, or on a port's waiting list
    IN_CUSTODY = 3  # held by CBP/ICE after an encounter, awaiting the outcome
    AFTER_EXPULSION = 4  # expelled or returned to a Mexican border city
    MPP = 5  # waiting in Mexico for a US hearing under MPP
    TRANSFERRED_SOUTH = 6  # moved south by Mexico; may set out again
    REMOVED = 7  # removed to the country of origin; may set out again much later
    RELEASED = 8  # released into the US with a notice to appear (or relief granted)
    PAROLED = 9  # entered on a port appointment or a parole pathway
    HHS = 10  # unaccompanied child referred to HHS custody
    GOT_AWAY = 11  # crossed without being encountered
    GAVE_UP = 12  # went home of their own accord
    ICE_DETENTION = 13  # transferred to ICE with a removal order, held until a removal flight
    CONSIDERING = 14  # at home, considering whether to leave (the origin pool)
    STAYED_HOME = 15  # considered leaving and decided to stay


WAITING_IN_MEXICO = (State.STAGING, State.WAITING_APPOINTMENT, State.AFTER_EXPULSION, State.MPP)
EXITS = (State.RELEASED, State.PAROLED, State.HHS, State.GOT_AWAY, State.GAVE_UP, State.STAYED_HOME)
"""States nobody leaves: the person's journey in the model is over."""


class Census:
    """People (not agents) by state, updated on every move."""

    def __init__(self) -> None:
        self.people = np.zeros(len(State), dtype=np.int64)
        self.arrived = 0  # everyone who ever considered leaving

    def enter(self, state: State, n: int) -> None:
        self.people[state] += n
        self.arrived += n

    def move(self, old: State, new: State, n: int) -> None:
        self.people[old] -= n
        self.people[new] += n

    def split(self, state: State, n: int) -> None:
        """People who leave one agent to become another (a child sent on alone) are counted once."""
        self.people[state] -= n
        self.arrived -= n

    @property
    def exited(self) -> int:
        return int(sum(self.people[s] for s in EXITS))

    @property
    def active(self) -> int:
        return int(self.people.sum()) - self.exited
