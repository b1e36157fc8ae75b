"""The named regimes start warm: each is a fork of `historical` on its first day, so it starts from the
state history reached that day (people on their way, waiting in Mexico, in custody), holds its own
policy for its year, and regimes compared with one seed share one history and differ by policy alone.
An empty start of the same regime stays available (`--empty-start`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import pandas as pd
import pytest

import model.snapshot as snapshot
from model.model import BorderModel
from model.params import LEVER_SECTIONS
from model.scenario import ScenarioError, load
from model.states import State
from tests.conftest import SWEEP, assert_one_line_error, cli, on_defaults, short, spec_file

REGIMES = ["baseline", "title42", "mpp", "cbp-one", "securing-the-border", "securing-the-border-final", "jan-2025",
           "hias-alternative"]
FIRST_DAY = dt.date(2024, 1, 1)
WARM = {"scale": 1000, "seed": 1}
"""Coarse: every warm test here forks the one history of this seed and scale (run once a session)."""

MEASURES = {
    "baseline": {},
    "title42": {"title42.active": True, "mexico.chnv_cap": 30000.0},
    "mpp": {"mpp.active": True, "mpp.capacity": 95.0, "mpp.hearing_days": 150.0},
    "cbp-one": {"clp.active": True, "appointments.active": True, "mexico.chnv_cap": 30000.0,
                "pathways.chnv_parole": 30000.0},
    "securing-the-border": {"clp.active": True, "appointments.active": True, "mexico.chnv_cap": 30000.0,
                            "pathways.chnv_parole": 30000.0, "closure.mode": "threshold"},
    "securing-the-border-final": {"clp.active": True, "appointments.active": True, "mexico.chnv_cap": 30000.0,
                                  "pathways.chnv_parole": 30000.0, "closure.mode": "threshold",
                                  "closure.days_below": 28, "closure.count_uc_noncontiguous": True},
    "jan-2025": {"closure.mode": "always", "closure.screening": "none", "ports.asylum_open": False,
                 "mpp.active": True, "mpp.capacity": 30.0, "border_patrol.agents": 18200.0},
    "hias-alternative": {"ports.walkup_capacity": 3000.0, "appointments.active": True, "appointments.slots": 3000.0,
                         "pathways.chnv_parole": 30000.0, "courts.judges": 1100.0},
}
"""The measures each regime switches on (as its file did when it started from an empty border)."""
SWITCHED_OFF = {"clp.active": False, "appointments.active": False, "pathways.chnv_parole": 0.0,
                "mexico.chnv_cap": 0.0}
"""The measures history has in force on 2024-01-01 that `baseline` switches off; everything else (the
capacities, Mexican enforcement, the fitted apprehension) is as history has it that day."""


def lever_values(levers) -> dict:
    return {f"{s}.{f.name}": getattr(getattr(levers, s), f.name) for s in LEVER_SECTIONS
            for f in fields(getattr(levers, s))}


def expected_levers(name: str) -> dict:
    history = load("historical").in_force(FIRST_DAY)
    return {k: v for k, v in {**history, **SWITCHED_OFF, **MEASURES[name]}.items() if k.split(".")[0] in LEVER_SECTIONS}


@pytest.fixture(scope="module")
def first_days() -> dict:
    """Each regime's model at the end of its first day: started warm, and from an empty border."""
    models = {}
    for name in REGIMES:
        scenario = short(name, days=2, **WARM)
        warm, empty = snapshot.begin(scenario), BorderModel(scenario.empty_start())
        warm.step()
        empty.step()
        models[name] = warm, empty
    return models


@pytest.mark.parametrize("name", REGIMES)
def test_a_named_regime_started_warm_has_people_waiting_in_mexico_on_its_first_day(first_days, name):
    warm, empty = first_days[name]
    assert load(name).fork.date == FIRST_DAY
    assert warm.rows[-1]["date"] == empty.rows[-1]["date"] == FIRST_DAY.isoformat()
    assert warm.rows[-1]["waiting_mexico"] > 10_000  # history's: tens of thousands in the border cities
    assert empty.rows[-1]["waiting_mexico"] == 0  # an empty border: the first travellers are still on the way
    assert len(warm.daily()) == 1  # a fork's outputs start on its date


@pytest.mark.parametrize("name", REGIMES)
def test_a_regimes_levers_on_its_first_day_are_its_own_not_historys(first_days, name):
    expected = expected_levers(name)
    for model in first_days[name]:
        assert lever_values(model.levers) == expected
        closure = expected["closure.mode"]
        assert model.levers.closure_in_force == (closure == "always" or closure == "threshold")
    # The regime as it runs on the model's defaults (from an empty border) has the same measures.
    before = lever_values(on_defaults(name))
    assert {k: before[k] for k in {**SWITCHED_OFF, **MEASURES[name]}} == {**SWITCHED_OFF, **MEASURES[name]}


def test_a_regime_holds_its_policy_for_its_whole_year():
    for name in REGIMES:
        scenario = load(name)
        assert scenario.run.end == dt.date(2024, 12, 31) and scenario.fork.drop == "later"
        assert [ev.date for ev in scenario.events if ev.date >= FIRST_DAY] == [FIRST_DAY]  # its own, no later one


def test_a_batch_of_two_regimes_shares_one_history(tmp_path, capsys, monkeypatch):
    """One history for both, and on the first day the same people, only the policy moving them differently:
    everyone who ever considered leaving since October 2018 is in some state in both runs."""
    monkeypatch.setenv("BORDERFLOW_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "batch"
    code, _, err = cli(["batch", "--scenarios", "baseline", "title42", "--days", "3", "--scale", WARM["scale"],
                        "--seed", WARM["seed"], "--out", out, "--quiet"], capsys)
    assert code == 0, err
    cached = list((tmp_path / "cache" / "snapshots").glob("*.snapshot"))
    assert len(cached) == 1  # the history was run once, for both regimes
    history = snapshot.load(cached[0])
    daily = pd.read_parquet(out / "daily.parquet")
    first = daily[daily["date"] == FIRST_DAY.isoformat()].set_index("scenario")
    people = first[[f"people_{s.name.lower()}" for s in State]].sum(axis=1)
    assert people["baseline"] == people["title42"] == history.census.arrived + first["pressure"]["baseline"]
    assert history.census.arrived > 1_000_000
    by_scenario = daily.groupby("scenario")
    assert by_scenario["expulsions"].sum()["title42"] > 0 == by_scenario["expulsions"].sum()["baseline"]
    assert by_scenario["title42.active"].first().to_dict() == {"baseline": False, "title42": True}


def test_the_empty_start_is_the_same_fork_from_an_empty_border():
    regime = load("securing-the-border")
    empty = regime.empty_start()
    assert empty.fork is None and empty.run.start == regime.fork.date and empty.run.end == regime.run.end
    assert empty.timeline == () and empty.pressure == regime.pressure  # a regime drops every later event
    same_day = {k: v for k, v in regime.in_force().items() if k != "run.start"}
    assert {k: v for k, v in empty.in_force().items() if k != "run.start"} == same_day  # levers on the first day too
    with pytest.raises(ScenarioError, match="historical is not a fork of a history"):
        load("historical").empty_start()


def test_empty_start_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = cli(["run", "--scenario", "cbp-one", "--empty-start", "--days", "5", "--scale", "1000",
                        "--out", out, "--quiet"], capsys)
    assert code == 0, err
    daily = pd.read_csv(out / "daily.csv")
    assert len(daily) == 5 and daily["date"].iloc[0] == FIRST_DAY.isoformat() and daily["waiting_mexico"].iloc[0] == 0
    again = load(str(out / "scenario.toml"))  # written as a scenario of its own: no fork, no history
    assert again.fork is None and again.run.start == FIRST_DAY and again.in_force()["appointments.active"]
    may = load("historical").with_values({"run.start": "2024-05-01", "run.end": "2024-05-02", "run.scale": 1000})
    model = BorderModel(may)
    model.step()
    saved = snapshot.save(model, tmp_path / "may.snapshot")
    for argv, expected in [
        (["--scenario", "historical"], "--empty-start: historical is not a fork of a history"),
        (["--scenario", "historical", "--set", "run.start=2024-05-01", "--scale", "1000", "--fork", saved],
         "--empty-start cannot go with a snapshot file"),
    ]:
        code, _, err = cli(["run", *argv, "--empty-start", "--days", "3", "--out", tmp_path / "no"], capsys)
        assert_one_line_error(code, err, expected)
    code, _, err = cli(["batch", "--scenarios", "baseline", "historical", "--empty-start", "--days", "3",
                        "--out", tmp_path / "no"], capsys)
    assert_one_line_error(code, err, "--empty-start: historical is not a fork of a history")
    code, _, err = cli(["run", "--scenario", "baseline", "--start", "2024-03-01", "--days", "3", "--out", tmp_path / "no"],
                       capsys)
    assert_one_line_error(code, err, "--start cannot go with a fork: baseline follows its history from 2018-10-01")
    assert not (tmp_path / "no").exists()


def test_a_sweep_of_a_regime_holds_each_point_from_its_first_day(tmp_path, capsys):
    spec = spec_file(tmp_path, f"""scenario = "securing-the-border"
design = "factorial"
seed = {WARM["seed"]}
outputs = ["days_closed"]
[run]
days = 10
scale = {WARM["scale"]}
[parameters]
"closure.mode" = {{ values = ["off", "threshold"] }}
""")
    code, _, err = cli(["sweep", spec, "--out", tmp_path / "out", "--quiet"], capsys)
    assert code == 0, err
    summaries = pd.read_csv(tmp_path / "out" / "summaries.csv")
    # From history's crowded January 2024 the suspension, in force from the first day, cannot lift in 10 days.
    assert dict(zip(summaries["closure.mode"], summaries["days_closed"])) == {"off": 0, "threshold": 10}
    empty = spec_file(tmp_path, SWEEP.replace('"securing-the-border"', '"historical"'), "empty.toml")
    code, _, err = cli(["sweep", empty, "--out", tmp_path / "no", "--quiet"], capsys)
    assert_one_line_error(code, err, "run.empty_start: historical is not a fork of a history")
