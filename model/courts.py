"""Immigration courts, as a stock: releases and paroles join the backlog, judges clear it."""

from __future__ import annotations


class Courts:
    """The pending caseload (people with a notice to appear) and its daily completions."""

    def __init__(self, backlog: float):
        self.backlog = backlog

    def work(self, levers, today) -> None:
        done = min(self.backlog, levers.judges * levers.completions_per_judge / 365.0)
        self.backlog -= done
        today["court_completions"] += done
