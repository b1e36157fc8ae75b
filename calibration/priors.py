"""The priors of fitted parameters: uniform over a range, or normal.

A fit's priors are a dict `key -> Uniform | Normal`. Behaviour and the rejection ABC use uniform
ranges; the steps of the smooth pressure (`calibration.smooth_pressure`) are normal, so that a
large change from one anchor to the next is unlikely but never impossible. Each prior says what a
summary shows as its range (`range`), gives its quantiles (`ppf`, for a design over the priors)
and its pyabc random variable (`rv`). Nothing here imports pyabc or numpy until it is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

RANGE_MASS = 0.9
"""A normal prior's range, as summaries show it: its central 90% (5% to 95%), like the posterior's."""


@dataclass(frozen=True)
class Uniform:
    """Every value from `lo` to `hi` alike."""

    lo: float
    hi: float
    what: str = ""

    @property
    def range(self) -> tuple[float, float]:
        """What a summary shows as the prior's range: its bounds."""
        return self.lo, self.hi

    def ppf(self, q: float) -> float:
        """The value below which a share `q` of the prior lies."""
        return self.lo + q * (self.hi - self.lo)

    def rv(self):
        import pyabc

        return pyabc.RV("uniform", self.lo, self.hi - self.lo)

    def problem(self) -> str | None:
        return None if self.lo < self.hi else f"its range is empty: {self.lo} .. {self.hi}"

    def describe(self) -> str:
        return f"uniform({self.lo:.4g}, {self.hi:.4g})"


@dataclass(frozen=True)
class Normal:
    """A normal distribution of mean `mean` and standard deviation `sd`."""

    mean: float
    sd: float
    what: str = ""

    @property
    def range(self) -> tuple[float, float]:
        """What a summary shows as the prior's range: its central `RANGE_MASS` (it has no bounds)."""
        tail = (1 - RANGE_MASS) / 2
        return self.ppf(tail), self.ppf(1 - tail)

    def ppf(self, q: float) -> float:
        return NormalDist(self.mean, self.sd).inv_cdf(q)

    def rv(self):
        import pyabc

        return pyabc.RV("norm", self.mean, self.sd)

    def problem(self) -> str | None:
        return None if self.sd > 0 else f"its standard deviation must be above 0, got {self.sd}"

    def describe(self) -> str:
        return f"normal({self.mean:.4g}, {self.sd:.4g})"


Prior = Uniform | Normal
