"""What every traveller (single adult, family, unaccompanied child) has and does.

A traveller sets out, is carried north to a border city (or stopped by Mexico on the
way), and there decides, from its own beliefs, what to try: cross and ask for asylum,
cross and evade, walk up to a port, wait for an appointment, wait, or go home. Beliefs
are (chance of getting in, chance of being removed far away) for each option; they move
with the traveller's own outcomes and toward what others report. Deterrence, surges
before announced changes and shifts between sectors come from these choices.
"""

from __future__ import annotations

import math

import numpy as np
from mesa import Agent

from agents.valuation import APPOINTMENT, CHOICES, EVADE, GIVE_UP, PORT, SEND_CHILD, SURRENDER, WAIT
from model.params import GROUPS, KINDS
from model.policy import Option
from model.states import State

IN_CITY = (State.STAGING, State.AFTER_EXPULSION)
IN_CITY_STATE = [s in IN_CITY for s in State]
GROUP_INDEX = {group: g for g, group in enumerate(GROUPS)}
KIND_INDEX = {kind: k for k, kind in enumerate(KINDS)}
SLOT = {Option.SURRENDER: 0, Option.PORT: 1, Option.APPOINTMENT: 2}
"""Where each option's (enter, far) belief sits in `Traveller.belief`."""


def logit(rand, values: dict[int, float], noise: float) -> int:
    """Pick an option with probability proportional to exp(value / noise)."""
    top = max(values.values())
    keys = list(values)
    return rand.choices(keys, weights=[math.exp((values[k] - top) / noise) for k in keys])[0]


def best_evasion_at(model, city: int, risk: float) -> tuple[str, float, float]:
    """The sector within reach of `city` where evading looks best to someone of this risk
    tolerance: (sector, its shared catch rate, its danger)."""
    best, best_value, best_catch, best_danger = None, -math.inf, 0.0, 0.0
    w = model.beh.danger_weight / risk
    for s, k, danger in model.reach[city]:
        catch = model.catch[k]
        v = (1 - catch) - w * danger
        if v > best_value:
            best, best_value, best_catch, best_danger = s, v, catch, danger
    return best, best_catch, best_danger


SOUTH = -1
"""`Traveller.spot` of someone on the way north or sent south (else the index of a border city)."""
FRESH = {
    "spot": SOUTH, "state": State.TRAVELLING, "ticket": 0, "city": None, "sector": None,
    "belief": None,  # [enter, far] for surrender, port, appointment, from the first arrival in a city
    "waited": 0.0,  # days spent waiting in Mexico on this journey
    "encounters": 0, "last_encounter": -10**6, "hearing_day": None,
    "barred_until": -1,  # last day of the re-entry bar of a removal order (model.policy.bar_end)
}
"""What every traveller starts with: on the way north, never encountered, barred from nothing."""


class Traveller(Agent):
    """One agent stands for `model.scale` travellers alike (families: `scale` families).

    A traveller's place on the grid is derived from where it is (`spot`) when something reads
    it (the map), rather than kept in the grid's cells on every move: nothing in the model
    looks people up by cell, and the bookkeeping cost more than the rest of a move."""

    kind = "single"
    children = 0
    """Children a family can send on alone (a family's own count; none for anyone else)."""

    def __init__(self, model, group: str, claim: float, risk: float, patience: float, size: int = 1):
        super().__init__(model)
        self.__dict__.update(FRESH)
        self.group, self.g, self.k = group, GROUP_INDEX[group], KIND_INDEX[self.kind]
        self.size = size  # people in the unit (a family's members; 1 otherwise)
        self.people = size * model.scale
        self.claim, self.risk, self.patience = claim, risk, patience
        model.census.enter(self.state, self.people)

    # -- bookkeeping ---------------------------------------------------------------
    @property
    def cell(self):
        """The grid cell the map draws this traveller in: one of its city's cells, or of the
        south while on the way or sent away (which one follows from its id); None once gone."""
        if self.spot is None:
            return None
        border = self.model.border
        cells = border.south_cells if self.spot == SOUTH else border.city_cells[self.spot]
        return cells[self.unique_id % len(cells)]

    @property
    def counted_as(self) -> str:
        """The demographic CBP counts this unit's members under."""
        return self.kind

    def move(self, state: State) -> None:
        m = self.model
        old = self.state
        m.census.move(old, state, self.people)
        if IN_CITY_STATE[old] != IN_CITY_STATE[state]:  # into or out of a city where Mexico's sweeps look
            if IN_CITY_STATE[state]:
                m.in_city.add(self)
            else:
                m.in_city.discard(self)
        self.state = state

    def retire(self) -> None:
        """Leave the simulation for good (the census keeps counting the person in its last state)."""
        self.model.in_city.discard(self)
        self.ticket += 1
        self.spot = None
        self.remove()

    def place_in_city(self, city: int) -> None:
        self.city = self.spot = city

    # -- the journey ---------------------------------------------------------------
    def start_journey(self, city: int, arrival: int) -> None:
        """Leave from southern Mexico toward `city`, to get there on day `arrival`."""
        if self.state != State.TRAVELLING:
            self.move(State.TRAVELLING)
        self.waited = 0.0
        self.city, self.spot = city, SOUTH
        self.model.calendar.add(arrival, self, "arrive")

    def reach_city(self) -> None:
        """Reach the border city (past Mexico's checkpoints: `MexicanAuthority.checkpoints`)."""
        self.place_in_city(self.city)
        self.move(State.STAGING)
        if self.belief is None:
            self.belief = self.shared_belief()

    # -- deciding ------------------------------------------------------------------
    def shared_belief(self) -> list[float]:
        """What others of this group and kind report about each option, shrunk toward what the
        rules imply (the model reads the news once a day)."""
        m = self.model
        return list(m.shared_lists[self.g][self.k][self.claim > m.levers.processing.fear_threshold])

    def best_evasion(self) -> tuple[str, float, float]:
        return best_evasion_at(self.model, self.city, self.risk)

    def refresh_beliefs(self) -> None:
        """Move each belief part of the way toward what others report (one at a time; the day's
        deciders in border cities do this together in `agents/choosing.py`)."""
        w = self.model.beh.social_weight
        b = self.belief
        for i, shared in enumerate(self.shared_belief()):
            b[i] += w * (shared - b[i])

    def learn(self, option: int, entered: bool, far: bool) -> None:
        """Update the belief about the option just tried with its outcome."""
        if self.belief is None or option not in SLOT:
            return
        w = self.model.beh.own_weight
        i = 2 * SLOT[option]
        self.belief[i] += w * ((1.0 if entered else 0.0) - self.belief[i])
        self.belief[i + 1] += w * ((1.0 if far else 0.0) - self.belief[i + 1])

    def act(self, choice: int, awaited: int | None = None) -> None:
        """Carry out a choice; someone who waits for an announced change (effective on day
        `awaited`) waits until it."""
        m = self.model
        if choice == GIVE_UP:
            m.today["gave_up"] += self.people
        if choice in (SURRENDER, EVADE):
            m.crossings.append((self, choice))
        elif choice == PORT:
            m.ports[self.city].join(self)
        elif choice == APPOINTMENT:
            m.appointments.register(self)
        elif choice == WAIT:
            days = 1 + int(m.random.expovariate(1.0 / m.beh.reconsider_days))
            if awaited is not None:  # wait for the announced change, then a few days more
                days = max(1, awaited - m.day) + int(m.random.expovariate(1.0 / m.beh.reconsider_days))
            self.waited += days
            m.calendar.add(m.day + days, self, "decide")
        elif choice == GIVE_UP:
            self.move(State.GAVE_UP)
            self.retire()

    # -- after CBP -----------------------------------------------------------------
    def back_in_mexico(self, state: State, city: int | None = None) -> None:
        """Returned to a Mexican border city (expelled, returned, or enrolled in MPP)."""
        m = self.model
        self.place_in_city(self.city if city is None else city)
        self.move(state)
        if state == State.MPP:
            self.hearing_day = m.day + max(1, int(m.random.expovariate(1.0 / m.levers.mpp.hearing_days)))
            self.reconsider_in_mpp()
        else:
            m.calendar.add(m.day + 1 + int(m.random.expovariate(1.0 / m.beh.reconsider_days)), self, "decide")

    def reconsider_in_mpp(self) -> None:
        m = self.model
        nxt = m.day + 1 + int(m.random.expovariate(1.0 / m.beh.mpp_reconsider_days))
        m.calendar.add(min(nxt, self.hearing_day), self, "mpp")

    def mpp_day(self) -> None:
        """Waiting in Mexico under MPP: attend the hearing when it comes, or give the case up."""
        m = self.model
        if m.day >= self.hearing_day:
            m.hearing(self)
            return
        self.refresh_beliefs()
        beh = m.beh
        # Enrollees judge their case by what they believe of asylum, not by the published relief rate,
        # and weigh the wait until they next reconsider.
        stay = self.belief[0] * m.worth.entry - beh.wait_cost * (1 + m.crowding[self.city]) * beh.mpp_reconsider_days
        values = {WAIT: stay, GIVE_UP: beh.home_value * (1.0 - self.claim)}
        _, catch, danger = self.best_evasion()
        values[EVADE] = (1 - catch) * beh.entry_value * (1 - beh.claim_value * self.claim) - catch * m.worth.far \
            - beh.danger_weight / self.risk * danger - beh.evade_cost
        choice = logit(m.random, values, beh.choice_noise)
        if choice == WAIT:
            self.reconsider_in_mpp()
            return
        m.today["mpp_abandoned"] += self.people
        self.hearing_day = None
        self.move(State.STAGING)
        self.act(choice)

    def removed(self, state: State) -> None:
        """Sent far away: removed to the origin, or moved south by Mexico. Whether to set out
        again is their own decision, taken at home once they have had time to get back."""
        m = self.model
        self.move(state)
        self.spot = SOUTH
        mean = m.beh.reattempt_removal_days if state == State.REMOVED else m.beh.reattempt_transfer_days
        m.calendar.add(m.day + 1 + int(m.random.expovariate(1.0 / mean)), self, "reconsider_home")


# -- many travellers at once --------------------------------------------------------
# A day's arrivals, crossings, book-outs and decisions come in batches that share the day's
# rules and news. These do for a batch what the methods above do for one traveller, with one
# block of random numbers and one census update, so that a person costs a few attribute
# changes rather than a chain of calls.

def move_all(model, travellers: list, state: State) -> None:
    """`Traveller.move` for a batch, into one state."""
    census, bag = model.census.people, model.in_city
    inside = IN_CITY_STATE[state]
    people = 0
    for t in travellers:
        old = t.state
        census[old] -= t.people
        people += t.people
        if IN_CITY_STATE[old] != inside:
            if inside:
                bag.add(t)
            else:
                bag.discard(t)
        t.state = state
    census[state] += people


def retire_all(model, travellers: list) -> None:
    """`Traveller.retire` for a batch: out of the cities' bag, no wake-up left, out of the model."""
    bag = model.in_city
    for t in travellers:
        if t in bag.index:
            bag.discard(t)
        t.ticket += 1
        t.spot = None
    model.deregister_all(travellers)


def days_from_now(model, n: int, mean: float, least: int = 1) -> list[int]:
    """n days to wake up on: `least` days from today plus whole days of an exponential wait."""
    return (model.day + least + np.floor(model.rng.exponential(mean, n)).astype(np.intp)).tolist()


def remove_all(model, travellers: list, state: State) -> None:
    """`Traveller.removed` for a batch sent far away into one state."""
    if not travellers:
        return
    move_all(model, travellers, state)
    for t in travellers:
        t.spot = SOUTH
    beh = model.beh
    mean = beh.reattempt_removal_days if state == State.REMOVED else beh.reattempt_transfer_days
    model.calendar.add_all(days_from_now(model, len(travellers), mean), travellers, "reconsider_home")


def set_out_from_home(model, leavers: list[tuple], cities: list[int], arrivals: list[int]) -> int:
    """Today's leavers from home become traveller agents, each on its way to its city, to get
    there on its day; returns the people who set out. A leaver is (agent class, group, claim,
    risk, patience, adults, children). The agents are made as `Traveller.__init__` makes one and
    registered with Mesa together (`BorderModel.register_all`): made one at a time, their
    construction and registration cost as much as the rest of their journey."""
    scale, made, people = model.scale, [], 0
    for (cls, group, claim, risk, patience, adults, children), city in zip(leavers, cities, strict=True):
        t = cls.__new__(cls)
        t.__dict__.update(FRESH)
        t.model, t.pos = model, None
        t.group, t.g, t.k = group, GROUP_INDEX[group], KIND_INDEX[cls.kind]
        t.size = adults + children
        if cls.kind == "family":
            t.adults, t.children = adults, children
        t.people = t.size * scale
        t.claim, t.risk, t.patience = claim, risk, patience
        t.city = city
        people += t.people
        made.append(t)
    model.register_all(made)
    model.census.move(State.CONSIDERING, State.TRAVELLING, people)
    model.calendar.add_all(arrivals, made, "arrive")
    return people


def start_journeys(model, travellers: list, cities: list[int], arrivals: list[int]) -> None:
    """`Traveller.start_journey` for a batch setting out again from the south."""
    for t, city in zip(travellers, cities, strict=True):
        t.waited = 0.0
        t.city, t.spot = city, SOUTH
    move_all(model, travellers, State.TRAVELLING)
    model.calendar.add_all(arrivals, travellers, "arrive")


def reach_cities(model, travellers: list) -> None:
    """`Traveller.reach_city` for a batch: in their border cities, staging, with the shared
    beliefs for anyone arriving for the first time."""
    shared, fear = model.shared_lists, model.levers.processing.fear_threshold
    for t in travellers:
        t.spot = t.city
        if t.belief is None:
            t.belief = list(shared[t.g][t.k][t.claim > fear])
    move_all(model, travellers, State.STAGING)


def back_in_cities(model, travellers: list, cities: list[int]) -> None:
    """`Traveller.back_in_mexico` into AFTER_EXPULSION for a batch: returned to these cities,
    to decide again after a few days."""
    if not travellers:
        return
    for t, city in zip(travellers, cities, strict=True):
        t.city = t.spot = city
    move_all(model, travellers, State.AFTER_EXPULSION)
    model.calendar.add_all(days_from_now(model, len(travellers), model.beh.reconsider_days), travellers, "decide")


__all__ = ["Traveller", "CHOICES", "SURRENDER", "EVADE", "PORT", "APPOINTMENT", "WAIT", "GIVE_UP", "SEND_CHILD"]
