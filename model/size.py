"""How many agents a run will need, estimated before it starts, against the memory this machine has.

Every traveller agent comes from people who start to consider leaving (the migration pressure,
`model/pressure.py`): one agent stands for `run.scale` people, or `run.scale` families. So the
pressure, its knots, seasonality and family mix, divided by the scale, bounds the agents a run
makes. What takes memory is the agents alive at once, and people leave the model within months
(they stay home for good, enter the US, get away), so the estimate is the agents that the busiest
`WINDOW_DAYS` days of pressure would make. In `historical` at scale 40, with the Title 42 run-away of
an earlier fit, the most people in the model at once were 2.1 million, 0.3 of the 7.0 million its
busiest 90 days brought; the whole run's pressure (55 million) would overstate it some 25 times and
refuse runs that fit. A run whose estimate needs more than `SHARE_OF_MEMORY` of the memory available is
refused before it starts, with the scale that would fit: without this check it would not fail,
but grow until the machine ran out of memory.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from model.params import SECTIONS
from model.pressure import Pressure
from model.values import ScenarioError

WINDOW_DAYS = 90
"""The pressure of this many days, the busiest of the run, estimates the agents alive at once."""
BYTES_PER_AGENT = 768
"""Memory per live agent, rounded up from measurements (README, "Run size"): a traveller's Python
objects take about 0.55 KB (its row in the population's arrays, with their room to grow, then Mesa's
registry and the agent itself), and the process grows by 0.45 to 0.52 KB per live agent or unit
waiting at home (`baseline` at scales 1 to 5): half as much again."""
SHARE_OF_MEMORY = 0.8
"""Of the memory available when the run is planned, the part its agents may take (the rest is
for the outputs, the interpreter's own growth and whatever else runs)."""


def daily_agents(scenario) -> np.ndarray:
    """The agents that each day's pressure makes (expected: the model draws them at random)."""
    run = scenario.run
    units = Pressure(scenario.pressure).units(run.start, (run.end - run.start).days + 1)
    return units.sum(axis=(1, 2)) / run.scale


def peak_agents(scenario) -> tuple[float, int]:
    """(the agents the busiest `WINDOW_DAYS` days would make, the days of that window)."""
    daily = daily_agents(scenario)
    window = min(WINDOW_DAYS, len(daily))
    sums = np.cumsum(np.concatenate([[0.0], daily]))
    return float(np.max(sums[window:] - sums[:-window])), window


def available_memory() -> int | None:
    """Bytes this process may still take: Linux's MemAvailable, within a container's own limit; None
    where neither can be read (the check is then not made)."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:  # a cgroup v2 limit (containers, job schedulers)
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            found.append(int(limit) - int(Path("/sys/fs/cgroup/memory.current").read_text()))
    except (OSError, ValueError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            return None
    return max(0, min(found))


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def check_size(scenario) -> None:
    """Refuse a run whose agents would not fit in memory, saying what would."""
    memory = available_memory()
    if memory is None:
        return
    agents, window = peak_agents(scenario)
    need, room = agents * BYTES_PER_AGENT, SHARE_OF_MEMORY * memory
    if need <= room:
        return
    scale = scenario.run.scale
    fitting = math.ceil(scale * need / max(room, 1.0))
    largest = SECTIONS["run"].__dataclass_fields__["scale"].metadata["hi"]
    way_out = (f"use --scale {fitting} or more" if fitting <= largest else
               f"even --scale {largest} would not fit: lower the pressure (pressure.* and its knots)")
    raise ScenarioError(f"run too large for this machine's memory: the people who start to consider leaving in "
                        f"its busiest {window} days would make about {agents:,.0f} agents at scale {scale}, "
                        f"{_size(need)} at {BYTES_PER_AGENT} bytes each, against {_size(room)} it may use "
                        f"({SHARE_OF_MEMORY:.0%} of the {_size(memory)} available); {way_out}")
