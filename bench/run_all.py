#!/usr/bin/env python3
"""`make bench`: run every benchmark in bench/ in a quick, bounded configuration and print their figures.

    .venv/bin/python bench/run_all.py              # everything (about 10–15 minutes on a 2-core machine)
    .venv/bin/python bench/run_all.py --list       # what would run, with which arguments
    .venv/bin/python bench/run_all.py --only vote_http

A benchmark is any `bench/*.py` whose name does not start with `_` (helpers) other than this file. Each runs
in its own process, its output streamed as it comes and kept in var/bench/<name>[-<variant>].log. The
configurations below keep the whole run bounded; a script this file does not know runs with no arguments,
or with the list it declares itself as `MAKE_BENCH_ARGS = [...]` at module level. Every run has a time limit;
a run that fails or overruns is reported and the others still run. Exit status 1 if any failed.

The full-size runs (10 million votes, longer levels) are each script's own defaults: run them directly.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import PYTHON, REPO_DIR, load_average, machine_info, say, table  # noqa: E402

BENCH_DIR = REPO_DIR / "bench"
LOG_DIR = REPO_DIR / "var" / "bench"


@dataclass(frozen=True)
class Run:
    args: list[str] = field(default_factory=list)
    variant: str = ""
    postgres: bool = False  # run under scripts/with_postgres.py --durable (DATABASE_URL set for the script)
    timeout: float = 600


# The quick configurations of the benchmarks we know. Figures in docs/PERFORMANCE.md say which were used.
KNOWN: dict[str, list[Run]] = {
    # SQLite and a durable PostgreSQL (started by the script), concurrency 1/8/32/64 (10 s each at most),
    # the HTTP floor, 500 votes/s for 10 s, the raw ceiling (1,000 votes each).
    # PostgreSQL's database-only ceiling: the vote's statements by pgbench, 1,000 votes a level.
    "vote_http": [Run(["--level-seconds", "10", "--rate-seconds", "10", "--raw", "1000", "--pgbench", "1000"],
                      timeout=900)],
    # Vote callbacks and card pages through the bot against the fake Bot API: the dispatcher in-process (c 1/8/32),
    # then runbot --webhook processes (peak, then p99 at 80% of it); on durable PostgreSQL also the web API's
    # votes/s on the same server in the same run, and the bot's share of it (issue 14: at least 60%).
    "bot_updates": [
        Run(["--updates", "300", "--concurrency", "1", "8", "32", "--processes", "2", "--webhook-updates", "150"],
            variant="sqlite", timeout=600),
        Run(["--updates", "200", "--concurrency", "8", "--processes", "1", "2", "--webhook-updates", "300",
             "--web-api", "--web-api-requests", "600"], variant="postgres", postgres=True, timeout=1200),
    ],
    # A season of 1 million votes (a tenth of the full benchmark; the verifier streams, so time scales
    # linearly and memory stays flat), on every core and in one process, and 200,000 votes in the database for
    # the server-side tally.
    "tally_10m": [Run(["--votes", "1000000", "--db-votes", "200000", "--compare-single"], timeout=600)],
    # Fraud detection on in-memory seasons of 100,000 and 1,000,000 votes (its full configuration: ~2 minutes).
    "integrity": [Run(["--votes", "100000", "1000000"], timeout=600)],
}


def discover() -> list[str]:
    return sorted(path.stem for path in BENCH_DIR.glob("*.py")
                  if not path.name.startswith("_") and path.name != Path(__file__).name)


def declared_args(name: str) -> list[str] | None:
    """`MAKE_BENCH_ARGS = [...]` at a script's top level, read without importing it."""
    tree = ast.parse((BENCH_DIR / f"{name}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "MAKE_BENCH_ARGS" for t in node.targets):
            value = ast.literal_eval(node.value)
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                return value
    return None


def runs_for(name: str) -> list[Run]:
    if name in KNOWN:
        return KNOWN[name]
    declared = declared_args(name)
    return [Run(declared or [])]


def command_for(name: str, run: Run) -> list[str]:
    command = [PYTHON, str(BENCH_DIR / f"{name}.py"), *run.args]
    if run.postgres:
        command = [PYTHON, str(REPO_DIR / "scripts" / "with_postgres.py"), "--durable", "--", *command]
    return command


def execute(name: str, run: Run) -> tuple[str, float]:
    """Run one benchmark, streaming its output to the terminal and to its log. Returns (outcome, seconds)."""
    label = f"{name}-{run.variant}" if run.variant else name
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{label}.log"
    command = command_for(name, run)
    say(f"\n{'=' * 100}\n# {label}\n$ {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(command))}\n")
    started = time.monotonic()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=REPO_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, bufsize=1, start_new_session=True)
        assert process.stdout is not None
        deadline = started + run.timeout
        outcome = ""
        try:
            for line in process.stdout:
                sys.stdout.write(line)
                log.write(line)
                if time.monotonic() > deadline:
                    outcome = f"stopped after {run.timeout:.0f} s"
                    break
        finally:
            if process.poll() is None:
                # The benchmark's own process group (its servers, load generators): by its id, nobody else's.
                os.killpg(process.pid, 15)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, 9)
                    process.wait()
    seconds = time.monotonic() - started
    if not outcome:
        outcome = "ok" if process.returncode == 0 else f"FAILED (exit {process.returncode})"
    if process.returncode == 3 and run.postgres:
        outcome = "skipped: PostgreSQL is not installed"
    say(f"\n[{label}: {outcome} in {seconds / 60:.1f} min; log {log_path.relative_to(REPO_DIR)}]")
    return outcome, seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--list", action="store_true", help="show what would run and exit")
    args = parser.parse_args(argv)
    names = discover()
    if args.only:
        unknown = set(args.only) - set(names)
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))} (have: {', '.join(names)})")
        names = [name for name in names if name in args.only]
    plan = [(name, run) for name in names for run in runs_for(name)]
    if args.list:
        for name, run in plan:
            say(" ".join(command_for(name, run)))
        return 0

    say("# make bench\n")
    say(table(["", ""], list(machine_info().items())))
    say(f"\nBenchmarks: {', '.join(names)}. Quick configurations (see bench/run_all.py); record the figures in "
        "docs/PERFORMANCE.md with this table. Figures move with the machine's load: run on a quiet machine.")
    started = time.monotonic()
    results = []
    for name, run in plan:
        outcome, seconds = execute(name, run)
        results.append([f"{name}-{run.variant}" if run.variant else name, outcome, f"{seconds / 60:.1f} min"])
    say(f"\n{'=' * 100}")
    say(table(["benchmark", "outcome", "time"], results, title="make bench — summary"))
    say(f"\nTotal {(time.monotonic() - started) / 60:.1f} min; load average at the end {load_average()}. "
        f"Logs in {LOG_DIR.relative_to(REPO_DIR)}/.")
    return 0 if all(row[1] == "ok" or row[1].startswith("skipped") for row in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
