"""What every traveller (single adult, family, unaccompanied child) has and does.

A traveller sets out, is carried north to a border city (or stopped by Mexico on the
way), and there decides, from its own beliefs, what to try: cross and ask for asylum,
cross and evade, walk up to a port, wait for an appointment, wait, or go home. Beliefs
are (chance of getting in, chance of being removed far away) for each option; they move
with the traveller's own outcomes and toward what others report. Deterrence, surges
before announced changes and shifts between sectors come from these choices.

A traveller is a Mesa agent whose fields live in its row of the population's arrays
(`agents/population.py`). What a day's arrivals, book-outs and returns do is written here
once, for any number of rows at once (`move_all`, `reach_cities`, ...); the few things one
traveller does alone (an MPP enrollee acting on its choice, a family sending its children on)
are methods of the agent.
"""

from __future__ import annotations

import math

import numpy as np
from mesa import Agent

from agents.population import NONE, SOUTH
from agents.valuation import CHOICES, EVADE, GIVE_UP, SEND_CHILD, SURRENDER, WAIT
from model.border import SECTORS
from model.params import GROUPS, KINDS
from model.policy import Option, Outcome
from model.states import State

GROUP_INDEX = {group: g for g, group in enumerate(GROUPS)}
KIND_INDEX = {kind: k for k, kind in enumerate(KINDS)}
MEXICAN, FAMILY, CHILD = GROUPS.index("mx"), KINDS.index("family"), KINDS.index("uc")
STATES = len(State)  # (an Enum's len is a Python call: this is read in every move)
SLOT = np.full(max(Option) + 1, NONE)
SLOT[[Option.SURRENDER, Option.PORT, Option.APPOINTMENT]] = (0, 1, 2)
"""Where each option's (enter, far) belief sits in a traveller's six beliefs (NONE: no belief)."""


def logit(rand, values: dict[int, float], noise: float) -> int:
    """Pick an option with probability proportional to exp(value / noise)."""
    top = max(values.values())
    keys = list(values)
    return rand.choices(keys, weights=[math.exp((values[k] - top) / noise) for k in keys])[0]


def field(name: str, doc: str, read=None, write=None) -> property:
    """A traveller's field, read from and written to its row (`read`/`write` convert)."""
    def get(self):
        if self.row < 0:
            raise AttributeError(f"{name}: this traveller has left the model")
        value = getattr(self.model.population, name)[self.row].item()
        return read(value) if read else value

    def put(self, value) -> None:
        getattr(self.model.population, name)[self.row] = write(value) if write else value

    return property(get, put, doc=doc)


def _none_or(convert):
    return lambda value: None if value == NONE else convert(value)


def _or_none(value):
    return NONE if value is None else value


class Traveller(Agent):
    """One agent stands for `model.scale` travellers alike (families: `scale` families).

    A traveller's place on the grid is derived from where it is (`spot`) when something reads
    it (the map), rather than kept in the grid's cells on every move: nothing in the model
    looks people up by cell, and the bookkeeping cost more than the rest of a move."""

    kind = "single"

    def __init__(self, model, group: str, claim: float, risk: float, patience: float, size: int = 1,
                 children: int = 0):
        super().__init__(model)
        p = model.population
        self.row = int(p.take(1)[0])
        p.agent[self.row], p.uid[self.row] = self, self.unique_id
        p.g[self.row], p.k[self.row] = GROUP_INDEX[group], KIND_INDEX[self.kind]
        p.size[self.row], p.children[self.row], p.people[self.row] = size, children, size * model.scale
        p.claim[self.row], p.risk[self.row], p.patience[self.row] = claim, risk, patience
        model.census.enter(State.TRAVELLING, size * model.scale)

    g = field("g", "nationality group (index in GROUPS)")
    k = field("k", "kind (index in KINDS)")
    size = field("size", "people in the unit (a family's members; 1 otherwise)")
    children = field("children", "children a family can send on alone (none for anyone else)")
    claim = field("claim", "strength of a protection claim, 0 to 1")
    risk = field("risk", "risk tolerance")
    patience = field("patience", "days of waiting it can afford")
    waited = field("waited", "days spent waiting in Mexico on this journey")
    encounters = field("encounters", "encounters with CBP so far")
    last_encounter = field("last_encounter", "the day of the last encounter")
    barred_until = field("barred_until", "last day of the re-entry bar of a removal order")
    city = field("city", "the border city it heads for or is in", _none_or(int), _or_none)
    spot = field("spot", "where the map draws it: its city, or SOUTH")
    hearing_day = field("hearing_day", "an MPP enrollee's final hearing", _none_or(int), _or_none)
    tried = field("tried", "the option of the last encounter", _none_or(Option), _or_none)
    sector = field("sector", "the sector of the last Border Patrol encounter", _none_or(SECTORS.__getitem__),
                   lambda s: NONE if s is None else SECTORS.index(s))
    outcome = field("outcome", "the pathway decided at the last encounter", _none_or(Outcome), _or_none)

    @property
    def group(self) -> str:
        return GROUPS[self.g]

    @property
    def state(self) -> State:
        """Where the person is; a traveller who left the model keeps its last state."""
        if self.row < 0:
            return State(self.final[0])
        return State(self.model.population.state[self.row])

    @property
    def people(self) -> int:
        if self.row < 0:
            return self.final[1]
        return int(self.model.population.people[self.row])

    @property
    def belief(self) -> list[float] | None:
        """(enter, far) for surrender, port and appointment, once it has reached a border city."""
        p = self.model.population
        return p.belief[self.row].tolist() if p.knows[self.row] else None

    @belief.setter
    def belief(self, values) -> None:
        p = self.model.population
        p.belief[self.row], p.knows[self.row] = values, True

    @property
    def rows(self) -> np.ndarray:
        """This traveller's row, as the functions below take rows."""
        return np.array([self.row])

    @property
    def cell(self):
        """The grid cell the map draws this traveller in: one of its city's cells, or of the
        south while on the way or sent away (which one follows from its id); None once gone."""
        if self.row < 0:
            return None
        border, spot = self.model.border, self.spot
        cells = border.south_cells if spot == SOUTH else border.city_cells[spot]
        return cells[self.unique_id % len(cells)]

    @property
    def counted_as(self) -> str:
        """The demographic CBP counts this unit's members under (`counted_kinds`)."""
        return KINDS[counted_kinds(self.model, self.rows)[0]]

    def move(self, state: State) -> None:
        move_all(self.model, self.rows, state)

    # -- an MPP enrollee ---------------------------------------------------------------
    def back_in_mexico(self, state: State, city: int) -> None:
        """Returned to a Mexican border city to wait for a US hearing under MPP."""
        m = self.model
        self.city = self.spot = city
        self.move(state)
        self.hearing_day = m.day + max(1, int(m.random.expovariate(1.0 / m.levers.mpp.hearing_days)))
        self.reconsider_in_mpp()

    def reconsider_in_mpp(self) -> None:
        m = self.model
        nxt = m.day + 1 + int(m.random.expovariate(1.0 / m.beh.mpp_reconsider_days))
        m.calendar.add(min(nxt, self.hearing_day), self, "mpp")

    def act_in_mpp(self, choice: int) -> None:
        """Carry out an MPP enrollee's choice (`agents.choosing.take_stock_in_mpp`): wait for the
        hearing and take stock again later, or give the case up, to evade or to go home."""
        m = self.model
        if choice == WAIT:
            self.reconsider_in_mpp()
            return
        m.today["mpp_abandoned"] += self.people
        self.hearing_day = None
        self.move(State.STAGING)
        if choice == EVADE:
            m.crossings.append((self.rows, np.array([EVADE])))
        else:
            m.today["gave_up"] += self.people
            self.move(State.GAVE_UP)
            retire_all(m, self.rows)


# -- many travellers at once --------------------------------------------------------
# A day's arrivals, crossings, book-outs and decisions come in batches that share the day's
# rules and news: what happens to each is worked out on their rows together, with one block
# of random numbers and one census update per batch.

def move_all(model, rows: np.ndarray, state: State) -> None:
    """Into one state (the census follows: it counts people by state)."""
    if not len(rows):
        return
    p, census = model.population, model.census.people
    people = p.people[rows]
    census -= np.bincount(p.state[rows], people, STATES).astype(np.int64)
    census[state] += people.sum()
    p.state[rows] = state


def retire_all(model, rows: np.ndarray) -> None:
    """Leave the simulation for good: out of the model, their rows free (the census keeps
    counting each person in the last state, and so does the agent, for whoever holds it)."""
    if not len(rows):
        return
    p = model.population
    handles = p.handles(rows)
    for t, state, people in zip(handles, p.state[rows].tolist(), p.people[rows].tolist(), strict=True):
        t.row, t.final = -1, (state, people)
    model.deregister_all(handles)
    p.release(rows)


def days_from_now(model, n: int, mean: float, least: int = 1) -> np.ndarray:
    """n days to wake up on: `least` days from today plus whole days of an exponential wait."""
    return model.day + least + np.floor(model.rng.exponential(mean, n)).astype(np.intp)


def remove_all(model, rows: np.ndarray, state: State) -> None:
    """Sent far away into one state: removed to the origin, or moved south by Mexico. Whether to
    set out again is their own decision, taken at home once they have had time to get back."""
    if not len(rows):
        return
    move_all(model, rows, state)
    model.population.spot[rows] = SOUTH
    beh = model.beh
    mean = beh.reattempt_removal_days if state == State.REMOVED else beh.reattempt_transfer_days
    model.calendar.add_all(days_from_now(model, len(rows), mean), rows, "reconsider_home")


def start_journeys(model, rows: np.ndarray, cities: np.ndarray, arrivals: np.ndarray) -> None:
    """Set out again from the south toward these cities, to get there on these days."""
    p = model.population
    p.waited[rows] = 0.0
    p.city[rows], p.spot[rows] = cities, SOUTH
    move_all(model, rows, State.TRAVELLING)
    model.calendar.add_all(arrivals, rows, "arrive")


def reach_cities(model, rows: np.ndarray) -> None:
    """In their border cities (past Mexico's checkpoints), staging; someone arriving for the
    first time starts from what others of its group and kind report."""
    p = model.population
    p.spot[rows] = p.city[rows]
    new = rows[~p.knows[rows]]
    fear = p.claim[new] > model.levers.processing.fear_threshold
    p.belief[new] = model.shared[p.g[new], p.k[new], fear.astype(np.intp)]
    p.knows[new] = True
    move_all(model, rows, State.STAGING)


def back_in_cities(model, rows: np.ndarray, cities: np.ndarray) -> None:
    """Expelled or returned to these Mexican border cities, to decide again after a few days."""
    if not len(rows):
        return
    p = model.population
    p.city[rows] = p.spot[rows] = cities
    move_all(model, rows, State.AFTER_EXPULSION)
    model.calendar.add_all(days_from_now(model, len(rows), model.beh.reconsider_days), rows, "decide")


def learn_all(model, rows: np.ndarray, option: np.ndarray, entered: np.ndarray, far: np.ndarray) -> None:
    """Each moves its belief about the option it just tried toward the outcome."""
    if not len(rows):
        return
    p = model.population
    slot = SLOT[option]
    learns = p.knows[rows] & (slot >= 0)
    rows, slot = rows[learns], 2 * slot[learns]
    w = model.beh.own_weight
    for column, outcome in ((slot, entered[learns]), (slot + 1, far[learns])):
        p.belief[rows, column] += w * (outcome - p.belief[rows, column])


def set_out_from_home(model, classes: tuple[type, ...], k: np.ndarray, g: np.ndarray, claim: np.ndarray,
                      risk: np.ndarray, patience: np.ndarray, adults: np.ndarray, children: np.ndarray,
                      cities: np.ndarray, arrivals: np.ndarray) -> int:
    """Today's leavers from home become traveller agents (of these kinds, indices in KINDS, made as
    `classes[kind]`, with these traits), each on its way to its city, to get there on its day;
    returns the people who set out. Their rows are filled together and their agents made kind by
    kind and registered with Mesa together (`BorderModel.register_all`): made one at a time, their
    construction and registration cost as much as the rest of their journey."""
    p, n = model.population, len(k)
    rows = p.take(n)
    size = adults + children
    p.g[rows], p.k[rows], p.size[rows] = g, k, size
    p.children[rows] = np.where(k == FAMILY, children, 0)
    p.people[rows] = size * model.scale
    p.claim[rows], p.risk[rows], p.patience[rows] = claim, risk, patience
    p.city[rows] = cities
    first = model.agent_id_counter
    made, by_class, agent, row_of = [None] * n, {}, p.agent, rows.tolist()
    for kind, cls in enumerate(classes):
        at = np.flatnonzero(k == kind).tolist()
        if not at:
            continue
        members = by_class[cls] = []
        for i in at:
            t = cls.__new__(cls)
            t.model, t.pos, t.row, t.unique_id = model, None, row_of[i], first + i
            agent[row_of[i]] = made[i] = t
            members.append(t)
    model.register_all(made, by_class)
    p.uid[rows] = np.arange(first, first + n)
    people = int(p.people[rows].sum())
    model.census.move(State.CONSIDERING, State.TRAVELLING, people)
    model.calendar.add_all(arrivals, rows, "arrive")
    return people


def counted_kinds(model, rows: np.ndarray) -> np.ndarray:
    """The kind (index in KINDS) CBP counts each unit's members under: a family whose children
    went on alone is counted as single adults."""
    p = model.population
    k = p.k[rows].astype(np.intp)
    return np.where((k == FAMILY) & (p.children[rows] == 0), KINDS.index("single"), k)


__all__ = ["Traveller", "CHOICES", "SURRENDER", "EVADE", "WAIT", "GIVE_UP", "SEND_CHILD"]
