"""`borderflow serve`: check the command line, then hand over to the Solara server running viz/app.py.

Everything that can be wrong with the command line (port, host, scenario, batch directory) is
found here, before any server starts, and reported in one line. The server process replaces
this one, so Ctrl-C stops it directly.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path

from model.scenario import load, named_scenarios
from viz.live import SCENARIO_ENV
from viz.replay import BATCH_ENV, BatchError, read_batch

APP = Path(__file__).with_name("app.py")
LOCAL = "127.0.0.1"


class ServeError(Exception):
    """A command line `serve` cannot start with; one line for the user."""


def check_port(host: str, port: int) -> None:
    """The port is a real one and free on `host` (checked by binding to it for a moment)."""
    if not 1 <= port <= 65535:
        raise ServeError(f"--port must be between 1 and 65535, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise ServeError(f"--host {host}: cannot resolve it ({getattr(err, 'strerror', None) or err})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is in use; choose another with --port") from None
            raise ServeError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None


def command(args) -> tuple[list[str], dict]:
    """The server command and its environment, after every check."""
    load(args.scenario)  # ScenarioError: unknown name, bad file
    if args.batch == "":
        raise ServeError("--batch '' names no directory; give the --out directory of a finished batch")
    if args.batch is not None:
        try:
            read_batch(args.batch)
        except BatchError as err:
            raise ServeError(f"--batch {err}") from None
    check_port(args.host, args.port)
    env = dict(os.environ)
    named = args.scenario in named_scenarios()
    env[SCENARIO_ENV] = args.scenario if named else str(Path(args.scenario).resolve())
    if args.batch is not None:
        env[BATCH_ENV] = str(Path(args.batch).resolve())
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")  # no usage reports to third parties
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", args.host, "--port", str(args.port),
           "--production", "--no-open", "--no-check-version"]
    return cmd, env


def serve(args) -> int:
    cmd, env = command(args)
    print(f"borderflow: serving {args.scenario} at http://{args.host}:{args.port} (Ctrl-C stops)", file=sys.stderr)
    sys.stderr.flush()
    os.execve(cmd[0], cmd, env)
    return 0  # not reached: the server has replaced this process
