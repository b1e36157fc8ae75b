"""The travellers' fields, one array each, a row a traveller.

Every traveller is a Mesa agent (`agents/traveller.py`), so `model.agents` and the browser app
see them; the agent is a handle on its row here. A day's arrivals, decisions, crossings,
encounters and book-outs are worked out for everyone concerned at once, as array operations
on their rows: a traveller's fields are read and written together with everyone else's, not
one attribute at a time. Rows of travellers who left the model are used again by new ones.

Each traveller's next wake-up (a day and what it will do then) is a field too: the calendar
(`model/calendar.py`) is these two columns, so waiting costs nothing until the day comes.
"""

from __future__ import annotations

import numpy as np

from model.states import State

NONE = -1
"""A day, city, sector, option or wake-up a traveller does not have."""
SOUTH = -1
"""`spot` of someone on the way north or sent south (else the index of a border city)."""
IN_CITY = np.zeros(len(State), dtype=bool)
IN_CITY[[State.STAGING, State.AFTER_EXPULSION]] = True
"""States of people in a border city where Mexico's sweeps look for them."""

COLUMNS = {
    "alive": np.bool_,  # in the model (a row of someone who left is free for someone new)
    "uid": np.int64,  # the agent's Mesa unique_id
    "state": np.int8,
    "g": np.int8, "k": np.int8,  # nationality group and kind (indices in GROUPS, KINDS)
    "size": np.int32,  # people in the unit (a family's members; 1 otherwise)
    "children": np.int32,  # children a family can send on alone (0 for anyone else)
    "people": np.int64,  # people the agent stands for: size times the scale
    "city": np.int32,  # the border city it heads for or is in
    "spot": np.int32,  # where the map draws it: its city, or SOUTH
    "claim": np.float64, "risk": np.float64, "patience": np.float64,  # traits, drawn at home
    "waited": np.float64,  # days spent waiting in Mexico on this journey
    "knows": np.bool_,  # has beliefs (from its first arrival in a border city)
    "encounters": np.int32, "last_encounter": np.int64,
    "tried": np.int8,  # the option of its last encounter
    "sector": np.int8,  # the sector of its last Border Patrol encounter (NONE at a port)
    "outcome": np.int8,  # the pathway decided at its last encounter
    "barred_until": np.int64,  # last day of the re-entry bar of a removal order (model.policy.bar_end)
    "hearing_day": np.int64,  # an MPP enrollee's final hearing
    "registered": np.int64,  # the day it requested a port appointment
    "wake_day": np.int64, "wake_action": np.int8,  # its next wake-up (model.calendar)
}
FRESH = {"alive": True, "state": State.TRAVELLING, "city": NONE, "spot": SOUTH, "waited": 0.0, "knows": False, "encounters": 0,
         "last_encounter": -10**6, "tried": NONE, "sector": NONE, "outcome": NONE, "barred_until": -1,
         "hearing_day": NONE, "registered": NONE, "wake_day": NONE, "wake_action": NONE}
"""What every traveller starts with: on the way north, never encountered, barred from nothing."""


class Population:
    """The fields of every traveller in the model, by row, and the handle (agent) of each row."""

    def __init__(self, capacity: int = 1024):
        self.top = 0  # rows in use or used before: every row below is a traveller's or free
        self.free: list[int] = []
        self.agent: list = [None] * capacity
        for name, dtype in COLUMNS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self.belief = np.zeros((capacity, 6))  # (enter, far) for surrender, port, appointment

    def take(self, n: int) -> np.ndarray:
        """n rows for new travellers, each set to FRESH (rows left free first, then new ones)."""
        reused = self.free[len(self.free) - min(n, len(self.free)):]
        del self.free[len(self.free) - len(reused):]
        fresh = n - len(reused)
        if self.top + fresh > len(self.state):
            self._grow(self.top + fresh)
        rows = np.concatenate([np.array(reused, dtype=np.intp), np.arange(self.top, self.top + fresh)])
        self.top += fresh
        for name, value in FRESH.items():
            getattr(self, name)[rows] = value
        return rows

    def release(self, rows: np.ndarray) -> None:
        """Rows of travellers who left the model, free for new ones."""
        self.alive[rows] = False
        self.wake_day[rows] = NONE
        for row in rows.tolist():
            self.agent[row] = None
        self.free.extend(rows.tolist())

    def _grow(self, need: int) -> None:
        capacity = max(need, 2 * len(self.state))
        for name in (*COLUMNS, "belief"):
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[:len(old)] = old
            setattr(self, name, new)
        self.agent.extend([None] * (capacity - len(self.agent)))

    def in_city(self) -> np.ndarray:
        """Rows of everyone staging or back after an expulsion in a border city (who Mexico's
        sweeps can find), in row order."""
        return np.flatnonzero(IN_CITY[self.state[:self.top]] & self.alive[:self.top])

    def live(self) -> np.ndarray:
        """Rows of everyone in the model."""
        return np.flatnonzero(self.alive[:self.top])

    def handles(self, rows: np.ndarray) -> list:
        """The agents of these rows."""
        agent = self.agent
        return [agent[r] for r in rows.tolist()]
