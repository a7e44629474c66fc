#!/usr/bin/env python3
"""Run a command against a throw-away PostgreSQL server (Debian's postgresql, started here).

    python scripts/with_postgres.py [--durable] -- pytest -q

Creates a cluster in a temporary folder, starts it on a free loopback port, exports DATABASE_URL for the
command, and removes everything afterwards. `initdb` refuses to run as root, so as root the server runs as the
`postgres` user. Exit code 3 means PostgreSQL is not installed here (the caller decides whether that is fatal).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

NOT_INSTALLED = 3


def find_bindir() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for bindir in candidates:
        if os.path.exists(os.path.join(bindir, "initdb")):
            return bindir
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


class NotInstalled(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


@contextlib.contextmanager
def cluster(*, durable: bool, prefix: str = "atomgrad-pg-", parent: str | None = None,
            stop_mode: str = "immediate") -> Iterator[tuple[str, str]]:
    """A throw-away cluster on a free loopback port in a new temporary folder (under `parent`, if given); yields
    (DATABASE_URL, data directory) and removes everything afterwards. Not `durable`: fsync, synchronous_commit
    and full_page_writes off. Raises NotInstalled."""
    bindir = find_bindir()
    if bindir is None:
        raise NotInstalled("PostgreSQL is not installed (apt-get install postgresql)")
    workdir = tempfile.mkdtemp(prefix=prefix, dir=parent)
    datadir = os.path.join(workdir, "data")
    os.chmod(workdir, 0o755)  # noqa: S103 - the server user must enter it
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres", group="postgres")
    port = free_port()
    try:
        subprocess.run(
            as_server_user([f"{bindir}/initdb", "-D", datadir, "-U", "postgres", "--auth=trust",
                            "-E", "UTF8", "--locale=C.UTF-8"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        settings = [
            "-c", f"port={port}", "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={workdir}",
            "-c", "max_connections=300", "-c", "shared_buffers=256MB",
        ]
        if not durable:
            # A test database that dies with the run does not need crash safety.
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        subprocess.run(
            as_server_user([f"{bindir}/pg_ctl", "-D", datadir, "-l", os.path.join(workdir, "server.log"),
                            "-w", "-t", "60", "-o", " ".join(settings), "start"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        print(f"with_postgres: PostgreSQL ({bindir}) on 127.0.0.1:{port}", file=sys.stderr, flush=True)
        yield f"postgres://postgres@127.0.0.1:{port}/postgres", datadir
    finally:
        if os.path.exists(os.path.join(datadir, "postmaster.pid")):
            subprocess.run(as_server_user([f"{bindir}/pg_ctl", "-D", datadir, "-m", stop_mode, "-w", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            time.sleep(0.2)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durable", action="store_true", help="keep fsync on (for benchmarks)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    try:
        with cluster(durable=args.durable) as (url, _datadir):
            return subprocess.run(command, env=dict(os.environ, DATABASE_URL=url)).returncode
    except NotInstalled as error:
        print(f"with_postgres: {error}", file=sys.stderr)
        return NOT_INSTALLED


if __name__ == "__main__":
    sys.exit(main())
