#!/usr/bin/env python3
"""The vote benchmark: the real HTTP vote path against its raw ceiling, on SQLite and on PostgreSQL.

    .venv/bin/python bench/vote_http.py                  # the full run (`make bench` runs a shorter one)
    .venv/bin/python bench/vote_http.py --databases sqlite --concurrency 4 --requests 50 --rate 0 --raw 50
    .venv/bin/python bench/vote_http.py --servers sync:2,sync:4,gthread:2x4 --concurrency 32   # compare servers
    .venv/bin/python bench/vote_http.py --servers sync:4,granian:2,granian:2x2 --concurrency 8,32   # and Granian

For each database, in one run on one machine:

1. a fresh database (migrated), one season in its voting phase, one city, published candidates, and many
   distinct verified voters with API tokens (K = 3 votes each, as the product's default; there are enough
   voters that no vote is refused);
2. a production server — gunicorn (or Granian, `--servers granian:W`) serving `atomgrad.wsgi` (DEBUG off) — and a
   load generator in a separate process (bench/_loadgen.py) sending `POST /api/v1/votes` with a distinct
   (voter, candidate) each time, at concurrency 1, 8, 32, 64 (closed loop), then at a fixed rate (open loop,
   latency from the scheduled time); and, for each server, the HTTP floor: the same endpoint answering 401 to
   requests without a token (no database work);
3. the raw ceiling: `vote_cast` itself in a tight loop without HTTP (one process, then several), the bare
   row writes of a vote, and the durable-commit floor of the database;
4. the vote's own work, in one Python process without a socket (`--layers`): the CPU of a vote through the full
   Django stack, of the vote's services alone (the token's and candidate's read, `vote_cast`) and of a refused
   token — what any HTTP layer adds to, and on PostgreSQL the share of the ceiling below it would leave;
5. checks: every request answered 201, the votes in the database equal the votes sent, every counter and
   tally agrees, and the season's ledger chain verifies from the first entry to the head;
6. on PostgreSQL, the database-only ceiling of the same vote: the vote's own statements (`voting.queries`, as
   `vote_cast` batches them: the two reads, then BEGIN … the head's lock, then the entry, the head's move and
   the durable commit) replayed by pgbench (C, no Python in the loop) at the same concurrency levels, against
   the same season's one ledger head, with distinct voters; the HTTP path is reported as a share of it (the
   goal of issue 14: ≥ 50%). It runs after the check, so its votes (whose ledger hashes SQL computes, not the
   canonical encoding) never reach the check of the chain.

Besides time, every measurement records the CPU it cost (the server's workers, PostgreSQL's processes, the load
generator, from /proc): on a shared machine throughput moves with the neighbours' load, CPU per vote much less.

PostgreSQL is started here (throw-away cluster, durable: fsync and synchronous_commit on); `postgres-fast`
is the same with fsync off (not durable, labelled so, for comparison only). SQLite runs with the product's
settings (WAL, synchronous=NORMAL: a committed vote survives a crash of the application, not necessarily a
power cut); `sqlite-full` adds synchronous=FULL (durable against a power cut too).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.metadata
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    BIN_DIR,
    PYTHON,
    REPO_DIR,
    SRC_DIR,
    bench_env,
    fmt,
    free_port,
    load_average,
    machine_info,
    postgres_pid,
    postgres_server,
    say,
    stop_process,
    table,
    tree_cpu_seconds,
)

BENCH_DIR = Path(__file__).resolve().parent
DATABASES = {
    "sqlite": "SQLite (WAL, synchronous=NORMAL — the product's setting)",
    "sqlite-full": "SQLite (WAL, synchronous=FULL — durable against power loss)",
    "postgres": "PostgreSQL (durable: fsync on, synchronous_commit on)",
    "postgres-fast": "PostgreSQL NOT DURABLE (fsync off — comparison only)",
}
TARGET_VOTES_PER_SECOND = 1000
TARGET_P99_MS = 100
TARGET_RATIO = 0.30
TARGET_RATE = 500
TARGET_SHARE_OF_DATABASE = 0.50  # issue 14: the HTTP path at half the database-only ceiling of the same vote
SUSTAINABLE = 0.6  # the second fixed-rate run, as a share of the best closed-loop throughput
SUSTAINABLE_STEP = 0.75  # … lowered by this factor while the machine does not keep up, at most
SUSTAINABLE_TRIES = 3  # this many runs in all
KEPT_UP = 0.97  # a fixed-rate run kept up if every vote was sent in time and this share of the rate achieved
RATE_GRACE_SECONDS = 10  # after the last vote of the fixed-rate run was due, votes not yet sent are given up
SHM = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat files, not data


class BenchError(RuntimeError):
    """The benchmark measured something other than accepted votes: it stops rather than print figures."""


@dataclass(frozen=True)
class Server:
    """One server configuration: gunicorn's `sync` or `gthread` workers, or Granian's WSGI interface.

    Both serve `atomgrad.wsgi:application` with `workers` processes of `threads` threads each (gunicorn's
    `--threads`; Granian's `--blocking-threads`, the threads that run the Python application)."""

    kind: str  # sync | gthread (gunicorn worker classes) | granian
    workers: int
    threads: int = 1

    KINDS = ("sync", "gthread", "granian")

    @classmethod
    def parse(cls, text: str) -> Server:
        """'sync:4', 'gthread:2x4', 'granian:2' or 'granian:2x2' (workers x threads)."""
        kind, _, size = text.partition(":")
        workers, _, threads = size.partition("x")
        if kind not in cls.KINDS or not workers.isdigit() or not (threads.isdigit() or not threads) \
                or (kind == "sync" and threads):
            raise argparse.ArgumentTypeError(f"server {text!r}: expected sync:W, gthread:WxT, granian:W or granian:WxT")
        server = cls(kind, int(workers), int(threads or 1))
        if server.workers < 1 or server.threads < 1:
            raise argparse.ArgumentTypeError(f"server {text!r}: workers and threads must be at least 1")
        return server

    def __str__(self) -> str:
        threads = f"x{self.threads}" if self.kind == "gthread" or self.threads > 1 else ""
        return f"{self.kind}:{self.workers}{threads}"

    @property
    def program(self) -> str:
        return "granian" if self.kind == "granian" else "gunicorn"

    @property
    def slots(self) -> int:
        return self.workers * self.threads

    @property
    def warmup_clients(self) -> int:
        """Connections of the warm-up, which must reach every worker (a worker's first request loads Django's URL
        configuration and the API: about half a second of CPU that would otherwise land in the first measured
        level). gunicorn's workers share one accept queue and a busy worker accepts nothing, so one client per
        slot does. Each Granian worker has its own listening socket and the kernel picks one by a hash of the
        connection, which the client then keeps: 8 connections per worker leave a worker unreached with a
        probability of at most workers x (1 - 1/workers)^(8 x workers) (2 workers: 3e-5; 4 workers: 4e-4)."""
        return max(self.slots, 8 * self.workers) if self.kind == "granian" else self.slots


@dataclass
class Plan:
    """The prepared voters and candidates, and which (voter, candidate) pairs have been used.

    Pair i is voter i mod V with their (i div V)-th vote: each voter votes for K different candidates, and a
    run of consecutive pairs comes from distinct voters, as when many people vote at once."""

    voters: list[int]
    tokens: list[str]
    candidates: list[int]
    votes_per_voter: int
    used: int = 0

    @property
    def capacity(self) -> int:
        return len(self.voters) * self.votes_per_voter

    def take(self, count: int) -> list[tuple[int, int, str]]:
        if self.used + count > self.capacity:
            raise BenchError(f"not enough voters prepared: need {self.used + count} votes, have {self.capacity}")
        voters, step = len(self.voters), max(1, len(self.candidates) // self.votes_per_voter)
        pairs = []
        for index in range(self.used, self.used + count):
            voter, slot = index % voters, index // voters
            candidate = self.candidates[(voter + slot * step) % len(self.candidates)]
            pairs.append((self.voters[voter], candidate, self.tokens[voter]))
        self.used += count
        return pairs


@dataclass
class DatabaseRun:
    name: str
    label: str
    setup: dict[str, Any] = field(default_factory=dict)
    http: list[dict[str, Any]] = field(default_factory=list)
    rate: list[dict[str, Any]] = field(default_factory=list)
    raw: list[dict[str, Any]] = field(default_factory=list)
    queries: dict[str, Any] = field(default_factory=dict)
    layers: dict[str, Any] = field(default_factory=dict)  # in-process CPU per vote: stack, services, refused
    floor: list[dict[str, Any]] = field(default_factory=list)  # one per server
    pgbench: list[dict[str, Any]] = field(default_factory=list)  # the database-only ceiling, per concurrency
    head: list[dict[str, Any]] = field(default_factory=list)  # the ledger head alone (pgbench), per concurrency
    check: dict[str, Any] = field(default_factory=dict)
    votes_sent: int = 0


# --- processes ----------------------------------------------------------------------------------------------


def _django(env: dict[str, str], *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run a bench/_vote_db.py command in its own process; its last output line is JSON."""
    result = subprocess.run([PYTHON, str(BENCH_DIR / "_vote_db.py"), *args], env=env, capture_output=True,
                            text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise BenchError(f"_vote_db.py {args[0]} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _write_json(workdir: Path, name: str, data: Any) -> str:
    path = workdir / name
    path.write_text(json.dumps(data))
    return str(path)


def _server_command(server: Server, port: int) -> list[str]:
    if server.kind == "granian":
        # Granian (Rust: hyper on tokio) in front of the WSGI application: HTTP/1.1 with keep-alive, one
        # listening socket per worker on Linux (the kernel spreads connections over them, backlog per worker),
        # `threads` blocking threads per worker running Django. Its backpressure (connections each worker takes
        # on at once) stays at its default, backlog / workers: the load generator's connections are kept alive,
        # and a lower limit would leave some of them waiting in the backlog rather than being served.
        return [
            str(BIN_DIR / "granian"), "--interface", "wsgi", "atomgrad.wsgi:application",
            "--working-dir", str(SRC_DIR), "--host", "127.0.0.1", "--port", str(port), "--http", "1",
            "--no-ws", "--workers", str(server.workers), "--blocking-threads", str(server.threads),
            "--http1-keep-alive", "--backlog", "2048", "--log-level", "warning", "--no-access-log",
        ]
    command = [
        str(BIN_DIR / "gunicorn"), "atomgrad.wsgi:application", "--chdir", str(SRC_DIR),
        "--bind", f"127.0.0.1:{port}", "--workers", str(server.workers), "--worker-class", server.kind,
        "--threads", str(server.threads), "--keep-alive", "30", "--backlog", "2048", "--timeout", "120",
        "--log-level", "warning",
    ]
    if os.path.isdir(SHM):
        command += ["--worker-tmp-dir", SHM]  # heartbeat files off the disk (gunicorn's advice)
    return command


def _server_start(server: Server, env: dict[str, str], port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """Start the server on 127.0.0.1:port and wait until the vote endpoint answers 401 to a request without a
    token. Its output goes to workdir/<program>-<port>.log. Every worker is a descendant of the returned
    process (gunicorn's arbiter forks them; so does Granian's main process), so `tree_cpu_seconds` of its id
    counts them all."""
    log_path = workdir / f"{server.program}-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(_server_command(server, port), env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{server.program} ({server}) exited: {log_path.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", "/api/v1/votes", body=b"{}", headers={"Content-Type": "application/json"})
            status = conn.getresponse().status
            conn.close()
            if status == 401:  # up, and the vote endpoint refuses a request without a token
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop_process(process)
    raise BenchError(f"{server.program} ({server}) did not come up within 60 s: {log_path.read_text()[-2000:]}")


def _load(port: int, pairs: list[tuple[int, int, str]], workdir: Path, *, max_seconds: float, servers: tuple[int, ...],
          concurrency: int = 0, rate: float = 0, expect: int = 201) -> dict[str, Any]:
    """Send the pairs' votes (closed loop at `concurrency`, or open loop at `rate`); every vote sent must be
    answered 201. Bounded in time: votes not sent within `max_seconds` stay unsent (and uncounted).
    `servers`: the process ids whose CPU the requests cost (the HTTP server's main process, PostgreSQL's
    postmaster)."""
    requests = _write_json(workdir, "requests.json", [[token, candidate] for _voter, candidate, token in pairs])
    mode = ["--concurrency", str(concurrency)] if concurrency else ["--rate", str(rate)]
    app_before, db_before = tree_cpu_seconds(servers[0]), tree_cpu_seconds(*servers[1:])
    result = subprocess.run([PYTHON, str(BENCH_DIR / "_loadgen.py"), "--port", str(port), "--requests", requests,
                             "--max-seconds", str(max_seconds), "--expect", str(expect), *mode],
                            capture_output=True, text=True, timeout=900 + max_seconds, check=False)
    app_cpu, db_cpu = tree_cpu_seconds(servers[0]) - app_before, tree_cpu_seconds(*servers[1:]) - db_before
    if result.returncode != 0:
        raise BenchError(f"the load generator failed:\n{result.stderr[-3000:]}")
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    answered = max(1, outcome["sent"])
    outcome["app_cpu_ms"] = 1000 * app_cpu / answered
    outcome["db_cpu_ms"] = 1000 * db_cpu / answered
    outcome["server_cpu_ms"] = outcome["app_cpu_ms"] + outcome["db_cpu_ms"]
    outcome["client_cpu_ms"] = 1000 * outcome["client_cpu_seconds"] / answered
    outcome["per_connection"] = outcome["sent"] / max(1, outcome["connections"])  # 1.0: no keep-alive
    outcome["capacity"] = _capacity(outcome["server_cpu_ms"] + outcome["client_cpu_ms"])
    if outcome["ok"] != outcome["sent"]:
        raise BenchError(f"not every answer was {expect}: {outcome['statuses']}; samples: {outcome['samples']}")
    return outcome


# --- one database -------------------------------------------------------------------------------------------


def run_database(name: str, database_url: str, args: argparse.Namespace, workdir: Path) -> DatabaseRun:
    run = DatabaseRun(name=name, label=DATABASES[name])
    extra_env = {"DJANGO_SETTINGS_MODULE": "_settings_sqlite_full"} if name == "sqlite-full" else {}
    env = bench_env(database_url, workdir, **extra_env)
    levels = args.concurrency
    http_votes = sum(_requests_at(args, c) for c in levels) * len(args.servers)
    warmups = sum(2 * s.warmup_clients for s in args.servers)
    rate_votes = int(args.rate * args.rate_seconds) * 2 if args.rate and name in args.rate_on else 0
    raw_votes = args.raw * (1 + args.raw_processes + 1) if args.raw else 0
    pgbench_votes = _pgbench_pairs(args) if name.startswith("postgres") and args.pgbench else 0
    in_process = (args.profile + 1 if args.profile else 0) + (args.layers + 1 if args.layers else 0)
    needed = http_votes + warmups + rate_votes + raw_votes + pgbench_votes + 2 + in_process
    voters = math.ceil(needed / args.votes_per_voter) + 10

    say(f"\n## {run.label}\n")
    say(f"preparing: migrate a fresh database, {voters:,} voters with tokens, {args.candidates} candidates …")
    plan_path = str(workdir / "plan.json")
    run.setup = _django(env, "prepare", "--voters", str(voters), "--candidates", str(args.candidates),
                        "--votes-per-voter", str(args.votes_per_voter), "--plan", plan_path)
    prepared = json.loads(Path(plan_path).read_text())
    plan = Plan(prepared["voters"], prepared["tokens"], prepared["candidates"], args.votes_per_voter)
    say(f"  migrated in {run.setup['migrate_seconds']:.1f} s, seeded in {run.setup['seed_seconds']:.1f} s")

    for server in args.servers:
        port = free_port()
        process = _server_start(server, env, port, workdir)
        pids = (process.pid, *([pg] if (pg := postgres_pid(database_url)) else []))
        try:
            warm = _load(port, plan.take(2 * server.warmup_clients), workdir, concurrency=server.warmup_clients,
                         servers=pids, max_seconds=args.level_seconds)  # every worker has loaded, connected, answered
            run.votes_sent += warm["sent"]
            for concurrency in levels:
                count = _requests_at(args, concurrency)
                load_before = load_average()
                outcome = _load(port, plan.take(count), workdir, concurrency=concurrency, servers=pids,
                                max_seconds=args.level_seconds)
                count = outcome["sent"]
                run.votes_sent += count
                run.http.append({"server": str(server), "concurrency": concurrency, "load": load_before, **outcome})
                say(f"  {server} c={concurrency:<3} {outcome['per_second']:8.1f} votes/s"
                    f"  p50 {outcome['p50_ms']:6.1f} ms  p99 {outcome['p99_ms']:7.1f} ms"
                    f"  CPU/vote app {outcome['app_cpu_ms']:.1f} db {outcome['db_cpu_ms']:.1f}"
                    f" client {outcome['client_cpu_ms']:.1f} ms"
                    f"  ({count} votes, all 201, {outcome['per_connection']:.1f} per connection; load {load_before})")
            if args.floor:
                # The same endpoint refusing a request without a token: the HTTP server, middleware, django-ninja
                # and the 401, no database — what the vote's own work is added to (measured for every server: it
                # is where servers differ).
                floor_concurrency = max(levels)
                outcome = _load(port, [(0, plan.candidates[0], "")] * args.requests, workdir, expect=401,
                                concurrency=floor_concurrency, max_seconds=args.level_seconds, servers=pids)
                run.floor.append({"server": str(server), "concurrency": floor_concurrency, **outcome})
                say(f"  {server} c={floor_concurrency:<3} {outcome['per_second']:8.1f} answers/s (401 without a "
                    f"token, no database: the HTTP floor)  p50 {outcome['p50_ms']:6.1f} ms"
                    f"  CPU/answer {outcome['server_cpu_ms']:.2f}+{outcome['client_cpu_ms']:.2f} ms"
                    f"  ({outcome['per_connection']:.1f} per connection)")
            if rate_votes and server == args.servers[0]:
                rates = [args.rate]
                measured = max((row["per_second"] for row in run.http if row["server"] == str(server)), default=0.0)
                if args.sustainable and measured and SUSTAINABLE * measured < args.rate:
                    # The target rate is beyond what this machine sustains: also show the latency at a rate it
                    # does sustain (a share of its best closed-loop throughput, lowered while the queue grows),
                    # where p99 means something.
                    rates.append(float(max(1, round(SUSTAINABLE * measured))))
                while rates:
                    rate = rates.pop(0)
                    load_before = load_average()
                    outcome = _load(port, plan.take(int(rate * args.rate_seconds)), workdir, rate=rate,
                                    max_seconds=RATE_GRACE_SECONDS, servers=pids)
                    run.votes_sent += outcome["sent"]
                    kept_up = not outcome["unsent"] and outcome["per_second"] >= KEPT_UP * rate
                    run.rate.append({"server": str(server), "rate": rate, "load": load_before, "kept_up": kept_up,
                                     **outcome})
                    unsent = f"; {outcome['unsent']:,} not sent in time: overloaded" if outcome["unsent"] else ""
                    behind = "" if kept_up or unsent else "; fell behind the schedule"
                    say(f"  {server} fixed {rate:g}/s: achieved {outcome['per_second']:.1f}/s, "
                        f"p50 {fmt(outcome['p50_ms'])} ms, p99 {fmt(outcome['p99_ms'])} ms "
                        f"({outcome['sent']:,} votes, all 201{unsent}{behind})")
                    searching = len(run.rate) > 1 and len(run.rate) - 1 < SUSTAINABLE_TRIES
                    if not kept_up and searching and rate > 1:
                        rates.append(float(max(1, round(rate * SUSTAINABLE_STEP))))
        finally:
            stop_process(process)

    pairs_path = _write_json(workdir, "pairs-q.json", [[token, candidate] for _v, candidate, token in plan.take(2)])
    run.queries = _django(env, "queries", "--pairs", pairs_path)
    run.votes_sent += 2
    say(f"  one HTTP vote = {run.queries['count']} SQL statements")
    if args.layers:
        pairs_path = _write_json(workdir, "pairs-l.json",
                                 [[token, candidate] for _v, candidate, token in plan.take(args.layers + 1)])
        run.layers = _django(env, "layers", "--pairs", pairs_path)
        run.votes_sent += run.layers["votes"]
        say(f"  in-process CPU per vote: the full stack {run.layers['stack_cpu_ms']:.2f} ms, the vote's services "
            f"alone {run.layers['services_cpu_ms']:.2f} ms, a 401 {run.layers['refused_cpu_ms']:.2f} ms "
            f"({run.layers['per_layer']} each)")
    if args.profile:
        pairs_path = _write_json(workdir, "pairs-p.json",
                                 [[token, candidate] for _v, candidate, token in plan.take(args.profile + 1)])
        profiled = _django(env, "profile", "--pairs", pairs_path)
        run.votes_sent += args.profile + 1
        say(f"  in-process (no socket): {profiled['cpu_per_vote_ms']:.2f} ms of CPU per vote "
            f"({profiled['per_vote_ms']:.2f} ms under cProfile)\n")
        say(profiled["report"])

    if args.raw:
        _raw(run, env, plan, args, workdir)

    run.check = _django(env, "check", "--expected", str(run.votes_sent))
    if run.check["problems"]:
        raise BenchError(f"{run.label}: the database does not agree with the votes sent: {run.check['problems']}")
    say(f"  check: {run.check['votes']:,} votes = votes sent; counters and tallies agree; ledger chain of "
        f"{run.check['ledger_entries']:,} entries verifies ({run.check['verify_seconds']:.1f} s)")
    if pgbench_votes:
        _pgbench(run, env, database_url, plan, args, workdir)
    return run


PGBENCH_GLOB = "/usr/lib/postgresql/*/bin/pgbench"


def _pgbench_binary() -> str | None:
    import glob
    import shutil

    found = sorted(glob.glob(PGBENCH_GLOB))
    return found[-1] if found else shutil.which("pgbench")


def _pgbench_transactions(args: argparse.Namespace, concurrency: int) -> int:
    """Votes per client at a level: the level's share of --pgbench (at least one)."""
    return max(1, args.pgbench // concurrency)


def _pgbench_pairs(args: argparse.Namespace) -> int:
    return sum(c * _pgbench_transactions(args, c) for c in args.concurrency)


def _pgbench(run: DatabaseRun, env: dict[str, str], database_url: str, plan: Plan, args: argparse.Namespace,
             workdir: Path) -> None:
    """The database-only ceiling of the same vote at each concurrency level (see the module's docstring)."""
    binary = _pgbench_binary()
    if binary is None:
        say("  pgbench not found (Debian: postgresql or postgresql-contrib): the database-only ceiling is skipped")
        return
    pairs = _write_json(workdir, "pairs-pgbench.json",
                        [[voter, candidate, token] for voter, candidate, token in plan.take(_pgbench_pairs(args))])
    script = workdir / "vote.pgbench"
    made = _django(env, "pgbench-script", "--pairs", pairs, "--script", str(script))
    say(f"  pgbench: the vote's {made['statements']} statements in 3 pipelined batches, "
        f"{made['pairs']:,} distinct (voter, candidate) pairs")
    pg = postgres_pid(database_url)
    for what, path in (("vote", script), ("head", Path(f"{script}.head"))):
        offset = 0
        for concurrency in args.concurrency:
            per_client = _pgbench_transactions(args, concurrency)
            load_before = load_average()
            cpu_before = tree_cpu_seconds(pg) if pg else 0.0
            started = time.perf_counter()
            result = subprocess.run(
                [binary, "--no-vacuum", "-M", "prepared", "-f", str(path), "-c", str(concurrency),
                 "-j", str(min(concurrency, os.cpu_count() or 1)), "-t", str(per_client), "-D", "i=0",
                 "-D", f"base={offset}", "-D", f"clients={concurrency}", database_url],
                capture_output=True, text=True, check=False, timeout=900)
            elapsed = time.perf_counter() - started
            db_cpu = (tree_cpu_seconds(pg) - cpu_before) if pg else 0.0
            if result.returncode != 0:
                raise BenchError(f"pgbench ({what}) failed at c={concurrency}:\n{result.stdout[-2000:]}\n"
                                 f"{result.stderr[-2000:]}")
            figures = _pgbench_figures(result.stdout)
            votes = concurrency * per_client
            if what == "vote":
                offset += votes  # the next level takes the pairs after these (the head-only run reuses them)
            row = {"what": what, "concurrency": concurrency, "votes": votes, "per_second": figures.get("tps", 0.0),
                   "latency_ms": figures.get("latency", 0.0), "failed": figures.get("failed", 0),
                   "db_cpu_ms": 1000 * db_cpu / votes,
                   "capacity": _capacity(1000 * db_cpu / votes) if db_cpu else 0.0,
                   "seconds": elapsed, "load": load_before}
            (run.pgbench if what == "vote" else run.head).append(row)
            label = "votes/s" if what == "vote" else "entries/s (the ledger head alone)"
            say(f"  pgbench {what} c={concurrency:<3} {row['per_second']:8.1f} {label}  latency avg "
                f"{row['latency_ms']:.1f} ms  CPU db {row['db_cpu_ms']:.2f} ms each  ({votes}, {row['failed']:g} "
                f"failed; load {load_before})")


def _pgbench_figures(output: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("tps = "):
            figures["tps"] = float(line.split()[2])
        elif line.startswith("latency average = "):
            figures["latency"] = float(line.split()[3])
        elif line.startswith("number of failed transactions: "):
            figures["failed"] = float(line.split(":")[1].split()[0])
    return figures


def _granian_version() -> str:
    try:
        return importlib.metadata.version("granian")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _capacity(cpu_ms_per_vote: float) -> float:
    """Votes per second the machine's cores could carry at this CPU cost per vote if nothing else ran: the
    figure a busy, shared machine can still estimate fairly (its throughput it cannot)."""
    return (os.cpu_count() or 1) * 1000 / cpu_ms_per_vote if cpu_ms_per_vote > 0 else 0.0


def _requests_at(args: argparse.Namespace, concurrency: int) -> int:
    return args.requests if concurrency > 1 else max(1, args.requests // 5)


def _raw(run: DatabaseRun, env: dict[str, str], plan: Plan, args: argparse.Namespace, workdir: Path) -> None:
    def pairs_file(name: str, count: int) -> str:
        return _write_json(workdir, name, [[voter, candidate] for voter, candidate, _t in plan.take(count)])

    def record(mode: str, processes: int, results: list[dict[str, Any]], what: str) -> None:
        count = sum(r["count"] for r in results)
        seconds = max(r["ended"] for r in results) - min(r["began"] for r in results)
        cpu_ms = 1000 * sum(r["cpu_seconds"] + r["db_cpu_seconds"] for r in results) / max(1, count)
        run.raw.append({"mode": mode, "processes": processes, "count": count, "seconds": seconds,
                        "per_second": count / seconds if seconds > 0 else 0.0, "what": what, "cpu_ms": cpu_ms,
                        "capacity": _capacity(cpu_ms)})
        run.votes_sent += sum(r["votes"] for r in results)
        say(f"  raw {mode:<8} ×{processes}: {count / seconds:8.1f}/s  CPU {cpu_ms:.2f} ms each  ({what})")

    record("service", 1, [_django(env, "raw", "--mode", "service", "--pairs", pairs_file("raw-1.json", args.raw))],
           "vote_cast in a loop, one connection")
    if args.raw_processes > 1:
        share = max(1, args.raw // args.raw_processes)
        files = [pairs_file(f"raw-p{i}.json", share) for i in range(args.raw_processes)]
        start_at = time.time() + 6  # every process set up and waiting, then all start together
        processes = [subprocess.Popen([PYTHON, str(BENCH_DIR / "_vote_db.py"), "raw", "--mode", "service", "--pairs",
                                       path, "--start-at", str(start_at)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for path in files]
        results = []
        for process in processes:
            out, err = process.communicate(timeout=900)
            if process.returncode != 0:
                raise BenchError(f"raw vote_cast process failed:\n{err[-3000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
        record("service", args.raw_processes, results, f"vote_cast in {args.raw_processes} parallel processes")
    record("bare", 1, [_django(env, "raw", "--mode", "bare", "--pairs", pairs_file("raw-b.json", args.raw))],
           "the same rows through the ORM, no locks or rule checks")
    probe = _write_json(workdir, "raw-c.json", [[0, 0]] * args.raw)
    record("commit", 1, [_django(env, "raw", "--mode", "commit", "--pairs", probe)],
           "one-row UPDATE per transaction: the durable-commit floor")


# --- the report ---------------------------------------------------------------------------------------------


def report(runs: list[DatabaseRun], args: argparse.Namespace, info: dict[str, str], elapsed: float) -> str:
    out = ["\n# Vote benchmark — results\n", table(["", ""], list(info.items()), title="Machine")]
    out.append(f"\nCommand: `{' '.join([Path(PYTHON).name, *sys.argv])}` — {elapsed / 60:.1f} min; load average at "
               f"the end {load_average()}")
    out.append("\nCPU columns: milliseconds of CPU per vote in the HTTP server's processes — gunicorn's arbiter and "
               "workers, or Granian's main process and workers (app; with SQLite this includes the database's work), "
               "in PostgreSQL's processes (db) and in the load generator (client); 'CPU-bound' = the votes/s this "
               f"machine's {os.cpu_count()} cores could carry at that cost if nothing else ran. 'per connection': "
               "requests sent on each TCP connection (1.0: the server closes it after every answer, as gunicorn's "
               "sync workers do).")
    out.append(table(
        ["database", "server", "concurrency", "votes", "votes/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
         "app CPU ms", "db CPU ms", "client CPU ms", "CPU-bound votes/s", "per connection", "load before"],
        [[r.name, row["server"], row["concurrency"], row["sent"], row["per_second"], row["p50_ms"], row["p90_ms"],
          row["p99_ms"], row["max_ms"], row["app_cpu_ms"], row["db_cpu_ms"], row["client_cpu_ms"], row["capacity"],
          row["per_connection"], row["load"]]
         for r in runs for row in r.http],
        title="HTTP vote path (POST /api/v1/votes via the server shown; closed loop; every answer 201)",
    ))
    if any(r.floor for r in runs):
        out.append(table(
            ["database", "server", "concurrency", "answers", "answers/s", "p50 ms", "p99 ms", "server CPU ms",
             "client CPU ms", "CPU-bound answers/s", "per connection"],
            [[r.name, row["server"], row["concurrency"], row["sent"], row["per_second"], row["p50_ms"], row["p99_ms"],
              row["server_cpu_ms"], row["client_cpu_ms"], row["capacity"], row["per_connection"]]
             for r in runs for row in r.floor],
            title="HTTP floor (POST /api/v1/votes without a token → 401: server, middleware, API; no database)",
        ))
    if any(r.rate for r in runs):
        out.append(table(
            ["database", "server", "target/s", "votes due", "not sent in time", "achieved/s", "kept up", "p50 ms",
             "p90 ms", "p99 ms", "max ms", "server CPU ms", "load before"],
            [[r.name, row["server"], row["rate"], row["planned"], row["unsent"], row["per_second"],
              "yes" if row["kept_up"] else "no", row["p50_ms"], row["p90_ms"], row["p99_ms"], row["max_ms"],
              row["server_cpu_ms"], row["load"]]
             for r in runs for row in r.rate],
            title=f"Fixed rate (open loop; latency from each vote's scheduled time; kept up: every vote sent in time "
                  f"and {KEPT_UP:.0%} of the rate achieved)",
        ))
    if any(r.raw for r in runs):
        out.append(table(
            ["database", "what", "processes", "count", "per second", "CPU ms each", "CPU-bound per second"],
            [[r.name, f"{row['mode']}: {row['what']}", row["processes"], row["count"], row["per_second"],
              row["cpu_ms"], row["capacity"]] for r in runs for row in r.raw],
            title="Raw ceiling (no HTTP; CPU = the Python process and, for PostgreSQL, its server backend)",
        ))
    if any(r.pgbench for r in runs):
        rows = []
        for r in runs:
            for row in r.pgbench:
                best = _best_http(r, row["concurrency"])
                share = f"{100 * best['per_second'] / row['per_second']:.0f}%" if best and row["per_second"] else None
                cpu_share = (f"{100 * best['capacity'] / row['capacity']:.0f}%"
                             if best and row["capacity"] and best["capacity"] else None)
                rows.append([r.name, row["concurrency"], row["votes"], row["per_second"],
                             best["per_second"] if best else None, share, row["latency_ms"], row["db_cpu_ms"],
                             row["capacity"], cpu_share, row["failed"], row["load"]])
        out.append(table(
            ["database", "concurrency", "votes", "database-only votes/s", "HTTP votes/s (same c)", "HTTP share",
             "latency avg ms", "db CPU ms", "CPU-bound votes/s", "HTTP share, CPU-bound", "failed", "load before"],
            rows,
            title="Database-only ceiling: the vote's own statements (voting.queries, batched as vote_cast does) "
                  "replayed by pgbench, no Python; same season head, distinct voters"))
    if any(r.layers for r in runs):
        out.append(_layers_table(runs))
    if any(r.head for r in runs):
        out.append(table(
            ["database", "concurrency", "entries", "entries/s", "latency avg ms", "db CPU ms", "failed",
             "load before"],
            [[r.name, row["concurrency"], row["votes"], row["per_second"], row["latency_ms"], row["db_cpu_ms"],
              row["failed"], row["load"]] for r in runs for row in r.head],
            title="The ledger head's ceiling (issue 14, goal 4): only the head's lock, an entry and the head's move, "
                  "committed as a vote commits (pgbench)"))
    summary = []
    for r in runs:
        best = max(r.http, key=lambda row: row["per_second"]) if r.http else None
        cheapest = max(r.http, key=lambda row: row["capacity"]) if r.http else None
        service = [row for row in r.raw if row["mode"] == "service"]
        ceiling = max(service, key=lambda row: row["per_second"]) if service else None
        raw_capacity = max((row["capacity"] for row in service), default=0.0)
        ratio = best["per_second"] / ceiling["per_second"] if best and ceiling else None
        rate = r.rate[0] if r.rate else None
        summary.append([
            r.name, f"{best['per_second']:,.0f} ({best['server']}, c={best['concurrency']})" if best else None,
            f"{ceiling['per_second']:,.0f} (×{ceiling['processes']})" if ceiling else None,
            f"{100 * ratio:.0f}%" if ratio is not None else None,
            f"{cheapest['capacity']:,.0f}" if cheapest else None,
            f"{raw_capacity:,.0f}" if raw_capacity else None,
            f"{100 * cheapest['capacity'] / raw_capacity:.0f}%" if cheapest and raw_capacity else None,
            fmt(rate["p99_ms"]) if rate else None,
            _sustained(r.rate[1:]),
            r.queries.get("count"),
            f"{r.check.get('votes', 0):,} = sent, chain ok" if r.check.get("ledger_ok") else "—",
        ])
    out.append(table(["database", "HTTP votes/s (best)", "raw vote_cast/s (best)", "HTTP / raw",
                      "HTTP CPU-bound/s", "raw CPU-bound/s", "CPU-bound HTTP / raw", f"p99 ms at {args.rate:g}/s",
                      "p99 ms at a sustainable rate", "SQL per vote", "check"], summary, title="Summary"))
    targets = []
    for r in runs:
        if not r.name.startswith("postgres"):
            continue
        best = max((row["per_second"] for row in r.http), default=0.0)
        service = max((row["per_second"] for row in r.raw if row["mode"] == "service"), default=0.0)
        p99 = r.rate[0]["p99_ms"] if r.rate else None
        targets.append([r.name, f"≥ {TARGET_VOTES_PER_SECOND:,} votes/s", f"{best:,.0f}",
                        "met" if best >= TARGET_VOTES_PER_SECOND else "NOT met"])
        if p99 is not None:
            targets.append([r.name, f"p99 < {TARGET_P99_MS} ms at {args.rate:g}/s", f"{fmt(p99)} ms",
                            "met" if p99 < TARGET_P99_MS and args.rate >= TARGET_RATE else "NOT met"])
        if service:
            targets.append([r.name, f"HTTP ≥ {100 * TARGET_RATIO:.0f}% of raw", f"{100 * best / service:.0f}%",
                            "met" if best / service >= TARGET_RATIO else "NOT met"])
        ceiling = max((row["per_second"] for row in r.pgbench), default=0.0)
        if ceiling:
            targets.append([r.name, f"HTTP ≥ {100 * TARGET_SHARE_OF_DATABASE:.0f}% of the database-only ceiling "
                            "(issue 14)", f"{100 * best / ceiling:.0f}% ({best:,.0f} of {ceiling:,.0f}/s)",
                            "met" if best / ceiling >= TARGET_SHARE_OF_DATABASE else "NOT met"])
    if targets:
        out.append(table(["database", "target (issues 3 and 14, 2-core machine)", "measured", ""], targets,
                         title="Targets"))
    return "\n".join(out)


def _best_http(run: DatabaseRun, concurrency: int) -> dict[str, Any] | None:
    """The fastest server's HTTP row at this concurrency: what the ceiling's shares compare with."""
    same = [row for row in run.http if row["concurrency"] == concurrency]
    return max(same, key=lambda row: row["per_second"]) if same else None


def _layers_table(runs: list[DatabaseRun]) -> str:
    """The in-process layers of a vote, and on PostgreSQL the share of the database-only ceiling the HTTP path
    could reach at most if the HTTP layer (server, Django's request cycle, django-ninja, the load generator)
    cost nothing: the vote's services' CPU plus the database's, against the database's alone under pgbench —
    the same CPU-bound measure as the ceiling's table, with the services in place of the server and client."""
    rows = []
    for r in runs:
        if not r.layers:
            continue
        layers = [r.layers["stack_cpu_ms"], r.layers["services_cpu_ms"], r.layers["refused_cpu_ms"]]
        if not r.pgbench:
            rows.append([r.name, None, *layers, None, None, None, None, None])
        for row in r.pgbench:
            best = _best_http(r, row["concurrency"])
            if best is None or not row["capacity"] or not best["capacity"]:
                continue
            bound = _capacity(r.layers["services_cpu_ms"] + best["db_cpu_ms"]) / row["capacity"]
            rows.append([r.name, row["concurrency"], *layers, f"{best['app_cpu_ms']:.1f} ({best['server']})",
                         best["db_cpu_ms"], row["db_cpu_ms"], f"{100 * best['capacity'] / row['capacity']:.0f}%",
                         f"{100 * bound:.0f}%"])
    return table(
        ["database", "concurrency", "in-process: full stack ms", "the vote's services ms", "a 401 ms",
         "HTTP app CPU ms (server)", "HTTP db CPU ms", "pgbench db CPU ms", "HTTP share, CPU-bound",
         "at most, with a free HTTP layer"],
        rows,
        title="The vote's own work (CPU per vote in one Python process, no socket: through the full Django stack, "
              "the token's and candidate's read and vote_cast alone, a refused token) and the share of the "
              "database-only ceiling it leaves the HTTP path")


def _sustained(rows: list[dict[str, Any]]) -> str | None:
    """p99 at the highest rate of the search for a sustainable one that kept up, or what the search found."""
    kept = [row for row in rows if row.get("kept_up")]
    if kept:
        row = max(kept, key=lambda row: row["rate"])
        return f"{fmt(row['p99_ms'])} at {row['rate']:g}/s"
    if rows:
        return f"none kept up (lowest tried {min(row['rate'] for row in rows):g}/s)"
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres",
                        help=f"comma-separated, in order, from: {', '.join(DATABASES)} (default: sqlite,postgres)")
    parser.add_argument("--servers", default="sync:4",
                        help="server configurations to measure, comma-separated: gunicorn's sync:W or gthread:WxT "
                             "(W workers x T threads), Granian's granian:W or granian:WxT (W workers x T blocking "
                             "threads, 1 when omitted); default sync:4; the fixed-rate run uses the first")
    parser.add_argument("--concurrency", default="1,8,32,64", help="closed-loop levels (default 1,8,32,64)")
    parser.add_argument("--requests", type=int, default=3000,
                        help="votes per concurrency level (a fifth of it at concurrency 1; default 3000)")
    parser.add_argument("--level-seconds", type=float, default=20,
                        help="each concurrency level stops after this long even if votes are left (default 20)")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="fixed-rate run, votes/s (0: skip)")
    parser.add_argument("--rate-seconds", type=float, default=15)
    parser.add_argument("--no-sustainable", dest="sustainable", action="store_false",
                        help=f"no search for a sustainable rate (from {SUSTAINABLE * 100:.0f}%% of the best "
                             "measured throughput, lowered while the queue grows) when the target rate is beyond it")
    parser.add_argument("--rate-on", default="sqlite,sqlite-full,postgres,postgres-fast",
                        help="databases that get the fixed-rate run")
    parser.add_argument("--raw", type=int, default=3000, help="votes per raw-ceiling measurement (0: skip)")
    parser.add_argument("--raw-processes", type=int, default=4, help="parallel processes of the raw run")
    parser.add_argument("--pgbench", type=int, default=3000,
                        help="PostgreSQL: votes per concurrency level of the database-only ceiling, the vote's "
                             "statements replayed by pgbench (0: skip)")
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="skip the HTTP floor (the vote endpoint answering 401 without a token)")
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--votes-per-voter", type=int, default=3, help="K, the season's votes per voter")
    parser.add_argument("--layers", type=int, default=800, metavar="N",
                        help="N in-process votes, half through the full Django stack and half through the vote's "
                             "services alone, and N/2 refusals: what the HTTP layer adds, and how far the HTTP "
                             "path could go against the database-only ceiling without it (0: skip)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile N in-process votes with cProfile and print where the time goes")
    parser.add_argument("--database-url",
                        help="postgres: an empty database of a server already running (bench/bot_updates.py runs "
                             "the web API on the same PostgreSQL as the bot) instead of a throw-away cluster")
    parser.add_argument("--markdown", help="also write the result tables to this file")
    parser.add_argument("--json", help="also write every figure as JSON to this file")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = [d for d in args.databases if d not in DATABASES]
    if unknown:
        parser.error(f"unknown database(s): {', '.join(unknown)}")
    try:
        args.servers = [Server.parse(s.strip()) for s in args.servers.split(",") if s.strip()]
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    args.rate_on = {d.strip() for d in args.rate_on.split(",")}

    started = time.monotonic()
    info = machine_info()
    if any(server.kind == "granian" for server in args.servers):
        info["granian"] = _granian_version()
    say("# Vote benchmark\n")
    say(table(["", ""], list(info.items())))
    say("\nThis machine may be shared: figures move with its load (see 'load before' in the tables).")
    runs: list[DatabaseRun] = []
    try:
        for name in args.databases:
            with tempfile.TemporaryDirectory(prefix=f"atomgrad-bench-{name}-") as tmp:
                workdir = Path(tmp)
                if name == "postgres" and args.database_url:
                    runs.append(run_database(name, args.database_url, args, workdir))
                elif name.startswith("postgres"):
                    with postgres_server(durable=name == "postgres") as url:
                        runs.append(run_database(name, url, args, workdir))
                else:
                    runs.append(run_database(name, f"sqlite:///{workdir / 'bench.sqlite3'}", args, workdir))
    except BenchError as error:
        say(f"\nBENCHMARK FAILED: {error}")
        return 1
    text = report(runs, args, info, time.monotonic() - started)
    say(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "argv": sys.argv, "runs": [r.__dict__ for r in runs]},
                                              indent=1, default=str))
    return 0


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # unwinds through the finally blocks: the HTTP server and PostgreSQL are stopped


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    os.chdir(REPO_DIR)
    sys.exit(main(sys.argv[1:]))
