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
    """Day -> action -> [(agent, ticket)]; an entry is stale once the agent's ticket moved on."""

    def __init__(self):
        self._days: defaultdict[int, defaultdict[str, list]] = defaultdict(_actions)

    def add(self, day: int, agent, action: str) -> None:
        agent.ticket += 1
        self._days[day][action].append((agent, agent.ticket))

    def add_all(self, days, agents, action: str) -> None:
        """Book many agents at once, each on its own day (`days` as a list, or one day for all)."""
        book = self._days
        if isinstance(days, int):
            entries = book[days][action]
            for agent in agents:
                agent.ticket += 1
                entries.append((agent, agent.ticket))
            return
        for day, agent in zip(days, agents, strict=True):
            agent.ticket += 1
            book[day][action].append((agent, agent.ticket))

    def due(self, day: int) -> dict[str, list]:
        """Everything due today that is still current, by action, in the order it was booked."""
        out: dict[str, list] = defaultdict(list)
        for action, entries in self._days.pop(day, {}).items():
            out[action] = [agent for agent, ticket in entries if agent.ticket == ticket]
        return out

    def __len__(self) -> int:
        return sum(len(entries) for actions in self._days.values() for entries in actions.values())


def _actions() -> defaultdict[str, list]:
    """A day's bookings by action (a named function, so that a snapshot can pickle the calendar)."""
    return defaultdict(list)


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
