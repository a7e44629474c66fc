"""The load generator of the vote benchmark: a separate process (so its CPU is not the server's), standard
library only, asyncio with hand-written HTTP/1.1 on 127.0.0.1. It keeps connections alive where the server
allows it (gunicorn's gthread workers, Granian) and opens a new one when the server closes it (gunicorn's sync
workers); it counts the connections it opened.

    python bench/_loadgen.py --port P --requests FILE --concurrency C      closed loop: C clients, each sends
                                                                            its next vote when the last answered
    python bench/_loadgen.py --port P --requests FILE --rate R             open loop: vote i is due at i/R s;
                                                                            latency counts from when it was due

FILE is a JSON list of [token, candidate id] (an empty token sends no Authorization header); every entry is
sent exactly once, in order (no retries: a retried vote would be a second vote). Prints one JSON object:
statuses, latency percentiles, throughput, the client's own CPU use, the connections it opened and a sample of
any unexpected answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import percentile  # noqa: E402

PATH = "/api/v1/votes"


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


async def connect(port: int) -> Connection:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return Connection(reader, writer)


async def post_vote(conn: Connection, *, port: int, token: str, candidate: int) -> tuple[int, bytes, bool]:
    """One POST /api/v1/votes on an open connection: (status, body, whether the connection may be reused)."""
    body = json.dumps({"candidate": candidate}).encode()
    authorization = f"Authorization: Bearer {token}\r\n" if token else ""  # no token: the 401 floor
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{authorization}"
        f"Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    conn.writer.write(head + body)
    await conn.writer.drain()
    raw_head = await conn.reader.readuntil(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    keep_alive = lines[0].startswith("HTTP/1.1")
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection":
            keep_alive = value.strip().lower() != "close"
    payload = await conn.reader.readexactly(length) if length else b""
    return status, payload, keep_alive


class Recorder:
    def __init__(self, expect: str) -> None:
        self.expect = expect
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.samples: list[str] = []
        self.first_sent: float | None = None
        self.connections = 0  # TCP connections opened: as many as requests when the server never keeps one alive
        self.last_done = 0.0

    def record(self, status: str, latency: float, body: bytes, done: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)
        self.last_done = max(self.last_done, done)
        if status != self.expect and len(self.samples) < 5:
            self.samples.append(f"{status}: {body[:300].decode('utf-8', 'replace')}")


async def _send(port: int, pool: list[Connection], token: str, candidate: int,
                recorder: Recorder) -> tuple[str, bytes]:
    if pool:
        conn = pool.pop()
    else:
        conn = await connect(port)
        recorder.connections += 1
    try:
        status, body, keep_alive = await post_vote(conn, port=port, token=token, candidate=candidate)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
        conn.close()
        return f"error:{type(error).__name__}", str(error).encode()
    if keep_alive:
        pool.append(conn)
    else:
        conn.close()
    return str(status), body


async def closed_loop(port: int, requests: list[tuple[str, int]], concurrency: int, max_seconds: float,
                      recorder: Recorder) -> None:
    queue = iter(requests)
    deadline = time.perf_counter() + max_seconds

    async def client() -> None:
        pool: list[Connection] = []  # this client's own connection, when kept alive
        for token, candidate in queue:
            sent = time.perf_counter()
            recorder.first_sent = recorder.first_sent or sent
            status, body = await _send(port, pool, token, candidate, recorder)
            done = time.perf_counter()
            recorder.record(status, done - sent, body, done)
            if done > deadline:
                break  # bounded in time as well as in count: the rest of the list is left unsent
        for conn in pool:
            conn.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def open_loop(port: int, requests: list[tuple[str, int]], rate: float, max_in_flight: int,
                    grace: float, recorder: Recorder) -> dict[str, float]:
    """Vote i is due at start + i/rate whatever happened to the others. At most `max_in_flight` are on the wire;
    the others wait (their latency still counts from when they were due). `grace` seconds after the last one
    was due, votes still waiting to be sent are given up (`unsent`: the server could not keep up); votes
    already sent are always awaited, so every vote the server may have taken is accounted for."""
    pool: list[Connection] = []
    limit = asyncio.Semaphore(max_in_flight)
    start = time.perf_counter() + 0.05
    give_up_at = start + len(requests) / rate + grace
    recorder.first_sent = start
    late: list[float] = []
    unsent = 0

    async def one(token: str, candidate: int, due: float) -> None:
        nonlocal unsent
        try:
            await asyncio.wait_for(limit.acquire(), timeout=max(0.0, give_up_at - time.perf_counter()))
        except TimeoutError:
            unsent += 1
            return
        try:
            late.append(time.perf_counter() - due)
            status, body = await _send(port, pool, token, candidate, recorder)
        finally:
            limit.release()
        done = time.perf_counter()
        recorder.record(status, done - due, body, done)  # from when it was due: no coordinated omission

    tasks = []
    for index, (token, candidate) in enumerate(requests):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(token, candidate, due)))
    await asyncio.gather(*tasks)
    for conn in pool:
        conn.close()
    late.sort()
    return {"unsent": unsent, "send_late_p50_ms": 1000 * percentile(late, 0.5),
            "send_late_p99_ms": 1000 * percentile(late, 0.99)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", required=True, help="JSON list of [token, candidate id]")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--concurrency", type=int)
    mode.add_argument("--rate", type=float, help="votes per second, open loop")
    parser.add_argument("--expect", default="201", help="the status every answer must have (default 201)")
    parser.add_argument("--max-in-flight", type=int, default=256, help="open loop: connections at most")
    parser.add_argument("--max-seconds", type=float, default=30,
                        help="closed loop: stop sending after this long (open loop: give up on votes not yet "
                             "sent this long after the last was due)")
    args = parser.parse_args(argv)
    with open(args.requests) as handle:
        requests = [(token, int(candidate)) for token, candidate in json.load(handle)]

    recorder = Recorder(args.expect)
    cpu_before = os.times()
    extra: dict[str, float] = {}
    if args.concurrency:
        asyncio.run(closed_loop(args.port, requests, args.concurrency, args.max_seconds, recorder))
    else:
        extra = asyncio.run(open_loop(args.port, requests, args.rate, args.max_in_flight, args.max_seconds,
                                      recorder))
    cpu_after = os.times()
    wall = recorder.last_done - (recorder.first_sent or recorder.last_done)
    latencies = sorted(recorder.latencies)
    # A vote that could not even be sent in time counts as slower than any that was answered.
    latencies += [math.inf] * int(extra.get("unsent", 0))
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    result = {
        "planned": len(requests),
        "sent": len(recorder.latencies),
        "statuses": recorder.statuses,
        "ok": recorder.statuses.get(args.expect, 0),
        "seconds": wall,
        "per_second": len(recorder.latencies) / wall if wall > 0 else 0.0,
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p90_ms": 1000 * percentile(latencies, 0.90),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * latencies[-1] if latencies else 0.0,  # inf when votes were left unsent
        "client_cpu_share": cpu / wall if wall > 0 else 0.0,
        "client_cpu_seconds": cpu,
        "connections": recorder.connections,
        "samples": recorder.samples,
        **extra,
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
