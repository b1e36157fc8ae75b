"""Encounters and what follows them: counting, the processing pathway, custody, and the
outcome a person lives with (and tells others about)."""

from __future__ import annotations

from model.policy import ENTERED, FAR, Option, Outcome, counted, disposition
from model.records import KIND_TO_DEMOGRAPHIC
from model.states import State



class Processing:
    """The CBP processing desk of the model: it owns nothing but today's tallies."""

    def __init__(self, model):
        self.model = model
        self.custody = 0.0  # people held today

    def encounter(self, t, channel: str, option: int, sector: str | None, appointment: bool = False) -> None:
        m, today = self.model, self.model.today
        people = t.people
        demog = KIND_TO_DEMOGRAPHIC[t.counted_as]
        today[f"encounters_{channel}"] += people
        today[f"encounters_{channel}_{demog}"] += people
        today[f"encounters_{t.group}"] += people
        if channel == "usbp":
            today[f"encounters_usbp_{sector}"] += people
            if counted(m.levers, t.counted_as, t.group):
                today["counted_encounters"] += people
        if m.day - t.last_encounter <= 365:
            today["repeat_encounters"] += people
        else:
            today["unique_encountered"] += people
        t.encounters += 1
        t.last_encounter = m.day
        t.tried, t.sector = option, sector
        claims = t.claim > m.levers.processing.fear_threshold
        outcome = disposition(m.levers, m.budget, m.random, group=t.group, kind=t.counted_as, claims=claims,
                              people=people, appointment=appointment)
        if outcome in (Outcome.EXPEL_MEXICO, Outcome.EXPEL_ORIGIN):
            today["encounters_title42"] += people
        if (channel == "usbp" and self.custody >= m.levers.border_patrol.holding_capacity
                and outcome == Outcome.REMOVE_ORIGIN):
            outcome = Outcome.RELEASE  # no room to hold them until removal or return
        t.outcome = outcome
        t.move(State.IN_CUSTODY)
        self.custody += people
        m.calendar.add(m.day + int(m.levers.processing.custody_days[outcome.name.lower()]), t, "book_out")

    def book_out(self, t) -> None:
        """Carry out the pathway decided at encounter."""
        m, beh, today = self.model, self.model.beh, self.model.today
        outcome, people = t.outcome, t.people
        self.custody -= people
        option = Option.SURRENDER if t.tried == Option.EVADE else t.tried  # caught evaders are processed alike
        m.info.report(t.g, t.k, option, people, outcome in ENTERED, outcome in FAR)
        t.learn(option, outcome in ENTERED, outcome in FAR)
        city = m.return_city(t)
        if outcome == Outcome.EXPEL_MEXICO:
            today["expulsions"] += people
            t.back_in_mexico(State.AFTER_EXPULSION, city)
        elif outcome == Outcome.RETURN_MEXICO:
            today["removals"] += people
            t.back_in_mexico(State.AFTER_EXPULSION, city)
        elif outcome == Outcome.EXPEL_ORIGIN:
            today["expulsions"] += people
            t.removed(beh.reattempt_after_removal, beh.reattempt_removal_days, State.REMOVED)
        elif outcome == Outcome.REMOVE_ORIGIN:
            today["removals"] += people
            t.removed(beh.reattempt_after_removal, beh.reattempt_removal_days, State.REMOVED)
        elif outcome == Outcome.MPP:
            today["mpp_enrollments"] += people
            t.back_in_mexico(State.MPP, city)
        elif outcome == Outcome.HHS:
            today["uc_referrals"] += people
            t.move(State.HHS)
            t.retire()
        else:  # released with a notice to appear, or paroled in on an appointment
            today["releases" if outcome == Outcome.RELEASE else "paroles"] += people
            m.courts.backlog += people
            t.move(State.RELEASED if outcome == Outcome.RELEASE else State.PAROLED)
            t.retire()

    def hearing(self, t) -> None:
        """An MPP enrollee's final hearing: relief is rare; otherwise a removal order."""
        m, beh = self.model, self.model.beh
        t.hearing_day = None
        if m.random.random() < m.levers.mpp.relief:
            m.today["releases"] += t.people
            m.courts.backlog += t.people
            t.move(State.RELEASED)
            t.retire()
            return
        m.today["removals"] += t.people
        m.info.report(t.g, t.k, Option.SURRENDER, t.people, False, True)
        t.removed(beh.reattempt_after_removal, beh.reattempt_removal_days, State.REMOVED)
