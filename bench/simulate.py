"""Benchmark: the season simulator's runner (votes per second through the real vote path) and the loading of a
season's votes for detection (`integrity.selectors.vote_frame`: seconds and peak memory at a million votes).

    .venv/bin/python bench/simulate.py                                  # 20,000 runner votes, 1,000,000 frame
    .venv/bin/python bench/simulate.py --runner-votes 2000 --frame-votes 100000   # a quick check
    .venv/bin/python bench/simulate.py --database postgres              # the same on a throw-away PostgreSQL

1. The runner: a sandbox season of 20 cities, the `organic` scenario's plan (`integrity.simulator.scenarios`)
   cut to --runner-votes, cast through `integrity.simulator.runner.run_plan` — the voters registered in bulk,
   every vote through `vote_cast` in its own transaction, as the web, the API and the bot do.
2. The frame: --frame-votes votes with their ledger entries and signals bulk-loaded by SQL (not through the vote
   path, which would take the runner's time), then `vote_frame` in a fresh process: wall time and the process's
   peak RSS (and the peak of the load alone, above the process's baseline).

Prints Markdown tables for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, bench_env, machine_info, postgres_server, say, table  # noqa: E402

CHILD = r"""
import datetime as dt, json, resource, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
mode, size = sys.argv[1], int(sys.argv[2])

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

if mode == "runner":
    call_command("migrate", verbosity=0)
    from atomgrad.integrity.simulator import scenarios
    from atomgrad.integrity.simulator.runner import run_plan
    from atomgrad.integrity.simulator.sandbox import sandbox_season
    cities = scenarios.scaled_cities(max(1000, size // 2), cities=20)
    start, end = scenarios.DEFAULT_START, scenarios.DEFAULT_END
    plan = scenarios.SCENARIOS["organic"](cities, seed=1, start=start, end=end, scale=1.0)
    plan = sorted(plan, key=lambda vote: vote.at)[:size]
    season = sandbox_season(cities=cities, start=start, end=end + dt.timedelta(seconds=1))
    result = run_plan(season=season, plan=plan)
    print(json.dumps(result.as_dict()))
elif mode == "load":
    call_command("migrate", verbosity=0)
    from atomgrad.integrity.simulator.plan import CityShape
    from atomgrad.integrity.simulator.sandbox import sandbox_season
    from atomgrad.award.models import Application
    from atomgrad.voting.models import LedgerEntry, SeasonVoter, Vote, VoterIdentity, VoterSignal, VoteSignal
    from atomgrad.core.rawsql import table
    start = dt.datetime(2025, 9, 1, 7, tzinfo=dt.UTC)
    cities = [CityShape(f"bench-{i:02d}", 30, 0) for i in range(20)]
    season = sandbox_season(cities=cities, start=start, end=start + dt.timedelta(days=14))
    candidates = list(Application.objects.filter(season=season).values_list("pk", "city_id"))
    consent = season.applications.first().consent_document_id
    from atomgrad.award.models import ConsentDocument
    voter_consent = ConsentDocument.objects.filter(kind="voter").values_list("pk", flat=True).first()
    began = time.perf_counter()
    voters = size // 2 + 1
    quote = connection.ops.quote_name
    def insert(model, names, rows):
        columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
        marks = ", ".join(["%s"] * len(names))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table(model)} ({columns}) VALUES ({marks})", rows)
    moment = start.isoformat() if connection.vendor == "postgresql" else start.strftime("%Y-%m-%d %H:%M:%S")
    with transaction.atomic():
        insert(VoterIdentity, ["id", "phone_hash", "created_at"],
               [(i, f"{i:064x}", moment) for i in range(1, voters + 1)])
        insert(SeasonVoter, ["id", "season", "identity", "city", "consent_document", "consent_given_at",
                             "registered_via", "votes_cast", "created_at"],
               [(i, season.pk, i, candidates[i % len(candidates)][1], voter_consent, moment, "web", 2, moment)
                for i in range(1, voters + 1)])
        insert(VoterSignal, ["voter", "season", "phone_block", "code_requested_at", "verified_at", "telegram_bucket",
                             "identity_first_seen_at"],
               [(i, season.pk, i // 40 + 1, moment, moment, -1, moment) for i in range(1, voters + 1)])
        for chunk in range(0, size, 100_000):
            ids = range(chunk + 1, min(size, chunk + 100_000) + 1)
            def when(i):
                t = start + dt.timedelta(seconds=i)
                return t.isoformat() if connection.vendor == "postgresql" else t.strftime("%Y-%m-%d %H:%M:%S")
            rows = []
            for i in ids:
                voter = (i + 1) // 2
                candidate = candidates[(voter % len(candidates)) // 30 * 30 + (i % 2)]
                rows.append((i, season.pk, voter, candidate[0], candidate[1], "web", when(i), f"{i:010d}"))
            insert(Vote, ["id", "season", "voter", "candidate", "city", "channel", "cast_at", "receipt"], rows)
            insert(LedgerEntry, ["season", "sequence", "kind", "created_at", "voter_pseudonym", "candidate",
                                 "city_slug", "channel", "vote", "prev_hash", "entry_hash"],
                   [(season.pk, r[0], "vote", r[6], "p", r[3], "c", "web", r[0], f"{r[0]:064x}", f"{r[0] + 1:064x}")
                    for r in rows])
            insert(VoteSignal, ["vote", "season", "network", "user_agent", "telegram_bucket", "code_to_verify",
                                "verify_to_vote"],
                   [(r[0], season.pk, r[2] // 25 + 1, r[0] % 50 + 1, -1, 20.0, 30.0) for r in rows])
    print(json.dumps({"season": season.year, "load_seconds": time.perf_counter() - began}))
else:  # frame
    from atomgrad.award.models import Season
    from atomgrad.integrity.selectors import vote_frame
    season = Season.objects.get(year=size)
    connection.ensure_connection()
    baseline = peak_mib()
    began = time.perf_counter()
    frame = vote_frame(season=season)
    seconds = time.perf_counter() - began
    print(json.dumps({"votes": len(frame), "seconds": seconds, "peak_mib": peak_mib(), "baseline_mib": baseline}))
"""


def child(env: dict[str, str], *args: object) -> dict[str, object]:
    done = subprocess.run([PYTHON, "-c", CHILD, *map(str, args)], env=env, capture_output=True, text=True,
                          check=False, timeout=7200)
    if done.returncode:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runner-votes", type=int, default=20_000)
    parser.add_argument("--frame-votes", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    say("## Season simulator and the detection frame")
    say(table(["fact", "value"], [[key, value] for key, value in machine_info().items()], title="Machine"))
    with tempfile.TemporaryDirectory(prefix="atomgrad-simulate-bench-") as scratch:
        workdir = Path(scratch)

        def environment(name: str, server_url: str | None) -> dict[str, str]:
            url = server_url or f"sqlite:///{workdir / (name + '.sqlite3')}"  # PostgreSQL: one database
            return bench_env(url, workdir / name)

        def run(server_url: str | None) -> None:
            rows = []
            if args.runner_votes:
                result = child(environment("runner", server_url), "runner", args.runner_votes)
                rows.append(["runner", result["cast"], result["voters"], result["register_seconds"],
                             result["cast_seconds"], result["votes_per_second"]])
                say(table(["phase", "votes cast", "voters", "register s", "cast s", "votes/s"], rows,
                          title=f"Runner through vote_cast ({args.database})"))
            if args.frame_votes:
                env = environment("frame", server_url)
                loaded = child(env, "load", args.frame_votes)
                frame = child(env, "frame", loaded["season"])
                say(table(["votes", "bulk load s", "vote_frame s", "process peak MiB", "baseline MiB"],
                          [[frame["votes"], loaded["load_seconds"], frame["seconds"], frame["peak_mib"],
                            frame["baseline_mib"]]],
                          title=f"vote_frame ({args.database})"))

        if args.database == "postgres":
            with postgres_server() as server_url:
                run(server_url)
        else:
            run(None)


if __name__ == "__main__":
    main()
