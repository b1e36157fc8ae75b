"""Sweep specs: designs, failed runs recorded without stopping the sweep, malformed specs refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments import sweep
from experiments.errors import ExperimentError
from tests.conftest import SWEEP, assert_one_line_error, cli, spec_file


def spec(text: str) -> sweep.Spec:
    return sweep.parse(text, "test.toml")


def with_design(design: str, samples: str, parameters: str) -> str:
    head = SWEEP.split("[parameters]")[0].replace('design = "lhs"', f'design = "{design}"')
    return head.replace("samples = 4", samples) + "[parameters]\n" + parameters


@pytest.mark.parametrize(("design", "samples", "points"), [
    ("lhs", "samples = 5", 5), ("sobol", "samples = 4", 4 * (2 + 2)), ("morris", "samples = 3", 3 * (2 + 1))])
def test_sampled_designs_stay_in_range_with_replicates_on_common_seeds(design, samples, points):
    params = '"mexico.interdiction" = { range = [0.1, 0.3] }\n"closure.window_days" = { range = [3, 14] }\n'
    base, design_table, runs = sweep.plan(spec(with_design(design, samples, params)))
    assert len(design_table) == points and len(runs) == 2 * points
    values = pd.DataFrame([r.values for r in runs])
    assert values["mexico.interdiction"].between(0.1, 0.3).all()
    assert values["closure.window_days"].between(3, 14).all()
    assert all(isinstance(v, int) for v in values["closure.window_days"])  # whole-number parameter rounded
    assert [(r.point, r.replicate, r.seed) for r in runs[:3]] == [(0, 0, 2), (0, 1, 3), (1, 0, 2)]
    assert len({r.id for r in runs}) == len({(tuple(r.values.items()), r.seed) for r in runs})  # id = values + seed
    # The same spec gives the same plan (ids are what --resume relies on).
    assert [r.id for r in sweep.plan(spec(with_design(design, samples, params)))[2]] == [r.id for r in runs]


def test_factorial_is_every_combination_and_nested_tables_equal_quoted_keys():
    quoted = with_design("factorial", "", '"title42.active" = { values = [true, false] }\n'
                                          '"closure.activation" = { range = [1500, 2500], levels = 3 }\n')
    nested = with_design("factorial", "", "[parameters.title42]\nactive = { values = [true, false] }\n"
                                          "[parameters.closure]\nactivation = { range = [1500, 2500], levels = 3 }\n")
    _, design, runs = sweep.plan(spec(quoted))
    assert design.values.tolist() == [[True, 1500.0], [True, 2000.0], [True, 2500.0],
                                      [False, 1500.0], [False, 2000.0], [False, 2500.0]]
    assert [r.id for r in sweep.plan(spec(nested))[2]] == [r.id for r in runs]


def test_failed_run_is_recorded_and_the_others_finish(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = cli(["sweep", spec_file(tmp_path), "--out", out, "--quiet"], capsys)
    assert code == 1
    assert err.splitlines() == [f"borderflow: 2 of 8 runs failed; see {out}/failures.csv (--resume tries them again)"]
    failures = pd.read_csv(out / "failures.csv")
    assert failures["point"].tolist() == [2, 2] and failures["seed"].tolist() == [2, 3]
    assert (failures["closure.lift"] > failures["closure.activation"]).all()
    assert failures["error"].str.contains("closure.lift .* is above closure.activation").all()
    summaries = pd.read_parquet(out / "summaries.parquet")
    assert sorted(summaries["point"].unique()) == [0, 1, 3] and len(summaries) == 6
    assert list(summaries.columns[-4:]) == ["peak_7day_avg", "days_closed", "total_encounters", "mean_waiting_mexico"]
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 6 * 20 and set(daily["run_id"]) == set(summaries["run_id"])
    assert (pd.read_csv(out / "summaries.csv")["run_id"] == summaries["run_id"]).all()
    assert (out / "spec.toml").read_text() == SWEEP
    assert len(list((out / "runs").glob("*.parquet"))) == 6


BAD_SPECS = {
    "bad TOML": ("scenario = \n", "not valid TOML"),
    "unknown key": (SWEEP.replace("replicates =", "replicate ="), "unknown key 'replicate' (did you mean 'replicates'?)"),
    "unknown design": (SWEEP.replace('"lhs"', '"latin"'), "unknown design 'latin'"),
    "missing field": (SWEEP.replace('design = "lhs"\n', ""), "missing 'design'"),
    "missing samples": (SWEEP.replace("samples = 4\n", ""), "missing 'samples'"),
    "reversed range": (SWEEP.replace("[1500, 3000]", "[3000, 1500]"), "must have lo < hi"),
    "range outside the parameter's": (SWEEP.replace("[1000, 2000]", "[-5, 2000]"), "out of range"),
    "unknown parameter": (SWEEP.replace('"closure.lift"', '"closure.lifts"'), "did you mean 'closure.lift'?"),
    "unknown output": (SWEEP.replace('"days_closed"', '"days_shut"'), "unknown output 'days_shut'"),
    "sobol samples": (SWEEP.replace('"lhs"', '"sobol"').replace("samples = 4", "samples = 6"), "power of 2"),
    "values in lhs": (SWEEP.replace("{ range = [1500, 3000] }", "{ values = [1500, 3000] }"), "give range"),
    "unknown run key": (SWEEP.replace("days = 20", "dayz = 20"), "unknown key 'run.dayz'"),
    "unknown scenario": (SWEEP.replace('"securing-the-border"', '"securing-the-borders"'), "unknown scenario"),
    "bad fixed value": (SWEEP + '[set]\n"mexico.interdiction" = 2\n', "out of range"),
    "a level the knots override": (SWEEP.replace('"securing-the-border"', '"historical"').replace("empty_start = true\n", "")
                                   .replace('"closure.lift" = { range = [1000, 2000] }', '"pressure.mx" = { range = [1000, 2000] }'),
                                   "parameter pressure.mx: historical's pressure follows knots"),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_malformed_spec_is_one_line_and_writes_nothing(case, tmp_path, capsys):
    text, expected = BAD_SPECS[case]
    out = tmp_path / "out"
    code, stdout, err = cli(["sweep", spec_file(tmp_path, text), "--out", out], capsys)
    assert_one_line_error(code, err, expected)
    assert "error: spec.toml: " in err  # names the file
    assert not out.exists() and stdout == ""


def test_unreadable_spec_and_non_empty_directory_are_refused(tmp_path, capsys):
    code, _, err = cli(["sweep", tmp_path / "nope.toml", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, "cannot read spec")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    code, _, err = cli(["sweep", spec_file(tmp_path), "--out", taken], capsys)
    assert_one_line_error(code, err, "is not empty; add --resume")
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
    code, _, err = cli(["sweep", spec_file(tmp_path), "--out", taken, "--resume"], capsys)
    assert_one_line_error(code, err, "not an experiment directory")


def test_parse_errors_name_the_spec():
    with pytest.raises(ExperimentError, match=r"^test\.toml: parameter .closure.activation.: design sobol samples a range"):
        spec(SWEEP.replace('"lhs"', '"sobol"').replace("{ range = [1500, 3000] }", "{ values = [1, 2] }"))


@pytest.mark.parametrize("path", sorted((Path(__file__).parent.parent / "experiments" / "specs").glob("*.toml")),
                         ids=lambda p: p.name)
def test_example_specs_are_valid(path):
    example = sweep.read(path)
    base, design, runs = sweep.plan(example)
    assert len(runs) == len(design) * example.replicates > 0
