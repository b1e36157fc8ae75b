"""Property-based tests (hypothesis): any scenario drawn from the documented ranges either runs cleanly,
with people conserved and no NaN in any output, or is refused with one line; random malformed TOML and
`--set` strings are refused with one line. Never a traceback.

Values are drawn from the metadata in model/params.py (the ranges `borderflow params` documents), for a
random subset of parameters at once and for a dated timeline event that changes random levers. The span
is fixed short and coarse (8 days, 200 to 1,000 people per agent) so each example takes a fraction of a
second. Examples are derived deterministically (the same ones every run, no example database), so the
suite does not change its verdict from run to run; BORDERFLOW_HYPOTHESIS=explore draws new, more ones.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from dataclasses import fields
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model.model
from experiments.cli import main
from model.model import BorderModel
from model.params import GROUPS, LEVER_SECTIONS, SECTIONS
from model.pressure import MIX, MIX_MAX
from model.records import COLUMNS
from model.scenario import SCENARIO_DIR, ScenarioError, from_dict, load, parse_set
from model.states import State

settings.register_profile("suite", max_examples=40, deadline=None, database=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("explore", max_examples=500, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("BORDERFLOW_HYPOTHESIS", "suite"))

START, DAYS = dt.date(2024, 3, 1), 8
FIXED = {"run.start", "run.end", "run.scale"}
"""The span and resolution are drawn separately (short and coarse), not from their whole ranges."""


def _meta(section: str, name: str):
    field = next(f for f in fields(SECTIONS[section]) if f.name == name)
    return field.metadata, getattr(SECTIONS[section](), name)


def _number(lo, hi, integer=False):
    if integer:
        return st.integers(int(lo), int(hi))
    return st.one_of(st.sampled_from([float(lo), float(hi)]), st.floats(lo, hi, allow_nan=False))


TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


def knots():
    """0 to 3 knots (perhaps too close or out of order: then refused), levels and multipliers in range."""
    meta = _meta("pressure", "mx")[0]
    level = _number(meta["lo"], meta["hi"])
    knot = st.fixed_dictionaries(
        {"date": st.dates(dt.date(2023, 6, 1), dt.date(2024, 6, 1)), **{g: level for g in GROUPS}},
        optional={mix: _number(0.0, MIX_MAX) for mix in MIX})
    return st.lists(knot, max_size=3)


def value(section: str, name: str):
    """A value of one parameter, anywhere in its documented range."""
    meta, default = _meta(section, name)
    lo, hi, choices = meta["lo"], meta["hi"], meta["choices"]
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, (int, float)):
        return _number(lo, hi, isinstance(default, int))
    if isinstance(default, str):
        return st.sampled_from(choices)
    if isinstance(default, dict):
        if any(isinstance(v, list) for v in default.values()):
            return st.fixed_dictionaries({k: st.lists(_number(lo, hi), min_size=len(v), max_size=len(v))
                                          for k, v in default.items()})
        return st.fixed_dictionaries({k: _number(lo, hi) for k in default})
    if name == "knots":
        return knots()
    if choices is not None:
        return st.lists(st.sampled_from(choices), unique=True)
    return st.lists(_number(lo, hi), min_size=len(default), max_size=len(default))


KEYS = [(s, f.name) for s, cls in SECTIONS.items() for f in fields(cls) if f"{s}.{f.name}" not in FIXED]
LEVER_KEYS = [(s, n) for s, n in KEYS if s in LEVER_SECTIONS]


@st.composite
def scenarios(draw) -> dict:
    """A scenario file's content: random sections' values and perhaps a timeline event of random levers."""
    data: dict = {"run": {"start": START, "end": START + dt.timedelta(days=DAYS - 1),
                          "scale": draw(st.integers(200, 1000))}}
    for section, name in draw(st.lists(st.sampled_from(KEYS), max_size=10, unique=True)):
        data.setdefault(section, {})[name] = draw(value(section, name))
    if draw(st.booleans()):
        changes: dict = {}
        for section, name in draw(st.lists(st.sampled_from(LEVER_KEYS), min_size=1, max_size=4, unique=True)):
            changes.setdefault(section, {})[name] = draw(value(section, name))
        data["timeline"] = [{"date": START + dt.timedelta(days=draw(st.integers(-3, DAYS))), "set": changes}]
    return data


def one_line(err: Exception) -> None:
    text = str(err)
    assert text and "\n" not in text and "Traceback" not in text


EMPTY_BASELINE = load("baseline").empty_start()
"""What the drawn values go on: `baseline` from an empty border (the drawn span starts after its fork date)."""


@given(scenarios())
def test_drawn_scenarios_run_cleanly_or_are_refused_in_one_line(data):
    try:
        scenario = from_dict(data, "drawn.toml", EMPTY_BASELINE)
    except ScenarioError as err:
        one_line(err)
        return
    daily = BorderModel(scenario).run()
    assert len(daily) == DAYS and list(daily.columns) == COLUMNS
    numbers = daily.drop(columns="date")
    assert not numbers.isna().any().any(), numbers.columns[numbers.isna().any()].tolist()
    people = daily[[f"people_{s.name.lower()}" for s in State]].sum(axis=1)
    assert (people == daily["pressure"].cumsum()).all()  # everyone who considered leaving is somewhere
    assert (daily[[f"people_{s.name.lower()}" for s in State]] >= 0).all().all()


VALID = (SCENARIO_DIR / "securing-the-border.toml").read_text(encoding="utf-8")
TOML_BITS = ["[", "]", "{", "}", "=", '"', "'", ",", ".", "\n", "[[timeline]]", "[closure]", "nan", "inf", "-",
             "2024-13-45", "1e999", "set = ", "extends = ", "knots = [", "date = ", "0x", "true", "#"]


@st.composite
def malformed_toml(draw) -> str:
    """A shipped scenario with random cuts and insertions, or random TOML-ish text."""
    if draw(st.booleans()):
        return draw(st.lists(st.one_of(st.sampled_from(TOML_BITS), TEXT), max_size=30).map("".join))
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 12))
        text = text[:at] + draw(st.one_of(st.sampled_from(TOML_BITS), TEXT)) + text[at + cut:]
    return text


@given(malformed_toml())
def test_malformed_scenario_files_are_refused_in_one_line(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "drawn.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load(str(path))
        except ScenarioError as err:
            one_line(err)


KEY_NAMES = [f"{s}.{n}" for s, n in KEYS] + ["closure", "closure.", ".x", "a.b.c.d", "pressure.family_share.zz",
                                             "closur.activaton", ""]
RAW = st.one_of(TEXT, st.sampled_from(["nan", "inf", "-inf", "1e999", "[", "{a = 1}", "[1, 2",
                                                        "2024-02-30", "true", '"threshold"', "[[[[[[1]]]]]]",
                                                        "-1", "1e5", "99999999999999999999999"]))
SET_STRINGS = st.one_of(TEXT, st.tuples(st.sampled_from(KEY_NAMES), st.sampled_from(["=", " = ", ""]),
                                                       RAW).map("".join))


class Ran(Exception):
    """The drawn --set was valid and the model was about to run: not a refusal to check."""


@given(st.lists(SET_STRINGS, min_size=1, max_size=3))
def test_malformed_set_strings_are_refused_in_one_line(items):
    try:
        load("baseline").with_values(parse_set(items))
    except ScenarioError as err:
        one_line(err)
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(model.model, "BorderModel", side_effect=Ran), \
            mock.patch("sys.stderr", new_callable=io.StringIO) as stderr:
        try:
            code = main(["run", "--scenario", "baseline", "--days", "3", "--out", str(Path(folder) / "out"),
                         "--set", *items])
        except SystemExit as exit_:
            code = exit_.code
        except Ran:
            return
        lines = stderr.getvalue().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("borderflow: error: "), stderr.getvalue()
        assert not (Path(folder) / "out").exists()


def test_every_parameter_but_the_span_is_drawn():
    assert {f"{s}.{n}" for s, n in KEYS} | FIXED == {f"{s}.{f.name}" for s, c in SECTIONS.items() for f in fields(c)}
