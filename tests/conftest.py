"""Shared helpers: short, coarse runs of named scenarios so the suite stays quick."""

import datetime as dt

import pytest

from experiments.cli import main
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

[parameters]
"closure.activation" = { range = [1500, 3000] }
"closure.lift" = { range = [1000, 2000] }
"""
"""A small sweep (8 runs); its point 2 draws closure.lift above closure.activation: two real failed runs."""


def spec_file(folder, text: str = SWEEP, name: str = "spec.toml"):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
