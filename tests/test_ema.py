"""The EMA Workbench adapter drives the model (skipped unless the `ema` extra is installed)."""

from __future__ import annotations

import pytest

ema = pytest.importorskip("ema_workbench")

from experiments.ema import borderflow_model  # noqa: E402
from experiments.errors import UsageError  # noqa: E402
from experiments.runs import Run, simulate  # noqa: E402
from experiments.summaries import summarise  # noqa: E402
from model.scenario import ScenarioError  # noqa: E402
from tests.conftest import short  # noqa: E402


def test_ema_experiments_are_borderflow_runs():
    scenario = short("securing-the-border", days=15, scale=300, seed=4, empty=True)
    model = borderflow_model(scenario, uncertainties={"mexico.interdiction": (0.05, 0.4)},
                             levers={"closure.activation": (1500, 3000), "title42.active": True},
                             outcomes=["total_encounters", "peak_7day_avg"], seeds=[4, 5])
    assert [u.name for u in model.uncertainties] == ["mexico_interdiction"]
    assert isinstance(model.levers["title42_active"], ema.BooleanParameter)
    experiments, outcomes = ema.perform_experiments(model, scenarios=2, policies=2)
    assert len(experiments) == 4 and set(outcomes) == {"total_encounters", "peak_7day_avg"}
    row = experiments.iloc[3]
    values = {"mexico.interdiction": float(row["mexico_interdiction"]),
              "closure.activation": float(row["closure_activation"]), "title42.active": bool(row["title42_active"])}
    runs = [simulate(Run(scenario, values, seed)).daily for seed in (4, 5)]
    expected = sum(summarise(d)["total_encounters"] for d in runs) / 2  # the mean over the seeds
    assert outcomes["total_encounters"][3] == pytest.approx(expected)


def test_unknown_keys_and_outcomes_are_refused():
    with pytest.raises(ScenarioError, match="unknown parameter 'closure.activaton'"):
        borderflow_model("baseline", uncertainties={"closure.activaton": (1, 2)})
    with pytest.raises(ValueError, match="unknown output 'encounters'"):
        borderflow_model("baseline", outcomes=["encounters"])


def test_a_level_the_knots_override_is_refused():
    """Varying a constant pressure level of a scenario that follows knots would vary nothing."""
    with pytest.raises(UsageError, match="pressure.mx: historical's pressure follows knots"):
        borderflow_model("historical", uncertainties={"pressure.mx": (1000, 2000)})
