"""A long ABC-SMC fit stopped in the middle of a generation loses only the simulations that were
running: every proposal comes from a seed of its own and is accepted in order, whatever the number of
workers, and every simulation is kept as it ends (`calibration.kept_runs`)."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

from calibration import simulation
from calibration.kept_runs import KeptRuns, task_seed
from tests.conftest import cli

FIT = ["calibrate", "--method", "smc", "--through", "2018-12", "--scale", "1000", "--population", "3",
       "--generations", "2", "--max-simulations", "400", "--pressure-every", "3"]


def fit(tmp_path, capsys, name: str, *extra) -> pd.DataFrame:
    code, _, err = cli([*FIT, *extra, "--out", tmp_path / name], capsys)
    assert code == 0, err
    return pd.read_csv(tmp_path / name / "posterior.csv")


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """The fit run straight through in one process, and how many simulations it ran."""
    from experiments.cli import main

    out = tmp_path_factory.mktemp("straight") / "fit"
    assert main([*FIT, "--out", str(out)]) == 0
    return pd.read_csv(out / "posterior.csv"), int(pd.read_csv(out / "smc.csv").iloc[0]["simulations"])


def test_two_workers_give_the_posterior_of_one(straight, tmp_path, capsys):
    posterior, _ = straight
    pdt.assert_frame_equal(fit(tmp_path, capsys, "two", "--workers", "2"), posterior)


def test_a_fit_stopped_inside_a_generation_runs_none_of_its_simulations_again(straight, tmp_path, capsys,
                                                                              monkeypatch):
    """Stopped part way through its last generation (a Ctrl-C; a SIGKILL keeps the same), the fit keeps
    the simulations done; resumed, it simulates only the ones it had not, and ends where the fit run
    straight through ends."""
    posterior, simulations = straight
    real = simulation.Simulator.summary
    ran = []

    def counted(self, *args, **kwargs):
        ran.append(1)
        return real(self, *args, **kwargs)

    def stop_after(n):
        def summary(self, *args, **kwargs):
            if len(ran) == n:
                raise KeyboardInterrupt
            return counted(self, *args, **kwargs)
        return summary

    stop = simulations - 2  # inside the last generation: each runs at least as many as it accepts, 3
    monkeypatch.setattr(simulation.Simulator, "summary", stop_after(stop))
    code, _, err = cli([*FIT, "--out", tmp_path / "fit"], capsys)
    running = tmp_path / "fit.smc-running"
    assert code == 130 and f"kept in {running}" in err, err
    assert len(KeptRuns(running, "")) == stop
    ran.clear()
    monkeypatch.setattr(simulation.Simulator, "summary", counted)
    code, _, err = cli([*FIT, "--out", tmp_path / "fit", "--resume"], capsys)
    assert code == 0, err
    assert len(ran) == simulations - stop
    pdt.assert_frame_equal(pd.read_csv(tmp_path / "fit" / "posterior.csv"), posterior)
    assert not running.exists()


def test_kept_statistics_are_those_of_the_same_settings_and_parameters_only(tmp_path):
    kept = KeptRuns(tmp_path, "settings")
    assert kept.get({"a": 0.1}) is None and len(kept) == 0
    kept.put({"a": 0.1, "b": 2.0}, {"x:2019-01": 1.5})
    assert kept.get({"b": 2.0, "a": 0.1}) == {"x:2019-01": 1.5}  # whatever the order of the parameters
    assert kept.get({"a": 0.1, "b": 2.0000000001}) is None
    assert KeptRuns(tmp_path, "other settings").get({"a": 0.1, "b": 2.0}) is None
    assert len(KeptRuns(tmp_path, "")) == 1


def test_each_proposal_has_a_seed_of_its_own():
    seeds = {task_seed(1, t, i) for t in (-1, 0, 1) for i in range(50)}
    assert len(seeds) == 150 and task_seed(1, 0, 3) == task_seed(1, 0, 3) != task_seed(2, 0, 3)
