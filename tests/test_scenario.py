"""Scenarios load, validate and fail with one clear line."""

import pytest

from model.scenario import ScenarioError, load, named_scenarios, parse_set

NAMES = ["baseline", "title42", "mpp", "cbp-one", "securing-the-border", "securing-the-border-final",
         "jan-2025", "hias-alternative", "historical"]


def test_every_named_scenario_loads_with_a_description():
    found = named_scenarios()
    for name in NAMES:
        assert name in found
        s = load(name)
        assert s.description and s.name == name


def test_extends_inherits_and_overrides():
    final = load("securing-the-border-final")
    levers = final.fork.changes  # a regime's levers are its fork's: each file that extends adds to them
    assert levers["closure"]["mode"] == "threshold" and levers["closure"]["days_below"] == 28
    assert levers["appointments"]["active"]  # from cbp-one, two levels up
    assert levers["clp"]["active"] is True  # baseline switches it off, cbp-one on again
    assert load("baseline").fork.changes["clp"]["active"] is False


def test_historical_switches_every_regime_on_its_date():
    s = load("historical")
    dates = {str(e.date): e for e in s.timeline}
    assert dates["2020-03-21"].changes["title42"]["active"] is True
    assert dates["2023-05-12"].changes["title42"]["active"] is False
    assert dates["2024-06-05"].changes["closure"]["mode"] == "threshold"
    assert dates["2024-10-01"].changes["closure"]["days_below"] == 28
    assert dates["2025-01-20"].changes["closure"]["mode"] == "always"


@pytest.mark.parametrize("values, message", [
    ({"closure.activaton": 1}, "did you mean 'closure.activation'"),
    ({"closure.activation": "high"}, "must be a number"),
    ({"closure.activation": -5}, "out of range"),
    ({"closure.mode": "sometimes"}, "must be one of"),
    ({"title42.active": 1}, "true or false"),
    ({"run.end": "2018-01-01"}, "before run.start"),
    ({"mexico.accepts": ["mars"]}, "unknown entry"),
    ({"pressure.family_share.xx": 0.1}, "unknown key 'xx'"),
])
def test_bad_values_are_named(values, message):
    with pytest.raises(ScenarioError, match=message):
        load("baseline").with_values(values)


def test_unknown_scenario_suggests_the_closest():
    with pytest.raises(ScenarioError, match="did you mean 'title42'"):
        load("titel42")


def test_malformed_files_and_loops(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run\nstart = 2020-01-01\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load(str(bad))
    lever = tmp_path / "lever.toml"
    lever.write_text('[[timeline]]\ndate = 2024-02-01\nset = { run = { seed = 2 } }\n')
    with pytest.raises(ScenarioError, match="not a policy lever section"):
        load(str(lever))
    with pytest.raises(ScenarioError, match="not found"):
        load(str(tmp_path / "missing.toml"))


def test_set_parses_toml_values():
    assert parse_set(["closure.activation=3000", "title42.active=true", "closure.mode=always"]) == {
        "closure.activation": 3000, "title42.active": True, "closure.mode": "always"}
    with pytest.raises(ScenarioError, match="key=value"):
        parse_set(["closure.activation"])
