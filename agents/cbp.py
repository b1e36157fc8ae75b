"""U.S. Customs and Border Protection: Border Patrol in the nine sectors, Field Operations at
the ports, and the port appointment system (CBP One)."""

from __future__ import annotations

from collections import deque

import numpy as np
from mesa.discrete_space import FixedAgent

from agents.choosing import evasion_sectors
from agents.traveller import move_all, retire_all
from agents.valuation import SURRENDER

from model.border import CITIES, COLS_PER_SECTOR, LINE_ROW, SECTORS
from model.calendar import Bag
from model.policy import port_takes
from model.states import State


class BorderPatrolSector(FixedAgent):
    """Border Patrol in one sector: finite agents watch the line; people who surrender take
    agents off the line to process them, so heavy arrivals let more evaders get away."""

    def __init__(self, model, sector: str, agents: float):
        super().__init__(model)
        self.sector, self.index = sector, SECTORS.index(sector)
        self.gotaways = f"gotaways_{sector}"  # its column in the daily table
        self.agents = agents
        self.cell = model.border.grid._cells[(self.index * COLS_PER_SECTOR + COLS_PER_SECTOR // 2, LINE_ROW)]
        self.arrivals = self.arrivals_yesterday = 0.0  # people encountered (processing load)
        self.crossers = 0.0  # people who tried to cross here today
        self.crossers_week = 0.0

    def catch_probability(self) -> float:
        """Chance an evader is caught: presence relative to a normal posting, less agents busy processing."""
        if self.agents <= 0:  # no agents on this stretch (border_patrol.agents = 0): nobody is caught by presence
            return 0.0
        bp = self.model.levers.border_patrol
        normal = bp.agents * bp.allocation[self.sector]
        presence = (self.agents / normal) ** bp.presence_exponent if normal > 0 else 1.0
        busy = min(bp.busy_cap, self.arrivals_yesterday / max(1.0, self.agents * bp.processing_load))
        return max(0.0, min(0.99, bp.apprehension * presence * (1.0 - busy)))

    def end_of_day(self) -> None:
        self.arrivals_yesterday, self.arrivals, self.crossers = self.arrivals, 0.0, 0.0

    @property
    def danger(self) -> float:
        return self.model.border.sector_danger[self.sector]


def watch_the_line(model, crossings: list) -> list:
    """Today's crossings meet Border Patrol, all at once (each sector's catch chance holds for the
    day: it reads yesterday's processing load). Those who surrender are met where their city
    is; evaders try the stretch within reach that looks best to them. Evaders' outcomes are
    reported to others by sector; those not caught get away. Returns the encountered as
    (traveller, choice, sector), in the order they crossed."""
    if not crossings:
        return []
    m, n = model, len(crossings)
    travellers = [t for t, _ in crossings]
    surrender = np.fromiter((c == SURRENDER for _, c in crossings), bool, n)
    cities = np.fromiter((t.city for t in travellers), np.intp, n)
    risk = np.fromiter((t.risk for t in travellers), float, n)
    people = np.fromiter((t.people for t in travellers), float, n)
    sector = np.where(surrender, CITY_SECTOR[cities], evasion_sectors(m, cities, risk))
    catch = np.array([s.catch_probability() for s in m.sectors])
    caught = m.rng.random(n) < np.where(surrender, m.levers.border_patrol.surrender_caught, catch[sector])
    crossers = np.bincount(sector, people, len(SECTORS))
    held = np.bincount(sector[caught], people[caught], len(SECTORS))
    evaders = ~surrender
    m.info.report_crossings(np.bincount(sector[evaders], people[evaders], len(SECTORS)),
                            np.bincount(sector[evaders & caught], people[evaders & caught], len(SECTORS)))
    away = np.bincount(sector[~caught], people[~caught], len(SECTORS))
    for s, tried, taken, lost in zip(m.sectors, crossers.tolist(), held.tolist(), away.tolist(), strict=True):
        s.crossers += tried
        s.crossers_week += tried
        s.arrivals += taken
        if lost:
            m.today[s.gotaways] += lost
    m.today["gotaways"] += float(away.sum())
    gone = [t for t, c in zip(travellers, caught.tolist(), strict=True) if not c]
    move_all(m, gone, State.GOT_AWAY)
    retire_all(m, gone)
    return [(t, c, SECTORS[k]) for (t, c), k, met in zip(crossings, sector.tolist(), caught.tolist(), strict=True)
            if met]


CITY_SECTOR = np.array([SECTORS.index(c.sector) for c in CITIES])
"""Each border city's own sector (where those who surrender are met)."""


def reallocate(sectors: list[BorderPatrolSector], total: float, rate: float) -> None:
    """Move a share of agents toward the sectors that saw more crossings per agent this week."""
    load = [s.crossers_week for s in sectors]
    posted = sum(s.agents for s in sectors)
    if sum(load) <= 0 or rate <= 0 or posted <= 0:  # nothing to move (no crossers, or no agents)
        return
    moved = rate * posted
    for s in sectors:
        s.agents *= 1 - rate
    for s, w in zip(sectors, load, strict=True):
        s.agents += moved * w / sum(load)
        s.crossers_week = 0.0
    scale = total / sum(s.agents for s in sectors)
    for s in sectors:
        s.agents *= scale


class PortOfEntry(FixedAgent):
    """Field Operations at one port: processes people who walk up without an appointment,
    up to its share of the daily capacity; the rest wait on its list in the city."""

    def __init__(self, model, city: int):
        super().__init__(model)
        self.city = city
        self.name = CITIES[city].port
        self.cell = model.border.grid._cells[(CITIES[city].col, LINE_ROW)]
        self.line: deque = deque()
        self.queued = 0.0

    @property
    def capacity(self) -> float:
        return self.model.levers.ports.walkup_capacity / len(CITIES)

    def expected_wait(self) -> float:
        return self.queued / self.capacity if self.capacity > 0 else 1e6

    def join(self, traveller) -> None:
        traveller.move(State.WAITING_APPOINTMENT)
        traveller.ticket += 1  # no pending wake-up: they are in line
        self.line.append(traveller)
        self.queued += traveller.people

    def process(self) -> list:
        """Who is seen today, oldest first, up to the port's capacity; a port closed to asylum first
        turns away everyone in line it no longer takes (see `port_takes`). The caller encounters
        those the port takes and sends the others back to the city."""
        levers = self.model.levers
        turned = []
        if not levers.ports.asylum_open:
            kept = deque()
            for t in self.line:
                (kept if port_takes(levers, t.counted_as) else turned).append(t)
            self.line = kept
            self.queued = sum(t.people for t in kept)
        seen, room = [], self.capacity
        while self.line and (room >= self.line[0].people or (room > 0 and self.model.random.random()
                                                               < room / self.line[0].people)):
            t = self.line.popleft()
            self.queued -= t.people
            room -= t.people
            seen.append(t)
        return seen + turned


class AppointmentSystem:
    """CBP One: requests from people in border cities; each day's slots go half to the
    longest-waiting requests and half at random (the shares are a lever)."""

    def __init__(self, model):
        self.model = model
        self.order: deque = deque()
        self.waiting = Bag()
        self.queued = 0.0

    def expected_wait(self) -> float:
        slots = self.model.levers.appointments.slots
        return self.queued / slots if slots > 0 else 1e6

    def register(self, traveller) -> None:
        m = self.model
        traveller.move(State.WAITING_APPOINTMENT)
        self.order.append(traveller)
        self.waiting.add(traveller)
        self.queued += traveller.people
        # They reconsider when their patience runs out, if no appointment comes first.
        left = max(1, int(traveller.patience - traveller.waited))
        m.calendar.add(m.day + left, traveller, "decide")
        traveller.registered = m.day

    def withdraw(self, traveller) -> None:
        if traveller in self.waiting:
            self.waiting.discard(traveller)
            self.queued -= traveller.people
            traveller.waited += self.model.day - traveller.registered

    def allocate(self) -> list:
        """Today's appointment holders."""
        m, lev = self.model, self.model.levers.appointments
        if not lev.active:
            return []
        holders, oldest = [], lev.slots * lev.oldest_share
        room = lev.slots
        while self.order and room > 0 and lev.slots - room < oldest:
            t = self.order.popleft()
            if t in self.waiting:
                holders.append(t)
                self._take(t)
                room -= t.people
        while len(self.waiting) and room > 0:
            (t,) = self.waiting.draw(m.random, 1)
            holders.append(t)
            self._take(t)
            room -= t.people
        return holders

    def _take(self, t) -> None:
        self.withdraw(t)
        t.ticket += 1

    def cancel_all(self) -> list:
        """The programme ends: every request and appointment is cancelled."""
        people = list(self.waiting.items)
        for t in people:
            self.withdraw(t)
        self.order.clear()
        return people
