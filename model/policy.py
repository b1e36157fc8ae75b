"""The policy rules, in one place: what happens to a person CBP encounters under the
levers in force, who is exempt from a closure, who counts toward the threshold, and
what the rules alone imply for each option (what travellers expect from an announced
change before anyone has lived it).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from enum import IntEnum

import numpy as np

from model.params import GROUPS, KINDS, LEVER_SECTIONS


class Choice(IntEnum):
    """Everything a person in the model can choose, at home or in a border city: one list."""

    SURRENDER = 0  # cross between ports and ask Border Patrol for asylum
    EVADE = 1  # cross between ports and try not to be caught
    PORT = 2  # walk up to a port of entry without an appointment
    APPOINTMENT = 3  # request a port appointment and wait for it
    WAIT = 4  # put the decision off (in a city, or at home)
    GIVE_UP = 5  # go home from a border city
    SEND_CHILD = 6  # a family sends its children on alone
    SET_OUT = 7  # leave home for the border
    STAY = 8  # decide to stay home
    PAROLE = 9  # apply for a parole pathway from home and fly in


Option = Choice
"""The ways to try to enter (the first four choices) are what the rules give an outlook for."""
OPTIONS = (Choice.SURRENDER, Choice.EVADE, Choice.PORT, Choice.APPOINTMENT)
BELIEF_OPTIONS = (Option.SURRENDER, Option.PORT, Option.APPOINTMENT)
"""The options a traveller holds its own (enter, far) beliefs about; evading is judged from
the shared catch rates of the sectors within reach."""


class Outcome(IntEnum):
    """Where CBP processing sends an encountered person."""

    EXPEL_MEXICO = 0  # Title 42 expulsion to Mexico
    EXPEL_ORIGIN = 1  # Title 42 expulsion by air to the country of origin
    RETURN_MEXICO = 2  # Title 8 removal or return to Mexico, with the re-entry bar
    REMOVE_ORIGIN = 3  # Title 8 removal order to the country of origin: transferred to ICE for a flight
    RELEASE = 4  # release with a notice to appear (or parole with conditions / notice to report)
    MPP = 5  # returned to Mexico to wait for a hearing
    HHS = 6  # unaccompanied child referred to HHS
    PAROLE = 7  # paroled in at a port on an appointment
    ICE_RELEASE = 8  # held by ICE for a fear screening, screened in, released by ICE with a notice to appear


ENTERED = (Outcome.RELEASE, Outcome.HHS, Outcome.PAROLE, Outcome.ICE_RELEASE)
FAR = (Outcome.EXPEL_ORIGIN, Outcome.REMOVE_ORIGIN)
EXPELLED = (Outcome.EXPEL_MEXICO, Outcome.EXPEL_ORIGIN)


class Levers:
    """The lever sections in force today; a timeline event swaps in changed copies."""

    def __init__(self, scenario):
        for name in LEVER_SECTIONS:
            setattr(self, name, getattr(scenario, name))
        self.closure_in_force = self.closure.mode == "always" or (
            self.closure.mode == "threshold" and self.closure.initially_active)
        """Whether the suspension applies today; the threshold controller updates it daily."""

    def apply(self, changes: dict) -> Levers:
        new = copy.copy(self)
        for section, values in changes.items():
            setattr(new, section, replace(getattr(self, section), **values))
        if new.closure.mode != self.closure.mode:
            new.closure_in_force = new.closure.mode == "always" or (
                new.closure.mode == "threshold" and new.closure.initially_active)
        return new


class Budget:
    """Daily (and Mexico's monthly) capacities that processing draws down, each in the unit it is
    stated in (families for family detention, people otherwise), and ICE's removal-flight seats."""

    def __init__(self, rand):
        self.rand = rand
        self.chnv_returns_month = 0.0
        self.month = None
        self.flight_clock = 0.0  # the model day (fractional) from which the next flight seat is free

    def new_day(self, levers: Levers, date) -> None:
        self.er = levers.processing.er_capacity  # people
        self.family_detention = levers.processing.family_detention  # families
        self.t42_flights = levers.title42.flight_capacity  # people
        self.mpp = levers.mpp.capacity  # people
        if (date.year, date.month) != self.month:
            self.month, self.chnv_returns_month = (date.year, date.month), 0.0

    def fits(self, left: float, amount: float) -> bool:
        """Whether an agent needing `amount` gets a capacity with `left`: one larger than what is left
        gets it with probability left/amount, so capacities hold on average at any scale."""
        return left >= amount or (left > 0 and self.rand.random() < left / amount)

    def take(self, name: str, amount: float) -> bool:
        """Use `amount` of a daily capacity (in its own unit)."""
        left = getattr(self, name)
        if not self.fits(left, amount):
            return False
        setattr(self, name, max(0.0, left - amount))
        return True

    def first_seat(self, proc, today: int) -> float | None:
        """When a removal flight first has room for someone transferred today: seats go oldest
        transfer first at `removal_capacity` people a day, and never before `removal_days`."""
        if proc.removal_capacity <= 0:
            return None
        return max(self.flight_clock, today + proc.removal_days)

    def board(self, seat: float, people: float, proc) -> None:
        self.flight_clock = seat + people / proc.removal_capacity


def mexico_takes(levers: Levers, budget: Budget, group: str, people: float) -> bool:
    """Mexico accepts returns of this group (and, for CHNV nationals, within the monthly cap)."""
    if group in levers.mexico.accepts:
        return True
    if group == "chnv" and budget.chnv_returns_month + people <= levers.mexico.chnv_cap:
        budget.chnv_returns_month += people
        return True
    return False


def barred_by_closure(levers: Levers, kind: str, appointment: bool) -> bool:
    """The suspension covers everyone in force except unaccompanied children and appointment holders."""
    return levers.closure_in_force and kind != "uc" and not appointment


def counted(levers: Levers, kind: str, group: str) -> bool:
    """Whether a Border Patrol encounter counts toward the threshold average."""
    return not (kind == "uc" and group != "mx" and not levers.closure.count_uc_noncontiguous)


def disposition(levers: Levers, budget: Budget, rand, *, group: str, kind: str, claims: bool, people: float,
                families: float = 0.0, appointment: bool = False, can_hold: bool = True,
                prior_order: bool = False) -> Outcome:
    """The processing pathway for one encountered agent under the rules in force.

    `claims`: the person has a protection claim they would voice when asked; `rand` is the
    model's stdlib random; `people` is how many people the agent stands for, `families` how many
    families (family agents); `can_hold`: Border Patrol's holding has room today; `prior_order`:
    re-encountered within the re-entry bar of a Title 8 removal order.
    """
    t42, proc, clo = levers.title42, levers.processing, levers.closure
    if kind == "uc":
        if t42.active and rand.random() < t42.expel_uc and mexico_takes(levers, budget, group, people):
            return Outcome.EXPEL_MEXICO
        if group == "mx" and rand.random() < proc.uc_mexico_return:
            return Outcome.RETURN_MEXICO
        return Outcome.HHS
    if appointment:
        if rand.random() < levers.ports.parole_prob:
            return Outcome.PAROLE
        return Outcome.RELEASE
    flies = flown_home(levers, group, rand)  # one fact of the person, for Title 42 and Title 8 alike
    if t42.active and rand.random() < (t42.expel_family if kind == "family" else t42.expel_single):
        if mexico_takes(levers, budget, group, people):
            return Outcome.EXPEL_MEXICO
        if flies and budget.take("t42_flights", people):
            return Outcome.EXPEL_ORIGIN
    if prior_order:  # the prior order is reinstated (INA 241(a)(5)): no credible-fear screening
        if claims and rand.random() < reinstated_screen(levers):
            return Outcome.RELEASE  # withholding-only proceedings
        return _remove(levers, budget, group, people, flies)
    if barred_by_closure(levers, kind, appointment):
        if clo.screening == "none":  # no asylum, no fear screening, no exceptions: a residual channel only
            if claims and rand.random() < clo.residual:
                return Outcome.RELEASE
            return _remove(levers, budget, group, people, flies)
        if rand.random() >= clo.compelling:
            # No asylum: only those who manifest fear unasked are screened, at the higher standard.
            if claims and rand.random() < clo.manifest_fear and rand.random() < clo.screen_in:
                return _enter_or_wait(levers, budget, group, people)
            return _remove(levers, budget, group, people, flies)
    if not claims:
        return _remove(levers, budget, group, people, flies)
    if levers.mpp.active and group in levers.mpp.groups and budget.take("mpp", people):
        return Outcome.MPP
    if not can_hold:
        return Outcome.RELEASE  # holding full: released from the station, as in 2019, 2021 and 2023 (ODD 7.7 step 8)
    held = budget.take("family_detention", families) if kind == "family" else budget.take("er", people)
    if not held:
        return Outcome.RELEASE  # no place to hold them for a fear screening (ODD 7.7 step 9)
    if rand.random() < _screen_in(levers):
        return Outcome.ICE_RELEASE
    return _remove(levers, budget, group, people, flies)


def _screen_in(levers: Levers) -> float:
    return levers.clp.screen_in if levers.clp.active else levers.processing.screen_in  # CLP: no appointment used


def _enter_or_wait(levers, budget, group, people) -> Outcome:
    if levers.mpp.active and group in levers.mpp.groups and budget.take("mpp", people):
        return Outcome.MPP
    return Outcome.RELEASE


def _remove(levers: Levers, budget: Budget, group: str, people: float, flies: bool) -> Outcome:
    """A Title 8 removal order: Mexicans back across the line; others transferred to ICE for a flight
    home (`ice_intake`), if their country takes removal flights. Someone whose country does not
    cannot be removed: returned to Mexico where Mexico takes the group, else released with a notice
    to appear, since no removal can follow."""
    if group == "mx":
        return Outcome.RETURN_MEXICO
    if flies:
        return Outcome.REMOVE_ORIGIN
    if mexico_takes(levers, budget, group, people):
        return Outcome.RETURN_MEXICO
    return Outcome.RELEASE


def flown_home(levers: Levers, group: str, rand) -> bool:
    """Whether this person's country takes removal and expulsion flights (`processing.flights_home`,
    a share of the group: drawn only where it is neither 0 nor 1, once an encounter)."""
    share = levers.processing.flights_home[group]
    return share >= 1.0 or (share > 0.0 and rand.random() < share)


def ice_intake(levers: Levers, budget: Budget, *, group: str, people: float, detained: float,
               today: int) -> tuple[Outcome, int]:
    """What ICE does with a person transferred for removal, and on which day: held in a detention bed
    until the first removal flight with room; if no bed is free (`detained` people already hold
    them) or that flight is further away than the detention limit, returned to Mexico where Mexico
    takes the group, else released by ICE. A removal order is never turned into a release while a
    seat is held for it."""
    proc = levers.processing
    seat = budget.first_seat(proc, today)
    if seat is not None and seat - today <= proc.max_detention_days and budget.fits(proc.ice_beds - detained, people):
        budget.board(seat, people, proc)
        return Outcome.REMOVE_ORIGIN, max(today + 1, int(seat))
    if mexico_takes(levers, budget, group, people):
        return Outcome.RETURN_MEXICO, today
    return Outcome.RELEASE, today


def reinstated_screen(levers: Levers) -> float:
    """Chance a person with a claim whose prior order is reinstated gets into proceedings: the
    reasonable-fear screening, or only the residual channel where the closure allows no screening."""
    if levers.closure_in_force and levers.closure.screening == "none":
        return levers.closure.residual
    return levers.processing.reasonable_fear


def reentry_outlook(levers: Levers) -> tuple[float, float]:
    """(chance a person with a claim is screened in, chance of prosecution for illegal re-entry) for
    someone re-encountered within the re-entry bar of a removal order, under the rules in force."""
    return reinstated_screen(levers), levers.processing.prosecution


def reinstated(kind: str, outcome: Outcome, prior_order: bool) -> bool:
    """A prior order is reinstated for adults re-encountered within the bar unless Title 42 expels them."""
    return prior_order and kind != "uc" and outcome not in EXPELLED


def prosecuted(levers: Levers, rand) -> bool:
    """Prosecution for illegal re-entry (8 USC 1326) of a person whose prior order is reinstated."""
    return rand.random() < levers.processing.prosecution


BARRING = (Outcome.RETURN_MEXICO, Outcome.REMOVE_ORIGIN)
"""Title 8 removal orders: they carry a re-entry bar."""


def among(outcomes) -> np.ndarray:
    """A lookup by outcome number, True for these outcomes: `among(X)[outcomes]` tests many at once."""
    table = np.zeros(len(Outcome), dtype=bool)
    table[list(outcomes)] = True
    return table


IS_BARRING = among(BARRING)


def bar_end(levers: Levers, day: int, kind: str, outcome: Outcome) -> int | None:
    """The last day of the re-entry bar a Title 8 removal order carries (children returned to Mexico
    under the TVPRA leave without an order)."""
    end = bar_ends(levers, day, kind == "uc", outcome)
    return int(end) if end >= 0 else None


def bar_ends(levers: Levers, day: int, child, outcome):
    """`bar_end` for arrays of people (whether each is a child alone, each one's outcome): -1 for none."""
    barred = ~np.asarray(child) & IS_BARRING[outcome]
    return np.where(barred, day + round(365 * levers.processing.reentry_bar_years), -1)


def can_evade(group: str, kind: str) -> bool:
    """Whether someone may try to cross unseen: unaccompanied children from far away come to be
    found, not to hide (they are handed to HHS, and a smuggler's drop-off ends at the first agent);
    Mexican children, who can be returned at once, may evade like adults."""
    return kind != "uc" or group == "mx"


def port_takes(levers: Levers, kind: str) -> bool:
    """Whether a port processes someone who walks up to ask for protection: ports closed to asylum
    turn everyone away but (if `ports.uc_when_closed`) unaccompanied children."""
    return levers.ports.asylum_open or (kind == "uc" and levers.ports.uc_when_closed)


def appointments_open(levers: Levers, kind: str) -> bool:
    """Port appointments can be requested while the programme runs, by anyone but an
    unaccompanied child (CBP One needs an adult's account)."""
    return levers.appointments.active and kind != "uc"


def parole_open(group: str, kind: str, room: float) -> bool:
    """The CHNV parole pathway: nationals of those countries, not children alone, while the
    month has room."""
    return room > 0 and group == "chnv" and kind != "uc"


def children_exempt_adults_barred(levers: Levers) -> bool:
    """When the rules bar adults but not children (a closure, or Title 42 expelling families more
    than children), a family may send its children on alone."""
    if levers.closure_in_force:
        return True
    t42 = levers.title42
    return t42.active and t42.expel_family > t42.expel_uc


def outlook(levers: Levers, group: str, kind: str, claims: bool, option: Option,
            apprehension: float) -> tuple[float, float]:
    """(chance of entering, chance of removal far away) that the rules alone imply, ignoring
    capacities; it follows `disposition` step by step. Travellers use the difference between two
    regimes' outlooks to anticipate an announced change; nobody has experienced the new rules yet.
    An MPP enrollee counts as entering with the chance of relief, else as removed."""
    if option == Option.APPOINTMENT and not appointments_open(levers, kind):
        return 0.0, 0.0
    if option == Option.PORT and not port_takes(levers, kind):
        return 0.0, 0.0
    caught = {Option.SURRENDER: levers.border_patrol.surrender_caught, Option.EVADE: apprehension,
              Option.PORT: 1.0, Option.APPOINTMENT: 1.0}[option]
    enter, far = _rules_outlook(levers, group, kind, claims, option == Option.APPOINTMENT)
    return (1 - caught) + caught * enter, caught * far


def _rules_outlook(levers: Levers, group: str, kind: str, claims: bool, appointment: bool) -> tuple[float, float]:
    t42, clo = levers.title42, levers.closure
    returnable = 1.0 if group in levers.mexico.accepts or (group == "chnv" and levers.mexico.chnv_cap > 0) else 0.0
    if kind == "uc":
        expel = t42.expel_uc * returnable if t42.active else 0.0
        back = levers.processing.uc_mexico_return if group == "mx" else 0.0
        return (1 - expel) * (1 - back), 0.0
    if appointment:
        return 1.0, 0.0  # paroled, or released with a notice to appear
    expel = (t42.expel_family if kind == "family" else t42.expel_single) if t42.active else 0.0
    flown = levers.processing.flights_home[group]
    expel_far = expel * (1 - returnable) * (flown if t42.flight_capacity > 0 else 0.0)
    rest = 1.0 - expel * returnable - expel_far
    fly_rest = flown  # of `rest`, those whose countries take flights
    if expel_far > 0 and flown < 1:  # those expelled who fell through to Title 8 could not be flown
        fly_rest = (1 - expel) * flown / rest
    ordinary = _asylum_path(levers, group, _screen_in(levers)) if claims else 0.0
    if barred_by_closure(levers, kind, appointment):
        if clo.screening == "none":
            ok = clo.residual if claims else 0.0
        else:
            passed = clo.manifest_fear * clo.screen_in * _asylum_path(levers, group, 1.0) if claims else 0.0
            ok = (1 - clo.compelling) * passed + clo.compelling * ordinary
    else:
        ok = ordinary
    # A removal order: Mexicans back across the line; others flown home where their country takes
    # flights, else returned to Mexico where it takes them, else released (`_remove`). An MPP
    # enrollee's removal after the hearing is counted the same way (the hearing itself removes).
    far_if_removed = 0.0 if group == "mx" else fly_rest
    enter_if_removed = 0.0 if group == "mx" else (1 - fly_rest) * (1 - returnable)
    return rest * (ok + (1 - ok) * enter_if_removed), expel_far + rest * (1 - ok) * far_if_removed


def _asylum_path(levers: Levers, group: str, screen: float) -> float:
    """Chance a person with a claim enters: MPP for the expected share of an eligible group (relief
    is rare), a fear screening passed with `screen` for the rest."""
    mpp = levers.mpp.enrolled_share if levers.mpp.active and group in levers.mpp.groups else 0.0
    return mpp * levers.mpp.relief + (1 - mpp) * screen


def outlook_table(levers: Levers, apprehension: float) -> dict:
    """outlook() for every (group, kind, claims, option)."""
    return {(g, k, c, o): outlook(levers, g, k, c, o, apprehension)
            for g in GROUPS for k in KINDS for c in (False, True) for o in OPTIONS}


__all__ = ["Choice", "Option", "OPTIONS", "appointments_open", "parole_open", "children_exempt_adults_barred", "Outcome", "Levers", "Budget", "disposition", "outlook", "outlook_table", "ice_intake",
           "reentry_outlook", "reinstated", "reinstated_screen", "prosecuted", "bar_end", "bar_ends", "among",
           "barred_by_closure", "counted", "mexico_takes", "ENTERED", "FAR", "EXPELLED"]
