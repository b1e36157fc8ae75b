"""Batches: common seeds across scenarios, one tidy table, a comparison figure, and the Mesa-style API."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

from experiments import batch_run
from experiments.runs import Run, simulate
from experiments.summaries import summarise
from model.model import BorderModel
from model.records import COLUMNS
from model.scenario import load
from tests.conftest import assert_one_line_error, cli, short

BATCH = ["batch", "--scenarios", "baseline", "title42", "--replicates", "2", "--days", "20", "--scale", "300",
         "--empty-start"]
"""The mechanics of a batch need no history: the regimes start from an empty border (tests/test_regimes.py
runs a batch from their history's state)."""


def test_batch_runs_each_scenario_on_the_same_seeds(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = cli([*BATCH, "--seed", "4", "--set", "mexico.interdiction=0.2", "--out", out, "--quiet"],
                            capsys)
    assert code == 0 and stdout == "" and err == ""
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 2 * 2 * 20
    assert list(daily.columns[:5]) == ["run_id", "scenario", "point", "replicate", "seed"]
    assert list(daily.columns[-len(COLUMNS):]) == COLUMNS
    runs = daily.drop_duplicates("run_id")
    assert runs[["scenario", "replicate", "seed"]].values.tolist() == [
        ["baseline", 0, 4], ["baseline", 1, 5], ["title42", 0, 4], ["title42", 1, 5]]
    # The parameters that tell the scenarios apart, and the one set for all, are columns.
    assert runs["title42.active"].tolist() == [False, False, True, True]
    assert (runs["mexico.interdiction"] == 0.2).all()
    # Each run is the scenario file written beside it, run with its seed.
    title42 = load(str(out / "scenario-title42.toml")).with_values({"run.seed": 5})
    assert title42.in_force()["mexico.interdiction"] == 0.2 and title42.days == 20 and title42.fork is None
    expected = BorderModel(title42).run()[COLUMNS]
    rows = daily[(daily["scenario"] == "title42") & (daily["seed"] == 5)][COLUMNS].reset_index(drop=True)
    pdt.assert_frame_equal(rows, expected, check_exact=True, check_dtype=False)
    summaries = pd.read_csv(out / "summaries.csv")
    assert summaries["total_encounters"].tolist() == [
        summarise(group)["total_encounters"] for _, group in daily.groupby("run_id", sort=False)]
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert monthly.groupby("run_id")["days"].sum().eq(20).all()
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (out / "failures.csv").exists()


def test_batch_reports_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, _ = cli([*BATCH, "--out", out], capsys)
    assert code == 0 and stdout.strip().startswith(f"wrote {out}: 4 of 4 runs finished")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    code, _, err = cli([*BATCH, "--out", out], capsys)
    assert_one_line_error(code, err, "is not empty; add --resume")
    code, _, err = cli([*BATCH, "--out", out, "--resume", "--quiet"], capsys)  # nothing left to run
    assert code == 0
    assert {p: before[p] for p in out.glob("runs/*")} == {p: p.stat().st_mtime_ns for p in out.glob("runs/*")}


@pytest.mark.parametrize(("extra", "expected"), [
    (["--replicates", "0"], "--replicates must be at least 1"),
    (["--scenarios", "baseline", "baseline"], "names a scenario twice"),
    (["--scenarios", "basline"], "unknown scenario 'basline' (did you mean 'baseline'?)"),
    (["--days", "0"], "--days must be at least 1"),
    (["--set", "closure.activaton=1"], "did you mean 'closure.activation'?")])
def test_bad_batch_arguments(extra, expected, tmp_path, capsys):
    code, _, err = cli([*BATCH, *extra, "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, expected)
    assert not (tmp_path / "out").exists()


def test_batch_run_api_matches_mesa_conventions():
    scenario = short("securing-the-border", days=15, scale=300, seed=7, empty=True)
    results = batch_run(scenario, parameters={"closure.activation": [1500, 3000], "mexico.interdiction": 0.2},
                        iterations=2, data_collection_period=5, display_progress=False)
    frame = pd.DataFrame(results)
    assert frame["RunId"].tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    assert frame["Step"].tolist() == [5, 10, 15] * 4
    assert frame.drop_duplicates("RunId")[["iteration", "seed", "closure.activation"]].values.tolist() == [
        [0, 7, 1500], [0, 7, 3000], [1, 8, 1500], [1, 8, 3000]]
    direct = simulate(Run(scenario, {"closure.activation": 3000.0, "mexico.interdiction": 0.2}, 8)).daily
    last = frame[(frame["RunId"] == 3) & (frame["Step"] == 15)].iloc[0]
    assert last["encounters_usbp"] == direct["encounters_usbp"].iloc[-1]
    assert last["total_encounters"] == summarise(direct)["total_encounters"]
    parallel = batch_run(scenario, {"closure.activation": [1500, 3000], "mexico.interdiction": 0.2},
                         number_processes=2, rng=[7, 8], display_progress=False)
    assert parallel == [row for row in results if row["Step"] == 15]
    with pytest.raises(ValueError, match="iterations or rng"):
        batch_run(scenario, {}, iterations=2, rng=[1, 2])


def test_two_scenarios_with_one_name_are_refused(tmp_path, capsys):
    files = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        files.append(tmp_path / folder / "regime.toml")
        files[-1].write_text('extends = "baseline"\n', encoding="utf-8")
    code, _, err = cli([*BATCH, "--scenarios", *files, "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, "two of them are named 'regime'")
    assert not (tmp_path / "out").exists()
