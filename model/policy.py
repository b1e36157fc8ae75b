"""The policy rules, in one place: what happens to a person CBP encounters under the
levers in force, who is exempt from a closure, who counts toward the threshold, and
what the rules alone imply for each option (what travellers expect from an announced
change before anyone has lived it).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from enum import IntEnum

from model.params import GROUPS, KINDS, LEVER_SECTIONS


class Option(IntEnum):
    """What a traveller in a border city can try."""

    SURRENDER = 0  # cross between ports and ask Border Patrol for asylum
    EVADE = 1  # cross between ports and try not to be caught
    PORT = 2  # walk up to a port of entry without an appointment
    APPOINTMENT = 3  # request a port appointment and wait for it


BELIEF_OPTIONS = (Option.SURRENDER, Option.PORT, Option.APPOINTMENT)
"""The options a traveller holds its own (enter, far) beliefs about; evading is judged from
the shared catch rates of the sectors within reach."""


class Outcome(IntEnum):
    """Where CBP processing sends an encountered person."""

    EXPEL_MEXICO = 0  # Title 42 expulsion to Mexico
    EXPEL_ORIGIN = 1  # Title 42 expulsion by air to the country of origin
    RETURN_MEXICO = 2  # Title 8 removal or return to Mexico, with the re-entry bar
    REMOVE_ORIGIN = 3  # Title 8 removal to the country of origin, with the re-entry bar
    RELEASE = 4  # release with a notice to appear
    MPP = 5  # returned to Mexico to wait for a hearing
    HHS = 6  # unaccompanied child referred to HHS
    PAROLE = 7  # paroled in at a port on an appointment


ENTERED = (Outcome.RELEASE, Outcome.HHS, Outcome.PAROLE)
FAR = (Outcome.EXPEL_ORIGIN, Outcome.REMOVE_ORIGIN)


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
    """Daily (and Mexico's monthly) capacities that processing draws down."""

    def __init__(self, rand):
        self.rand = rand
        self.chnv_returns_month = 0.0
        self.month = None

    def new_day(self, levers: Levers, date) -> None:
        self.er = levers.processing.er_capacity
        self.family_detention = levers.processing.family_detention
        self.removal = levers.processing.removal_capacity
        self.t42_flights = levers.title42.flight_capacity
        self.mpp = levers.mpp.capacity
        if (date.year, date.month) != self.month:
            self.month, self.chnv_returns_month = (date.year, date.month), 0.0

    def take(self, name: str, people: float) -> bool:
        """Use capacity for an agent of `people`; an agent larger than what is left gets the rest
        with probability left/people, so capacities hold on average at any scale."""
        left = getattr(self, name)
        if left >= people:
            setattr(self, name, left - people)
            return True
        if left > 0 and self.rand.random() < left / people:
            setattr(self, name, 0.0)
            return True
        return False


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


def disposition(levers: Levers, budget: Budget, rand, *, group: str, kind: str, claims: bool,
                people: float, appointment: bool = False) -> Outcome:
    """The processing pathway for one encountered agent under the rules in force.

    `claims`: the person has a protection claim they would voice when asked; `rand`
    is the model's stdlib random; `people` is how many people the agent stands for
    (capacities are in people).
    """
    t42, proc = levers.title42, levers.processing
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
    if t42.active and rand.random() < (t42.expel_family if kind == "family" else t42.expel_single):
        if mexico_takes(levers, budget, group, people):
            return Outcome.EXPEL_MEXICO
        if budget.take("t42_flights", people):
            return Outcome.EXPEL_ORIGIN
    if barred_by_closure(levers, kind, appointment) and rand.random() >= levers.closure.compelling:
        # No asylum: only those who manifest fear unasked are screened, at the higher standard.
        if claims and rand.random() < levers.closure.manifest_fear and rand.random() < levers.closure.screen_in:
            return _enter_or_wait(levers, budget, group, kind, people)
        return _remove(levers, budget, group, kind, people)
    if not claims:
        return _remove(levers, budget, group, kind, people)
    if levers.mpp.active and group in levers.mpp.groups and budget.take("mpp", people):
        return Outcome.MPP
    held = budget.take("family_detention" if kind == "family" else "er", people)
    if not held:
        return Outcome.RELEASE  # no bed to hold them for a fear screening
    screen = levers.clp.screen_in if levers.clp.active else proc.screen_in  # CLP: no appointment used
    if rand.random() < screen:
        return Outcome.RELEASE
    return _remove(levers, budget, group, kind, people)


def _enter_or_wait(levers, budget, group, kind, people) -> Outcome:
    if levers.mpp.active and group in levers.mpp.groups and budget.take("mpp", people):
        return Outcome.MPP
    return Outcome.RELEASE


def _remove(levers, budget, group, kind, people) -> Outcome:
    """Removal: Mexicans back across the line; others by air if there is capacity, else to
    Mexico where it takes them, else release (a removal that cannot be carried out)."""
    if group == "mx":
        return Outcome.RETURN_MEXICO
    if budget.take("removal", people):
        return Outcome.REMOVE_ORIGIN
    if mexico_takes(levers, budget, group, people):
        return Outcome.RETURN_MEXICO
    return Outcome.RELEASE


def outlook(levers: Levers, group: str, kind: str, claims: bool, option: Option,
            apprehension: float) -> tuple[float, float]:
    """(chance of entering, chance of removal far away) that the rules alone imply, ignoring
    capacities. Travellers use the difference between two regimes' outlooks to anticipate an
    announced change; nobody has experienced the new rules yet."""
    t42, clo = levers.title42, levers.closure
    if option == Option.APPOINTMENT:
        return (levers.ports.parole_prob, 0.0) if levers.appointments.active else (0.0, 0.0)
    if option == Option.PORT and not levers.ports.asylum_open:
        return 0.0, 0.0
    caught = {Option.SURRENDER: levers.border_patrol.surrender_caught, Option.EVADE: apprehension,
              Option.PORT: 1.0}[option]
    far_if_removed = 0.0 if group == "mx" else 1.0
    if kind == "uc":
        enter = 1.0 - (levers.processing.uc_mexico_return if group == "mx" else 0.0)
        return (1 - caught) + caught * enter, 0.0
    returnable = 1.0 if group in levers.mexico.accepts or (group == "chnv" and levers.mexico.chnv_cap > 0) else 0.0
    expel = (t42.expel_family if kind == "family" else t42.expel_single) if t42.active else 0.0
    expel_far = expel * (1 - returnable) * (1.0 if t42.flight_capacity > 0 else 0.0)
    expel_back = expel * returnable
    rest = 1.0 - expel_back - expel_far
    if levers.closure_in_force:
        ok = (clo.manifest_fear * clo.screen_in if claims else 0.0) + clo.compelling
    elif claims:
        screen = levers.clp.screen_in if levers.clp.active else levers.processing.screen_in
        mpp = levers.mpp.enrolled_share if levers.mpp.active and group in levers.mpp.groups else 0.0
        ok = (1 - mpp) * screen + mpp * levers.mpp.relief
    else:
        ok = 0.0
    enter = rest * ok
    far = expel_far + rest * (1 - ok) * far_if_removed
    return (1 - caught) + caught * enter, caught * far


def outlook_table(levers: Levers, apprehension: float) -> dict:
    """outlook() for every (group, kind, claims, option)."""
    return {(g, k, c, o): outlook(levers, g, k, c, o, apprehension)
            for g in GROUPS for k in KINDS for c in (False, True) for o in Option}


__all__ = ["Option", "Outcome", "Levers", "Budget", "disposition", "outlook", "outlook_table",
           "barred_by_closure", "counted", "mexico_takes", "ENTERED", "FAR"]
