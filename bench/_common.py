"""What every benchmark in bench/ shares: the machine's description, percentiles, plain-text tables, a
throw-away PostgreSQL server, and the environment a benchmark's Django processes run with.

Standard library only (the scripts run it before Django is set up, and in processes without Django).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import math
import os
import platform
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = REPO_DIR / "src"
BIN_DIR = Path(sys.executable).parent  # the venv's bin/ when run as .venv/bin/python
PYTHON = sys.executable


# --- the machine --------------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                return f"{kib / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def postgres_bindir() -> str | None:
    return _with_postgres().find_bindir()  # type: ignore[no-any-return]


def postgres_version() -> str:
    bindir = postgres_bindir()
    if bindir is None:
        return "not installed"
    out = subprocess.run([f"{bindir}/postgres", "--version"], capture_output=True, text=True, check=False).stdout
    return out.strip().replace("postgres (PostgreSQL) ", "") or "unknown"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine_info() -> dict[str, str]:
    """The facts a figure needs next to it to mean anything."""
    import django  # noqa: PLC0415 - only its version

    try:
        gunicorn_version = subprocess.run([str(BIN_DIR / "gunicorn"), "--version"], capture_output=True,
                                          text=True, check=False).stdout.strip().replace("gunicorn (version ", "")
        gunicorn_version = gunicorn_version.rstrip(")")
    except OSError:
        gunicorn_version = "not installed"
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": _cpu_model(),
        "memory": _memory_total(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn_version,
        "postgresql": postgres_version(),
        "sqlite": sqlite3.sqlite_version,
        "load average (1/5/15 min) at start": load_average(),
    }


# --- numbers and tables -------------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0.5 → median, 0.99 → p99); NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if math.isinf(value):
            return "∞"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> str:
    """A Markdown table (readable in a terminal and pasteable into docs/PERFORMANCE.md), numbers right-aligned."""
    cells = [[fmt(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) if cells else len(str(h))
              for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(isinstance(row[i], int | float) or row[i] is None for row in rows)
               for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric,
                                                                                    strict=True)) + " |"

    out = []
    if title:
        out.append(f"\n### {title}\n")
    out.append(line([str(h) for h in headers]))
    out.append("|" + "|".join(("-" * (w + 1) + ":") if n else ("-" * (w + 2)) for w, n in zip(widths, numeric,
                                                                                             strict=True)) + "|")
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def say(text: str = "") -> None:
    print(text, flush=True)


# --- processes and ports ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of every Django process of one benchmark run: its own database, its own var/ (so no
    file lands in the repository's var/), fixed throw-away secrets, production settings (DEBUG off)."""
    env = dict(os.environ)
    for name in ("DEBUG", "SMS_BACKEND", "BEHIND_PROXY", "LOG_LEVEL", "DB_CONN_MAX_AGE"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=database_url,
        ATOMGRAD_VAR_DIR=str(workdir / "var"),
        SECRET_KEY="bench-secret-key-" + "x" * 40,
        PHONE_HASH_KEY="bench-phone-hash-key-" + "y" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="atomgrad.settings",
        PYTHONPATH=os.pathsep.join([str(SRC_DIR), str(REPO_DIR / "bench")]),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def stop_process(process: subprocess.Popen[Any], *, timeout: float = 15) -> None:
    """Stop a process this benchmark started (TERM, then KILL), by its own id only."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def tree_cpu_seconds(*roots: int) -> float:
    """CPU time (user + system) used so far by these processes and all their descendants, including children
    that have exited and been reaped. Linux (/proc). Differences of it give the CPU a piece of work cost the
    machine whatever else is running on it — a steadier figure than throughput on a shared machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    used: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            data = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = data[data.rindex(")") + 2:].split()  # fields[0] is the state (field 3 of proc(5))
        pid, ppid = int(entry), int(fields[1])
        used[pid] = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        children.setdefault(ppid, []).append(pid)
    total, stack, seen = 0, list(roots), set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += used.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / ticks


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def _with_postgres() -> Any:
    """scripts/with_postgres.py as a module (find_bindir, and cluster: the throw-away server)."""
    spec = importlib.util.spec_from_file_location("atomgrad_with_postgres", REPO_DIR / "scripts" / "with_postgres.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def postgres_pid(database_url: str) -> int | None:
    """The postmaster's process id of a server started by `postgres_server` (None for any other URL)."""
    return _POSTMASTERS.get(database_url)


_POSTMASTERS: dict[str, int] = {}


@contextlib.contextmanager
def postgres_server(*, durable: bool = True) -> Iterator[str]:
    """A throw-away PostgreSQL cluster on a free loopback port, on the machine's disk (not tmpfs); yields its
    DATABASE_URL and removes everything afterwards. `durable` keeps PostgreSQL's defaults (fsync on,
    synchronous_commit on, full_page_writes on) — the only honest setting for a benchmark of a vote; the
    non-durable one is the configuration the test suite uses, for comparison only. The cluster is
    scripts/with_postgres.py's, as in the test suite."""
    helper = _with_postgres()
    with helper.cluster(durable=durable, prefix="atomgrad-bench-pg-", parent=os.environ.get("BENCH_PG_DIR") or None,
                        stop_mode="fast") as (url, datadir):
        _POSTMASTERS[url] = int(Path(datadir, "postmaster.pid").read_text().split()[0])
        yield url
