"""What the outcomes of a journey are worth, and what each option at the border is worth.

One home for the arithmetic of choice, so that the decision in a border city
(`Traveller.choices`) and the decision to leave home (`agents/origin.py`) value the same
options in the same way. Nothing here draws a random number or changes a state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from model.policy import Choice

SURRENDER, EVADE, PORT, APPOINTMENT = Choice.SURRENDER, Choice.EVADE, Choice.PORT, Choice.APPOINTMENT
WAIT, GIVE_UP, SEND_CHILD = Choice.WAIT, Choice.GIVE_UP, Choice.SEND_CHILD
CHOICES = tuple(c.name.lower() for c in Choice)


@dataclass(frozen=True)
class Worth:
    """Today's values of the outcomes of processing, the same for everyone.

    `entry` is what a stay in the United States through a case in the immigration courts is
    worth: the years spent there before a decision, plus, at the decision, the chance to stay
    for good (relief, or a case closed by prosecutorial discretion). So the courts' backlog,
    judges, grant rate and closures reach every decision through it. `far` is the loss from a
    removal to the country of origin, with the re-entry bar that comes with the order."""

    entry: float
    far: float
    back: float
    persistence: float
    court_years: float

    @classmethod
    def today(cls, beh, courts, levers) -> Worth:
        c = levers.courts
        capacity = c.judges * c.completions_per_judge
        years = courts.backlog / capacity if capacity > 0 else 50.0
        closed = 1.0 - math.exp(-c.closure_rate * years)  # closed before it is heard
        stays = closed + (1.0 - closed) * c.relief_rate
        before = 1.0 - math.exp(-years / beh.stay_horizon_years)
        entry = beh.entry_value * (before + (1.0 - before) * stays)
        far = beh.removal_cost + beh.bar_cost * levers.processing.reentry_bar_years
        return cls(entry, far, beh.return_cost, beh.persistence, years)

    def outcome(self, enter: float, far: float) -> float:
        """The value of what processing does: entry, removal far away, or return to Mexico."""
        return enter * self.entry - far * self.far - (1.0 - enter - far) * self.back

    def attempt(self, gain: float, enter: float, far: float, home: float, caught: float = 1.0) -> float:
        """The value of trying an option once more, counting what is left after a return to Mexico.

        Someone sent back to a border city can choose again: try again or go home. With
        persistence d and chance `back` of being sent back, the value V of the attempt solves
        V = N + d * back * max(V, home), where N is this attempt's own value; so V is the larger
        of N + d*back*home (go home after a failure) and N / (1 - d*back) (keep trying)."""
        back = caught * (1.0 - enter - far)
        own = gain + caught * self.outcome(enter, far)
        keep = self.persistence * back
        return max(own + keep * home, own / (1.0 - keep))


@dataclass(frozen=True)
class Circumstances:
    """Where a traveller stands when choosing at the border (or where someone at home expects
    to stand): the crossing danger near the city, the best stretch to evade through, the
    expected waits at the port and for an appointment, and the days of waiting left."""

    danger_here: float
    evade_catch: float
    evade_danger: float
    day_cost: float
    port_wait: float | None  # None: ports do not take asylum claims
    appointment_wait: float | None  # None: no appointments for this traveller
    days_left: float


def can_evade(group: str, kind: str) -> bool:
    """Unaccompanied children from far away come to be found, not to hide; Mexican children may evade."""
    return kind != "uc" or group == "mx"


def border_options(worth: Worth, beh, belief, *, claim: float, risk: float, can_evade: bool,
                   at: Circumstances) -> dict[int, float]:
    """The value of each way of trying to enter that is open: asking Border Patrol for
    asylum, evading, walking up to a port, waiting for an appointment. `belief` holds
    (enter, far) for surrender, port and appointment."""
    b = belief
    home = beh.home_value * (1.0 - claim)
    danger = beh.danger_weight / risk
    values = {SURRENDER: worth.attempt(-beh.surrender_danger * danger * at.danger_here, b[0], b[1], home)}
    if can_evade:
        got_away = beh.entry_value * (1.0 - beh.claim_value * claim)
        values[EVADE] = worth.attempt((1 - at.evade_catch) * got_away - danger * at.evade_danger - beh.evade_cost,
                                      b[0], b[1], home, caught=at.evade_catch)
    if at.port_wait is not None:
        values[PORT] = worth.attempt(-at.day_cost * at.port_wait, b[2], b[3], home)
    if at.appointment_wait is not None and at.appointment_wait < at.days_left:
        values[APPOINTMENT] = worth.attempt(-at.day_cost * at.appointment_wait, b[4], b[5], home)
    return values


def expected_best(values, noise: float) -> float:
    """The expected value of the best of several options chosen by a logit with this noise
    (the log-sum-exp): what a set of options is worth before one knows which one will suit."""
    top = max(values)
    return top + noise * math.log(sum(math.exp((v - top) / noise) for v in values))
