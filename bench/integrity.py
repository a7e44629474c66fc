"""Benchmark: fraud detection (`integrity.detectors.detect`) on in-memory seasons of 100,000 and 1,000,000 votes.

    .venv/bin/python bench/integrity.py                          # 100,000 and 1,000,000 votes
    .venv/bin/python bench/integrity.py --votes 100000           # a quick check

Each size runs in its own process: a season of 20 cities (one of 68 candidates) with organic voting, its hard
negatives (workplaces, families) and all five attacks of the simulator (`simulator.scenarios.season_columns`),
made into the `VoteFrame` the database path would load (`simulator.memory.frame_from_columns`). Detection is
timed once plainly, then run again under tracemalloc for its peak memory (numpy's arrays included); the
process's max RSS (generation included) is shown too. Prints a Markdown table for docs/PERFORMANCE.md.
Target (issue 9): 1,000,000 votes in ≤ 60 s and ≤ 2 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, REPO_DIR, SRC_DIR, load_average, machine_info, say, table  # noqa: E402

VOTES_PER_VOTER = 1.86  # residents' votes each, on average
FIXED_VOTES = 20_000  # about what the workplaces, candidates' campaigns and attacks add, whatever the size


def measure(votes: int, seed: int) -> dict[str, object]:
    """One size, in this process (called in a child by `main`)."""
    sys.path.insert(0, str(SRC_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atomgrad.settings")
    import django  # noqa: PLC0415

    django.setup()
    from atomgrad.integrity.detectors import detect, flagged_rows  # noqa: PLC0415
    from atomgrad.integrity.simulator import scenarios as sc  # noqa: PLC0415
    from atomgrad.integrity.simulator.memory import frame_from_columns  # noqa: PLC0415

    started = time.perf_counter()
    cities = sc.scaled_cities(max(2_000, int((votes - FIXED_VOTES) / VOTES_PER_VOTER)))
    memory = frame_from_columns(sc.season_columns(cities, seed=seed, start=sc.DEFAULT_START, end=sc.DEFAULT_END))
    generate_s = time.perf_counter() - started
    frame = memory.frame
    import scipy.stats  # noqa: F401, PLC0415 - imported before the clock starts, as a running server would have it

    started = time.perf_counter()
    findings = detect(frame)
    detect_s = time.perf_counter() - started
    tracemalloc.start()
    detect(frame)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    flagged = flagged_rows(findings, len(frame))
    attack = memory.labels == 2
    return {
        "votes": len(frame), "cities": len(cities), "attack_votes": int(attack.sum()),
        "flagged": int(flagged.sum()), "recall": f"{(flagged & attack).sum() / max(attack.sum(), 1):.3f}",
        "precision": f"{(flagged & attack).sum() / max(flagged.sum(), 1):.3f}",
        "findings": len(findings), "generate_s": round(generate_s, 1), "detect_s": round(detect_s, 1),
        "detect_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.votes[0], args.seed)))
        return 0
    say("# Integrity: detection on in-memory seasons\n")
    say(table(["", ""], list(machine_info().items())))
    rows = []
    for votes in args.votes:
        out = subprocess.run([PYTHON, __file__, "--child", "--votes", str(votes), "--seed", str(args.seed)],
                             cwd=REPO_DIR, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            say(out.stdout[-2000:] + out.stderr[-4000:])
            say(f"BENCHMARK FAILED at {votes:,} votes")
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
        say(f"{votes:,}: {r}")
        rows.append([r["votes"], r["cities"], r["attack_votes"], r["findings"], r["precision"], r["recall"],
                     r["generate_s"], r["detect_s"], r["detect_peak_mib"], r["max_rss_mib"]])
    say("")
    say(table(["votes", "cities", "attack votes", "findings", "precision", "recall", "generate s", "detect s",
               "detect peak MiB", "process max RSS MiB"], rows, title="Detection (all seven detectors)"))
    say(f"\nLoad average at the end {load_average()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
