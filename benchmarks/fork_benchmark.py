"""Time what a counterfactual costs: a fork of the history before and after its state is cached,
and a `compare` of 20 seeds, as whole `borderflow` processes; write a JSON and print a table.

Usage: python benchmarks/fork_benchmark.py [--scale 40] [--fork 2024-06-04] [--days 365]
       [--replicates 20] [--workers 2] [--repeats 3] [--out benchmarks/results/fork]

Every command runs with a snapshot cache of its own (a fresh temporary folder), so the first
fork pays for the history from 2018-10-01 and the next ones find it. The same comparison is
timed twice: first with nothing cached (each seed's history is run once, by whichever of its
two runs starts first), then again with every history cached. The comparison is the README's
worked example (the June 2024 closure against none, from the day before it): its effects.csv
and effects.png are kept beside the timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "import sys; from experiments.cli import main; sys.exit(main())"


def timed(argv: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", ENTRY, *argv], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=40)
    parser.add_argument("--fork", default="2024-06-04")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "fork"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "BORDERFLOW_CACHE": str(Path(tmp) / "cache"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        span = ["--scale", str(args.scale), "--days", str(args.days), "--quiet"]
        fork = ["run", "--scenario", "historical", "--fork", args.fork, "--set", "closure.activation=1500", *span]
        first = timed([*fork, "--out", f"{tmp}/first"], env)
        cached = [timed([*fork, "--out", f"{tmp}/cached{i}"], env) for i in range(args.repeats)]
        end = (dt.date.fromisoformat(args.fork) - dt.timedelta(days=1)).isoformat()
        history = timed(["run", "--scenario", "historical", "--scale", str(args.scale), "--end", end, "--quiet",
                         "--out", f"{tmp}/history"], env)
        compare = ["compare", "--scenario", "historical", "--fork", args.fork, "--set", "closure.mode=off",
                   "--replicates", str(args.replicates), "--workers", str(args.workers), *span]
        compare_cold = timed([*compare, "--out", f"{tmp}/compare-cold"], env)
        compare_warm = timed([*compare, "--out", f"{tmp}/compare-warm"], env)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name in ("effects.csv", "effects.png"):  # the README's worked example
            shutil.copyfile(Path(tmp) / "compare-warm" / name, out / name)
    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "scale": args.scale, "fork": args.fork, "days_after_fork": args.days, "replicates": args.replicates,
        "workers": args.workers,
        "history_run_seconds": round(history, 1),
        "fork_first_seconds": round(first, 1),
        "fork_cached_seconds_median": round(statistics.median(cached), 1),
        "fork_cached_seconds": [round(c, 1) for c in cached],
        "compare_nothing_cached_seconds": round(compare_cold, 1),
        "compare_histories_cached_seconds": round(compare_warm, 1),
    }
    (out / "fork.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"historical at scale {args.scale}, fork {args.fork}, {args.days} days after it:")
    print(f"  the history alone (run --end the day before):    {history:7.1f} s")
    print(f"  run --fork, history not yet cached:              {first:7.1f} s")
    print(f"  run --fork, history cached (median of {args.repeats}):      {statistics.median(cached):7.1f} s")
    print(f"  compare, {args.replicates} seeds x 2 runs, {args.workers} workers, nothing cached: "
          f"{compare_cold:7.1f} s")
    print(f"  compare, the same, every history cached:          {compare_warm:7.1f} s")



if __name__ == "__main__":
    main()
