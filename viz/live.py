"""The model as the browser app builds it: levers arrive as keyword values from the controls and
become a scenario through `Scenario.with_values`, so they are checked exactly as `--set` is.

SolaraViz makes a model by calling its class with the controls' values as keywords (on Reset).
`LiveBorderModel` is that class. A lever left "as scenario" (a blank box, or the "as scenario"
choice) keeps the selected scenario's own value, so choosing another scenario does not silently
carry over the previous one's settings. Values the scenario rules refuse do not start a run: the
model is built from the scenario as published, stays paused, and says what was refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from model.model import BorderModel
from model.params import SECTIONS
from model.scenario import Scenario, ScenarioError, load, named_scenarios, parse_set
from viz import APP_SCENARIO

SCENARIO_ENV = "BORDERFLOW_SCENARIO"
"""`borderflow serve --scenario NAME` hands its choice to the app (a separate server process) here."""
AS_SCENARIO = "as scenario"
SWITCH = {"on": True, "off": False}


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
    """The named scenario with the controls' values, validated; raises ScenarioError."""
    return load(scenario_name).with_values(lever_values(choices))


def published(scenario_name: str) -> Scenario:
    """The scenario without the controls' values (the defaults if it cannot be read)."""
    try:
        return load(scenario_name)
    except ScenarioError:
        return Scenario()


def initial_scenario() -> str:
    """The scenario the page opens on: `serve --scenario`, else the default."""
    return os.environ.get(SCENARIO_ENV) or APP_SCENARIO


class LiveBorderModel(BorderModel):
    """BorderModel built from the controls. `refused` holds the one-line reason when they were refused."""

    def __init__(self, scenario_name: str = APP_SCENARIO, scale: int = SCALE.default,
                 closure_mode: str = AS_SCENARIO, activation: str = "", lift: str = "",
                 title42: str = AS_SCENARIO, mpp: str = AS_SCENARIO, appointments: str = AS_SCENARIO,
                 slots: str = "", interdiction: str = "", seed: str = ""):
        choices = {"scale": scale, "closure_mode": closure_mode, "activation": activation, "lift": lift,
                   "title42": title42, "mpp": mpp, "appointments": appointments, "slots": slots,
                   "interdiction": interdiction, "seed": seed}
        self.refused: str | None = None
        try:
            scenario = configure(scenario_name, choices)
        except ScenarioError as err:
            self.refused = " ".join(str(err).split())
            scenario = published(scenario_name)
        # The levers the controls set (scale is always set, and is shown with the levers in force).
        self.changed = {} if self.refused else {k: v for k, v in lever_values(choices).items() if k != SCALE.key}
        super().__init__(scenario)
        self.grid = self.border.grid  # where Mesa's space components look for the space
        self._daily = None
        self.running = self.refused is None

    def daily(self):
        """The daily table so far, made once per day however many panels draw it (do not modify it)."""
        if self._daily is None or len(self._daily) != len(self.rows):
            self._daily = super().daily()
        return self._daily

    def step(self) -> None:
        if self.refused:  # SolaraViz enables Step after every Reset; a refused model does not move
            return
        super().step()
        if self.day >= self.days:
            self.running = False  # the scenario's last day is done: Play and Step stop here
