"""What an ABC-SMC fit draws: the default priors, --hold and --prior, and a table's entry as a parameter."""

from __future__ import annotations

import logging
import tomllib

import pandas as pd
import pytest

from calibration import fit, sector_routes, simulation, smc, smooth_pressure
from calibration.calibrate import historical_with_fit
from calibration.commands import quiet_user_stops
from calibration.priors import Normal, Uniform
from experiments.errors import Terminated
from model.border import SECTORS
from model.scenario import load
from tests.conftest import assert_one_line_error, cli

WINDOW = fit.Window("2018-10", "2018-12")


@pytest.fixture(scope="module")
def defaults():
    return smc.default_priors(load("historical"), WINDOW, 3)


def test_the_defaults_are_the_smooth_pressure_the_behaviour_and_the_sectors(defaults):
    assert set(fit.PRIORS) <= set(defaults)
    assert {k for k in defaults if sector_routes.is_key(k)} == {sector_routes.key(s) for s in SECTORS if s != "rgv"}
    assert any(smooth_pressure.is_key(k) for k in defaults)
    assert len(defaults) == len(fit.PRIORS) + len(SECTORS) - 1 + sum(smooth_pressure.is_key(k) for k in defaults)


def test_hold_leaves_a_parameter_out_and_prior_puts_one_in(defaults):
    noise = Uniform(0.02, 0.5)
    chosen = smc.choose_priors(defaults, {"behaviour.choice_noise": noise, "behaviour.persistence": Uniform(0.2, 0.6)},
                               ["route_weights", "behaviour.send_child_cost"])
    assert not any(sector_routes.is_key(k) for k in chosen)
    assert "behaviour.send_child_cost" not in chosen and chosen["behaviour.choice_noise"] is noise
    assert chosen["behaviour.persistence"] == Uniform(0.2, 0.6)  # in place of the default's
    assert {k for k in chosen if smooth_pressure.is_key(k)} == {k for k in defaults if smooth_pressure.is_key(k)}
    one = smc.choose_priors(defaults, {}, ["route_weights.yuma"])
    assert set(defaults) - set(one) == {"route_weights.yuma"}
    assert defaults == smc.choose_priors(defaults, {}, [])


@pytest.mark.parametrize("added, held, message", [
    ({}, ["behaviour.choice_noise"], "--hold behaviour.choice_noise: not one of the parameters fitted by default"),
    ({}, ["pressure.mx.start_2018-10"], "--hold pressure.mx.start_2018-10: not one of the parameters"),
    ({}, ["route_weights.rgv"], "--hold route_weights.rgv: not one of the parameters"),
    ({"pressure.mx.step_2019-10": Normal(0.0, 1.0)}, [], "the smooth pressure's priors follow from its anchors"),
    ({"route_weights.yuma": Uniform(-1, 1)}, ["route_weights"],
     "--prior route_weights.yuma and --hold route_weights: a parameter is either fitted or held"),
    ({"behaviour.persistence": Uniform(0, 1)}, ["behaviour.persistence"], "is either fitted or held"),
])
def test_what_cannot_be_held_or_added_is_refused(defaults, added, held, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        smc.choose_priors(defaults, added, held)


def test_a_table_entry_is_a_parameter_of_its_own():
    historical = load("historical")
    smc.check_priors(historical, {"pressure.claim_mean.mx": Uniform(0.02, 0.5)})  # not a constant level
    drawn = simulation.with_draw(historical, {"pressure.claim_mean.mx": 0.1, "behaviour.choice_noise": 0.3})
    assert drawn.pressure.claim_mean == {**historical.pressure.claim_mean, "mx": 0.1}
    assert drawn.behaviour.choice_noise == 0.3


@pytest.mark.parametrize("priors, message", [
    ({"pressure.claim_mean.mars": Uniform(0.1, 0.2)}, "unknown parameter 'pressure.claim_mean.mars'"),
    ({"behaviour.choice_noise.mx": Uniform(0.1, 0.2)}, "'behaviour.choice_noise' is not a table"),
    ({"behaviour.choice_noise": Uniform(0.02, 20.0)},
     "the prior of 'behaviour.choice_noise' reaches outside the value's valid range: behaviour.choice_noise = 20.0 "
     "is out of range [0.001, 10]"),
    ({"pressure.claim_mean.mx": Uniform(-0.5, 0.5)}, "reaches outside the value's valid range"),
    ({"behaviour.choice_noise": Normal(0.1, 0.05)}, "whose draws could leave the value's valid range"),
    ({"border_patrol.holding_capacity": Uniform(5000, 9000)}, "a lever the scenario's timeline sets on its dates"),
])
def test_priors_a_scenario_value_cannot_take_are_refused(priors, message):
    with pytest.raises(ValueError) as err:
        smc.check_priors(load("historical"), priors)
    assert message in str(err.value)


@pytest.mark.parametrize("argv, message", [
    (["--prior", "route_weights.tucson=-1:1"], "--prior route_weights.tucson: the inversion fits scenario values only"),
    (["--prior", "pressure.mx.start_2018-10=1:2"], "the inversion fits scenario values only"),
    (["--hold", "route_weights"], "--hold route_weights: not one of the parameters the inversion's ABC fits by default"),
    (["--prior", "pressure.claim_mean.mars=0.1:0.2"], "unknown parameter 'pressure.claim_mean.mars'"),
    (["--prior", "behaviour.persistence=0.5:1.5"], "reaches outside the value's valid range"),
    ([*(a for key in fit.PRIORS for a in ("--hold", key))], "--hold leaves the fit nothing to draw"),
    (["--method", "smc", "--prior", "behaviour.choice_noise"], "expected KEY=LO:HI (a uniform prior from LO to HI)"),
    (["--method", "smc", "--prior", "behaviour.choice_noise=a:b"], "expected KEY=LO:HI"),
    (["--method", "smc", "--prior", "behaviour.choice_noise=0.5:0.02"], "LO must be below HI, got 0.5:0.02"),
    (["--method", "smc", "--prior", "behaviour.choice_noise=0.1:0.2", "--prior", "behaviour.choice_noise=0.1:0.3"],
     "--prior behaviour.choice_noise is given twice"),
    (["--method", "smc", "--prior", "pressure.claim_mean.mars=0.1:0.2"], "unknown parameter 'pressure.claim_mean.mars'"),
    (["--method", "smc", "--prior", "pressure.mx=1:2"], "'pressure.mx' is a constant level"),
    (["--method", "smc", "--hold", "behaviour.choice_noise"], "not one of the parameters fitted by default"),
])
def test_bad_priors_on_the_command_line_are_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(["calibrate", *argv, "--out", "x"], capsys)
    assert_one_line_error(code, err, message)
    assert not any(tmp_path.iterdir())


def test_a_fit_with_chosen_priors_draws_them_and_writes_them(tmp_path, capsys):
    from experiments.cli import main

    out = tmp_path / "fit"
    argv = ["calibrate", "--method", "smc", "--through", "2018-12", "--scale", "1000", "--population", "3",
            "--generations", "1", "--max-simulations", "5", "--pressure-every", "3", "--hold", "route_weights",
            "--hold", "behaviour.send_child_cost", "--prior", "pressure.claim_mean.mx=0.02:0.5",
            "--prior", "behaviour.choice_noise=0.02:0.5"]
    assert main([*argv, "--out", str(out)]) == 0
    posterior = pd.read_csv(out / "posterior.csv")
    drawn = set(posterior.columns) - {"weight"}
    assert {"pressure.claim_mean.mx", "behaviour.choice_noise", "behaviour.persistence"} <= drawn
    assert not any(sector_routes.is_key(k) for k in drawn) and "behaviour.send_child_cost" not in drawn
    assert posterior["pressure.claim_mean.mx"].between(0.02, 0.5).all()
    capsys.readouterr()
    # The fit file: the table with its fitted entry, the held values as the starting point has them.
    fitted, historical = load(str(out / "fit.toml")), load("historical")
    best = smc.point(posterior)
    assert fitted.pressure.claim_mean == {**historical.pressure.claim_mean,
                                          "mx": float(f"{best['pressure.claim_mean.mx']:.3g}")}
    assert fitted.behaviour.choice_noise == float(f"{best['behaviour.choice_noise']:.3g}")
    document = tomllib.loads((out / "fit.toml").read_text())
    assert "route_weights" not in document.get("geography", {}) and "send_child_cost" not in document["behaviour"]
    meta = document["meta"]
    assert meta["held"] == ["route_weights", "behaviour.send_child_cost"]
    assert meta["added_priors"] == ["pressure.claim_mean.mx=0.02:0.5", "behaviour.choice_noise=0.02:0.5"]
    assert "--prior pressure.claim_mean.mx=0.02:0.5" in meta["command"]
    # `validate --posterior` draws from it: every draw a scenario with its own claim mean.
    draws = smc.posterior_draws(out / "posterior.csv", historical_with_fit(out / "fit.toml"), 3)
    assert {d["pressure.claim_mean.mx"] for d in draws} <= set(posterior["pressure.claim_mean.mx"])
    assert simulation.with_draw(fitted, draws[0]).pressure.claim_mean["mx"] == draws[0]["pressure.claim_mean.mx"]


def test_a_users_stop_is_not_logged_with_its_traceback_by_the_database_layer(capsys):
    logger = logging.getLogger("tests.sqlalchemy-like")
    quiet_user_stops(logger)
    quiet_user_stops(logger)  # once per logger
    try:
        for err in (Terminated(), KeyboardInterrupt(), OSError("disk gone")):
            try:
                raise err
            except BaseException:
                logger.error("Exception closing connection", exc_info=True)
        printed = capsys.readouterr().err
        assert printed.count("Exception closing connection") == 1 and "disk gone" in printed
        assert "Terminated" not in printed and "KeyboardInterrupt" not in printed
    finally:
        logger.handlers.clear()
        logger.propagate = True


def test_a_run_resumed_with_another_prior_is_refused_and_its_files_are_kept(tmp_path, capsys):
    from experiments.cli import main

    out = tmp_path / "fit"
    argv = ["calibrate", "--method", "smc", "--through", "2018-12", "--scale", "1000", "--population", "3",
            "--generations", "1", "--max-simulations", "5", "--pressure-every", "3", "--hold", "route_weights",
            "--prior", "behaviour.choice_noise=0.02:0.5"]
    assert main([*argv, "--out", str(out)]) == 0
    record = (out / "smc.csv").read_text()
    capsys.readouterr()
    wider = [*argv[:-1], "behaviour.choice_noise=0.02:0.9", "--generations", "2", "--resume", "--out", str(out)]
    code, _, err = cli(wider, capsys)
    assert_one_line_error(code, err, "the run in smc.db draws 'behaviour.choice_noise' from uniform(0.02, 0.5), "
                                     "not uniform(0.02, 0.9): continue it with the settings it was made with")
    assert (out / "smc.csv").read_text() == record


def test_show_priors_prints_what_the_fit_would_draw_and_writes_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(["calibrate", "--method", "smc", "--show-priors", "--through", "2019-06", "--pressure-every", "3",
                        "--hold", "route_weights.tucson", "--prior", "pressure.claim_mean.mx=0.02:0.6",
                        "--prior", "route_weights.yuma=-1:1"], capsys)
    assert code == 0 and not any(tmp_path.iterdir())
    lines = out.strip().splitlines()
    chosen = smc.choose_priors(smc.default_priors(load("historical"), fit.Window("2018-10", "2019-06"), 3),
                               {"pressure.claim_mean.mx": Uniform(0.02, 0.6), "route_weights.yuma": Uniform(-1, 1)},
                               ["route_weights.tucson"])
    assert [line.split()[0] for line in lines[:-1]] == list(chosen)
    assert lines[-1] == f"{len(chosen)} parameters, fitted on 2018-10 .. 2019-06"
    shown = {line.split()[0]: line for line in lines[:-1]}
    assert "uniform(0.02, 0.6)" in shown["pressure.claim_mean.mx"]
    assert shown["pressure.claim_mean.mx"].endswith("mean strength of a protection claim (Beta distributed), for mx")
    assert "uniform(-1, 1)" in shown["route_weights.yuma"] and "yuma" in shown["route_weights.yuma"].split("  ")[-1]
    assert "normal(0, 0.25)" in shown["pressure.mx.step_2019-01"] and "route_weights.tucson" not in shown


def test_the_inversion_draws_its_behaviour_with_chosen_priors_and_writes_them(capsys, tmp_path):
    """`--prior` and `--hold` choose what the inversion's rejection ABC draws, as they do for ABC-SMC:
    `--show-priors` lists it, the draws and the fit hold it, and the fit's command records it."""
    from experiments.cli import main

    choose = ["--through", "2018-12", "--prior", "pressure.claim_mean.mx=0.05:0.4", "--prior",
              "behaviour.persistence=0.2:0.6", "--hold", "behaviour.send_child_cost"]
    code, out, _ = cli(["calibrate", "--show-priors", *choose], capsys)
    expected = [k for k in fit.PRIORS if k != "behaviour.send_child_cost"] + ["pressure.claim_mean.mx"]
    lines = out.strip().splitlines()
    assert code == 0 and [line.split()[0] for line in lines[:-1]] == expected
    assert "uniform(0.2, 0.6)" in lines[0] and lines[-1] == f"{len(expected)} parameters, fitted on 2018-10 .. 2018-12"
    out = tmp_path / "fit"
    assert main(["calibrate", *choose, "--scale", "1000", "--samples", "4", "--rounds", "1", "--out", str(out)]) == 0
    draws = pd.read_csv(out / "abc_draws.csv")
    assert "behaviour.send_child_cost" not in draws and draws["pressure.claim_mean.mx"].between(0.05, 0.4).all()
    assert draws["behaviour.persistence"].between(0.2, 0.6).all()
    written = tomllib.loads((out / "fit.toml").read_text())
    fitted = pd.read_csv(out / "fitted.csv").set_index("parameter")["fitted"]
    assert written["pressure"]["claim_mean"]["mx"] == pytest.approx(fitted["pressure.claim_mean.mx"], rel=1e-2)
    assert written["pressure"]["claim_mean"]["nca"] == load("historical").pressure.claim_mean["nca"]  # the rest kept
    assert "--prior pressure.claim_mean.mx=0.05:0.4" in written["meta"]["command"]
    assert historical_with_fit(out / "fit.toml").pressure.claim_mean["mx"] == written["pressure"]["claim_mean"]["mx"]


@pytest.mark.parametrize("argv, message", [
    (["calibrate", "--show-priors", "--hold", "behaviour.choice_noise"], "--hold behaviour.choice_noise: not one of"),
    (["calibrate", "--method", "smc"], "the following arguments are required: --out"),
    (["calibrate", "--method", "smc", "--show-priors", "--prior", "nothing=0:1"], "parameter 'nothing' must look like section.field"),
])
def test_show_priors_and_a_missing_out_are_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(argv, capsys)
    assert_one_line_error(code, err, message)
    assert not any(tmp_path.iterdir())
