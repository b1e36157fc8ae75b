"""Run a scenario at several scales: what a finer scale costs, and whether a coarse one is biased.

Usage: python benchmarks/scale_benchmark.py [--scales 400 100 40 10 1] [--seeds 3] [--finest-seeds 1]
           [--seed 1] [--jobs 1] [--scenario historical] [--end YYYY-MM-DD]
           [--out benchmarks/results/scale] [--docs docs] [--rerun]

The scale is the number of people one agent stands for. Every scale in --scales runs with
--seeds seeds (seeds S, S+1, ...; S is --seed), except the finest (the smallest), which runs
with --finest-seeds: by default 3 seeds per coarse scale, enough for a seed-noise band, and one
at scale 1, which takes close to an hour. Each run is a process of its own (--jobs at once,
the longest first), so its peak memory is its own. A run writes its monthly table (the patterns
the calibration compares, from `calibration.patterns.pattern_table`, plus waiting in Mexico,
departures and pressure) with its costs into --out, one Parquet file per scenario, span, scale
and seed. A run whose file is there already is not run again, so an interrupted benchmark
resumes where it stopped; --rerun runs everything again (do that after the model changes:
the report warns when its results come from different versions of the model's code, that is
of model/, agents/ and the scenario files).

Costs, per run: wall time (the run's process from its first line, imports included, to its
table ready), model time (building the model and running it), peak memory (the process's
maximum resident set), agent-events (`model.events`: departures, arrivals, decisions,
reconsiderations, crossings, book-outs) and agent-events per second of model time.

Then, from the runs asked for that have a file, it prints and writes into --docs:
- scale_benchmark.md: the cost table (means over seeds) and the bias table;
- scale_cost.png: wall time, model time and peak memory against the scale (log axes);
- scale_bias.png: monthly curves, the seed mean at each scale against the finest scale's,
  with each scale's band across its seeds (lowest to highest), i.e. its seed noise.

The bias table gives, for monthly USBP and OFO encounters, the mean absolute log ratio of each
scale's seed mean to the finest scale's (`calibration.patterns.log_ratio`, 0.1 is about 10%),
next to the same measure between two seeds of that scale (mean over pairs). The mean of N
seeds varies about 1/sqrt(2N) as much as two seeds differ from each other (0.4 for N = 3): a
first figure well below the second is what seed noise alone gives; one near or above it is a
bias of the scale. The first figure carries the finest scale's own noise too: when that scale's
seed-to-seed figure is large (it is shown when it has two seeds or more), its mean is a noisy
reference and it needs more seeds. Seed noise need not shrink at finer scales: where the model
is near a tipping point, a coarse scale may tip in every seed and a finer one in some. If the
finest scale has no result, the finest one that has serves instead.

Bad arguments stop with one line and exit 2; failed runs are named and the exit is 1.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # a run's wall time counts from here, its imports included

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from concurrent.futures import ThreadPoolExecutor, as_completed  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from calibration.patterns import log_ratio, pattern_table, seed_to_seed  # noqa: E402
from model.model import BorderModel  # noqa: E402
from model.records import monthly  # noqa: E402
from model.scenario import ScenarioError, load  # noqa: E402

PROG = "scale_benchmark"
DEFAULT_SCALES = (400, 100, 40, 10, 1)
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "scale"
DEFAULT_DOCS = ROOT / "docs"
EXTRA = ("waiting_mexico", "departures", "pressure")
"""Monthly columns kept besides the calibration's patterns."""
COMPARED = {"encounters_usbp": "USBP", "encounters_ofo": "OFO"}
"""The series of the printed bias summary."""
PANELS = {"encounters_usbp": "USBP encounters a month", "encounters_ofo": "OFO encounters a month",
          "family_share": "family members' share of encounters", "uc_share": "unaccompanied children's share",
          "reencounter_share": "re-encounter share", "waiting_mexico": "people waiting in Mexico (month end)"}
"""The curves of scale_bias.png."""
META = ("scenario", "start", "end", "scale", "seed", "wall_s", "model_s", "peak_mib", "agent_events",
        "agents_created", "model_code", "commit")


def fail(message: str, code: int = 2) -> None:
    """One line for the user, then exit."""
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)
    raise SystemExit(code)


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        fail(f"{message} (see --help)")


# -- one run ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    scale: int
    seed: int


def scenario_for(name: str, run: Run, end: str | None = None):
    values = {"run.scale": run.scale, "run.seed": run.seed}
    if end:
        values["run.end"] = end
    return load(name).with_values(values)


def result_path(out: Path, name: str, run: Run, end: str | None = None) -> Path:
    """Where a run's table goes: named by scenario, span, scale and seed, so a changed span is a new run."""
    scenario = scenario_for(name, run, end)
    return Path(out) / f"{scenario.name}_{scenario.run.start}_{scenario.run.end}_scale{run.scale}_seed{run.seed}.parquet"


def code_version() -> str:
    """The commit the code is at (with -dirty for uncommitted changes), or 'unknown'."""
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"


MODEL_CODE = (("model", "*.py"), ("agents", "*.py"), ("experiments/scenarios", "*.toml"))
"""The files a run's numbers depend on: the model, its agents and the scenario files."""


def model_version() -> str:
    """A hash of the files in MODEL_CODE, as they are on disk (uncommitted changes included)."""
    digest = hashlib.sha256()
    for folder, pattern in MODEL_CODE:
        for path in sorted((ROOT / folder).rglob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def peak_mib() -> float:
    """This process's maximum resident set so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


def run_one(scale: int, seed: int, out: Path, scenario: str = "historical", end: str | None = None,
            started: float | None = None) -> Path:
    """Run one scale and seed and write its monthly table with its costs to its file in `out`.

    Meant to be the only run in its process: the peak memory is the process's. The wall time
    counts from `started` (a `time.perf_counter()` value; default: now)."""
    started = time.perf_counter() if started is None else started
    run = Run(scale, seed)
    sc = scenario_for(scenario, run, end)
    t0 = time.perf_counter()
    model = BorderModel(sc)
    daily = model.run()
    model_s = time.perf_counter() - t0
    months = monthly(daily).set_index("month")
    table = pattern_table(months)
    for column in EXTRA:
        table[column] = months[column]
    table = table.reset_index()
    meta = {"scenario": sc.name, "start": str(sc.run.start), "end": str(sc.run.end), "scale": scale, "seed": seed,
            "wall_s": 0.0, "model_s": model_s, "peak_mib": peak_mib(), "agent_events": sum(model.events.values()),
            "agents_created": model.agent_id_counter - 1, "model_code": model_version(), "commit": code_version()}
    meta.update({f"events_{kind}": n for kind, n in sorted(model.events.items())})
    meta["wall_s"] = time.perf_counter() - started
    table = pd.concat([pd.DataFrame({k: [v] * len(table) for k, v in meta.items()}), table], axis=1)
    path = result_path(out, scenario, run, end)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table.to_parquet(partial, index=False)
    partial.replace(path)  # a file under its final name is complete
    return path


def launch(run: Run, args) -> tuple[Run, str | None]:
    """Run one scale and seed in a process of its own; (run, None) or (run, the error's last line)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(run.scale), str(run.seed),
               "--scenario", args.scenario, "--out", str(args.out)]
    if args.end:
        command += ["--end", args.end]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 0:
        return run, None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return run, lines[-1] if lines else f"exit status {done.returncode}"


# -- the report --------------------------------------------------------------------------------
def read_results(paths: list[Path]) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


def per_run(results: pd.DataFrame) -> pd.DataFrame:
    """One row per run: its costs."""
    runs = results.groupby(["scale", "seed"], sort=True)[list(META[5:])].first().reset_index()
    runs["events_per_s"] = runs["agent_events"] / runs["model_s"]
    return runs


def cost_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per scale, finest last: runs, and the means over seeds of the costs."""
    runs = per_run(results)
    out = runs.groupby("scale").agg(runs=("seed", "size"), wall_s=("wall_s", "mean"), model_s=("model_s", "mean"),
                                    peak_mib=("peak_mib", "mean"), agent_events=("agent_events", "mean"),
                                    events_per_s=("events_per_s", "mean"))
    return out.sort_index(ascending=False).reset_index()


def curves(results: pd.DataFrame, column: str) -> pd.DataFrame:
    """Months by (scale, seed) for one monthly column (only the seeds run at each scale)."""
    table = results.pivot_table(index="month", columns=["scale", "seed"], values=column, dropna=False)
    return table.dropna(axis=1, how="all").sort_index()


def bias_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per scale: seeds and, for each compared series, the mean absolute log ratio of the seed mean
    to the finest scale's seed mean (`*_vs_finest`) and between two of its seeds (`*_seed_to_seed`)."""
    finest = int(results["scale"].min())
    rows = []
    for scale in sorted(results["scale"].unique(), reverse=True):
        seeds = sorted(results.loc[results["scale"] == scale, "seed"].unique())
        row = {"scale": int(scale), "seeds": len(seeds)}
        for column, label in COMPARED.items():
            table = curves(results, column)
            reference = table[finest].mean(axis=1)
            mine = table[scale]
            row[f"{label}_vs_finest"] = (np.nan if scale == finest
                                         else float(log_ratio(mine.mean(axis=1), reference).mean()))
            row[f"{label}_seed_to_seed"] = seed_to_seed([mine[seed] for seed in seeds])
        rows.append(row)
    return pd.DataFrame(rows)


def _number(value: float, digits: int = 0) -> str:
    return "–" if pd.isna(value) else f"{value:,.{digits}f}"


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def cost_markdown(cost: pd.DataFrame) -> str:
    header = ["scale", "runs", "wall time (s)", "model time (s)", "peak memory (MiB)", "agent-events",
              "agent-events/s"]
    rows = [[str(int(r.scale)), str(int(r.runs)), _number(r.wall_s, 1), _number(r.model_s, 1), _number(r.peak_mib),
             _number(r.agent_events), _number(r.events_per_s)] for r in cost.itertuples()]
    return markdown(header, rows)


def bias_markdown(bias: pd.DataFrame) -> str:
    finest = int(bias["scale"].min())
    header = ["scale", "seeds"] + [h for label in COMPARED.values()
                                   for h in (f"{label}: seed mean vs scale {finest}", f"{label}: seed to seed")]
    rows = [[str(int(r["scale"])), str(int(r["seeds"]))]
            + [_number(r[f"{label}_{kind}"], 2) for label in COMPARED.values() for kind in ("vs_finest", "seed_to_seed")]
            for _, r in bias.iterrows()]
    return markdown(header, rows)


def scale_axis(ax, scales) -> None:
    ax.set_xscale("log")
    ax.set_xticks(sorted(scales))
    ax.set_xticklabels([str(s) for s in sorted(scales)])
    ax.minorticks_off()
    ax.set_xlabel("scale (people per agent; finer to the left)")
    ax.grid(alpha=0.3)


def log_axis(ax, values: np.ndarray) -> None:
    """A log y axis at least a factor 2 high, labelled at 1, 2, 3 and 5 of each power of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    ax.set_yscale("log")
    ax.set_ylim(low / 1.4, max(high * 1.4, low * 2))
    ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 3, 5)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,.10g}"))
    ax.yaxis.set_minor_locator(NullLocator())


def plot_cost(results: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs, cost = per_run(results), cost_table(results)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, columns, unit in ((left, (("wall_s", "wall time"), ("model_s", "model time")), "seconds"),
                              (right, (("peak_mib", "peak memory"),), "MiB")):
        for (column, label), colour in zip(columns, ("C0", "C1"), strict=False):
            ax.plot(cost["scale"], cost[column], "-", color=colour, label=f"{label} (mean over seeds)")
            ax.plot(runs["scale"], runs[column], "o", color=colour, alpha=0.5, markersize=4)
        log_axis(ax, runs[[c for c, _ in columns]].to_numpy())
        ax.set_ylabel(unit)
        scale_axis(ax, cost["scale"])
        ax.legend(loc="best", fontsize=8)
    left.set_title("time of one run")
    right.set_title("peak memory of one run (its process)")
    first = results.iloc[0]
    fig.suptitle(f"{first['scenario']}, {first['start']} to {first['end']}: cost against scale (dots: single runs)")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_bias(results: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finest = int(results["scale"].min())
    scales = sorted(results["scale"].unique(), reverse=True)
    colours = {s: ("black" if s == finest else f"C{i}") for i, s in enumerate(scales)}
    fig, axes = plt.subplots(3, 2, figsize=(12, 10), sharex=True, constrained_layout=True)
    for ax, (column, title) in zip(axes.flat, PANELS.items(), strict=True):
        table = curves(results, column)
        when = pd.to_datetime(table.index + "-15")
        for scale in scales:
            mine = table[scale]
            n = mine.shape[1]
            if n > 1:
                ax.fill_between(when, mine.min(axis=1), mine.max(axis=1), color=colours[scale], alpha=0.15, lw=0)
            ax.plot(when, mine.mean(axis=1), color=colours[scale], lw=2.0 if scale == finest else 1.2,
                    label=f"scale {scale} ({n} seed{'s' if n > 1 else ''})")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8, loc="upper left")
    first = results.iloc[0]
    fig.suptitle(f"{first['scenario']}: monthly curves, mean over seeds at each scale (black: the finest, scale "
                 f"{finest}); bands: lowest to highest seed at that scale")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(paths: list[Path], docs: Path, command: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Print the tables and write scale_benchmark.md, scale_cost.png and scale_bias.png into `docs`."""
    results = read_results(paths)
    cost, bias = cost_table(results), bias_table(results)
    finest = int(results["scale"].min())
    first = results.iloc[0]
    versions = sorted(results["model_code"].unique())
    commits = sorted(results["commit"].unique())
    span = f"{first['scenario']}, {first['start']} to {first['end']}"
    cost_md = cost_markdown(cost)
    bias_md = bias_markdown(bias)
    note = (f"Mean absolute log ratio of monthly encounters (0.1 is about 10%): each scale's mean over its seeds "
            f"against scale {finest}'s, and two seeds of the same scale against each other (mean over pairs). "
            f"A mean of N seeds varies about 1/sqrt(2N) as much as two seeds differ (0.4 for 3 seeds): a first "
            f"figure well below the second is seed noise, one near or above it a bias of the scale, unless scale "
            f"{finest}'s own seed-to-seed figure is large too (its mean is then a noisy reference: give it more "
            f"seeds).")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    n = len(per_run(results))
    print(f"runs          {span}; {n} run{'s' if n > 1 else ''}; {machine}")
    print(cost_md)
    print()
    print(f"bias against scale {finest}")
    print(bias_md)
    if len(versions) > 1:
        print(f"warning: these results come from {len(versions)} versions of the model's code (commits "
              f"{', '.join(commits)}); --rerun runs them again")
    docs = Path(docs)
    docs.mkdir(parents=True, exist_ok=True)
    text = [f"# Scale benchmark: {span}", "",
            f"Made with `python benchmarks/scale_benchmark.py{command}` ({machine}; commit {', '.join(commits)}). "
            f"Means over seeds; agent-events per second are of model time.", "",
            cost_md, "", "![cost against scale](scale_cost.png)", "", f"## Bias against scale {finest}", "",
            note, "", bias_md, "", "![monthly curves at each scale](scale_bias.png)", ""]
    (docs / "scale_benchmark.md").write_text("\n".join(text), encoding="utf-8")
    plot_cost(results, docs / "scale_cost.png")
    plot_bias(results, docs / "scale_bias.png")
    return cost, bias


# -- the command -----------------------------------------------------------------------------
def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = Parser(prog=PROG, description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--scales", type=int, nargs="+", default=list(DEFAULT_SCALES), metavar="K",
                    help="people per agent, 1 to 1000 (default: %(default)s)")
    ap.add_argument("--seeds", type=int, default=3, metavar="N", help="seeds per scale but the finest (default: 3)")
    ap.add_argument("--finest-seeds", type=int, default=1, metavar="N", help="seeds at the finest scale (default: 1)")
    ap.add_argument("--seed", type=int, default=1, metavar="S", help="the first seed (default: 1)")
    ap.add_argument("--jobs", type=int, default=1, metavar="N", help="runs at once, each its own process (default: 1)")
    ap.add_argument("--scenario", default="historical", metavar="NAME|PATH", help="default: historical")
    ap.add_argument("--end", default=None, metavar="YYYY-MM-DD", help="last day (default: the scenario's)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                    help="one result file per run (default: benchmarks/results/scale)")
    ap.add_argument("--docs", type=Path, default=DEFAULT_DOCS, metavar="DIR",
                    help="where the tables and pictures go (default: docs)")
    ap.add_argument("--rerun", action="store_true", help="run again the runs that have a result file")
    ap.add_argument("--child", type=int, nargs=2, metavar=("SCALE", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    for name in ("seeds", "finest_seeds", "jobs"):
        if getattr(args, name) < 1:
            fail(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.seed < 0:
        fail(f"--seed must be 0 or more, got {args.seed}")
    if args.end:
        try:
            dt.date.fromisoformat(args.end)
        except ValueError:
            fail(f"--end: expected a date YYYY-MM-DD, got '{args.end}'")
    args.scales = sorted(set(args.scales), reverse=True)
    try:
        for scale in args.scales:
            scenario_for(args.scenario, Run(scale, args.seed), args.end)
    except ScenarioError as error:
        fail(error)
    return args


def described(args) -> str:
    """The options that decide the runs, as they would be typed (not where the files went)."""
    text = f" --scales {' '.join(map(str, args.scales))} --seeds {args.seeds} --finest-seeds {args.finest_seeds}"
    text += f" --seed {args.seed} --jobs {args.jobs}"
    if args.scenario != "historical":
        text += f" --scenario {Path(args.scenario).name}"
    return text + (f" --end {args.end}" if args.end else "")


def plan(args) -> list[Run]:
    """Every run asked for, the longest (finest) first."""
    finest = min(args.scales)
    return [Run(scale, args.seed + i) for scale in sorted(args.scales)
            for i in range(args.finest_seeds if scale == finest else args.seeds)]


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.child:
        run_one(*args.child, args.out, args.scenario, args.end, started=_STARTED)
        return 0
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        args.docs.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot write there: {error}")
    runs = plan(args)
    paths = {run: result_path(args.out, args.scenario, run, args.end) for run in runs}
    todo = [run for run in runs if args.rerun or not paths[run].exists()]
    if len(todo) < len(runs):
        print(f"found         {len(runs) - len(todo)} of {len(runs)} runs in {args.out} (not run again; "
              f"--rerun to redo them)")
    failed = []
    if todo:
        from tqdm import tqdm

        pool = ThreadPoolExecutor(max_workers=args.jobs)
        try:
            futures = [pool.submit(launch, run, args) for run in todo]
            with tqdm(total=len(todo), unit="run", desc=f"runs ({args.jobs} at once)") as bar:
                for future in as_completed(futures):
                    run, error = future.result()
                    if error:
                        failed.append(run)
                        tqdm.write(f"failed        scale {run.scale}, seed {run.seed}: {error}", file=sys.stderr)
                    bar.update(1)
        except KeyboardInterrupt:  # the runs got the signal too; finished ones are kept
            pool.shutdown(wait=True, cancel_futures=True)
            fail(f"interrupted; finished runs are kept in {args.out} and the same command goes on from there", 130)
        pool.shutdown()
    done = [paths[run] for run in runs if paths[run].exists()]
    if not done:
        fail("no run finished, nothing to report", 1)
    report(done, args.docs, described(args))
    if failed:
        fail(f"{len(failed)} run(s) failed: " + ", ".join(f"scale {r.scale} seed {r.seed}" for r in failed), 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
