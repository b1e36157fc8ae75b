"""Time a 200-run sweep with 1 worker and with 2, and print the speed-up.

Usage: python benchmarks/sweep_benchmark.py [--runs 200] [--days 90] [--scale 40] [--workers 2]

The sweep is a Latin hypercube over two parameters of the `baseline` scenario (runs/2
points x 2 seeds), 90 days from its start at the default scale: 200 full-year runs would
take about half an hour on two cores. It goes through the same path as `borderflow sweep`
(runs written one by one into a temporary directory, then merged), so the times include
writing the outputs and, for the workers, starting them. The two sweeps' tables are
compared as well: they must be identical.

On a shared machine other jobs take cores too, so the script first measures what parallelism
the machine gives at that moment: the speed-up of a plain CPU-bound loop run on N processes
at once over the same loops one after the other. The sweep's speed-up is to be read
against that figure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from experiments import sweep  # noqa: E402
from experiments.backends import backend  # noqa: E402
from experiments.store import execute  # noqa: E402

SPEC = """\
scenario = "baseline"
design = "lhs"
samples = {points}
replicates = 2
seed = 1
[run]
days = {days}
scale = {scale}
empty_start = true
[parameters]
"mexico.interdiction" = {{ range = [0.05, 0.3] }}
"behaviour.patience_days" = {{ range = [30, 90] }}
"""


def spin() -> float:
    t0, total = time.perf_counter(), 0
    for i in range(20_000_000):
        total += i
    return time.perf_counter() - t0


def available_speedup(workers: int) -> float:
    """What N processes gain over one on this machine now, for pure CPU work (1.0: nothing).

    Forked, so the N loops start together; each times itself."""
    one_by_one = sum(spin() for _ in range(workers))
    context = multiprocessing.get_context("fork")
    times = context.Queue()
    loops = [context.Process(target=lambda: times.put(spin())) for _ in range(workers)]
    for loop in loops:
        loop.start()
    together = max(times.get() for _ in loops)
    for loop in loops:
        loop.join()
    return one_by_one / together


def timed(runs, out: Path, workers: int, outputs) -> float:
    t0 = time.perf_counter()
    _, finished, failed = execute(runs, str(out), backend(workers), resume=False, files={}, outputs=outputs,
                                  quiet=True)
    assert (finished, failed) == (len(runs), 0), (finished, failed)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--scale", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    spec = sweep.parse(SPEC.format(points=args.runs // 2, days=args.days, scale=args.scale), "benchmark")
    base, _, runs = sweep.plan(spec)
    available = available_speedup(args.workers)
    with tempfile.TemporaryDirectory() as folder:
        serial = timed(runs, Path(folder) / "serial", 1, spec.outputs)
        parallel = timed(runs, Path(folder) / "parallel", args.workers, spec.outputs)
        same = all(pd.read_parquet(Path(folder) / "serial" / t).equals(pd.read_parquet(Path(folder) / "parallel" / t))
                   for t in ("daily.parquet", "summaries.parquet"))
    print(f"sweep         {len(runs)} runs of {base.name}, {base.days} days from {base.run.start}, "
          f"scale {base.run.scale}")
    print(f"machine       {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"available     {available:.2f}x: {args.workers} CPU-bound loops at once vs one after the other")
    print(f"1 worker      {serial:.1f} s ({len(runs) / serial:.2f} runs/s)")
    print(f"{args.workers} workers     {parallel:.1f} s ({len(runs) / parallel:.2f} runs/s)")
    print(f"speed-up      {serial / parallel:.2f}x; tables identical: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
