"""The benchmarks: the scale benchmark's runs, tables and pictures on a short span, and Mesa's reference rate."""

import math
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import reference, scale_benchmark  # noqa: E402

END = "2019-01-31"  # four months of historical
PNG = b"\x89PNG"


def test_scale_runs_write_the_tables_and_pictures(tmp_path, capsys):
    out, docs = tmp_path / "out", tmp_path / "docs"
    paths = [scale_benchmark.run_one(scale, seed, out, "historical", END)
             for scale, seed in ((1000, 1), (1000, 2), (400, 1))]
    assert [p.name for p in paths] == [f"historical_2018-10-01_{END}_scale{k}_seed{s}.parquet"
                                       for k, s in ((1000, 1), (1000, 2), (400, 1))]
    one = pd.read_parquet(paths[0])
    assert list(one["month"]) == ["2018-10", "2018-11", "2018-12", "2019-01"]
    for column in ("encounters_usbp", "encounters_ofo", "family_share", "uc_share", "waiting_mexico"):
        assert column in one
    assert (one["agent_events"] > 0).all() and (one["model_s"] > 0).all() and (one["peak_mib"] > 0).all()
    assert (one["wall_s"] >= one["model_s"]).all()

    cost, bias = scale_benchmark.report(paths, docs)
    assert list(cost["scale"]) == [1000, 400] and list(cost["runs"]) == [2, 1]
    assert list(bias["scale"]) == [1000, 400] and list(bias["seeds"]) == [2, 1]
    assert bias.loc[0, "USBP_vs_finest"] >= 0 and bias.loc[0, "USBP_seed_to_seed"] >= 0
    assert math.isnan(bias.loc[1, "USBP_vs_finest"])  # the finest is the reference
    assert math.isnan(bias.loc[1, "USBP_seed_to_seed"])  # one seed: no pair
    text = (docs / "scale_benchmark.md").read_text(encoding="utf-8")
    assert "| 1000 | 2 |" in text and "| 400 | 1 |" in text
    assert "seed mean vs scale 400" in text
    for picture in ("scale_cost.png", "scale_bias.png"):
        assert (docs / picture).read_bytes()[:4] == PNG
    printed = capsys.readouterr().out
    assert "| 1000 | 2 |" in printed and "bias against scale 400" in printed


def test_scale_benchmark_runs_each_run_in_its_own_process_and_resumes(tmp_path, capsys):
    argv = ["--scales", "1000", "--finest-seeds", "1", "--end", "2018-11-30",
            "--out", str(tmp_path / "out"), "--docs", str(tmp_path / "docs")]
    assert scale_benchmark.main(argv) == 0
    assert len(list((tmp_path / "out").glob("*.parquet"))) == 1
    assert (tmp_path / "docs" / "scale_bias.png").exists()
    capsys.readouterr()
    assert scale_benchmark.main(argv) == 0  # nothing run again
    assert "found         1 of 1 runs" in capsys.readouterr().out


@pytest.mark.parametrize("argv, expected", [
    (["--scales", "0"], "run.scale = 0 is out of range"),
    (["--seeds", "0"], "--seeds must be at least 1"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--end", "2019-02-30"], "expected a date"),
    (["--scenario", "nowhere"], "unknown scenario"),
    (["--scales", "ten"], "invalid int value"),
])
def test_scale_benchmark_refuses_bad_arguments_in_one_line(argv, expected, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        scale_benchmark.main([*argv, "--out", str(tmp_path / "out"), "--docs", str(tmp_path / "docs")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("scale_benchmark: error: ") and expected in err[0]
    assert not (tmp_path / "out").exists()


def test_the_reference_is_mesas_boltzmann_example_with_cell_agents():
    from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

    model = reference.boltzmann_model(100, seed=1)
    assert isinstance(model.grid, OrthogonalMooreGrid)
    assert len(model.agents) == 100 and all(isinstance(a, CellAgent) for a in model.agents)
    rate = reference.boltzmann_rate(agents=100, steps=20, seed=1, repeats=2)
    assert math.isfinite(rate) and rate > 0


def test_day_cost_parts_the_scale_benchmarks_runs_into_their_days_and_agent_events(tmp_path):
    from benchmarks import day_cost

    days, per_day, per_event = 2000, 1.4e-3, 4e-6  # made-up costs, runs made from them exactly
    made = pd.DataFrame({"days": days, "agent_events": [90_000, 220_000, 95_000]})
    made["model_s"] = days * per_day + made["agent_events"] * per_event
    assert day_cost.split(made) == pytest.approx((per_day, per_event))
    paths = [scale_benchmark.run_one(scale, 1, tmp_path, "historical", END) for scale in (1000, 400, 40)]
    runs = day_cost.coarse_runs(scale_benchmark.read_results(paths), 100)
    assert sorted(runs["scale"]) == [400, 1000] and (runs["days"] == 123).all()  # 2018-10-01 to 2019-01-31
    with pytest.raises(ValueError, match="two scales"):
        day_cost.coarse_runs(scale_benchmark.read_results(paths), 500)


def test_day_cost_says_in_one_line_when_it_has_no_runs(monkeypatch, tmp_path):
    from benchmarks import day_cost

    monkeypatch.setattr(sys, "argv", ["day_cost.py", "--results", str(tmp_path)])
    with pytest.raises(SystemExit) as stop:
        day_cost.main()
    assert str(stop.value).startswith("day_cost: no runs in ") and "\n" not in str(stop.value)
