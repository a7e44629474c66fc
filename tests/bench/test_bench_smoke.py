"""The vote benchmark still runs end to end (tiny numbers, SQLite, gunicorn and Granian): no figures are
checked, only that every vote it sends is accepted and that its own checks — votes in the database, counters,
ledger chain — pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_vote_benchmark_runs_end_to_end_on_sqlite(tmp_path: Path) -> None:
    markdown = tmp_path / "results.md"
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "vote_http.py"), "--databases", "sqlite", "--concurrency", "1,4",
         "--requests", "50", "--level-seconds", "20", "--rate", "40", "--rate-seconds", "1", "--raw", "20",
         "--raw-processes", "1", "--layers", "40", "--servers", "sync:2,granian:1", "--markdown", str(markdown)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "BENCHMARK FAILED" not in result.stdout
    text = markdown.read_text()
    # every table the page records is there, and the run's own check passed
    for heading in ("HTTP vote path", "HTTP floor", "Fixed rate", "Raw ceiling", "The vote's own work", "Summary"):
        assert heading in text
    assert "= sent, chain ok" in text
