"""A run's output directory: staged next to its destination, moved into place only when complete.

Everything is written into a hidden temporary directory beside DIR (same filesystem), so
an error or Ctrl-C never leaves a half-written DIR, and a finished run replaces a previous
one in two renames. DIR may already exist only if it is empty or holds nothing but the
files a run writes (`OUTPUTS`); anything else is refused rather than deleted.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import platform
import shlex
import shutil
import tempfile
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import tomli_w

import model
from model.records import COLUMNS, monthly
from model.scenario import Scenario

OUTPUTS = ("daily.csv", "monthly.csv", "scenario.toml", "curves.png")
"""The files of one run; a directory holding only these may be replaced by a new run."""

TEMP_PREFIX = ".borderflow-"


class OutputError(Exception):
    """DIR cannot take the outputs; the message is one line for the user."""


def _check_target(target: Path, shown: str, outputs: tuple[str, ...] = OUTPUTS) -> None:
    if not (target.exists() or target.is_symlink()):
        return
    if not target.is_dir():
        raise OutputError(f"--out {shown} exists and is not a directory")
    try:
        stray = sorted(p.name for p in target.iterdir() if p.name not in outputs)
    except OSError as err:
        raise OutputError(f"--out {shown}: cannot read it: {err.strerror or err}") from None
    if stray:
        raise OutputError(f"--out {shown} is not empty and not a borderflow output directory "
                          f"(it contains '{stray[0]}'); choose another directory")


def remove_stale(parent: Path, name: str) -> None:
    """Remove what a killed run into the same DIR left: staging directories whose process is gone
    (their names carry the process id; a run still going is left alone)."""
    stem = f"{TEMP_PREFIX}{name}-"
    for p in parent.glob(f"{glob.escape(stem)}*"):
        pid = p.name[len(stem):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class Staging:
    """The temporary directory a run writes into, and the move that publishes it as DIR."""

    def __init__(self, out: str | os.PathLike, outputs: tuple[str, ...] = OUTPUTS):
        """`outputs`: the files the command writes, so that a directory holding only those (its previous
        output) may be replaced."""
        self.shown, self.outputs = str(out), outputs
        if not self.shown:
            raise OutputError("--out '' names no directory; give a directory name")
        self.target = Path(os.path.abspath(out))
        parent = self.target.parent
        self.made = [p for p in (parent, *parent.parents) if not p.exists()]  # created here, removed on failure
        blocker = next((p for p in (parent, *parent.parents) if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise OutputError(f"--out {self.shown}: {blocker} is not a directory")
        _check_target(self.target, self.shown, outputs)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            remove_stale(parent, self.target.name)
            prefix = f"{TEMP_PREFIX}{self.target.name}-{os.getpid()}-"
            self.path = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
        except OSError as err:
            self._remove_made()
            raise OutputError(f"--out {self.shown}: cannot write in {parent}: {err.strerror or err}") from None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind, error, tb) -> None:
        self.discard()

    def discard(self) -> None:
        """Remove the staged files and any parent directories made for them (no-op once committed)."""
        shutil.rmtree(self.path, ignore_errors=True)
        if not self.target.exists():
            self._remove_made()

    def _remove_made(self) -> None:
        for p in self.made:  # innermost first
            try:
                p.rmdir()
            except OSError:
                break

    def commit(self) -> None:
        """Publish the staged directory as DIR, replacing an empty or previous-output DIR."""
        _check_target(self.target, self.shown, self.outputs)  # DIR may have changed during a long run
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.path, 0o777 & ~umask)  # mkdtemp's private 0700, as if made by mkdir
        old = None
        if self.target.exists():
            old = self.path.with_name(self.path.name + "-old")
            os.rename(self.target, old)
        try:
            os.rename(self.path, self.target)
        except OSError:
            if old is not None:
                os.rename(old, self.target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def meta(scenario: Scenario, argv: list[str]) -> dict:
    """What produced a run: enough to reproduce it or explain a difference."""
    return {
        "seed": scenario.run.seed,
        "borderflow": model.__version__,
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "command": shlex.join(["borderflow", *argv]),
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0),
    }


def scenario_toml(scenario: Scenario, argv: list[str]) -> str:
    """The full scenario as TOML, loadable with `--scenario`, plus a [meta] table."""
    header = ("# Written by borderflow: every parameter of this run.\n"
              "# Rerun it with: borderflow run --scenario scenario.toml --out DIR\n\n")
    return header + tomli_w.dumps({**scenario.to_dict(), "meta": meta(scenario, argv)})


def write(staging: Staging, daily: pd.DataFrame, scenario: Scenario, argv: list[str]) -> None:
    """All four outputs into the staging directory."""
    from experiments.plots import curves

    daily[COLUMNS].to_csv(staging.path / "daily.csv", index=False, lineterminator="\n")
    monthly(daily).to_csv(staging.path / "monthly.csv", index=False, lineterminator="\n")
    (staging.path / "scenario.toml").write_text(scenario_toml(scenario, argv), encoding="utf-8")
    curves(daily, scenario, staging.path / "curves.png")
