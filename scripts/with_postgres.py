#!/usr/bin/env python3
"""Run a command against a throw-away PostgreSQL server (Debian's postgresql, started here).

    python scripts/with_postgres.py [--durable] -- pytest -q

Creates a cluster in a temporary folder, starts it on a free loopback port, exports DATABASE_URL for the
command, and removes everything afterwards. `initdb` refuses to run as root, so as root the server runs as the
`postgres` user. Exit code 3 means PostgreSQL is not installed here (the caller decides whether that is fatal).
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durable", action="store_true", help="keep fsync on (for benchmarks)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")

    bindir = find_bindir()
    if bindir is None:
        print("with_postgres: PostgreSQL is not installed (apt-get install postgresql)", file=sys.stderr)
        return NOT_INSTALLED

    workdir = tempfile.mkdtemp(prefix="atomgrad-pg-")
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
        if not args.durable:
            # A test database that dies with the run does not need crash safety.
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        subprocess.run(
            as_server_user([f"{bindir}/pg_ctl", "-D", datadir, "-l", os.path.join(workdir, "server.log"),
                            "-w", "-t", "60", "-o", " ".join(settings), "start"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        env = dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/postgres")
        print(f"with_postgres: PostgreSQL ({bindir}) on 127.0.0.1:{port}", file=sys.stderr, flush=True)
        return subprocess.run(command, env=env).returncode
    finally:
        if os.path.exists(os.path.join(datadir, "postmaster.pid")):
            subprocess.run(as_server_user([f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "-w", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.2)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
