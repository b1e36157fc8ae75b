"""How a command or an experiment ends badly: refused before it starts, or stopped part-way (resumable).

Kept free of heavy imports so the command line can catch them without loading pandas, and apart
from the command line so that library modules can raise them without importing it.
"""


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
