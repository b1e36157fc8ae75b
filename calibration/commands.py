"""The `calibrate` and `validate` subcommands of `borderflow` (argument parsing and output)."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from pathlib import Path

from calibration.window import FIRST_MONTH, LAST_MONTH, through_problem
from experiments.errors import Stopped, UsageError, interrupted_code

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

DISTANCE_SCALES = ("mad", "pcmad", "cmad")
"""`--distance-scale`: the names of `calibration.smc.SCALES` (spelt out: the parser loads no numerical library)."""


def _month(text: str) -> str:
    if not MONTH.match(text):
        raise argparse.ArgumentTypeError(f"expected a month YYYY-MM, got '{text}'")
    problem = through_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _every(text: str) -> int:
    from calibration.smooth_pressure import EVERY_MIN

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of months, got '{text}'") from None
    if value < EVERY_MIN:
        raise argparse.ArgumentTypeError(f"must be at least {EVERY_MIN} months (the pressure has a knot a quarter), "
                                         f"got {value}")
    return value


def _prior(text: str) -> tuple[str, float, float]:
    """`--prior KEY=LO:HI`: a parameter and the bounds of its uniform prior."""
    key, eq, bounds = text.partition("=")
    lo, colon, hi = bounds.partition(":")
    try:
        lo, hi = float(lo), float(hi)
    except ValueError:
        lo = hi = math.nan
    if not (eq and colon and key and math.isfinite(lo) and math.isfinite(hi)):
        raise argparse.ArgumentTypeError(f"expected KEY=LO:HI (a uniform prior from LO to HI), got '{text}'")
    if lo >= hi:
        raise argparse.ArgumentTypeError(f"{key}: LO must be below HI, got {lo:g}:{hi:g}")
    return key, lo, hi


def add_commands(commands) -> None:
    from calibration.smooth_pressure import EVERY

    cal = commands.add_parser(
        "calibrate", allow_abbrev=False, help="fit the historical scenario to CBP data through a month",
        description="Fit the migration pressure and behaviour of the historical scenario to the observed patterns "
                    "from October 2018 through --through, and write DIR/fit.toml (a scenario file) and "
                    "fitted.csv (values with 5-95%% ranges), with the method's own files (see --method). "
                    "Copy fit.toml to experiments/scenarios/fits/through-MONTH.toml to make `historical` "
                    "(through 2024-05) or a held-out check (2023-05, 2023-04, 2023-11) use it.")
    cal.add_argument("--through", type=_month, default=LAST_MONTH, metavar="YYYY-MM",
                     help=f"last month fitted (default {LAST_MONTH}; 2023-05 for the held-out fit)")
    cal.add_argument("--samples", type=_positive, default=24, metavar="N", help="ABC draws (default 24)")
    cal.add_argument("--rounds", type=_positive, default=4, metavar="R", help="pressure inversion rounds (default 4)")
    cal.add_argument("--scale", type=_positive, default=40, metavar="K",
                     help="people per agent while fitting (default 40, the runs' default: a fit made there "
                          "needs no scale check)")
    cal.add_argument("--seed", type=int, default=1, metavar="S", help="seed of the runs and of the design (default 1)")
    cal.add_argument("--workers", type=_positive, default=1, metavar="N", help="processes (default 1)")
    cal.add_argument("--method", choices=("inversion", "smc"), default="inversion",
                     help="'inversion' (default): pressure inversion + ABC rejection, also writing abc_draws.csv "
                          "and inversion.csv; 'smc': ABC-SMC (pyabc) of the behaviour, of a smooth pressure "
                          "for each nationality group (a random walk of its log level through anchors "
                          "--pressure-every months apart) and of a multiplier of each sector's route weights "
                          "jointly, also writing posterior.csv, smc.csv (the run's "
                          "record) and smc.db (pyabc's database); its fit.toml has the posterior median")
    cal.add_argument("--pressure-every", type=_every, metavar="MONTHS",
                     help=f"smc: months between the anchors of the smooth pressure (default {EVERY})")
    cal.add_argument("--population", type=_positive, default=50, metavar="N",
                     help="smc: particles a generation (default 50)")
    cal.add_argument("--generations", type=_positive, default=5, metavar="G", help="smc: most generations (default 5)")
    cal.add_argument("--max-simulations", type=_positive, default=2000, metavar="N",
                     help="smc: most simulations in all (default 2000)")
    cal.add_argument("--distance-scale", choices=DISTANCE_SCALES, default="mad",
                     help="smc: how each statistic's spread is measured in the distance: 'mad' (default), the median "
                          "absolute deviation of a generation's simulations; 'pcmad', that plus their median absolute "
                          "deviation from the observed value, so statistics the model keeps missing count less, unless more than a "
                          "third of them are off; 'cmad', that sum always")
    cal.add_argument("--early-rejection", action="store_true",
                     help="smc: stop a simulation as soon as it cannot be accepted, and scale the distance by the "
                          "accepted ones (by default every simulation runs to its end and all of them scale it)")
    cal.add_argument("--prior", type=_prior, action="append", default=[], metavar="KEY=LO:HI",
                     help="fit this numeric scenario value too (by either method's ABC), or with this prior instead "
                          "of its default one: uniform from LO to HI, within the value's valid range; an entry of "
                          "a table as section.field.entry (e.g. pressure.claim_mean.mx=0.02:0.5); repeatable")
    cal.add_argument("--hold", action="append", default=[], metavar="KEY",
                     help="leave out one of the parameters fitted by default (behaviour, border_patrol.apprehension; "
                          "smc: also route_weights.SECTOR, or route_weights for every sector): it keeps the "
                          "starting point's value; repeatable")
    cal.add_argument("--dask", metavar="ADDRESS", help="run the simulations on the Dask scheduler at ADDRESS, or 'local' "
                                                       "for a LocalCluster of --workers processes")
    cal.add_argument("--resume", action="store_true",
                     help="smc: continue the run in DIR/smc.db, made with the same settings, to --generations "
                          "and --max-simulations in all, instead of starting over; DIR is replaced by the "
                          "longer run when it ends")
    cal.add_argument("--show-priors", action="store_true",
                     help="print the parameters the fit would draw (after --hold and --prior), each with its "
                          "prior, and stop; no --out needed")
    cal.add_argument("--out", metavar="DIR", help="output directory (written atomically); required but with --show-priors")
    cal.set_defaults(handler=cmd_calibrate)

    val = commands.add_parser(
        "validate", allow_abbrev=False, help="compare the fitted model with the data and forecast after May 2024",
        description="Run the historical scenario over replicate seeds and write, into DIR: observed vs "
                    "simulated plots (median and 90%% band) for each pattern, errors.csv (mean absolute log "
                    "ratio and skill against naive baselines, for the fitted period and the held-out "
                    "2023-06..2024-05 of the fit through 2023-05) and forecast.csv (2024-06..2025-08); "
                    "scale_check.csv if the fit was made at another scale than --scale.")
    val.add_argument("--replicates", type=_positive, default=8, metavar="N", help="seeds per fit (default 8)")
    val.add_argument("--scale", type=_positive, default=40, metavar="K", help="people per agent (default 40)")
    val.add_argument("--workers", type=_positive, default=2, metavar="N",
                     help="local worker processes (default 2); with --dask local, its workers")
    val.add_argument("--dask", metavar="ADDRESS", help="run on the Dask scheduler at ADDRESS, or 'local' for a "
                                                       "LocalCluster on this machine")
    val.add_argument("--fit", metavar="FILE", help="a fit file to validate instead of the shipped one")
    val.add_argument("--posterior", metavar="FILE",
                     help="a posterior.csv from calibrate --method smc: the fit's runs are --draws parameter sets "
                          "resampled from it by weight, each with every seed, so the bands and the forecast carry "
                          "the parameters' uncertainty too (default: for each fit, the posterior shipped beside "
                          "its file, through-MONTH.posterior.csv, if there is one)")
    val.add_argument("--draws", type=_positive, default=10, metavar="D",
                     help="parameter sets drawn from each posterior (default 10)")
    val.add_argument("--seeds-only", action="store_true",
                     help="run each fit's own values, without drawing from a shipped posterior")
    val.add_argument("--out", required=True, metavar="DIR", help="output directory (written atomically)")
    val.set_defaults(handler=cmd_validate)


FIT_OUTPUTS = ("fit.toml", "fitted.csv", "abc_draws.csv", "inversion.csv")
SMC_OUTPUTS = ("fit.toml", "posterior.csv", "fitted.csv", "smc.csv", "smc.db")
"""What `calibrate` writes (by method): a directory holding only these is a previous fit it may replace."""


def cmd_calibrate(args: argparse.Namespace, argv: list[str]) -> int:
    import pandas as pd
    from tqdm import tqdm

    from calibration import fit
    from calibration.calibrate import calibrate, fit_document, starting_point, write_fit
    from experiments.output import OutputError, Staging

    if args.out is None and not args.show_priors:
        raise UsageError("the following arguments are required: --out")
    if args.resume and args.method != "smc":
        raise UsageError("--resume continues an ABC-SMC run: give it with --method smc")
    if args.pressure_every is not None and args.method != "smc":
        raise UsageError("--pressure-every spaces the smooth pressure of ABC-SMC: give it with --method smc")
    if args.distance_scale != "mad" and args.method != "smc":
        raise UsageError("--distance-scale is a setting of ABC-SMC: give it with --method smc")
    if args.early_rejection and args.method != "smc":
        raise UsageError("--early-rejection is a setting of ABC-SMC: give it with --method smc")
    window = fit.Window(FIRST_MONTH, args.through)
    base = starting_point(args.through)
    priors = _priors(args, base, window)  # refused before anything is written
    if args.show_priors:
        width = max(len(key) for key in priors)
        for key, prior in priors.items():
            print(f"{key:<{width}}  {prior.describe():<24}  {prior.what}")
        print(f"{len(priors)} parameters, fitted on {window.first} .. {window.last}")
        return 0
    database, running = Path(args.out) / "smc.db", running_fit(args.out)
    if args.method == "smc" and not args.resume and (running / "smc.db").is_file():
        raise UsageError(f"an interrupted ABC-SMC run of {args.out} is in {running}: continue it with --resume, "
                         f"or delete that directory to start over")
    if args.resume and not database.is_file() and not (running / "smc.db").is_file():
        raise UsageError(f"--resume: {args.out} holds no smc.db to continue; leave --resume out to start a run")
    try:
        staging = Staging(args.out, SMC_OUTPUTS if args.method == "smc" else FIT_OUTPUTS)
    except OutputError as err:
        raise UsageError(err) from None
    shown = [a for i, a in enumerate(argv) if a != "--out" and (i == 0 or argv[i - 1] != "--out")
             and not a.startswith("--out=")]  # the fit must not carry a path of the machine it was made on
    if args.method == "smc":
        return _calibrate_smc(args, staging, window, base, priors, database if args.resume else None, running, shown)
    settings = {"samples": args.samples, "rounds": args.rounds, "scale": args.scale, "seed": args.seed,
                "command": " ".join(["borderflow", *shown])}
    with staging:
        with tqdm(total=args.samples, unit="draw", desc="ABC", file=sys.stderr, delay=2, leave=False) as bar:
            result = calibrate(base, window, samples=args.samples, rounds=args.rounds, scale=args.scale,
                               seed=args.seed, workers=args.workers, priors=priors,
                               log=lambda s: tqdm.write(s, file=sys.stderr), progress=bar.update, dask=args.dask)
        write_fit(fit_document(result, window, settings), staging.path / "fit.toml")
        result["summary"].to_csv(staging.path / "fitted.csv", index=False)
        result["draws"].to_csv(staging.path / "abc_draws.csv", index=False)
        pd.DataFrame(result["inversion"]).to_csv(staging.path / "inversion.csv", index=False)
        staging.commit()
    print(result["summary"][["parameter", "fitted", "q05", "q95"]].to_string(index=False))
    print(f"wrote {args.out} ({', '.join(FIT_OUTPUTS)}); distance {result['distance']:.3f}")
    return 0


def running_fit(out: str) -> Path:
    """Where an ABC-SMC run keeps its database while it runs: beside DIR, so that a run killed or
    stopped part way keeps every generation it finished, for --resume to go on from."""
    out = Path(os.path.abspath(out))
    return out.with_name(f"{out.name}.smc-running")


def user_stop(record) -> bool:
    """Whether a log record carries a Ctrl-C or a SIGTERM (`Terminated`) as its exception."""
    return bool(record.exc_info) and isinstance(record.exc_info[1], KeyboardInterrupt)


def quiet_user_stops(logger) -> None:
    """A Ctrl-C or a SIGTERM can land while SQLAlchemy (under pyabc's database) closes a connection: it
    logs the interruption with its traceback, then lets it go on, and the command reports the stop in
    one line. So `logger`'s records of a user's stop are dropped; all its others still show (on
    standard error, as they would without this). Once per logger."""
    import logging

    if any(getattr(h, "drops_user_stops", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.addFilter(lambda record: not user_stop(record))
    handler.drops_user_stops = True
    logger.addHandler(handler)
    logger.propagate = False


def _what(key: str) -> str:
    """What a --prior's parameter is, from its scenario field's doc (empty for a key that names none:
    the fit's checks refuse it in one line)."""
    from calibration import sector_routes
    from model.values import ScenarioError, parameter, split_key

    if sector_routes.is_key(key):
        default = sector_routes.priors().get(key)
        return default.what if default else ""
    try:
        section, name, entry = split_key(key)
    except ScenarioError:
        return ""
    doc = parameter(section, name).metadata.get("doc") or ""
    return f"{doc}, for {entry}" if entry else doc


def _priors(args: argparse.Namespace, base, window) -> dict:
    """What the fit draws: its method's defaults, less --hold, with --prior. ABC-SMC's defaults are the
    smooth pressure, the behaviour and the sectors' multipliers (`calibration.smc.choose_priors`); the
    inversion's are the behaviour of its rejection ABC (`calibration.fit.PRIORS`), since it fits the
    pressure itself and its fit files hold scenario values only."""
    from calibration import fit
    from calibration.priors import Uniform
    from calibration.simulation import derived
    from calibration.smc import check_priors, choose_priors, default_priors
    from calibration.smooth_pressure import EVERY

    scenario = base.with_values({"run.scale": args.scale})
    added = {}
    for key, lo, hi in args.prior:
        if key in added:
            raise UsageError(f"--prior {key} is given twice")
        if args.method != "smc" and derived(key):
            raise UsageError(f"--prior {key}: the inversion fits scenario values only; the smooth pressure and the "
                             f"sectors' multipliers are fitted by --method smc")
        added[key] = Uniform(lo, hi, _what(key))
    if args.method != "smc":
        for key in args.hold:
            if key not in fit.PRIORS:
                raise UsageError(f"--hold {key}: not one of the parameters the inversion's ABC fits by default: "
                                 f"{', '.join(fit.PRIORS)}")
    defaults = default_priors(scenario, window, args.pressure_every or EVERY) if args.method == "smc" else fit.PRIORS
    try:
        priors = choose_priors(defaults, added, args.hold)
        check_priors(scenario, priors)
    except ValueError as err:
        raise UsageError(err) from None
    if not priors:
        raise UsageError("--hold leaves the fit nothing to draw")
    return priors


def _calibrate_smc(args: argparse.Namespace, staging, window, base, priors: dict, resume: Path | None,
                   running: Path, shown: list[str]) -> int:
    import importlib
    import logging
    import shutil

    import pandas as pd

    from calibration import fit, smooth_pressure
    from calibration.calibrate import scenario_document, write_fit
    from calibration.patterns import observed_patterns
    from calibration.simulation import derived, with_draw
    from calibration.kept_runs import KeptRuns
    from calibration.smc import kept_generations, point, smc

    scenario = base.with_values({"run.scale": args.scale})
    every = args.pressure_every or smooth_pressure.EVERY
    if "ABC_LOG_LEVEL" not in os.environ:  # pyabc's own setting, read when it is imported
        importlib.import_module("pyabc")  # first: it sets its logger to INFO when imported

        logging.getLogger("ABC").setLevel(logging.WARNING)  # its per-generation lines: the command says its own
    quiet_user_stops(logging.getLogger("sqlalchemy"))
    with staging:
        # The run goes on in its running directory (from a copy of DIR's database when resumed, unless
        # an interrupted run is there to go on from): DIR stays whole until the longer run replaces it.
        interrupted = (running / "smc.db").is_file()
        running.mkdir(exist_ok=True)
        if resume is not None and not interrupted:
            shutil.copyfile(resume, running / "smc.db")
        before = kept_generations(running / "smc.db")
        # A Dask scheduler that cannot be reached is a BackendError: one line, exit 2, nothing written.
        try:
            result = smc(scenario, observed_patterns(), window, priors, running, population=args.population,
                         generations=args.generations, max_simulations=args.max_simulations, seed=args.seed,
                         workers=args.workers, dask=args.dask, scale=args.distance_scale,
                         early_rejection=args.early_rejection,
                         log=lambda s: print(s, file=sys.stderr))
        except BaseException as err:
            done, simulated = kept_generations(running / "smc.db"), len(KeptRuns(running, ""))
            if not interrupted and done <= before and not simulated:
                shutil.rmtree(running, ignore_errors=True)  # nothing gained to go on from: as it was
            elif isinstance(err, KeyboardInterrupt):
                kept = f"{done} generations of the ABC-SMC run are" if done else \
                    f"the {simulated} simulations of the ABC-SMC run so far are"
                raise Stopped(f"interrupted: {kept} kept in {running}; go on with the same command and --resume"
                              + (f" (its {simulated} simulations are kept too: none is run again)" if done else ""),
                              interrupted_code(err)) from None
            raise
        shutil.move(running / "smc.db", staging.path / "smc.db")
        rec = result["record"]
        best = point(result["posterior"])
        summary = result["summary"].assign(fitted=[best[k] for k in result["summary"]["parameter"]])
        behaviour = summary[~summary["parameter"].map(derived)]
        fitted = with_draw(scenario, {**best, **fit.fitted_values(behaviour, scenario)})
        write_fit(scenario_document(fitted, summary, window, {
            "method": "ABC-SMC (pyabc): a smooth pressure a nationality group (a random walk of its log level through "
                      f"anchors every {every} months) and the parameters of fitted.csv (by default behaviour and a "
                      "multiplier of each sector's route weights) drawn jointly; the point is the posterior median "
                      "(the pressure's: each anchor's median log level)",
            "held": list(args.hold), "added_priors": [f"{k}={lo:g}:{hi:g}" for k, lo, hi in args.prior],
            "population": args.population, "generations": args.generations, "max_simulations": args.max_simulations,
            "scale": args.scale, "seed": args.seed, "pressure_every": every, "distance_scale": args.distance_scale,
            "early_rejection": args.early_rejection,
            "command": " ".join(["borderflow", *shown]),
            "simulations": rec["simulations"], "generations_run": rec["generations"],
            "acceptance_rate": round(rec["acceptance_rate"], 4),
            "last_acceptance_rate": round(rec["last_acceptance_rate"], 4),
            "epsilon": round(rec["epsilon"], 4), "ess": round(rec["ess"], 1),
        }), staging.path / "fit.toml")
        result["posterior"].to_csv(staging.path / "posterior.csv", index=False)
        summary.to_csv(staging.path / "fitted.csv", index=False)
        pd.DataFrame([rec]).to_csv(staging.path / "smc.csv", index=False)
        staging.commit()
        shutil.rmtree(running, ignore_errors=True)
    print(summary[["parameter", "fitted", "q05", "q95"]].to_string(index=False))
    for group, (months, logs) in smooth_pressure.log_levels(best).items():
        levels = ", ".join(f"{m} {math.exp(v):,.0f}" for m, v in zip(months, logs, strict=True))
        print(f"pressure {group} (people a day) at {levels}")
    print(f"wrote {args.out} ({', '.join(SMC_OUTPUTS)}); {rec['simulations']} simulations, "
          f"{rec['generations']} generations, final epsilon {rec['epsilon']:.3g}, ESS {rec['ess']:.1f}")
    return 0


VALIDATE_OUTPUTS = ("encounters.png", "errors.csv", "forecast.csv", "held_out.png", "patterns", "patterns.csv",
                    "scale_check.csv")
"""What `validate` writes: a directory holding only these is a previous report it may replace."""


def cmd_validate(args: argparse.Namespace, argv: list[str]) -> int:
    from calibration.validate import validate
    from experiments.output import OutputError, Staging

    if args.posterior:  # checked before anything is written
        from calibration.calibrate import fit_path, historical_with_fit
        from calibration.smc import posterior_draws

        try:
            posterior_draws(args.posterior, historical_with_fit(Path(args.fit) if args.fit else fit_path(LAST_MONTH)),
                            args.draws)
        except ValueError as err:
            raise UsageError(err) from None
    try:
        staging = Staging(args.out, VALIDATE_OUTPUTS)
    except OutputError as err:
        raise UsageError(err) from None
    with staging:
        lines = validate(staging.path, replicates=args.replicates, scale=args.scale, workers=args.workers,
                         fit_file=args.fit, dask=args.dask, posterior=args.posterior, draws=args.draws,
                         shipped_posteriors=not args.seeds_only)
        staging.commit()
    print("\n".join(lines))
    print(f"wrote {args.out}")
    return 0
