"""Replaying a batch: the table's layout is checked in one place, and the bands are right."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import synthetic_batch
from viz import replay
from viz.replay import BATCH_FILE, BatchError, band_figure, bands, find_batches, read_batch


def test_reads_a_batch_and_its_bands(tmp_path):
    table = read_batch(synthetic_batch(tmp_path / "b"))
    assert set(table["scenario"]) == {"baseline", "title42"}
    assert pd.api.types.is_datetime64_any_dtype(table["date"])
    out = bands(table, "encounters_usbp")
    first = out[(out["scenario"] == "baseline") & (out["date"] == pd.Timestamp("2024-01-01"))].iloc[0]
    # seeds 1, 2, 3 give 100, 200, 300 on day 0: median 200, linear 5% and 95% quantiles 110 and 290
    assert (first["low"], first["median"], first["high"], first["runs"]) == pytest.approx((110, 200, 290, 3))
    later = out[(out["scenario"] == "title42") & (out["date"] == pd.Timestamp("2024-01-11"))].iloc[0]
    assert later["median"] == pytest.approx(1210)
    assert len(out) == 2 * 30


def test_band_figure_has_a_panel_per_column_present(tmp_path):
    table = read_batch(synthetic_batch(tmp_path / "b"))
    fig = band_figure(table)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert titles == [replay.CURVES[c] for c in replay.CURVES if c in table]
    assert len(fig.axes[0].lines) == 2  # one median per scenario


@pytest.mark.parametrize("make, message", [
    (lambda d: None, "no such directory"),
    (lambda d: d.mkdir(), f"no {BATCH_FILE} in it"),
    (lambda d: (d.mkdir(), (d / BATCH_FILE).write_text("not parquet")), "cannot read it as a Parquet table"),
    (lambda d: (d.mkdir(), pd.DataFrame({"scenario": ["a"], "date": ["2024-01-01"], "encounters_usbp": [1]})
                .to_parquet(d / BATCH_FILE)), "no column 'seed'"),
    (lambda d: (d.mkdir(), pd.DataFrame({"scenario": ["a"], "seed": [1], "date": ["2024-01-01"], "x": [1]})
                .to_parquet(d / BATCH_FILE)), "none of the daily columns"),
    (lambda d: (d.mkdir(), pd.DataFrame({"scenario": ["a"], "seed": [1], "date": ["soon"], "encounters_usbp": [1]})
                .to_parquet(d / BATCH_FILE)), "does not hold dates"),
])
def test_bad_batches_are_refused_in_one_line(tmp_path, make, message):
    d = tmp_path / "b"
    make(d)
    with pytest.raises(BatchError, match=message) as err:
        read_batch(d)
    assert "\n" not in str(err.value)


def test_finds_the_given_batch_then_those_under_runs(tmp_path):
    synthetic_batch(tmp_path / "runs" / "sweep-b")
    synthetic_batch(tmp_path / "runs" / "sweep-a")
    (tmp_path / "runs" / "single").mkdir()  # a single run's outputs, not a batch
    given = str(tmp_path / "elsewhere")
    found = find_batches(given, root=tmp_path / "runs")
    assert found == [given, str(tmp_path / "runs" / "sweep-a"), str(tmp_path / "runs" / "sweep-b")]
    assert find_batches(None, root=tmp_path / "nothing") == []
