"""The Django side of the vote benchmark, run by bench/vote_http.py as separate processes against the
benchmark's own database (DATABASE_URL in the environment). Each command prints one JSON object as its last
line of output.

    prepare --voters V --candidates C --plan FILE   migrate a fresh database, create the season, city,
                                                    candidates, voters and their API tokens; write FILE
    check --expected N                              votes, counters, tallies and the ledger chain agree with N
    raw --mode service|bare|commit --pairs FILE     the database writes of a vote in a tight loop, no HTTP
    queries --pairs FILE                            SQL statements of one vote through the full Django stack
    profile --pairs FILE                            cProfile of votes through the full Django stack
    layers --pairs FILE                             CPU per vote in-process: the full Django stack, the
                                                    vote's services alone, and a refused request (401)
    pgbench-script --pairs FILE --script OUT        the vote's own statements (voting.queries) as a pgbench
                                                    script, for the database-only ceiling (PostgreSQL)

Voters and tokens are made directly with the ORM and `voting.auth.token_issue` (verifying thousands of phone
numbers by one-time codes would measure the SMS limits, not the vote). Everything else — the vote itself — is
the product's code: `voting.services.ballots.vote_cast` behind `POST /api/v1/votes`.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import re
import sys
import time
from typing import Any

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F, Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from atomgrad.award.models import (  # noqa: E402
    Application,
    ApplicationStatus,
    ConsentDocument,
    ConsentKind,
    Season,
    Sphere,
)
from atomgrad.cities.models import City  # noqa: E402
from atomgrad.voting import ledger, selectors  # noqa: E402
from atomgrad.voting.auth import token_issue  # noqa: E402
from atomgrad.voting.models import (  # noqa: E402
    CandidateTally,
    Channel,
    LedgerEntry,
    LedgerHead,
    SeasonVoter,
    Vote,
    VoterIdentity,
)
from atomgrad.voting.phones import phone_hash  # noqa: E402
from atomgrad.voting.receipts import receipt_generate  # noqa: E402
from atomgrad.voting.services.ballots import vote_cast, voter_pseudonym  # noqa: E402
from atomgrad.voting.signals import VoteContext  # noqa: E402

SEASON_YEAR = 2099
CITY_SLUG = "bench-city"
BATCH = 2000


def _emit(result: dict[str, Any]) -> None:
    print(json.dumps(result), flush=True)


# --- prepare ------------------------------------------------------------------------------------------------


def prepare(*, voters: int, candidates: int, votes_per_voter: int, plan_path: str) -> dict[str, Any]:
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()
    now = timezone.now()
    day = dt.timedelta(days=1)
    with transaction.atomic():
        city = City.objects.create(slug=CITY_SLUG, name_ru="Бенчград", name_en="Benchtown", region_ru="Область",
                                   region_en="Oblast", population=100_000)
        sphere = Sphere.objects.create(slug="bench-sphere", name_ru="Сфера", name_en="Sphere")
        application_consent = ConsentDocument.objects.create(kind=ConsentKind.APPLICATION, version="bench-1",
                                                             title="Согласие", text="Согласие соискателя.")
        voter_consent = ConsentDocument.objects.create(kind=ConsentKind.VOTER, version="bench-1",
                                                       title="Согласие", text="Согласие жителя.")
        # A season in its voting phase: applications and moderation are over, voting closes in ten days.
        season = Season.objects.create(
            year=SEASON_YEAR, title=f"Новые Созидатели — {SEASON_YEAR} (бенчмарк)",
            applications_open_at=now - 40 * day, applications_close_at=now - 30 * day,
            voting_open_at=now - day, voting_close_at=now + 10 * day, results_at=now + 20 * day,
            ceremony_at=now + 30 * day, votes_per_voter=votes_per_voter, own_city_only=True, counts_public=False,
        )
        season.cities.add(city)
        Application.objects.bulk_create([
            Application(
                season=season, city=city, sphere=sphere, full_name=f"Соискатель Бенчмарков {index}",
                birth_date=dt.date(1980, 1, 1), workplace="Школа № 1", position="учитель",
                story="Рассказ о достижениях.", photo="photos/bench.jpg", phone="+79000000000",
                email=f"candidate{index}@example.org", consent_document=application_consent,
                consent_given_at=now, consent_ip="127.0.0.1", person_key=f"bench-person-{index:051d}",
                edit_token=f"bench-token-{index:052d}", status=ApplicationStatus.ACCEPTED, decided_at=now,
                published_at=now,
            )
            for index in range(candidates)
        ])
    candidate_ids = list(Application.objects.filter(season=season).order_by("pk").values_list("pk", flat=True))

    # Verified voters: distinct phone numbers, stored as the product stores them (keyed hash only).
    tokens: list[str] = []
    voter_ids: list[int] = []
    for start in range(0, voters, BATCH):
        count = min(BATCH, voters - start)
        with transaction.atomic():
            identities = VoterIdentity.objects.bulk_create([
                VoterIdentity(phone_hash=phone_hash(f"+7900{start + index:07d}")) for index in range(count)
            ])
            registered = SeasonVoter.objects.bulk_create([
                SeasonVoter(season=season, identity=identity, city=city, consent_document=voter_consent,
                            consent_given_at=now, registered_via=Channel.API)
                for identity in identities
            ])
            for voter in registered:
                tokens.append(token_issue(voter=voter))
                voter_ids.append(voter.pk)
    if not voter_ids or voter_ids[0] is None:  # bulk_create returns pks on PostgreSQL and SQLite ≥ 3.35
        raise RuntimeError("bulk_create did not return primary keys")
    with open(plan_path, "w") as plan:
        json.dump({"season": season.pk, "candidates": candidate_ids, "voters": voter_ids, "tokens": tokens}, plan)
    return {"migrate_seconds": migrated - started, "seed_seconds": time.perf_counter() - migrated,
            "voters": len(voter_ids), "candidates": len(candidate_ids)}


# --- check --------------------------------------------------------------------------------------------------


def check(*, expected: int) -> dict[str, Any]:
    """Every accepted vote is there exactly once, with its counters, its tally and its ledger entry, and the
    chain verifies from the first entry to the head."""
    season = Season.objects.get(year=SEASON_YEAR)
    started = time.perf_counter()
    votes = Vote.objects.filter(season=season).count()
    entries = LedgerEntry.objects.filter(season=season).count()
    head = LedgerHead.objects.filter(season=season).values_list("last_sequence", flat=True).first() or 0
    tallied = CandidateTally.objects.filter(season=season).aggregate(total=Sum("votes"))["total"] or 0
    counted = SeasonVoter.objects.filter(season=season).aggregate(total=Sum("votes_cast"))["total"] or 0
    over_cap = SeasonVoter.objects.filter(season=season, votes_cast__gt=season.votes_per_voter).count()
    broken_at = selectors.ledger_verify(season=season)
    problems = []
    for name, value in (("votes", votes), ("ledger entries", entries), ("ledger head", head),
                        ("candidate tallies", tallied), ("voters' counters", counted)):
        if value != expected:
            problems.append(f"{name}: {value}, expected {expected}")
    if over_cap:
        problems.append(f"{over_cap} voters over the cap")
    if broken_at is not None:
        problems.append(f"the ledger chain breaks at entry index {broken_at}")
    return {"expected": expected, "votes": votes, "ledger_entries": entries, "ledger_head": head,
            "tallied": tallied, "ledger_ok": broken_at is None, "problems": problems,
            "verify_seconds": time.perf_counter() - started}


# --- raw: the writes without HTTP ---------------------------------------------------------------------------


def _load_pairs(path: str) -> list[tuple[SeasonVoter, Application]]:
    with open(path) as handle:
        pairs = json.load(handle)
    voters = SeasonVoter.objects.select_related("season", "city", "identity").in_bulk([v for v, _c in pairs])
    candidates = Application.objects.select_related("city", "season").in_bulk([c for _v, c in pairs])
    return [(voters[v], candidates[c]) for v, c in pairs]


def _wait_until(start_at: float | None) -> None:
    if start_at:
        delay = start_at - time.time()
        if delay > 0:
            time.sleep(delay)


def raw(*, mode: str, pairs_path: str, start_at: float | None) -> dict[str, Any]:
    if mode == "commit":
        with open(pairs_path) as handle:
            pairs: list[Any] = json.load(handle)
    else:
        pairs = _load_pairs(pairs_path)
    connection.ensure_connection()
    if mode == "commit":
        # The floor under any durable write: a one-row UPDATE in its own transaction, committed.
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (id integer PRIMARY KEY, n integer)")
            cursor.execute("DELETE FROM bench_commit_probe")
            cursor.execute("INSERT INTO bench_commit_probe (id, n) VALUES (1, 0)")
    backend = _backend_pid()
    _wait_until(start_at)
    db_cpu_before, cpu_before = _process_cpu(backend), time.process_time()
    started = time.perf_counter()
    began = time.time()
    if mode == "service":
        for voter, candidate in pairs:
            vote_cast(voter=voter, candidate=candidate, channel=Channel.API)
    elif mode == "bare":
        _bare_inserts(pairs)
    elif mode == "commit":
        for _pair in pairs:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE bench_commit_probe SET n = n + 1 WHERE id = 1")
    else:
        raise SystemExit(f"unknown mode {mode}")
    elapsed = time.perf_counter() - started
    return {"mode": mode, "count": len(pairs), "seconds": elapsed, "began": began, "ended": began + elapsed,
            "votes": 0 if mode == "commit" else len(pairs), "cpu_seconds": time.process_time() - cpu_before,
            "db_cpu_seconds": _process_cpu(backend) - db_cpu_before}


def _backend_pid() -> int | None:
    """The PostgreSQL server process serving this connection (None on SQLite, whose work is in-process)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _process_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _bare_inserts(pairs: list[tuple[SeasonVoter, Application]]) -> None:
    """The same rows as `vote_cast` writes — vote, voter counter, candidate tally, ledger entry, ledger head —
    in one transaction each, through the ORM, but without the rules: no lock on the head (one process, so the
    head is kept in memory), no cap check, no RETURNING, no precheck. Against `service` (which sends
    hand-written statements, `voting.queries`) it shows what the ORM's query building costs. The chain stays
    valid. Must not run while anything else votes in the season."""
    season = pairs[0][0].season
    head = LedgerHead.objects.filter(season=season).first()
    last_sequence, last_hash = (head.last_sequence, head.last_hash) if head else (0, ledger.GENESIS_HASH)
    for voter, candidate in pairs:
        with transaction.atomic():
            now = timezone.now()
            vote = Vote.objects.create(season_id=season.pk, voter=voter, candidate=candidate,
                                       city_id=candidate.city_id, channel=Channel.API, cast_at=now,
                                       receipt=receipt_generate())
            SeasonVoter.objects.filter(pk=voter.pk).update(votes_cast=F("votes_cast") + 1)
            if not CandidateTally.objects.filter(candidate_id=candidate.pk).update(votes=F("votes") + 1):
                CandidateTally.objects.create(season_id=season.pk, candidate_id=candidate.pk, votes=1)
            entry = {"season": season.year, "sequence": last_sequence + 1, "kind": ledger.KIND_VOTE,
                     "created_at": ledger.timestamp_format(now),
                     "voter": voter_pseudonym(season_year=season.year, phone_hash=voter.identity.phone_hash),
                     "candidate": candidate.pk, "city": candidate.city.slug, "channel": Channel.API,
                     "target_sequence": None, "reason_code": None, "reason": None, "prev_hash": last_hash}
            digest = ledger.entry_hash(entry)
            LedgerEntry.objects.create(
                season_id=season.pk, sequence=entry["sequence"], kind=entry["kind"], created_at=now,
                voter_pseudonym=entry["voter"], candidate_id=candidate.pk, city_slug=entry["city"],
                channel=entry["channel"], vote=vote, prev_hash=last_hash, entry_hash=digest,
            )
            if head is None:
                head = LedgerHead.objects.create(season_id=season.pk)
            LedgerHead.objects.filter(season_id=season.pk).update(last_sequence=entry["sequence"], last_hash=digest,
                                                                  updated_at=now)
            last_sequence, last_hash = entry["sequence"], digest


# --- the full Django stack in-process -----------------------------------------------------------------------


def _tokens_for(pairs_path: str) -> list[tuple[str, int]]:
    with open(pairs_path) as handle:
        return [(token, candidate) for token, candidate in json.load(handle)]


def _post_vote(client: Client, token: str, candidate: int) -> None:
    response = client.post("/api/v1/votes", data=json.dumps({"candidate": candidate}),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
                           HTTP_HOST="127.0.0.1")
    if response.status_code != 201:
        raise SystemExit(f"vote refused: {response.status_code} {response.content[:300]!r}")


def queries(*, pairs_path: str) -> dict[str, Any]:
    """The SQL statements one vote costs through middleware, authentication, the API and the service."""
    client = Client()
    pairs = _tokens_for(pairs_path)
    _post_vote(client, *pairs[0])  # warm: imports, URL resolver, the connection
    with CaptureQueriesContext(connection) as captured:
        _post_vote(client, *pairs[1])
    statements = [query["sql"] for query in captured.captured_queries]
    return {"votes": 2, "count": len(statements), "statements": [s if len(s) < 160 else s[:157] + "..."
                                                                 for s in statements]}


def profile(*, pairs_path: str, top: int) -> dict[str, Any]:
    """cProfile of votes through the full Django stack (test client: no socket, no gunicorn), where the
    CPU time of one vote goes (the process's CPU clock: waits for the database count nothing)."""
    client = Client()
    pairs = _tokens_for(pairs_path)
    _post_vote(client, *pairs[0])
    # CPU time, not wall time: on a shared machine the wall clock counts the waits for the database and for
    # the neighbours' processes, which no change to this process's code shortens. The first half of the votes
    # runs without the profiler (cProfile's own cost is per Python call, so it inflates the Python parts):
    # that half gives the CPU per vote; the second half, where it goes.
    plain, profiled = pairs[1:len(pairs) // 2 + 1], pairs[len(pairs) // 2 + 1:]
    started = time.process_time()
    for token, candidate in plain:
        _post_vote(client, token, candidate)
    plain_cpu = time.process_time() - started
    profiler = cProfile.Profile(time.process_time)
    started = time.process_time()
    profiler.enable()
    for token, candidate in profiled:
        _post_vote(client, token, candidate)
    profiler.disable()
    elapsed = time.process_time() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return {"votes": len(pairs), "seconds": elapsed, "per_vote_ms": 1000 * elapsed / max(1, len(profiled)),
            "cpu_per_vote_ms": 1000 * plain_cpu / max(1, len(plain)), "report": out.getvalue()}


LAYER_ROUNDS = 4


def layers(*, pairs_path: str) -> dict[str, Any]:
    """What one vote costs this process's CPU, layer by layer (no socket, no server; waits for the database
    count nothing), in rounds that alternate the three so that the machine's drift falls on all of them:

    - `stack`: `POST /api/v1/votes` through the full Django stack (test client, middleware, django-ninja, the
      endpoint), as `profile` measures it without the profiler;
    - `services`: only what the endpoint calls for a vote, without HTTP — the token and the candidate read in
      one round trip, then `vote_cast` with the request's context: the work any HTTP layer adds to;
    - `refused`: the same request with an unknown token through the full stack (401 after the token's read).

    `services` bounds how far the HTTP path can go against the database-only ceiling (bench/vote_http.py)."""
    from atomgrad.voting.auth import token_authenticate_with_candidate

    client = Client()
    pairs = _tokens_for(pairs_path)
    _post_vote(client, *pairs[0])  # warm: imports, URL resolver, the connection, prepared statements
    token_authenticate_with_candidate("unknown", candidate_id=pairs[0][1])
    per_round = max(1, (len(pairs) - 1) // (2 * LAYER_ROUNDS))
    context = VoteContext(client_ip="127.0.0.1", user_agent="")  # what the test client's requests carry
    cpu = {"stack": 0.0, "services": 0.0, "refused": 0.0}
    votes = iter(pairs[1:])
    for _round in range(LAYER_ROUNDS):
        through_stack = [next(votes) for _ in range(per_round)]
        through_services = [next(votes) for _ in range(per_round)]
        started = time.process_time()
        for token, candidate in through_stack:
            _post_vote(client, token, candidate)
        cpu["stack"] += time.process_time() - started
        started = time.process_time()
        for token, candidate_id in through_services:
            voter, candidate = token_authenticate_with_candidate(token, candidate_id=candidate_id)
            if voter is None or candidate is None:
                raise SystemExit(f"vote refused: token or candidate {candidate_id} not found")
            vote_cast(voter=voter, candidate=candidate, channel=Channel.API, context=context)
        cpu["services"] += time.process_time() - started
        started = time.process_time()
        for _token, candidate in through_stack:
            _post_refused(client, candidate)
        cpu["refused"] += time.process_time() - started
    count = per_round * LAYER_ROUNDS
    return {"votes": 2 * count + 1, "per_layer": count,
            **{f"{layer}_cpu_ms": 1000 * seconds / count for layer, seconds in cpu.items()}}


def _post_refused(client: Client, candidate: int) -> None:
    response = client.post("/api/v1/votes", data=json.dumps({"candidate": candidate}),
                           content_type="application/json", HTTP_AUTHORIZATION="Bearer unknown-token",
                           HTTP_HOST="127.0.0.1")
    if response.status_code != 401:
        raise SystemExit(f"expected 401 for an unknown token: {response.status_code} {response.content[:300]!r}")


# --- the database-only ceiling: the vote's statements as a pgbench script -------------------------------------

_PLACEHOLDER = re.compile(r"%[s%]")


def _bind(sql: str, *values: str) -> str:
    """The statement with its `%s` placeholders replaced, in order, by SQL expressions (and `%%` by `%`)."""
    remaining = list(values)

    def replace(match: re.Match[str]) -> str:
        return "%" if match.group() == "%%" else remaining.pop(0)

    bound = _PLACEHOLDER.sub(replace, sql)
    if remaining:
        raise ValueError(f"{len(remaining)} values left over for {sql[:80]}")
    return bound


def pgbench_script(*, pairs_path: str, script_path: str) -> dict[str, Any]:
    """Write a pgbench script that runs, per transaction, exactly the statements of `vote_cast` and the reads
    before it, as `voting.queries` builds them for PostgreSQL, batched as the product batches them (pipeline
    mode: the two reads; BEGIN + the first batch ending in the head's lock; the entry, the head's move, COMMIT
    and the flush), with distinct (voter, candidate) pairs from FILE (kept in a table `bench_pairs`, looked up
    by index inside each statement: no extra round trip). What Python computes (the entry's hash, the
    pseudonym, the receipt) is computed by SQL here: the database does the same writes, nothing else."""
    from atomgrad.core.rawsql import column, table
    from atomgrad.voting import queries as q
    from atomgrad.voting.auth import _token_digest

    if connection.vendor != "postgresql":
        raise SystemExit("pgbench runs against PostgreSQL only")
    with open(pairs_path) as handle:
        pairs = json.load(handle)
    season = Season.objects.get(year=SEASON_YEAR)
    city = City.objects.get(slug=CITY_SLUG)
    with connection.cursor() as sql:
        sql.execute("DROP TABLE IF EXISTS bench_pairs")
        sql.execute("CREATE TABLE bench_pairs (n integer PRIMARY KEY, voter_id bigint NOT NULL, "
                    "candidate_id bigint NOT NULL, token_hash varchar(64) NOT NULL)")
        for start in range(0, len(pairs), BATCH):
            rows = [(start + index + 1, voter, candidate, _token_digest(token))
                    for index, (voter, candidate, token) in enumerate(pairs[start:start + BATCH])]
            sql.executemany("INSERT INTO bench_pairs VALUES (%s, %s, %s, %s)", rows)
        sql.execute("ANALYZE bench_pairs")
    vendor = "postgresql"
    pair = "(SELECT {} FROM bench_pairs WHERE n = :n)".format
    voter, candidate = pair("voter_id"), pair("candidate_id")
    receipt = "('p' || lpad(:n::text, 9, '0'))"  # lower case: never one of the product's receipts
    head = f"(SELECT {{}} FROM {table(LedgerHead)} WHERE {column(LedgerHead, 'season_id')} = {season.pk})".format  # noqa: S608
    entry_hash = f"encode(sha256(convert_to({head('last_hash')} || :n::text, 'UTF8')), 'hex')"
    pseudonym = "encode(sha256(convert_to('voter' || :n::text, 'UTF8')), 'hex')"
    vote_id = f"(SELECT {column(Vote, 'id')} FROM {table(Vote)} WHERE {column(Vote, 'receipt')} = {receipt})"  # noqa: S608
    statements = {
        "reads": [
            _bind(q._voter_by_token_sql(vendor), pair("token_hash"), "now()"),
            _bind(q._candidate_sql(vendor), candidate, f"'{ApplicationStatus.ACCEPTED.value}'"),
        ],
        "first": [
            "BEGIN",
            "SET LOCAL synchronous_commit TO OFF",
            _bind(q._vote_insert_sql(vendor), str(season.pk), voter, candidate, str(city.pk), f"'{Channel.API}'",
                  "now()", receipt),
            _bind(q._vote_signal_insert_sql(vendor), "1", "2", "0", receipt),
            _bind(q._voter_take_vote_sql(vendor, with_city=season.own_city_only), voter,
                  str(season.votes_per_voter), *([str(city.pk)] if season.own_city_only else [])),
            _bind(q._tally_add_sql(vendor, upsert=True), str(season.pk), candidate, "1"),
            _bind(q._ledger_head_lock_sql(vendor, for_update=True), str(season.pk)),
        ],
        "last": [
            _bind(q._ledger_entry_insert_sql(vendor), str(season.pk), head("last_sequence + 1"), "'vote'", "now()",
                  pseudonym, candidate, f"'{city.slug}'", f"'{Channel.API}'", vote_id, "NULL", "NULL", "NULL",
                  head("last_hash"), entry_hash),
            _bind(q._ledger_head_move_sql(vendor), head("last_sequence + 1"), entry_hash, "now()", str(season.pk)),
            "COMMIT",
            "SELECT pg_logical_emit_message(true, 'atomgrad.flush', '')",
        ],
    }
    lines = ["-- The vote's statements (bench/_vote_db.py pgbench-script).",
             "-- Run with -M prepared -D i=0 -D base=B -D clients=C: transaction i of client k takes pair",
             "-- n = B + k + 1 + C * (i - 1), so every transaction of the run has a pair of its own.",
             "\\set i :i + 1", "\\set n :base + :client_id + 1 + :clients * (:i - 1)"]
    for batch in ("reads", "first", "last"):
        lines.append("\\startpipeline")
        lines.extend(f"{statement};" for statement in statements[batch])
        lines.append("\\endpipeline")
    with open(script_path, "w") as script:
        script.write("\n".join(lines) + "\n")
    # The ledger head alone (issue 14, goal 4): the application's work removed — no reads, no vote row, no
    # counters; only the head's lock, an entry and the head's move, committed as the vote commits. The entries
    # are of a non-vote kind (a vote entry needs a vote row of its own) pointing at entry 1.
    head_only = [
        "\\startpipeline", "BEGIN;", "SET LOCAL synchronous_commit TO OFF;",
        _bind(q._ledger_head_lock_sql(vendor, for_update=True), str(season.pk)) + ";", "\\endpipeline",
        "\\startpipeline",
        _bind(q._ledger_entry_insert_sql(vendor), str(season.pk), head("last_sequence + 1"), "'annulment'", "now()",
              pseudonym, str(pairs[0][1]), f"'{city.slug}'", "NULL", "NULL", "1", "'bench'", "'bench'",
              head("last_hash"), entry_hash) + ";",
        _bind(q._ledger_head_move_sql(vendor), head("last_sequence + 1"), entry_hash, "now()", str(season.pk)) + ";",
        "COMMIT;", "SELECT pg_logical_emit_message(true, 'atomgrad.flush', '');", "\\endpipeline",
    ]
    with open(script_path + ".head", "w") as script:
        script.write("\n".join([*lines[:5], *head_only]) + "\n")
    return {"pairs": len(pairs), "statements": sum(len(batch) for batch in statements.values()),
            "season": season.pk}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--voters", type=int, required=True)
    p.add_argument("--candidates", type=int, required=True)
    p.add_argument("--votes-per-voter", type=int, default=3)
    p.add_argument("--plan", required=True)
    p = sub.add_parser("check")
    p.add_argument("--expected", type=int, required=True)
    p = sub.add_parser("raw")
    p.add_argument("--mode", choices=["service", "bare", "commit"], required=True)
    p.add_argument("--pairs", required=True)
    p.add_argument("--start-at", type=float, default=None)
    p = sub.add_parser("queries")
    p.add_argument("--pairs", required=True)
    p = sub.add_parser("profile")
    p.add_argument("--pairs", required=True)
    p.add_argument("--top", type=int, default=30)
    p = sub.add_parser("layers")
    p.add_argument("--pairs", required=True)
    p = sub.add_parser("pgbench-script")
    p.add_argument("--pairs", required=True)
    p.add_argument("--script", required=True)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        result = prepare(voters=args.voters, candidates=args.candidates, votes_per_voter=args.votes_per_voter,
                         plan_path=args.plan)
    elif args.command == "check":
        result = check(expected=args.expected)
    elif args.command == "raw":
        result = raw(mode=args.mode, pairs_path=args.pairs, start_at=args.start_at)
    elif args.command == "queries":
        result = queries(pairs_path=args.pairs)
    elif args.command == "layers":
        result = layers(pairs_path=args.pairs)
    elif args.command == "pgbench-script":
        result = pgbench_script(pairs_path=args.pairs, script_path=args.script)
    else:
        result = profile(pairs_path=args.pairs, top=args.top)
    _emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
