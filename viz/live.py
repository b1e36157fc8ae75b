"""The model as the browser app builds it: levers arrive as keyword values from the controls and
become a scenario through `Scenario.with_values`, so they are checked exactly as `--set` is.

SolaraViz makes a model by calling its class with the controls' values as keywords (on Reset).
`LiveBorderModel` is that class. A lever left "as scenario" (a blank box, or the "as scenario"
choice) keeps the selected scenario's own value, so choosing another scenario does not silently
carry over the previous one's settings. Values the scenario rules refuse do not start a run: the
model is built from the scenario as published, stays paused, and says what was refused.

A start date starts the run from the scenario's history on that date (`historical`: what really
happened) instead of from an empty border: the levers set become a fork's changes, held from the
date (`experiments.overrides.override`, as `borderflow run --fork DATE --set ...`), the model is
the history's state from `model.snapshot.begin` (run once, then cached on disk), and the run goes
on for a year or to the scenario's end. Its factual, the same history with nothing changed, is
run once per process and drawn beside the live curve.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import time
from dataclasses import dataclass, fields, replace
from types import MethodType
from typing import Callable

import pandas as pd
import solara

from experiments.overrides import override
from model import snapshot
from model.fork import Fork
from model.model import BorderModel
from model.params import SECTIONS
from model.scenario import Scenario, ScenarioError, load, named_scenarios, parse_set
from model.values import date
from viz import APP_SCENARIO

SCENARIO_ENV = "BORDERFLOW_SCENARIO"
"""`borderflow serve --scenario NAME` hands its choice to the app (a separate server process) here."""
AS_SCENARIO = "as scenario"
SWITCH = {"on": True, "off": False}
FORK_DAYS = 365
"""A run from history goes on this many days from its date (or to the scenario's end, if sooner):
the span of the app's other runs, and one year of days for its factual to cost."""
FACTUALS: dict = {}
"""(the history's cache entry, the end) -> the factual's daily table, for every model of this process."""
WAITING = solara.reactive("")
"""What a start from history is waiting for, while it waits (the page shows it); blank otherwise."""
SHOWN_EVERY = 50
"""Days between two updates of `WAITING`."""


@dataclass(frozen=True)
class Lever:
    """One control: the keyword SolaraViz passes, the parameter it sets, and its label."""

    keyword: str
    key: str
    label: str

    @property
    def meta(self) -> dict:
        section, name = self.key.split(".")
        return next(f.metadata for f in fields(SECTIONS[section]) if f.name == name)

    @property
    def default(self):
        section, name = self.key.split(".")
        return getattr(SECTIONS[section](), name)


LEVERS = (
    Lever("closure_mode", "closure.mode", "Asylum closure between ports"),
    Lever("activation", "closure.activation", "Closure activation threshold"),
    Lever("lift", "closure.lift", "Closure lifting threshold"),
    Lever("title42", "title42.active", "Title 42 expulsions"),
    Lever("mpp", "mpp.active", "MPP (Remain in Mexico)"),
    Lever("appointments", "appointments.active", "CBP One appointments"),
    Lever("slots", "appointments.slots", "Appointment slots"),
    Lever("interdiction", "mexico.interdiction", "Mexican interdiction"),
    Lever("seed", "run.seed", "Random seed"),
)
SCALE = Lever("scale", "run.scale", "People per agent")


def _span(meta: dict) -> str:
    def number(v):
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:g}"
    return f"{number(meta['lo'])}–{number(meta['hi'])}"


def model_params(scenario: str = APP_SCENARIO) -> dict:
    """The SolaraViz controls: scenario, scale and every lever, bounds from the parameter table."""
    from mesa.visualization import Slider

    params = {
        "scenario_name": {"type": "Select", "value": scenario, "label": "Scenario",
                          "values": list(dict.fromkeys([*named_scenarios(), scenario]))},
        "start_date": {"type": "InputText", "value": "",
                       "label": "Start from its history on YYYY-MM-DD (blank: from an empty border)"},
        SCALE.keyword: Slider(f"{SCALE.label} (smaller: finer, slower)", SCALE.default, SCALE.meta["lo"],
                              SCALE.meta["hi"], 1, dtype=int),
    }
    for lever in LEVERS:
        meta = lever.meta
        if isinstance(lever.default, bool):
            params[lever.keyword] = {"type": "Select", "value": AS_SCENARIO, "values": [AS_SCENARIO, *SWITCH],
                                     "label": lever.label}
        elif meta["choices"]:
            params[lever.keyword] = {"type": "Select", "value": AS_SCENARIO,
                                     "values": [AS_SCENARIO, *meta["choices"]], "label": lever.label}
        else:
            params[lever.keyword] = {"type": "InputText", "value": "",
                                     "label": f"{lever.label}, {meta['unit']} ({_span(meta)}; blank: as scenario)"}
    return params


def lever_values(choices: dict) -> dict:
    """`{"closure.activation": 3000, ...}` from the controls' raw values; "as scenario" ones left out.

    Typed text goes through the same parser as `--set`, so `3000`, `3e3` and `true` mean what they
    mean on the command line (and `abc` is refused by the parameter's own check)."""
    values = {}
    for lever in (SCALE, *LEVERS):
        raw = choices.get(lever.keyword)
        if raw is None or raw == AS_SCENARIO or (isinstance(raw, str) and not raw.strip()):
            continue
        if isinstance(lever.default, bool) and raw in SWITCH:
            values[lever.key] = SWITCH[raw]
        elif isinstance(raw, str):
            values.update(parse_set([f"{lever.key}={raw.strip()}"]))
        else:
            values[lever.key] = raw
    return values


def configure(scenario_name: str, choices: dict) -> Scenario:
    """The named scenario with the controls' values, validated; raises ScenarioError. With a start
    date, a fork of the scenario's history on that date, its levers held from the date."""
    scenario, values = load(scenario_name), lever_values(choices)
    raw = (choices.get("start_date") or "").strip()
    if not raw:
        return scenario.with_values(values)
    day, run = date(raw, "the start date"), scenario.run
    if not run.start <= day <= run.end:
        raise ScenarioError(f"the start date {day} is outside {scenario.name}'s run ({run.start} to {run.end})")
    return override(scenario, values, fork=day, end=min(run.end, day + dt.timedelta(days=FORK_DAYS - 1)))


def published(scenario_name: str) -> Scenario:
    """The scenario without the controls' values (the defaults if it cannot be read)."""
    try:
        return load(scenario_name)
    except ScenarioError:
        return Scenario()


def initial_scenario() -> str:
    """The scenario the page opens on: `serve --scenario`, else the default."""
    return os.environ.get(SCENARIO_ENV) or APP_SCENARIO


def counting(what: str, total: int) -> Callable[[int], None]:
    """A progress callback (days done, as `BorderModel.run` calls it) that shows `what: day N of total`."""
    done = 0

    def progress(days: int) -> None:
        nonlocal done
        done += days
        if done % SHOWN_EVERY == 0 or done == total:
            WAITING.set(f"{what}: day {done:,} of {total:,}")
    return progress


def factual(scenario: Scenario) -> pd.DataFrame:
    """The daily table of a fork's history as it went: the same date and end, nothing changed or
    dropped. Run once per process and history (do not modify it)."""
    plain = replace(scenario, fork=Fork(scenario.fork.date))
    key = (snapshot.cache_path(plain, plain.fork.date), plain.run.end)
    if key not in FACTUALS:
        model = snapshot.begin(plain)
        FACTUALS[key] = model.run(progress=counting("Running the factual (once per date)", model.days - model.day))
    return FACTUALS[key]


def begin(scenario: Scenario) -> tuple[BorderModel, str | None, pd.DataFrame | None]:
    """The model ready to run `scenario` (`model.snapshot.begin`), how its history came and its factual's
    daily table (both None from an empty border); `WAITING` says what runs meanwhile."""
    fork = scenario.fork
    if fork is None:
        return snapshot.begin(scenario), None, None
    cached = snapshot.cache_path(scenario, fork.date).exists()
    began = time.perf_counter()
    try:
        model = snapshot.begin(scenario, counting(
            f"Running {scenario.name}'s history to {fork.date} (only the first start from this date, seed and "
            "scale: later ones take it from the cache)", (fork.date - scenario.run.start).days))
        history = "from the cache" if cached else f"run in {time.perf_counter() - began:.1f} s and cached"
        return model, history, factual(scenario)
    finally:
        WAITING.set("")


class LiveBorderModel(BorderModel):
    """BorderModel built from the controls. `refused` holds the one-line reason when they were refused.
    Started from history, `fork_date` is its date, `factual` the factual's daily table and `history`
    says how long the history took; from an empty border they are None."""

    def __new__(cls, *args, **kwargs):
        # A run from history is the model `model.snapshot.begin` returns (the history's, unpickled from
        # the cache), not a new object, so the model is made here; `__init__` only names the controls.
        choices = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        choices.apply_defaults()
        choices = dict(choices.arguments)
        del choices["self"]
        return cls._start(choices.pop("scenario_name"), choices)

    def __init__(self, scenario_name: str = APP_SCENARIO, start_date: str = "", scale: int = SCALE.default,
                 closure_mode: str = AS_SCENARIO, activation: str = "", lift: str = "",
                 title42: str = AS_SCENARIO, mpp: str = AS_SCENARIO, appointments: str = AS_SCENARIO,
                 slots: str = "", interdiction: str = "", seed: str = ""):
        """The page's controls, as SolaraViz reads them from this signature (the model is made by `__new__`)."""

    @classmethod
    def _start(cls, scenario_name: str, choices: dict) -> LiveBorderModel:
        refused = None
        try:
            scenario = configure(scenario_name, choices)
        except ScenarioError as err:
            refused = " ".join(str(err).split())
            scenario = published(scenario_name)
        model, history, factual_table = begin(scenario)
        model.__class__ = cls
        # Mesa's `step` calls the `step` bound when the model was made (a BorderModel's): this class's instead
        model._user_step = MethodType(cls.step, model)
        model.refused = refused
        # The levers the controls set (scale is always set, and is shown with the levers in force).
        model.changed = {} if refused else {k: v for k, v in lever_values(choices).items() if k != SCALE.key}
        model.fork_date = scenario.fork.date if scenario.fork else None
        model.history, model.factual = history, factual_table
        model.grid = model.border.grid  # where Mesa's space components look for the space
        model._daily, model._daily_rows = None, 0
        model.running = refused is None
        return model

    def daily(self):
        """The daily table so far, made once per day however many panels draw it (do not modify it)."""
        if self._daily is None or self._daily_rows != len(self.rows):
            self._daily, self._daily_rows = super().daily(), len(self.rows)
        return self._daily

    def step(self) -> None:
        if self.refused:  # SolaraViz enables Step after every Reset; a refused model does not move
            return
        super().step()
        if self.day >= self.days:
            self.running = False  # the scenario's last day is done: Play and Step stop here
