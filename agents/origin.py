"""The origin communities: people at home who consider leaving, and their decision.

Migration pressure (`model/pressure.py`) brings people who start to consider leaving. Each of
them, whenever they reconsider, sets out now, waits and reconsiders later, or stays home
(CHNV nationals may instead apply for parole and fly in, while the programme has room that
month). They weigh the expected value of the journey against staying, in the spirit of
expected-value models of migration (Sjaastad 1962; Todaro 1969) with beliefs formed from what
migrants report home (information-based models: Klabunde and Willekens 2016, the Routes and
Rumours model of Hinsch and Bijak). The journey is valued with the same arithmetic as a
choice in a border city (`agents/valuation.py`), from what reaches their community: the
outcomes reported at the border by people of their group and kind, after a further lag and
with a slow weight, and announced changes of the rules. So deterrence, pent-up demand, surges
before an announced tightening and a shift toward children when only children are exempt
start at home; nothing scripts them.

People considering are counts, not agents, in classes (group, kind, claim-strength class):
each class values its options once a day and its members draw their choices from the class's
logit with binomial and multinomial numbers, so waiting costs nothing per person. They become
traveller agents when they set out. People who were removed or moved south are agents already;
they take the same decision, one by one, when their calendar says they reconsider.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from mesa import Agent

from agents.choosing import open_to_kind, outlook_array
from agents.family import Family
from agents.migrant import Migrant
from agents.minor import UnaccompaniedMinor
from agents.routes import draw_cities
from agents.traveller import days_from_now, move_all, retire_all, set_out_from_home, start_journeys
from agents.valuation import (Circumstances, best_evasion, draw_choices, expected_best, logit_chances, option_terms,
                              option_values, within_bar)
from model.border import CITIES
from model.params import GROUPS, KINDS
from model.policy import OPTIONS, Choice, can_evade, parole_open, reentry_outlook
from model.pressure import Pressure
from model.states import State

GO, WAIT, STAY, PAROLE = Choice.SET_OUT, Choice.WAIT, Choice.STAY, Choice.PAROLE
HOME = (GO, WAIT, STAY, PAROLE)
"""What someone at home can choose."""
TRAVELLER = tuple({"single": Migrant, "family": Family, "uc": UnaccompaniedMinor}[kind] for kind in KINDS)
"""The agent each kind of traveller becomes when it sets out."""
FAMILY, UC = KINDS.index("family"), KINDS.index("uc")
UNITS_AHEAD = 366
"""Days of pressure worked out at once for the newcomers (`OriginCommunities.expected_units`)."""


class OriginCommunities(Agent):
    """Everyone at home who is considering leaving, by class, and how they decide."""

    def __init__(self, model):
        super().__init__(model)
        beh, p = model.beh, model.params.pressure
        self.pressure = Pressure(p)
        self.bins = beh.claim_bins
        self.classes = [(g, k, b) for g in range(len(GROUPS)) for k in range(len(KINDS)) for b in range(self.bins)]
        self.index = {c: i for i, c in enumerate(self.classes)}
        self.g, self.k, bins = (np.array(x, dtype=np.intp) for x in zip(*self.classes, strict=True))
        self.claim = (bins + 0.5) / self.bins
        self.evades = np.array([can_evade(GROUPS[g], KINDS[k]) for g, k, _ in self.classes])
        self.stay = beh.home_value * (1.0 - self.claim)
        """Each class's value of staying home (or of going home from the border)."""
        self.mexican = self.g == GROUPS.index("mx")  # Mexico does not stop its own nationals on the way
        self.cities = np.arange(len(CITIES))  # every city, in order: where a class's journey may lead
        self.pools = [deque() for _ in self.classes]
        """Each class's people (in `classes` order), oldest first, as their rows in `people`."""
        self.people_at_home = HomePeople()
        self.heard: np.ndarray | None = None  # (group, kind, claims, 6): (enter, far) per belief option
        self.pipe: deque = deque()
        self.values = np.zeros((len(self.classes), len(HOME)))  # a row a class, columns in `HOME` order
        self.barred = self.values  # the same, for someone within a re-entry bar
        self.parole_month, self.parole_used = None, 0.0
        # What the daily valuation reads from rules that seldom change, and the rules it was made from.
        self._fear_read = self._heard_row = self._fearful = None  # by `levers.processing`
        self._moved_read, self._moved = None, None  # by an announced change's table, today's outlook and `_heard_row`
        self._parole_room_read, self._paroling = None, None  # the classes parole is open to, by this month's room
        # Newcomers are drawn by cell, a (group, kind): what their traits' draws take from it.
        self.cells = np.arange(len(GROUPS) * len(KINDS))
        group, kind = np.divmod(self.cells, len(KINDS))
        mean = np.array([p.claim_mean[name] for name in GROUPS])[group]
        conc = p.claim_concentration
        self.claim_beta = (np.maximum(1e-3, conc * mean), np.maximum(1e-3, conc * (1 - mean)))  # claim ~ Beta(a, b)
        self.cell_family = kind == FAMILY
        self.cell_adults = (kind == KINDS.index("single")).astype(np.intp)  # a family's adults and children are drawn
        self.cell_children = (kind == UC).astype(np.intp)
        self._units_from, self._units = 0, np.empty((0, len(GROUPS), len(KINDS)))  # see `expected_units`

    # -- the day ------------------------------------------------------------------------
    def day(self) -> None:
        """Hear the news, value the journey, take in today's newcomers and let those who
        reconsider today decide."""
        m, pools = self.model, self.pools
        self.hear()
        self.value_classes()
        fresh = self.newcomers(m.date)
        live = [i for i, pool in enumerate(pools) if pool or i in fresh]
        if not live:
            return
        # Who reconsiders today (every newcomer, and some of those already waiting), and what they
        # choose, for every class at once.
        new = [len(fresh.get(i, ())) for i in live]
        waiting = [len(pools[i]) for i in live]
        deciding = np.add(new, m.rng.binomial(waiting, 1.0 / m.beh.home_reconsider_days))
        counts = m.rng.multinomial(deciding, logit_chances(self.values[live], m.beh.choice_noise))
        leaving: list[int] = []
        classes: list[int] = []
        staying: list[int] = []
        for i, n, chosen in zip(live, deciding.tolist(), counts.tolist(), strict=True):
            if n:
                went = self.decide_class(i, fresh.get(i, []), n, chosen, staying)
                leaving += went
                classes += [i] * len(went)
        if staying:
            people = self.people_at_home.count(staying) * m.scale
            m.census.move(State.CONSIDERING, State.STAYED_HOME, people)
            m.today["stayed_home"] += people
            self.people_at_home.release(staying)
        self.set_out(np.array(classes, dtype=np.intp), np.array(leaving, dtype=np.intp))

    def hear(self) -> None:
        """What others report at the border reaches origin communities later and slowly."""
        m = self.model
        now = m.shared.copy()
        if self.heard is None:
            self.heard = now.copy()
        self.pipe.append(now)
        if len(self.pipe) <= m.beh.origin_lag_days:
            return
        arrived = self.pipe.popleft()
        self.heard += m.beh.origin_weight * (arrived - self.heard)

    # -- valuing the journey -------------------------------------------------------------------
    def circumstances(self) -> tuple[Circumstances, np.ndarray]:
        """What someone of each class expects to find at the border, averaged over the cities
        their group's routes lead to, with the options the rules leave open to their kind; and
        the chance Mexico stops the trip on the way."""
        m, levers, beh = self.model, self.model.levers, self.model.beh
        shares = m.route_shares[self.g]  # (class, city)
        catch, danger = best_evasion(m, self.cities, 1.0)  # from each city, at middling risk
        port_wait = m.port_wait
        port_open, appointments = open_to_kind(levers)
        # Averages over each class's cities (`dot`: the same matrix-vector product as `@`, for less overhead).
        at = Circumstances(danger_here=shares.dot(m.city_danger), evade_catch=shares.dot(catch),
                           evade_danger=shares.dot(danger), day_cost=beh.wait_cost * (1.0 + shares.dot(m.crowding)),
                           port_wait=np.where(port_open[self.k], shares.dot(port_wait), np.nan),
                           appointment_wait=np.where(appointments[self.k], m.appointments.expected_wait(), np.nan),
                           days_left=beh.patience_days)
        stopped = np.where(self.mexican, 0.0, np.minimum(1.0, levers.mexico.interdiction * shares.dot(m.exposure)))
        return at, stopped

    def journey(self, belief: np.ndarray, at: Circumstances, stopped: np.ndarray) -> np.ndarray:
        """Each class's expected value of setting out (belief's last axis is a class's six beliefs;
        a leading axis may hold several sets of beliefs): at the border, the best of its options or
        going home (a logit's expected best); stopped by Mexico on the way, back home; the
        journey's cost either way. What the beliefs do not change is worked out once for all sets."""
        m, beh = self.model, self.model.beh
        terms = option_terms(beh, self.claim.shape, claim=self.claim, risk=1.0, can_evade=self.evades, at=at)
        there = np.empty((*belief.shape[:-1], len(OPTIONS) + 1))  # the options at the border, then going home
        there[..., :-1] = option_values(m.worth, belief, self.stay, terms)
        there[..., -1] = self.stay
        return (1.0 - stopped) * expected_best(there, beh.choice_noise) + stopped * self.stay - beh.journey_cost

    def value_classes(self) -> None:
        """Each class's values of setting out, waiting, staying (and applying for parole), for
        someone free to return and for someone within a re-entry bar. Someone whose removal
        order would be reinstated has a claim heard only at the reasonable-fear standard (the
        rest are removed again), and may be prosecuted."""
        m, beh, levers = self.model, self.model.beh, self.model.levers
        ahead = m.info.upcoming(m.day, beh.anticipation_days)
        if levers.processing is not self._fear_read:  # which classes' claims meet the fear standard
            fear = (self.claim > levers.processing.fear_threshold).astype(np.intp)
            self._heard_row = (self.g * len(KINDS) + self.k) * 2 + fear  # each class's row of `heard`, flattened
            self._fearful = fear[:, None] == 1
            self._fear_read = levers.processing
        beliefs = np.empty((2 if ahead is None else 3, len(self.classes), 6))  # free, barred (and after the change)
        belief, barred = beliefs[0], beliefs[1]
        self.heard.reshape(-1, 6).take(self._heard_row, axis=0, out=belief)
        screen, prosecution = reentry_outlook(levers)
        within_bar(belief, self._fearful, screen, out=barred)
        if ahead is not None:  # what the new rules imply against today's, for the journey after the change
            effective, table = ahead
            inputs = (table, m.outlook_array, self._heard_row)
            if self._moved_read is None or any(a is not b for a, b in zip(inputs, self._moved_read, strict=True)):
                moved = outlook_array(table) - m.outlook_array
                self._moved, self._moved_read = moved.reshape(-1, 6)[self._heard_row], inputs
            np.clip(belief + self._moved, 0.0, 1.0, out=beliefs[2])
        go = self.journey(beliefs, *self.circumstances())
        drift = 0.0  # what the journey is expected to gain or lose by the next reconsideration,
        if ahead is not None:  # which may come after the announced change
            drift = math.exp(-(effective - m.day) / beh.home_reconsider_days) * (go[2] - go[0])
        go = go[:2]
        go[1] -= prosecution * beh.prosecution_cost
        self.values, self.barred = self.choice_values(go, drift)
        room = self.parole_room()
        if room != self._parole_room_read:
            self._paroling = np.flatnonzero([parole_open(GROUPS[g], KINDS[k], room) for g, k, _ in self.classes])
            self._parole_room_read = room
        self.values[self._paroling, HOME.index(PAROLE)] = m.worth.entry

    def choice_values(self, go: np.ndarray, drift) -> np.ndarray:
        """Setting out, waiting (and reconsidering with the journey's expected drift), staying;
        parole closed (columns in `HOME` order, a row a class; `go` may have leading axes)."""
        beh = self.model.beh
        values = np.empty((*go.shape, len(HOME)))
        values[..., 0] = go
        values[..., 1] = np.maximum(go + drift, self.stay) - beh.home_wait_cost * beh.home_reconsider_days
        values[..., 2] = self.stay
        values[..., 3] = -np.inf
        return values

    # -- people ----------------------------------------------------------------------------
    def newcomers(self, date) -> dict[int, list[int]]:
        """Today's people who start to consider leaving, drawn for every group and kind at once;
        returns the rows of each class's newcomers (classes with any), in the order drawn. They
        decide today and join their class's pool only if they wait (`decide_class`)."""
        m, bins = self.model, self.bins
        units = m.rng.poisson(self.expected_units(date)).ravel()
        cells = np.repeat(self.cells, units)
        n = len(cells)
        if n == 0:
            return {}
        traits = self.traits(cells, n)
        rows = self.people_at_home.add(*traits)
        joined = cells * bins + np.minimum(bins - 1, (traits[0] * bins).astype(np.intp))
        counts = np.bincount(joined, minlength=len(self.classes))
        # Each class's newcomers together, in the order they were drawn (a stable sort).
        by_class = rows[np.argsort(joined, kind="stable")].tolist()
        fresh, start = {}, 0
        for i in np.flatnonzero(counts).tolist():
            fresh[i] = by_class[start:start + counts[i]]
            start += counts[i]
        arrived = int(traits[3].sum() + traits[4].sum()) * m.scale
        m.census.enter(State.CONSIDERING, arrived)
        m.today["pressure"] += arrived
        return fresh

    def traits(self, cells: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
        """n people's claim ~ Beta around their group's mean, risk tolerance ~ lognormal(0, spread),
        patience ~ exponential, adults and children (by kind), given their cells (group and kind)."""
        m, p, rng = self.model, self.model.params.pressure, self.model.rng
        claim = rng.beta(self.claim_beta[0][cells], self.claim_beta[1][cells])
        risk = rng.lognormal(0.0, p.risk_spread, n)
        patience = rng.exponential(m.beh.patience_days, n)
        family = self.cell_family[cells]
        adults = np.where(family, 1 + (rng.random(n) < p.family_two_adult_share), self.cell_adults[cells])
        children = np.where(family, 1 + rng.poisson(p.family_children_mean - 1, n), self.cell_children[cells])
        return claim, risk, patience, adults.astype(np.intp, copy=False), children.astype(np.intp, copy=False)

    def expected_units(self, date) -> np.ndarray:
        """Today's expected newcomers by (group, kind), in agents: people, families or children.
        Read from the pressure of a year ahead worked out at once (`Pressure.units`), since the
        pressure's knots are interpolated faster for many days than for one."""
        day = date.toordinal()
        if not self._units_from <= day < self._units_from + len(self._units):
            m = self.model
            self._units = self.pressure.units(date, UNITS_AHEAD) / m.scale
            self._units_from = day
        return self._units[day - self._units_from]

    def decide_class(self, i: int, fresh: list[int], n: int, chosen: list[int], staying: list[int]) -> list[int]:
        """Today's newcomers (their rows) and the longest waiting of class i's pool, n in all, act on
        their choices (how many chose each, in `HOME` order), the newest first; returns those who set
        out (their rows), adds those who stay home to `staying` (counted and let go together, for
        every class), and puts those who wait at the back of the pool."""
        pool = self.pools[i]
        go, _, stay, parole = chosen
        deciding = fresh[::-1] + [pool.popleft() for _ in range(n - len(fresh))]
        for person in deciding[go:go + parole]:
            if not self.paroled(person):
                pool.append(person)  # this month's room ran out: they wait
        staying += deciding[go + parole:go + parole + stay]
        pool.extend(deciding[go + parole + stay:])
        return deciding[:go]

    def set_out(self, classes: np.ndarray, leaving: np.ndarray) -> None:
        """Today's leavers (their classes and rows at home) set out: from here on traveller agents,
        each on its way to a border city drawn from its group's routes today."""
        if not len(leaving):
            return
        m = self.model
        claim, risk, patience, adults, children = self.people_at_home.traits(leaving)
        self.people_at_home.release(leaving.tolist())
        cities, arrivals = self.routes(self.g[classes])
        people = set_out_from_home(m, TRAVELLER, self.k[classes], self.g[classes], claim, risk, patience, adults,
                                   children, cities, arrivals)
        m.today["departures"] += people  # the same people, now counted by the agents
        m.events["departures"] += len(leaving)

    def routes(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For leavers of these groups (indices in `GROUPS`): the border city each heads for, drawn
        from its group's routes today, and the day each gets there."""
        m = self.model
        return draw_cities(m.rng, m.route_weights, groups), days_from_now(m, len(groups), m.beh.travel_days)

    def reconsider(self, rows: np.ndarray) -> None:
        """People removed to the origin, or moved south by Mexico, whose time to reconsider has
        come decide again whether to go north: with the same values as their class at home
        (parole aside), or, within a re-entry bar, the values of someone barred."""
        if not len(rows):
            return
        m, p = self.model, self.model.population
        g, k = p.g[rows].astype(np.intp), p.k[rows].astype(np.intp)
        claim_class = np.minimum(self.bins - 1, (p.claim[rows] * self.bins).astype(np.intp))
        classes = (g * len(KINDS) + k) * self.bins + claim_class
        barred = (p.barred_until[rows] >= m.day) & (k != KINDS.index("uc"))
        values = np.where(barred[:, None], self.barred[classes], self.values[classes])[:, :HOME.index(PAROLE)]
        chosen = np.asarray(HOME)[draw_choices(m.rng, values, m.beh.choice_noise)]
        going, waiting, staying = rows[chosen == GO], rows[chosen == WAIT], rows[chosen == STAY]
        if len(going):
            m.today["departures"] += float(p.people[going].sum())
            m.events["departures"] += len(going)
            start_journeys(m, going, *self.routes(p.g[going].astype(np.intp)))
        m.calendar.add_all(days_from_now(m, len(waiting), m.beh.home_reconsider_days), waiting, "reconsider_home")
        south = staying[p.state[staying] == State.TRANSFERRED_SOUTH]
        m.today["gave_up"] += float(p.people[south].sum())
        move_all(m, south, State.GAVE_UP)
        retire_all(m, staying)  # removed people who stay home remain counted as removed

    # -- parole ----------------------------------------------------------------------------
    def parole_room(self) -> float:
        """People this month's CHNV parole can still take."""
        m = self.model
        month = (m.date.year, m.date.month)
        if month != self.parole_month:
            self.parole_month, self.parole_used = month, 0.0
        return m.levers.pathways.chnv_parole - self.parole_used

    def paroled(self, person: int) -> bool:
        """A lawful pathway with monthly room: granted while the month has room for them."""
        m = self.model
        people = self.people_at_home.count([person]) * m.scale
        if self.parole_used + people > m.levers.pathways.chnv_parole:
            return False
        self.people_at_home.release([person])
        self.parole_used += people
        m.census.move(State.CONSIDERING, State.PAROLED, people)
        m.today["paroles"] += people
        return True

    # -- for checks ---------------------------------------------------------------------------
    def people(self) -> int:
        """People considering leaving, counted from the classes."""
        return self.people_at_home.count([p for pool in self.pools for p in pool]) * self.model.scale


class HomePeople:
    """The traits of everyone considering leaving, a row each (rows of those who set out, stayed or
    were paroled are used again): the classes' pools hold rows, so a day's newcomers join and its
    leavers' traits are read as arrays, not one tuple at a time."""

    def __init__(self, capacity: int = 1024):
        self.free: list[int] = []
        self.top = 0
        self.claim, self.risk, self.patience = (np.zeros(capacity) for _ in range(3))
        self.adults, self.children, self.size = (np.zeros(capacity, dtype=np.intp) for _ in range(3))
        # `size`: people in each row's unit (adults and children), for counting the people in some rows

    def add(self, claim, risk, patience, adults, children) -> np.ndarray:
        """Rows for new people with these traits."""
        n = len(claim)
        reused = self.free[len(self.free) - min(n, len(self.free)):]
        del self.free[len(self.free) - len(reused):]
        fresh = n - len(reused)
        if self.top + fresh > len(self.claim):
            capacity = max(self.top + fresh, 2 * len(self.claim))
            for name in ("claim", "risk", "patience", "adults", "children", "size"):
                old = getattr(self, name)
                setattr(self, name, np.concatenate([old, np.zeros(capacity - len(old), dtype=old.dtype)]))
        rows = np.concatenate([np.array(reused, dtype=np.intp), np.arange(self.top, self.top + fresh)])
        self.top += fresh
        self.claim[rows], self.risk[rows], self.patience[rows] = claim, risk, patience
        self.adults[rows], self.children[rows], self.size[rows] = adults, children, adults + children
        return rows

    def traits(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        return self.claim[rows], self.risk[rows], self.patience[rows], self.adults[rows], self.children[rows]

    def count(self, rows: list[int]) -> int:
        """People in these units: single adults, children, or a family's members."""
        return int(self.size[rows].sum())

    def release(self, rows: list[int]) -> None:
        self.free.extend(rows)


__all__ = ["OriginCommunities"]
