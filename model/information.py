"""What travellers learn from each other.

Outcomes (who got in, who was sent back, who was flown home) are reported by nationality
group, kind of traveller and option; they reach others after `info_lag_days` (contacts,
messages, news) and fade with a half-life. Border Patrol's catch rate of evaders is
shared the same way by sector. Announced policy changes reach travellers after the same
lag. Nothing here decides anything: travellers read it and decide for themselves.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from model.border import SECTORS
from model.params import GROUPS, KINDS
from model.policy import BELIEF_OPTIONS, OPTIONS

BELIEF_INDEX = np.array(BELIEF_OPTIONS, dtype=np.intp)
"""Where the options travellers hold beliefs about lie along the reports' option axis."""


class Information:
    def __init__(self, lag_days: int, halflife_days: float, prior_weight: float):
        self.prior_weight = prior_weight
        shape = (len(GROUPS), len(KINDS), len(OPTIONS))
        self.shape, self._size = shape, int(np.prod(shape))
        self.decay = 0.5 ** (1.0 / halflife_days)
        self.trials, self.enter, self.far = (np.zeros(shape) for _ in range(3))
        self.sector_tries, self.sector_caught = np.zeros(len(SECTORS)), np.zeros(len(SECTORS))
        self._today = self._blank()
        self._pipe: deque = deque(self._blank() for _ in range(lag_days))
        self.announcements: list = []  # (known_from_day, effective_day, outlook table after the change)

    def _blank(self):
        return [np.zeros(self.shape), np.zeros(self.shape), np.zeros(self.shape),
                np.zeros(len(SECTORS)), np.zeros(len(SECTORS))]

    def report(self, g: int, k: int, option: int, n: float, entered: bool, far: bool) -> None:
        t = self._today
        t[0][g, k, option] += n
        if entered:
            t[1][g, k, option] += n
        if far:
            t[2][g, k, option] += n

    def report_all(self, g: np.ndarray, k: np.ndarray, option: np.ndarray, people: np.ndarray,
                   entered: np.ndarray, far: np.ndarray) -> None:
        """Many outcomes at once: by group, kind and option, people, whether they entered, whether
        they were sent far away."""
        t, size = self._today, self._size
        cell = np.ravel_multi_index((g, k, option), self.shape)  # one count per (group, kind, option)
        t[0] += np.bincount(cell, people, size).reshape(self.shape)
        t[1] += np.bincount(cell[entered], people[entered], size).reshape(self.shape)
        t[2] += np.bincount(cell[far], people[far], size).reshape(self.shape)

    def report_crossings(self, tries: np.ndarray, caught: np.ndarray) -> None:
        """A day's evaders by sector (people who tried, people caught)."""
        self._today[3] += tries
        self._today[4] += caught

    def end_of_day(self) -> None:
        """Today's news joins the pipe; the news of `lag` days ago becomes common knowledge."""
        self._pipe.append(self._today)
        arrived = self._pipe.popleft()
        d = self.decay
        self.trials = self.trials * d + arrived[0]
        self.enter = self.enter * d + arrived[1]
        self.far = self.far * d + arrived[2]
        self.sector_tries = self.sector_tries * d + arrived[3]
        self.sector_caught = self.sector_caught * d + arrived[4]
        self._today = self._blank()

    def shared_beliefs(self, outlook: np.ndarray) -> np.ndarray:
        """Shared beliefs (chance to enter, chance of removal far away) for every group, kind, claim
        and belief option, each shrunk to the rules' outlook: `outlook` is the rules' (group, kind,
        claims, belief option, enter/far) array; the result is (group, kind, claims, 6), each row
        (enter, far) for surrender, port and appointment."""
        w, held = self.prior_weight, BELIEF_INDEX
        n = (self.trials.take(held, axis=2) + w)[:, :, None, :, None]
        heard = np.stack([self.enter.take(held, axis=2), self.far.take(held, axis=2)], axis=-1)[:, :, None]
        return ((heard + w * outlook) / n).reshape(*outlook.shape[:3], 6)

    def catch_rates(self, prior: float) -> np.ndarray:
        """Shared estimate of the chance an evader is caught, in each sector."""
        w = self.prior_weight
        return (self.sector_caught + w * prior) / (self.sector_tries + w)

    def announce(self, known_from: int, effective: int, table: dict) -> None:
        self.announcements.append((known_from, effective, table))

    def upcoming(self, day: int, horizon: int):
        """The next announced change travellers know of today, if it is within the horizon."""
        for known, effective, table in self.announcements:
            if known <= day < effective <= day + horizon:
                return effective, table
        return None
