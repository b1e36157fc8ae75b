"""Time how long `borderflow` takes to start, as whole processes, and print a short table.

Usage: python benchmarks/startup_benchmark.py [--repeats 9] [--scenario baseline]

Each line is the median (and the range) of several fresh processes, started the way the
installed `borderflow` script starts the command (`from experiments.cli import main`):

- `python -c pass`: the interpreter alone, the floor under everything else;
- `borderflow --help`: parsing the command line and printing the help;
- `run`, imports: the import phase of `borderflow run`. A one-day run is made once to list the
  modules it loads (in the order it loads them); each timed process imports exactly those and
  exits, so the figure is what a run pays before it simulates its first day, plotting libraries
  included;
- `run`, one day: a whole `borderflow run --days 1` of the scenario, all four outputs written.

Only the standard library is used, so a copy of the script times an older checkout the same way.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "import sys; from experiments.cli import main; sys.exit(main())"
"""What the installed `borderflow` script runs."""
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
"""This checkout's packages first, installed or not."""
LIST_MODULES = """\
import sys
from experiments.cli import main
code = main(sys.argv[1:])
print(*[m for m in sys.modules if not m.startswith("__")], file=sys.stderr)
sys.exit(code)
"""
IMPORT_ALL = """\
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
"""


def timed(argv: list[str], repeats: int) -> list[float]:
    """Wall times of `repeats` fresh processes running `argv` from the project's root."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:4])} ... failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return times


def run_args(scenario: str, out: Path) -> list[str]:
    return ["run", "--scenario", scenario, "--days", "1", "--quiet", "--out", str(out)]


def modules_of_a_run(scenario: str, out: Path) -> list[str]:
    """The modules a one-day run loads, in the order it loads them."""
    done = subprocess.run([sys.executable, "-c", LIST_MODULES, *run_args(scenario, out)], cwd=ROOT,
                          env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the one-day run failed: {done.stderr.strip()[-500:]}")
    return done.stderr.splitlines()[-1].split()


def line(what: str, times: list[float]) -> str:
    return (f"{what:<28} {statistics.median(times):7.3f} s   "
            f"({min(times):.3f} - {max(times):.3f} s, {len(times)} runs)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9, help="processes per line (default 9)")
    ap.add_argument("--scenario", default="baseline", help="the scenario of the run lines (default baseline)")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        modules = modules_of_a_run(args.scenario, Path(tmp) / "list")
        rows = [
            ("python -c pass", timed([python, "-c", "pass"], args.repeats)),
            ("borderflow --help", timed([python, "-c", ENTRY, "--help"], args.repeats)),
            ("borderflow run, imports", timed([python, "-c", IMPORT_ALL, *modules], args.repeats)),
            ("borderflow run, one day", timed([python, "-c", ENTRY, *run_args(args.scenario, Path(tmp) / "run")],
                                              args.repeats)),  # each run replaces the previous one's files
        ]
    print(f"machine        {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"run            {args.scenario}, 1 day, default scale; it loads {len(modules)} modules")
    for what, times in rows:
        print(line(what, times))


if __name__ == "__main__":
    main()
