"""Messages that must not mislead: an empty --out is refused rather than taken as the current directory,
and a reader that closes the pipe (`borderflow params | head`) ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
