"""A fit's simulation: a draw of the parameters made into a scenario, its run, and the summary
statistics the distance compares with the data's.

Summary statistics (one per pattern and month of the window, named `pattern:YYYY-MM`):
- levels: log(encounters + LEVEL_FLOOR) of USBP and OFO encounters and of the three nationality
  groups the data distinguish (Mexico, northern Central America, others);
- shares: the family and unaccompanied-child shares of encounters, the Title 42 share (its
  months only), the re-encounter share, the shares released by USBP and transferred to ICE, and
  the nine sector shares of USBP encounters;
- yearly: log(gotaways + 12 LEVEL_FLOOR) of each whole fiscal year (`gotaways:FY2021`), since Border
  Patrol's known gotaways are published only as yearly totals.
A statistic enters only where the observed value exists; a simulated share that is undefined (no
encounters) counts as 0.

The distance's weights (`calibration.smc`): each statistic is divided by its spread (pyabc's adaptive
p-norm), and the fixed weights in PATTERN_WEIGHTS say how much each pattern counts, shared equally among
the series that make it up (the three groups, the nine sectors).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from calibration import sector_routes, smooth_pressure
from calibration.fit import Window, _typed
from calibration.patterns import ENCOUNTER_COLUMNS, YEARLY, fiscal_year_sums, pattern_table
from calibration.window import fiscal_months
from model import records
from model.border import SECTORS
from model.scenario import Scenario

LEVEL_FLOOR = 100.0
"""Encounters added before taking the log: a month with next to none does not dominate."""

LEVELS = ("encounters_usbp", "encounters_ofo", "encounters_mx", "encounters_nca", "encounters_others")
SHARES = ("family_share", "uc_share", "title42_share", "reencounter_share", "release_share", "transfer_share",
          *(f"sector_share_{s}" for s in SECTORS))

PATTERN_WEIGHTS = {
    ("encounters_usbp",): 2.0,
    ("encounters_ofo",): 2.0,
    ("encounters_mx", "encounters_nca", "encounters_others"): 1.0,
    ("title42_share",): 2.0,
    ("reencounter_share",): 2.0,
    ("family_share",): 1.0,
    ("uc_share",): 1.0,
    ("release_share",): 1.0,
    ("transfer_share",): 1.0,
    tuple(f"sector_share_{s}" for s in SECTORS): 1.0,
    ("gotaways",): 1.0,
}
"""How much each pattern counts in the distance, per month, shared among the series it groups."""

READ = {"date", *ENCOUNTER_COLUMNS, *records.LEVELS}
"""The daily columns the statistics are made from, and the levels `model.records.monthly` averages.
"""

def series_weight(series: str) -> float:
    for group, weight in PATTERN_WEIGHTS.items():
        if series in group:
            return weight / len(group)
    raise KeyError(series)


def statistics(patterns: pd.DataFrame, months: list[str]) -> dict[str, float]:
    """Every statistic of a pattern table over `months` (NaN where the table has no value)."""
    table = patterns.reindex(months)
    out = {}
    for name in LEVELS:
        values = table[name] if name in table else pd.Series(np.nan, index=table.index)
        for month, v in values.items():
            out[f"{name}:{month}"] = float(np.log(max(float(v), 0.0) + LEVEL_FLOOR)) if np.isfinite(v) else np.nan
    for name in SHARES:
        values = table[name] if name in table else pd.Series(np.nan, index=table.index)
        for month, v in values.items():
            out[f"{name}:{month}"] = float(v)
    for name in YEARLY:
        values = table[name] if name in table else pd.Series(np.nan, index=table.index)
        for year, total in fiscal_year_sums(values).items():
            out[f"{name}:FY{year}"] = float(np.log(max(float(total), 0.0) + 12 * LEVEL_FLOOR))
    return out


def covered(period: str, months: set[str]) -> bool:
    """Whether a statistic's period (a month, or a fiscal year `FY2021`) lies wholly in `months`."""
    if period.startswith("FY"):
        return set(fiscal_months(int(period[2:]))) <= months
    return period in months


def observed_statistics(obs: pd.DataFrame, window: Window) -> dict[str, float]:
    """The observed statistics: those with a value in the window."""
    return {k: v for k, v in statistics(obs, window.months()).items() if np.isfinite(v)}


def run_seed(seed: int, values: dict[str, float]) -> int:
    """The run's seed: a function of the fit's seed and the parameters drawn, so a simulation gets the
    same seed in whichever process runs it (a generator copied into forked workers would repeat its
    draws in each of them), and different draws get independent seeds."""
    words = np.array([float(values[k]) for k in sorted(values)], dtype=np.float64).view(np.uint32)
    return int(np.random.SeedSequence([seed, *words.tolist()]).generate_state(1)[0])


class Simulator:
    """θ -> the run's summary statistics (picklable: the samplers ship it to worker processes)."""

    def __init__(self, scenario: Scenario, window: Window, keys: list[str], seed: int):
        self.scenario = scenario.with_values({"run.start": window.start, "run.end": window.end})
        self.months, self.keys, self.seed = window.months(), keys, seed
        self.kept = None
        """Where each simulation's statistics are kept as it ends, if anywhere (`calibration.kept_runs`)."""

    def settings(self) -> str:
        """Everything a simulation's statistics depend on besides the parameters drawn."""
        return json.dumps([self.scenario.to_dict(), self.months, self.keys, self.seed], default=str, sort_keys=True)

    def scenario_for(self, values: dict[str, float]) -> Scenario:
        return with_draw(self.scenario, values).with_values({"run.seed": run_seed(self.seed, values)})

    def begin(self, parameters):
        """The model for a draw, ready to run (`model.run(until=day)` runs it part way)."""
        from model import snapshot

        return snapshot.begin(self.scenario_for(dict(parameters)))

    def summary(self, daily: pd.DataFrame, months: list[str] | None = None) -> dict[str, float]:
        """The fit's statistics from a run's daily table, of `months` only if given (whole months the
        table holds: a month's statistics depend on its own days alone). An undefined one counts as no
        encounters (a level) or 0 (a share)."""
        from model.records import monthly

        months = self.months if months is None else months
        daily = daily[[c for c in daily.columns if c in READ]]  # the month's sums of just these: a fraction of the cost
        stats, wanted = statistics(pattern_table(monthly(daily)), months), set(months)
        out = {}
        for key in self.keys:
            name, _, period = key.partition(":")
            if not covered(period, wanted):
                continue
            v = stats.get(key, np.nan)
            if not np.isfinite(v):
                v = np.log(LEVEL_FLOOR) if name not in SHARES else 0.0
            out[key] = float(v)
        return out

    def __call__(self, parameters) -> dict[str, float]:
        values = dict(parameters)
        if self.kept is not None and (kept := self.kept.get(values)) is not None:
            return kept
        statistics = self.summary(self.begin(parameters).run())
        if self.kept is not None:
            self.kept.put(values, statistics)
        return statistics


def with_draw(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """The scenario with one draw of the parameters: scenario values as they are, the smooth
    pressure's (`pressure.<group>.start_YYYY-MM`, `.step_YYYY-MM`) as the knots they make, which
    replace the scenario's (`smooth_pressure.knots`), and the sectors' multipliers (`route_weights.<sector>`)
    as the route weights they make (`sector_routes.weights`)."""
    typed = {k: _typed(scenario, k, float(v)) for k, v in values.items() if not derived(k)}
    if any(smooth_pressure.is_key(k) for k in values):
        typed["pressure.knots"] = smooth_pressure.knots(scenario, values)
    if any(sector_routes.is_key(k) for k in values):
        typed["geography.route_weights"] = sector_routes.weights(scenario, values)
    return scenario.with_values(typed)


def derived(key: str) -> bool:
    """Whether `key` is a parameter that is no scenario value but makes one: the smooth pressure's
    (the knots) or a sector's multiplier (the route weights)."""
    return smooth_pressure.is_key(key) or sector_routes.is_key(key)
