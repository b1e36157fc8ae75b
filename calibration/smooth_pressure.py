"""The migration pressure as a smooth path drawn from a prior: what ABC-SMC (`calibration.smc`) fits.

The pressure is the model's unobserved input. ABC-SMC draws it with behaviour instead of taking the
shape an inversion found, so nothing matches the encounter levels by construction. For each
nationality group the data compare (`calibration.patterns.GROUPS_COMPARED`: Mexico, northern Central
America, and the others, the model's chnv and other together), the parameters are the log of the level
(people a day who start to consider leaving, before seasonality) at anchor months `EVERY` months apart
through the fitted window: its first month, every `EVERY` months after it, and its last month. They are
named by group and month: `pressure.mx.start_2018-10` is the log level at the first anchor, and
`pressure.mx.step_2019-10` the change of the log level from the anchor before to October 2019. A draw
alone says where its path starts and ends, so a posterior table can be applied to any scenario.

The prior keeps the path smooth: a random walk on the log level. The start is uniform over a wide range
around the group's mean level over the window in the scenario (the only thing taken from the scenario's
pressure), and each step is Normal(0, sigma) with sigma = `STEP_SD` a year, independent of the others.

`knots` turns a draw into the scenario's `pressure.knots`: one knot a quarter through the window
(`calibration.fit.quarterly_knots`, at least 80 days apart as `model/pressure.py` requires), each group's
level exp of its log level interpolated linearly in time between the anchors. Limitations: the others'
level is split between the model's chnv and other in the ratio the scenario's own pressure has on each
knot's date (the data cannot tell them apart); the knots' family and child share multipliers are the
scenario's on that date, not fitted. After the window the scenario's `pressure.after_last_knot` rule
carries the pressure on (`historical`: the last fitted year repeated).

Only the standard library is imported here at first: the command line reads `EVERY` and `EVERY_MIN`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from itertools import accumulate, pairwise

from calibration.priors import Normal, Uniform

EVERY = 12
"""Months between anchors by default (`calibrate --pressure-every`): one a year, six or seven a group
over October 2018 to May 2024 (the last one is the window's last month, closer to the one before it).
Yearly anchors leave the turns of the pressure within a year to the policy timeline and to people's
decisions, which are what the model is for."""

EVERY_MIN = 3
"""The closest anchors may be, in months: the pressure has a knot a quarter, so closer anchors would add
parameters that no knot shows."""

STEP_SD = 0.5
"""sigma, the standard deviation of one year's step of the log level; a step over g months has
sigma * sqrt(g / 12), as a random walk's variances add up, so the prior of the path does not depend on
the spacing chosen. Why 0.5: at two sigma a year's change is a factor of e = 2.7 up or down. The largest
change of a group's observed encounters from one fiscal year to the next under one regime (the
others, FY2022 on FY2021, Title 42 throughout) is just that; the larger swings (FY2019 to FY2021:
northern Central America down by a factor of 6 and up by 6.5, the others up by 7) came with MPP,
Mexico's enforcement, the pandemic and Title 42, which the timeline carries, and the pressure should
not be free to mimic them. Larger steps stay possible, only unlikely."""

START_FACTOR = 10.0
"""The first anchor's level is uniform in log from the group's mean level over the window in the
scenario divided by this to that mean times this. Why so wide: the observed encounters of a group in
the window's first quarter lie between a tenth (the others) and about once (northern Central America)
its mean over the window, and the scenario's mean is a guess from another method."""

KEY = re.compile(r"^pressure\.(\w+)\.(start|step)_(\d{4}-(?:0[1-9]|1[0-2]))$")
"""`pressure.GROUP.start_YYYY-MM` or `pressure.GROUP.step_YYYY-MM`."""

LOOKS_LIKE = re.compile(r"^pressure\.\w+\.(start|step)")


def groups() -> dict[str, tuple[str, ...]]:
    """The pressure's groups as the data compare them, each with the model's groups it stands for."""
    from calibration.patterns import GROUPS_COMPARED

    return {column.removeprefix("encounters_"): members for column, members in GROUPS_COMPARED.items()}


def is_key(key: str) -> bool:
    """Whether `key` names (or tries to name) a parameter of the smooth pressure."""
    return bool(LOOKS_LIKE.match(key))


def key(group: str, kind: str, month: str) -> str:
    return f"pressure.{group}.{kind}_{month}"


def anchor_months(window, every: int = EVERY) -> list[str]:
    """The window's first month, every `every` months after it, and its last month (YYYY-MM)."""
    months = window.months()
    picked = months[::every]
    return picked if picked[-1] == months[-1] else [*picked, months[-1]]


def months_between(a: str, b: str) -> int:
    return (int(b[:4]) - int(a[:4])) * 12 + int(b[5:]) - int(a[5:])


def step_sd(months: int) -> float:
    """The prior's standard deviation of a step over `months` months."""
    return STEP_SD * math.sqrt(months / 12)


def anchor_day(month: str) -> dt.date:
    """An anchor stands on the 15th of its month, as the knots do."""
    return dt.date.fromisoformat(f"{month}-15")


def mean_levels(scenario, window) -> dict[str, float]:
    """Each group's mean level (people a day, before seasonality) over the window in the scenario."""
    import numpy as np

    from model.pressure import Pressure

    pressure = Pressure(scenario.pressure)
    days = np.arange(window.start.toordinal(), window.end.toordinal() + 1)
    return {name: float(sum(pressure.levels(g, days) for g in members).mean()) for name, members in groups().items()}


def priors(scenario, window, every: int = EVERY, only: tuple[str, ...] | None = None) -> dict:
    """The smooth pressure's priors over `window` with anchors `every` months apart, for every group
    the data compare (or those in `only`): a uniform start around the scenario's mean, normal steps."""
    months = anchor_months(window, every)
    means = mean_levels(scenario, window)
    out = {}
    for name in only or tuple(groups()):
        mean = means[name]
        if not mean > 0:
            raise ValueError(f"the scenario's {name} pressure is 0 over {window.first} .. {window.last}: "
                             f"no level to centre its prior on")
        out[key(name, "start", months[0])] = Uniform(
            math.log(mean / START_FACTOR), math.log(mean * START_FACTOR),
            f"log of the {name} pressure (people a day) in {months[0]}: from a tenth to ten times "
            f"{mean:.0f}, its mean in the scenario")
        for a, b in pairwise(months):
            out[key(name, "step", b)] = Normal(0.0, step_sd(months_between(a, b)),
                                               f"change of the log of the {name} pressure from {a} to {b}")
    return out


def parse(keys) -> dict[str, list[tuple[str, str]]]:
    """Each group's anchors in order, as (month, key), its start first, from the keys of the smooth
    pressure among `keys` (others are left alone). ValueError, one line, unless they make one path a
    group, all on the same anchor months."""
    named = groups()
    found: dict[str, dict[str, list]] = {}
    for k in keys:
        if not is_key(k):
            continue
        match = KEY.match(k)
        if not match:
            raise ValueError(f"'{k}' should be pressure.GROUP.start_YYYY-MM or pressure.GROUP.step_YYYY-MM")
        group, kind, month = match.groups()
        if group not in named:
            raise ValueError(f"unknown pressure group in '{k}': the data compare {', '.join(named)}")
        found.setdefault(group, {"start": [], "step": []})[kind].append((month, k))
    out = {}
    for group, parts in found.items():
        if len(parts["start"]) != 1:
            raise ValueError(f"the {group} pressure needs one start (pressure.{group}.start_YYYY-MM), "
                             f"got {len(parts['start'])}")
        start, steps = parts["start"][0], sorted(parts["step"])
        if steps and steps[0][0] <= start[0]:
            raise ValueError(f"'{steps[0][1]}' is not after the {group} pressure's start, {start[0]}")
        if len({m for m, _ in steps}) < len(steps):
            raise ValueError(f"the {group} pressure has two steps to the same month")
        out[group] = [start, *steps]
    if len({tuple(m for m, _ in anchors) for anchors in out.values()}) > 1:
        raise ValueError("the pressure's groups must have the same anchor months")
    return out


def log_levels(values: dict[str, float]) -> dict[str, tuple[list[str], list[float]]]:
    """Each group's anchor months and log levels in a draw: the start, plus the steps so far."""
    return {group: ([m for m, _ in anchors], list(accumulate(float(values[k]) for _, k in anchors)))
            for group, anchors in parse(values).items()}


def knots(scenario, values: dict[str, float]) -> list[dict]:
    """The scenario's `pressure.knots` for a draw of the smooth pressure (see the module's docstring):
    one a quarter over the anchors' window, with the scenario's levels of any group the draw leaves out.
    A level above the model's range of a pressure level is held at its top."""
    import numpy as np

    from calibration.fit import Window, quarterly_knots
    from model.values import parameter

    paths = log_levels(values)
    months = next(iter(paths.values()))[0]
    days = [anchor_day(m).toordinal() for m in months]
    out = quarterly_knots(scenario, Window(months[0], months[-1]))
    top = parameter("pressure", "mx").metadata["hi"]
    named = groups()
    for knot in out:
        for group, (_, logs) in paths.items():
            level = math.exp(float(np.interp(knot["date"].toordinal(), days, logs)))
            members = named[group]
            own = [knot[g] for g in members]  # the scenario's split among the model's groups on this date
            shares = [v / sum(own) for v in own] if sum(own) > 0 else [1 / len(members)] * len(members)
            for g, share in zip(members, shares, strict=True):
                knot[g] = round(min(top, level * share), 1)
    return out
