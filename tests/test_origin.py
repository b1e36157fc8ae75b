"""The origin communities' shortcuts give what the rules they stand for give."""

import datetime as dt

import numpy as np

from agents.origin import pressure_units
from model.params import GROUPS
from model.pressure import Pressure
from model.scenario import load


def test_a_year_of_newcomers_at_once_is_each_day_of_the_pressure():
    """`pressure_units` interpolates the knots for many days in one call; every day must still be
    what `Pressure.rate` and `Pressure.shares` give for it, to the last bit (runs stay reproducible),
    across knots, months and the repeated last year."""
    p = load("historical").pressure
    pressure, size = Pressure(p), 1 + p.family_two_adult_share + p.family_children_mean
    first = dt.date.fromordinal(pressure.knot_days[-1]) - dt.timedelta(days=400)
    units = pressure_units(pressure, p, first, 1200)
    for d in range(0, 1200, 7):
        date = first + dt.timedelta(days=d)
        for g, group in enumerate(GROUPS):
            rate, (fam, uc) = pressure.rate(group, date), pressure.shares(group, date)
            expected = (rate * max(0.0, 1 - fam - uc), rate * fam / size, rate * uc) if rate > 0 else (0.0, 0.0, 0.0)
            assert units[d, g].tolist() == list(expected), (date, group)
    assert np.all(units >= 0)
