"""Loaded by pytest for every test, notebooks included.

With BORDERFLOW_NO_SKIP set (CI sets it), any skipped test, or module skipped while collecting, makes
the run fail, listing each with its reason: CI installs everything the tests need (the `test` and `ema`
extras, Chromium), so a skip there is a test that silently did not run. Expected failures (xfail) are
not skips and are left alone.
"""

from __future__ import annotations

import os

NO_SKIP = "BORDERFLOW_NO_SKIP"
_skipped: list[tuple[str, str]] = []


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
