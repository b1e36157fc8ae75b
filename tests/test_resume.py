"""Nothing lost: a sweep killed, interrupted or left with a partial file resumes and runs only what is missing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from experiments.cli import main
from tests.conftest import SWEEP, assert_one_line_error, cli, spec_file

# Slow enough (12 runs of 60 days) to be stopped part-way; no impossible points.
LONG = SWEEP.replace("days = 20", "days = 60").replace("scale = 300", "scale = 150") \
    .replace("samples = 4", "samples = 6").replace("[1000, 2000]", "[1000, 1400]")
EXE = Path(sys.executable).parent / "borderflow"
TABLES = ("daily.parquet", "monthly.parquet", "summaries.parquet")


def finished(out: Path) -> dict[str, tuple[int, int]]:
    """Run files under their final names, with (inode, mtime) to tell a rewrite."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "runs").glob("*.parquet")}


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(spec: Path, out: Path, *flags) -> subprocess.Popen:
    """The sweep as a process of its own. Ctrl-C is restored to its default first: a test run started
    in the background by a shell inherits SIGINT ignored, and Python would then never see it."""
    return subprocess.Popen([EXE, "sweep", spec, "--out", out, "--quiet", *flags], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)


def wait_for_runs(process: subprocess.Popen, out: Path, count: int) -> None:
    deadline = time.monotonic() + 120
    while (out / "runs").is_dir() is False or len(finished(out)) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sweep did not get going"
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def workers_of(pid: int) -> list[int]:
    """The pool's worker processes: the children of the sweep's fork server."""
    server = [c for c in children(pid) if b"forkserver" in Path(f"/proc/{c}/cmdline").read_bytes()]
    return [w for s in server for w in children(s)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The spec and the tables of the same sweep run without interruption."""
    folder = tmp_path_factory.mktemp("reference")
    spec = spec_file(folder, LONG)
    assert main(["sweep", str(spec), "--out", str(folder / "out"), "--quiet"]) == 0
    return spec, folder / "out"


def resume_and_compare(spec: Path, out: Path, reference: Path, kept: dict, capsys) -> None:
    code, _, err = cli(["sweep", spec, "--out", out, "--resume", "--quiet"], capsys)
    assert code == 0, err
    after = finished(out)
    assert len(after) == 12 and not list((out / "runs").glob(".*"))
    assert {name: after[name] for name in kept} == kept  # the runs finished before were not run again
    for table in TABLES:
        pdt.assert_frame_equal(pd.read_parquet(out / table), pd.read_parquet(reference / table), check_exact=True)


def test_killed_sweep_resumes_without_losing_or_repeating_runs(reference, tmp_path, capsys):
    spec, ref = reference
    out = tmp_path / "out"
    process = start(spec, out)
    wait_for_runs(process, out, 3)
    process.kill()
    process.wait()
    kept = finished(out)
    assert 3 <= len(kept) < 12, "the sweep finished before it could be killed"
    assert not (out / "summaries.parquet").exists()
    resume_and_compare(spec, out, ref, kept, capsys)


def test_killed_worker_stops_the_sweep_resumably(reference, tmp_path, capsys):
    spec, ref = reference
    out = tmp_path / "out"
    process = start(spec, out, "--workers", "2")
    wait_for_runs(process, out, 2)
    os.kill(workers_of(process.pid)[0], signal.SIGKILL)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err.splitlines() == [err.strip()] and err.startswith("borderflow: error: a worker process died")
    assert f"runs finished and kept in {out}; finish them with the same command and --resume" in err
    kept = finished(out)
    assert len(kept) < 12
    resume_and_compare(spec, out, ref, kept, capsys)


def test_partial_file_is_never_taken_for_a_finished_run(reference, tmp_path, capsys):
    spec, ref = reference
    out = tmp_path / "out"
    assert cli(["sweep", spec, "--out", out, "--quiet"], capsys)[0] == 0
    victim = sorted((out / "runs").glob("*.parquet"))[5]
    victim.unlink()
    (out / "runs" / f".{victim.name}.4242.tmp").write_bytes(b"PAR1 half a run")  # a writer killed mid-file
    kept = finished(out)
    resume_and_compare(spec, out, ref, kept, capsys)
    assert victim.exists()


def test_resume_refuses_a_different_experiment(reference, tmp_path, capsys):
    spec, ref = reference
    other = spec_file(tmp_path, LONG.replace("seed = 2", "seed = 3"))
    before = sorted(p.name for p in ref.rglob("*"))
    code, _, err = cli(["sweep", other, "--out", ref, "--resume"], capsys)
    assert_one_line_error(code, err, "holds a different experiment")
    assert sorted(p.name for p in ref.rglob("*")) == before


# -- signals: SIGTERM like Ctrl-C, and what a SIGKILL leaves is cleared on resume ------------------
def temporaries(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*.tmp"))


@pytest.mark.parametrize("sent, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_signal_stops_a_sweep_resumably_and_leaves_no_temporary(reference, tmp_path, capsys, sent, code):
    """Ctrl-C, and SIGTERM (what timeout and job schedulers send), stop a sweep with one resumable line."""
    spec, ref = reference
    out = tmp_path / "out"
    process = start(spec, out)
    wait_for_runs(process, out, 2)
    process.send_signal(sent)
    _, err = process.communicate(timeout=120)
    kept = finished(out)
    assert process.returncode == code and len(kept) < 12
    assert err.strip() == (f"borderflow: interrupted: {len(kept)} of 12 runs finished and kept in {out}; "
                           f"finish them with the same command and --resume")
    assert temporaries(out) == []
    resume_and_compare(spec, out, ref, kept, capsys)


def test_sigterm_stops_the_workers_too(reference, tmp_path, capsys):
    spec, ref = reference
    out = tmp_path / "out"
    process = start(spec, out, "--workers", "2")
    wait_for_runs(process, out, 2)
    workers = workers_of(process.pid)
    assert workers
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143 and "interrupted:" in err and "Traceback" not in err
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{w}").exists() for w in workers), "a worker outlived the sweep"
    assert temporaries(out) == []
    resume_and_compare(spec, out, ref, finished(out), capsys)


def test_what_a_killed_writer_left_is_removed_on_resume(reference, tmp_path, capsys):
    """Every file is written under a temporary name first; after a SIGKILL those names stay, in DIR,
    runs/ or failures/ (a merge or a summary killed mid-file), and the resume removes them."""
    spec, ref = reference
    out = tmp_path / "out"
    assert cli(["sweep", spec, "--out", out, "--quiet"], capsys)[0] == 0
    left = [out / ".daily.parquet.4242.tmp", out / ".summaries.csv.4242.tmp", out / "failures" / ".x.json.4242.tmp",
            out / "runs" / ".y.parquet.4242.tmp"]
    for path in left:
        path.write_bytes(b"PAR1 half")
    resume_and_compare(spec, out, ref, finished(out), capsys)
    assert temporaries(out) == []


def test_an_interrupted_merge_leaves_no_half_table(reference, tmp_path, capsys, monkeypatch):
    import experiments.store

    spec, ref = reference
    out = tmp_path / "out"
    assert cli(["sweep", spec, "--out", out, "--quiet"], capsys)[0] == 0
    (out / "daily.parquet").unlink()
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return {}
    monkeypatch.setattr(experiments.store, "summarise", interrupted)
    code, _, err = cli(["sweep", spec, "--out", out, "--resume", "--quiet"], capsys)
    assert code == 130 and err.startswith("borderflow: interrupted while merging: 12 of 12 runs finished and kept")
    assert temporaries(out) == [] and not (out / "daily.parquet").exists()
    monkeypatch.undo()
    resume_and_compare(spec, out, ref, finished(out), capsys)


def test_a_killed_or_terminated_batch_resumes_and_leaves_nothing_partial(tmp_path, capsys):
    out = tmp_path / "batch"
    argv = ["batch", "--scenarios", "baseline", "title42", "--replicates", "4", "--days", "60", "--scale", "150",
            "--empty-start", "--out", str(out), "--quiet"]

    def launch(*extra) -> subprocess.Popen:
        return subprocess.Popen([str(EXE), *argv, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, preexec_fn=_default_sigint)

    process = launch()
    wait_for_runs(process, out, 2)
    process.kill()
    process.wait()
    assert not (out / "summaries.parquet").exists()
    process = launch("--resume")
    wait_for_runs(process, out, len(finished(out)) + 1)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    if process.returncode != 0:  # unless it finished first
        assert process.returncode == 143 and err.startswith("borderflow: interrupted:") and "Traceback" not in err
    assert temporaries(out) == []
    (out / ".plan.parquet.4242.tmp").write_bytes(b"half")  # as a writer killed mid-file leaves it
    code, _, err = cli([*argv, "--resume"], capsys)
    assert code == 0, err
    assert temporaries(out) == [] and len(finished(out)) == 8
    assert (out / "comparison.png").exists() and len(pd.read_parquet(out / "summaries.parquet")) == 8


@pytest.mark.parametrize("resume", [False, True])
def test_a_start_killed_before_its_plan_is_started_again(reference, tmp_path, capsys, resume):
    """SIGKILL between making DIR and writing plan.parquet leaves a DIR that could be neither resumed (no
    plan) nor started (not empty); the next command into it starts the experiment again."""
    spec, ref = reference
    out = tmp_path / "out"
    for folder in (out / "runs", out / "failures"):
        folder.mkdir(parents=True)
    (out / "spec.toml").write_text("half", encoding="utf-8")
    (out / ".plan.parquet.4242.tmp").write_bytes(b"PAR1 half")
    (out / "runs" / ".x.parquet.4242.tmp").write_bytes(b"PAR1 half")
    code, _, err = cli(["sweep", spec, "--out", out, "--quiet", *(["--resume"] if resume else [])], capsys)
    assert code == 0, err
    assert temporaries(out) == [] and len(finished(out)) == 12
    assert (out / "spec.toml").read_text(encoding="utf-8") == spec.read_text(encoding="utf-8")
    for table in TABLES:
        pdt.assert_frame_equal(pd.read_parquet(out / table), pd.read_parquet(ref / table), check_exact=True)


def test_a_directory_of_ones_own_is_never_taken_for_an_unstarted_experiment(reference, tmp_path, capsys):
    spec, _ = reference
    out = tmp_path / "mine"
    (out / "runs").mkdir(parents=True)
    (out / "failures").mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, err = cli(["sweep", spec, "--out", out, "--quiet"], capsys)
    assert_one_line_error(code, err, "is not empty; add --resume")
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
