"""The split of crossings across the nine sectors, fitted by ABC-SMC: a multiplier of each sector's route weight.

Which sector people cross in follows the route each traveller draws from its group's weights
(`geography.route_weights`: for each nationality group a weight a sector, west to east), tilted away
from sectors where evaders are caught and cities whose shelters are crowded. The scenario's weights are
a stylised guess, so the split across sectors is a pattern the fit should match, and the weights
are what the fit moves. Thirty-six free weights would be more than the nine observed sector shares can
tell apart by group, so the fit draws one multiplier a sector, shared by every group: the parameter
`route_weights.tucson` is the log of the factor on every group's Tucson weight. The Rio Grande Valley
(`REFERENCE`, the busiest sector) keeps its weights, since only the weights' ratios matter: the
multipliers say how much more or less each sector pulls than the scenario says, relative to it. A group's
weights are scaled back to at most 1 (the parameter's range) after the multipliers, which changes no
ratio.

Prior: each log multiplier uniform from -log(SPREAD) to log(SPREAD), a factor of 4 either way: as far as
a sector's observed share moved from one fiscal year to the next in October 2018 - May 2024 (Yuma, down
by a factor of 3.6 in FY2020). A multiplier is one for the whole window; how the split moves over time
has to come from the groups' mix (the pressure) and from people avoiding sectors where evaders are
caught and cities that are crowded, as it does in the model.
"""

from __future__ import annotations

import math

from calibration.priors import Uniform
from model.border import SECTORS

REFERENCE = "rgv"
"""The sector whose weights stay as they are (see the module's docstring)."""

SPREAD = 4.0
"""A multiplier's prior runs from 1/SPREAD to SPREAD, uniform in log."""

PREFIX = "route_weights."


def is_key(key: str) -> bool:
    """Whether `key` names (or tries to name) a sector's multiplier."""
    return key.startswith(PREFIX)


def key(sector: str) -> str:
    return f"{PREFIX}{sector}"


def priors() -> dict:
    """One log multiplier a sector but the reference."""
    return {key(s): Uniform(-math.log(SPREAD), math.log(SPREAD),
                            f"log of the factor on every group's route weight of {s} (against {REFERENCE})")
            for s in SECTORS if s != REFERENCE}


def check(keys) -> None:
    """ValueError, one line, for a key of this kind that names no sector but the reference."""
    for k in keys:
        if is_key(k) and k.removeprefix(PREFIX) not in SECTORS:
            raise ValueError(f"unknown sector in '{k}': the sectors are {', '.join(SECTORS)}")
        if k == key(REFERENCE):
            raise ValueError(f"'{k}' is the reference sector, whose weights stay as they are")


def weights(scenario, values: dict[str, float]) -> dict[str, list[float]]:
    """The scenario's `geography.route_weights` with the multipliers in `values` (other keys are left
    alone), each group's weights scaled back to at most 1."""
    factor = [math.exp(float(values.get(key(s), 0.0))) for s in SECTORS]
    out = {}
    for group, own in scenario.geography.route_weights.items():
        moved = [w * f for w, f in zip(own, factor, strict=True)]
        top = max(moved)
        out[group] = [round(w / top, 6) if top > 1 else w for w in moved]
    return out
