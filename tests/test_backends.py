"""Serial, process and Dask backends give the same tables, bit for bit, for the same spec."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

import experiments.backends

from tests.conftest import assert_one_line_error, cli, spec_file

TABLES = ("daily.parquet", "monthly.parquet", "summaries.parquet")


def test_every_backend_gives_identical_tables(tmp_path, capsys):
    spec = spec_file(tmp_path)
    backends = {"serial": [], "processes": ["--workers", "2"], "dask": ["--dask", "local", "--workers", "2"]}
    for name, flags in backends.items():
        code, _, err = cli(["sweep", spec, "--out", tmp_path / name, "--quiet", *flags], capsys)
        assert code == 1 and "2 of 8 runs failed" in err, err  # the same two impossible runs everywhere
    serial = {t: pd.read_parquet(tmp_path / "serial" / t) for t in TABLES}
    assert len(serial["daily.parquet"]) == 6 * 20 and serial["daily.parquet"]["encounters_usbp"].sum() > 0
    for name in ("processes", "dask"):
        for table in TABLES:
            pdt.assert_frame_equal(pd.read_parquet(tmp_path / name / table), serial[table], check_exact=True)
        assert (tmp_path / name / "failures.csv").read_text() == (tmp_path / "serial" / "failures.csv").read_text()


def test_unreachable_scheduler_is_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(experiments.backends, "CONNECT_TIMEOUT", "1s")
    code, _, err = cli(["sweep", spec_file(tmp_path), "--out", tmp_path / "out", "--dask", "tcp://127.0.0.1:9"],
                       capsys)
    assert_one_line_error(code, err, "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("flags", "expected"), [(["--workers", "0"], "--workers must be at least 1"),
                                                 (["--dask", "tcp://127.0.0.1:9", "--workers", "2"],
                                                  "--workers sets the size of --dask local")])
def test_bad_backend_flags(flags, expected, tmp_path, capsys):
    code, _, err = cli(["sweep", spec_file(tmp_path), "--out", tmp_path / "out", *flags], capsys)
    assert_one_line_error(code, err, expected)
    assert not (tmp_path / "out").exists()


def test_a_pool_broken_between_two_results_stops_the_experiment_as_a_lost_worker():
    """A worker killed while the next run is handed out (not only while one is awaited) is a lost
    worker: the experiment stops with its one line, not a traceback."""
    from concurrent.futures.process import BrokenProcessPool

    from experiments.backends import Processes, WorkerLost
    from experiments.runs import Run
    from model.scenario import Scenario

    class Broken:
        def submit(self, *args, **kw):
            raise BrokenProcessPool("A child process terminated abruptly")

    engine = Processes(2)
    engine.pool = Broken()
    with pytest.raises(WorkerLost, match="a worker process died"):
        next(engine.results([Run(Scenario())]))
