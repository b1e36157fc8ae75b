"""Encounters and what follows them: counting, the processing pathway, custody (Border Patrol's
holding, then ICE detention until a removal flight), and the outcome a person lives with (and
tells others about). The rules are in `model.policy`; this module carries them out."""

from __future__ import annotations

from functools import cache

from model.policy import (
    ENTERED, FAR, Option, Outcome, bar_end, counted, disposition, ice_intake, prosecuted, reinstated,
)
from model.records import KIND_TO_DEMOGRAPHIC
from model.states import State


@cache
def tally(channel: str, kind: str, group: str, sector: str | None) -> tuple[str, ...]:
    """The daily columns an encounter counts in: by component, demographic, group and sector."""
    columns = [f"encounters_{channel}", f"encounters_{channel}_{KIND_TO_DEMOGRAPHIC[kind]}", f"encounters_{group}"]
    if channel == "usbp":
        columns.append(f"encounters_usbp_{sector}")
    return tuple(columns)


def custody(days: dict, outcome: Outcome) -> int:
    """Whole days in custody before the pathway decided at encounter is carried out."""
    return int(days[OUTCOME_NAMES[outcome]])


OUTCOME_NAMES = {outcome: outcome.name.lower() for outcome in Outcome}
"""Outcomes as `processing.custody_days` names them."""


class Processing:
    """The CBP processing desk and ICE's removal desk: they own nothing but today's tallies and
    the people Border Patrol holds."""

    def __init__(self, model):
        self.model = model
        self.holding = 0.0  # people in Border Patrol's holding today (port custody is apart)

    def encounter(self, t, channel: str, option: int, sector: str | None, appointment: bool = False) -> None:
        m, today = self.model, self.model.today
        people = t.people
        for column in tally(channel, t.counted_as, t.group, sector):
            today[column] += people
        if channel == "usbp" and counted(m.levers, t.counted_as, t.group):
            today["counted_encounters"] += people
        if m.day - t.last_encounter <= 365:
            today["repeat_encounters"] += people
        else:
            today["unique_encountered"] += people
        t.encounters += 1
        t.last_encounter = m.day
        t.tried, t.sector = option, sector
        lev, kind = m.levers, t.counted_as
        prior = m.day <= t.barred_until
        outcome = disposition(lev, m.budget, m.random, group=t.group, kind=kind,
                              claims=t.claim > lev.processing.fear_threshold, people=people,
                              families=m.scale if kind == "family" else 0.0, appointment=appointment,
                              can_hold=channel != "usbp" or self.holding < lev.border_patrol.holding_capacity,
                              prior_order=prior)
        if outcome in (Outcome.EXPEL_MEXICO, Outcome.EXPEL_ORIGIN):
            today["encounters_title42"] += people
        if reinstated(kind, outcome, prior):
            today["reinstatements"] += people
            if prosecuted(lev, m.random):
                today["prosecutions"] += people
        t.outcome = outcome
        t.move(State.IN_CUSTODY)
        if channel == "usbp":
            self.holding += people
        m.calendar.add(m.day + custody(lev.processing.custody_days, outcome), t, "book_out")

    def book_out(self, t) -> None:
        """Carry out the pathway decided at encounter (or, for someone in ICE detention, the flight)."""
        if t.state == State.ICE_DETENTION:  # a removal flight, or release after a positive fear screening
            self.settle(t, t.outcome, released_by="ice")
            return
        if t.sector is not None:
            self.holding -= t.people
        if t.outcome in (Outcome.REMOVE_ORIGIN, Outcome.ICE_RELEASE):
            self.transfer_to_ice(t)
            return
        self.settle(t, t.outcome, released_by="usbp" if t.sector is not None else "cbp")

    def transfer_to_ice(self, t) -> None:
        """CBP books the person out to ICE (as OHSS counts transfers to ICE): someone held for a fear
        screening is released by ICE once screened in; someone with a removal order to a country
        other than Mexico is held for a flight, returned to Mexico, or released (`ice_intake`)."""
        m = self.model
        m.today["transfers_ice"] += t.people
        if t.outcome == Outcome.ICE_RELEASE:
            t.move(State.ICE_DETENTION)
            m.calendar.add(m.day + max(1, int(m.levers.processing.screening_days)), t, "book_out")
            return
        outcome, day = ice_intake(m.levers, m.budget, group=t.group, people=t.people,
                                  detained=m.census.people[State.ICE_DETENTION], today=m.day)
        if outcome == Outcome.REMOVE_ORIGIN:
            t.move(State.ICE_DETENTION)
            m.calendar.add(day, t, "book_out")
            return
        self.settle(t, outcome, released_by="ice")

    def settle(self, t, outcome: Outcome, released_by: str = "cbp") -> None:
        """The final outcome: reported to others, learnt from, and the person placed where it sends them."""
        m, today = self.model, self.model.today
        people = t.people
        option = Option.SURRENDER if t.tried == Option.EVADE else t.tried  # caught evaders are processed alike
        m.info.report(t.g, t.k, option, people, outcome in ENTERED, outcome in FAR)
        t.learn(option, outcome in ENTERED, outcome in FAR)
        bar = bar_end(m.levers, m.day, t.counted_as, outcome)
        if bar is not None:
            t.barred_until = bar
        if outcome == Outcome.EXPEL_MEXICO:
            today["expulsions"] += people
            t.back_in_mexico(State.AFTER_EXPULSION, m.return_city(t))
        elif outcome == Outcome.RETURN_MEXICO:
            today["removals"] += people
            t.back_in_mexico(State.AFTER_EXPULSION, m.return_city(t))
        elif outcome == Outcome.EXPEL_ORIGIN:
            today["expulsions"] += people
            t.removed(State.REMOVED)
        elif outcome == Outcome.REMOVE_ORIGIN:
            today["removals"] += people
            t.removed(State.REMOVED)
        elif outcome == Outcome.MPP:
            today["mpp_enrollments"] += people
            t.back_in_mexico(State.MPP, m.return_city(t))
        elif outcome == Outcome.HHS:
            today["uc_referrals"] += people
            t.move(State.HHS)
            t.retire()
        elif outcome == Outcome.PAROLE:
            today["paroles"] += people
            self.enter_us(t, State.PAROLED)
        else:  # released with a notice to appear, by Border Patrol, the ports or ICE (after a screening)
            today["releases"] += people
            if released_by in ("usbp", "ice"):
                today[f"releases_{released_by}"] += people
            self.enter_us(t, State.RELEASED)

    def enter_us(self, t, state: State) -> None:
        self.model.courts.backlog += t.people
        t.move(state)
        t.retire()

    def hearing(self, t) -> None:
        """An MPP enrollee's final hearing: relief is rare; otherwise a removal order."""
        m = self.model
        t.hearing_day = None
        if m.random.random() < m.levers.mpp.relief:
            m.today["releases"] += t.people
            self.enter_us(t, State.RELEASED)
            return
        m.today["removals"] += t.people
        m.info.report(t.g, t.k, Option.SURRENDER, t.people, False, True)
        t.barred_until = bar_end(m.levers, m.day, t.counted_as, Outcome.REMOVE_ORIGIN)
        t.removed(State.REMOVED)
