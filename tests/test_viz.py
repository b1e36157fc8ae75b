"""The browser app without a browser: controls -> validated scenario, refusals, the map, `serve` errors."""

from __future__ import annotations

import datetime as dt
import inspect
import socket
from argparse import Namespace
from collections import Counter
from types import SimpleNamespace

import pandas as pd
import pytest
from matplotlib.dates import date2num
from mesa.visualization import Slider

import model.snapshot
import viz.live
import viz.server
from experiments.cli import main
from model.scenario import ScenarioError, load
from model.states import WAITING_IN_MEXICO
from tests.conftest import synthetic_batch
from viz.border_map import MARKER_AREA, STATE_COLOURS, BorderMap
from viz.live import AS_SCENARIO, FORK_DAYS, SCALE, LiveBorderModel, configure, lever_values, model_params
from experiments.plots import OUTCOMES
from viz.panels import FACTUAL_LABEL, LiveCurve, curves_png, levers_in_force

SHORT = {"scale": 400}
JUNE = dt.date(2024, 6, 4)  # the day before the June 2024 closure rule
FROM_HISTORY = {"scenario_name": "historical", "start_date": " 2024-06-04 ", **SHORT}


def test_every_control_is_a_model_keyword_with_bounds_from_the_parameter_table():
    params = model_params("title42")
    keywords = set(inspect.signature(LiveBorderModel.__init__).parameters) - {"self"}
    assert set(params) == keywords
    assert params["scenario_name"]["value"] == "title42"
    scale = params[SCALE.keyword]
    assert isinstance(scale, Slider) and (scale.min, scale.max) == (SCALE.meta["lo"], SCALE.meta["hi"])
    assert params["title42"]["values"] == [AS_SCENARIO, "on", "off"]
    assert params["closure_mode"]["values"] == [AS_SCENARIO, "off", "threshold", "always"]
    assert "0–100,000" in params["activation"]["label"]


def test_controls_become_scenario_values_as_on_the_command_line():
    assert lever_values({"scale": 40, "activation": " 3e3 ", "title42": "on", "mpp": "off",
                         "closure_mode": AS_SCENARIO, "slots": "", "seed": "7"}) == {
        "run.scale": 40, "closure.activation": 3000.0, "title42.active": True, "mpp.active": False, "run.seed": 7}
    s = configure("title42", {"title42": AS_SCENARIO, "interdiction": "0.3"})
    assert s.in_force()["title42.active"] is True  # "as scenario" keeps the scenario's own value
    assert s.in_force()["mexico.interdiction"] == 0.3  # a lever of a warm regime: held from its first day


@pytest.mark.parametrize("choices, message", [
    ({"activation": "1000"}, "closure.lift 1500.0 is above closure.activation 1000.0"),
    ({"slots": "-5"}, r"appointments.slots = -5 is out of range \[0, 100000.0\]"),
    ({"interdiction": "1.5"}, "mexico.interdiction = 1.5 is out of range"),
    ({"seed": "abc"}, "run.seed must be a number, got 'abc'"),
])
def test_nonsense_is_refused_by_the_scenario_rules(choices, message):
    with pytest.raises(ScenarioError, match=message):
        configure("securing-the-border", choices)
    m = LiveBorderModel(scenario_name="securing-the-border", **SHORT, **choices)
    assert message.replace("\\", "") in m.refused and not m.running  # paused, with the reason
    assert m.params == load("securing-the-border")  # nothing of the refused settings is used
    m.step()
    assert m.day == m.first_day and m.daily().empty


def test_the_live_model_applies_levers_and_stops_on_the_last_day():
    m = LiveBorderModel(scenario_name="securing-the-border", activation="3000", title42="on", **SHORT)
    assert m.refused is None and m.running
    assert m.levers.closure.activation == 3000 and m.levers.title42.active
    assert m.changed == {"closure.activation": 3000, "title42.active": True}
    assert "on at a 7-day average of 3,000" in levers_in_force(m)[0]
    short = LiveBorderModel(scenario_name="baseline", **SHORT)
    short.days = short.first_day + 3
    for _ in range(3):
        short.step()
    assert not short.running and len(short.daily()) == 3


def test_the_map_shows_every_traveller_in_a_cell_and_the_layers():
    m = LiveBorderModel(scenario_name="securing-the-border", scale=200)
    for _ in range(40):
        m.step()
    border_map = BorderMap()
    border_map.update(m)
    shown = sum(sum(c.get_sizes() ** 2) for c in border_map.markers.values())
    people = Counter()
    for a in m.agents:
        if getattr(a, "state", None) in STATE_COLOURS:
            people[(a.kind, a.state, a.cell.coordinate)] += a.people
    # marker area = MARKER_AREA * sqrt(people / 40), so the squared areas add up to the people shown
    assert shown == pytest.approx(MARKER_AREA ** 2 * sum(people.values()) / 40)
    assert sum(len(c.get_offsets()) for c in border_map.markers.values()) == len(people)
    presence = border_map.layers["bp_presence"].get_array()
    assert presence.count() > 0 and presence.max() == pytest.approx(m.border.bp_presence.data.max())
    assert "2024-02-10 (day 40 of 366)" in border_map.title.get_text()
    assert border_map.png()[:4] == b"\x89PNG"


def waiting_in_mexico(m: LiveBorderModel) -> int:
    return int(m.recount()[list(WAITING_IN_MEXICO)].sum())


def test_a_start_date_starts_from_the_history_on_that_date():
    m = LiveBorderModel(**FROM_HISTORY)
    assert m.refused is None and m.running and m.fork_date == JUNE and m.date == JUNE
    assert waiting_in_mexico(m) > 10_000  # what history left in the border cities (an empty border has none)
    assert waiting_in_mexico(LiveBorderModel(scenario_name="historical", **SHORT)) == 0
    m.step()
    daily = m.daily()
    assert list(daily["date"]) == ["2024-06-04"] and daily["waiting_mexico"].iloc[0] > 10_000
    assert m.days - m.first_day == FORK_DAYS  # a year from the date, within historical's run
    assert len(m.factual) == FORK_DAYS and m.factual["date"].iloc[0] == "2024-06-04"
    again = LiveBorderModel(**FROM_HISTORY)  # the history is cached, the factual kept
    assert again.history == "from the cache" and again.factual is m.factual


def test_with_no_lever_changed_the_live_curve_is_the_factual_exactly():
    m = LiveBorderModel(**FROM_HISTORY)
    for _ in range(30):
        m.step()
    pd.testing.assert_frame_equal(m.daily(), m.factual.iloc[:30])
    curve = LiveCurve("encounters")
    curve.png(m)
    lines = {line.get_label(): line for line in curve.ax.lines}
    live, factual = lines["counted 7-day average"].get_ydata(), lines[FACTUAL_LABEL].get_ydata()
    assert len(live) == 30 and len(factual) == FORK_DAYS
    assert list(live) == list(factual[:30])
    assert curve.ax.get_xlim()[0] == date2num(JUNE)  # the panel starts on the start date, not the history's


def test_a_lever_changed_from_the_start_date_leaves_the_factual(monkeypatch):
    monkeypatch.setattr(viz.live, "FACTUALS", {})  # the factual is made for this start, whatever ran before
    m = LiveBorderModel(**FROM_HISTORY, closure_mode="off")
    assert m.changed == {"closure.mode": "off"} and m.params.fork.changes == {"closure": {"mode": "off"}}
    for _ in range(30):
        m.step()
    daily, factual = m.daily(), m.factual.iloc[:30]
    assert daily["closure_active"].sum() == 0 and factual["closure_active"].sum() >= 20  # held over the June rule
    assert (daily["counted_7day_avg"] != factual["counted_7day_avg"]).sum() >= 20
    curve = LiveCurve("encounters")
    curve.png(m)
    lines = {line.get_label(): line for line in curve.ax.lines}
    assert list(lines[FACTUAL_LABEL].get_ydata()[:30]) == list(factual["counted_7day_avg"])


def test_a_first_start_from_history_says_what_it_runs_meanwhile(monkeypatch):
    said = []
    monkeypatch.setattr(viz.live, "WAITING", SimpleNamespace(set=said.append))
    monkeypatch.setattr(viz.live, "FACTUALS", {})
    m = LiveBorderModel(scenario_name="historical", start_date="2018-11-20", **SHORT)  # 50 days of history
    assert said[0] == ("Running historical's history to 2018-11-20 (only the first start from this date, seed "
                       "and scale: later ones take it from the cache): day 50 of 50")
    assert said[1:-1] == [f"Running the factual (once per date): day {d} of 365" for d in (*range(50, 365, 50), 365)]
    assert said[-1] == "" and m.history.startswith("run in ")  # and nothing is said once it is ready


@pytest.mark.parametrize("choices, message", [
    ({"start_date": "2030-01-01"}, "the start date 2030-01-01 is outside historical's run (2018-10-01 to 2025-08-31)"),
    ({"start_date": "2018-09-30"}, "the start date 2018-09-30 is outside historical's run"),
    ({"start_date": "4 June"}, "the start date must be a date YYYY-MM-DD, got '4 June'"),
    ({"start_date": "2024-06-04", "activation": "1000"}, "closure.lift 1500.0 is above closure.activation 1000.0"),
])
def test_a_start_the_rules_refuse_runs_no_history(choices, message, monkeypatch):
    def refuse(*args, **kw):
        raise AssertionError("the history was run")

    monkeypatch.setattr(model.snapshot, "history", refuse)
    m = LiveBorderModel(scenario_name="historical", **SHORT, **choices)
    assert message in m.refused and "\n" not in m.refused and not m.running
    assert m.fork_date is None and m.factual is None and m.params == load("historical")
    m.step()
    assert m.day == m.first_day and m.daily().empty


def test_curves_draw_before_the_first_step_and_after():
    m = LiveBorderModel(scenario_name="securing-the-border", **SHORT)
    for panel in ("encounters", "waiting", "outcomes"):
        assert curves_png(m, panel)[:4] == b"\x89PNG"
    m.step()
    assert curves_png(m, "encounters")[:4] == b"\x89PNG"


def test_a_kept_curve_redraws_the_same_picture_as_a_fresh_one():
    m = LiveBorderModel(scenario_name="securing-the-border", **SHORT)
    kept = LiveCurve("outcomes")
    for _ in range(5):
        m.step()
        kept.png(m)
    fresh = LiveCurve("outcomes")
    fresh.png(m)
    assert len(kept.ax.lines) == len(fresh.ax.lines) == len(OUTCOMES)
    assert [line.get_color() for line in kept.ax.lines] == [line.get_color() for line in fresh.ax.lines]
    assert kept.ax.get_ylim() == fresh.ax.get_ylim()


def serve(argv, capsys):
    try:
        code = main(["serve", *argv])
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().err


@pytest.fixture
def no_server(monkeypatch):
    """Fail loudly if a test would start a real server."""
    def refuse(*a, **k):
        raise AssertionError("a server was started")
    monkeypatch.setattr(viz.server.os, "execve", refuse)


@pytest.mark.parametrize("argv, message", [
    (["--port", "0"], "--port must be between 1 and 65535, got 0"),
    (["--port", "70000"], "--port must be between 1 and 65535, got 70000"),
    (["--port", "http"], "argument --port: invalid int value: 'http'"),
    (["--scenario", "titel42"], "unknown scenario 'titel42' (did you mean 'title42'?)"),
    (["--scenario", "missing.toml"], "scenario file not found: missing.toml"),
    (["--batch", "no-such-dir"], "--batch no-such-dir: no such directory"),
    (["--host", "no.such.host.invalid"], "--host no.such.host.invalid: cannot resolve it"),
])
def test_serve_refuses_a_bad_command_line_in_one_line(argv, message, capsys, no_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = serve(argv, capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("borderflow: error: ") and message in err


def test_serve_refuses_a_port_in_use(capsys, no_server):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = serve(["--port", str(port)], capsys)
    assert code == 2 and f"port {port} on 127.0.0.1 is in use" in err


def test_serve_listens_locally_unless_told(tmp_path):
    synthetic = synthetic_batch(tmp_path / "batch")
    args = Namespace(scenario="title42", port=8765, host="127.0.0.1", batch=str(synthetic))
    cmd, env = viz.server.command(args)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == "8765"
    assert cmd[cmd.index("run") + 1].endswith("app.py")
    assert env["BORDERFLOW_SCENARIO"] == "title42" and env["BORDERFLOW_BATCH"] == str(synthetic.resolve())
