"""How a command or an experiment ends badly: refused before it starts, or stopped part-way (resumable).

Kept free of heavy imports so the command line can catch them without loading pandas, and apart
from the command line so that library modules can raise them without importing it.
"""

import contextlib
import signal
import sys


class UsageError(Exception):
    """A bad command line that argparse cannot see (e.g. --days 0, an --out that cannot be written). One line."""


class ExperimentError(ValueError):
    """A bad spec, output directory or backend; refused before anything is written. One line."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (what `timeout` and schedulers send), handled like Ctrl-C: nothing partial is left."""


def interrupted_code(err: KeyboardInterrupt) -> int:
    """The shell's exit status for the signal that stopped us: 143 for SIGTERM, 130 for Ctrl-C."""
    return 143 if isinstance(err, Terminated) else 130


class Stopped(Exception):
    """The experiment stopped part-way (Ctrl-C, a lost worker); what finished is kept. One line."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def _terminate(signum, frame) -> None:
    """SIGTERM unwinds like Ctrl-C, so staged outputs are removed and finished runs are kept."""
    raise Terminated()


@contextlib.contextmanager
def stopped_by_signals():
    """While inside: SIGTERM raises Terminated, and a stop that Python drops is raised again.

    A signal's exception raised while a finalizer runs (a `__del__` or a weakref callback, such as the
    database library's clean-up during an ABC-SMC fit) cannot leave it: Python prints "Exception ignored"
    with a traceback and goes on, so the command would run on as if never stopped. Such a stop is kept
    instead of printed, and raised again a moment later (SIGALRM) in the code that was running."""
    dropped: list[KeyboardInterrupt] = []

    def raise_dropped(signum, frame) -> None:
        if dropped:
            raise dropped.pop()

    def keep_stops(unraisable) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            dropped.append(type(unraisable.exc_value)())
            signal.setitimer(signal.ITIMER_REAL, 0.01)
        else:
            previous_hook(unraisable)

    previous_term = signal.signal(signal.SIGTERM, _terminate)
    previous_alarm = signal.signal(signal.SIGALRM, raise_dropped)
    previous_hook, sys.unraisablehook = sys.unraisablehook, keep_stops
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGALRM, previous_alarm)
        signal.signal(signal.SIGTERM, previous_term)
