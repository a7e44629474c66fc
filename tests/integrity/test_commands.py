"""The integrity commands: the report (JSON with kind, score and the votes' ledger positions), refusals of an
unknown season or city, the purge, and the simulator's command."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.models import FindingKind
from atomgrad.integrity.services import integrity_scan
from atomgrad.integrity.simulator.runner import run_plan
from atomgrad.voting.models import VoteSignal
from tests.integrity.support import planned, sim_season

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _flag_ozersk(frame):  # type: ignore[no-untyped-def]
    found = []
    for city in np.unique(frame.city):
        rows = np.flatnonzero(frame.city == city)
        found.append(DetectedFinding(kind=FindingKind.PHONE_BLOCK, city=int(city), rows=rows[1:], score=0.9,
                                     explanation_ru="Номера подряд.", explanation_en="Consecutive numbers.",
                                     candidates=sorted(set(frame.candidate[rows[1:]].tolist()))))
    return found


@pytest.fixture
def scanned():  # type: ignore[no-untyped-def]
    sim = sim_season({"sarov": 2, "ozersk": 2})
    start = sim.season.voting_open_at + dt.timedelta(hours=1)
    plan = [planned(start + dt.timedelta(minutes=i), city=("sarov", "ozersk")[i % 2], phone=f"+7900444{i:04d}",
                    candidate=i % 2) for i in range(6)]
    run_plan(season=sim.season, plan=plan)
    integrity_scan(season=sim.season, detect=_flag_ozersk)
    return sim


def test_the_report_lists_findings_with_kind_score_and_ledger_positions(scanned):  # type: ignore[no-untyped-def]
    report = json.loads(_run("integrity_report", "--season", str(scanned.season.year), "--stored", "--json"))
    assert [(item["city"], item["kind"], item["score"], item["votes"]) for item in report] == [
        ("sarov", "signal_phone_block", 0.9, [3, 5]), ("ozersk", "signal_phone_block", 0.9, [4, 6])]
    assert report[0]["explanation"] == "Номера подряд." and report[0]["vote_count"] == 2
    only = json.loads(_run("integrity_report", "--season", str(scanned.season.year), "--city", "sarov",
                           "--stored", "--json"))
    assert [item["city"] for item in only] == ["sarov"]
    text = _run("integrity_report", "--season", str(scanned.season.year), "--stored")
    assert "Номера телефонов подряд" in text and "позиции в реестре: 3, 5" in text


@pytest.mark.parametrize("args, message", [
    (("--season", "1999"), "Сезона 1999 нет"),
    (("--city", "atlantis"), "Город «atlantis» не участвует"),
])
def test_the_report_refuses_an_unknown_season_or_city(scanned, args, message):  # type: ignore[no-untyped-def]
    full = ["integrity_report", "--json", "--stored"]
    if "--season" not in args:
        full += ["--season", str(scanned.season.year)]
    with pytest.raises(CommandError, match=message):
        call_command(*full, *args, stdout=io.StringIO())


def test_the_purge_command_says_what_it_would_delete_and_deletes_nothing_early(scanned, settings):  # type: ignore[no-untyped-def]
    settings.INTEGRITY_SIGNALS_RETENTION_DAYS = 30
    assert "Нечего удалять" in _run("integrity_purge")
    assert "Нечего удалять" in _run("integrity_purge", "--days", "0", "--dry-run")  # not published yet
    assert VoteSignal.objects.count() == 6
    with pytest.raises(CommandError):
        call_command("integrity_purge", "--days", "-1", stdout=io.StringIO())


def test_simulate_season_casts_a_scenario_and_writes_the_labels_only_to_its_file(tmp_path):
    sim = sim_season({"sarov": 6, "ozersk": 4})
    out = tmp_path / "labels.jsonl"
    summary = json.loads(_run("simulate_season", "--season", str(sim.season.year), "--scenario", "organic,sim_farm",
                              "--seed", "5", "--scale", "0.3", "--voters-per-candidate", "10",
                              "--labels-out", str(out), "--json"))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert summary["cast"] == len(lines) > 0 and summary["scenarios"] == ["organic", "sim_farm"]
    assert {line["scenario"] for line in lines} >= {"organic", "sim_farm"}
    assert {line["label"] for line in lines if line["scenario"] == "sim_farm"} == {"attack"}
    assert VoteSignal.objects.filter(season=sim.season).count() == summary["cast"]
    now = sim.season.voting_open_at + dt.timedelta(days=5)  # the factory's season opened 5 days ago
    assert all(vote.cast_at <= now + dt.timedelta(minutes=1)
               for vote in sim.season.votes.only("cast_at"))


@pytest.mark.parametrize("args, message", [
    (["--season", "1999", "--scenario", "organic"], "Сезона 1999 нет"),
    (["--scenario", "no_such_thing"], "Неизвестный сценарий"),
    (["--scenario", "organic", "--scale", "0"], "--scale"),
    (["--scenario", "organic", "--cities", "atlantis"], "atlantis"),
])
def test_simulate_season_refuses_bad_arguments(tmp_path, args, message):  # type: ignore[no-untyped-def]
    sim = sim_season({"sarov": 2})
    full = ["simulate_season", "--labels-out", str(tmp_path / "x.jsonl"), *args]
    if "--season" not in args:
        full += ["--season", str(sim.season.year)]
    with pytest.raises(CommandError, match=message):
        call_command(*full, stdout=io.StringIO())
    assert not VoteSignal.objects.exists()


def test_the_report_scans_the_simulated_attack():  # type: ignore[no-untyped-def]
    sim = sim_season({"sarov": 8, "ozersk": 6})
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "labels.jsonl"
        _run("simulate_season", "--season", str(sim.season.year), "--scenario", "organic,sim_farm", "--seed", "2",
             "--scale", "0.5", "--voters-per-candidate", "15", "--labels-out", str(out))
        attack = {json.loads(line)["sequence"] for line in out.read_text().splitlines()
                  if json.loads(line)["label"] == "attack"}
    report = json.loads(_run("integrity_report", "--season", str(sim.season.year), "--json"))
    flagged = {sequence for item in report for sequence in item["votes"]}
    assert attack and len(attack & flagged) >= 0.9 * len(attack)
    assert all(item["kind"] in {k.value for k in FindingKind} and 0 <= item["score"] <= 1 for item in report)


def test_integrity_eval_through_the_database_agrees_with_memory():
    result = json.loads(_run("integrity_eval", "--json", "--scenario", "fresh_telegram", "--seeds", "1",
                             "--scale", "0.05", "--through-database", "--database-scale", "0.02"))
    assert "fresh_telegram" in result["scenarios"]
    through = result["through_database"]["scenarios"]["fresh_telegram"]
    assert through["cast"] == through["planned"] > 0
    assert through["agree"] and through["database"] == through["memory"]
    from atomgrad.award.models import Season
    assert not Season.objects.filter(year__gte=9000).exists()  # the sandbox was rolled back
