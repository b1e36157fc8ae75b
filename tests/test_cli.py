"""The `borderflow` command: outputs, reproducibility from scenario.toml, and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import model.model
import model.scenario
from experiments.cli import main
from experiments.output import OUTPUTS
from experiments.plots import closure_thresholds
from model.records import COLUMNS
from model.scenario import load, named_scenarios
from tests.conftest import assert_one_line_error, cli, spec_file

SCENARIO = """\
name = "test-border"
description = "Short self-contained scenario for CLI tests"

[run]
start = 2024-01-15
end = 2024-03-31
"""
SHORT = ["--days", "20", "--scale", "200"]


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "test-border.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture
def named(tmp_path: Path, monkeypatch) -> Path:
    """A private experiments/scenarios with two named scenarios."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "historical.toml").write_text(SCENARIO.replace("test-border", "historical"), encoding="utf-8")
    (folder / "title42.toml").write_text('extends = "historical"\ndescription = "Title 42 expulsions"\n'
                                         "[title42]\nactive = true\n", encoding="utf-8")
    monkeypatch.setattr(model.scenario, "SCENARIO_DIR", folder)
    return folder


def run_args(scenario: Path, out: Path, *extra) -> list:
    return ["run", "--scenario", scenario, *SHORT, "--out", out, *extra]


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".borderflow-")]


# -- successful runs ------------------------------------------------------------------------
def test_run_writes_the_four_outputs(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = cli(run_args(scenario_file, out), capsys)
    assert code == 0, err
    assert err == ""
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert leftovers(tmp_path) == []
    assert len(stdout.splitlines()) == 1 and str(out) in stdout and "days under closure" in stdout

    daily = pd.read_csv(out / "daily.csv")
    assert list(daily.columns) == COLUMNS
    assert list(daily["date"]) == [d.date().isoformat() for d in pd.date_range("2024-01-15", periods=20)]

    monthly = pd.read_csv(out / "monthly.csv")
    assert list(monthly["month"]) == ["2024-01", "2024-02"]
    assert list(monthly["days"]) == [17, 3]
    assert monthly["encounters_usbp"].sum() == pytest.approx(daily["encounters_usbp"].sum())

    written = tomllib.loads((out / "scenario.toml").read_text(encoding="utf-8"))
    assert written["name"] == "test-border"
    assert written["run"]["end"].isoformat() == "2024-02-03" and written["run"]["scale"] == 200
    assert written["meta"]["seed"] == 1 and "--days 20" in written["meta"]["command"]
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scenario_toml_reproduces_the_run(scenario_file, tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli(run_args(scenario_file, first, "--seed", "7", "--set", "closure.mode=threshold"), capsys)[0] == 0
    code, _, err = cli(["run", "--scenario", first / "scenario.toml", "--out", second], capsys)
    assert code == 0, err
    assert (second / "daily.csv").read_bytes() == (first / "daily.csv").read_bytes()
    assert (second / "scenario.toml").read_text().split("[meta]")[0] == \
        (first / "scenario.toml").read_text().split("[meta]")[0]


def test_flags_override_scenario_and_set(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["run", "--scenario", scenario_file, "--start", "2024-02-01", "--end", "2024-02-10",
            "--seed", "3", "--scale", "250", "--set", "run.seed=9", "closure.activation=2000", "--out", out]
    code, _, err = cli(argv, capsys)
    assert code == 0, err
    run = tomllib.loads((out / "scenario.toml").read_text(encoding="utf-8"))
    assert (run["run"]["start"].isoformat(), run["run"]["end"].isoformat()) == ("2024-02-01", "2024-02-10")
    assert (run["run"]["seed"], run["run"]["scale"], run["closure"]["activation"]) == (3, 250, 2000.0)
    assert len(pd.read_csv(out / "daily.csv")) == 10


def test_previous_output_is_replaced_and_empty_dir_accepted(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert cli(run_args(scenario_file, out), capsys)[0] == 0
    assert cli(run_args(scenario_file, out, "--seed", "5", "--quiet"), capsys) == (0, "", "")
    assert tomllib.loads((out / "scenario.toml").read_text(encoding="utf-8"))["run"]["seed"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "test-border.toml"]


def test_scenarios_lists_names_and_descriptions(named, capsys):
    code, out, _ = cli(["scenarios"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split(None, 1) == ["historical", "Short self-contained scenario for CLI tests"]
    assert lines[1].split(None, 1) == ["title42", "Title 42 expulsions"]


def test_scenarios_lists_every_shipped_scenario(capsys):
    names = list(named_scenarios())
    code, out, _ = cli(["scenarios"], capsys)
    assert code == 0
    if names:
        assert [line.split()[0] for line in out.splitlines()] == names
        assert "cannot load" not in out


def test_params_table(capsys):
    code, out, _ = cli(["params"], capsys)
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("closure.activation "))
    assert "2500" in row and "encounters/day" in row and "[0, 100000]" in row and "CRS IN12383" in row
    code, out, _ = cli(["params", "closure"], capsys)
    keys = [line.split()[0] for line in out.splitlines()[1:] if not line.startswith(" ")]
    assert code == 0 and keys and all(k.startswith("closure.") for k in keys)
    assert "off | threshold | always" in out


def test_closure_thresholds_follow_the_timeline(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO + '[[timeline]]\ndate = 2024-01-20\nset = { closure = { mode = "threshold", '
                    "activation = 2000.0 } }\n", encoding="utf-8")
    activation, lift = closure_thresholds(load(str(path)), pd.Series(pd.date_range("2024-01-15", periods=10)))
    assert pd.isna(activation[:5]).all() and (activation[5:] == 2000).all() and (lift[5:] == 1500).all()


# -- errors ---------------------------------------------------------------------------------
BROKEN_TOML = 'name = "broken"\n[run\nstart = 2024-01-01\n'
ERRORS = {
    "unknown scenario": (["--scenario", "histrical"], "did you mean 'historical'"),
    "misspelt parameter": (["--set", "closure.activaton=2000"], "did you mean 'closure.activation'"),
    "unknown section": (["--set", "closur.activation=2000"], "did you mean 'closure'"),
    "set without value": (["--set", "closure.activation"], "--set needs key=value"),
    "wrong type": (["--set", "closure.activation=lots"], "closure.activation must be a number"),
    "out of range": (["--set", "closure.activation=-5"], "out of range"),
    "bad choice": (["--set", "closure.mode=sometimes"], "closure.mode must be one of"),
    "scale out of range": (["--scale", "0"], "run.scale = 0 is out of range"),
    "seed not a number": (["--seed", "abc"], "invalid int value"),
    "bad date": (["--start", "2024-13-01"], "expected a date YYYY-MM-DD"),
    "end before start": (["--end", "2024-01-01"], "is before run.start"),
    "days zero": (["--days", "0"], "--days must be at least 1"),
    "days negative": (["--days", "-3"], "--days must be at least 1"),
    "days and end": (["--days", "5", "--end", "2024-02-01"], "not allowed with"),
    "missing toml file": (["--scenario", "{tmp}/nowhere.toml"], "scenario file not found"),
    "malformed toml": (["--scenario", "{tmp}/broken.toml"], "not valid TOML"),
    "unknown flag": (["--sead", "3"], "unrecognized arguments"),
}


@pytest.mark.parametrize("case", ERRORS)
def test_bad_input_is_one_line_and_writes_nothing(case, named, scenario_file, tmp_path, capsys):
    (tmp_path / "broken.toml").write_text(BROKEN_TOML, encoding="utf-8")
    extra, expected = ERRORS[case]
    extra = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    out = tmp_path / "out"
    argv = ["run", "--out", out, *extra]
    if "--scenario" not in extra:
        argv += ["--scenario", scenario_file]
    if "--scale" not in extra:
        argv += ["--scale", "200"]
    if "--days" not in extra and "--end" not in extra:
        argv += ["--days", "20"]
    code, _, err = cli(argv, capsys)
    assert_one_line_error(code, err, expected)
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_constant_level_the_knots_would_override_is_refused(tmp_path, capsys):
    """`historical` follows its fit's knots, which override the constant pressure levels: a level given
    alone would change nothing, so it is refused; with the knots cleared it is the pressure."""
    out = tmp_path / "out"
    code, _, err = cli(["run", "--scenario", "historical", "--days", "5", "--scale", "400", "--set", "pressure.mx=5000",
                        "--out", out], capsys)
    assert_one_line_error(code, err, "pressure.mx: historical's pressure follows knots, which override the constant "
                                     "levels, so this would change nothing")
    assert not out.exists()
    code, _, _ = cli(["run", "--scenario", "historical", "--days", "5", "--scale", "400", "--set", "pressure.knots=[]",
                      "pressure.mx=5000", "--out", out], capsys)
    assert code == 0 and load(str(out / "scenario.toml")).pressure.mx == 5000


def test_a_value_the_timeline_sets_again_is_run_with_a_note_of_when(tmp_path, capsys):
    """`historical`'s June 2024 event sets the closure's threshold: a threshold given for a run across it
    holds only until then, which is said in one note; a run that ends before it, or a fork, is not told."""
    across = ["run", "--scenario", "historical", "--start", "2024-06-01", "--days", "7", "--scale", "400", "--quiet",
              "--set", "closure.activation=3000"]
    code, _, err = cli([*across, "--out", tmp_path / "across"], capsys)
    assert code == 0 and err.splitlines() == [
        "borderflow: note: closure.activation holds only until 2024-06-05, when historical's timeline sets it to "
        "2500; a fork's values hold over later events (--fork DATE)"]
    days = pd.read_csv(tmp_path / "across" / "daily.csv")
    assert len(days) == 7
    code, _, err = cli([*across[:6], "3", *across[7:], "--out", tmp_path / "before"], capsys)
    assert code == 0 and "note" not in err
    code, _, err = cli(["run", "--scenario", "historical", "--fork", "2024-06-01", "--days", "7", "--scale", "400",
                        "--quiet", "--set", "closure.activation=3000", "--out", tmp_path / "fork"], capsys)
    assert code == 0 and "note" not in err
    sweep = spec_file(tmp_path, 'scenario = "historical"\ndesign = "lhs"\nsamples = 2\noutputs = ["days_closed"]\n'
                               '[run]\nstart = 2024-06-01\ndays = 7\nscale = 400\n[set]\n"closure.lift" = 1000\n'
                               '[parameters]\n"closure.activation" = { range = [2000, 3000] }\n')
    code, _, err = cli(["sweep", sweep, "--out", tmp_path / "sweep", "--quiet"], capsys)  # given and varied alike
    assert code == 0 and [line.split(" holds")[0] for line in err.splitlines()] == [
        "borderflow: note: closure.lift", "borderflow: note: closure.activation"]


@pytest.fixture
def no_model(monkeypatch):
    """Fail the test if the model is started: bad --out must be caught before the run."""
    def refuse(*args, **kwargs):
        raise AssertionError("the model ran before --out was checked")
    monkeypatch.setattr(model.model, "BorderModel", refuse)


def test_out_under_a_regular_file(scenario_file, tmp_path, capsys, no_model):
    (tmp_path / "file").write_text("x")
    code, _, err = cli(run_args(scenario_file, tmp_path / "file" / "out"), capsys)
    assert_one_line_error(code, err, "is not a directory")
    assert (tmp_path / "file").read_text() == "x" and leftovers(tmp_path) == []


def test_out_is_a_regular_file(scenario_file, tmp_path, capsys, no_model):
    (tmp_path / "out").write_text("x")
    code, _, err = cli(run_args(scenario_file, tmp_path / "out"), capsys)
    assert_one_line_error(code, err, "exists and is not a directory")
    assert (tmp_path / "out").read_text() == "x"


def test_out_with_other_files_is_refused(scenario_file, tmp_path, capsys, no_model):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    (out / "daily.csv").write_text("old")
    code, _, err = cli(run_args(scenario_file, out), capsys)
    assert_one_line_error(code, err, "not a borderflow output directory (it contains 'notes.txt')")
    assert sorted(p.name for p in out.iterdir()) == ["daily.csv", "notes.txt"]
    assert (out / "daily.csv").read_text() == "old" and leftovers(tmp_path) == []


def test_out_parent_missing_is_made_and_removed_again_on_failure(scenario_file, tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(model.model, "BorderModel", interrupted)
    code, _, err = cli(run_args(scenario_file, tmp_path / "a" / "b" / "c"), capsys)
    assert code == 130
    assert not (tmp_path / "a").exists() and leftovers(tmp_path) == []


def test_out_parent_missing_is_made(scenario_file, tmp_path, capsys):
    code, _, _ = cli(run_args(scenario_file, tmp_path / "a" / "b" / "c"), capsys)
    assert code == 0 and (tmp_path / "a" / "b" / "c" / "daily.csv").exists()


def test_out_unwritable(scenario_file, tmp_path, capsys, no_model, monkeypatch):
    """Root ignores permission bits, so the refusal is simulated where the temp dir is made."""
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    code, _, err = cli(run_args(scenario_file, tmp_path / "out"), capsys)
    assert_one_line_error(code, err, "cannot write in")


def test_missing_out(scenario_file, capsys):
    code, _, err = cli(["run", "--scenario", scenario_file], capsys)
    assert_one_line_error(code, err, "--out")


def test_unknown_params_section(capsys):
    code, _, err = cli(["params", "closur"], capsys)
    assert_one_line_error(code, err, "did you mean 'closure'")


def test_interrupt_removes_partial_output(scenario_file, tmp_path, capsys, monkeypatch):
    def interrupted(self, progress=None):
        raise KeyboardInterrupt
    monkeypatch.setattr(model.model.BorderModel, "run", interrupted)
    code, _, err = cli(run_args(scenario_file, tmp_path / "out"), capsys)
    assert code == 130 and len(err.splitlines()) == 1 and "interrupted" in err
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_model_failure_removes_partial_output(scenario_file, tmp_path, capsys, monkeypatch):
    def broken(self, progress=None):
        raise RuntimeError("model bug")
    monkeypatch.setattr(model.model.BorderModel, "run", broken)
    with pytest.raises(RuntimeError, match="model bug"):
        main([str(a) for a in run_args(scenario_file, tmp_path / "out")])
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


# -- the installed command ------------------------------------------------------------------
def test_installed_entry_point(scenario_file, tmp_path):
    exe = Path(sys.executable).parent / "borderflow"
    out = tmp_path / "out"
    done = subprocess.run([exe, *map(str, run_args(scenario_file, out))], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    bad = subprocess.run([exe, *map(str, run_args(scenario_file, tmp_path / "bad")), "--days", "0"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [bad.stderr.strip()] and bad.stderr.startswith("borderflow: error: ")
    assert "Traceback" not in bad.stderr and not (tmp_path / "bad").exists()


def test_sigterm_leaves_nothing_behind(scenario_file, tmp_path):
    """SIGTERM (what `timeout` and schedulers send) is handled like Ctrl-C: exit 143, no output
    directory and no hidden temporary directory beside it."""
    import signal
    import time

    exe = Path(sys.executable).parent / "borderflow"
    out = tmp_path / "out"
    args = [exe, "run", "--scenario", "historical", "--scale", "400", "--out", out]
    process = subprocess.Popen([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path) and time.monotonic() < deadline:  # the staging directory is made
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert len(err.strip().splitlines()) == 1 and "interrupted" in err and "Traceback" not in err
    assert not out.exists() and leftovers(tmp_path) == []


def test_the_next_run_removes_what_a_killed_run_left(scenario_file, tmp_path, capsys):
    """A staging directory whose process is gone (after a SIGKILL) is removed by the next run into
    the same DIR; one whose process is still running is left alone."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f".borderflow-out-{gone.pid}-x1"
    live = tmp_path / f".borderflow-out-{os.getpid()}-x2"
    for d in (stale, live):
        d.mkdir()
        (d / "daily.csv").write_text("partial")
    code, _, err = cli(run_args(scenario_file, tmp_path / "out"), capsys)
    assert code == 0, err
    assert not stale.exists() and live.exists()


# -- what a command loads -------------------------------------------------------------------
LOADED = """\
import sys
from experiments.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit_:
    code = exit_.code
print(*sorted(sys.modules), file=sys.stderr)
sys.exit(code)
"""
"""`borderflow ARGV` in a fresh interpreter that then lists, on its last stderr line, every module loaded."""
NOT_FOR_RUN = ("solara", "dask", "distributed", "SALib", "playwright", "pyabc", "ema_workbench", "ipywidgets",
               "calibration.data", "experiments.sweep", "experiments.backends", "viz.app")
"""The browser app, Dask, sensitivity analysis, the browser test's driver, the calibration and EMA
libraries, and the project's modules that only other commands use."""


def among(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The modules that are one of `names` or inside one of them."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def loaded(*argv) -> set[str]:
    done = subprocess.run([sys.executable, "-c", LOADED, *map(str, argv)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stderr.splitlines()[-1].split())


def test_run_loads_only_what_a_run_uses(scenario_file, tmp_path):
    modules = loaded(*run_args(scenario_file, tmp_path / "out"), "--quiet")
    assert {"mesa", "model.model", "experiments.output"} <= modules  # the list is the run's own
    assert among(modules, NOT_FOR_RUN) == []
    assert (tmp_path / "out" / "daily.csv").is_file()


def test_help_loads_no_numerical_library():
    """`borderflow --help` answers at once: no numpy, pandas, Mesa or matplotlib behind it."""
    modules = loaded("--help")
    assert "experiments.cli" in modules
    assert among(modules, ("numpy", "pandas", "mesa", "matplotlib", "scipy", *NOT_FOR_RUN)) == []
