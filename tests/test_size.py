"""A run whose pressure would make more agents than memory allows is refused before it starts, at once,
with the estimate and the scale that would fit."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from model import size
from model.params import GROUPS
from model.pressure import Pressure
from model.scenario import ScenarioError, load
from tests.conftest import assert_one_line_error, cli

HUGE = ["--scale", "1", "--set", "pressure.knots=[]", "pressure.seasonality=[5,5,5,5,5,5,5,5,5,5,5,5]",
        "pressure.mx=100000", "pressure.nca=100000", "pressure.chnv=100000", "pressure.other=100000"]
"""The most pressure the documented ranges allow, one person per agent: about 100 GiB of agents. The
fits' knots are cleared, since knots override the constant levels: what is refused must not hang on
how much pressure a fit happens to find."""


def test_the_estimate_follows_the_pressure_day_by_day():
    """The vectorised levels are the model's own, knots, seasonality, repetition after the last knot and
    family mix included; a family is one agent."""
    scenario = load("historical").with_values({"run.end": "2025-08-31", "run.scale": 40})
    pressure, p = Pressure(scenario.pressure), scenario.pressure
    days = [scenario.run.start + dt.timedelta(days=d) for d in range(0, scenario.days, 97)]
    for group in (*GROUPS, "family", "uc"):
        vector = pressure.levels(group, np.array([d.toordinal() for d in days]))
        assert vector == pytest.approx([pressure.level(group, d) for d in days])
    daily = size.daily_agents(scenario)
    family_size = 1 + p.family_two_adult_share + p.family_children_mean
    for d in (0, 800, scenario.days - 1):
        day = scenario.run.start + dt.timedelta(days=d)
        expected = 0.0
        for group in GROUPS:
            family, uc = pressure.shares(group, day)
            expected += pressure.rate(group, day) * (1 - family - uc + family / family_size + uc) / 40
        assert daily[d] == pytest.approx(expected)
    agents, window = size.peak_agents(scenario)
    assert window == size.WINDOW_DAYS and agents == pytest.approx(np.convolve(daily, np.ones(window), "valid").max())


def test_too_large_a_run_is_refused_with_the_scale_that_fits(monkeypatch):
    scenario = load("baseline")
    agents, _ = size.peak_agents(scenario)
    need = agents * size.BYTES_PER_AGENT
    monkeypatch.setattr(size, "available_memory", lambda: int(need / size.SHARE_OF_MEMORY / 3))  # a third fits
    with pytest.raises(ScenarioError) as err:
        scenario.validate()
    message = str(err.value)
    assert message.startswith("run too large for this machine's memory") and "\n" not in message
    assert f"about {agents:,.0f} agents at scale 40" in message
    fitting = int(message.rsplit("--scale ", 1)[1].split()[0])
    assert fitting in (120, 121)
    scenario.with_values({"run.scale": fitting})  # the way out works
    with pytest.raises(ScenarioError, match="run too large"):
        scenario.with_values({"run.scale": fitting - 2})
    monkeypatch.setattr(size, "available_memory", lambda: None)  # memory unknown: not checked
    scenario.validate()


def test_when_no_scale_fits_the_pressure_must_come_down(monkeypatch):
    monkeypatch.setattr(size, "available_memory", lambda: 2**16)  # 64 KiB: under a thousand agents
    with pytest.raises(ScenarioError, match=r"even --scale 1000 would not fit: lower the pressure"):
        load("baseline").with_values({"run.scale": 1000})


def test_the_machine_memory_is_read():
    memory = size.available_memory()
    assert memory is None or memory > 0
    if Path("/proc/meminfo").exists():
        assert memory is not None


def test_the_command_refuses_at_once_and_writes_nothing(tmp_path, capsys):
    t0 = time.perf_counter()
    code, _, err = cli(["run", "--scenario", "baseline", *HUGE, "--out", tmp_path / "out"], capsys)
    assert time.perf_counter() - t0 < 10
    assert_one_line_error(code, err, "run too large for this machine's memory")
    assert "use --scale" in err or "even --scale 1000" in err
    assert list(tmp_path.iterdir()) == []


def test_it_does_not_hang_as_a_process(tmp_path):
    """The issue's hang: memory grew by about 100 MB/s and nothing came out. Now: one line, at once."""
    exe = Path(sys.executable).parent / "borderflow"
    done = subprocess.run([str(exe), "run", "--scenario", "historical", *HUGE, "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "run too large" in done.stderr and "Traceback" not in done.stderr


def test_batch_and_sweep_refuse_before_starting(tmp_path, capsys):
    code, _, err = cli(["batch", "--scenarios", "baseline", *HUGE, "--out", tmp_path / "b", "--quiet"], capsys)
    assert_one_line_error(code, err, "run too large")
    assert not (tmp_path / "b").exists()
    spec = tmp_path / "spec.toml"
    spec.write_text('scenario = "baseline"\ndesign = "factorial"\n[run]\nscale = 1\n'
                    '[set]\n"pressure.knots" = []\n"pressure.seasonality" = [5,5,5,5,5,5,5,5,5,5,5,5]\n"pressure.mx" = 100000\n'
                    '"pressure.nca" = 100000\n"pressure.chnv" = 100000\n"pressure.other" = 100000\n'
                    '[parameters]\n"closure.activation" = { values = [2000, 3000] }\n', encoding="utf-8")
    code, _, err = cli(["sweep", spec, "--out", tmp_path / "s", "--quiet"], capsys)
    assert_one_line_error(code, err, "run too large")
    assert not (tmp_path / "s").exists()
