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

from agents.choosing import outlook_array
from agents.family import Family
from agents.migrant import Migrant
from agents.minor import UnaccompaniedMinor
from agents.traveller import logit
from agents.valuation import Circumstances, border_options, can_evade, expected_best, logit_chances
from model.params import GROUPS, KINDS
from model.policy import Choice, appointments_open, parole_open, port_takes, reentry_outlook
from model.pressure import Pressure
from model.states import State

GO, WAIT, STAY, PAROLE = Choice.SET_OUT, Choice.WAIT, Choice.STAY, Choice.PAROLE
HOME = (GO, WAIT, STAY, PAROLE)
"""What someone at home can choose."""
TRAVELLER = {"single": Migrant, "family": Family, "uc": UnaccompaniedMinor}
"""The agent each kind of traveller becomes when it sets out."""


class OriginCommunities(Agent):
    """Everyone at home who is considering leaving, by class, and how they decide."""

    def __init__(self, model):
        super().__init__(model)
        beh = model.beh
        self.pressure = Pressure(model.params.pressure)
        self.bins = beh.claim_bins
        self.classes = [(g, k, b) for g in range(len(GROUPS)) for k in range(len(KINDS)) for b in range(self.bins)]
        self.index = {c: i for i, c in enumerate(self.classes)}
        self.g, self.k, bins = (np.array(x, dtype=np.intp) for x in zip(*self.classes, strict=True))
        self.claim = (bins + 0.5) / self.bins
        self.evades = np.array([can_evade(GROUPS[g], KINDS[k]) for g, k, _ in self.classes])
        self.pool: dict[tuple, deque] = {c: deque() for c in self.classes}
        self.heard: np.ndarray | None = None  # (group, kind, claims, 6): (enter, far) per belief option
        self.pipe: deque = deque()
        self.values = np.zeros((len(self.classes), len(HOME)))  # a row a class, columns in `HOME` order
        self.barred = self.values  # the same, for someone within a re-entry bar
        self.parole_month, self.parole_used = None, 0.0

    # -- the day ------------------------------------------------------------------------
    def day(self) -> None:
        """Hear the news, value the journey, take in today's newcomers and let those who
        reconsider today decide."""
        m = self.model
        self.hear()
        self.value_classes()
        fresh = self.newcomers(m.date)
        live = [i for i, c in enumerate(self.classes) if self.pool[c]]
        if not live:
            return
        # Who reconsiders today, and what they choose, for every class at once.
        new = np.array([fresh.get(self.classes[i], 0) for i in live])
        old = np.array([len(self.pool[self.classes[i]]) for i in live]) - new
        deciding = new + m.rng.binomial(old, 1.0 / m.beh.home_reconsider_days)
        counts = m.rng.multinomial(deciding, logit_chances(self.values[live], m.beh.choice_noise))
        for i, fresh_n, n, chosen in zip(live, new.tolist(), deciding.tolist(), counts.tolist(), strict=True):
            if n:
                self.decide_class(self.classes[i], fresh_n, n, dict(zip(HOME, chosen, strict=True)))

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
        shares = np.array([m.route_shares[group] for group in GROUPS])[self.g]  # (class, city)
        reach = m.reach_index  # the best stretch to evade through from each city, at middling risk
        merit = np.where(reach >= 0, (1 - m.catch_array[reach]) - beh.danger_weight * m.sector_danger_array[reach],
                         -np.inf)
        best = merit.argmax(axis=1)[:, None]
        catch = np.take_along_axis(m.catch_array[reach], best, 1)[:, 0]
        danger = np.take_along_axis(m.sector_danger_array[reach], best, 1)[:, 0]
        port_wait = np.array([p.expected_wait() for p in m.ports])
        port_open = np.array([port_takes(levers, kind) for kind in KINDS])[self.k]
        appointments = np.array([appointments_open(levers, kind) for kind in KINDS])[self.k]
        at = Circumstances(danger_here=shares @ m.city_danger, evade_catch=shares @ catch,
                           evade_danger=shares @ danger, day_cost=beh.wait_cost * (1.0 + shares @ np.asarray(m.crowding)),
                           port_wait=np.where(port_open, shares @ port_wait, np.nan),
                           appointment_wait=np.where(appointments, m.appointments.expected_wait(), np.nan),
                           days_left=beh.patience_days)
        stopped = np.where(self.g == GROUPS.index("mx"), 0.0,
                           np.minimum(1.0, levers.mexico.interdiction * (shares @ m.exposure)))
        return at, stopped

    def journey(self, belief: np.ndarray, at: Circumstances, stopped: np.ndarray) -> np.ndarray:
        """Each class's expected value of setting out: at the border, the best of its options or
        going home (a logit's expected best); stopped by Mexico on the way, back home; the
        journey's cost either way."""
        m, beh = self.model, self.model.beh
        home = beh.home_value * (1.0 - self.claim)
        options = border_options(m.worth, beh, belief, claim=self.claim, risk=1.0, can_evade=self.evades, at=at)
        there = expected_best(np.column_stack([options, home]), beh.choice_noise)
        return (1.0 - stopped) * there + stopped * home - beh.journey_cost

    def value_classes(self) -> None:
        """Each class's values of setting out, waiting, staying (and applying for parole), for
        someone free to return and for someone within a re-entry bar."""
        m, beh, levers = self.model, self.model.beh, self.model.levers
        ahead = m.info.upcoming(m.day, beh.anticipation_days)
        fear = (self.claim > levers.processing.fear_threshold).astype(np.intp)
        belief = self.heard[self.g, self.k, fear]
        at, stopped = self.circumstances()
        go = self.journey(belief, at, stopped)
        stay = beh.home_value * (1.0 - self.claim)
        drift = 0.0  # what the journey is expected to gain or lose by the next reconsideration,
        if ahead is not None:  # which may come after the announced change
            effective, table = ahead
            moved = outlook_array(table) - m.outlook_array  # what the new rules imply against today's
            after = self.journey(np.clip(belief + moved[self.g, self.k, fear].reshape(-1, 6), 0.0, 1.0), at, stopped)
            drift = math.exp(-(effective - m.day) / beh.home_reconsider_days) * (after - go)
        self.values = self.choice_values(go, drift, stay)
        room = self.parole_room()
        self.values[:, HOME.index(PAROLE)] = np.where([parole_open(GROUPS[g], KINDS[k], room) for g, k, _ in self.classes],
                                                      m.worth.entry, -np.inf)
        # Someone whose removal order would be reinstated: a claim is heard only at the
        # reasonable-fear standard (the rest are removed again), and they may be prosecuted.
        screen, prosecution = reentry_outlook(levers)
        barred = belief.copy()
        for i in (0, 2):  # surrender and port: entry only through the narrower screening
            enter = np.where(fear == 1, np.minimum(belief[:, i], screen), belief[:, i])
            barred[:, i + 1] = np.minimum(1.0, belief[:, i + 1] + belief[:, i] - enter)
            barred[:, i] = enter
        self.barred = self.choice_values(self.journey(barred, at, stopped) - prosecution * beh.prosecution_cost,
                                         drift, stay)

    def choice_values(self, go: np.ndarray, drift, stay: np.ndarray) -> np.ndarray:
        """Setting out, waiting (and reconsidering with the journey's expected drift), staying;
        parole closed (columns in `HOME` order, a row a class)."""
        beh = self.model.beh
        wait = np.maximum(go + drift, stay) - beh.home_wait_cost * beh.home_reconsider_days
        return np.column_stack([go, wait, stay, np.full_like(go, -np.inf)])

    # -- people ----------------------------------------------------------------------------
    def newcomers(self, date) -> dict[tuple, int]:
        """Today's people who start to consider leaving, added to their classes."""
        m, p, rng = self.model, self.model.params.pressure, self.model.rng
        fresh: dict[tuple, int] = {}
        size = 1 + p.family_two_adult_share + p.family_children_mean
        for g, group in enumerate(GROUPS):
            rate = self.pressure.rate(group, date)
            if rate <= 0:
                continue
            fam, uc = self.pressure.shares(group, date)
            units = (rng.poisson(rate * max(0.0, 1 - fam - uc) / m.scale), rng.poisson(rate * fam / size / m.scale),
                     rng.poisson(rate * uc / m.scale))
            for k, n in enumerate(units):
                if n == 0:
                    continue
                traits = self.traits(group, KINDS[k], int(n))
                bins = np.minimum(self.bins - 1, (traits[0] * self.bins).astype(np.intp))
                order = np.argsort(bins, kind="stable")
                people = list(zip(*(column[order].tolist() for column in traits), strict=True))
                start = 0
                for b, count in enumerate(np.bincount(bins, minlength=self.bins).tolist()):
                    if count:
                        self.pool[(g, k, b)].extend(people[start:start + count])
                        fresh[(g, k, b)] = count
                        start += count
                arrived = int((traits[3] + traits[4]).sum()) * m.scale
                m.census.enter(State.CONSIDERING, arrived)
                m.today["pressure"] += arrived
        return fresh

    def traits(self, group: str, kind: str, n: int) -> tuple[np.ndarray, ...]:
        """n people's claim ~ Beta around the group's mean, risk tolerance ~ lognormal(0, spread),
        patience ~ exponential, adults and children (arrays)."""
        m, p, rng = self.model, self.model.params.pressure, self.model.rng
        mean, conc = p.claim_mean[group], p.claim_concentration
        claim = rng.beta(max(1e-3, conc * mean), max(1e-3, conc * (1 - mean)), n)
        risk = rng.lognormal(0.0, p.risk_spread, n)
        patience = rng.exponential(m.beh.patience_days, n)
        if kind == "family":
            adults = 1 + (rng.random(n) < p.family_two_adult_share)
            children = 1 + rng.poisson(p.family_children_mean - 1, n)
        else:
            adults, children = np.full(n, int(kind == "single")), np.full(n, int(kind == "uc"))
        return claim, risk, patience, adults.astype(np.intp), children.astype(np.intp)

    def claim_class(self, claim: float) -> int:
        return min(self.bins - 1, int(claim * self.bins))

    def decide_class(self, c: tuple, fresh: int, n: int, counts: dict) -> None:
        """Today's newcomers and the others who reconsider (n in all) act on their choices."""
        m, pool = self.model, self.pool[c]
        deciding = [pool.pop() for _ in range(fresh)] + [pool.popleft() for _ in range(n - fresh)]
        g, k, _ = c
        if counts[GO]:
            self.set_out(GROUPS[g], KINDS[k], deciding[:counts[GO]])
        rest = deciding[counts[GO]:]
        for person in rest[:counts.get(PAROLE, 0)]:
            if not self.paroled(person):
                pool.append(person)  # this month's room ran out: they wait
        rest = rest[counts.get(PAROLE, 0):]
        for person in rest[:counts[STAY]]:
            people = person_count(person) * m.scale
            m.census.move(State.CONSIDERING, State.STAYED_HOME, people)
            m.today["stayed_home"] += people
        pool.extend(rest[counts[STAY]:])

    def set_out(self, group: str, kind: str, persons: list[tuple]) -> None:
        """People of one class at home set out: from here on traveller agents, each on its way to a
        border city drawn from today's routes."""
        m = self.model
        routes = m.route_weights[group]
        cities = np.minimum(len(routes) - 1, np.searchsorted(routes, m.rng.random(len(persons)) * routes[-1], "right"))
        arrival = m.day + 1 + np.floor(m.rng.exponential(m.beh.travel_days, len(persons))).astype(np.intp)
        people = 0
        for (claim, risk, patience, adults, children), city, day in zip(persons, cities.tolist(), arrival.tolist(),
                                                                        strict=True):
            if kind == "family":
                t = Family(m, group, claim, risk, patience, adults=adults, children=children)
            else:
                t = TRAVELLER[kind](m, group, claim, risk, patience)
            t.start_journey(city, day)
            people += t.people
        m.census.split(State.CONSIDERING, people)  # the same people, now counted by the agents
        m.today["departures"] += people
        m.events["departures"] += len(persons)

    def reconsider(self, t) -> None:
        """Someone removed to the origin, or moved south by Mexico, decides again whether to go
        north: the same values as their class at home (parole aside)."""
        m = self.model
        i = self.index[(t.g, t.k, self.claim_class(t.claim))]
        values = self.values[i] if t.barred_until < m.day or t.kind == "uc" else self.barred[i]
        choice = logit(m.random, {h: v for h, v in zip(HOME, values.tolist(), strict=True) if h != PAROLE},
                       m.beh.choice_noise)
        if choice == GO:
            m.today["departures"] += t.people
            m.events["departures"] += 1
            t.set_out()
        elif choice == WAIT:
            m.calendar.add(m.day + 1 + int(m.random.expovariate(1.0 / m.beh.home_reconsider_days)), t,
                           "reconsider_home")
        else:
            if t.state == State.TRANSFERRED_SOUTH:
                m.today["gave_up"] += t.people
                t.move(State.GAVE_UP)
            t.retire()  # removed people who stay home remain counted as removed

    # -- parole ----------------------------------------------------------------------------
    def parole_room(self) -> float:
        """People this month's CHNV parole can still take."""
        m = self.model
        month = (m.date.year, m.date.month)
        if month != self.parole_month:
            self.parole_month, self.parole_used = month, 0.0
        return m.levers.pathways.chnv_parole - self.parole_used

    def paroled(self, person: tuple) -> bool:
        """A lawful pathway with monthly room: granted while the month has room for them."""
        m = self.model
        people = person_count(person) * m.scale
        if self.parole_used + people > m.levers.pathways.chnv_parole:
            return False
        self.parole_used += people
        m.census.move(State.CONSIDERING, State.PAROLED, people)
        m.today["paroles"] += people
        return True

    # -- for checks ---------------------------------------------------------------------------
    def people(self) -> int:
        """People considering leaving, counted from the classes."""
        return sum(person_count(p) for pool in self.pool.values() for p in pool) * self.model.scale


def person_count(person: tuple) -> int:
    """People in one unit of the pool: a single adult, a child, or a family's members."""
    return person[3] + person[4]


__all__ = ["OriginCommunities"]
