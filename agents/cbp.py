"""U.S. Customs and Border Protection: Border Patrol in the nine sectors, Field Operations at
the ports, and the port appointment system (CBP One)."""

from __future__ import annotations

from collections import deque

import numpy as np
from mesa.discrete_space import FixedAgent

from agents.traveller import counted_kinds, move_all, retire_all
from agents.valuation import SURRENDER, evasion_sectors

from model.border import CITIES, COLS_PER_SECTOR, LINE_ROW, SECTORS
from model.calendar import Bag
from model.params import KINDS
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
        return max(0.0, min(bp.catch_cap, bp.apprehension * presence * (1.0 - busy)))

    def end_of_day(self) -> None:
        self.arrivals_yesterday, self.arrivals, self.crossers = self.arrivals, 0.0, 0.0

    @property
    def danger(self) -> float:
        return self.model.border.sector_danger[self.sector]


def watch_the_line(model, rows: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's crossings (rows, and each one's choice: surrender or evade) meet Border Patrol, all
    at once (each sector's catch chance holds for the day: it reads yesterday's processing load).
    Those who surrender are met where their city is; evaders try the stretch within reach that
    looks best to them. Evaders' outcomes are reported to others by sector; those not caught get
    away. Returns the encountered: their rows, choices and sectors (indices in SECTORS)."""
    m, n, p = model, len(rows), model.population
    surrender = chosen == SURRENDER
    cities = p.city[rows].astype(np.intp)
    people = p.people[rows].astype(float)
    sector = np.where(surrender, CITY_SECTOR[cities], evasion_sectors(m, cities, p.risk[rows]))
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
    move_all(m, rows[~caught], State.GOT_AWAY)
    retire_all(m, rows[~caught])
    return rows[caught], chosen[caught], sector[caught]


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
        self.line: deque[int] = deque()  # rows, first come first
        self.queued = 0.0

    @property
    def capacity(self) -> float:
        return self.model.levers.ports.walkup_capacity / len(CITIES)

    def join(self, rows: np.ndarray) -> None:
        """Walk up and wait on the list (no wake-up pending: they are in line)."""
        m = self.model
        move_all(m, rows, State.WAITING_APPOINTMENT)
        m.calendar.cancel(rows)
        self.line.extend(rows.tolist())
        self.queued += float(m.population.people[rows].sum())

    def process(self, seen: list[int], turned: list[int]) -> None:
        """Who is seen today, oldest first, up to the port's capacity, and who is turned away: a
        port closed to asylum first turns away everyone in line it no longer takes (see
        `port_takes`). Their rows are added to `seen` and `turned` (a day's ports fill the same two
        lists): the caller encounters the first and sends the others back to the city."""
        m = self.model
        levers, people = m.levers, m.population.people
        if not levers.ports.asylum_open:
            line = np.array(self.line, dtype=np.intp)
            takes = np.array([port_takes(levers, kind) for kind in KINDS])[counted_kinds(m, line)]
            turned += line[~takes].tolist()
            self.line = deque(line[takes].tolist())
            self.queued = float(people[line[takes]].sum())
        line, room = self.line, self.capacity
        while line and (room >= people[line[0]] or (room > 0 and m.random.random() < room / people[line[0]])):
            row = line.popleft()
            self.queued -= people[row]
            room -= people[row]
            seen.append(row)


def port_waits(ports: list[PortOfEntry]) -> np.ndarray:
    """The days each port's line would take to clear at its capacity (every port has the same
    share of the walk-up capacity; 1e6 when ports take no one), for all of them at once."""
    capacity = ports[0].capacity
    queued = np.array([port.queued for port in ports])
    return queued / capacity if capacity > 0 else np.full(len(ports), 1e6)


class AppointmentSystem:
    """CBP One: requests from people in border cities; each day's slots go half to the
    longest-waiting requests and half at random (the shares are a lever)."""

    def __init__(self, model):
        self.model = model
        self.order: deque[int] = deque()  # rows, in the order they asked
        self.waiting = Bag()  # rows still waiting
        self.queued = 0.0

    def expected_wait(self) -> float:
        slots = self.model.levers.appointments.slots
        return self.queued / slots if slots > 0 else 1e6

    def register(self, rows: np.ndarray) -> None:
        """Ask for an appointment, and reconsider when patience runs out if none comes first."""
        m, p = self.model, self.model.population
        move_all(m, rows, State.WAITING_APPOINTMENT)
        self.order.extend(rows.tolist())
        for row in rows.tolist():
            self.waiting.add(row)
        self.queued += float(p.people[rows].sum())
        left = np.maximum(1, (p.patience[rows] - p.waited[rows]).astype(np.intp))
        m.calendar.add_all(m.day + left, rows, "decide")
        p.registered[rows] = m.day

    def withdraw(self, rows: np.ndarray) -> None:
        """Give up asking: those still waiting leave the queue."""
        waiting = np.array([row in self.waiting for row in rows.tolist()], dtype=bool)
        rows = rows[waiting]
        for row in rows.tolist():
            self.waiting.discard(row)
        self._stop_waiting(rows)

    def _stop_waiting(self, rows: np.ndarray) -> None:
        """Out of the queue (its members are discarded by the caller): the wait counts toward their patience."""
        m, p = self.model, self.model.population
        self.queued -= float(p.people[rows].sum())
        p.waited[rows] += m.day - p.registered[rows]

    def allocate(self) -> np.ndarray:
        """Today's appointment holders."""
        m, lev = self.model, self.model.levers.appointments
        if not lev.active:
            return np.array([], dtype=np.intp)
        people = m.population.people
        holders, oldest = [], lev.slots * lev.oldest_share
        room = lev.slots
        while self.order and room > 0 and lev.slots - room < oldest:
            row = self.order.popleft()
            if row in self.waiting:
                holders.append(row)
                self.waiting.discard(row)
                room -= people[row]
        while len(self.waiting) and room > 0:
            (row,) = self.waiting.draw(m.random, 1)
            holders.append(row)
            self.waiting.discard(row)
            room -= people[row]
        holders = np.array(holders, dtype=np.intp)
        self._stop_waiting(holders)
        m.calendar.cancel(holders)  # they have their appointment: no wake-up is left
        return holders

    def cancel_all(self) -> np.ndarray:
        """The programme ends: every request and appointment is cancelled; returns their rows."""
        rows = np.array(self.waiting.items, dtype=np.intp)
        self.withdraw(rows)
        self.order.clear()
        return rows
