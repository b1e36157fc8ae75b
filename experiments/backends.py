"""Where runs execute: this process, local worker processes, or a Dask cluster.

Every backend calls `experiments.runs.simulate` on each run (or another task given to
`results`, such as a calibration's inversion-adjusted run) and yields the Results as they
finish, in whatever order; since a run is a pure function of its scenario and seed, the
backend changes the time taken, never a number. A worker that dies is not a failed run:
a local pool cannot say which run killed it, so it stops the experiment (`WorkerLost`)
and `--resume` finishes it; Dask retries the run elsewhere and reports it failed only
when it keeps killing workers.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from experiments.errors import ExperimentError
from experiments.runs import Result, Run, simulate

CONNECT_TIMEOUT = "10s"
"""How long --dask ADDRESS waits for the scheduler before giving up."""


class BackendError(ExperimentError):
    """The backend cannot start (e.g. no scheduler at the address); one line for the user."""


LOST = "a worker process died (killed or out of memory)"


class WorkerLost(Exception):
    """A local worker process died (killed, out of memory); the experiment stops, resumable."""


class Serial:
    """Runs one after the other in this process (--workers 1, the default)."""

    workers = 1

    def __enter__(self) -> Serial:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def results(self, runs: Iterable[Run], task: Callable = simulate) -> Iterator[Result]:
        for run in runs:
            yield task(run)


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the main process, which stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Processes:
    """N worker processes on this machine, forked from a fresh server process that has loaded the model.

    Not forked from this process (it may hold threads, a progress bar, open files), and not
    spawned one by one (each would import the model again, seconds apiece)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Processes:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["experiments.runs", "model.model", "model.snapshot"])
        self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_ignore_interrupt)
        return self

    def __exit__(self, kind, error, tb) -> None:
        if error is None:
            self.pool.shutdown(wait=True)
            return
        # Interrupted or failed: drop queued runs and stop the ones in progress now rather than
        # after they finish (ProcessPoolExecutor has no public way to do that before Python 3.14).
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in list((getattr(self.pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                process.terminate()

    def results(self, runs: Iterable[Run], task: Callable = simulate) -> Iterator[Result]:
        # Keep a couple of runs queued per worker, not the whole plan: memory stays flat.
        pending, queue = set(), iter(runs)
        while True:
            for run in queue:
                try:
                    pending.add(self.pool.submit(task, run))
                except BrokenProcessPool:  # a worker died between two results: the pool takes no more runs
                    raise WorkerLost(LOST) from None
                if len(pending) >= 2 * self.workers:
                    break
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    yield future.result()
                except BrokenProcessPool:
                    raise WorkerLost(LOST) from None


class Dask:
    """A Dask distributed scheduler at an address, or a LocalCluster ('local') of N worker processes."""

    def __init__(self, address: str, workers: int | None = None):
        self.address, self.workers = address, workers
        self.client = self.cluster = None

    def __enter__(self) -> Dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BackendError("--dask needs the 'distributed' package: pip install 'dask[distributed]'") from None
        try:
            if self.address == "local":
                self.cluster = LocalCluster(n_workers=self.workers or 2, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
            else:
                self.client = Client(self.address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as err:
            self.__exit__(None, None, None)
            raise BackendError(f"cannot reach the Dask scheduler at '{self.address}': "
                               f"{' '.join(str(err).split()) or type(err).__name__}") from None
        self.workers = len(self.client.scheduler_info().get("workers", {})) or self.workers
        return self

    def __exit__(self, *exc) -> None:
        for part in (self.client, self.cluster):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()

    def results(self, runs: Iterable[Run], task: Callable = simulate) -> Iterator[Result]:
        from distributed import as_completed

        futures = {}
        for run in runs:
            future = self.client.submit(task, run, key=f"borderflow-run-{run.id}", pure=False)
            futures[future] = run
        try:
            for future in as_completed(futures):
                run = futures.pop(future)
                try:
                    yield future.result()
                except Exception as err:  # noqa: BLE001 - e.g. KilledWorker: the run is recorded as failed
                    yield Result(run.id, error=f"{type(err).__name__}: {' '.join(str(err).split())}")
                future.release()
        finally:
            self.client.cancel(list(futures))


def backend(workers: int = 1, dask: str | None = None) -> Serial | Processes | Dask:
    """The backend the command line asked for (not yet started: use it as a context manager)."""
    if dask is not None:
        return Dask(dask, workers if workers > 1 else None)
    return Processes(workers) if workers > 1 else Serial()
