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
from dataclasses import replace

import numpy as np
from mesa import Agent

from agents.traveller import best_evasion_at, logit
from agents.valuation import GIVE_UP, Circumstances, border_options, can_evade, expected_best
from model.border import CITIES
from model.params import GROUPS, KINDS
from model.policy import BELIEF_OPTIONS, Choice, appointments_open, parole_open, port_takes, reentry_outlook
from model.pressure import Pressure
from model.states import State

GO, WAIT, STAY, PAROLE = Choice.SET_OUT, Choice.WAIT, Choice.STAY, Choice.PAROLE
HOME = (GO, WAIT, STAY, PAROLE)
"""What someone at home can choose."""


class OriginCommunities(Agent):
    """Everyone at home who is considering leaving, by class, and how they decide."""

    def __init__(self, model):
        super().__init__(model)
        beh = model.beh
        self.pressure = Pressure(model.params.pressure)
        self.bins = beh.claim_bins
        self.claim_of_class = [(b + 0.5) / self.bins for b in range(self.bins)]
        self.classes = [(g, k, b) for g in range(len(GROUPS)) for k in range(len(KINDS)) for b in range(self.bins)]
        self.pool: dict[tuple, deque] = {c: deque() for c in self.classes}
        self.heard: np.ndarray | None = None  # (group, kind, claims, 6): (enter, far) per belief option
        self.pipe: deque = deque()
        self.values: dict[tuple, dict[int, float]] = {}
        self.barred: dict[tuple, dict[int, float]] = {}  # the same, for someone within a re-entry bar
        self.parole_month, self.parole_used = None, 0.0

    # -- the day ------------------------------------------------------------------------
    def day(self) -> None:
        """Hear the news, value the journey, take in today's newcomers and let those who
        reconsider today decide."""
        m = self.model
        self.hear()
        self.value_classes()
        fresh = self.newcomers(m.date)
        classes = [c for c in self.classes if self.pool[c]]
        if not classes:
            return
        # Who reconsiders today, and what they choose, for every class at once.
        new = np.array([fresh.get(c, 0) for c in classes])
        old = np.array([len(self.pool[c]) for c in classes]) - new
        deciding = new + m.rng.binomial(old, 1.0 / m.beh.home_reconsider_days)
        chances = np.array([self.chances(self.values[c]) for c in classes])
        counts = m.rng.multinomial(deciding, chances)
        for c, fresh_n, n, chosen in zip(classes, new.tolist(), deciding.tolist(), counts.tolist(), strict=True):
            if n:
                self.decide_class(c, fresh_n, n, dict(zip(HOME, chosen, strict=True)))

    def chances(self, values: dict) -> list[float]:
        """The logit's chance of each home choice (none for a choice not open)."""
        noise = self.model.beh.choice_noise
        top = max(values.values())
        weights = [math.exp((values[h] - top) / noise) if h in values else 0.0 for h in HOME]
        total = sum(weights)
        return [w / total for w in weights]

    def hear(self) -> None:
        """What others report at the border reaches origin communities later and slowly."""
        m = self.model
        now = np.array([[[m.beliefs[(g, k, claims)] for claims in (False, True)]
                         for k in range(len(KINDS))] for g in range(len(GROUPS))])
        if self.heard is None:
            self.heard = now.copy()
        self.pipe.append(now)
        if len(self.pipe) <= m.beh.origin_lag_days:
            return
        arrived = self.pipe.popleft()
        self.heard += m.beh.origin_weight * (arrived - self.heard)

    # -- valuing the journey -------------------------------------------------------------------
    def circumstances(self, group: int) -> tuple[Circumstances, float]:
        """What someone of this group expects to find at the border, averaged over the cities
        their group's routes lead to (for an adult: `for_kind` adjusts it); and the chance Mexico
        stops the trip on the way."""
        m, levers = self.model, self.model.levers
        weights = m.route_shares[GROUPS[group]]
        danger = catch = evade_danger = crowd = port_wait = exposure = 0.0
        for i, w in enumerate(weights):
            if w <= 0:
                continue
            _, c, d = best_evasion_at(m, i, 1.0)
            danger += w * m.danger[CITIES[i].sector]
            catch += w * c
            evade_danger += w * d
            crowd += w * m.crowding[i]
            port_wait += w * m.ports[i].expected_wait()
            exposure += w * m.border.route_exposure(i)
        at = Circumstances(danger_here=danger, evade_catch=catch, evade_danger=evade_danger,
                           day_cost=m.beh.wait_cost * (1.0 + crowd), port_wait=port_wait,
                           appointment_wait=m.appointments.expected_wait(), days_left=m.beh.patience_days)
        stopped = 0.0 if GROUPS[group] == "mx" else min(1.0, levers.mexico.interdiction * exposure)
        return at, stopped

    def for_kind(self, at: Circumstances, kind: str) -> Circumstances:
        """The group's circumstances with the options the rules leave open to this kind."""
        levers = self.model.levers
        return replace(at, port_wait=at.port_wait if port_takes(levers, kind) else None,
                       appointment_wait=at.appointment_wait if appointments_open(levers, kind) else None)

    def journey(self, belief, claim: float, group: int, kind: str, at: Circumstances, stopped: float) -> float:
        """The expected value of setting out: at the border, the best of its options or going
        home (a logit's expected best); stopped by Mexico on the way, back home; the journey's
        cost either way."""
        m, beh = self.model, self.model.beh
        home = beh.home_value * (1.0 - claim)
        options = border_options(m.worth, beh, belief, claim=claim, risk=1.0, can_evade=can_evade(GROUPS[group], kind),
                                 at=at)
        options[GIVE_UP] = home
        there = expected_best(options.values(), beh.choice_noise)
        return (1.0 - stopped) * there + stopped * home - beh.journey_cost

    def value_classes(self) -> None:
        """Each class's values of setting out, waiting, staying (and applying for parole)."""
        m, beh, levers = self.model, self.model.beh, self.model.levers
        ahead = m.info.upcoming(m.day, beh.anticipation_days)
        parole_room = self.parole_room()
        self.values, self.barred, self.inputs = {}, {}, {}
        heard = self.heard.tolist()
        for g in range(len(GROUPS)):
            group_at, stopped = self.circumstances(g)
            for k, kind in enumerate(KINDS):
                at = self.for_kind(group_at, kind)
                for b in range(self.bins):
                    claim = self.claim_of_class[b]
                    claims = claim > levers.processing.fear_threshold
                    belief = heard[g][k][int(claims)]
                    go = self.journey(belief, claim, g, kind, at, stopped)
                    stay = beh.home_value * (1.0 - claim)
                    drift = 0.0  # what the journey is expected to gain or lose by the next reconsideration
                    if ahead is not None:  # which may come after the announced change
                        effective, table = ahead
                        after = self.journey(shifted(belief, table, m.outlook, GROUPS[g], kind, claims),
                                             claim, g, kind, at, stopped)
                        drift = math.exp(-(effective - m.day) / beh.home_reconsider_days) * (after - go)
                    values = self.choice_values(go, drift, stay)
                    if parole_open(GROUPS[g], kind, parole_room):
                        values[PAROLE] = m.worth.entry
                    self.values[(g, k, b)] = values
                    self.inputs[(g, k, b)] = (belief, claim, at, stopped, drift)

    def choice_values(self, go: float, drift: float, stay: float) -> dict:
        """Setting out, waiting (and reconsidering with the journey's expected drift), staying."""
        beh = self.model.beh
        return {GO: go, WAIT: max(go + drift, stay) - beh.home_wait_cost * beh.home_reconsider_days, STAY: stay}

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
                for person in self.traits(group, KINDS[k], int(n)):
                    c = (g, k, self.claim_class(person[0]))
                    self.pool[c].append(person)
                    fresh[c] = fresh.get(c, 0) + 1
                    people = person_count(person) * m.scale
                    m.census.enter(State.CONSIDERING, people)
                    m.today["pressure"] += people
        return fresh

    def traits(self, group: str, kind: str, n: int) -> list[tuple]:
        """n people's (claim ~ Beta around the group's mean, risk tolerance ~ lognormal(0, spread),
        patience ~ exponential, adults, children)."""
        if n == 0:
            return []
        m, p, rng = self.model, self.model.params.pressure, self.model.rng
        mean, conc = p.claim_mean[group], p.claim_concentration
        claim = rng.beta(max(1e-3, conc * mean), max(1e-3, conc * (1 - mean)), n).tolist()
        risk = rng.lognormal(0.0, p.risk_spread, n).tolist()
        patience = rng.exponential(m.beh.patience_days, n).tolist()
        if kind == "family":
            adults = (1 + (rng.random(n) < p.family_two_adult_share)).tolist()
            children = (1 + rng.poisson(p.family_children_mean - 1, n)).tolist()
        else:
            adults, children = [int(kind == "single")] * n, [int(kind == "uc")] * n
        return list(zip(claim, risk, patience, adults, children, strict=True))

    def claim_class(self, claim: float) -> int:
        return min(self.bins - 1, int(claim * self.bins))

    def decide_class(self, c: tuple, fresh: int, n: int, counts: dict) -> None:
        """Today's newcomers and the others who reconsider (n in all) act on their choices."""
        m, pool = self.model, self.pool[c]
        deciding = [pool.pop() for _ in range(fresh)] + [pool.popleft() for _ in range(n - fresh)]
        g, k, _ = c
        for person in deciding[:counts[GO]]:
            self.set_out(GROUPS[g], KINDS[k], person)
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

    def set_out(self, group: str, kind: str, person: tuple) -> None:
        """Someone at home sets out: from here on a traveller agent."""
        from agents import Family, Migrant, UnaccompaniedMinor

        m = self.model
        claim, risk, patience, adults, children = person
        if kind == "family":
            t = Family(m, group, claim, risk, patience, adults=adults, children=children)
        elif kind == "uc":
            t = UnaccompaniedMinor(m, group, claim, risk, patience)
        else:
            t = Migrant(m, group, claim, risk, patience)
        m.census.split(State.CONSIDERING, t.people)  # the same people, now counted by the agent
        m.today["departures"] += t.people
        m.events["departures"] += 1
        t.set_out()

    def reconsider(self, t) -> None:
        """Someone removed to the origin, or moved south by Mexico, decides again whether to go
        north: the same values as their class at home."""
        m = self.model
        c = (t.g, t.k, self.claim_class(t.claim))
        values = self.values[c] if t.barred_until < m.day or t.kind == "uc" else self.barred_values(c)
        choice = logit(m.random, {key: v for key, v in values.items() if key != PAROLE}, m.beh.choice_noise)
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

    def barred_values(self, c: tuple) -> dict[int, float]:
        """A class's values for someone whose removal order would be reinstated: a claim is heard only
        at the reasonable-fear standard (the rest are removed again), and they may be prosecuted."""
        if c not in self.barred:
            m, beh = self.model, self.model.beh
            screen, prosecution = reentry_outlook(m.levers)
            belief, claim, at, stopped, drift = self.inputs[c]
            g, k, _ = c
            if claim > m.levers.processing.fear_threshold:
                belief = list(belief)
                for i in (0, 2):  # surrender and port: entry only through the narrower screening
                    enter = min(belief[i], screen)
                    belief[i + 1] = min(1.0, belief[i + 1] + belief[i] - enter)
                    belief[i] = enter
            go = self.journey(belief, claim, g, KINDS[k], at, stopped) - prosecution * beh.prosecution_cost
            self.barred[c] = self.choice_values(go, drift, self.values[c][STAY])
        return self.barred[c]

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


def shifted(belief, table: dict, outlook: dict, group: str, kind: str, claims: bool) -> list[float]:
    """Beliefs after an announced change: moved by what the new rules imply against today's."""
    out = list(belief)
    for i, o in enumerate(BELIEF_OPTIONS):
        for j in (0, 1):
            delta = table[(group, kind, claims, o)][j] - outlook[(group, kind, claims, o)][j]
            out[2 * i + j] = min(1.0, max(0.0, out[2 * i + j] + delta))
    return out


__all__ = ["OriginCommunities"]
