"""ABC-SMC (calibration.smc): a synthetic truth recovered, a run continued from its database, the command."""

from __future__ import annotations

import pandas as pd
import pytest

from calibration import smc
from calibration.fit import Window, simulate
from model.scenario import Scenario
from tests.conftest import assert_one_line_error, cli

WINDOW = Window("2023-06", "2023-09")
TRUTH = {"pressure.mx": 1800.0, "border_patrol.apprehension": 0.8, "behaviour.persistence": 0.5}
PRIORS = {"pressure.mx": (600.0, 5000.0, "people a day from Mexico who start to consider leaving"),
          "border_patrol.apprehension": (0.5, 0.95, "chance an evader is caught"),
          "behaviour.persistence": (0.0, 0.95, "how much the chance to try again counts")}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Four months from an empty start at 500 people per agent, made by the model at TRUTH, and fitted
    with 30 particles a generation, three generations (about 350 simulations, about a minute)."""
    truth = Scenario(name="synthetic").with_values({"run.start": WINDOW.start, "run.end": WINDOW.end, "run.scale": 500,
                                                    "run.seed": 3, **TRUTH})
    obs = simulate(truth)
    out = tmp_path_factory.mktemp("smc")
    result = smc.smc(truth, obs, WINDOW, PRIORS, out, population=30, generations=3, max_simulations=400, seed=1,
                     log=lambda s: None)
    return truth, obs, out, result


def test_statistics_include_encounter_levels_and_the_shares():
    run = {"run.start": WINDOW.start, "run.end": WINDOW.end, "run.scale": 1000}
    obs = simulate(Scenario(name="s").with_values(run))
    stats = smc.observed_statistics(obs, WINDOW)
    assert {"encounters_usbp:2023-06", "encounters_ofo:2023-09", "family_share:2023-07",
            "sector_share_rgv:2023-08"} <= set(stats)
    assert not any(k.startswith("title42_share") for k in stats)  # no Title 42 in these months: no statistic
    assert all(smc.series_weight(k.split(":")[0]) > 0 for k in stats)


def test_the_synthetic_truth_lies_in_the_posterior_and_the_data_narrow_it(synthetic):
    _, _, _, result = synthetic
    summary = result["summary"].set_index("parameter")
    inside = [summary.loc[k, "q05"] <= v <= summary.loc[k, "q95"] for k, v in TRUTH.items()]
    assert sum(inside) >= 2, summary
    width = (summary["q95"] - summary["q05"]) / (summary["prior_hi"] - summary["prior_lo"])
    assert width.min() < 0.75, width  # the data say something: some interval well inside its prior
    record = result["record"]
    assert record["generations"] == 3 and 0 < record["acceptance_rate"] <= 1 and record["ess"] > 1
    assert result["posterior"]["weight"].sum() == pytest.approx(1.0)


def test_a_second_call_continues_the_run_in_the_database(synthetic):
    truth, obs, out, first = synthetic
    again = smc.smc(truth, obs, WINDOW, PRIORS, out, population=30, generations=3, seed=1, log=lambda s: None)
    assert again["record"]["resumed"] and again["record"]["simulations"] == first["record"]["simulations"]
    pd.testing.assert_frame_equal(again["posterior"], first["posterior"])
    more = smc.smc(truth, obs, WINDOW, PRIORS, out, population=10, generations=4, seed=1, log=lambda s: None)
    assert more["record"]["generations"] == 4 and more["record"]["simulations"] > first["record"]["simulations"]


def test_the_run_seed_depends_on_the_draw_and_the_fit_seed_only():
    draw = {"a": 0.25, "b": 1800.0}
    assert smc.run_seed(1, draw) == smc.run_seed(1, dict(reversed(draw.items())))
    assert smc.run_seed(1, draw) != smc.run_seed(2, draw) != smc.run_seed(1, {**draw, "a": 0.26})


def test_a_knot_multiplier_scales_every_knot_of_its_groups_and_nothing_else():
    from model.scenario import load

    base = load("historical")
    sim = smc.Simulator(base, WINDOW, [], 1)
    scaled = sim.scenario_for({"pressure.knots.others": 2.0, "behaviour.persistence": 0.3})
    for old, new in zip(base.pressure.knots, scaled.pressure.knots, strict=True):
        assert new["chnv"] == pytest.approx(2 * old["chnv"], abs=0.1)
        assert new["other"] == pytest.approx(2 * old["other"], abs=0.1)
        assert all(new[k] == old[k] for k in ("mx", "nca", "family", "uc", "date"))
    assert scaled.behaviour.persistence == 0.3
    smc.check_priors(base, smc.PRESSURE_PRIORS)
    with pytest.raises(ValueError, match="has none"):
        smc.check_priors(Scenario(name="s"), {"pressure.knots.mx": (0.5, 2.0, "")})


def test_a_constant_pressure_level_is_refused_where_knots_rule():
    from model.scenario import load

    with pytest.raises(ValueError, match="follows knots"):
        smc.check_priors(load("historical"), {"pressure.mx": (1.0, 2.0, "")})
    with pytest.raises(ValueError, match="unknown parameter"):
        smc.check_priors(Scenario(name="s"), {"behaviour.nothing": (0.0, 1.0, "")})


@pytest.mark.parametrize("argv, message", [
    (["calibrate", "--method", "mcmc", "--out", "x"], "invalid choice: 'mcmc'"),
    (["calibrate", "--method", "smc", "--population", "0", "--out", "x"], "must be at least 1"),
    (["calibrate", "--method", "smc", "--max-simulations", "lots", "--out", "x"], "expected a whole number"),
    (["calibrate", "--resume", "--out", "x"], "--resume continues an ABC-SMC run: give it with --method smc"),
    (["calibrate", "--method", "smc", "--resume", "--out", "x"], "--resume: x holds no smc.db to continue"),
])
def test_bad_smc_input_is_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(argv, capsys)
    assert_one_line_error(code, err, message)
    assert not any(tmp_path.iterdir())


def test_calibrate_smc_writes_the_posterior_its_record_and_the_database(tmp_path, capsys):
    from experiments.cli import main

    out = tmp_path / "fit"
    assert main(["calibrate", "--method", "smc", "--through", "2018-12", "--scale", "1000", "--population", "3",
                 "--generations", "1", "--max-simulations", "5", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["fitted.csv", "posterior.csv", "smc.csv", "smc.db"]
    posterior = pd.read_csv(out / "posterior.csv")
    assert len(posterior) == 3 and posterior["weight"].sum() == pytest.approx(1.0)
    record = pd.read_csv(out / "smc.csv").iloc[0]
    assert record["generations"] == 1 and record["simulations"] >= 3 and not record["resumed"]
    assert "smc.db" in capsys.readouterr().out
    # --resume goes on from the run's database to two generations in all, and replaces the first run's files
    assert main(["calibrate", "--method", "smc", "--through", "2018-12", "--scale", "1000", "--population", "3",
                 "--generations", "2", "--max-simulations", "20", "--resume", "--out", str(out)]) == 0
    again = pd.read_csv(out / "smc.csv").iloc[0]
    assert again["resumed"] and again["generations"] == 2 and again["simulations"] > record["simulations"]
    assert sorted(p.name for p in out.iterdir()) == ["fitted.csv", "posterior.csv", "smc.csv", "smc.db"]
