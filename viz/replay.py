"""Replay a finished batch: the median and the 90% band of each scenario's daily curves.

A batch directory holds one tidy table, `daily.parquet`: one row per run and day, with the
columns `scenario`, `seed`, `date` and the daily model columns (`encounters_usbp`,
`waiting_mexico`, ...). `read_batch` is the one place that knows this layout.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import solara
from matplotlib.figure import Figure

from experiments.plots import THOUSANDS
from viz import png

BATCH_FILE = "daily.parquet"
KEYS = ("scenario", "seed", "date")
BATCH_ENV = "BORDERFLOW_BATCH"
"""`borderflow serve --batch DIR` hands DIR to the app here."""
RUNS_DIR = "runs"
CURVES = {"encounters_usbp": "USBP encounters per day", "encounters_ofo": "OFO encounters per day",
          "counted_7day_avg": "counted 7-day average", "waiting_mexico": "waiting in Mexico",
          "expulsions": "expulsions per day", "removals": "removals per day", "releases": "releases per day",
          "paroles": "paroles per day"}
"""Columns replayed, when the table has them, and their titles."""
BAND = (0.05, 0.95)
HOW_TO = (f"A batch directory holds `{BATCH_FILE}`: one row per run and day with the columns "
          f"{', '.join(f'`{k}`' for k in KEYS)} and the daily model columns, as the batch command writes it. "
          f"Start the server with `borderflow serve --batch DIR`, or keep batches under `{RUNS_DIR}/` "
          "in the directory you start it from.")


class BatchError(ValueError):
    """A batch directory that cannot be replayed; the message is one line."""


def read_batch(directory: str | os.PathLike) -> pd.DataFrame:
    """The batch table of `directory`, with `date` as dates; checks the file and its key columns."""
    path = Path(directory) / BATCH_FILE
    if not Path(directory).is_dir():
        raise BatchError(f"{directory}: no such directory")
    if not path.is_file():
        raise BatchError(f"{directory}: no {BATCH_FILE} in it")
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise BatchError(f"{path}: cannot read it as a Parquet table: {' '.join(str(err).split())}") from None
    missing = [k for k in KEYS if k not in table]
    if missing:
        raise BatchError(f"{path}: no column '{missing[0]}' (a batch table has {', '.join(KEYS)} and the daily columns)")
    if not any(c in table for c in CURVES):
        raise BatchError(f"{path}: none of the daily columns {', '.join(CURVES)}")
    try:
        table["date"] = pd.to_datetime(table["date"])
    except (ValueError, TypeError):
        raise BatchError(f"{path}: column 'date' does not hold dates") from None
    return table


def find_batches(given: str | None = None, root: str | os.PathLike = RUNS_DIR) -> list[str]:
    """`given` (from --batch) first, then every directory under `root` that holds a batch table."""
    found = [given] if given else []
    base = Path(root)
    if base.is_dir():
        found += sorted(str(p.parent) for p in base.glob(f"*/{BATCH_FILE}") if str(p.parent) != given)
    return found


def bands(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per scenario and date: the median, the 5% and 95% quantiles over seeds, and the number of runs."""
    groups = table.groupby(["scenario", "date"])[column]
    out = groups.quantile([BAND[0], 0.5, BAND[1]]).unstack()
    out.columns = ["low", "median", "high"]
    out["runs"] = groups.size()
    return out.reset_index()


def band_figure(table: pd.DataFrame) -> Figure:
    """One panel per replayed column; each scenario a median line over its 90% band."""
    columns = [c for c in CURVES if c in table]
    rows = (len(columns) + 1) // 2
    fig = Figure(figsize=(12, 2.8 * rows), layout="constrained")
    axes = fig.subplots(rows, 2, sharex=True, squeeze=False).ravel()
    colours = dict(zip(sorted(table["scenario"].unique()), [f"C{i}" for i in range(10)] * 10, strict=False))
    for ax, column in zip(axes, columns, strict=False):
        for scenario, curve in bands(table, column).groupby("scenario"):
            colour = colours[scenario]
            ax.fill_between(curve["date"], curve["low"], curve["high"], color=colour, alpha=0.2, lw=0)
            ax.plot(curve["date"], curve["median"], color=colour, lw=1.4,
                    label=f"{scenario} ({curve['runs'].max()} runs)")
        ax.set_title(CURVES[column], loc="left", fontsize=10)
        ax.yaxis.set_major_formatter(THOUSANDS)
        ax.set_ylim(bottom=0)
        ax.grid(True, lw=0.4, alpha=0.5)
    for ax in axes[len(columns):]:
        ax.set_visible(False)
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle("median and 90% band over seeds", fontsize=11)
    return fig


def replay(directory: str) -> tuple[str, bytes | None]:
    """(what the batch holds, its bands as PNG), or (the problem, None)."""
    try:
        table = read_batch(directory)
    except BatchError as err:
        return f"{err}. {HOW_TO}", None
    runs = table.groupby("scenario")["seed"].nunique()
    return ", ".join(f"**{s}**: {n} seeds" for s, n in runs.items()), png(band_figure(table))


@solara.component
def BatchBands(directory: str):
    text, image = solara.use_memo(lambda: replay(directory), [directory])
    if image is None:
        solara.Error(text)
        return
    solara.Markdown(text)
    solara.Image(image, format="png", width="100%")


@solara.component
def ReplayView(model=None):
    """Page 1: choose a batch directory and see its bands (the live model is not used here)."""
    batches = solara.use_memo(lambda: find_batches(os.environ.get(BATCH_ENV)), [])
    chosen, set_chosen = solara.use_state(batches[0] if batches else None)
    solara.Markdown("### Replay a finished batch")
    if not batches:
        solara.Info(f"No batch found. {HOW_TO}")
        return
    solara.Select("Batch directory", value=chosen, values=batches, on_value=set_chosen)
    BatchBands(chosen)
