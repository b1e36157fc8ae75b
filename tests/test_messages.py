"""Messages that must not mislead: an empty --out is refused rather than taken as the current directory,
and a reader that closes the pipe (`borderflow params | head`) ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.errors import Terminated, stopped_by_signals
from tests.conftest import assert_one_line_error, cli, spec_file

EXE = Path(sys.executable).parent / "borderflow"


@pytest.mark.parametrize("argv", [
    ["run", "--scenario", "baseline", "--days", "2"],
    ["batch", "--scenarios", "baseline", "--days", "2", "--quiet"],
    ["sweep", "{spec}", "--quiet"],
    ["calibrate"],
    ["validate"],
])
def test_an_empty_out_is_refused_not_taken_as_the_current_directory(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = spec_file(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = cli([a.replace("{spec}", str(spec)) for a in argv] + ["--out", ""], capsys)
    assert_one_line_error(code, err, "--out '' names no directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_serve_and_sensitivity_refuse_an_empty_directory(capsys):
    code, _, err = cli(["serve", "--batch", ""], capsys)
    assert_one_line_error(code, err, "--batch '' names no directory")
    code, _, err = cli(["sensitivity", ""], capsys)
    assert_one_line_error(code, err, "'' names no directory")


def test_a_closed_pipe_ends_quietly_with_the_sigpipe_status():
    """The reader is gone before anything is written: every write fails with EPIPE (Python ignores
    SIGPIPE), which used to print 'Broken pipe' with status 2."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([str(EXE), "params"], stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert done.returncode == 141 and done.stderr == ""


def test_params_into_head_says_nothing():
    """In a real pipeline, whether the reader leaves before the last write is a race: status 0 or 141,
    never a message."""
    for _ in range(3):
        done = subprocess.run(f"'{EXE}' params | head -3; echo status ${{PIPESTATUS[0]}} >&2", shell=True,
                              executable="/bin/bash", capture_output=True, text=True, timeout=60)
        assert len(done.stdout.splitlines()) == 3
        assert done.stderr.strip() in ("status 0", "status 141"), done.stderr


class _StoppedInAFinalizer:
    """An object whose finalizer is where a stop lands (as SIGTERM may, in a library's clean-up)."""

    def __del__(self):
        raise Terminated()


def test_a_stop_python_drops_in_a_finalizer_is_raised_again_quietly(capsys):
    """Python cannot let an exception leave a finalizer: it prints "Exception ignored" and goes on, so a
    SIGTERM landing there would leave the command running. Inside `stopped_by_signals` the stop is raised
    again in the code that was running, with nothing printed, and the handlers are put back after."""
    import signal
    import time

    dropped, usual = [], sys.unraisablehook
    sys.unraisablehook = dropped.append
    try:
        _StoppedInAFinalizer()  # outside: handed to the hook that prints it, and the code goes on
    finally:
        sys.unraisablehook = usual
    assert isinstance(dropped[0].exc_value, Terminated)
    alarm, term, hook = signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGTERM), sys.unraisablehook
    with pytest.raises(Terminated):
        with stopped_by_signals():
            _StoppedInAFinalizer()
            time.sleep(2)  # the stop is raised again here
    assert capsys.readouterr().err == ""
    assert (signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGTERM), sys.unraisablehook) == (alarm, term, hook)
