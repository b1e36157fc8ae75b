"""Shared helpers: short, coarse runs of named scenarios so the suite stays quick.

The named regimes are forks of `historical`: started warm, each (seed, scale) pair runs the history
to the fork date once per test session (the snapshot cache below), a few seconds. Tests of mechanics
(lever directions, determinism, conservation, processing rules) need no realistic state: they ask
for the empty start (`empty=True`), the regime's levers, timeline and pressure from an empty border.
Tests whose expectations were measured on the model's default pressure and behaviour use
`on_defaults`, the regime as its file was before it forked history.
"""

import datetime as dt

import pytest

from experiments.cli import main
from model.model import BorderModel
from model.scenario import Scenario, load
from model.snapshot import begin


def short(name: str, days: int = 150, scale: int = 100, seed: int = 3, empty: bool = False, **values):
    """A named scenario cut to `days` days from its first day (a fork's date) at `scale` people per agent,
    with extra values (a lever value is held from the fork date, as with `--set`). `empty`: a fork from
    an empty border on its date (`Scenario.empty_start`) rather than from its history's state."""
    from experiments.overrides import override

    scenario = override(load(name), values, days=days, scale=scale, seed=seed)
    return scenario.empty_start() if empty else scenario


def run(name: str, **kw):
    """The daily table of `short(name, **kw)`, a fork from its history's state unless `empty=True`."""
    return begin(short(name, **kw)).run()


def on_defaults(name: str, days: int = 150, scale: int = 100, seed: int = 3, **values):
    """A named regime's levers (its fork's changes) on the model's default pressure (four constant levels)
    and behaviour, from an empty border on its fork date, for `days` days: the regime file as it was
    before the regimes were forks of `historical` (tests/test_regimes.py checks the levers)."""
    regime = load(name)
    levers = {f"{section}.{key}": v for section, changes in regime.fork.changes.items() for key, v in changes.items()}
    start = regime.fork.date
    return Scenario(name=name, description=regime.description).with_values(
        {**levers, "run.start": start, "run.end": start + dt.timedelta(days=days - 1), "run.scale": scale,
         "run.seed": seed, **values})


def first_levers(name: str):
    """The levers in force on a named regime's first day: its fork's changes over the history's levers."""
    return BorderModel(load(name).empty_start()).levers


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


def cli(argv: list, capsys) -> tuple[int, str, str]:
    """`borderflow ARGV` in this process: (exit status, stdout, stderr)."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, expected: str) -> None:
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("borderflow: error: ")
    assert expected in lines[0]
    assert "Traceback" not in err


SWEEP = """\
scenario = "securing-the-border"
design = "lhs"
samples = 4
replicates = 2
seed = 2
outputs = ["peak_7day_avg", "days_closed", "total_encounters", "mean_waiting_mexico"]

[run]
days = 20
scale = 300
empty_start = true

[parameters]
"closure.activation" = { range = [1500, 3000] }
"closure.lift" = { range = [1000, 2000] }
"""
"""A small sweep (8 runs); its point 2 draws closure.lift above closure.activation: two real failed runs.
The mechanics of sweeps need no history: it starts from an empty border (test_regimes.py sweeps a fork)."""


def spec_file(folder, text: str = SWEEP, name: str = "spec.toml"):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
