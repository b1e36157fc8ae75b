"""Snapshots: the whole state of a run on a day, saved and resumed; and the cache that lets many
forks of one history pay for that history once.

A snapshot is the model itself, pickled: agents, the calendar of wake-ups, beliefs and the news
still travelling, the controller, the levers in force, the scheduled events and the random
generators. So resuming gives the same days, bit for bit, as running straight through (tested).

A snapshot file starts with a header read on its own (the format, the code version, the history
scenario with its seed and scale, the date), so a mismatch is refused with one line before the
model is loaded. The code version is a hash of the model's source: a snapshot made by other code
would not resume as that code ran.

Snapshots are pickles: load only ones you or your own runs made.

The cache (`$BORDERFLOW_CACHE`, else `$XDG_CACHE_HOME/borderflow`, else `~/.cache/borderflow`)
keys each state by code version, history scenario (all of it but `run.end`, which the history
up to a date does not depend on), seed and date. Processes that need the same state at once take
turns on a lock file beside it, so it is run once.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path

from model.scenario import Scenario
from model.values import ScenarioError

FORMAT = "borderflow-snapshot/1"
SOURCES = ("model", "agents")
"""The packages whose code makes the state; a change in any of their files changes the version."""


class SnapshotError(ScenarioError):
    """A snapshot that cannot be used: unreadable, from other code, or of another history."""


@cache
def code_version() -> str:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in SOURCES:
        for path in sorted((root / package).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def history_key(scenario: Scenario) -> dict:
    """What the state up to a fork depends on: the scenario without its fork and its end."""
    data = scenario.history().to_dict()
    data["run"] = {k: v for k, v in data["run"].items() if k != "end"}
    data.pop("name"), data.pop("description")
    return data


def _text(data) -> str:
    return json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))


def cache_dir() -> Path:
    if os.environ.get("BORDERFLOW_CACHE"):
        return Path(os.environ["BORDERFLOW_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "borderflow"


def cached() -> list[Path]:
    """The snapshots in the cache."""
    return sorted((cache_dir() / "snapshots").glob("*.snapshot"))


def clear_cache() -> tuple[int, int]:
    """Remove every cached snapshot (and any left half-written); returns how many and their bytes."""
    snapshots = cached()
    files = [*snapshots, *(cache_dir() / "snapshots").glob(".*.part"), *(cache_dir() / "snapshots").glob(".*.lock")]
    size = sum(f.stat().st_size for f in files)
    for f in files:
        f.unlink(missing_ok=True)
    return len(snapshots), size


def cache_path(scenario: Scenario, day: dt.date) -> Path:
    key = hashlib.sha256(_text([code_version(), history_key(scenario), day]).encode()).hexdigest()[:24]
    return cache_dir() / "snapshots" / f"{day}-{key}.snapshot"


def save(model, path: str | os.PathLike) -> Path:
    """Write `model`'s state as of now (the start of its day) to `path`, whole or not at all."""
    path = Path(path)
    header = {"format": FORMAT, "version": code_version(), "date": model.date,
              "history": history_key(model.params), "seed": model.params.run.seed,
              "scale": model.params.run.scale, "scenario": model.params.name}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(header, out, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(model, out, protocol=pickle.HIGHEST_PROTOCOL)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staged, 0o666 & ~umask)  # as any file the user writes (mkstemp's is private)
        os.replace(staged, path)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise
    return path


def header(path: str | os.PathLike) -> dict:
    """The header of a snapshot file, checked to be one this code can resume."""
    try:
        with open(path, "rb") as f:
            head = pickle.load(f)
    except FileNotFoundError:
        raise SnapshotError(f"snapshot not found: {path}") from None
    except Exception as err:  # noqa: BLE001 - unpickling a file that is not one can raise almost anything
        raise SnapshotError(f"{path} is not a borderflow snapshot ({type(err).__name__})") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise SnapshotError(f"{path} is not a borderflow snapshot")
    if head.get("version") != code_version():
        raise SnapshotError(f"{path} was made by another version of the model ({head.get('version')}, this is "
                            f"{code_version()}); run the history again with this version")
    return head


def load(path: str | os.PathLike, scenario: Scenario | None = None):
    """The model saved in `path`. With `scenario`, refused unless it is that snapshot's history."""
    head = header(path)
    if scenario is not None:
        mismatch = differences(history_key(scenario), head["history"])
        if mismatch:
            raise SnapshotError(f"{path} is a snapshot of another history ({head['scenario']}, seed {head['seed']}, "
                                f"scale {head['scale']}): {mismatch} differs before its date {head['date']}")
    try:
        with open(path, "rb") as f:
            pickle.load(f)
            return pickle.load(f)
    except Exception as err:  # noqa: BLE001 - as in `header`
        raise SnapshotError(f"{path}: the snapshot is damaged ({type(err).__name__})") from None


def differences(mine: dict, theirs: dict) -> str:
    """The first key where two history scenarios differ, as `section.field` (or `timeline`)."""
    for section in sorted(set(mine) | set(theirs)):
        a, b = mine.get(section), theirs.get(section)
        if isinstance(a, dict) and isinstance(b, dict):
            for name in sorted(set(a) | set(b)):
                if _text(a.get(name)) != _text(b.get(name)):
                    return f"{section}.{name}"
        elif _text(a) != _text(b):
            return section
    return ""


def history(scenario: Scenario, day: dt.date, progress=None):
    """The model of `scenario`'s history at the start of `day`: from the cache, or run and cached.

    Worker processes that need the same history at once (the two arms of one seed in `compare`, the
    points of a sweep with one seed) take turns on a lock file: the first runs it, the others wait
    and read it from the cache, so a history is never run twice at the same time on one machine."""
    path = cache_path(scenario, day)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        held = open(path.parent / f".{path.name}.lock", "w")  # noqa: SIM115 - closed in the finally below
    except OSError:
        return _from_cache_or_run(scenario, day, path, progress)  # no cache to share (read-only home)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        return _from_cache_or_run(scenario, day, path, progress)
    finally:
        held.close()  # releases the lock


def _from_cache_or_run(scenario: Scenario, day: dt.date, path: Path, progress):
    from model.model import BorderModel

    if path.exists():
        try:
            model = load(path, scenario)
            if progress:
                progress(model.day)
            return model
        except SnapshotError:
            path.unlink(missing_ok=True)  # a damaged or stale entry is made again
    model = BorderModel(scenario.history())
    target = (day - scenario.run.start).days
    model.days = target  # the history runs no further than the fork
    model.run(progress=progress)
    try:
        save(model, path)
    except OSError:
        pass  # no cache (read-only home, full disk): the fork still runs, it just is not kept
    return model


def begin(scenario: Scenario, progress=None, snapshot: str | os.PathLike | None = None):
    """The model ready to run `scenario`: a fresh one, or for a fork, its history's state on the fork
    date (from `snapshot` if given, checked to match) switched to the fork's timeline."""
    from model.model import BorderModel

    if scenario.fork is None:
        return BorderModel(scenario)
    if snapshot is not None:
        model = load(snapshot, scenario)
        if model.date != scenario.fork.date:
            raise SnapshotError(f"{snapshot} is the state on {model.date}, not on the fork date {scenario.fork.date}")
        if progress:
            progress(model.day)
    else:
        model = history(scenario, scenario.fork.date, progress)
    model.fork(scenario)
    return model

