"""Encounters and what follows them: counting, the processing pathway, custody (Border Patrol's
holding, then ICE detention until a removal flight), and the outcome a person lives with (and
tells others about). The rules are in `model.policy`; this module carries them out."""

from __future__ import annotations

import numpy as np

from agents.population import NONE
from agents.traveller import CHILD, FAMILY, back_in_cities, counted_kinds, learn_all, move_all, remove_all, retire_all
from model.border import SECTORS
from model.params import GROUPS, KINDS
from model.policy import (
    ENTERED, EXPELLED, FAR, Option, Outcome, among, bar_end, bar_ends, counted, disposition, ice_intake, prosecuted,
    reinstated,
)
from model.records import GROUP_ENCOUNTERS, KIND_TO_DEMOGRAPHIC, SECTOR_ENCOUNTERS
from model.states import State


def custody(days: dict) -> np.ndarray:
    """Whole days in custody before the pathway decided at encounter is carried out, by outcome."""
    return np.array([int(days[OUTCOME_NAMES[outcome]]) for outcome in Outcome])


OUTCOME_NAMES = {outcome: outcome.name.lower() for outcome in Outcome}
"""Outcomes as `processing.custody_days` names them."""
SETTLED_COLUMN = {Outcome.EXPEL_MEXICO: "expulsions", Outcome.EXPEL_ORIGIN: "expulsions",
                  Outcome.RETURN_MEXICO: "removals", Outcome.REMOVE_ORIGIN: "removals",
                  Outcome.MPP: "mpp_enrollments", Outcome.HHS: "uc_referrals", Outcome.PAROLE: "paroles",
                  Outcome.RELEASE: "releases"}
"""The daily column each final outcome counts in."""


class Processing:
    """The CBP processing desk and ICE's removal desk: they own nothing but today's tallies and
    the people Border Patrol holds. A day's encounters and book-outs are handled as batches of
    rows; each person's pathway is still decided one at a time (`disposition`), in order, since
    capacities and Border Patrol's holding fill up as the day goes."""

    def __init__(self, model):
        self.model = model
        self.holding = 0.0  # people in Border Patrol's holding today (port custody is apart)
        self._custody_read, self._custody = None, None  # `custody` of these rules (`levers.processing`)

    def encounter(self, t, channel: str, option: int, sector: str | None, appointment: bool = False) -> None:
        """One traveller encountered (for checks of the rules one case at a time)."""
        self.encounter_all(t.rows, channel, np.array([option]),
                           np.array([NONE if sector is None else SECTORS.index(sector)]), appointment)

    def encounter_all(self, rows: np.ndarray, channel: str, options: np.ndarray, sectors: np.ndarray,
                      appointment: bool = False) -> None:
        """Count today's encounters on one channel (the options tried, and for Border Patrol the
        sectors) and decide each one's pathway; each is held until its book-out day."""
        if not len(rows):
            return
        m, today, lev, p = self.model, self.model.today, self.model.levers, self.model.population
        day, usbp = m.day, channel == "usbp"
        fear, days = lev.processing.fear_threshold, lev.processing.custody_days
        holding_capacity = lev.border_patrol.holding_capacity
        kinds = counted_kinds(m, rows)
        people = p.people[rows]
        repeat = day - p.last_encounter[rows] <= 365
        prior = day <= p.barred_until[rows]
        demographic_tally = DEMOGRAPHIC_TALLY[channel]
        sums = [0.0] * len(TALLIES)  # today's tallies of these encounters, in `TALLIES` order
        # Each pathway in turn: capacities and Border Patrol's holding fill up as the day goes.
        budget, rand, holding = m.budget, m.random, self.holding
        outcomes = []
        for g, k, sector, n, claim, was_barred in zip(p.g[rows].tolist(), kinds.tolist(), sectors.tolist(),
                                                      people.tolist(), p.claim[rows].tolist(), prior.tolist(),
                                                      strict=True):
            kind, group = KINDS[k], GROUPS[g]
            outcome = disposition(lev, budget, rand, group=group, kind=kind, claims=claim > fear, people=n,
                                  families=m.scale if k == FAMILY else 0.0, appointment=appointment,
                                  can_hold=not usbp or holding < holding_capacity, prior_order=was_barred)
            if was_barred and reinstated(kind, outcome, was_barred):
                today["reinstatements"] += n
                if prosecuted(lev, rand):
                    today["prosecutions"] += n
            sums[demographic_tally[k]] += n
            sums[GROUP_TALLY[g]] += n
            if outcome in EXPELLED:
                sums[TITLE42_TALLY] += n
            if usbp:
                holding += n
                if sector >= 0:
                    sums[SECTOR_TALLY[sector]] += n
                if counted(lev, kind, group):
                    sums[COUNTED_TALLY] += n
            outcomes.append(outcome)
        self.holding = holding
        today[f"encounters_{channel}"] += float(people.sum())
        for column, n in zip(TALLIES, sums, strict=True):  # sums of whole people: their order changes nothing
            if n:
                today[column] += n
        today["repeat_encounters"] += float(people[repeat].sum())
        today["unique_encountered"] += float(people[~repeat].sum())
        p.encounters[rows] += 1
        p.last_encounter[rows] = day
        p.tried[rows], p.sector[rows], p.outcome[rows] = options, sectors, outcomes
        move_all(m, rows, State.IN_CUSTODY)
        if lev.processing is not self._custody_read:
            self._custody, self._custody_read = custody(days), lev.processing
        m.calendar.add_all(day + self._custody[outcomes], rows, "book_out")

    def book_out_all(self, rows: np.ndarray) -> None:
        """Carry out the pathways decided at encounter of everyone due out of custody today, and the
        removal flights (or releases after a fear screening) of those due out of ICE detention.
        The day's departures from ICE detention come first, so their beds are free for the day's
        transfers."""
        p = self.model.population
        state = p.state[rows]
        if not len(rows):
            return
        leaving = rows[state == State.ICE_DETENTION]
        self.settle_all(leaving, p.outcome[leaving], np.full(len(leaving), ICE))
        rows = rows[state == State.IN_CUSTODY]
        outcome, border_patrol = p.outcome[rows], p.sector[rows] >= 0
        self.holding -= float(p.people[rows[border_patrol]].sum())
        to_ice = TO_ICE[outcome]
        ice, ice_outcomes = self.transfer_to_ice(rows[to_ice], outcome[to_ice])
        rows = np.concatenate([rows[~to_ice], ice])
        outcomes = np.concatenate([outcome[~to_ice], ice_outcomes])
        released_by = np.concatenate([np.where(border_patrol[~to_ice], USBP, CBP), np.full(len(ice), ICE)])
        self.settle_all(rows, outcomes, released_by)

    def transfer_to_ice(self, rows: np.ndarray, outcomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """CBP books people out to ICE (as OHSS counts transfers to ICE): someone held for a fear
        screening is released by ICE once screened in; someone with a removal order to a country
        other than Mexico is held for a flight, returned to Mexico, or released (`ice_intake`), one
        at a time, since beds and seats fill up (those held for a screening take their beds first).
        Returns those ICE does not hold, with their outcomes, to settle now."""
        m, p = self.model, self.model.population
        if not len(rows):
            return rows, outcomes
        m.today["transfers_ice"] += float(p.people[rows].sum())
        screened = rows[outcomes == Outcome.ICE_RELEASE]
        move_all(m, screened, State.ICE_DETENTION)
        m.calendar.add_all(m.day + max(1, int(m.levers.processing.screening_days)), screened, "book_out")
        ordered = rows[outcomes != Outcome.ICE_RELEASE]
        detained = int(m.census.people[State.ICE_DETENTION])
        held, flights, settled, settled_outcomes = [], [], [], []
        for row, g, people in zip(ordered.tolist(), p.g[ordered].tolist(), p.people[ordered].tolist(), strict=True):
            outcome, day = ice_intake(m.levers, m.budget, group=GROUPS[g], people=people, detained=detained, today=m.day)
            if outcome == Outcome.REMOVE_ORIGIN:
                held.append(row)
                flights.append(day)
                detained += people
            else:
                settled.append(row)
                settled_outcomes.append(outcome)
        held = np.array(held, dtype=np.intp)
        move_all(m, held, State.ICE_DETENTION)
        m.calendar.add_all(np.array(flights, dtype=np.intp), held, "book_out")
        return np.array(settled, dtype=np.intp), np.array(settled_outcomes, dtype=outcomes.dtype)

    def settle_all(self, rows: np.ndarray, outcomes: np.ndarray, released_by: np.ndarray) -> None:
        """Final outcomes (and who released each, if released): reported to others, learnt from,
        and each person placed where the outcome sends them."""
        if not len(rows):
            return
        m, today, p = self.model, self.model.today, self.model.population
        tried = p.tried[rows]
        option = np.where(tried == Option.EVADE, Option.SURRENDER, tried)  # caught evaders are processed alike
        entered, far = IS_ENTERED[outcomes], IS_FAR[outcomes]
        people = p.people[rows].astype(float)
        m.info.report_all(p.g[rows], p.k[rows], option, people, entered, far)
        learn_all(m, rows, option, entered, far)
        bar = bar_ends(m.levers, m.day, p.k[rows] == CHILD, outcomes)
        p.barred_until[rows] = np.where(bar >= 0, bar, p.barred_until[rows])
        released = IS_RELEASE[outcomes]
        for who in (USBP, ICE):
            if (mask := released & (released_by == who)).any():
                today[f"releases_{RELEASERS[who]}"] += float(people[mask].sum())
        outcomes = np.where(released, Outcome.RELEASE, outcomes)
        for outcome in np.flatnonzero(np.bincount(outcomes, minlength=len(Outcome))).tolist():  # in order
            mask = outcomes == outcome
            who = rows[mask]
            today[SETTLED_COLUMN[outcome]] += float(people[mask].sum())
            if outcome in (Outcome.EXPEL_MEXICO, Outcome.RETURN_MEXICO):
                back_in_cities(m, who, m.return_cities(who))
            elif outcome in (Outcome.EXPEL_ORIGIN, Outcome.REMOVE_ORIGIN):
                remove_all(m, who, State.REMOVED)
            elif outcome == Outcome.MPP:
                for t, city in zip(p.handles(who), m.return_cities(who).tolist(), strict=True):
                    t.back_in_mexico(State.MPP, city)
            elif outcome == Outcome.HHS:
                move_all(m, who, State.HHS)
                retire_all(m, who)
            else:  # paroled, or released with a notice to appear by Border Patrol, the ports or ICE
                self.enter_us(who, State.PAROLED if outcome == Outcome.PAROLE else State.RELEASED)

    def enter_us(self, rows: np.ndarray, state: State) -> None:
        """Into the United States: a case in the immigration courts, and out of the model."""
        self.model.courts.backlog += int(self.model.population.people[rows].sum())
        move_all(self.model, rows, state)
        retire_all(self.model, rows)

    def hearing(self, t) -> None:
        """An MPP enrollee's final hearing: relief is rare; otherwise a removal order."""
        m = self.model
        t.hearing_day = None
        if m.random.random() < m.levers.mpp.relief:
            m.today["releases"] += t.people
            self.enter_us(t.rows, State.RELEASED)
            return
        m.today["removals"] += t.people
        m.info.report(t.g, t.k, Option.SURRENDER, t.people, False, True)
        t.barred_until = bar_end(m.levers, m.day, t.counted_as, Outcome.REMOVE_ORIGIN)
        remove_all(m, t.rows, State.REMOVED)


TALLIES = (*(f"encounters_{channel}_{KIND_TO_DEMOGRAPHIC[kind]}" for channel in ("usbp", "ofo") for kind in KINDS),
           *GROUP_ENCOUNTERS, *SECTOR_ENCOUNTERS, "counted_encounters", "encounters_title42")
"""The daily columns an encounter counts in, besides its channel's: by demographic, group and sector."""
TALLY = {name: i for i, name in enumerate(TALLIES)}
DEMOGRAPHIC_TALLY = {channel: [TALLY[f"encounters_{channel}_{KIND_TO_DEMOGRAPHIC[kind]}"] for kind in KINDS]
                     for channel in ("usbp", "ofo")}
GROUP_TALLY = [TALLY[column] for column in GROUP_ENCOUNTERS]  # in `GROUPS` order
SECTOR_TALLY = [TALLY[column] for column in SECTOR_ENCOUNTERS]  # in `SECTORS` order
COUNTED_TALLY, TITLE42_TALLY = TALLY["counted_encounters"], TALLY["encounters_title42"]
TO_ICE = among((Outcome.REMOVE_ORIGIN, Outcome.ICE_RELEASE))
"""Book-outs to ICE: for a removal flight, or a fear screening."""
IS_ENTERED, IS_FAR, IS_RELEASE = among(ENTERED), among(FAR), among((Outcome.RELEASE, Outcome.ICE_RELEASE))
CBP, USBP, ICE = range(3)
RELEASERS = ("cbp", "usbp", "ice")
"""Who releases someone: the ports (CBP), Border Patrol or ICE (the daily table counts the last two apart)."""
