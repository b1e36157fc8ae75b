"""Cheap bookkeeping for people who are waiting.

`Calendar` keeps who has something to do on which day, so a person waiting for an
appointment, a hearing or another try costs nothing until that day. (Mesa's event
list holds the dated policy timeline; at about 35 us an event it is too dear for
millions of personal wake-ups.) A traveller has at most one wake-up ahead, kept in its
row of the population (`agents/population.py`): booking a new one replaces the old, and
the day's wake-ups are found in one pass over the rows. `Bag` is a set that can also
draw a random member in O(1).
"""

from __future__ import annotations

import numpy as np

ACTIONS = ("arrive", "decide", "book_out", "mpp", "reconsider_home")
"""What a traveller wakes up to do: reach a border city, decide there, leave custody, take
stock of an MPP case, reconsider at home."""


class Calendar:
    """Who wakes up on which day to do what: the population's wake-up columns."""

    def __init__(self, population):
        self.population = population

    def add(self, day: int, traveller, action: str) -> None:
        self.add_all(day, np.array([traveller.row]), action)

    def add_all(self, days, rows: np.ndarray, action: str) -> None:
        """Book these rows' next wake-up (one day for all, or a day each), replacing any other."""
        p = self.population
        p.wake_day[rows] = days
        p.wake_action[rows] = ACTIONS.index(action)

    def cancel(self, rows: np.ndarray) -> None:
        """No wake-up ahead (they are in a line, or gone)."""
        self.population.wake_day[rows] = -1

    def due(self, day: int) -> dict[str, np.ndarray]:
        """The rows due today, by action, in row order."""
        p = self.population
        rows = np.flatnonzero(p.wake_day[:p.top] == day)
        p.wake_day[rows] = -1
        action = p.wake_action[rows]
        return {name: rows[action == i] for i, name in enumerate(ACTIONS)}

    def __len__(self) -> int:
        p = self.population
        return int((p.wake_day[:p.top] >= 0).sum())


class Bag:
    """A set with O(1) add, remove and random draw."""

    def __init__(self):
        self.items: list = []
        self.index: dict = {}

    def add(self, item) -> None:
        if item not in self.index:
            self.index[item] = len(self.items)
            self.items.append(item)

    def discard(self, item) -> None:
        i = self.index.pop(item, None)
        if i is None:
            return
        last = self.items.pop()
        if i < len(self.items):
            self.items[i] = last
            self.index[last] = i

    def draw(self, rand, n: int) -> list:
        """Up to n distinct random members (not removed)."""
        n = min(n, len(self.items))
        return rand.sample(self.items, n) if n else []

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item) -> bool:
        return item in self.index
