"""CI runs every test: it installs the `ema` extra, and a skipped test fails the run (conftest.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SKIPPING = """\
import pytest
def test_runs():
    pass
def test_skips():
    pytest.skip("no browser here")
@pytest.mark.xfail(reason="a known failure is not a skip")
def test_known():
    assert False
"""


def pytest_in(folder: Path, no_skip: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "BORDERFLOW_NO_SKIP"}
    if no_skip:
        env["BORDERFLOW_NO_SKIP"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=120)


def test_a_skip_fails_the_run_only_where_every_test_must_run(tmp_path):
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_some.py").write_text(SKIPPING, encoding="utf-8")
    (tmp_path / "test_module.py").write_text('import pytest\npytest.importorskip("no_such_extra")\n', encoding="utf-8")
    here = pytest_in(tmp_path, no_skip=False)
    assert here.returncode == 0, here.stdout
    ci = pytest_in(tmp_path, no_skip=True)
    assert ci.returncode == 1, ci.stdout
    assert "test_some.py::test_skips: Skipped: no browser here" in ci.stdout
    assert "test_module.py: Skipped: could not import 'no_such_extra'" in ci.stdout
    assert "test_known" not in ci.stdout.split("every test must run")[1]  # xfail is not a skip
    (tmp_path / "test_module.py").unlink()
    (tmp_path / "test_some.py").write_text("def test_runs():\n    pass\n", encoding="utf-8")
    assert pytest_in(tmp_path, no_skip=True).returncode == 0


def test_ci_runs_the_readmes_test_command_with_every_extra_and_no_skip():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"^python3\.12 -m venv .* -m pytest .*$", ci, re.M).group(0)
    assert command in readme  # the README's command is what CI runs
    assert '".[test,ema]"' in command and "export BORDERFLOW_NO_SKIP=1" in ci
