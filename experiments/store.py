"""An experiment's directory: nothing a user ran is lost, nothing half-written is trusted.

    DIR/plan.parquet        every planned run: id, scenario, point, replicate, seed, parameters
    DIR/runs/<id>.parquet   one finished run's daily table, written the moment it finishes
    DIR/failures/<id>.json  one failed run: its parameters, the error and the traceback
    DIR/daily.parquet, monthly.parquet, summaries.parquet + .csv, failures.csv: merged at the end

Every file is written to a temporary name (`.NAME.PID.tmp`) and renamed into place, so a file
under its final name is complete; a resume removes the temporaries a killed writer left. A run's id hashes its parameters and seed; `--resume` recomputes
the plan, checks it is the one in DIR, and runs only the runs with no file in runs/
(failed runs are tried again). A new experiment into a non-empty DIR is refused.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.backends import WorkerLost
from experiments.errors import ExperimentError, Stopped, interrupted_code
from experiments.runs import LABELS, Result, Run, labelled
from experiments.summaries import summarise
from model.records import COLUMNS, monthly

PLAN, RUNS, FAILURES = "plan.parquet", "runs", "failures"
MERGED = ("daily.parquet", "monthly.parquet", "summaries.parquet", "summaries.csv", "failures.csv")


def atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(temporary path) and rename the result to `path`: all or nothing."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def plan_table(plan: list[Run]) -> pd.DataFrame:
    return pd.DataFrame([run.labels() for run in plan])


class Store:
    """DIR for one plan: checked when made (nothing written), then filled run by run."""

    def __init__(self, out: str | os.PathLike, plan: list[Run], resume: bool):
        self.shown, self.path, self.plan = str(out), Path(out), plan
        if not self.shown:
            raise ExperimentError("--out '' names no directory; give a directory name")
        if self.path.exists() and not self.path.is_dir():
            raise ExperimentError(f"--out {self.shown} exists and is not a directory")
        self.resuming = self.path.is_dir() and any(self.path.iterdir()) and not self._unstarted()
        if self.resuming and not resume:
            raise ExperimentError(f"--out {self.shown} is not empty; add --resume to finish the experiment "
                                  f"in it, or choose another directory")
        if self.resuming:
            self._check_same_plan()

    def _unstarted(self) -> bool:
        """Whether DIR holds only what `create` writes before the plan (a start killed by SIGKILL): its
        empty runs/ and failures/, the experiment's own .toml and design files, temporaries. Such a
        DIR is started again; with no plan it could not be resumed."""
        if (self.path / PLAN).exists() or not all((self.path / d).is_dir() for d in (RUNS, FAILURES)):
            return False
        for entry in self.path.iterdir():
            if entry.name in (RUNS, FAILURES):
                if any(not p.name.endswith(".tmp") for p in entry.iterdir()):
                    return False
            elif not (entry.is_file() and (entry.suffix == ".toml" or entry.name == "design.parquet"
                                           or entry.name.endswith(".tmp"))):
                return False
        return True

    def _check_same_plan(self) -> None:
        try:
            ids = pd.read_parquet(self.path / PLAN, columns=["run_id"])["run_id"].tolist()
        except (OSError, ValueError, pa.ArrowException):
            raise ExperimentError(f"--out {self.shown} is not an experiment directory (no readable "
                                  f"{PLAN}); choose another directory") from None
        if ids != [run.id for run in self.plan]:
            raise ExperimentError(f"--resume: {self.shown} holds a different experiment ({len(ids)} runs planned "
                                  f"with other parameters or seeds); use the same spec and options, or another --out")

    def create(self, files: dict[str, str | pd.DataFrame]) -> None:
        """Make DIR with the plan and the experiment's own files (a new DIR only)."""
        (self.path / RUNS).mkdir(parents=True, exist_ok=True)
        (self.path / FAILURES).mkdir(exist_ok=True)
        for folder in (self.path, self.path / RUNS, self.path / FAILURES):
            for stray in folder.glob(".*.tmp"):  # left by a writer killed mid-file (SIGKILL): never a result
                stray.unlink(missing_ok=True)
        if self.resuming:
            return
        for name, content in files.items():
            if isinstance(content, pd.DataFrame):
                atomic(self.path / name, lambda p, table=content: table.to_parquet(p, index=False))
            else:
                write_text(self.path / name, content)
        atomic(self.path / PLAN, lambda p: plan_table(self.plan).to_parquet(p, index=False))

    def finished(self) -> set[str]:
        return {p.stem for p in (self.path / RUNS).glob("*.parquet")}

    def record(self, run: Run, result: Result) -> None:
        failure = self.path / FAILURES / f"{run.id}.json"
        if result.ok:
            table = labelled(run, result.daily[COLUMNS])
            atomic(self.path / RUNS / f"{run.id}.parquet", lambda p: table.to_parquet(p, index=False))
            failure.unlink(missing_ok=True)
        else:
            text = json.dumps({**run.labels(), "error": result.error, "traceback": result.trace}, indent=1)
            write_text(failure, text)

    def merge(self, outputs: list[str]) -> tuple[int, int]:
        """The tables of every planned run in plan order; returns (finished, failed) plan entries.

        A design can hold the same parameters and seed twice (e.g. Saltelli's matrices after
        rounding): that run is computed once and appears under each of its plan entries."""
        done = self.finished()
        writers, summaries, failures = {}, [], []
        written = False
        try:
            for run in self.plan:
                labels = run.labels()
                if run.id not in done:
                    failure = self.path / FAILURES / f"{run.id}.json"
                    if failure.exists():
                        failures.append({**labels, "error": json.loads(failure.read_text(encoding="utf-8"))["error"]})
                    continue
                data = pd.read_parquet(self.path / RUNS / f"{run.id}.parquet").drop(columns=list(labels))
                for name, frame in (("daily", data), ("monthly", monthly(data))):
                    table = pa.Table.from_pandas(labelled(run, frame), preserve_index=False)
                    if name not in writers:
                        temporary = self.path / f".{name}.parquet.{os.getpid()}.tmp"
                        writers[name] = (pq.ParquetWriter(temporary, table.schema), temporary)
                    writer = writers[name][0]
                    writer.write_table(table.cast(writer.schema))
                summaries.append({**labels, **summarise(data, outputs)})
            written = True
        finally:
            for writer, temporary in writers.values():
                writer.close()
                if not written:  # interrupted or failed: no half-merged table is left behind
                    temporary.unlink(missing_ok=True)
        for name, (_, temporary) in writers.items():
            os.replace(temporary, self.path / f"{name}.parquet")
        table = pd.DataFrame(summaries, columns=[*self._label_columns(), *outputs])
        atomic(self.path / "summaries.parquet", lambda p: table.to_parquet(p, index=False))
        atomic(self.path / "summaries.csv", lambda p: table.to_csv(p, index=False, lineterminator="\n"))
        failed = pd.DataFrame(failures, columns=[*self._label_columns(), "error"])
        if len(failed):
            atomic(self.path / "failures.csv", lambda p: failed.to_csv(p, index=False, lineterminator="\n"))
        else:
            (self.path / "failures.csv").unlink(missing_ok=True)
        return len(summaries), len(failed)

    def _label_columns(self) -> list[str]:
        return list(self.plan[0].labels()) if self.plan else list(LABELS)


def execute(plan: list[Run], out: str, backend, *, resume: bool, files: dict, outputs: list[str],
            quiet: bool = False) -> tuple[Store, int, int]:
    """Run what is missing from DIR on `backend`, recording each run as it ends, then merge.

    Returns (store, finished, failed). Raises ExperimentError before writing anything if DIR
    or the backend is unusable, and Stopped (resumable) on Ctrl-C or a lost worker."""
    from tqdm import tqdm

    store = Store(out, plan, resume)
    with backend:
        store.create(files)
        done = store.finished()
        by_id = {run.id: run for run in plan if run.id not in done}  # a repeated design point runs once
        todo = list(by_id.values())
        failed = 0
        unique = len({run.id for run in plan})
        bar = tqdm(total=unique, initial=unique - len(todo), unit="run", desc="runs", file=sys.stderr,
                   disable=quiet, dynamic_ncols=True, mininterval=0.5)
        try:
            with bar:
                for result in backend.results(todo):
                    store.record(by_id[result.run_id], result)
                    failed += not result.ok
                    bar.set_postfix(failed=failed, refresh=False)
                    bar.update()
        except KeyboardInterrupt as err:
            raise Stopped(f"interrupted: {_kept(store)}", interrupted_code(err)) from None
        except WorkerLost as err:
            raise Stopped(f"error: {err}: {_kept(store)}", 1) from None
    t0 = time.perf_counter()
    try:
        finished, failed = store.merge(outputs)
    except KeyboardInterrupt as err:
        raise Stopped(f"interrupted while merging: {_kept(store)}", interrupted_code(err)) from None
    if not quiet and time.perf_counter() - t0 > 5:
        print(f"merged {finished} runs in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return store, finished, failed


def _kept(store: Store) -> str:
    planned = {run.id for run in store.plan}
    return (f"{len(store.finished() & planned)} of {len(planned)} runs finished and kept "
            f"in {store.shown}; finish them with the same command and --resume")
