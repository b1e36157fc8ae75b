"""The daily shortcuts of origin communities and routes give, to the last bit, what the rules they stand for give."""

import datetime as dt
import itertools
import math

import numpy as np

from model.border import CITIES, SECTORS
from model.model import BorderModel
from model.params import GROUPS
from model.pressure import Pressure
from model.scenario import load


def test_a_year_of_newcomers_at_once_is_each_day_of_the_pressure():
    """`Pressure.units` interpolates the knots for many days in one call; every day must still be
    what `Pressure.rate` and `Pressure.shares` give for it, to the last bit (runs stay reproducible),
    across knots, months and the repeated last year."""
    p = load("historical").pressure
    pressure, size = Pressure(p), 1 + p.family_two_adult_share + p.family_children_mean
    first = dt.date.fromordinal(pressure.knot_days[-1]) - dt.timedelta(days=400)
    units = pressure.units(first, 1200)
    for d in range(0, 1200, 7):
        date = first + dt.timedelta(days=d)
        for g, group in enumerate(GROUPS):
            rate, (fam, uc) = pressure.rate(group, date), pressure.shares(group, date)
            expected = (rate * max(0.0, 1 - fam - uc), rate * fam / size, rate * uc) if rate > 0 else (0.0, 0.0, 0.0)
            assert units[d, g].tolist() == list(expected), (date, group)
    assert np.all(units >= 0)


def test_the_day_s_routes_are_each_city_s_pull():
    """`read_news` works out every group's routes in one array; each city's weight is still its
    sector's weight shared among the sector's cities, less where evaders are caught and shelters
    are crowded, accumulated city by city and totalled with Python's sum, to the last bit."""
    m = BorderModel(load("historical").with_values({"run.scale": 400}))
    for _ in range(60):
        m.step()
    m.crowding = [0.1 * i for i in range(len(CITIES))]
    m.read_news()
    tilt = m.beh.route_sensitivity
    for g, group in enumerate(GROUPS):
        weights = m.border.route_weights[group]
        scores = [weights[SECTORS.index(c.sector)] / len(m.border.cities_by_sector[c.sector])
                  * math.exp(-m.catch[SECTORS.index(c.sector)] * tilt) / (1.0 + m.crowding[i])
                  for i, c in enumerate(CITIES)]
        assert m.route_weights[g].tolist() == list(itertools.accumulate(scores))
        assert m.route_shares[g].tolist() == [s / sum(scores) for s in scores]
