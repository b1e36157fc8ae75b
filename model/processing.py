"""Encounters and what follows them: counting, the processing pathway, custody (Border Patrol's
holding, then ICE detention until a removal flight), and the outcome a person lives with (and
tells others about). The rules are in `model.policy`; this module carries them out."""

from __future__ import annotations

from functools import cache

from agents.traveller import back_in_cities, move_all, remove_all, retire_all
from model.policy import (
    ENTERED, EXPELLED, FAR, Option, Outcome, bar_end, counted, disposition, ice_intake, prosecuted, reinstated,
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
SETTLED_COLUMN = {Outcome.EXPEL_MEXICO: "expulsions", Outcome.EXPEL_ORIGIN: "expulsions",
                  Outcome.RETURN_MEXICO: "removals", Outcome.REMOVE_ORIGIN: "removals",
                  Outcome.MPP: "mpp_enrollments", Outcome.HHS: "uc_referrals", Outcome.PAROLE: "paroles",
                  Outcome.RELEASE: "releases"}
"""The daily column each final outcome counts in."""


class Processing:
    """The CBP processing desk and ICE's removal desk: they own nothing but today's tallies and
    the people Border Patrol holds. A day's encounters and book-outs are handled as batches;
    each person's pathway is still decided one at a time (`disposition`), in order, since
    capacities and Border Patrol's holding fill up as the day goes."""

    def __init__(self, model):
        self.model = model
        self.holding = 0.0  # people in Border Patrol's holding today (port custody is apart)

    def encounter(self, t, channel: str, option: int, sector: str | None, appointment: bool = False) -> None:
        self.encounter_all([(t, option, sector)], channel, appointment)

    def encounter_all(self, met: list, channel: str, appointment: bool = False) -> None:
        """Count today's encounters on one channel (`met`: (traveller, option tried, sector or None))
        and decide each one's pathway; each is held until its book-out day."""
        if not met:
            return
        m, today, lev = self.model, self.model.today, self.model.levers
        day, usbp = m.day, channel == "usbp"
        fear, days = lev.processing.fear_threshold, lev.processing.custody_days
        holding_capacity = lev.border_patrol.holding_capacity
        travellers, book_out = [], []
        for t, option, sector in met:
            people, kind, group = t.people, t.counted_as, t.group
            for column in tally(channel, kind, group, sector):
                today[column] += people
            if usbp and counted(lev, kind, group):
                today["counted_encounters"] += people
            today["repeat_encounters" if day - t.last_encounter <= 365 else "unique_encountered"] += people
            t.encounters += 1
            t.last_encounter = day
            t.tried, t.sector = option, sector
            prior = day <= t.barred_until
            outcome = disposition(lev, m.budget, m.random, group=group, kind=kind, claims=t.claim > fear,
                                  people=people, families=m.scale if kind == "family" else 0.0,
                                  appointment=appointment, can_hold=not usbp or self.holding < holding_capacity,
                                  prior_order=prior)
            if outcome in EXPELLED:
                today["encounters_title42"] += people
            if reinstated(kind, outcome, prior):
                today["reinstatements"] += people
                if prosecuted(lev, m.random):
                    today["prosecutions"] += people
            t.outcome = outcome
            if usbp:
                self.holding += people
            travellers.append(t)
            book_out.append(day + custody(days, outcome))
        move_all(m, travellers, State.IN_CUSTODY)
        m.calendar.add_all(book_out, travellers, "book_out")

    def book_out(self, t) -> None:
        self.book_out_all([t])

    def book_out_all(self, due: list) -> None:
        """Carry out the pathways decided at encounter of everyone due out of custody today, and the
        removal flights (or releases after a fear screening) of those due out of ICE detention.
        The day's departures from ICE detention come first, so their beds are free for the day's
        transfers."""
        leaving_ice = [(t, t.outcome, "ice") for t in due if t.state == State.ICE_DETENTION]
        self.settle_all(leaving_ice)
        settled = []
        for t in due:
            if t.state != State.IN_CUSTODY:
                continue
            if t.sector is not None:
                self.holding -= t.people
            if t.outcome in (Outcome.REMOVE_ORIGIN, Outcome.ICE_RELEASE):
                outcome = self.transfer_to_ice(t)
                if outcome is not None:
                    settled.append((t, outcome, "ice"))
            else:
                settled.append((t, t.outcome, "usbp" if t.sector is not None else "cbp"))
        self.settle_all(settled)

    def transfer_to_ice(self, t) -> Outcome | None:
        """CBP books the person out to ICE (as OHSS counts transfers to ICE): someone held for a fear
        screening is released by ICE once screened in; someone with a removal order to a country
        other than Mexico is held for a flight, returned to Mexico, or released (`ice_intake`).
        Returns the outcome to settle now, or None for someone ICE holds."""
        m = self.model
        m.today["transfers_ice"] += t.people
        if t.outcome == Outcome.ICE_RELEASE:
            t.move(State.ICE_DETENTION)
            m.calendar.add(m.day + max(1, int(m.levers.processing.screening_days)), t, "book_out")
            return None
        outcome, day = ice_intake(m.levers, m.budget, group=t.group, people=t.people,
                                  detained=m.census.people[State.ICE_DETENTION], today=m.day)
        if outcome == Outcome.REMOVE_ORIGIN:
            t.move(State.ICE_DETENTION)
            m.calendar.add(day, t, "book_out")
            return None
        return outcome

    def settle(self, t, outcome: Outcome, released_by: str = "cbp") -> None:
        self.settle_all([(t, outcome, released_by)])

    def settle_all(self, settled: list) -> None:
        """Final outcomes (traveller, outcome, who released them if they are released): reported to
        others, learnt from, and each person placed where the outcome sends them."""
        if not settled:
            return
        m, today = self.model, self.model.today
        by_outcome: dict[Outcome, list] = {}
        news = []
        for t, outcome, released_by in settled:
            option = Option.SURRENDER if t.tried == Option.EVADE else t.tried  # caught evaders are processed alike
            entered, far = outcome in ENTERED, outcome in FAR
            news.append((t.g, t.k, option, t.people, entered, far))
            t.learn(option, entered, far)
            bar = bar_end(m.levers, m.day, t.counted_as, outcome)
            if bar is not None:
                t.barred_until = bar
            if outcome == Outcome.RELEASE or outcome == Outcome.ICE_RELEASE:
                if released_by in ("usbp", "ice"):
                    today[f"releases_{released_by}"] += t.people
                outcome = Outcome.RELEASE
            by_outcome.setdefault(outcome, []).append(t)
        m.info.report_all(news)
        for outcome, travellers in by_outcome.items():
            people = sum(t.people for t in travellers)
            today[SETTLED_COLUMN[outcome]] += people
            if outcome in (Outcome.EXPEL_MEXICO, Outcome.RETURN_MEXICO):
                back_in_cities(m, travellers, m.return_cities(travellers))
            elif outcome in (Outcome.EXPEL_ORIGIN, Outcome.REMOVE_ORIGIN):
                remove_all(m, travellers, State.REMOVED)
            elif outcome == Outcome.MPP:
                for t, city in zip(travellers, m.return_cities(travellers), strict=True):
                    t.back_in_mexico(State.MPP, city)
            elif outcome == Outcome.HHS:
                move_all(m, travellers, State.HHS)
                retire_all(m, travellers)
            else:  # paroled, or released with a notice to appear by Border Patrol, the ports or ICE
                self.enter_us(travellers, State.PAROLED if outcome == Outcome.PAROLE else State.RELEASED)

    def enter_us(self, travellers: list, state: State) -> None:
        """Into the United States: a case in the immigration courts, and out of the model."""
        self.model.courts.backlog += sum(t.people for t in travellers)
        move_all(self.model, travellers, state)
        retire_all(self.model, travellers)

    def hearing(self, t) -> None:
        """An MPP enrollee's final hearing: relief is rare; otherwise a removal order."""
        m = self.model
        t.hearing_day = None
        if m.random.random() < m.levers.mpp.relief:
            m.today["releases"] += t.people
            self.enter_us([t], State.RELEASED)
            return
        m.today["removals"] += t.people
        m.info.report(t.g, t.k, Option.SURRENDER, t.people, False, True)
        t.barred_until = bar_end(m.levers, m.day, t.counted_as, Outcome.REMOVE_ORIGIN)
        t.removed(State.REMOVED)
