"""Cheap bookkeeping for people who are waiting.

`Calendar` keeps who has something to do on which day, so a person waiting for an
appointment, a hearing or another try costs nothing until that day. (Mesa's event
list holds the dated policy timeline; at about 35 us an event it is too dear for
millions of personal wake-ups, which cost well under 1 us here.) `Bag` is a set that
can also draw a random member in O(1).
"""

from __future__ import annotations

from collections import defaultdict


class Calendar:
    """Day -> [(agent, action, ticket)]; an entry is stale once the agent's ticket moved on."""

    def __init__(self):
        self._days: defaultdict[int, list] = defaultdict(list)

    def add(self, day: int, agent, action: str) -> None:
        agent.ticket += 1
        self._days[day].append((agent, action, agent.ticket))

    def due(self, day: int) -> dict[str, list]:
        """Everything due today that is still current, by action, in the order it was booked."""
        out: dict[str, list] = defaultdict(list)
        for agent, action, ticket in self._days.pop(day, ()):
            if agent.ticket == ticket:
                out[action].append(agent)
        return out

    def __len__(self) -> int:
        return sum(len(v) for v in self._days.values())


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
