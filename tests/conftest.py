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


def synthetic_batch(directory, scenarios=("baseline", "title42"), seeds=(1, 2, 3), days=30):
    """A small batch table as the batch command writes it: value = 100 * seed + day (+ 1000 for the
    second scenario), so medians and bands are known."""
    import pandas as pd

    from viz.replay import BATCH_FILE

    rows = []
    for n, scenario in enumerate(scenarios):
        for seed in seeds:
            for day in range(days):
                value = 100.0 * seed + day + 1000.0 * n
                rows.append({"scenario": scenario, "seed": seed, "date": dt.date(2024, 1, 1) + dt.timedelta(days=day),
                             "encounters_usbp": value, "encounters_ofo": value / 2, "waiting_mexico": 10 * value,
                             "expulsions": value / 4})
    directory.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(directory / BATCH_FILE)
    return directory
