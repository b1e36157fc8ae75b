"""The threshold controller of Proclamation 10773 (interim rule) and 10817 (final rule).

Rule text (CRS IN12383; DHS): the suspension applies while the 7-day average of
counted encounters between ports is 2,500 or more; it is discontinued 14 days after
the average has been below 1,500 (interim rule: on one day; final rule: on 28
consecutive days), and applies again whenever the average reaches 2,500.
The controller is fed one day's counted encounters at a time and says whether the
suspension is in force on the following day.
"""

from __future__ import annotations

from collections import deque


class ThresholdController:
    """Hysteresis switch on the rolling average of a daily counted series."""

    def __init__(self, activation: float, lift: float, window_days: int = 7, days_below: int = 1,
                 lift_delay_days: int = 14, initially_active: bool = True, history=()):
        self.activation, self.lift = activation, lift
        self.days_below, self.lift_delay = days_below, lift_delay_days
        self.series: deque[float] = deque(history, maxlen=window_days)
        self.active = initially_active
        self.run_below = 0  # consecutive days with the average below `lift`
        self.clock: int | None = None  # days since the below-condition was met, while the lifting clock runs
        self.average = self._mean()

    def _mean(self) -> float:
        return sum(self.series) / len(self.series) if self.series else 0.0

    def reconfigure(self, activation, lift, window_days, days_below, lift_delay_days) -> None:
        """A rule amendment (e.g. the final rule) keeps the series and the state."""
        self.activation, self.lift, self.days_below, self.lift_delay = activation, lift, days_below, lift_delay_days
        self.series = deque(self.series, maxlen=window_days)

    def observe(self, counted: float) -> bool:
        """Add day t's counted encounters; return whether the suspension applies on day t + 1.

        If the below-condition is first met on day t, the suspension no longer applies from
        day t + lift_delay_days, unless the average reaches `activation` before then.
        Until the window has filled, the average is over the days seen so far.
        """
        self.series.append(counted)
        avg = self.average = self._mean()
        self.run_below = self.run_below + 1 if avg < self.lift else 0
        if avg >= self.activation:
            self.active = True  # "will continue to, or again, apply"
            self.clock = None
        elif self.active:
            if self.clock is None and self.run_below >= self.days_below:
                self.clock = 0
            elif self.clock is not None:
                self.clock += 1
            if self.clock is not None and self.clock + 1 >= self.lift_delay:
                self.active, self.clock = False, None
        return self.active
