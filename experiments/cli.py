"""The `borderflow` command: run a scenario, list scenarios, document parameters.

Every bad input ends with exit status 2 and one line on stderr starting `borderflow: error:`;
a run writes its outputs only when all of them are complete (see experiments.output).

This module is wiring only: it parses the command line and hands each command to the modules
that do the work, importing them inside the command's handler. So `borderflow --help` answers
without loading numpy, pandas or Mesa, and a command loads only what it uses (`run` no Solara,
Dask or SALib). Nothing in the library imports this module.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import difflib
import os
import sys
from dataclasses import fields
from pathlib import Path

from experiments.errors import ExperimentError, Stopped, UsageError, interrupted_code, stopped_by_signals
from experiments.summaries import describe
from model.params import SECTIONS
from viz import APP_SCENARIO

DEFAULT_SCENARIO = "historical"
CLOSED_PIPE = 141
"""Exit status when the reader closed our output pipe: what a shell reports for SIGPIPE."""
PROGRESS_DAYS = 200
"""Runs longer than this show a progress bar (it still waits 2 s before appearing)."""

RUN_EPILOG = """\
--out DIR: the outputs are written to a hidden temporary directory next to DIR and moved
into place only when the run is complete, so DIR is never left half-written. DIR may
already exist if it is empty or contains only the files of a previous run (daily.csv,
monthly.csv, scenario.toml, curves.png): those are replaced. Any other existing DIR is
refused. The parent of DIR must exist.

--start/--end/--days/--seed/--scale override run.start/run.end/run.seed/run.scale and take
precedence over the same keys given with --set. --days N runs N days from the start date.
DIR/scenario.toml holds every parameter; `borderflow run --scenario DIR/scenario.toml`
repeats the run exactly.

--fork DATE runs the scenario's history up to DATE (or takes it from the snapshot cache) and
goes on from DATE: each lever given with --set takes its value on DATE and keeps it to the end
(later timeline events no longer change it); --drop removes later timeline events. --days
then counts from DATE and the outputs start on DATE; --start is the history's start. --fork FILE resumes a snapshot written
with --save (refused if it is another history or another version of the model)."""

BATCH_EPILOG = """\
DIR holds plan.parquet (every run), runs/<id>.parquet (each run as it finishes),
failures/ (runs that raised), scenario-<name>.toml (every parameter of each scenario) and,
at the end, daily.parquet and monthly.parquet (one row per run and day or month, with the
scenario, replicate, seed and the parameters that differ between the scenarios),
summaries.parquet/.csv (one row per run) and comparison.png (median and 90% band of each
scenario). An interrupted batch is finished by the same command with --resume."""

COMPARE_EPILOG = """\
The factual is the scenario forked on DATE with no change (so, from DATE, the scenario itself; a
named regime forks on its own first day when --fork is not given); the counterfactual holds each
--set lever from DATE and leaves out the --drop events. Both run with seeds
S..S+N-1 from the same cached history, so each seed gives one difference (common random numbers) and
a change that changes nothing gives exactly zero. --days/--end count from DATE. DIR holds what a
batch writes (plan, runs/, daily.parquet, monthly.parquet, summaries, scenario-factual.toml,
scenario-counterfactual.toml) and differences.csv (each day: the effect's median and 5-95% band;
flows cumulated from DATE, stocks on the day), effects.csv (at 30, 90 and 365 days or the run's
end) and effects.png. --resume finishes an interrupted comparison."""

SWEEP_EPILOG = """\
SPEC.toml names the scenario, the design (factorial, lhs, sobol, morris), samples,
replicates, seed, the outputs to summarise, the [run] span (days, start, end, scale),
fixed [set] values and the [parameters] to vary; see the README's "Experiments" section
and experiments/specs/. DIR holds spec.toml, scenario.toml, design.parquet, plan.parquet,
runs/, failures/ and, at the end, summaries.parquet/.csv, daily.parquet, monthly.parquet.
Then `borderflow sensitivity DIR` for sobol and morris designs.

Outputs (summary statistics of each run):
""" + describe()


def fail(message: str, code: int = 2) -> None:
    """The one line a user sees for a bad input, then exit."""
    print(f"borderflow: error: {' '.join(str(message).split())}", file=sys.stderr)
    raise SystemExit(code)


class Parser(argparse.ArgumentParser):
    """argparse with the same one-line error format as the rest of the command."""

    def error(self, message: str) -> None:
        fail(f"{message} (see `{self.prog} --help`)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got '{text}'") from None


def build_parser() -> Parser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = Parser(prog="borderflow", allow_abbrev=False,
                    description="Agent-based model of migration at the US-Mexico border.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario and write its outputs", allow_abbrev=False,
                              description="Run a scenario day by day and write daily.csv, monthly.csv, "
                                          "scenario.toml and curves.png into DIR.",
                              epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--scenario", default=DEFAULT_SCENARIO, metavar="NAME|PATH",
                     help=f"a named scenario (see `borderflow scenarios`) or a .toml file (default: {DEFAULT_SCENARIO})")
    add_span_arguments(run, seed_help="random seed")
    add_fork_arguments(run)
    run.add_argument("--out", required=True, metavar="DIR", help="output directory (see below)")
    run.add_argument("--save", metavar="FILE", help="also save the whole model state after the last day to FILE "
                                                    "(go on from it with --fork FILE)")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary line")
    run.set_defaults(handler=cmd_run)

    scenarios = commands.add_parser("scenarios", help="list the named scenarios", allow_abbrev=False)
    scenarios.set_defaults(handler=cmd_scenarios)

    params = commands.add_parser("params", help="list every parameter with unit, range and source",
                                 allow_abbrev=False)
    params.add_argument("section", nargs="?", metavar="SECTION", help=f"one of: {', '.join(SECTIONS)}")
    params.set_defaults(handler=cmd_params)

    batch = commands.add_parser("batch", help="run scenarios with the same seeds and compare them",
                                allow_abbrev=False, epilog=BATCH_EPILOG, formatter_class=raw,
                                description="Run each scenario N times (seeds S..S+N-1 for every one) and "
                                            "write one table of all runs and a comparison figure into DIR.")
    batch.add_argument("--scenarios", nargs="+", required=True, metavar="NAME|PATH", help="the scenarios")
    batch.add_argument("--replicates", type=int, default=1, metavar="N", help="runs per scenario (default: 1)")
    add_span_arguments(batch, seed_help="first seed: replicate i runs with seed S+i (default: 1)")
    add_fork_arguments(batch)
    add_experiment_arguments(batch)
    batch.set_defaults(handler=cmd_batch)

    sweep = commands.add_parser("sweep", help="run a parameter sweep described by a TOML spec",
                                allow_abbrev=False, epilog=SWEEP_EPILOG, formatter_class=raw,
                                description="Run every point of the spec's design with its replicates and "
                                            "write per-run summaries and daily tables into DIR.")
    sweep.add_argument("spec", metavar="SPEC.toml", help="the sweep spec (see below)")
    add_experiment_arguments(sweep)
    sweep.set_defaults(handler=cmd_sweep)

    compare = commands.add_parser("compare", help="the effect of a change from a day of history, over seeds",
                                  allow_abbrev=False, epilog=COMPARE_EPILOG, formatter_class=raw,
                                  description="Fork the scenario on --fork DATE twice, as it is (the factual) and "
                                              "with the --set/--drop changes (the counterfactual), with the same "
                                              "seeds, and write the effect with its 90% band into DIR.")
    compare.add_argument("--scenario", default=DEFAULT_SCENARIO, metavar="NAME|PATH",
                         help=f"the scenario whose history is forked (default: {DEFAULT_SCENARIO})")
    compare.add_argument("--replicates", type=int, default=20, metavar="N",
                         help="seeds S..S+N-1, each for both runs (default: 20)")
    add_span_arguments(compare, seed_help="first seed (default: 1)")
    add_fork_arguments(compare)
    add_experiment_arguments(compare)
    compare.set_defaults(handler=cmd_compare)

    sensitivity = commands.add_parser("sensitivity", help="Sobol or Morris indices of a finished sweep",
                                      allow_abbrev=False,
                                      description="Compute the sensitivity indices matching a finished sobol or "
                                                  "morris sweep; write DIR/sensitivity.csv and sensitivity.png.")
    sensitivity.add_argument("dir", metavar="DIR", help="the sweep's output directory")
    sensitivity.set_defaults(handler=cmd_sensitivity)

    cache = commands.add_parser("cache", help="where forks cache their histories, and how much; --clear empties it",
                                allow_abbrev=False,
                                description="The snapshot cache: each fork's history state, kept so that later forks "
                                            "of it cost only their own days ($BORDERFLOW_CACHE, else "
                                            "$XDG_CACHE_HOME/borderflow, else ~/.cache/borderflow).")
    cache.add_argument("--clear", action="store_true", help="remove every cached snapshot")
    cache.set_defaults(handler=cmd_cache)

    serve = commands.add_parser("serve", help="watch a scenario run in a browser and move its levers live",
                                allow_abbrev=False,
                                description="Start the browser app (Mesa SolaraViz) on http://HOST:PORT: the border "
                                            "grid, live curves and the policy levers; page 1 replays a batch.")
    serve.add_argument("--scenario", default=APP_SCENARIO, metavar="NAME|PATH",
                       help=f"the scenario the page opens on (default: {APP_SCENARIO})")
    serve.add_argument("--port", type=int, default=8765, metavar="P", help="port to listen on (default: 8765)")
    serve.add_argument("--host", default="127.0.0.1", metavar="H",
                       help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 opens it to all)")
    serve.add_argument("--batch", metavar="DIR", help="a finished batch (DIR/daily.parquet) to replay on page 1")
    serve.set_defaults(handler=cmd_serve)

    from calibration.commands import add_commands
    add_commands(commands)
    return parser


def add_experiment_arguments(parser: argparse.ArgumentParser) -> None:
    """Where results go and where runs execute, shared by `batch` and `sweep`."""
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (new or empty, or --resume)")
    parser.add_argument("--resume", action="store_true", help="finish the experiment in DIR: run only what is missing")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="local worker processes (default: 1, in this process); with --dask local, its workers")
    parser.add_argument("--dask", metavar="ADDRESS", help="run on the Dask scheduler at ADDRESS, or 'local' for a "
                                                          "LocalCluster on this machine")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary line")


def add_span_arguments(parser: argparse.ArgumentParser, seed_help: str) -> None:
    """--days/--end/--start/--seed/--scale/--set, shared by `run` and `batch`."""
    span = parser.add_mutually_exclusive_group()
    span.add_argument("--days", type=int, metavar="N", help="simulate N days from the start date")
    span.add_argument("--end", type=_date, metavar="YYYY-MM-DD", help="last simulated day (inclusive)")
    parser.add_argument("--start", type=_date, metavar="YYYY-MM-DD", help="first simulated day")
    parser.add_argument("--seed", type=int, metavar="S", help=seed_help)
    parser.add_argument("--scale", type=int, metavar="K", help="people one agent stands for (smaller: slower, finer)")
    parser.add_argument("--set", action="extend", nargs="+", default=[], metavar="KEY=VALUE",
                        help="change a parameter, e.g. --set closure.activation=2000 (see `borderflow params`)")


def add_fork_arguments(parser: argparse.ArgumentParser) -> None:
    """--fork/--drop, shared by `run`, `batch` and `compare`."""
    parser.add_argument("--fork", metavar="YYYY-MM-DD|FILE",
                        help="follow the scenario's history up to this date, then go on with the --set levers held "
                             "from it (or resume a snapshot FILE)")
    parser.add_argument("--drop", action="extend", nargs="+", metavar="YYYY-MM-DD|later",
                        help="with --fork: leave out the timeline events on these dates ('later': every event "
                             "from the fork date on)")
    parser.add_argument("--empty-start", action="store_true",
                        help="run a fork (a named regime, or --fork DATE) from an empty border on its date, with "
                             "the same levers, timeline and pressure but no history")


# -- run ------------------------------------------------------------------------------------
def summary(daily, out: str) -> str:
    usbp, ofo = daily["encounters_usbp"].sum(), daily["encounters_ofo"].sum()
    closed = int(daily["closure_active"].sum())
    return (f"wrote {out} (daily.csv, monthly.csv, scenario.toml, curves.png): {len(daily)} days, "
            f"encounters USBP {usbp:,.0f}, OFO {ofo:,.0f}; {closed} days under closure")


def cmd_run(args: argparse.Namespace, argv: list[str]) -> int:
    from tqdm import tqdm

    from experiments.output import OutputError, Staging, write
    from experiments.overrides import configure, snapshot_file
    from model.snapshot import begin, save

    scenario = configure(args)
    snapshot = snapshot_file(args.fork)
    if args.save and scenario.fork is not None:
        raise UsageError("--save saves a scenario's own history; it cannot go with a fork")
    if args.save and not os.path.isdir(os.path.dirname(os.path.abspath(args.save))):
        raise UsageError(f"--save {args.save}: its folder does not exist")
    try:
        staging = Staging(args.out)
    except OutputError as err:
        raise UsageError(err) from None
    with staging:
        show = not args.quiet and scenario.days > PROGRESS_DAYS
        with tqdm(total=scenario.days, unit="day", desc=scenario.name, file=sys.stderr, disable=not show,
                  delay=2, mininterval=0.5, leave=False) as bar:
            model = begin(scenario, progress=bar.update, snapshot=snapshot)
            daily = model.run(progress=bar.update)
        write(staging, daily, scenario, argv)
        if args.save:
            save(model, args.save)
        staging.commit()
    if not args.quiet:
        print(summary(daily, args.out))
    return 0


# -- batch, sweep, sensitivity --------------------------------------------------------------
def cmd_batch(args: argparse.Namespace, argv: list[str]) -> int:
    from experiments import batch
    from experiments.summaries import STATISTICS

    runs = batch.plan_from_args(args)
    return experiment(args, runs, batch.files(runs, argv), list(STATISTICS), after=batch.draw)


def cmd_sweep(args: argparse.Namespace, argv: list[str]) -> int:
    from experiments import sweep
    from experiments.output import scenario_toml
    from experiments.overrides import note_resets

    spec = sweep.read(args.spec)
    base, design, runs = sweep.plan(spec)
    note_resets(base, [*spec.set_values(), *(p.key for p in spec.parameters)])
    files = {"spec.toml": spec.text, "scenario.toml": scenario_toml(base, argv), "design.parquet": design}
    return experiment(args, runs, files, spec.outputs)


def experiment(args: argparse.Namespace, runs: list, files: dict, outputs: list[str], after=None,
               extra: str = "comparison.png") -> int:
    """Run what DIR lacks on the chosen backend, then report; 1 if any run failed."""
    from experiments.backends import backend
    from experiments.store import execute

    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.dask not in (None, "local") and args.workers > 1:
        raise UsageError("--workers sets the size of --dask local; a running scheduler has its own workers")
    store, finished, failed = execute(runs, args.out, backend(args.workers, args.dask), resume=args.resume,
                                      files=files, outputs=outputs, quiet=args.quiet)
    if after is not None and finished:
        after(store.path, runs)
    if not args.quiet:
        print(f"wrote {args.out}: {finished} of {len(runs)} runs finished (daily.parquet, monthly.parquet, "
              f"summaries.parquet/.csv{', ' + extra if after and finished else ''})")
    if failed:
        print(f"borderflow: {failed} of {len(runs)} runs failed; see {args.out}/failures.csv "
              f"(--resume tries them again)", file=sys.stderr)
        return 1
    return 0


def cmd_compare(args: argparse.Namespace, argv: list[str]) -> int:
    from experiments import batch, compare

    runs = compare.plan(args)
    code = experiment(args, runs, batch.files(runs, argv), [], after=compare.write, extra="effects.csv, effects.png")
    if not args.quiet and (Path(args.out) / "effects.csv").exists():
        print(compare.summary(Path(args.out)))
    return code


def cmd_sensitivity(args: argparse.Namespace, argv: list[str]) -> int:
    from experiments.sensitivity import analyse

    table, csv, png = analyse(args.dir)
    print(f"wrote {csv} and {png}: {table['parameter'].nunique()} parameters x {table['output'].nunique()} outputs")
    return 0


# -- scenarios and params -------------------------------------------------------------------
def cmd_scenarios(args: argparse.Namespace, argv: list[str]) -> int:
    from model.scenario import ScenarioError, load, named_scenarios

    named = named_scenarios()
    if not named:
        print("no named scenarios (experiments/scenarios/*.toml)")
        return 0
    width = max(map(len, named))
    for name in named:
        try:
            description = load(name).description or "(no description)"
        except ScenarioError as err:
            description = f"[cannot load: {err}]"
        print(f"{name.ljust(width)}  {description}")
    return 0


def _number(v) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _value(v) -> str:
    """A default as one would type it after --set (TOML syntax)."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + "}"
    return _number(v) if isinstance(v, (int, float)) else str(v)


def _range(meta: dict, default) -> str:
    if meta["choices"]:
        sep = ", " if isinstance(default, list) else " | "
        return ("any of " if isinstance(default, list) else "") + sep.join(meta["choices"])
    lo, hi = meta["lo"], meta["hi"]
    if lo is None and hi is None:
        return "-"
    return f"[{_number(lo) if lo is not None else ''}, {_number(hi) if hi is not None else ''}]"


def params_lines(section: str | None = None) -> list[str]:
    """The parameter table; defaults too long for a column go on the line below."""
    rows, long = [("key", "default", "unit", "range", "source")], {}
    for name, cls in SECTIONS.items():
        if section not in (None, name):
            continue
        defaults = cls()
        for f in fields(cls):
            key, default = f"{name}.{f.name}", _value(getattr(defaults, f.name))
            if len(default) > 20:
                long[key], default = default, "(below)"
            rows.append((key, default, f.metadata["unit"], _range(f.metadata, getattr(defaults, f.name)),
                         f.metadata["source"]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
        if r[0] in long:
            lines.append(f"    = {long[r[0]]}")
    return lines


def cmd_params(args: argparse.Namespace, argv: list[str]) -> int:
    if args.section is not None and args.section not in SECTIONS:
        close = difflib.get_close_matches(args.section, list(SECTIONS), n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else f"; choose from {', '.join(SECTIONS)}"
        raise UsageError(f"unknown section '{args.section}'{hint}")
    print("\n".join(params_lines(args.section)))
    return 0


def cmd_cache(args: argparse.Namespace, argv: list[str]) -> int:
    from model.snapshot import cache_dir, clear_cache, cached

    if args.clear:
        count, size = clear_cache()
        print(f"removed {count} snapshot{'s' * (count != 1)} ({size / 2**20:,.1f} MiB) from {cache_dir()}")
        return 0
    files = cached()
    size = sum(f.stat().st_size for f in files)
    print(f"{cache_dir()}: {len(files)} snapshot{'s' * (len(files) != 1)}, {size / 2**20:,.1f} MiB")
    return 0


# -- serve ----------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace, argv: list[str]) -> int:
    from viz.server import ServeError, serve

    try:
        return serve(args)
    except ServeError as err:
        raise UsageError(err) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point of `borderflow`; returns the exit status (argparse exits by itself)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    from model.scenario import ScenarioError  # after parsing: --help and argparse's errors need no numpy

    try:
        with stopped_by_signals():
            code = args.handler(args, argv)
            sys.stdout.flush()  # a reader that closed the pipe shows here, not at the interpreter's exit
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt as err:
        print("borderflow: interrupted; nothing was written", file=sys.stderr)
        return interrupted_code(err)
    except Stopped as err:
        print(f"borderflow: {' '.join(str(err).split())}", file=sys.stderr)
        return err.code
    except (ScenarioError, UsageError, ExperimentError) as err:
        fail(err)
    except OSError as err:
        fail(f"{err.filename + ': ' if err.filename else ''}{err.strerror or err}")
    return 2


def _closed_pipe() -> int:
    """The reader of our output went away (`borderflow params | head`): normal use, so no message; the
    status is the shell's for a process stopped by SIGPIPE (128 + 13), as for any other command."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())  # what is still buffered goes nowhere, quietly
    return CLOSED_PIPE


if __name__ == "__main__":  # python -m experiments.cli, e.g. with -X importtime
    sys.exit(main())
