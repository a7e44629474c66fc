"""The 10-million-vote benchmark's generator writes the ledger as the product exports it, so the recount it times
is the recount of the real format (the verifier's fast path for canonical lines included)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from atomgrad.voting import ledger

REPO = Path(__file__).resolve().parents[2]
VERIFIER = REPO / "verifier" / "verify_atomgrad.py"


def _module(name: str, path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_generated_ledger_is_written_as_the_export_writes_it_and_verifies(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        generator = _module("bench_tally_10m", REPO / "bench" / "tally_10m.py")
    finally:
        sys.path.remove(str(REPO / "bench"))
    verifier = _module("verify_atomgrad_bench", VERIFIER)
    ledger_path, results_path = tmp_path / "ledger.jsonl", tmp_path / "results.json"
    made = generator.generate(ledger_path, results_path, votes=3000, cities=3, candidates=5, k=3,
                              annul_fraction=0.05, seed=1)
    lines = ledger_path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) == made["entries"] and made["annulments"] and made["reversals"]
    for line in lines:
        entry = json.loads(line)
        assert line == ledger.entry_line(entry)  # what results.services.exports.ledger_jsonl yields
        assert entry["entry_hash"] == ledger.entry_hash(entry)
        assert verifier.canonical_line_fields(line) is not None
    result = subprocess.run([sys.executable, "-I", "-S", str(VERIFIER), str(ledger_path), str(results_path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
