"""Sweeps: a TOML spec names a scenario, the parameters to vary and a design; each point runs R seeds.

    scenario = "baseline"          # a named scenario or a .toml file (relative to the spec)
    design = "lhs"                 # factorial | lhs | sobol | morris
    samples = 16                   # lhs: points; sobol: N (a power of 2); morris: trajectories
    replicates = 2                 # seeds seed, seed+1, ... at every point (common random numbers)
    seed = 1                       # also seeds the design's sampling
    outputs = ["peak_7day_avg", "days_closed"]   # summary statistics (default: all)
    [run]                          # the span: days, start, end, scale; fork = 2024-06-04 (and drop = [...]):
                                   # run the history to that date, vary the levers from it (days count from it);
                                   # empty_start = true: a fork from an empty border on its date
    [set]                          # fixed values for every run, e.g. "mexico.interdiction" = 0.3
    [parameters]                   # "closure.activation" = { range = [1500, 3000] }
                                   # factorial: { values = [..] } or { range = [lo, hi], levels = n }

Optional: `second_order = true` (sobol), `levels = 4` (morris grid levels). Whole-number
parameters are rounded after sampling. Every key, value and range is checked before anything
runs; combinations are checked per run (an impossible one is a failed run, not a refused sweep).
"""

from __future__ import annotations

import difflib
import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.errors import ExperimentError, UsageError
from experiments.overrides import override, refuse_ignored
from experiments.runs import Run
from experiments.summaries import STATISTICS, check_names
from model.scenario import Scenario, ScenarioError, check_key, load, named_scenarios
from model.values import date

DESIGNS = ("factorial", "lhs", "sobol", "morris")
TOP_KEYS = ("scenario", "design", "samples", "replicates", "seed", "outputs", "second_order", "levels",
            "description", "run", "set", "parameters")
RUN_KEYS = ("days", "start", "end", "scale", "fork", "drop")
"""The [run] keys that are span and fork flags (`overrides.override`); `empty_start` is the other [run] key."""
PARAMETER_KEYS = ("range", "values", "levels")
SAMPLED = ("lhs", "sobol", "morris")


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else f"; use {', '.join(options)}"


def _whole(value: Any, where: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ExperimentError(f"{where} must be a whole number >= {least}, got {value!r}")
    return value


@dataclass(frozen=True)
class Parameter:
    """One swept scenario key: a numeric range, or (factorial) a list of values."""

    key: str
    low: float | None = None
    high: float | None = None
    values: tuple = ()
    integer: bool = False

    def apply(self, raw: Any) -> Any:
        """A sampled number as the scenario value: rounded for whole-number parameters."""
        if isinstance(raw, (float, np.floating)) and self.integer:
            raw = int(round(float(raw)))
        return check_key(self.key, raw.item() if isinstance(raw, np.generic) else raw)


@dataclass(frozen=True)
class Spec:
    """A parsed and checked sweep spec (the scenario itself is loaded by `scenario()`)."""

    where: str
    folder: Path
    text: str
    data: dict
    design: str
    samples: int
    replicates: int
    seed: int | None
    outputs: list
    parameters: list
    second_order: bool
    levels: int

    def problem(self) -> dict:
        """The parameter space as SALib describes it."""
        return {"num_vars": len(self.parameters), "names": [p.key for p in self.parameters],
                "bounds": [[p.low, p.high] for p in self.parameters]}

    def set_values(self) -> dict[str, Any]:
        """What [set] gives, by dotted key."""
        return _flatten(self.data.get("set", {}), self.where + " [set]")

    def scenario(self) -> Scenario:
        """The base scenario with [run] and [set] applied."""
        name = self.data["scenario"]
        if name not in named_scenarios() and (self.folder / name).is_file():
            name = str(self.folder / name)
        span = dict(self.data.get("run", {}))
        try:
            if "fork" in span:
                span["fork"] = date(span["fork"], "run.fork")
            drop = span.pop("drop", ())
            if isinstance(drop, str):
                drop = [drop]
            scenario = override(load(name), self.set_values(),
                                drop=drop, **{k: span.get(k) for k in RUN_KEYS if k != "drop"})
        except (ScenarioError, UsageError, ValueError) as err:
            raise ExperimentError(f"{self.where}: {err}") from None
        try:
            return scenario.empty_start() if span.get("empty_start", False) else scenario
        except ScenarioError as err:
            raise ExperimentError(f"{self.where}: run.empty_start: {err}") from None


def _flatten(table: dict, where: str, prefix: str = "") -> dict[str, Any]:
    """Dotted keys whether written quoted ("closure.activation") or as nested TOML tables."""
    out = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and not set(value) & set(PARAMETER_KEYS) and full.count(".") < 2:
            out.update(_flatten(value, where, full + "."))
        else:
            out[full] = value
    return out


def _parameter(key: str, entry: Any, design: str, where: str) -> Parameter:
    label = f"{where}: parameter '{key}'"
    if key == "run.seed":
        raise ExperimentError(f"{label}: seeds come from seed and replicates, not from a parameter")
    try:
        if not isinstance(entry, dict) or not entry:
            raise ExperimentError(f"{label} must be a table such as {{ range = [lo, hi] }} or {{ values = [...] }}")
        unknown = sorted(set(entry) - set(PARAMETER_KEYS))
        if unknown:
            raise ExperimentError(f"{label}: unknown key '{unknown[0]}'{_suggest(unknown[0], PARAMETER_KEYS)}")
        if "values" in entry:
            if design != "factorial":
                raise ExperimentError(f"{label}: design {design} samples a range; give range = [lo, hi]")
            if set(entry) != {"values"} or not isinstance(entry["values"], list) or not entry["values"]:
                raise ExperimentError(f"{label}: values must be a non-empty list (and alone)")
            return Parameter(key, values=tuple(check_key(key, v) for v in entry["values"]))
        bounds = entry.get("range")
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise ExperimentError(f"{label} needs range = [lo, hi] (or values = [...] in a factorial design)")
        low, high = (check_key(key, v) for v in bounds)
        if not isinstance(low, (int, float)) or isinstance(low, bool):
            raise ExperimentError(f"{label} is not a number; sweep it with values = [...] in a factorial design")
        if not low < high:
            raise ExperimentError(f"{label}: range [{bounds[0]}, {bounds[1]}] must have lo < hi")
        integer = isinstance(low, int)
        if design == "factorial":
            if "levels" not in entry:
                raise ExperimentError(f"{label}: a factorial range needs levels = n (or give values = [...])")
            n = _whole(entry["levels"], f"{label}: levels", 2)
            grid = np.linspace(low, high, n)
            return Parameter(key, values=tuple(check_key(key, int(round(v)) if integer else float(v)) for v in grid))
        if "levels" in entry:
            raise ExperimentError(f"{label}: levels is for factorial ranges; design {design} samples the range")
        return Parameter(key, float(low), float(high), integer=integer)
    except ScenarioError as err:
        raise ExperimentError(f"{label}: {err}") from None


def parse(text: str, where: str, folder: Path = Path(".")) -> Spec:
    """Check a spec's text completely (not the scenario it names); ExperimentError on the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ExperimentError(f"{where}: not valid TOML: {err}") from None
    except RecursionError:
        raise ExperimentError(f"{where}: not valid TOML: tables or lists nested too deeply") from None
    for key in data:
        if key not in TOP_KEYS:
            raise ExperimentError(f"{where}: unknown key '{key}'{_suggest(key, TOP_KEYS)}")
    for key in ("scenario", "design", "parameters"):
        if key not in data:
            raise ExperimentError(f"{where}: missing '{key}'" + (f" (one of {', '.join(DESIGNS)})"
                                                                  if key == "design" else ""))
    if not isinstance(data["scenario"], str):
        raise ExperimentError(f"{where}: scenario must be a name or a .toml path")
    design = data["design"]
    if design not in DESIGNS:
        raise ExperimentError(f"{where}: unknown design '{design}'{_suggest(design, DESIGNS)}")
    for table in ("run", "set", "parameters"):
        if not isinstance(data.get(table, {}), dict):
            raise ExperimentError(f"{where}: [{table}] must be a table")
    for key in data.get("run", {}):
        if key not in (*RUN_KEYS, "empty_start"):
            raise ExperimentError(f"{where}: unknown key 'run.{key}'{_suggest(key, (*RUN_KEYS, 'empty_start'))}")
    if not isinstance(data.get("run", {}).get("empty_start", False), bool):
        raise ExperimentError(f"{where}: run.empty_start must be true or false")
    if "days" in data.get("run", {}):
        _whole(data["run"]["days"], f"{where}: run.days", 1)
        if "end" in data["run"]:
            raise ExperimentError(f"{where}: give run.days or run.end, not both")
    if design in SAMPLED and "samples" not in data:
        raise ExperimentError(f"{where}: missing 'samples' (design {design} draws that many)")
    if design == "factorial" and "samples" in data:
        raise ExperimentError(f"{where}: samples is not used by a factorial design (its points are all "
                              f"combinations of the values)")
    samples = _whole(data.get("samples", 1), f"{where}: samples", 2 if design == "morris" else 1)
    if design == "sobol" and samples & (samples - 1):
        raise ExperimentError(f"{where}: samples must be a power of 2 for a sobol design, got {samples}")
    if "second_order" in data and (design != "sobol" or not isinstance(data["second_order"], bool)):
        raise ExperimentError(f"{where}: second_order is true/false and only for a sobol design")
    if "levels" in data and design != "morris":
        raise ExperimentError(f"{where}: levels (at the top) is the morris grid; for a factorial range "
                              f"put levels inside the parameter's table")
    outputs = data.get("outputs", list(STATISTICS))
    if not isinstance(outputs, list) or not outputs:
        raise ExperimentError(f"{where}: outputs must be a non-empty list of names")
    try:
        check_names(outputs)
    except ExperimentError as err:
        raise ExperimentError(f"{where}: {err}") from None
    seed = data.get("seed")
    parameters = [_parameter(k, v, design, where) for k, v in _flatten(data["parameters"], where).items()]
    if not parameters:
        raise ExperimentError(f"{where}: [parameters] is empty; name at least one scenario key to vary")
    return Spec(where, folder, text, data, design, samples,
                _whole(data.get("replicates", 1), f"{where}: replicates", 1),
                None if seed is None else _whole(seed, f"{where}: seed", 0), list(dict.fromkeys(outputs)),
                parameters, data.get("second_order", False),
                _whole(data.get("levels", 4), f"{where}: levels", 2))


def read(path: str | Path) -> Spec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ExperimentError(f"cannot read spec {path}: {getattr(err, 'strerror', None) or err}") from None
    return parse(text, path.name, path.parent)


def sample(spec: Spec, seed: int) -> pd.DataFrame:
    """The design: one row per point, one column per parameter (raw draws, before rounding)."""
    names = [p.key for p in spec.parameters]
    if spec.design == "factorial":
        return pd.DataFrame(list(itertools.product(*(p.values for p in spec.parameters))), columns=names)
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(spec.samples)
        bounds = np.array(spec.problem()["bounds"])
        return pd.DataFrame(qmc.scale(unit, bounds[:, 0], bounds[:, 1]), columns=names)
    if spec.design == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(spec.problem(), spec.samples, calc_second_order=spec.second_order, seed=seed)
    else:
        from SALib.sample import morris

        x = morris.sample(spec.problem(), spec.samples, num_levels=spec.levels, seed=seed)
    return pd.DataFrame(x, columns=names)


def plan(spec: Spec) -> tuple[Scenario, pd.DataFrame, list[Run]]:
    """The base scenario, the design and every run: point-major, replicate r with seed + r."""
    base = spec.scenario()
    try:
        refuse_ignored(base, [p.key for p in spec.parameters])
    except UsageError as err:
        raise ExperimentError(f"{spec.where}: parameter {err}") from None
    seed = base.run.seed if spec.seed is None else spec.seed
    design = sample(spec, seed)
    runs = []
    for point, row in enumerate(design.itertuples(index=False)):
        values = {p.key: p.apply(raw) for p, raw in zip(spec.parameters, row, strict=True)}
        runs.extend(Run(base, values, seed + r, point, r) for r in range(spec.replicates))
    return base, design, runs
