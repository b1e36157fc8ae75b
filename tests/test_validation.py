"""One validation path: every value that reaches the model, from a file, an extended file, `--set`, a
timeline event or a sweep spec, is checked for type, finiteness, range, shares and the cross-field
rules on every date of the timeline; a value the documented range allows runs."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from experiments.cli import _range, _value
from experiments.errors import ExperimentError
from experiments.sweep import parse
from model.model import BorderModel
from model.params import SECTIONS
from model.pressure import MIX_MAX
from model.scenario import ScenarioError, load, parse_set
from tests.conftest import assert_one_line_error, cli, short

KNOT = "{date = 2024-01-01, mx = 100, nca = 100, chnv = 100, other = 100%s}"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, message: str) -> str:
    with pytest.raises(ScenarioError) as err:
        load(str(path))
    assert message in str(err.value), err.value
    assert "\n" not in str(err.value)
    return str(err.value)


# -- types ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["5", '"closure"', "[1, 2]", "true"])
def test_a_timeline_set_that_is_not_a_table_is_one_line(tmp_path, value):
    path = write(tmp_path, "s.toml", f'extends = "baseline"\n[[timeline]]\ndate = 2024-02-01\nset = {value}\n')
    refused(path, "timeline[0]: set must be a table")


def test_wrong_types_in_a_file_are_named(tmp_path):
    refused(write(tmp_path, "a.toml", 'extends = 5\n'), "extends must be a scenario name or a .toml file")
    refused(write(tmp_path, "b.toml", 'extends = "baseline"\nname = 3\n'), "name must be text")
    refused(write(tmp_path, "c.toml", 'extends = "baseline"\n[[timeline]]\ndate = 2024-02-01\nnote = 4\n'),
            "note must be text")
    refused(write(tmp_path, "d.toml", 'extends = "baseline"\n[closure]\nmode = 3\n'), "closure.mode must be one of")


# -- finite numbers -----------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_nan_and_infinity_are_refused_everywhere(tmp_path, bad):
    base = load("baseline")
    for key in ("closure.activation", "pressure.family_share.mx", "run.seed", "behaviour.info_lag_days"):
        with pytest.raises(ScenarioError, match="must be a finite number"):
            base.with_values(parse_set([f"{key}={bad}"]))
    with pytest.raises(ScenarioError, match=r"seasonality\[3\] must be a finite number"):
        base.with_values({"pressure.seasonality": [1.0] * 3 + [float(bad)] + [1.0] * 8})
    with pytest.raises(ScenarioError, match=r"route_weights.mx\[0\] must be a finite number"):
        base.with_values({"geography.route_weights.mx": [float(bad)] + [0.1] * 8})
    for text in (KNOT.replace("mx = 100", f"mx = {bad}") % "", KNOT % f", family = {bad}", KNOT % f", uc = {bad}"):
        path = write(tmp_path, "k.toml", f'extends = "baseline"\n[pressure]\nknots = [{text}]\n')
        refused(path, "must be a finite number")
    event = write(tmp_path, "e.toml", f'extends = "baseline"\n[[timeline]]\ndate = 2024-02-01\n'
                                      f'set = {{ mexico = {{ interdiction = {bad} }} }}\n')
    refused(event, "set.mexico.interdiction must be a finite number")


def test_a_nan_family_multiplier_no_longer_makes_everyone_a_family(tmp_path):
    path = write(tmp_path, "k.toml", f'extends = "baseline"\n[pressure]\nknots = [{KNOT % ", family = nan"}]\n')
    refused(path, "pressure.knots[0].family must be a finite number, got nan")


# -- ranges -------------------------------------------------------------------------------------
def test_knot_levels_and_multipliers_have_the_documented_bounds(tmp_path):
    hi = SECTIONS["pressure"].__dataclass_fields__["mx"].metadata["hi"]
    assert SECTIONS["pressure"].__dataclass_fields__["knots"].metadata["hi"] == hi  # as `borderflow params` shows
    too_high = KNOT.replace("nca = 100", f"nca = {hi * 10}") % ""
    refused(write(tmp_path, "a.toml", f'extends = "baseline"\n[pressure]\nknots = [{too_high}]\n'),
            "pressure.knots[0].nca = 1000000.0 is out of range [0, 100000.0]")
    refused(write(tmp_path, "b.toml", f'extends = "baseline"\n[pressure]\nknots = [{KNOT % ", uc = -1"}]\n'),
            "pressure.knots[0].uc = -1 is out of range")
    refused(write(tmp_path, "c.toml", f'extends = "baseline"\n[pressure]\nknots = [{KNOT % f", family = {MIX_MAX + 1}"}]\n'),
            "pressure.knots[0].family")
    at_the_edge = KNOT.replace("mx = 100", f"mx = {hi}") % f", family = {MIX_MAX}, uc = 0"
    assert load(str(write(tmp_path, "d.toml", f'extends = "baseline"\n[pressure]\nknots = [{at_the_edge}]\n')))


# -- shares -------------------------------------------------------------------------------------
def test_a_groups_family_and_child_shares_add_to_at_most_one():
    base = load("baseline")
    with pytest.raises(ScenarioError, match="pressure.family_share.nca 0.9 and pressure.uc_share.nca 0.2 add up"):
        base.with_values({"pressure.family_share.nca": 0.9, "pressure.uc_share.nca": 0.2})
    assert base.with_values({"pressure.family_share.nca": 0.8, "pressure.uc_share.nca": 0.2})  # exactly 1 is fine


def test_an_allocation_of_zeros_is_refused_with_the_way_to_no_patrol():
    zeros = {sector: 0.0 for sector in load("baseline").border_patrol.allocation}
    with pytest.raises(ScenarioError, match="for no Border Patrol, set border_patrol.agents = 0"):
        load("baseline").with_values({"border_patrol.allocation": zeros})


# -- cross-field rules on every date ---------------------------------------------------------------
# These files extend `historical`, which is run from its start (the regimes are forks that drop every
# event after their date, so an event added to one would not be in force).
def test_cross_field_rules_hold_on_every_date_of_the_timeline(tmp_path, capsys):
    lift = write(tmp_path, "lift.toml", 'extends = "historical"\n[[timeline]]\ndate = 2024-03-01\n'
                                        'set = { closure = { lift = 9000 } }\n')
    refused(lift, "from the timeline event on 2024-03-01: closure.lift 9000.0 is above closure.activation 2500.0")
    zeros = ", ".join(f"{s} = 0" for s in load("baseline").border_patrol.allocation)
    patrol = write(tmp_path, "patrol.toml", f'extends = "historical"\n[[timeline]]\ndate = 2024-03-01\n'
                                            f'set = {{ border_patrol = {{ allocation = {{ {zeros} }} }} }}\n')
    refused(patrol, "from the timeline event on 2024-03-01: border_patrol.allocation")
    # Two events of one day apply together: raising activation and lift on the same date is fine.
    together = write(tmp_path, "together.toml", 'extends = "historical"\n'
                     '[[timeline]]\ndate = 2024-03-01\nset = { closure = { lift = 4000 } }\n'
                     '[[timeline]]\ndate = 2024-03-01\nset = { closure = { activation = 5000 } }\n')
    assert load(str(together))
    # --set changes the start; an event that later lowers activation below it is refused on its date.
    lower = write(tmp_path, "lower.toml", 'extends = "historical"\n[[timeline]]\ndate = 2024-05-01\n'
                                          'set = { closure = { activation = 2000 } }\n')
    assert load(str(lower))
    code, _, err = cli(["run", "--scenario", lower, "--set", "closure.lift=2200", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, "from the timeline event on 2024-05-01: closure.lift 2200.0 is above "
                                     "closure.activation 2000.0")


def test_every_named_scenario_keeps_the_rules_on_every_date():
    for name in ("historical", "securing-the-border-final", "jan-2025"):
        load(name).validate()


# -- values the documented range allows run ----------------------------------------------------------
def test_no_border_patrol_runs_and_catches_no_evader():
    """border_patrol.agents = 0 is inside its range: it runs (it divided by zero) and means no patrol."""
    none = BorderModel(short("baseline", days=60, scale=100, empty=True, **{"border_patrol.agents": 0})).run()
    normal = BorderModel(short("baseline", days=60, scale=100, empty=True)).run()
    assert none.notna().all().all() and none["bp_agents"].eq(0).all()
    assert none["gotaways"].sum() > 2 * normal["gotaways"].sum()
    assert none["encounters_usbp"].sum() > 0  # people who cross to ask for asylum are still met


def test_border_patrol_posted_again_after_a_stretch_without_agents(tmp_path):
    path = write(tmp_path, "none.toml", 'extends = "historical"\n[border_patrol]\nagents = 0\n'
                                        '[[timeline]]\ndate = 2024-01-20\nset = { border_patrol = { agents = 9000 } }\n')
    scenario = load(str(path)).with_values({"run.start": "2024-01-01", "run.end": "2024-02-10", "run.scale": 400})
    daily = BorderModel(scenario).run()
    assert daily["bp_agents"].iloc[0] == 0 and daily["bp_agents"].iloc[-1] == pytest.approx(9000)


# -- files: empty, extended ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "# only a comment\n", 'name = "x"\ndescription = "nothing else"\n'])
def test_an_empty_scenario_file_is_refused(tmp_path, text):
    refused(write(tmp_path, "empty.toml", text), "empty.toml is empty: it extends no scenario")


def test_errors_in_an_extended_file_name_that_file_and_who_extends_it(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "parent.toml", 'extends = "baseline"\n[closure]\nactivation = -5\n')
    write(tmp_path / "sub", "middle.toml", 'extends = "parent.toml"\n')
    child = write(tmp_path, "child.toml", 'extends = "sub/middle.toml"\n')
    message = refused(child, "closure.activation = -5 is out of range")
    assert re.search(r"sub/parent.toml: .* \(extended by .*sub/middle.toml, which is extended by .*child.toml\)",
                     message), message
    refused(write(tmp_path, "missing.toml", 'extends = "nowhere.toml"\n'),
            "scenario file not found")
    message = refused(write(tmp_path, "typo.toml", 'extends = "baselin"\n'), "did you mean 'baseline'")
    assert "(extended by" in message and "typo.toml" in message
    write(tmp_path, "broken.toml", 'extends = "baseline"\n[closure\n')
    message = refused(write(tmp_path, "uses-broken.toml", 'extends = "broken.toml"\n'), "not valid TOML")
    assert "broken.toml: not valid TOML" in message and "uses-broken.toml" in message


def test_the_command_line_says_so_in_one_line(tmp_path, capsys):
    path = write(tmp_path, "s.toml", 'extends = "baseline"\n[[timeline]]\ndate = 2024-02-01\nset = 5\n')
    code, _, err = cli(["run", "--scenario", path, "--days", "3", "--out", tmp_path / "out"], capsys)
    assert_one_line_error(code, err, "set must be a table")
    assert not (tmp_path / "out").exists()


# -- sweep specs ----------------------------------------------------------------------------------
@pytest.mark.parametrize("entry, message", [
    ('"closure.activation" = { range = [nan, 3000] }', "must be a finite number"),
    ('"closure.activation" = { values = [inf] }', "must be a finite number"),
    ('"pressure.seasonality" = { values = [[1, 1]] }', "must have 12 entries"),
])
def test_sweep_spec_values_go_through_the_same_checks(entry, message):
    spec = f'scenario = "baseline"\ndesign = "factorial"\n[parameters]\n{entry}\n'
    if "range" in entry:
        spec = spec.replace('"factorial"', '"lhs"\nsamples = 2')
    with pytest.raises(ExperimentError, match=message):
        parse(spec, "spec.toml")


# -- the documentation ---------------------------------------------------------------------------
def test_the_odd_parameter_appendix_matches_the_code():
    """Each parameter's row in docs/ODD.md is what model/params.py says (default, unit, range, source, meaning)."""
    lines = set((Path(__file__).resolve().parent.parent / "docs" / "ODD.md").read_text(encoding="utf-8").splitlines())
    for name, cls in SECTIONS.items():
        defaults = cls()
        for f in fields(cls):
            default, meta = getattr(defaults, f.name), f.metadata
            row = (f"| `{name}.{f.name}` | {_value(default)} | {meta['unit']} | {_range(meta, default)} | "
                   f"{meta['source']} | {meta['doc']} |")
            assert row in lines, row


# -- found by the property tests (tests/test_properties.py) ---------------------------------------
def test_almost_no_judges_does_not_poison_every_value():
    """courts.judges = 1e-308 is in range: the wait for a hearing is endless, and with no closures the
    chance of a closure before it was 0 x inf = NaN, which made every choice NaN."""
    daily = BorderModel(short("baseline", days=10, scale=300, empty=True, **{"courts.judges": 1e-308})).run()
    assert daily.drop(columns="date").notna().all().all() and daily["departures"].sum() > 0


def test_deeply_nested_or_huge_values_are_one_line(tmp_path):
    deep = "[" * 3000 + "]" * 3000
    refused(write(tmp_path, "deep.toml", f'extends = "baseline"\nx = {deep}\n'), "nested too deeply")
    with pytest.raises(ScenarioError, match="must be a list"):
        load("baseline").with_values(parse_set([f"pressure.seasonality={deep}"]))
    with pytest.raises(ScenarioError, match="out of range"):
        load("baseline").with_values(parse_set(["closure.activation=99999999999999999999999999"]))
    with pytest.raises(ScenarioError, match=r"^--set needs key=value, got '\\n'$"):
        parse_set(["\n"])
