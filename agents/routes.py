"""Where travellers head: each nationality group's pull toward each border city, and the draw of
a city for a day's leavers.

A group's usual pull of a city is its sector's route weight (`geography.route_weights`) shared
among the sector's cities. Each day it is lowered where evaders are caught (× exp(−catch ×
`behaviour.route_sensitivity`)) and where shelters are crowded (÷ (1 + crowding)), so the split
across sectors moves with enforcement and with the queues, not by a dated input. People at home
value the journey over these shares (`agents/origin.py`); each leaver draws a city from them.
"""

from __future__ import annotations

import math

import numpy as np

from agents.cbp import CITY_SECTOR
from model.border import SECTORS
from model.params import GROUPS


def usual_pull(border) -> np.ndarray:
    """(group, city): a group's usual pull of each city, its sector's weight shared among the sector's cities."""
    by_sector = border.cities_by_sector
    return np.array([[border.route_weights[group][k] / len(by_sector[SECTORS[k]]) for k in CITY_SECTOR]
                     for group in GROUPS])


def pull_today(usual: np.ndarray, catch: list[float], crowding: list[float],
               tilt: float) -> tuple[np.ndarray, np.ndarray]:
    """Each group's pull of each city today, less where evaders are caught (each sector's shared
    catch rate) and where shelters are crowded: accumulated along the cities (for drawing one), and
    as shares (where a group's travellers are expected to head; nowhere for a group no route pulls)."""
    deterred = np.array([math.exp(-rate * tilt) for rate in catch])[CITY_SECTOR]
    scores = usual * deterred / (1.0 + np.array(crowding))
    cumulative = np.cumsum(scores, axis=1)
    totals = [[sum(row)] for row in scores.tolist()]  # Python's sum (compensated, unlike numpy's), as ever
    if all(total > 0 for total, in totals):
        return cumulative, scores / np.array(totals)
    totals = np.array(totals)
    return cumulative, np.divide(scores, totals, out=np.zeros_like(scores), where=totals > 0)


def draw_cities(rng: np.random.Generator, cumulative: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """A city for each leaver of these groups (indices in `GROUPS`), from its group's pull today
    (`pull_today`'s accumulated weights). One draw for everyone: each group's cumulative weights,
    scaled to 1 and shifted by the group's index, make one sorted table to look every leaver up in."""
    table = (cumulative / cumulative[:, -1:] + np.arange(len(GROUPS))[:, None]).ravel()
    cities = np.searchsorted(table, groups + rng.random(len(groups)), "right") - groups * cumulative.shape[1]
    return np.minimum(cities, cumulative.shape[1] - 1)  # a draw rounded up to the next group's start
