"""A real PostgreSQL server for the history tests: Debian's package, started per session.

``make test`` installs the ``postgresql`` package when it is missing and we are root; this
module starts a private cluster from its binaries (``initdb`` into a temporary folder,
``postgres`` on a free loopback port, trust authentication for the one local user) and stops
it afterwards. As root, the server runs as Debian's ``postgres`` user (PostgreSQL refuses to
run as root) through ``setpriv --pdeathsig``, so it dies with the test process even when
that is killed. When it cannot be had, :func:`start` says why and the tests skip with it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

READY_TIMEOUT_S = 30.0  # a cold start of a fresh cluster takes 1-3 s here


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    folder: Path

    def stop(self) -> None:
        self.process.terminate()  # SIGTERM: PostgreSQL's "smart" shutdown
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start() -> tuple[Server | None, str]:
    """(a running server, "") or (None, why not)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        return None, "PostgreSQL is not installed (make test installs Debian's postgresql when root)"
    bindir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="harness-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            return None, "running as root and there is no 'postgres' user to run PostgreSQL as"
        if not shutil.which("setpriv"):
            return None, "running as root and setpriv (util-linux) is missing"
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
                  "--pdeathsig", "SIGKILL", "--"]
    data = folder / "data"
    init = subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "harness",
                           "-A", "trust", "-E", "UTF8", "--no-sync"],
                          capture_output=True, text=True, timeout=120, check=False)
    if init.returncode != 0:
        return None, f"initdb failed: {init.stderr.strip().splitlines()[-1:]}"
    port = _free_port()
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [*prefix, str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"],
            stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"postgresql://harness@127.0.0.1:{port}/postgres", process, folder)
    import psycopg

    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            with psycopg.connect(f"host=127.0.0.1 port={port} user=harness dbname=postgres",
                                 connect_timeout=2, autocommit=True):
                return server, ""
        except psycopg.OperationalError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                return None, f"PostgreSQL did not start: {str(exc).strip().splitlines()[0]}"
            time.sleep(0.1)


def new_database(server: Server, name: str) -> str:
    """A fresh, empty database on ``server``; its URL."""
    import psycopg

    port = server.url.rsplit(":", 1)[1].split("/")[0]
    with psycopg.connect(f"host=127.0.0.1 port={port} user=harness dbname=postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url.rsplit("/", 1)[0] + f"/{name}"
