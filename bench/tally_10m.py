"""Benchmark: the count and the public recount of a season of 10 million votes.

    .venv/bin/python bench/tally_10m.py                 # 10,000,000 votes (about 10 minutes on 2 cores)
    .venv/bin/python bench/tally_10m.py --votes 200000  # a quick check

1. Generates a season's ledger as JSON Lines straight from this script (not through the ORM: 10 million ORM
   votes would take hours): voters of 20 cities each vote for up to K=3 of their city's candidates, with skewed
   popularity; after the close 1% of the votes are annulled and a tenth of those annulments reversed. Every
   entry is hashed and chained exactly as `atomgrad.voting.ledger` does. It also writes the published results
   (atomgrad-results/1) the generator counted on the way, and the protocol head.
2. Times the public verifier (verifier/verify_atomgrad.py, a separate stdlib-only process): the recount alone
   (chain + recount, no results file) and the full verification against the published results, each with its
   peak memory (max RSS) — run at a tenth of the size too, to show that the memory does not grow with votes.
   The verifier uses every core (one worker process per core); the table gives its wall time, its CPU time
   (its own and its workers') and the peak memory of the parent and of the largest worker. `--compare-single`
   also runs it in one process (`--jobs 1`), `--only-single` only so; `--workdir DIR --reuse` verifies ledgers
   generated there before; `--verify-only` times the full verification alone; `--verifier PATH` times another
   version of the verifier (an earlier one, for a before/after on the same machine and the same ledger).
3. Times the server-side tally (`results.services.tally.city_tally`, the count a protocol states) on an embedded
   SQLite database loaded with `--db-votes` votes (bulk inserts), per city and for the whole season.

Prints Markdown tables for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, REPO_DIR, SRC_DIR, bench_env, fmt, load_average, machine_info, say, table  # noqa: E402

sys.path.insert(0, str(SRC_DIR))
from atomgrad.voting.ledger import ENTRY_FIELDS, GENESIS_HASH, entry_line  # noqa: E402 - pure module, no Django

VERIFIER = REPO_DIR / "verifier" / "verify_atomgrad.py"
KIND_VOTE, KIND_ANNULMENT, KIND_REVERSAL = "vote", "annulment", "annulment_reversal"
SEASON = 2099
START = dt.datetime(2099, 3, 1, 7, 0, tzinfo=dt.UTC)


def _dumps(body: dict[str, object]) -> str:
    """The canonical encoding (docs/ledger.md), as `voting.ledger.canonical_bytes` writes it."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def generate(path: Path, results_path: Path, *, votes: int, cities: int, candidates: int, k: int,
             annul_fraction: float, seed: int) -> dict[str, object]:
    """Write the ledger and the published results; return what was generated."""
    rng = random.Random(seed)
    city_slugs = [f"city-{index:02d}" for index in range(cities)]
    candidate_ids = {slug: [index * 1000 + j for j in range(candidates)] for index, slug in enumerate(city_slugs)}
    weights = [1.0 / (j + 1) ** 0.8 for j in range(candidates)]  # a few favourites, a long tail
    cumulative = list(itertools.accumulate(weights))
    cast: dict[tuple[str, int], int] = {}
    annulled: dict[tuple[str, int], int] = {}
    voters_by_city: dict[str, int] = dict.fromkeys(city_slugs, 0)
    chosen_for_annulment: list[tuple[int, str, int, str]] = []
    previous = GENESIS_HASH
    sequence = 0
    voter_number = 0
    microsecond = dt.timedelta(microseconds=37)

    with path.open("w", encoding="utf-8", newline="\n") as out:
        def emit(body: dict[str, object]) -> None:
            nonlocal previous
            digest = hashlib.sha256(_dumps(body).encode("utf-8")).hexdigest()
            body["entry_hash"] = digest
            out.write(entry_line(body))  # the product's export writes each line so
            previous = digest

        moment = START
        while sequence < votes:
            voter_number += 1
            city = city_slugs[rng.randrange(cities)]
            voters_by_city[city] += 1
            pseudonym = hashlib.sha256(f"bench-voter-{voter_number}".encode()).hexdigest()
            wanted = min(rng.randint(1, k), votes - sequence)
            picks = set()
            while len(picks) < wanted:
                picks.add(rng.choices(candidate_ids[city], cum_weights=cumulative)[0])
            for candidate in sorted(picks):
                sequence += 1
                moment += microsecond
                emit({"candidate": candidate, "channel": "web" if sequence % 3 else "telegram", "city": city,
                      "created_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "kind": KIND_VOTE,
                      "prev_hash": previous, "reason": None, "reason_code": None, "season": SEASON,
                      "sequence": sequence, "target_sequence": None, "voter": pseudonym})
                cast[(city, candidate)] = cast.get((city, candidate), 0) + 1
                if rng.random() < annul_fraction:
                    chosen_for_annulment.append((sequence, pseudonym, candidate, city))
        vote_count = sequence
        annulment_sequences = []
        for vote_sequence, pseudonym, candidate, city in chosen_for_annulment:
            sequence += 1
            moment += microsecond
            emit({"candidate": candidate, "channel": None, "city": city,
                  "created_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "kind": KIND_ANNULMENT,
                  "prev_hash": previous, "reason": "Признаки накрутки (бенчмарк)", "reason_code": "fraud_suspected",
                  "season": SEASON, "sequence": sequence, "target_sequence": vote_sequence, "voter": pseudonym})
            annulled[(city, candidate)] = annulled.get((city, candidate), 0) + 1
            annulment_sequences.append((sequence, pseudonym, candidate, city))
        reversals = 0
        for annulment_sequence, pseudonym, candidate, city in annulment_sequences[::10]:
            sequence += 1
            moment += microsecond
            emit({"candidate": candidate, "channel": None, "city": city,
                  "created_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "kind": KIND_REVERSAL,
                  "prev_hash": previous, "reason": "Проверка не подтвердила (бенчмарк)",
                  "reason_code": "check_not_confirmed", "season": SEASON, "sequence": sequence,
                  "target_sequence": annulment_sequence, "voter": pseudonym})
            annulled[(city, candidate)] -= 1
            reversals += 1
    assert set(ENTRY_FIELDS) == {"candidate", "channel", "city", "created_at", "kind", "prev_hash", "reason",
                                 "reason_code", "season", "sequence", "target_sequence", "voter"}

    published = []
    for city in city_slugs:
        lines = []
        for candidate in candidate_ids[city]:
            c, a = cast.get((city, candidate), 0), annulled.get((city, candidate), 0)
            lines.append({"id": candidate, "full_name": f"Соискатель {candidate}", "cast": c, "annulled": a,
                          "valid": c - a, "place": None, "laureate": False, "disqualified": False})
        lines.sort(key=lambda line: -line["valid"])
        for place, line in enumerate(lines, start=1):
            line["place"] = place
            line["laureate"] = place <= 3
        total_cast = sum(line["cast"] for line in lines)
        total_annulled = sum(line["annulled"] for line in lines)
        published.append({
            "city_slug": city, "city_name": city, "void": False, "candidates": lines,
            "votes_cast": total_cast, "votes_annulled": total_annulled, "votes_valid": total_cast - total_annulled,
            "voters_voted": voters_by_city[city],
            "annulled_by_reason": {"fraud_suspected": total_annulled} if total_annulled else {},
            "protocol": {"ledger_sequence": sequence, "ledger_head_hash": previous},
        })
    results_path.write_text(json.dumps({"format": "atomgrad-results/1", "season": SEASON, "cities": published},
                                       ensure_ascii=False), encoding="utf-8")
    return {"entries": sequence, "votes": vote_count, "annulments": len(annulment_sequences),
            "reversals": reversals, "voters": voter_number, "head": previous}


@dataclass
class VerifierRun:
    seconds: float  # wall clock
    cpu: float  # user + system CPU seconds of the verifier and its worker processes
    peak: float  # MiB, the verifier's own process
    worker_peak: float  # MiB, the largest worker process (0 when it ran alone)


def run_verifier(*args: Path | str, jobs: int = 0, verifier: Path = VERIFIER) -> VerifierRun:
    """One verifier run in its own process (stdlib only): its time, CPU and peak memory (max RSS)."""
    code = (
        "import resource, runpy, sys, time\n"
        "sys.argv = sys.argv[1:]\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as exit_:\n"
        "    status = exit_.code\n"
        "elapsed = time.perf_counter() - start\n"
        "me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime\n"
        "print(f'BENCH {elapsed:.3f} {cpu:.3f} {me.ru_maxrss / 1024:.1f} {kids.ru_maxrss / 1024:.1f} {status}',\n"
        "      file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(verifier), *map(str, args), "--quiet",
                             "--jobs", str(jobs)], capture_output=True, text=True, check=False)
    marker = next(line for line in result.stderr.splitlines() if line.startswith("BENCH "))
    _, seconds, cpu, peak, worker_peak, status = marker.split()
    if status not in ("0", "None"):
        raise SystemExit(f"the verifier refused the generated season: {result.stdout.strip()}")
    return VerifierRun(float(seconds), float(cpu), float(peak), float(worker_peak))


DB_PHASE = r'''
import os, sys, time, random, datetime as dt
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django.contrib.auth import get_user_model
from atomgrad.award.models import Application, ConsentDocument, Season, Sphere
from atomgrad.cities.models import City
from atomgrad.voting.models import SeasonVoter, Vote, VoteAnnulment, VoterIdentity
from atomgrad.results.services.tally import city_tally

votes_wanted, cities, candidates, k, annul_fraction = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), float(sys.argv[5])
rng = random.Random(7)
call_command("migrate", verbosity=0)
now = timezone.now()
day = dt.timedelta(days=1)
season = Season.objects.create(year=2099, title="Бенчмарк", applications_open_at=now - 40 * day,
    applications_close_at=now - 30 * day, voting_open_at=now - 20 * day, voting_close_at=now - day,
    results_at=now + day, ceremony_at=now + 2 * day)
sphere = Sphere.objects.create(slug="bench", name_ru="Бенчмарк", name_en="Bench")
consent = ConsentDocument.objects.create(kind="application", version="b", title="c", text="c")
voter_consent = ConsentDocument.objects.create(kind="voter", version="b", title="c", text="c")
actor = get_user_model().objects.create(username="bench")
city_rows = [City.objects.create(slug=f"city-{i:02d}", name_ru=f"Город {i}", name_en=f"Town {i}",
    region_ru="р", region_en="r") for i in range(cities)]
people = {}
for city in city_rows:
    people[city.pk] = [Application.objects.create(season=season, city=city, sphere=sphere,
        full_name=f"Соискатель {city.pk}-{j}", birth_date=dt.date(1980, 1, 1), workplace="w", position="p",
        story="s", photo="photos/x.jpg", phone="+79000000000", email="a@example.org", consent_document=consent,
        consent_given_at=now, consent_ip="127.0.0.1", person_key=f"bench-{city.pk}-{j}", status="accepted",
        edit_token=f"bench-{city.pk}-{j}", published_at=now) for j in range(candidates)]
weights = [1.0 / (j + 1) ** 0.8 for j in range(candidates)]
load_start = time.perf_counter()
made = 0
voter_number = 0
batch_votes, batch_voters = [], []
receipt_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def receipt(n):
    chars = []
    for _ in range(10):
        n, r = divmod(n, 32)
        chars.append(receipt_alphabet[r])
    return "".join(chars)
def flush():
    with transaction.atomic():
        VoterIdentity.objects.bulk_create([identity for identity, _ in batch_voters], batch_size=2000)
        SeasonVoter.objects.bulk_create([voter for _, voter in batch_voters], batch_size=2000)
        for vote in batch_votes:
            vote.voter_id = vote.voter.pk
        Vote.objects.bulk_create(batch_votes, batch_size=2000)
    batch_votes.clear(); batch_voters.clear()
while made < votes_wanted:
    voter_number += 1
    city = city_rows[rng.randrange(cities)]
    identity = VoterIdentity(phone_hash=f"{voter_number:064x}")
    voter = SeasonVoter(season=season, identity=identity, city=city, consent_document=voter_consent,
                        consent_given_at=now, registered_via="web", votes_cast=0)
    batch_voters.append((identity, voter))
    picks = set()
    wanted = min(rng.randint(1, k), votes_wanted - made)
    while len(picks) < wanted:
        picks.add(rng.choices(people[city.pk], weights=weights)[0])
    voter.votes_cast = len(picks)
    for candidate in picks:
        made += 1
        batch_votes.append(Vote(season=season, voter=voter, candidate=candidate, city=city, channel="web",
                                cast_at=now - 2 * day, receipt=receipt(made)))
    if len(batch_votes) >= 20000:
        for identity_, voter_ in batch_voters:
            pass
        flush()
if batch_votes:
    flush()
annul_ids = [pk for pk in Vote.objects.values_list("pk", flat=True).iterator(chunk_size=10000)
             if rng.random() < annul_fraction]
VoteAnnulment.objects.bulk_create([VoteAnnulment(season=season, vote_id=pk, actor=actor,
    reason_code="fraud_suspected", reason="бенчмарк", created_at=now) for pk in annul_ids], batch_size=5000)
load_seconds = time.perf_counter() - load_start
per_city = []
start = time.perf_counter()
for city in city_rows:
    t = time.perf_counter()
    tally = city_tally(season=season, city=city)
    per_city.append(time.perf_counter() - t)
total = time.perf_counter() - start
print(f"DB {made} {len(annul_ids)} {load_seconds:.2f} {total:.3f} {max(per_city):.3f} {tally.votes_valid}")
'''


def run_db_phase(*, votes: int, cities: int, candidates: int, k: int, annul_fraction: float,
                 workdir: Path) -> dict[str, float]:
    database = workdir / "bench.sqlite3"
    env = bench_env(f"sqlite:///{database}", workdir)
    result = subprocess.run([PYTHON, "-c", DB_PHASE, str(votes), str(cities), str(candidates), str(k),
                             str(annul_fraction)], env=env, capture_output=True, text=True, check=False)
    marker = next((line for line in result.stdout.splitlines() if line.startswith("DB ")), None)
    if marker is None:
        raise SystemExit(f"the database phase failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    _, made, annulled, load, total, slowest, _ = marker.split()
    return {"votes": int(made), "annulled": int(annulled), "load": float(load), "tally": float(total),
            "slowest_city": float(slowest)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--votes", type=int, default=10_000_000)
    parser.add_argument("--cities", type=int, default=20)
    parser.add_argument("--candidates", type=int, default=25, help="candidates per city")
    parser.add_argument("--k", type=int, default=3, help="votes per voter")
    parser.add_argument("--annul", type=float, default=0.01, help="fraction of votes annulled")
    parser.add_argument("--db-votes", type=int, default=1_000_000,
                        help="votes loaded into SQLite for the server-side tally (0: skip)")
    parser.add_argument("--workdir", help="where the files go (default: a temporary folder, removed)")
    parser.add_argument("--sizes", type=int, nargs="*", help="season sizes to verify (default: a tenth and --votes)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --workdir: verify the ledgers already generated there instead of generating anew")
    parser.add_argument("--compare-single", action="store_true",
                        help="also run the verifier in one process (--jobs 1), for the ratio")
    parser.add_argument("--only-single", action="store_true", help="run the verifier in one process only")
    parser.add_argument("--verify-only", action="store_true",
                        help="time only the full verification (not the recount without the results file)")
    parser.add_argument("--verifier", type=Path, default=VERIFIER,
                        help="the verifier to time (e.g. an earlier version, for a before/after on one machine)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="atomgrad-tally-bench-") as scratch:
        workdir = Path(args.workdir or scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        say("## Tally and public recount of a season")
        say(table(["fact", "value"], [[key, value] for key, value in machine_info().items()], title="Machine"))
        rows = []
        sizes = args.sizes or sorted({max(args.votes // 10, 1000), args.votes})
        for size in sizes:
            ledger_path, results_path = workdir / f"ledger-{size}.jsonl", workdir / f"results-{size}.json"
            meta_path = workdir / f"ledger-{size}.meta.json"
            start = time.perf_counter()
            if args.reuse and meta_path.exists() and ledger_path.exists() and results_path.exists():
                made = json.loads(meta_path.read_text())
                generation = float(made.get("seconds", 0.0))
            else:
                made = generate(ledger_path, results_path, votes=size, cities=args.cities,
                                candidates=args.candidates, k=args.k, annul_fraction=args.annul, seed=size)
                generation = time.perf_counter() - start
                meta_path.write_text(json.dumps({**made, "seconds": generation}))
            modes = [("parallel", 0)] + ([("one process", 1)] if args.compare_single else [])
            if args.only_single:
                modes = [("one process", 1)]
            for mode, jobs in modes:
                load_before = load_average()
                recount = None if args.verify_only else run_verifier(ledger_path, jobs=jobs, verifier=args.verifier)
                verify = run_verifier(ledger_path, results_path, jobs=jobs, verifier=args.verifier)
                if recount is None:
                    recount = VerifierRun(float("nan"), float("nan"), float("nan"), float("nan"))
                rows.append([made["votes"], made["entries"], made["annulments"], made["reversals"],
                             round(ledger_path.stat().st_size / 2**20), mode, generation, recount.seconds,
                             recount.cpu, verify.seconds, verify.cpu, verify.peak, verify.worker_peak,
                             made["entries"] / verify.seconds, f"{load_before} → {load_average()}"])
                say(f"  {fmt(size)} votes ({mode}): generated in {generation:.1f} s, recount {fmt(recount.seconds)} s "
                    f"wall / {fmt(recount.cpu)} s CPU, verification {verify.seconds:.1f} s wall / {verify.cpu:.1f} s "
                    f"CPU (peak {verify.peak:.0f} MiB, workers {verify.worker_peak:.0f} MiB each); "
                    f"load {load_before} → {load_average()}")
            for path in (ledger_path, results_path, meta_path):
                if not args.workdir:
                    path.unlink()
        say(table(["votes", "ledger entries", "annulments", "reversals", "ledger MiB", "verifier", "generate s",
                   "recount s", "recount CPU s", "verify s", "verify CPU s", "verify peak MiB",
                   "worker peak MiB", "entries/s verified", "load average"], rows,
                  title=f"Public verifier (stdlib only, streaming, two passes; parallel: one worker per core, "
                        f"{os.cpu_count()} here)"))
        if args.db_votes:
            say(f"\n  loading {fmt(args.db_votes)} votes into SQLite for the server-side tally…")
            db = run_db_phase(votes=args.db_votes, cities=args.cities, candidates=args.candidates, k=args.k,
                              annul_fraction=args.annul, workdir=workdir)
            say(table(["votes in the database", "annulled", "bulk load s", "tally of all cities s",
                       "slowest city s"],
                      [[db["votes"], db["annulled"], db["load"], db["tally"], db["slowest_city"]]],
                      title=f"Server-side tally (results.services.tally.city_tally, SQLite, {args.cities} cities)"))
        say(f"\npeak RSS of this script (generation): "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; pid {os.getpid()}")


if __name__ == "__main__":
    main()
