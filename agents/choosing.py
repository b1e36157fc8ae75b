"""The day's choices in the border cities, taken by everyone deciding that day at once.

Everyone who decides on a day reads the same news (the shared reports, the catch rates,
the queues at the ports and for appointments as they stand in the morning) and the same
rules; they differ only in their own traits (claim, risk tolerance, patience) and beliefs,
their city, and who they are (group, kind). So their options are valued together, as
arrays, with the arithmetic of `agents/valuation.py`, and each draws its choice from its
own logit. Each traveller then acts on its choice (`Traveller.act`): joining a queue
lengthens it for tomorrow's deciders, not for today's.
"""

from __future__ import annotations

import numpy as np

from agents.traveller import logit, move_all, retire_all
from agents.valuation import (APPOINTMENT, EVADE, GIVE_UP, PORT, SEND_CHILD, SURRENDER, WAIT, Circumstances,
                              best_evasion, border_options, draw_choices, within_bar)
from model.params import GROUPS, KINDS
from model.policy import (Option, appointments_open, can_evade, children_exempt_adults_barred, port_takes,
                          reentry_outlook)
from model.states import State

UC = KINDS.index("uc")
FAMILY = KINDS.index("family")
EVADES = np.array([[can_evade(group, kind) for kind in KINDS] for group in GROUPS])
"""Who may try to evade, by (group, kind)."""
COLUMNS = SEND_CHILD + 1
"""The choices open in a border city (the first seven)."""
BELIEF_COLUMNS = ((SURRENDER, Option.SURRENDER), (PORT, Option.PORT), (APPOINTMENT, Option.APPOINTMENT))


class Deciders:
    """The traits and beliefs of today's deciders (their rows in the population), one array entry each."""

    def __init__(self, model, rows: np.ndarray):
        p = model.population
        self.rows = rows
        self.g, self.k = p.g[rows].astype(np.intp), p.k[rows].astype(np.intp)
        self.city, self.children = p.city[rows].astype(np.intp), p.children[rows]
        self.claim, self.risk, self.days_left = p.claim[rows], p.risk[rows], p.patience[rows] - p.waited[rows]
        self.fear = (self.claim > model.levers.processing.fear_threshold).astype(np.intp)
        self.belief = p.belief[rows]
        self.barred = (p.barred_until[rows] >= model.day) & (self.k != UC)  # an order to reinstate if caught

    def __len__(self) -> int:
        return len(self.rows)


def listening(m, rows: np.ndarray) -> Deciders:
    """Today's deciders, their beliefs moved toward what others report (and kept)."""
    d = Deciders(m, rows)
    d.belief += m.beh.social_weight * (m.shared[d.g, d.k, d.fear] - d.belief)
    m.population.belief[rows] = d.belief
    return d


def decide(model, rows: np.ndarray) -> None:
    """Today's deciders in border cities update their beliefs, value their options, choose, and act."""
    if not len(rows):
        return
    m, beh = model, model.beh
    d = listening(m, rows)
    values, awaited = option_values(m, d)
    act(m, rows, draw_choices(m.rng, values, beh.choice_noise), awaited)


def act(m, rows: np.ndarray, chosen: np.ndarray, awaited: np.ndarray | None) -> None:
    """Each decider carries out its choice, by choice for the whole day: crossers go to the line,
    walk-ups join their port's line, requests join the appointment queue, those who wait book
    their next decision (past an awaited change), those who give up go home."""
    p = m.population
    for choice in np.flatnonzero(np.bincount(chosen)).tolist():  # the choices made, in order
        picked = chosen == choice
        who = rows[picked]
        if choice in (SURRENDER, EVADE):
            m.crossings.append((who, chosen[picked]))
        elif choice == PORT:
            cities = p.city[who]
            for city in np.flatnonzero(np.bincount(cities)).tolist():
                m.ports[city].join(who[cities == city])
        elif choice == APPOINTMENT:
            m.appointments.register(who)
        elif choice == WAIT:
            days = 1 + np.floor(m.rng.exponential(m.beh.reconsider_days, len(who))).astype(np.intp)
            if awaited is not None:  # wait for the announced change, then a few days more
                until = awaited[picked]
                days = np.where(until >= 0, np.maximum(1, until - m.day) + days - 1, days)
            p.waited[who] += days
            m.calendar.add_all(m.day + days, who, "decide")
        elif choice == GIVE_UP:
            m.today["gave_up"] += float(p.people[who].sum())
            move_all(m, who, State.GAVE_UP)
            retire_all(m, who)
        else:  # a family sends its children on alone
            for family in m.population.handles(who):
                family.act(choice)


def take_stock_in_mpp(m, rows: np.ndarray) -> None:
    """MPP enrollees whose day to take stock it is. Those whose hearing has come attend it; the
    others move their beliefs toward what others report and value waiting for the hearing, evading
    and going home, together (they judge their case by what they believe of asylum, not by the
    published relief rate, and weigh the wait until they next reconsider). Then each, in turn,
    attends its hearing or draws its choice and acts on it (`Traveller.act_in_mpp`)."""
    if not len(rows):
        return
    p, beh = m.population, m.beh
    at_hearing = m.day >= p.hearing_day[rows]
    values = iter(mpp_values(m, rows[~at_hearing]))
    for t, hearing in zip(p.handles(rows), at_hearing.tolist(), strict=True):
        if hearing:
            m.hearing(t)
            continue
        wait, give_up, evade = next(values)
        t.act_in_mpp(logit(m.random, {WAIT: wait, GIVE_UP: give_up, EVADE: evade}, beh.choice_noise))


def mpp_values(m, waiting: np.ndarray) -> list[tuple[float, float, float]]:
    """Each enrollee's value of waiting for the hearing, of going home and of evading, after moving
    its beliefs toward what others report."""
    if not len(waiting):
        return []
    beh = m.beh
    d = listening(m, waiting)
    catch, danger = best_evasion(m, d.city, d.risk)
    stay = d.belief[:, 0] * m.worth.entry - beh.wait_cost * (1 + np.asarray(m.crowding)[d.city]) * beh.mpp_reconsider_days
    home = beh.home_value * (1.0 - d.claim)
    evade = (1 - catch) * beh.entry_value * (1 - beh.claim_value * d.claim) - catch * m.worth.far \
        - beh.danger_weight / d.risk * danger - beh.evade_cost
    return list(zip(stay.tolist(), home.tolist(), evade.tolist(), strict=True))


def circumstances(m, d: Deciders) -> Circumstances:
    """Where each decider stands today: its city's danger and crowding, the best stretch within
    reach to evade through for its risk tolerance, the waits the rules leave open to its kind."""
    beh = m.beh
    catch, danger = best_evasion(m, d.city, d.risk)
    port_open, appointments = open_to_kind(m.levers)
    port_wait = m.port_wait
    return Circumstances(
        danger_here=m.city_danger[d.city], evade_catch=catch, evade_danger=danger,
        day_cost=beh.wait_cost * (1.0 + np.asarray(m.crowding)[d.city]),
        port_wait=np.where(port_open[d.k], port_wait[d.city], np.nan),
        appointment_wait=np.where(appointments[d.k], m.appointments.expected_wait(), np.nan),
        days_left=d.days_left)


def open_to_kind(levers) -> tuple[np.ndarray, np.ndarray]:
    """By kind (in `KINDS` order): whether the ports take their asylum claims, and whether they
    may request appointments, under the rules in force (`model.policy`)."""
    return (np.array([port_takes(levers, kind) for kind in KINDS]),
            np.array([appointments_open(levers, kind) for kind in KINDS]))


def option_values(m, d: Deciders) -> tuple[np.ndarray, np.ndarray | None]:
    """Each decider's value of every choice (minus infinity where it is not open), and the day of
    the announced change a decider who waits would wait for (-1 for none; None if no change is
    announced)."""
    beh, levers, n = m.beh, m.levers, len(d)
    at = circumstances(m, d)
    values = np.full((n, COLUMNS), -np.inf)
    belief, prosecution = within_bar_terms(m, d)
    values[:, :4] = border_options(m.worth, beh, belief, claim=d.claim, risk=d.risk, can_evade=EVADES[d.g, d.k],
                                   at=at)
    if prosecution is not None:  # a reinstated order may bring a prosecution, wherever they are encountered
        values[:, :4] -= prosecution[:, None]
        values[:, EVADE] += prosecution * (1.0 - at.evade_catch)  # an evader only if caught
    best = values[:, :4].max(axis=1)
    patient = at.days_left > 0
    values[:, WAIT] = np.where(patient, best - at.day_cost * beh.reconsider_days - beh.choice_noise, -np.inf)
    awaited = None
    ahead = m.info.upcoming(m.day, beh.anticipation_days)
    if ahead is not None:
        # Waiting carries them past the change: its value is what the new rules offer, so a
        # tightening makes acting now better (a surge) and a loosening makes waiting so.
        effective, table = ahead
        future = future_best(m, d, table, values)
        values[:, WAIT] = np.where(patient, future - at.day_cost * (effective - m.day) - beh.choice_noise, -np.inf)
        awaited = np.where(patient, effective, -1)
    values[:, GIVE_UP] = beh.home_value * (1.0 - d.claim)
    if children_exempt_adults_barred(levers):  # a family may send its children on alone
        enter, far = m.outlook_array[d.g, UC, d.fear, 0].T
        values[:, SEND_CHILD] = np.where(d.children > 0, m.worth.outcome(enter, far) - beh.send_child_cost, -np.inf)
    return values, awaited


def within_bar_terms(m, d: Deciders) -> tuple[np.ndarray, np.ndarray | None]:
    """The beliefs each decider values its options with, and each one's expected loss from a
    prosecution if encountered (None when nobody deciding is barred): for someone within the re-entry
    bar of a removal order, its own beliefs as the reinstatement rules narrow them
    (`valuation.within_bar`, the same arithmetic as at home), and the rules' chance of a prosecution
    times its cost; for anyone else, its own beliefs and no loss."""
    if not d.barred.any():
        return d.belief, None
    screen, prosecution = reentry_outlook(m.levers)
    narrowed = within_bar(d.belief, (d.barred & (d.fear == 1))[:, None], screen, out=np.empty_like(d.belief))
    loss = np.where(d.barred, prosecution * m.beh.prosecution_cost, 0.0)
    return np.where(d.barred[:, None], narrowed, d.belief), loss


def future_best(m, d: Deciders, table: dict, values: np.ndarray) -> np.ndarray:
    """Best option after an announced change: today's values shifted by what the rules imply,
    or the value of an option the change opens."""
    new = outlook_array(table)
    best = np.full(len(d), -np.inf)
    for j, (column, _) in enumerate(BELIEF_COLUMNS):
        e1, f1 = new[d.g, d.k, d.fear, j].T
        e0, f0 = m.outlook_array[d.g, d.k, d.fear, j].T
        after = m.worth.outcome(e1, f1)
        now = values[:, column]
        shifted = np.where(np.isfinite(now), now + after - m.worth.outcome(e0, f0),
                           np.where(e1 > 0, after, -np.inf))
        best = np.maximum(best, shifted)
    return best


def outlook_array(table: dict) -> np.ndarray:
    """An outlook table (`model.policy.outlook_table`) as an array: (group, kind, claims,
    surrender/port/appointment, enter/far)."""
    return np.array([[[[table[(group, kind, claims, o)] for _, o in BELIEF_COLUMNS]
                       for claims in (False, True)] for kind in KINDS] for group in GROUPS], dtype=float)
