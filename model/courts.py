"""Immigration courts, as a stock: releases and paroles join the backlog; judges complete
cases and prosecutorial discretion closes some. How long a case takes, and how likely it
ends with a stay, is what a stay through the courts is worth to everyone deciding
(`agents.valuation.Worth`)."""

from __future__ import annotations


class Courts:
    """The pending caseload (people with a notice to appear), its completions and closures."""

    def __init__(self, backlog: float):
        self.backlog = backlog

    def work(self, levers, today) -> None:
        done = min(self.backlog, levers.judges * levers.completions_per_judge / 365.0)
        self.backlog -= done
        closed = self.backlog * levers.closure_rate / 365.0
        self.backlog -= closed
        today["court_completions"] += done
        today["court_closures"] += closed
