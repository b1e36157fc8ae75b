"""Early rejection (calibration.early_rejection): a fit's run stopped part way is the run made at once
up to there, its distance so far never exceeds the whole run's, and it accepts and rejects exactly as
the whole run would."""

from __future__ import annotations

import pandas as pd
import pytest
from pyabc.acceptor import UniformAcceptor
from pyabc.distance import AdaptivePNormDistance
from pyabc.epsilon import ConstantEpsilon

from calibration import simulation, smc
from calibration.early_rejection import EarlyRejection, checkpoints
from calibration.fit import Window, simulate
from model.model import BorderModel
from model.scenario import Scenario

WINDOW = Window("2023-01", "2023-09")
DATA = Scenario(name="data").with_values({"run.start": WINDOW.start, "run.end": WINDOW.end, "run.scale": 1000,
                                          "run.seed": 3})


@pytest.fixture(scope="module")
def fit():
    """Observed statistics made by the model, the simulator of a fit to them and a distance with every
    statistic's scale 1 and its pattern's weight (as `calibration.smc.smc` makes it, before adapting)."""
    observed = simulation.observed_statistics(simulate(DATA), WINDOW)
    keys = sorted(observed)
    simulator = simulation.Simulator(DATA, WINDOW, keys, seed=1)
    distance = AdaptivePNormDistance(p=1, all_particles_for_scale=False, initial_scale_weights=dict.fromkeys(keys, 1.0),
                                     fixed_weights={k: simulation.series_weight(k.split(":")[0]) for k in keys})
    distance.initialize(0, lambda: None, observed, 0)
    return observed, simulator, distance


def test_a_run_stopped_and_continued_is_the_run_made_at_once():
    whole = BorderModel(DATA).run()
    model = BorderModel(DATA)
    model.run(until=40)
    assert model.day == 40
    pd.testing.assert_frame_equal(model.daily(since=30), whole.iloc[30:40].reset_index(drop=True))
    model.run(until=40)  # already there: nothing more
    assert model.day == 40
    pd.testing.assert_frame_equal(model.run(), whole)


def test_the_checkpoints_cut_the_window_into_whole_months_before_its_end():
    looks = checkpoints(WINDOW.start, WINDOW.months(), 3)
    assert looks == [(0, 90, ["2023-01", "2023-02", "2023-03"]), (90, 181, ["2023-04", "2023-05", "2023-06"])]
    assert checkpoints(WINDOW.start, WINDOW.months(), 9) == []


@pytest.mark.parametrize("draw", [{"behaviour.persistence": 0.1}, {"border_patrol.apprehension": 0.3}])
def test_early_rejection_accepts_and_rejects_as_the_whole_run_would(fit, draw):
    observed, simulator, distance = fit
    whole = simulator(draw)
    far = distance(whole, observed, 0, draw)
    assert far > 0
    for eps in (far * 2, far, far * 0.9, far * 0.2, far * 0.01):
        model = EarlyRejection(simulator, every=2)
        result = model.accept(0, draw, None, distance, ConstantEpsilon(eps), UniformAcceptor(), observed)
        assert result.accepted == (far <= eps)
        if result.accepted:
            assert result.sum_stat == whole and result.distance == pytest.approx(far)
        else:
            assert result.distance <= far * (1 + 1e-12)  # what it had seen so far: never more than the whole
        assert model.runs == 1 and model.stopped == (result.distance < far * (1 - 1e-12))
    assert model.stopped == 1 and model.days < (WINDOW.end - WINDOW.start).days  # 1% of the distance: stopped early


@pytest.mark.parametrize("draw", [{"behaviour.persistence": 0.1}, {"border_patrol.apprehension": 0.3}])
def test_the_distance_so_far_adds_up_the_months_run_to_the_whole_runs(fit, draw):
    observed, simulator, distance = fit
    whole = simulator(draw)
    model = EarlyRejection(simulator, every=2)
    bounds = list(model.bounds(simulator.begin(draw), 0, draw, distance, observed))
    assert len(bounds) == 4 and bounds == sorted(bounds) and bounds[0] > 0  # after 2, 4, 6 and 8 months
    # With p = 1 the distance is a sum over statistics: what the last month adds makes up the rest.
    last = {k: v for k, v in whole.items() if k.endswith(WINDOW.last)}
    rest = distance({**observed, **last}, observed, 0, draw)
    assert bounds[-1] + rest == pytest.approx(distance(whole, observed, 0, draw), rel=1e-12)


def test_without_an_epsilon_yet_the_run_goes_to_the_end(fit):
    observed, simulator, distance = fit
    model = EarlyRejection(simulator)
    result = model.accept(0, {}, None, distance, ConstantEpsilon(float("inf")), UniformAcceptor(), observed)
    assert result.accepted and result.sum_stat == simulator({}) and model.stopped == 0


def test_a_fit_stops_runs_early_only_when_told_to(tmp_path, monkeypatch):
    """By default a fit runs every draw through the plain simulator; with `smc(early_rejection=True)` (the
    command's --early-rejection) every draw after the prior's goes through the early rejection."""
    from calibration import early_rejection

    window = Window("2023-01", "2023-02")
    obs = simulate(DATA.with_values({"run.end": window.end}))
    priors = {"behaviour.persistence": smc_priors()["behaviour.persistence"]}
    looked = []
    real = early_rejection.EarlyRejection.accept
    monkeypatch.setattr(early_rejection.EarlyRejection, "accept", lambda self, *a: looked.append(1) or real(self, *a))
    plain = smc.smc(DATA, obs, window, priors, tmp_path / "plain", population=4, generations=2, max_simulations=40,
                    log=lambda s: None)
    assert plain["record"]["generations"] == 2 and not looked
    early = smc.smc(DATA, obs, window, priors, tmp_path / "early", population=4, generations=2, max_simulations=40,
                    early_rejection=True, log=lambda s: None)
    assert early["record"]["generations"] == 2 and len(looked) == early["record"]["simulations"] - 4  # the prior's 4: whole


def smc_priors():
    from calibration import fit as inversion

    return inversion.PRIORS


def test_the_statistics_made_from_the_columns_they_read_are_those_of_the_whole_table(fit):
    """`Simulator.summary` takes the month's sums of `calibration.patterns.ENCOUNTER_COLUMNS` only: the same
    statistics as from every column (a column the patterns came to read and the set missed would differ)."""
    from calibration.patterns import pattern_table
    from model.records import monthly

    _, simulator, _ = fit
    daily = BorderModel(simulator.scenario_for({})).run()
    whole = simulation.statistics(pattern_table(monthly(daily)), simulator.months)
    assert simulator.summary(daily) == {k: whole[k] for k in simulator.keys}
