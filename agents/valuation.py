"""What the outcomes of a journey are worth, and what each option at the border is worth.

One home for the arithmetic of choice, so that the decision in a border city
(`agents/choosing.py`) and the decision to leave home (`agents/origin.py`) value the same
options in the same way. Nothing here draws a random number or changes a state. The
arithmetic works on numpy arrays, so a day's deciders (or a day's classes at home) are
valued at once; an option that is not open is worth minus infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.border import CITIES, SECTORS
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
        # closed before it is heard (no closures: none, even when the wait is endless, as with almost no judges)
        closed = 1.0 - math.exp(-c.closure_rate * years) if c.closure_rate > 0 else 0.0
        stays = closed + (1.0 - closed) * c.relief_rate
        before = 1.0 - math.exp(-years / beh.stay_horizon_years)
        entry = beh.entry_value * (before + (1.0 - before) * stays)
        far = beh.removal_cost + beh.bar_cost * levers.processing.reentry_bar_years
        return cls(entry, far, beh.return_cost, beh.persistence, years)

    def outcome(self, enter: float, far: float, rest: float | None = None) -> float:
        """The value of what processing does: entry, removal far away, or return to Mexico
        (`rest`, the chance of neither, 1 - enter - far, when the caller has it already)."""
        if rest is None:
            rest = 1.0 - enter - far
        return enter * self.entry - far * self.far - rest * self.back

    def attempt(self, gain: float, enter: float, far: float, home: float, caught: float = 1.0) -> float:
        """The value of trying an option once more, counting what is left after a return to Mexico.

        Someone sent back to a border city can choose again: try again or go home. With
        persistence d and chance `back` of being sent back, the value V of the attempt solves
        V = N + d * back * max(V, home), where N is this attempt's own value; so V is the larger
        of N + d*back*home (go home after a failure) and N / (1 - d*back) (keep trying)."""
        rest = 1.0 - enter - far
        back = caught * rest
        own = gain + caught * self.outcome(enter, far, rest)
        keep = self.persistence * back
        return np.maximum(own + keep * home, own / (1.0 - keep))


@dataclass(frozen=True)
class Circumstances:
    """Where travellers stand when choosing at the border (or where people at home expect to
    stand): the crossing danger near the city, the best stretch to evade through, the
    expected waits at the port and for an appointment, and the days of waiting left. Each is a
    number or an array with one entry per decider."""

    danger_here: np.ndarray
    evade_catch: np.ndarray
    evade_danger: np.ndarray
    day_cost: np.ndarray
    port_wait: np.ndarray  # NaN: ports do not take their asylum claims
    appointment_wait: np.ndarray  # NaN: no appointments for them
    days_left: np.ndarray


ENTER = np.array([0, 0, 2, 4])
FAR = np.array([1, 1, 3, 5])
"""The belief columns each way of trying to enter is judged by (evading: as surrendering, when caught)."""


def border_options(worth: Worth, beh, belief: np.ndarray, *, claim, risk, can_evade,
                   at: Circumstances) -> np.ndarray:
    """The value of each way of trying to enter, columns in `Choice` order (surrender, evade,
    port, appointment), minus infinity where it is not open. `belief`'s last axis holds a
    decider's (enter, far) for surrender, port and appointment; its other axes are the deciders'
    (the traits and circumstances broadcast against them). The four are valued in one pass: a
    day's arrays are short, so the number of array operations is what costs."""
    b = np.asarray(belief, dtype=float)
    terms = option_terms(beh, b.shape[:-1], claim=claim, risk=risk, can_evade=can_evade, at=at)
    return option_values(worth, b, beh.home_value * (1.0 - claim), terms)


def option_terms(beh, shape: tuple, *, claim, risk, can_evade,
                 at: Circumstances) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the beliefs do not change in `border_options`, for deciders of this shape: each way's
    gain or cost before processing decides (the danger of the crossing, a getaway's worth, the
    waits), the chance it ends in processing at all (evaders may get away), and whether it is
    closed; each (*shape, 4). Someone who values several sets of beliefs in the same
    circumstances (people at home, free or within a re-entry bar) needs them once."""
    danger = beh.danger_weight / risk
    got_away = beh.entry_value * (1.0 - beh.claim_value * claim)
    gain = np.empty((*shape, 4))
    gain[..., 0] = -beh.surrender_danger * danger * at.danger_here
    gain[..., 1] = (1 - at.evade_catch) * got_away - danger * at.evade_danger - beh.evade_cost
    waiting = -at.day_cost
    gain[..., 2] = waiting * at.port_wait
    gain[..., 3] = waiting * at.appointment_wait
    caught = np.empty((*shape, 4))
    caught.fill(1.0)
    caught[..., 1] = at.evade_catch
    closed = np.zeros((*shape, 4), dtype=bool)
    closed[..., 1] = ~np.asarray(can_evade)
    closed[..., 2] = np.isnan(at.port_wait)
    closed[..., 3] = ~(at.appointment_wait < at.days_left)
    return gain, caught, closed


def within_bar(belief: np.ndarray, screened, screen: float, out: np.ndarray) -> np.ndarray:
    """Beliefs as someone within the re-entry bar of a removal order judges them (into `out`, both
    a row of six a person or class): the order is reinstated when they are encountered again, so
    a claim is heard only at the reasonable-fear standard (`screen`, `model.policy.reentry_outlook`)
    and whoever is not screened in is removed far away. `screened` (broadcast against the rows,
    with an axis of one for the options) says whose claims meet the fear standard at all; the
    others' beliefs are unchanged. One arithmetic for people at home and in a border city."""
    out[...] = belief
    tried, entry = belief.reshape(-1, 3, 2)[:, :2], out.reshape(-1, 3, 2)[:, :2]  # (enter, far): surrender, port
    enter = np.where(screened, np.minimum(tried[..., 0], screen), tried[..., 0])  # through the narrower screen
    entry[..., 1] = np.minimum(1.0, tried[..., 1] + tried[..., 0] - enter)
    entry[..., 0] = enter
    return out


def option_values(worth: Worth, belief: np.ndarray, home, terms: tuple) -> np.ndarray:
    """`border_options` from its `option_terms` (which broadcast against `belief` without its
    last axis) and the value of going home."""
    gain, caught, closed = terms
    values = worth.attempt(gain, belief.take(ENTER, axis=-1), belief.take(FAR, axis=-1), np.asarray(home)[..., None],
                           caught=caught)
    np.copyto(values, -np.inf, where=closed)
    return values


def expected_best(values: np.ndarray, noise: float) -> np.ndarray:
    """The expected value of the best of several options (along the last axis) chosen by a logit
    with this noise (the log-sum-exp): what a set of options is worth before one knows which one
    will suit."""
    top = best_of(values)
    spread = values - top
    spread /= noise
    np.exp(spread, out=spread)
    return (top + noise * np.log(spread.sum(axis=-1, keepdims=True)))[..., 0]


def logit_chances(values: np.ndarray, noise: float) -> np.ndarray:
    """Each row's chance of each option, proportional to exp(value / noise) (none for an option
    worth minus infinity)."""
    weights = values - best_of(values)
    weights /= noise
    np.exp(weights, out=weights)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights


def best_of(values: np.ndarray) -> np.ndarray:
    """The largest value along the last axis, kept as an axis of one. Taken column by column: numpy's
    reduction along a short last axis works row by row, which costs ten times as much once the
    rows are thousands (a day's deciders at a fine scale); the maximum is the same either way."""
    top = values[..., :1].copy()
    for j in range(1, values.shape[-1]):
        np.maximum(top, values[..., j:j + 1], out=top)
    return top


def draw_choices(rng: np.random.Generator, values: np.ndarray, noise: float) -> np.ndarray:
    """One logit draw per row: the column chosen."""
    cumulative = np.cumsum(logit_chances(values, noise), axis=1)
    u = rng.random(values.shape[0]) * cumulative[:, -1]
    return np.minimum((cumulative <= u[:, None]).sum(axis=1), values.shape[1] - 1)


# -- where to evade -----------------------------------------------------------------------
def best_evasion(m, city: np.ndarray, risk) -> tuple[np.ndarray, np.ndarray]:
    """For people in these cities with this risk tolerance, the shared catch rate and the danger of
    the sector within reach where evading looks best."""
    _, catch, danger, best = evasion_choice(m, city, risk)
    return catch.take(best), danger.take(best)


def evasion_sectors(m, city: np.ndarray, risk) -> np.ndarray:
    """The sector (its index in `SECTORS`) each evader in these cities tries, by `best_evasion`'s merit."""
    reach, _, _, best = evasion_choice(m, city, risk)
    return reach.take(best)


def evasion_choice(m, city: np.ndarray, risk) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sectors within reach of each city (padded with -1), their catch rates and dangers, and
    which of them evading looks best through (least caught, least dangerous, weighed by the risk
    tolerance; first on ties), as an index into the flattened rows."""
    reach = m.reach_index[city]
    catch = m.catch_array[reach]
    danger = m.sector_danger_array[reach]
    merit = np.where(reach >= 0, (1 - catch) - (m.beh.danger_weight / np.asarray(risk)).reshape(-1, 1) * danger,
                     -np.inf)
    best = np.arange(0, merit.size, merit.shape[1]) + merit.argmax(axis=1)  # each row's best, in the flattened rows
    return reach, catch, danger, best


def sector_arrays(border) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed lookups: the sectors within reach of each city (padded with -1), each sector's
    danger (with a last entry for the padding), and each city's own sector's danger."""
    width = max(len(r) for r in border.reach)
    reach = np.array([[SECTORS.index(s) for s in r] + [-1] * (width - len(r)) for r in border.reach])
    danger = np.array([border.sector_danger[s] for s in SECTORS] + [0.0])
    city = np.array([border.sector_danger[c.sector] for c in CITIES])
    return reach, danger, city
