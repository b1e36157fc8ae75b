"""Sensitivity indices from a finished sweep: a lever that is switched off has no effect, one that acts has."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import SWEEP, assert_one_line_error, cli, spec_file

# In `baseline` the closure is off, so its activation threshold cannot matter; interdiction can.
SMALL = """\
scenario = "baseline"
design = "{design}"
samples = {samples}
seed = 3
outputs = ["total_encounters", "mean_waiting_mexico", "days_closed"]
[run]
days = 20
scale = 300
empty_start = true
[parameters]
"closure.activation" = {{ range = [1500, 3000] }}
"mexico.interdiction" = {{ range = [0.05, 0.5] }}
"""


def sweep_and_analyse(tmp_path, capsys, design: str, samples: int) -> pd.DataFrame:
    out = tmp_path / design
    spec = spec_file(tmp_path, SMALL.format(design=design, samples=samples), f"{design}.toml")
    assert cli(["sweep", spec, "--out", out, "--quiet"], capsys)[0] == 0
    code, stdout, err = cli(["sensitivity", out], capsys)
    assert code == 0, err
    assert stdout.strip() == f"wrote {out}/sensitivity.csv and {out}/sensitivity.png: 2 parameters x 3 outputs"
    assert (out / "sensitivity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return pd.read_csv(out / "sensitivity.csv").set_index(["output", "parameter"])


def test_morris_finds_the_acting_lever_and_not_the_idle_one(tmp_path, capsys):
    table = sweep_and_analyse(tmp_path, capsys, "morris", 4)
    assert list(table.columns) == ["mu_star", "mu_star_conf", "mu", "sigma"]
    assert table.loc[("total_encounters", "closure.activation"), "mu_star"] == 0
    assert table.loc[("total_encounters", "mexico.interdiction"), "mu_star"] > 0
    assert table.loc[("total_encounters", "mexico.interdiction"), "mu"] < 0  # more interdiction, fewer encounters
    assert table.loc["days_closed"].isna().all().all()  # constant output: no index rather than zeros


def test_sobol_indices_with_intervals(tmp_path, capsys):
    table = sweep_and_analyse(tmp_path, capsys, "sobol", 8)
    assert list(table.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert table.loc[("total_encounters", "closure.activation"), "ST"] == 0
    assert table.loc[("total_encounters", "mexico.interdiction"), "ST"] > 0.5
    assert (table.loc["total_encounters", "ST_conf"] >= 0).all()


def test_sensitivity_refuses_what_it_cannot_analyse(tmp_path, capsys):
    code, _, err = cli(["sensitivity", tmp_path], capsys)
    assert_one_line_error(code, err, "is not a sweep directory")
    lhs = tmp_path / "lhs"
    assert cli(["sweep", spec_file(tmp_path), "--out", lhs, "--quiet"], capsys)[0] == 1  # two runs fail
    code, _, err = cli(["sensitivity", lhs], capsys)
    assert_one_line_error(code, err, "a lhs sweep has no sensitivity indices")
    morris = tmp_path / "morris"
    failing = SWEEP.replace('"lhs"', '"morris"')  # the same impossible closure.lift > closure.activation draws
    assert cli(["sweep", spec_file(tmp_path, failing, "m.toml"), "--out", morris, "--quiet"], capsys)[0] == 1
    code, _, err = cli(["sensitivity", morris], capsys)
    assert_one_line_error(code, err, "runs have no result")
    assert not (morris / "sensitivity.csv").exists()


@pytest.mark.parametrize("design", ["sobol", "morris"])
def test_unfinished_sweep_is_refused(design, tmp_path, capsys):
    out = tmp_path / "out"
    spec = spec_file(tmp_path, SMALL.format(design=design, samples=4))
    assert cli(["sweep", spec, "--out", out, "--quiet"], capsys)[0] == 0
    (out / "summaries.parquet").unlink()
    code, _, err = cli(["sensitivity", out], capsys)
    assert_one_line_error(code, err, "the sweep has not finished")


def test_a_missing_directory_and_a_damaged_table_are_named_for_what_they_are(tmp_path, capsys):
    code, _, err = cli(["sensitivity", tmp_path / "nowhere"], capsys)
    assert_one_line_error(code, err, f"{tmp_path / 'nowhere'} does not exist")
    out = tmp_path / "out"
    spec = spec_file(tmp_path, SMALL.format(design="morris", samples=4))
    assert cli(["sweep", spec, "--out", out, "--quiet"], capsys)[0] == 0
    (out / "summaries.parquet").write_bytes(b"PAR1 not a table")
    code, _, err = cli(["sensitivity", out], capsys)
    assert_one_line_error(code, err, f"{out}/summaries.parquet cannot be read")
    assert "has not finished" not in err and "--resume` writes it again" in err
    assert cli(["sweep", spec, "--out", out, "--resume", "--quiet"], capsys)[0] == 0  # the way out works
    assert cli(["sensitivity", out], capsys)[0] == 0
