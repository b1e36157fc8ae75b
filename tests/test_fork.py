"""Snapshots and forks: resuming is running straight through, a fork without changes is the factual,
held levers and dropped events mean what they say, and a snapshot of anything else is refused."""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import replace

import pandas as pd
import pytest

import model.snapshot as snapshot
from model.fork import Fork
from model.model import BorderModel
from model.scenario import ScenarioError, load
from tests.conftest import assert_one_line_error, cli

FORK = dt.date(2024, 6, 3)  # two days before the June 2024 closure, which switches on at once


@pytest.fixture(scope="module")
def history():
    """May to mid-July 2024: crosses the 2024-06-05 rule (the closure switches on) and its first weeks."""
    return load("historical").with_values({"run.start": "2024-05-01", "run.end": "2024-07-15",
                                           "run.scale": 200, "run.seed": 2})


@pytest.fixture(scope="module")
def straight(history):
    return BorderModel(history).run()


def after(daily: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    return daily[daily["date"] >= day.isoformat()].reset_index(drop=True)


def forked(history, **fork) -> pd.DataFrame:
    scenario = replace(history, fork=Fork(FORK, **fork))
    scenario.validate()
    return snapshot.begin(scenario).run()


def test_resuming_a_snapshot_gives_the_same_days_bit_for_bit(history, straight, tmp_path):
    model = BorderModel(history)
    for _ in range((FORK - history.run.start).days):
        model.step()
    path = snapshot.save(model, tmp_path / "may.snapshot")
    del model
    resumed = snapshot.load(path, history)
    assert resumed.date == FORK
    rest = pd.DataFrame(resumed.run())  # run() returns every day, the history's included
    assert rest["closure_active"].diff().abs().sum() >= 1, "the stretch should cross a closure switch"
    pd.testing.assert_frame_equal(rest, straight)


def test_a_fork_without_changes_is_the_factual_exactly(history, straight):
    pd.testing.assert_frame_equal(forked(history), after(straight, FORK))


def test_a_fork_that_sets_a_lever_to_what_history_does_changes_nothing(history, straight):
    same = {"closure": {"window_days": 7, "lift": 1500}}  # the values the 2024-06-05 rule sets anyway
    pd.testing.assert_frame_equal(forked(history, changes=same), after(straight, FORK))


def test_a_held_lever_wins_over_later_events(history, straight):
    """No closure, held from June 3: the June 5 rule still changes the rest, but not the mode."""
    daily = forked(history, changes={"closure": {"mode": "off"}})
    assert daily["closure_active"].sum() == 0
    assert after(straight, FORK)["closure_active"].sum() >= 10
    scenario = replace(history, fork=Fork(FORK, {"closure": {"mode": "off"}}))
    june = next(ev for ev in scenario.events if ev.date == dt.date(2024, 6, 5))
    assert "mode" not in june.changes["closure"] and june.changes["closure"]["activation"] == 2500


def test_the_thresholds_drawn_for_a_fork_are_the_held_ones(history):
    from experiments.plots import closure_thresholds

    dates = pd.Series(pd.date_range("2024-06-01", periods=10))
    factual, _ = closure_thresholds(history, dates)
    held, lift = closure_thresholds(replace(history, fork=Fork(FORK, {"closure": {"activation": 1500}})), dates)
    assert pd.isna(factual[:4]).all() and list(factual[4:]) == [2500] * 6  # the rule from 2024-06-05
    assert pd.isna(held[:4]).all() and list(held[4:]) == [1500] * 6  # that rule, with the fork's threshold
    assert list(lift[4:]) == [1500] * 6


def test_dropping_the_later_events_drops_the_closure(history):
    daily = forked(history, drop=(dt.date(2024, 6, 5),))
    assert daily["closure_active"].sum() == 0
    assert forked(history, drop="later")["closure_active"].sum() == 0


def test_the_history_is_cached_and_the_cache_is_used(history, monkeypatch):
    scenario = replace(history, fork=Fork(FORK))
    snapshot.begin(scenario)
    assert snapshot.cache_path(scenario, FORK).exists()

    def refuse(*args, **kw):
        raise AssertionError("the history was run again")

    monkeypatch.setattr(BorderModel, "step", refuse)
    model = snapshot.history(scenario, FORK)
    assert model.date == FORK
    assert not scenario.fork.changes


def test_the_cache_key_ignores_the_end_but_not_the_history(history):
    longer = history.with_values({"run.end": "2024-09-30"})
    assert snapshot.cache_path(history, FORK) == snapshot.cache_path(longer, FORK)
    for change in ({"run.seed": 3}, {"run.scale": 100}, {"behaviour.persistence": 0.5}):
        assert snapshot.cache_path(history.with_values(change), FORK) != snapshot.cache_path(history, FORK)


@pytest.mark.parametrize("where, text, expected", [
    ("fork", '[fork]\ndate = 2024-06-03\n[fork.set.behaviour]\npersistence = 0.5\n', "cannot change at a fork"),
    ("fork", '[fork]\ndate = 2024-06-03\ndrop = ["2024-05-01"]\n', "is before the fork date"),
    ("fork", '[fork]\ndate = 2024-06-03\ndrop = ["2024-06-06"]\n', "no timeline event on 2024-06-06"),
    ("fork", '[fork]\ndate = 2023-06-03\n', "outside the run"),
    ("fork", '[fork]\nset = { closure = { mode = "off" } }\n', "needs a date"),
    ("fork", '[fork]\ndate = 2024-06-03\ndrop = "all"\n', "must be \"later\" or a list"),
    ("fork", '[fork]\ndate = 2024-06-03\nsett = 1\n', "unknown key fork.sett"),
])
def test_a_bad_fork_table_is_refused_with_one_line(tmp_path, where, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text('extends = "historical"\n[run]\nstart = 2024-05-01\nend = 2024-07-15\n' + text)
    with pytest.raises(ScenarioError, match=expected):
        load(str(path))


def test_a_fork_table_names_the_history_it_forks(tmp_path):
    path = tmp_path / "no-closure.toml"
    path.write_text('[fork]\nscenario = "historical"\ndate = 2024-06-03\ndrop = ["2024-06-05"]\n'
                    '[fork.set.closure]\nactivation = 1500\n')
    scenario = load(str(path))
    assert scenario.fork == Fork(FORK, {"closure": {"activation": 1500}}, (dt.date(2024, 6, 5),))
    assert scenario.timeline == load("historical").timeline
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{path}"\n[fork.set.closure]\nlift = 1000\n')
    assert load(str(child)).fork.changes == {"closure": {"activation": 1500, "lift": 1000}}


def _saved(tmp_path, capsys) -> tuple:
    base = ["--scenario", "historical", "--scale", "400", "--seed", "2"]
    path = tmp_path / "june.snapshot"
    code, _, _ = cli(["run", *base, "--start", "2024-05-01", "--end", "2024-06-02", "--quiet",
                      "--out", tmp_path / "history", "--save", path], capsys)
    assert code == 0 and path.exists()
    return base, path


def test_a_snapshot_resumes_from_the_command_line_and_refuses_another_history(tmp_path, capsys, monkeypatch):
    base, path = _saved(tmp_path, capsys)
    code, _, err = cli(["run", *base, "--fork", path, "--days", "5", "--quiet", "--out", tmp_path / "a"], capsys)
    assert_one_line_error(code, err, "run.start differs")  # the snapshot's history started on 2024-05-01
    code, _, _ = cli(["run", *base, "--start", "2024-05-01", "--fork", path, "--days", "5", "--quiet",
                      "--out", tmp_path / "a"], capsys)
    assert code == 0 and len(pd.read_csv(tmp_path / "a" / "daily.csv")) == 5
    code, _, err = cli(["run", *base[:-1], "3", "--set", "run.start=2024-05-01", "--fork", path, "--days", "5",
                        "--out", tmp_path / "b"], capsys)
    assert_one_line_error(code, err, "run.seed differs")
    assert not (tmp_path / "b").exists()
    monkeypatch.setattr(snapshot, "code_version", lambda: "another")
    code, _, err = cli(["run", *base, "--set", "run.start=2024-05-01", "--fork", path, "--days", "5",
                        "--out", tmp_path / "c"], capsys)
    assert_one_line_error(code, err, "made by another version of the model")


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps({"format": "other"}), bytes(range(256)),
                                     pickle.dumps({"format": snapshot.FORMAT})[:-3]])
def test_a_file_that_is_not_a_snapshot_is_refused_with_one_line(tmp_path, capsys, content):
    path = tmp_path / "x.snapshot"
    path.write_bytes(content)
    code, _, err = cli(["run", "--fork", path, "--days", "5", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, "is not a borderflow snapshot")
    assert not (tmp_path / "out").exists()


def test_fork_flags_refuse_what_does_not_fit(tmp_path, capsys):
    out = tmp_path / "out"
    for argv, expected in [
        (["--fork", "2024-06-03", "--start", "2024-06-04"], "fork.date 2024-06-03 is outside the run"),
        (["--drop", "2024-06-05"], "--drop needs --fork"),
        (["--fork", "2024-06-31"], "neither a date"),
        (["--fork", "2024-06-03", "--save", tmp_path / "s"], "cannot go with a fork"),
    ]:
        code, _, err = cli(["run", *argv, "--days", "3", "--out", out], capsys)
        assert_one_line_error(code, err, expected)
        assert not out.exists()


# -- compare ---------------------------------------------------------------------------------
COMPARE = ["compare", "--scenario", "historical", "--fork", "2024-06-04", "--scale", "400", "--quiet"]


@pytest.mark.parametrize("change", [["--set", "mpp.hearing_days=300"],  # MPP is not in force: does nothing
                                    ["--set", "closure.activation=2500"]])  # what the June 2024 rule sets anyway
def test_compare_of_a_change_that_does_nothing_gives_exactly_zero(tmp_path, capsys, change):
    code, _, _ = cli([*COMPARE, *change, "--replicates", "2", "--days", "40", "--out", tmp_path / "c"], capsys)
    assert code == 0
    effects = pd.read_csv(tmp_path / "c" / "effects.csv")
    assert set(effects["days"]) == {30, 40}
    assert (effects[["effect_p05", "effect_median", "effect_p95"]] == 0).all().all()
    assert (effects["factual_median"] > 0).any()
    assert (tmp_path / "c" / "effects.png").stat().st_size > 10_000


def test_removing_the_closure_raises_border_patrol_encounters_over_a_year(tmp_path, capsys):
    """Without the closure (held off from 2024-06-04, through the later rules), over a year: more
    people set out and more are encountered, in every seed; the days under closure go to zero."""
    out = tmp_path / "c"
    code, stdout, _ = cli([*COMPARE[:-1], "--set", "closure.mode=off", "--replicates", "3", "--days", "365",
                           "--workers", "2", "--out", out], capsys)
    assert code == 0 and "Border Patrol encounters, cumulative effect" in stdout
    effects = pd.read_csv(out / "effects.csv").set_index(["output", "days"])
    assert effects.loc[("encounters_usbp", 365), "effect_p05"] > 0
    assert effects.loc[("departures", 365), "effect_p05"] > 0
    closure = effects.loc[("closure_active", 365)]
    assert closure["counterfactual_median"] == 0 and closure["effect_median"] == -closure["factual_median"]
    diffs = pd.read_csv(out / "differences.csv")
    assert diffs["day"].max() == 365 and set(diffs["replicates"]) == {3}
    daily = pd.read_parquet(out / "daily.parquet")
    assert daily["date"].min() == "2024-06-04" and set(daily["scenario"]) == {"factual", "counterfactual"}


def test_the_factual_arm_is_the_scenario_itself(tmp_path, capsys):
    out = tmp_path / "c"
    code, _, _ = cli([*COMPARE, "--drop", "2024-06-05", "--replicates", "1", "--seed", "5", "--days", "20",
                      "--out", out], capsys)
    assert code == 0
    daily = pd.read_parquet(out / "daily.parquet")
    factual = daily[daily["scenario"] == "factual"].drop(columns=["run_id", "scenario", "point", "replicate",
                                                                  "seed"]).reset_index(drop=True)
    straight = snapshot.begin(load("historical").with_values(
        {"run.scale": 400, "run.seed": 5, "run.end": "2024-06-23"})).run()
    pd.testing.assert_frame_equal(factual[straight.columns], after(straight, dt.date(2024, 6, 4)), check_dtype=False)


@pytest.mark.parametrize("argv, expected", [
    (["--set", "closure.mode=off"], "needs --fork"),
    (["--fork", "2024-06-04"], "needs a change"),
    (["--fork", "2024-06-04", "--set", "behaviour.persistence=0.5"], "would change the history"),
    (["--fork", "2024-06-04", "--set", "closure.mode=off", "--replicates", "0"], "--replicates must be at least 1"),
    (["--fork", "2024-06-04", "--set", "closure.mode=sometimes"], "closure.mode"),
])
def test_compare_refuses_what_it_cannot_compare_with_one_line(tmp_path, capsys, argv, expected):
    code, _, err = cli(["compare", *argv, "--days", "5", "--out", tmp_path / "c"], capsys)
    assert_one_line_error(code, err, expected)
    assert not (tmp_path / "c").exists()


def test_a_sweep_spec_forks_with_one_line(tmp_path):
    from experiments import sweep

    text = ('scenario = "historical"\ndesign = "factorial"\n[run]\nfork = 2024-06-04\ndays = 10\nscale = 400\n'
            '[parameters]\n"closure.activation" = { values = [1500, 3000] }\n')
    base, _, runs = sweep.plan(sweep.parse(text, "spec.toml"))
    assert base.fork.date == dt.date(2024, 6, 4) and base.run.end == dt.date(2024, 6, 13)
    resolved = [run.resolved() for run in runs]
    assert [s.fork.changes["closure"]["activation"] for s in resolved] == [1500, 3000]
    assert all(s.history() == base.history() for s in resolved)  # the sweep varies the fork, not the history


def test_a_batch_forks_every_scenario_it_runs(tmp_path, capsys):
    out = tmp_path / "b"
    code, _, _ = cli(["batch", "--scenarios", "historical", "--fork", "2024-06-04", "--set", "closure.mode=off",
                      "--replicates", "2", "--days", "5", "--scale", "400", "--quiet", "--out", out], capsys)
    assert code == 0
    daily = pd.read_parquet(out / "daily.parquet")
    assert daily["date"].min() == "2024-06-04" and len(daily) == 10
    assert daily["closure_active"].sum() == 0 and daily["closure.mode"].eq("off").all()
    code, _, err = cli(["batch", "--scenarios", "historical", "--fork", str(out / "plan.parquet"), "--days", "5",
                        "--out", tmp_path / "c"], capsys)
    assert_one_line_error(code, err, "a batch forks its scenarios by date")


def test_the_cache_command_shows_and_clears_the_snapshots(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BORDERFLOW_CACHE", str(tmp_path / "cache"))
    code, out, _ = cli(["cache"], capsys)
    assert code == 0 and "0 snapshots" in out
    code, _, _ = cli(["run", "--scenario", "historical", "--start", "2024-05-01", "--fork", "2024-05-20",
                      "--days", "2", "--scale", "400", "--quiet", "--out", tmp_path / "r"], capsys)
    assert code == 0
    code, out, _ = cli(["cache"], capsys)
    assert "1 snapshot," in out
    code, out, _ = cli(["cache", "--clear"], capsys)
    assert code == 0 and out.startswith("removed 1 snapshot")
    assert not snapshot.cached()


def _fork_history(scenario):
    snapshot.history(scenario, FORK)
    return True


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")  # the children only run the model
def test_processes_that_need_one_history_at_once_run_it_once(history, tmp_path, monkeypatch):
    """The two arms of one seed in `compare` on two workers: one runs the history, the other waits for it."""
    import multiprocessing

    log = tmp_path / "runs.log"
    real = BorderModel.run

    def logged(self, *args, **kw):
        with open(log, "a") as f:
            f.write("history\n")
        return real(self, *args, **kw)

    monkeypatch.setattr(BorderModel, "run", logged)
    monkeypatch.setenv("BORDERFLOW_CACHE", str(tmp_path / "cache"))
    scenario = history.with_values({"run.seed": 11})
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(_fork_history, [scenario] * 2) == [True, True]
    assert log.read_text().splitlines() == ["history"]


def test_compare_of_a_regime_forks_on_its_own_first_day(tmp_path, capsys):
    out = tmp_path / "c"
    code, _, _ = cli(["compare", "--scenario", "baseline", "--set", "title42.active=true", "--replicates", "1",
                      "--days", "20", "--scale", "1000", "--quiet", "--out", out], capsys)
    assert code == 0
    daily = pd.read_parquet(out / "daily.parquet")
    assert daily["date"].min() == "2024-01-01"
    by_arm = daily.groupby("scenario")["expulsions"].sum()
    assert by_arm["factual"] == 0 and by_arm["counterfactual"] > 0
