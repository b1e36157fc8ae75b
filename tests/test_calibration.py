"""Calibration: the data and its window, the patterns, recovery of a known truth, the commands."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration import data, fit, patterns, smooth_pressure
from calibration.calibrate import calibrate, fit_path, historical_with_fit, starting_point
from calibration.patterns import observed_patterns, skill
from calibration.validate import CHECKS, SCALE_CHECKED, period_of, posterior_of, scale_check
from calibration.window import fiscal_year
from experiments.cli import main
from experiments.errors import ExperimentError
from model.scenario import SCENARIO_DIR, Scenario, load
from tests.conftest import assert_one_line_error, cli

LAST = dt.date(2024, 5, 31)


# -- the data window: nothing observed after May 2024 ------------------------------------------
def test_every_data_file_ends_by_may_2024():
    latest = data.last_month_in_files()
    assert set(latest) >= {"sw_monthly_by_component.csv", "usbp_sw_monthly_by_sector_ohss.csv"}
    late = {name: month for name, month in latest.items() if month > data.LAST_MONTH}
    assert not late, f"data files with months after {data.LAST_MONTH}: {late}"


def test_no_scenario_knot_goes_past_the_data_window():
    """Inflow knots are fitted inputs: none may be dated after the data window (the forecast
    extends them by the rule in `pressure.after_last_knot`)."""
    for path in sorted(SCENARIO_DIR.rglob("*.toml")):
        knots = tomllib.loads(path.read_text()).get("pressure", {}).get("knots", [])
        assert all(k["date"] <= LAST for k in knots), path.name


def test_historical_uses_the_fit_through_may_2024_and_extends_it_by_a_rule():
    scenario = load("historical")
    assert scenario.pressure.after_last_knot == "repeat_last_year"
    assert scenario.pressure.knots == load(str(fit_path("2024-05"))).pressure.knots
    meta = tomllib.loads(fit_path("2024-05").read_text())["meta"]
    assert meta["data_window"].endswith("2024-05")
    held = historical_with_fit(fit_path("2023-05"))
    assert max(k["date"] for k in held.pressure.knots) <= dt.date(2023, 5, 31)
    assert held.timeline == scenario.timeline


def test_a_held_out_fit_starts_from_the_fit_through_its_own_month_and_reads_nothing_later():
    """The starting point (the inversion's first knots, the centre of ABC-SMC's pressure prior) of a fit
    through a month is the shipped fit through that month, not `historical` (fitted through May 2024)."""
    historical = load("historical")
    assert starting_point("2024-05").pressure.knots == historical.pressure.knots
    held_out = starting_point("2023-05")
    assert held_out.pressure.knots == load(str(fit_path("2023-05"))).pressure.knots
    assert max(k["date"] for k in held_out.pressure.knots) <= dt.date(2023, 5, 31) < historical.pressure.knots[-1]["date"]
    assert held_out.timeline == historical.timeline  # the rules in force are history's, on their dates
    assert starting_point("2020-01").pressure.knots == historical.pressure.knots  # no fit through that month


def test_observed_table_covers_the_window_in_model_terms():
    obs = data.observed()
    assert obs.index[0] == data.FIRST_MONTH and obs.index[-1] == data.LAST_MONTH and len(obs) == 68
    assert (obs["encounters_usbp"] > 0).all() and (obs["encounters_ofo"] > 0).all()
    demographic = obs.filter(regex=r"^encounters_usbp_(single_adults|family_members|uc)$").sum(axis=1)
    assert np.allclose(demographic, obs["encounters_usbp"], rtol=0.01)
    groups = obs[["encounters_mx", "encounters_nca", "encounters_others"]].sum(axis=1)
    assert np.allclose(groups, obs["encounters_usbp"] + obs["encounters_ofo"], rtol=0.01)


def test_observed_patterns_are_shares_where_shares():
    pat = observed_patterns()
    sectors = pat.filter(like="sector_share_").sum(axis=1)
    assert np.allclose(sectors, 1.0, atol=0.02)
    t42 = pat["title42_share"].dropna()
    assert t42.index[0] == "2020-04" and t42.index[-1] == "2023-04" and t42.between(0, 1).all()
    assert pat["reencounter_share"].dropna().between(0.1, 0.5).all()


def test_known_gotaways_are_stored_by_fiscal_year_and_only_in_their_years():
    gone = data.observed()["gotaways"]
    assert gone.loc["2020-10":"2021-09"].sum() == pytest.approx(data.known_gotaways()[2021])
    assert gone.loc["2022-10":"2023-09"].sum() == pytest.approx(data.known_gotaways()[2023])
    assert gone.loc[:"2020-09"].isna().all() and gone.loc["2023-10":].isna().all()


def test_gotaways_are_compared_by_fiscal_year_not_month_by_month():
    obs = observed_patterns()
    sim = obs.copy()
    sim["gotaways"] = obs["gotaways"].fillna(5000.0) * 2  # twice the known ones every year
    doubled = patterns.errors(sim, obs)["gotaways"]
    assert doubled == pytest.approx(np.log(2), abs=0.01)
    shifted = sim.copy()  # the same years' totals, moved between months of each year
    for year in (2021, 2022, 2023):
        months = [m for m in shifted.index if fiscal_year(m) == year]
        shifted.loc[months, "gotaways"] = np.linspace(0.5, 1.5, 12) * shifted.loc[months, "gotaways"]
    assert patterns.errors(shifted, obs)["gotaways"] == pytest.approx(doubled)
    assert "gotaways" not in patterns.errors(sim, obs, ("2020-11", "2021-09"))  # no whole reported year: no error
    assert fit.distance(sim, obs, fit.Window("2018-10", "2024-05")) > fit.distance(obs, obs, fit.Window("2018-10", "2024-05"))


def test_the_patterns_table_gives_gotaways_as_fiscal_year_totals_not_monthly_observations():
    obs = observed_patterns()
    long = patterns.observed_long(obs)
    gone = long[long["pattern"] == "gotaways"].set_index("month")
    assert gone["observed"].isna().all()  # no month of them is observed
    assert gone.loc["2020-10":"2021-09", "observed_fiscal_year"].tolist() == pytest.approx([data.known_gotaways()[2021]] * 12)
    assert gone.loc[:"2020-09", "observed_fiscal_year"].isna().all()
    usbp = long[long["pattern"] == "encounters_usbp"].set_index("month")
    assert usbp["observed"].tolist() == obs["encounters_usbp"].tolist()  # others as they were
    assert usbp["observed_fiscal_year"].isna().all()


def test_a_broken_data_file_is_one_clear_error(tmp_path, monkeypatch):
    (tmp_path / "sw_monthly_by_component.csv").write_text("month,component\n2020-01,USBP\n")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    data.observed.cache_clear()
    try:
        with pytest.raises(data.DataError, match="sw_monthly_by_component.csv lacks column.*encounters"):
            data.observed()
    finally:
        data.observed.cache_clear()


# -- error metrics ------------------------------------------------------------------------------
def test_skill_is_positive_only_for_a_forecast_better_than_the_naive_ones():
    months = pd.period_range("2020-01", "2021-12", freq="M").strftime("%Y-%m")
    obs = pd.Series(np.linspace(100, 1000, len(months)), index=months)
    perfect = skill(obs, obs, ("2021-01", "2021-12"))
    assert perfect["last_value"] == pytest.approx(1.0) and perfect["same_month_last_year"] == pytest.approx(1.0)
    flat = pd.Series(100.0, index=months)
    assert skill(flat, obs, ("2021-01", "2021-12"))["last_value"] < 0


@pytest.mark.parametrize("first, last", [("2018-10", "2024-05"), ("2018-10", "2023-05"), ("2023-06", "2023-11"),
                                         ("2020-01", "2020-04"), ("2021-03", "2021-03")])
def test_quarterly_knots_are_smooth_and_inside_the_window(first, last):
    """One knot a quarter (a short last quarter joins the one before): never closer than the
    scenario allows, never outside the window, and accepted by the scenario."""
    window = fit.Window(first, last)
    knots = fit.quarterly_knots(load("historical"), window)
    dates = [k["date"] for k in knots]
    assert all(window.start <= d <= window.end for d in dates)
    assert all((b - a).days >= 80 for a, b in zip(dates, dates[1:]))
    load("historical").with_values({"pressure.knots": knots})


def test_an_inversion_round_stops_a_knot_at_the_most_the_scenario_takes():
    """A draw whose behaviour keeps nearly everyone home asks for more people a day than a knot may
    hold: the round stops the knot there (the draw then fits poorly), and the scenario takes it,
    instead of refusing it and ending the whole fit."""
    window = fit.Window("2021-01", "2021-06")
    scenario = load("historical")
    knots = [k | {"mx": 60000.0} for k in fit.quarterly_knots(scenario, window)]  # a round may multiply by 4
    months = window.months()
    obs = pd.DataFrame({column: 1e6 for column in fit.GROUPS_COMPARED} | {"family_share": 0.3, "uc_share": 0.1},
                       index=months)
    sim = obs.assign(**{column: 1.0 for column in fit.GROUPS_COMPARED})  # the draw's runs: almost nobody came
    moved = fit.adjust_knots(knots, sim, obs, 1.0)
    assert [k["mx"] for k in moved] == [fit.KNOT_MOST] * len(knots)
    assert all(k["nca"] > before["nca"] for k, before in zip(moved, knots, strict=True))
    scenario.with_values({"pressure.knots": moved})

def test_calibration_runs_give_the_same_tables_in_this_process_and_in_workers():
    """The fit's runs go through the experiment backends, as a batch's do: the backend changes the
    time taken, never a number; a run that fails stops the fit with one line."""
    window = fit.Window("2024-02", "2024-03")
    short = load("baseline").empty_start().with_values({"run.scale": 400, "run.end": window.end})
    scenarios = [short.with_values({"run.seed": s}) for s in (1, 2, 3)]
    here = fit.run_all(scenarios, workers=1)
    there = fit.run_all(scenarios, workers=2)
    for a, b in zip(here, there, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert not here[0].equals(here[1])  # three seeds, three runs
    with pytest.raises(ExperimentError, match=r"^calibration run 0 failed: "):
        fit.run_all([short], workers=1, adjust=1)  # an inversion round with no observed data to invert against


# -- recovery of a known truth ----------------------------------------------------------------
@pytest.fixture(scope="module")
def synthetic():
    """Data made by the model itself under Title 42 with a known pressure and persistence, and a
    calibration that starts from a wrong pressure and no persistence."""
    # Title 42 as the `title42` regime sets it, on the model's default pressure (four constant levels)
    # and behaviour: no history, no knots.
    truth = Scenario(name="title42").with_values({"title42.active": True, "mexico.chnv_cap": 30000,
                                                  "run.start": dt.date(2023, 6, 1), "run.end": dt.date(2023, 11, 30),
                                                  "run.scale": 50, "run.seed": 8, "behaviour.persistence": 0.6})
    obs = fit.simulate(truth)
    start = truth.with_values({"pressure.mx": 900, "pressure.nca": 3000, "pressure.chnv": 600, "pressure.other": 750,
                               "behaviour.persistence": 0.0})
    result = calibrate(start, fit.Window("2023-06", "2023-11"), obs=obs, samples=10, rounds=3, scale=50,
                       priors={"behaviour.persistence": fit.PRIORS["behaviour.persistence"]}, log=lambda s: None)
    return truth, obs, result


def test_inversion_recovers_a_known_pressure_at_known_behaviour(synthetic):
    """The start is half (mx), double (nca) and half (chnv, other) the truth. Each group's level moves
    toward the truth, by at least a quarter of the way (in log terms), and all together come within
    a fifth of it. Six months at 50 people per agent leave much noise in one run, so each round
    matches the mean of three seeds: with one, a group's fitted level ranged from 0.46 to 1.55 times
    the truth over five synthetic truths (under Title 42, encounters are mostly repeat crossings after
    expulsions, and one run's repeat crossings stand for the level poorly)."""
    truth, obs, _ = synthetic
    start = truth.with_values({"pressure.mx": 900, "pressure.nca": 3000, "pressure.chnv": 600, "pressure.other": 750})
    fitted, _ = fit.invert_pressure(start, obs, fit.Window("2023-06", "2023-11"), rounds=4, seeds=(1, 2, 3),
                                    log=lambda s: None)
    levels, truths = [], []
    for groups in (("mx",), ("nca",), ("chnv", "other")):
        level = np.mean([sum(k[g] for g in groups) for k in fitted.pressure.knots])
        true = sum(getattr(truth.pressure, g) for g in groups)
        began = sum(getattr(start.pressure, g) for g in groups)
        assert abs(np.log(level / true)) < 0.75 * abs(np.log(began / true)), groups
        levels.append(level)
        truths.append(true)
    assert sum(levels) == pytest.approx(sum(truths), rel=0.2)


def test_calibration_recovers_a_known_behaviour(synthetic):
    """Persistence (0.6 in the truth, 0 at the start) is recovered from six months of synthetic Title 42
    data. It was not while travellers sent back across the line ignored the re-entry bar of a Title 8
    order (accepted draws at 0.15 and 0.87 then: the distance was mostly seed noise); since they weigh
    it, truths made with seeds 8, 9 and 10 gave fitted values of 0.69, 0.65 and 0.57."""
    _, _, result = synthetic
    row = result["summary"].set_index("parameter").loc["behaviour.persistence"]
    assert row.q05 <= row["median"] <= row.q95
    assert abs(row.fitted - 0.6) < 0.2, row.fitted  # the point estimate calibrate picked; started at 0
    assert abs(row["median"] - 0.6) < 0.2, row["median"]


def test_fitted_model_is_closer_to_the_data_than_the_start(synthetic):
    truth, obs, result = synthetic
    window = fit.Window("2023-06", "2023-11")
    start = truth.with_values({"pressure.mx": 900, "pressure.nca": 3000, "pressure.chnv": 600, "pressure.other": 750,
                               "behaviour.persistence": 0.0})
    assert result["distance"] < fit.distance(fit.simulate(start), obs, window)
    inversion = result["inversion"]
    first = inversion.iloc[0]  # the wrong starting pressure, one knot a quarter
    chosen = inversion[(inversion["stage"] == f"after ABC ({result['point']})") & inversion["chosen"]].iloc[0]
    assert chosen["pressure_error"] < 0.5 * first["pressure_error"]


# -- the commands -------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    (["calibrate", "--through", "2024-06", "--out", "x"], "month 2024-06 is after the observed data, which run "
                                                           "from 2018-10 to 2024-05; give a month from 2018-11 to 2024-05"),
    (["calibrate", "--through", "2018-10", "--out", "x"], "month 2018-10 is the first observed month, and a fit "
                                                           "needs at least two; give a month from 2018-11"),
    (["calibrate", "--through", "2017-12", "--out", "x"], "month 2017-12 is before the observed data"),
    (["calibrate", "--through", "May", "--out", "x"], "expected a month YYYY-MM"),
    (["calibrate", "--samples", "0", "--out", "x"], "must be at least 1"),
    (["validate", "--replicates", "many", "--out", "x"], "expected a whole number"),
    (["validate", "--fit", "nowhere.toml", "--out", "OUT"], "scenario file not found: nowhere.toml"),
    (["validate", "--posterior", "nowhere.csv", "--out", "OUT"], "cannot read the posterior nowhere.csv"),
    (["validate", "--posterior", "p.csv", "--draws", "0", "--out", "OUT"], "must be at least 1"),
])
def test_bad_calibration_input_is_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(argv, capsys)
    assert_one_line_error(code, err, message)
    assert not any(tmp_path.iterdir()), "nothing may be written for a bad input"


def test_the_scale_check_tells_a_bias_of_the_scale_from_seed_noise():
    """Seeds that differ only by noise agree; the same seeds with every level half again as high do not."""
    rng = np.random.default_rng(3)
    months = pd.period_range("2018-10", "2024-05", freq="M").astype(str)

    def seeds(level: float) -> list[pd.DataFrame]:
        return [pd.DataFrame({name: level * (1 + 0.1 * rng.standard_normal(len(months))) for name in SCALE_CHECKED},
                             index=pd.Index(months, name="month")) for _ in range(4)]

    same = scale_check(seeds(1.0), seeds(1.0), 80, 40)
    assert same["agrees"].all() and (same["between_scales"] < same["bound"]).all()
    biased = scale_check(seeds(1.5), seeds(1.0), 80, 40)
    assert not biased["agrees"].any()
    assert biased["between_scales"].between(0.3, 0.5).all()  # log 1.5 = 0.41


def test_a_fit_draws_from_the_posterior_shipped_beside_it_unless_told_otherwise(tmp_path):
    fit_file = tmp_path / "through-2024-05.toml"
    assert posterior_of(fit_file, None, shipped=True) is None  # no posterior: the fit's point, seeds only
    shipped = tmp_path / "through-2024-05.posterior.csv"
    shipped.write_text("behaviour.persistence,weight\n0.5,1\n")
    assert posterior_of(fit_file, None, shipped=True) == shipped
    assert posterior_of(fit_file, None, shipped=False) is None  # --seeds-only
    assert posterior_of(fit_file, "other.csv", shipped=True) == Path("other.csv")  # --posterior wins


def test_validate_writes_the_report_and_a_forecast_after_the_window(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["validate", "--replicates", "2", "--scale", "1000", "--workers", "1", "--out", str(out)]) == 0
    forecast = pd.read_csv(out / "forecast.csv")
    assert forecast["month"].iloc[0] == "2024-06" and forecast["month"].iloc[-1] == "2025-08"
    split = [f"encounters_{c}_{d}" for c in ("usbp", "ofo") for d in ("single_adults", "family_members", "uc")]
    for c in ("encounters_usbp", "encounters_ofo", *split, "waiting_mexico", "closure_days"):
        assert (forecast[f"{c}_p05"] <= forecast[f"{c}_p50"]).all()
        assert (forecast[f"{c}_p50"] <= forecast[f"{c}_p95"]).all()
    for c in ("usbp", "ofo"):  # with two seeds a median is their mean: the split adds up to the component
        parts = forecast[[f"encounters_{c}_{d}_p50" for d in ("single_adults", "family_members", "uc")]].sum(axis=1)
        assert (parts - forecast[f"encounters_{c}_p50"]).abs().max() <= 0.01 * forecast[f"encounters_{c}_p50"].max()
    errors = pd.read_csv(out / "errors.csv")
    periods = {"fitted", *(period_of(t) for t in CHECKS if fit_path(t).exists())}  # each held-out check with a fit
    assert "held_out" in periods and set(errors["period"]) == periods
    assert errors["mean_abs_log_ratio"].notna().all()
    levels = errors[errors["pattern"].isin(["encounters_usbp", "encounters_ofo"])]
    assert levels["coverage_90"].between(0, 1).all() and len(levels) == 2 * len(periods)
    assert (out / "held_out.png").stat().st_size > 0
    scales = pd.read_csv(out / "scale_check.csv")  # the shipped fit was made at another scale than 1000
    assert list(scales["pattern"]) == list(SCALE_CHECKED) and (scales["fit_scale"] != 1000).all()
    assert scales["between_scales"].notna().all() and scales["seed_to_seed"].notna().all()
    # The same report from a Dask cluster: the runs are the same, whatever runs them.
    dask = tmp_path / "dask"
    assert main(["validate", "--replicates", "2", "--scale", "1000", "--workers", "2", "--dask", "local",
                 "--out", str(dask)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(dask / "errors.csv"), errors)
    assert (out / "encounters.png").stat().st_size > 0
    assert (out / "patterns" / "title42_share.png").exists()
    assert "held_out" in capsys.readouterr().out
    # With a posterior, the fit's runs are its draws x the seeds, and the forecast moves with them: here
    # the draws hold the Mexican pressure through the window at 2.5 and 3 times the fit's mean level in
    # its last year (which the forecast repeats), so more people are encountered than at the fit's own.
    historical = load("historical")
    keys = list(smooth_pressure.priors(historical, fit.Window("2018-10", "2024-05"), only=("mx",)))
    last_year = np.mean([k["mx"] for k in historical.pressure.knots if k["date"] >= dt.date(2023, 6, 1)])
    posterior = tmp_path / "posterior.csv"
    pd.DataFrame([[np.log(times * last_year)] + [0.0] * (len(keys) - 1) + [1.0] for times in (2.5, 3.0)],
                 columns=[*keys, "weight"]).to_csv(posterior, index=False)
    drawn = tmp_path / "drawn"
    assert main(["validate", "--replicates", "2", "--scale", "1000", "--workers", "1", "--posterior", str(posterior),
                 "--draws", "2", "--out", str(drawn)]) == 0
    assert "2 posterior draws from posterior.csv x 2 seeds" in capsys.readouterr().out
    moved = pd.read_csv(drawn / "forecast.csv")
    assert moved["encounters_usbp_p50"].sum() > 1.2 * forecast["encounters_usbp_p50"].sum()
    assert (moved["encounters_usbp_p05"] <= moved["encounters_usbp_p95"]).all()


@pytest.mark.parametrize("table, message", [
    ("persistence,weight\n0.5,1\n", "parameter 'persistence' must look like section.field"),
    ("behaviour.persistence\n0.5\n", "is not a posterior: it needs a 'weight' column"),
    ("behaviour.persistence,weight\n0.5,-1\n", "every weight must be a number >= 0"),
    ("pressure.mx,weight\n900,1\n", "'pressure.mx' is a constant level, but the scenario's pressure follows knots"),
    ("pressure.knots.mx,weight\n1.8,1\n", "'pressure.knots' is not a table"),
    ("pressure.mx.step_2019-10,weight\n0.1,1\n", "the mx pressure needs one start"),
])
def test_a_bad_posterior_is_one_line_and_nothing_is_written(table, message, capsys, tmp_path):
    posterior = tmp_path / "posterior.csv"
    posterior.write_text(table)
    code, _, err = cli(["validate", "--posterior", str(posterior), "--out", str(tmp_path / "out")], capsys)
    assert_one_line_error(code, err, message)
    assert not (tmp_path / "out").exists()
