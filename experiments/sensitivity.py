"""Sensitivity indices of a finished sobol or morris sweep, with SALib: a CSV table and a bar chart.

Each design point's output is the mean over its replicates (so the indices describe the
expected outcome; the spread between seeds is in summaries.parquet). Sobol gives first-order
(S1) and total (ST) indices; Morris gives mu* (mean absolute elementary effect) and sigma.
Both come with 95% bootstrap confidence intervals. Every design point needs a result.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from matplotlib.figure import Figure

from experiments.errors import ExperimentError
from experiments.store import PLAN, atomic
from experiments.sweep import Spec, parse

SPEC, DESIGN, SUMMARIES = "spec.toml", "design.parquet", "summaries.parquet"
BOOTSTRAP_SEED = 1
"""Seeds the bootstrap of the confidence intervals, so the same sweep gives the same table."""
INDICES = {"sobol": (("S1", "first order"), ("ST", "total")), "morris": (("mu_star", "mu*"),)}


def load(folder: str | Path) -> tuple[Spec, pd.DataFrame, pd.DataFrame]:
    """The sweep's spec, design (raw draws) and per-point outputs averaged over replicates."""
    if not str(folder):
        raise ExperimentError("'' names no directory; give the --out directory of a finished sweep")
    folder = Path(folder)
    if not folder.exists():
        raise ExperimentError(f"{folder} does not exist; give the --out directory of a finished sweep")
    if not folder.is_dir():
        raise ExperimentError(f"{folder} is not a directory; give the --out directory of a finished sweep")
    if not (folder / SPEC).is_file():
        raise ExperimentError(f"{folder} is not a sweep directory (no {SPEC}); run `borderflow sweep` first")
    try:
        text = (folder / SPEC).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ExperimentError(f"cannot read {folder / SPEC}: {getattr(err, 'strerror', None) or err}") from None
    spec = parse(text, f"{folder}/{SPEC}")
    if spec.design not in INDICES:
        raise ExperimentError(f"{folder}: a {spec.design} sweep has no sensitivity indices; use design = "
                              f"\"sobol\" or \"morris\"")
    if not (folder / SUMMARIES).exists():
        raise ExperimentError(f"{folder}: the sweep has not finished (no {SUMMARIES}); finish it with "
                              f"`borderflow sweep SPEC --out {folder} --resume`")
    redo = {SUMMARIES: f"`borderflow sweep SPEC --out {folder} --resume` writes it again",
            PLAN: "run the sweep again into a new directory", DESIGN: "run the sweep again into a new directory"}
    tables = {}
    for name, columns in ((DESIGN, None), (PLAN, ["run_id"]), (SUMMARIES, ["run_id", "point", *spec.outputs])):
        try:
            tables[name] = pd.read_parquet(folder / name, columns=columns)
        except FileNotFoundError:
            raise ExperimentError(f"{folder}: no {name}, so it is not a whole sweep directory; {redo[name]}") from None
        except (OSError, ValueError, KeyError, pa.ArrowException) as err:
            reason = " ".join(str(err).split())[:120]
            raise ExperimentError(f"{folder}/{name} cannot be read ({reason}); {redo[name]}") from None
    design, planned, summaries = tables[DESIGN], tables[PLAN], tables[SUMMARIES]
    missing = len(planned) - summaries["run_id"].isin(planned["run_id"]).sum()
    if missing:
        raise ExperimentError(f"{folder}: {missing} of {len(planned)} runs have no result (failed or not run; "
                              f"see failures.csv); {spec.design} indices need every design point")
    means = summaries.groupby("point")[spec.outputs].mean().sort_index()
    return spec, design, means


def indices(spec: Spec, design: pd.DataFrame, means: pd.DataFrame) -> pd.DataFrame:
    """One row per output x parameter: the indices and their confidence half-widths."""
    from SALib.analyze import morris, sobol

    problem, rows = spec.problem(), []
    for output in spec.outputs:
        y = means[output].to_numpy(dtype=float)
        with warnings.catch_warnings():  # SALib warns on a constant output
            warnings.simplefilter("ignore", RuntimeWarning)
            if spec.design == "sobol":
                result = sobol.analyze(problem, y, calc_second_order=spec.second_order, seed=BOOTSTRAP_SEED)
                keys = ("S1", "S1_conf", "ST", "ST_conf")
            else:
                result = morris.analyze(problem, design.to_numpy(dtype=float), y, num_levels=spec.levels,
                                        seed=BOOTSTRAP_SEED)
                keys = ("mu_star", "mu_star_conf", "mu", "sigma")
        constant = np.ptp(y) == 0  # no variance to apportion: say so rather than report zeros
        for i, name in enumerate(problem["names"]):
            rows.append({"output": output, "parameter": name,
                         **{k: np.nan if constant else float(result[k][i]) for k in keys}})
    return pd.DataFrame(rows)


def chart(table: pd.DataFrame, design: str, path) -> None:
    """One panel per output: a bar per parameter and index, with its confidence interval."""
    outputs = list(dict.fromkeys(table["output"]))
    columns = min(3, len(outputs))
    rows = -(-len(outputs) // columns)
    fig = Figure(figsize=(4.6 * columns, 0.5 + 3.2 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    shown = INDICES[design]
    width = 0.8 / len(shown)
    for ax, output in zip(axes, outputs, strict=False):
        part = table[table["output"] == output]
        y = np.arange(len(part))
        for k, (index, label) in enumerate(shown):
            ax.barh(y + (k - (len(shown) - 1) / 2) * width, part[index], height=width,
                    xerr=part[f"{index}_conf"], capsize=3, label=label, color=f"C{k}")
        ax.set_yticks(y, part["parameter"], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(output, loc="left", fontsize=10)
        ax.grid(True, axis="x", lw=0.4, alpha=0.5)
        if part[shown[0][0]].isna().all():
            ax.text(0.5, 0.5, "constant output: no index", transform=ax.transAxes, ha="center", fontsize=9)
    for ax in axes[len(outputs):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8, loc="lower right")
    what = "Sobol indices (95% CI)" if design == "sobol" else "Morris mu* (95% CI)"
    fig.suptitle(f"{what}, outputs averaged over replicates", fontsize=12)
    fig.savefig(path, dpi=100, format="png")


def analyse(folder: str | Path) -> tuple[pd.DataFrame, Path, Path]:
    """Write DIR/sensitivity.csv and DIR/sensitivity.png; returns the table and the two paths."""
    spec, design, means = load(folder)
    folder = Path(folder)
    table = indices(spec, design, means)
    csv, png = folder / "sensitivity.csv", folder / "sensitivity.png"
    atomic(csv, lambda p: table.to_csv(p, index=False, lineterminator="\n"))
    atomic(png, lambda p: chart(table, spec.design, p))
    return table, csv, png
