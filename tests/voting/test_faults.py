"""Faults as a repeatable test (slow; PostgreSQL): votes from many voters through gunicorn with several workers,
a kill -9 of one worker and then of PostgreSQL's postmaster in the middle of the load, a restart; afterwards
every vote answered 201 is found by its receipt, every vote has its ledger entry, and the public verifier
checks the whole chain.

It runs against its own durable cluster (fsync and synchronous_commit on, as in production: the suite's shared
server has them off), a fresh database prepared by the vote benchmark's `bench/_vote_db.py prepare`, and the
real production server (gunicorn serving `atomgrad.wsgi`, DEBUG off). Clients send each (voter, candidate) once
and do not retry: after a failure (a reset connection, a 5xx while the database is down) a client pauses a
moment and goes on with its next vote, so that votes keep coming during and after the outage."""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
VERIFIER = REPO / "verifier" / "verify_atomgrad.py"
SEASON_YEAR = 2099  # bench/_vote_db.py's season
VOTERS, CANDIDATES, VOTES_PER_VOTER = 160, 6, 3
WORKERS, CLIENTS = 3, 10

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="kills PostgreSQL's postmaster: PostgreSQL only"),
]


def _module(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _cluster_processes(datadir: str) -> list[int]:
    """The processes of a PostgreSQL cluster: each one works in the cluster's data directory."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/cwd") == os.path.realpath(datadir):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def _socket_directories(arguments: list[str], *, default: Path) -> list[Path]:
    """The Unix socket directories a postmaster's command line names (`-c unix_socket_directories=…`)."""
    for argument in arguments:
        if argument.startswith("unix_socket_directories="):
            return [Path(item.strip()) for item in argument.split("=", 1)[1].split(",") if item.strip()]
    return [default]


@dataclass
class Outcome:
    voter: int
    candidate: int
    status: int | None  # None: no answer (connection reset, timeout)
    receipt: str | None
    answered_at: float


class Faults:
    """The load's progress and the two faults, injected from their own thread at set points of the load."""

    def __init__(self, *, pg: Any, datadir: str, gunicorn: subprocess.Popen[bytes], total: int) -> None:
        self.pg, self.datadir, self.gunicorn, self.total = pg, datadir, gunicorn, total
        self.done = 0
        self.lock = threading.Lock()
        self.killed_worker: int | None = None
        self.old_postmaster: int | None = None
        self.new_postmaster: int | None = None
        self.database_back_at: float | None = None
        self.failure: str | None = None

    def advance(self) -> None:
        with self.lock:
            self.done += 1

    def _wait_for(self, share: float) -> None:
        while self.done < self.total * share:
            time.sleep(0.05)

    def _postmaster(self) -> int:
        return int(Path(self.datadir, "postmaster.pid").read_text().split()[0])

    def run(self) -> None:
        self._wait_for(0.2)
        workers = _children(self.gunicorn.pid)
        self.killed_worker = workers[0]
        os.kill(self.killed_worker, signal.SIGKILL)  # gunicorn's arbiter forks a new one

        self._wait_for(0.45)
        self.old_postmaster = self._postmaster()
        options = Path(self.datadir, "postmaster.opts").read_text()
        os.kill(self.old_postmaster, signal.SIGKILL)
        # Its backends notice the postmaster's death and exit; a new postmaster cannot start while one of them
        # holds the shared memory. They are found by their working directory, the data directory (a backend forked
        # just before the kill would be missed by a list of the postmaster's children); they are this test's
        # processes, of the cluster it started.
        for pid in _wait_gone(_cluster_processes(self.datadir), 30):
            os.kill(pid, signal.SIGKILL)
        _wait_gone(_cluster_processes(self.datadir), 10)
        # The killed postmaster may stay a zombie (a container's init need not reap orphans); PostgreSQL would
        # take its lock file for a live server's. Every process of the cluster is gone: the lock is stale.
        arguments = shlex.split(options)[1:]  # the postmaster's own command line, less the program
        if not _alive(self.old_postmaster):
            # Both of its lock files: the data directory's and the Unix socket's (same check, same stale PID).
            Path(self.datadir, "postmaster.pid").unlink(missing_ok=True)
            for socket_directory in _socket_directories(arguments, default=Path(self.datadir).parent):
                for stale in socket_directory.glob(".s.PGSQL.*"):
                    stale.unlink(missing_ok=True)
        time.sleep(1.0)  # an outage the clients notice
        bindir = self.pg.find_bindir()
        log = Path(self.datadir).parent / "restart.log"
        started = subprocess.run(
            self.pg.as_server_user([f"{bindir}/pg_ctl", "-D", self.datadir, "-w", "-t", "120", "-l", str(log), "-o",
                                    shlex.join(a for a in arguments if a not in ("-D", self.datadir)), "start"]),
            check=False, capture_output=True, text=True)
        if started.returncode != 0:
            self.failure = f"PostgreSQL did not restart: {started.stdout}{started.stderr}\n{log.read_text()[-3000:]}"
            return
        self.new_postmaster = self._postmaster()
        self.database_back_at = time.monotonic()


def _vote(port: int, token: str, candidate: int) -> tuple[int | None, str | None]:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/api/v1/votes", body=json.dumps({"candidate": candidate}),
                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        body = response.read()
        conn.close()
    except (OSError, http.client.HTTPException):
        return None, None
    receipt = json.loads(body)["receipt"] if response.status == 201 else None
    return response.status, receipt


def _start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "gunicorn"), "atomgrad.wsgi:application", "--chdir",
               str(REPO / "src"), "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--timeout", "60",
               "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        status, _ = _vote(port, "not-a-token", 1)
        if status == 401 and len(_children(process.pid)) == WORKERS:
            return process
        time.sleep(0.3)
    process.kill()
    raise AssertionError("gunicorn did not start: " + log.read_text()[-3000:])


CHECK = """
import json, sys
import django
django.setup()
from atomgrad.award.models import Season
from atomgrad.voting import selectors
from atomgrad.voting.models import LedgerEntry, Vote
season = Season.objects.get(year=int(sys.argv[1]))
receipts = json.load(open(sys.argv[2]))
print(json.dumps({
    "votes": Vote.objects.filter(season=season).count(),
    "vote_entries": LedgerEntry.objects.filter(season=season, kind="vote").count(),
    "votes_without_entry": Vote.objects.filter(season=season, ledger_entries__isnull=True).count(),
    "receipts_missing": [code for code in receipts if selectors.receipt_status(code=code) is None],
}))
"""


def test_kill_9_of_a_worker_and_of_the_postmaster_loses_no_acknowledged_vote(tmp_path):  # type: ignore[no-untyped-def]
    pg = _module("atomgrad_faults_with_postgres", REPO / "scripts" / "with_postgres.py")
    common = _module("atomgrad_faults_bench_common", BENCH / "_common.py")
    try:
        cluster = pg.cluster(durable=True, prefix="atomgrad-faults-pg-")
        url, datadir = cluster.__enter__()
    except pg.NotInstalled as error:
        pytest.skip(str(error))
    gunicorn = None
    try:
        env = common.bench_env(url, tmp_path, DB_CONN_MAX_AGE="60")
        plan_path = tmp_path / "plan.json"
        prepared = subprocess.run(
            [sys.executable, str(BENCH / "_vote_db.py"), "prepare", "--voters", str(VOTERS), "--candidates",
             str(CANDIDATES), "--votes-per-voter", str(VOTES_PER_VOTER), "--plan", str(plan_path)],
            env=env, capture_output=True, text=True, timeout=600, check=False)
        assert prepared.returncode == 0, prepared.stderr[-3000:]
        plan = json.loads(plan_path.read_text())
        work = [(voter, token, candidate)
                for voter, token in zip(plan["voters"], plan["tokens"], strict=True)
                for candidate in random.Random(voter).sample(plan["candidates"], VOTES_PER_VOTER)]
        random.Random(2099).shuffle(work)

        port = common.free_port()
        gunicorn = _start_gunicorn(env, port, tmp_path / "gunicorn.log")
        faults = Faults(pg=pg, datadir=datadir, gunicorn=gunicorn, total=len(work))
        injector = threading.Thread(target=faults.run)
        injector.start()

        def send(item: tuple[int, str, int]) -> Outcome:
            voter, token, candidate = item
            status, receipt = _vote(port, token, candidate)
            faults.advance()
            if status != 201:
                time.sleep(0.3)  # as a person would: a moment before the next try at something else
            return Outcome(voter, candidate, status, receipt, time.monotonic())

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            outcomes = list(pool.map(send, work))
        injector.join(timeout=300)
        assert not injector.is_alive()
        assert faults.failure is None, faults.failure
        common.stop_process(gunicorn)

        # The faults happened.
        assert faults.killed_worker is not None and not _alive(faults.killed_worker)
        assert faults.new_postmaster is not None and faults.new_postmaster != faults.old_postmaster
        acknowledged = [outcome for outcome in outcomes if outcome.status == 201]
        statuses = {outcome.status for outcome in outcomes}
        assert statuses <= {201, 500, 503, None}, statuses  # never a refusal of a valid vote
        assert len(acknowledged) >= len(work) // 3, len(acknowledged)
        assert any(outcome.answered_at > faults.database_back_at for outcome in acknowledged), "no vote after"

        # Every acknowledged receipt is found; every vote has its ledger entry.
        receipts_path = tmp_path / "receipts.json"
        receipts_path.write_text(json.dumps([outcome.receipt for outcome in acknowledged]))
        checked = subprocess.run([sys.executable, "-c", CHECK, str(SEASON_YEAR), str(receipts_path)], env=env,
                                 cwd=REPO / "src", capture_output=True, text=True, timeout=300, check=False)
        assert checked.returncode == 0, checked.stderr[-3000:]
        facts = json.loads(checked.stdout.strip().splitlines()[-1])
        assert facts["receipts_missing"] == []
        assert facts["votes_without_entry"] == 0 and facts["votes"] == facts["vote_entries"]
        assert facts["votes"] >= len(acknowledged)

        # The public verifier checks the exported chain.
        ledger_path = tmp_path / "ledger.jsonl"
        exported = subprocess.run([sys.executable, "manage.py", "export_ledger", "--season", str(SEASON_YEAR),
                                   "--output", str(ledger_path)], env=env, cwd=REPO / "src", capture_output=True,
                                  text=True, timeout=300, check=False)
        assert exported.returncode == 0, exported.stderr[-3000:]
        verified = subprocess.run([sys.executable, "-I", "-S", str(VERIFIER), str(ledger_path)], capture_output=True,
                                  text=True, timeout=300, check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.startswith(f"OK: {facts['vote_entries']} ledger entries")
    finally:
        if gunicorn is not None:
            common.stop_process(gunicorn)
        cluster.__exit__(None, None, None)
