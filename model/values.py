"""One value against its parameter's metadata: its key, its type, a finite number, its range.

Every value that reaches the model, whether from a scenario file (or one it extends), `--set`,
a timeline event, a sweep spec, the EMA adapter or the browser app's controls, is checked here
one at a time; the rules that tie several values together are in `model.scenario`. Every
problem raises `ScenarioError` with one line that names the parameter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
from dataclasses import fields
from typing import Any

from model.params import GROUPS, SECTIONS
from model.pressure import MIX, MIX_MAX


class ScenarioError(ValueError):
    """A bad scenario, parameter or value; the message is one line for the user (whatever it quotes)."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def split_key(key: str) -> tuple[str, str, str | None]:
    """`section.field` or `section.field.key` -> its parts, each checked to exist."""
    parts = key.split(".")
    if len(parts) not in (2, 3):
        raise ScenarioError(f"parameter {key!r} must look like section.field (e.g. closure.activation)")
    section, name = parts[0], parts[1]
    if section not in SECTIONS:
        raise ScenarioError(f"unknown section {section!r} in {key!r}{suggest(section, SECTIONS)}")
    names = [f.name for f in fields(SECTIONS[section])]
    if name not in names:
        every = [f"{s}.{f.name}" for s, c in SECTIONS.items() for f in fields(c)]
        raise ScenarioError(f"unknown parameter '{section}.{name}'{suggest(f'{section}.{name}', every)}")
    sub = parts[2] if len(parts) == 3 else None
    if sub is not None and not isinstance(getattr(SECTIONS[section](), name), dict):
        raise ScenarioError(f"'{section}.{name}' is not a table; use {section}.{name}=VALUE")
    return section, name, sub


def suggest(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parameter(section: str, name: str) -> dataclasses.Field:
    return next(f for f in fields(SECTIONS[section]) if f.name == name)


def number(value: Any, where: str, lo=None, hi=None, unit: str = "", integer: bool = False) -> int | float:
    """A finite number (a whole one if `integer`) within [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where} must be a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(f"{where} must be a finite number, got {value}")
    if integer and not (isinstance(value, int) or float(value).is_integer()):
        raise ScenarioError(f"{where} must be a whole number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ScenarioError(f"{where} = {value} is out of range [{lo}, {hi}]{f' ({unit})' if unit else ''}")
    return int(value) if integer else float(value)


def check_value(section: str, name: str, value: Any, where: str) -> Any:
    """Coerce and range-check one value against its parameter's metadata."""
    meta, default = parameter(section, name).metadata, getattr(SECTIONS[section](), name)
    lo, hi, choices = meta["lo"], meta["hi"], meta["choices"]

    def num(v, label, integer=False):
        return number(v, label, lo, hi, meta["unit"], integer)

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ScenarioError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, int):
        return num(value, where, integer=True)
    if isinstance(default, float):
        return num(value, where)
    if isinstance(default, dt.date):
        value = date(value, where)
        if value < lo or value > hi:
            raise ScenarioError(f"{where} = {value} is out of range [{lo}, {hi}]")
        return value
    if isinstance(default, str):
        if not isinstance(value, str) or value not in choices:
            raise ScenarioError(f"{where} must be one of {', '.join(choices)}, got {value!r}")
        return value
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise ScenarioError(f"{where} must be a table of {', '.join(default)}")
        for k in value:
            if k not in default:
                raise ScenarioError(f"unknown key '{k}' in {where}{suggest(k, default)}")
        if any(isinstance(v, list) for v in default.values()):  # a table: one row of numbers per key
            return {k: _row(value.get(k, v), len(v), f"{where}.{k}", num) for k, v in default.items()}
        return {k: num(value.get(k, v), f"{where}.{k}") for k, v in default.items()}
    if isinstance(default, list):
        if not isinstance(value, list):
            raise ScenarioError(f"{where} must be a list, got {value!r}")
        if name == "knots":
            return [knot(k, f"{where}[{i}]") for i, k in enumerate(value)]
        if choices is not None:
            for v in value:
                if not isinstance(v, str) or v not in choices:
                    raise ScenarioError(f"{where}: unknown entry {v!r}; choose from {', '.join(choices)}")
            return list(value)
        if len(value) != len(default):
            raise ScenarioError(f"{where} must have {len(default)} entries, got {len(value)}")
        return [num(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise ScenarioError(f"{where}: unsupported value {value!r}")


def _row(value: Any, length: int, where: str, num) -> list:
    if not isinstance(value, list) or len(value) != length:
        raise ScenarioError(f"{where} must be a list of {length} numbers, got {value!r}")
    return [num(v, f"{where}[{i}]") for i, v in enumerate(value)]


def date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"{where} must be a date YYYY-MM-DD, got {value!r}") from None


def knot(value: Any, where: str) -> dict:
    """One pressure knot: a date, a level per group within `pressure.<group>`'s range, and the
    optional multipliers of the family and child shares within [0, MIX_MAX]."""
    if not isinstance(value, dict) or "date" not in value:
        raise ScenarioError(f"{where} must be a table with a date and {', '.join(GROUPS)}")
    extra = set(value) - {"date", *GROUPS, *MIX}
    if extra:
        raise ScenarioError(f"unknown key '{sorted(extra)[0]}' in {where}{suggest(sorted(extra)[0], (*GROUPS, *MIX))}")
    out = {"date": date(value["date"], f"{where}.date")}
    for g in GROUPS:
        if g not in value:
            raise ScenarioError(f"{where} is missing {g}")
        meta = parameter("pressure", g).metadata
        out[g] = number(value[g], f"{where}.{g}", meta["lo"], meta["hi"], meta["unit"])
    for mix in MIX:  # optional multipliers of the family and child shares
        if mix in value:
            out[mix] = number(value[mix], f"{where}.{mix}", 0.0, MIX_MAX, f"multiplier of the {mix} shares")
    return out
