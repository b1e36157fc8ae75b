"""Loaded by pytest for every test, notebooks included.

Forks cache their histories (model/snapshot.py) in a folder of the test session's own, never the user's
cache: BORDERFLOW_CACHE is set before anything runs, so the notebooks' kernels (which run before the
tests in tests/) inherit it too, and the folder is removed at the end.

With BORDERFLOW_NO_SKIP set (CI sets it), any skipped test, or module skipped while collecting, makes
the run fail, listing each with its reason: CI installs everything the tests need (the `test` and `ema`
extras, Chromium), so a skip there is a test that silently did not run. Expected failures (xfail) are
not skips and are left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile

NO_SKIP = "BORDERFLOW_NO_SKIP"
CACHE = "BORDERFLOW_CACHE"
_skipped: list[tuple[str, str]] = []
_cache: list[tuple[str, str | None]] = []  # (the session's folder, the value it replaced)


def pytest_configure(config) -> None:
    _cache.append((tempfile.mkdtemp(prefix="borderflow-test-cache-"), os.environ.get(CACHE)))
    os.environ[CACHE] = _cache[-1][0]


def pytest_unconfigure(config) -> None:
    folder, before = _cache.pop()
    shutil.rmtree(folder, ignore_errors=True)
    if before is None:
        os.environ.pop(CACHE, None)
    else:
        os.environ[CACHE] = before


def _note(report) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append((report.nodeid or ".", reason))


def pytest_runtest_logreport(report) -> None:
    _note(report)


def pytest_collectreport(report) -> None:
    _note(report)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if os.environ.get(NO_SKIP) and _skipped:
        terminalreporter.section(f"skipped, but {NO_SKIP} is set: every test must run", sep="=", red=True)
        for nodeid, reason in _skipped:
            terminalreporter.line(f"{nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus) -> None:
    if os.environ.get(NO_SKIP) and _skipped and session.exitstatus == 0:
        session.exitstatus = 1
