"""What lets a long ABC-SMC fit stop in the middle of a generation and lose only the simulations that
were running: every proposal drawn from a seed of its own, and every simulation kept as it ends.

pyabc's database records a generation once the whole of it is accepted, so a fit stopped part way
through one (Ctrl-C, SIGTERM, a SIGKILL, a machine gone, a cluster job out of time) would have to
simulate all of that generation again, and with some forty parameters a generation is hundreds of
simulations. Two things make the generation run again after `--resume` the same one, cheaply:

- `SeededSampler` draws proposal i of generation t from a seed made of the fit's seed, t and i
  (`task_seed`), and takes the first `population` accepted proposals in the order of i, whichever
  process simulated them. So the proposals do not depend on what ran before in the process, nor on the
  number of workers: a fit gives the same posterior with 1 or N of them, and stopped and resumed, the
  same as straight through.
- `KeptRuns` is an SQLite file in the fit's running directory that holds each simulation's summary
  statistics as soon as it ends, keyed by a digest of the fit's settings and the parameters drawn. A
  proposal simulated before the stop is read back instead of run again.

With several workers a few proposals past a generation's last acceptance may already be running when it
is reached; they are not counted (the count is the 1-worker one) and their runs are kept all the same.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import random
import sqlite3
from collections import deque
from pathlib import Path

import numpy as np

FILE = "simulations.db"
"""The kept simulations' file name in the fit's running directory."""


def task_seed(seed: int, generation: int, proposal: int) -> int:
    """The seed of one proposal (pyabc's calibration sample from the prior is generation -1)."""
    return int(np.random.SeedSequence([seed, generation + 1, proposal]).generate_state(1)[0])


class KeptRuns:
    """Summary statistics of the simulations of one fit, by the parameters drawn (see the module).
    A connection is opened for each read and write: worker processes forked during a fit each use the
    file on their own, and SQLite keeps their writes apart."""

    def __init__(self, directory: Path | str, settings: str):
        self.path = Path(directory) / FILE
        self.settings = hashlib.sha256(settings.encode()).hexdigest()

    def key(self, values: dict) -> str:
        drawn = sorted((str(k), repr(float(v))) for k, v in values.items())  # repr: a float exactly
        return hashlib.sha256(json.dumps([self.settings, drawn]).encode()).hexdigest()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=120)
        db.execute("CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, statistics TEXT NOT NULL)")
        return db

    def get(self, values: dict) -> dict[str, float] | None:
        if not self.path.is_file():
            return None
        with self._open() as db:
            row = db.execute("SELECT statistics FROM runs WHERE key = ?", (self.key(values),)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, values: dict, statistics: dict[str, float]) -> None:
        with self._open() as db:
            db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?)", (self.key(values), json.dumps(statistics)))

    def __len__(self) -> int:
        if not self.path.is_file():
            return 0
        with self._open() as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]


def sampler_for(workers: int, seed: int, client=None):
    """On a Dask cluster (`client`) pyabc's Dask sampler; else `seeded_sampler` in `workers` local processes."""
    if client is not None:
        from pyabc.sampler import DaskDistributedSampler

        return DaskDistributedSampler(dask_client=client)
    return seeded_sampler(seed, workers)


def seeded_sampler(seed: int, workers: int = 1):
    """A pyabc sampler that draws proposal i of generation t from `task_seed(seed, t, i)` and accepts in
    the order of i, simulating in `workers` processes (forked at each generation, as pyabc's own
    multicore samplers are, so that the generation's simulate function need not be pickled)."""
    from pyabc.sampler import Sampler

    class SeededSampler(Sampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            sample = self._create_empty_sample()
            proposals = _in_processes(simulate_one, seed, t, workers) if workers > 1 else \
                (_propose(simulate_one, seed, t, i) for i in itertools.count())
            used = 0
            try:
                for particle in proposals:
                    sample.append(particle)
                    used += 1
                    if sample.n_accepted >= n:
                        break
            finally:
                proposals.close()  # stops the worker processes, on a stop too
            self.nr_evaluations_ = used
            return sample

    return SeededSampler()


def _propose(simulate_one, seed: int, t: int, i: int):
    """Proposal i of generation t: drawn, simulated and judged from its own seed."""
    s = task_seed(seed, t, i)
    np.random.seed(s)
    random.seed(s)
    return simulate_one()


_SIMULATE = None
"""The generation's simulate function, for the worker processes forked with it."""


def _task(job: tuple[int, int, int]):
    seed, t, i = job
    return _propose(_SIMULATE, seed, t, i)


def _in_processes(simulate_one, seed: int, t: int, workers: int):
    """Proposals 0, 1, 2, ... of generation t, simulated in `workers` processes, yielded in order; a
    few run ahead of the one yielded. Closing the generator stops the processes."""
    global _SIMULATE
    _SIMULATE = simulate_one
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        pending: deque = deque()
        i = 0
        while True:
            while len(pending) < 2 * workers:
                pending.append(pool.apply_async(_task, ((seed, t, i),)))
                i += 1
            yield pending.popleft().get()
    finally:
        pool.terminate()
        pool.join()
        _SIMULATE = None
