"""Shared helpers: short, coarse runs of named scenarios so the suite stays quick."""

import datetime as dt

import pytest

from model.model import BorderModel
from model.scenario import load


def short(name: str, days: int = 150, scale: int = 100, seed: int = 3, **values):
    """A named scenario cut to `days` days at `scale` people per agent, with extra values."""
    base = load(name)
    end = base.run.start + dt.timedelta(days=days - 1)
    return base.with_values({"run.end": end, "run.scale": scale, "run.seed": seed, **values})


def run(name: str, **kw):
    return BorderModel(short(name, **kw)).run()


@pytest.fixture
def short_scenario():
    return short
