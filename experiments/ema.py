"""Drive borderflow from the EMA Workbench (`pip install borderflow[ema]`).

Uncertainties and levers are scenario keys ("closure.activation"), outcomes are the summary
statistics of `experiments.summaries`. EMA names must be Python identifiers, so each key is
named with underscores (closure_activation) and mapped back through `variable_name`:

    from ema_workbench import perform_experiments
    from experiments.ema import borderflow_model
    model = borderflow_model("securing-the-border", days=120, scale=100,
                             uncertainties={"mexico.interdiction": (0.05, 0.4)},
                             levers={"closure.activation": (1500, 3000)},
                             outcomes=["peak_7day_avg", "days_closed"], seeds=[1, 2, 3])
    experiments, outcomes = perform_experiments(model, scenarios=20, policies=4)

With `seeds`, each experiment runs once per seed (an EMA ReplicatorModel) and each outcome
is the mean over the seeds; without, it runs once with the scenario's seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.overrides import override, refuse_ignored
from experiments.runs import Run, simulate
from experiments.summaries import STATISTICS, check_names, summarise
from model.scenario import Scenario, ScenarioError, check_key, load


@dataclass(frozen=True)
class ScenarioFunction:
    """The callable EMA runs: keyword values (scenario keys, and `seed`) -> summary statistics.

    A class rather than a closure so that EMA's process pools can pickle it."""

    scenario: Scenario
    outcomes: tuple

    def __call__(self, **values: Any) -> dict[str, float]:
        seed = int(values.pop("seed", self.scenario.run.seed))
        values = {key: check_key(key, v.item() if hasattr(v, "item") else v) for key, v in values.items()}
        result = simulate(Run(self.scenario, values, seed))
        if not result.ok:
            raise RuntimeError(result.error)
        return summarise(result.daily, list(self.outcomes))


def _parameter(key: str, bounds: Any, current: Any):
    """The EMA parameter for one scenario key, typed by the key's current value."""
    import ema_workbench as ema

    name = key.replace(".", "_")
    if isinstance(bounds, (list, set)):
        return ema.CategoricalParameter(name, list(bounds), variable_name=key)
    if isinstance(current, bool):
        return ema.BooleanParameter(name, variable_name=key)
    low, high = (check_key(key, b) for b in bounds)
    if isinstance(current, int):
        return ema.IntegerParameter(name, low, high, variable_name=key)
    return ema.RealParameter(name, low, high, variable_name=key)


def _current(scenario: Scenario, key: str) -> Any:
    section, name, *sub = key.split(".")
    try:
        value = getattr(getattr(scenario, section), name)
        return value[sub[0]] if sub else value
    except (AttributeError, KeyError, TypeError):
        raise ScenarioError(f"unknown parameter '{key}' (see `borderflow params`)") from None


def borderflow_model(scenario: str | Scenario = "baseline", *, uncertainties: dict | None = None,
                     levers: dict | None = None, outcomes: list[str] | None = None, days: int | None = None,
                     scale: int | None = None, seeds: list[int] | None = None, name: str = "borderflow"):
    """An EMA `Model` (or `ReplicatorModel` with `seeds`) of a scenario.

    `uncertainties` and `levers` map scenario keys to (low, high), a list of categories, or,
    for true/false parameters, anything (both values are explored)."""
    import ema_workbench as ema

    base = override(load(scenario) if isinstance(scenario, str) else scenario, {}, days=days, scale=scale)
    refuse_ignored(base, [*(uncertainties or {}), *(levers or {})])
    names = check_names(outcomes or list(STATISTICS))
    function = ScenarioFunction(base, tuple(names))
    model = ema.ReplicatorModel(name, function) if seeds else ema.Model(name, function)
    if seeds:
        model.replications = [{"seed": int(s)} for s in seeds]
    model.uncertainties = [_parameter(k, b, _current(base, k)) for k, b in (uncertainties or {}).items()]
    model.levers = [_parameter(k, b, _current(base, k)) for k, b in (levers or {}).items()]
    mean = {"function": np.mean} if seeds else {}
    model.outcomes = [ema.ScalarOutcome(n, kind=ema.ScalarOutcome.INFO, **mean) for n in names]
    return model
