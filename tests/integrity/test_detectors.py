"""Each detector on hand-built positive and negative cases, over a background city of residents."""

from __future__ import annotations

import json

import numpy as np
import pytest

from atomgrad.integrity.detectors import (
    burst,
    detect,
    fast_code,
    flagged_rows,
    fresh,
    lockstep,
    network,
    phone_block,
    regular_timing,
)
from atomgrad.integrity.models import FindingKind
from tests.integrity.frames import HOUR, T0, FrameBuilder

TARGET, OTHER = 1008, 1009  # two unpopular candidates of the background city
NIGHT = T0 + 17 * HOUR  # 03:00 Moscow time on the second day
NOON = T0 + 26 * HOUR  # 12:00 Moscow time on the second day


def _city() -> FrameBuilder:
    b = FrameBuilder()
    b.background()
    return b


def _ids(b: FrameBuilder, voters: list[int]) -> set[int]:
    frame = b.frame()
    return set(np.flatnonzero(np.isin(frame.voter, voters)).tolist())


def _only(findings, kind):  # type: ignore[no-untyped-def]
    return [f for f in findings if f.kind == kind]


# ----- bursts --------------------------------------------------------------------------------------------------
def test_burst_of_fast_night_votes_is_found_and_covers_only_the_burst():
    b = _city()
    bots = [b.vote(at=NIGHT + i * 60, candidate=TARGET, network=900, phone_block=7, code=5, choose=1)
            for i in range(40)]
    frame = b.frame()
    findings = burst.find(frame)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.kind == FindingKind.BURST.value and finding.candidates == [TARGET]
    assert set(finding.rows.tolist()) >= _ids(b, bots)
    assert len(finding.rows) <= 40 + 3  # the burst hour's few resident votes at most, not the candidate's all
    series = finding.evidence["series"]
    assert len(series["city"]) == len(series["candidate"]) and max(series["candidate"]) >= 40
    assert 0 < finding.score <= 1 and "ночью" in finding.explanation_ru
    json.dumps(finding.evidence)


def test_daytime_burst_of_people_is_a_campaign_not_a_finding():
    b = _city()
    rng = np.random.default_rng(1)
    for _ in range(60):  # colleagues in a lunch break: human code entry, their own phones
        b.vote(at=NOON + rng.exponential(1200), candidate=TARGET, network=77, user_agent=int(rng.integers(1, 25)),
               phone_block=int(rng.integers(1, 10**9)), code=float(rng.uniform(20, 180)),
               choose=float(rng.uniform(10, 90)))
    assert burst.find(b.frame()) == []


# ----- lockstep ------------------------------------------------------------------------------------------------
def test_lockstep_wave_of_the_same_pair_is_found_despite_camouflage():
    b = _city()
    rng = np.random.default_rng(2)
    workers = []
    for i in range(30):  # paid humans: many networks, human pace, the same pair within minutes
        t = NOON + rng.gamma(2.0, 120.0)
        voter = b.vote(at=t, candidate=TARGET, network=1000 + i, code=float(rng.uniform(20, 120)))
        b.vote(at=t + 20, voter=voter, candidate=OTHER, network=1000 + i)
        if i % 3 == 0:  # camouflage: a popular candidate too
            b.vote(at=t + 40, voter=voter, candidate=1001, network=1000 + i)
        workers.append(voter)
    findings = lockstep.find(b.frame())
    assert len(findings) == 1
    finding = findings[0]
    assert finding.candidates == [TARGET, OTHER]
    covered, cohort = set(finding.rows.tolist()), _ids(b, workers)
    assert covered >= cohort  # every vote of the workers, the camouflage too
    assert len(covered - cohort) <= 6  # residents who chose the same pair in those minutes, at most a couple
    assert 30 <= finding.evidence["cohort_voters"] <= 32 and finding.evidence["waves"][0]["voters"] >= 25


def test_families_and_a_workplace_with_popular_second_choices_are_not_lockstep():
    b = _city()
    rng = np.random.default_rng(3)
    for family in range(6):  # families of four voting the same pair one evening
        t = T0 + (34 + family) * HOUR
        for member in range(4):
            voter = b.vote(at=t + member * 300, candidate=TARGET, network=500 + family)
            b.vote(at=t + member * 300 + 30, voter=voter, candidate=OTHER, network=500 + family)
    for _ in range(80):  # colleagues back one of their own; some add the city's favourite
        t = NOON + rng.exponential(1800)
        voter = b.vote(at=t, candidate=1007, network=78, code=float(rng.uniform(20, 120)))
        if rng.random() < 0.5:
            b.vote(at=t + 30, voter=voter, candidate=1001, network=78)
    assert lockstep.find(b.frame()) == []


# ----- networks ------------------------------------------------------------------------------------------------
def test_network_of_scripted_votes_is_found():
    b = _city()
    bots = [b.vote(at=NIGHT + i * 45, candidate=TARGET, network=901, phone_block=10**9 + i, code=4, choose=1)
            for i in range(25)]
    findings = network.find(b.frame())
    assert len(findings) == 1 and findings[0].candidates == [TARGET]
    assert set(findings[0].rows.tolist()) == _ids(b, bots)
    assert findings[0].evidence["networks_involved"][0]["votes_for_candidate"] == 25


def test_workplace_network_and_carrier_cgnat_are_tolerated():
    b = _city()
    rng = np.random.default_rng(4)
    for _ in range(100):  # a plant behind one network backing one of its own, people's pace, in the daytime
        b.vote(at=NOON + rng.exponential(3600), candidate=TARGET, network=902, user_agent=int(rng.integers(1, 25)),
               code=float(rng.uniform(20, 180)), choose=float(rng.uniform(10, 90)))
    frame = b.frame()
    assert network.find(frame) == []
    # The background's networks are a carrier's CGNAT: ~40 networks shared by everybody, no finding either.
    assert len(np.unique(frame.network[frame.network != 0])) <= 40


# ----- phone blocks --------------------------------------------------------------------------------------------
def test_consecutive_numbers_of_a_sim_farm_are_found():
    b = _city()
    bots = [b.vote(at=NIGHT + i * 40, candidate=TARGET, network=903 + i % 2, phone_block=5_000_000_000 + i // 100,
                   code=6, choose=1) for i in range(60)]
    findings = phone_block.find(b.frame())
    assert len(findings) == 1 and set(findings[0].rows.tolist()) == _ids(b, bots)
    assert findings[0].evidence["blocks_involved"][0]["voters"] == 60


def test_rented_numbers_spread_over_days_and_networks_are_found():
    b = _city()
    rng = np.random.default_rng(5)
    fakes = [b.vote(at=T0 + rng.uniform(0, 90) * HOUR, candidate=TARGET, network=2000 + i, phone_block=6_000_000_000,
                    code=float(rng.uniform(25, 90))) for i in range(8)]
    findings = phone_block.find(b.frame())
    assert len(findings) == 1 and set(findings[0].rows.tolist()) == _ids(b, fakes)
    assert findings[0].evidence["reasons"] == ["spread"]


def test_corporate_sim_block_of_colleagues_is_tolerated():
    b = _city()
    rng = np.random.default_rng(6)
    for _ in range(12):  # colleagues with corporate numbers, at work, within two hours
        b.vote(at=NOON + rng.uniform(0, 7200), candidate=TARGET, network=904, phone_block=7_000_000_000,
               code=float(rng.uniform(20, 180)))
    assert phone_block.find(b.frame()) == []


# ----- regular timing ------------------------------------------------------------------------------------------
def test_metronome_votes_are_found():
    b = _city()
    rng = np.random.default_rng(7)
    bots = [b.vote(at=NOON + i * 30 + rng.normal(0, 1.5), candidate=TARGET, network=1000 + i, code=40)
            for i in range(40)]
    findings = regular_timing.find(b.frame())
    assert len(findings) == 1
    covered, cohort = set(findings[0].rows.tolist()), _ids(b, bots)
    assert covered >= cohort and len(covered - cohort) <= 8  # a resident's vote amid the stream comes along
    assert findings[0].evidence["gap_cv"] <= regular_timing.MAX_CV


def test_people_arriving_at_random_are_not_regular():
    b = _city()
    rng = np.random.default_rng(8)
    t = NOON
    for i in range(60):
        t += rng.exponential(30)
        b.vote(at=t, candidate=TARGET, network=1000 + i, code=40)
    assert regular_timing.find(b.frame()) == []


# ----- code speed and fresh accounts ---------------------------------------------------------------------------
def test_fast_code_votes_are_found():
    b = _city()
    rng = np.random.default_rng(9)
    bots = [b.vote(at=T0 + 30 * HOUR + rng.uniform(0, 5 * HOUR), candidate=TARGET, network=3000 + i,
                   code=float(rng.uniform(3, 7)), choose=float(rng.uniform(1, 3))) for i in range(25)]
    findings = fast_code.find(b.frame())
    assert len(findings) == 1 and set(findings[0].rows.tolist()) == _ids(b, bots)


def test_a_few_autofilled_codes_are_not_a_finding():
    b = _city()
    rng = np.random.default_rng(10)
    for i in range(200):  # residents with SMS autofill, for every candidate alike
        b.vote(at=T0 + rng.uniform(0, 90) * HOUR, candidate=1001 + i % 10, network=3000 + i, code=7, choose=4)
    assert fast_code.find(b.frame()) == []


def test_fresh_telegram_accounts_are_found():
    b = _city()
    rng = np.random.default_rng(11)
    bought = [b.vote(at=T0 + 40 * HOUR + rng.uniform(0, 20 * HOUR), candidate=TARGET, channel="telegram",
                     bucket=30, code=float(rng.uniform(20, 90))) for _ in range(30)]
    findings = fresh.find(b.frame())
    assert len(findings) == 1 and set(findings[0].rows.tolist()) == _ids(b, bought)
    assert findings[0].kind == FindingKind.FRESH_IDENTITIES.value


def test_residents_fresh_accounts_spread_over_candidates_are_not_a_finding():
    b = _city()  # 3% of the background's bot voters have new accounts, for all candidates alike
    assert fresh.find(b.frame()) == []


# ----- all together ------------------------------------------------------------------------------------------------
def test_detect_on_a_quiet_city_finds_nothing():
    assert detect(_city().frame()) == []


def test_detect_merges_same_kind_and_keeps_kinds_apart():
    b = _city()
    bots = []
    for i in range(60):
        voter = b.vote(at=NIGHT + i * 40, candidate=TARGET, network=905, phone_block=8_000_000_000, code=5, choose=1)
        b.vote(at=NIGHT + i * 40 + 1, voter=voter, candidate=OTHER, network=905, phone_block=8_000_000_000,
               code=5, choose=2)
        bots.append(voter)
    frame = b.frame()
    findings = detect(frame)
    kinds = [f.kind for f in findings]
    assert len(kinds) == len(set((f.kind, f.city) for f in findings))  # one finding per kind here (merged)
    assert {FindingKind.PHONE_BLOCK.value, FindingKind.FAST_CODE.value, FindingKind.LOCKSTEP.value} <= set(kinds)
    assert [f.score for f in findings] == sorted((f.score for f in findings), reverse=True)
    flagged = flagged_rows(findings, len(frame))
    assert set(np.flatnonzero(flagged).tolist()) >= _ids(b, bots)
    for f in findings:
        assert 0 <= f.score <= 1 and f.explanation_ru and f.explanation_en
        json.dumps(f.evidence)
        for h in f.evidence["networks"] + f.evidence["phone_blocks"]:
            assert len(h["hash"]) == 16 and int(h["hash"], 16) > 0


def test_detect_on_an_empty_frame():
    assert detect(FrameBuilder().frame()) == []


@pytest.mark.parametrize("module", [burst, lockstep, network, phone_block, regular_timing, fast_code, fresh])
def test_detectors_are_pure_functions_of_the_frame(module):
    b = _city()
    for i in range(40):
        b.vote(at=NIGHT + i * 30, candidate=TARGET, network=906, phone_block=9_000_000_000, code=5, choose=1,
               channel="web")
    frame = b.frame()
    first = module.find(frame)
    again = module.find(frame)
    assert [(f.kind, f.rows.tolist(), f.score) for f in first] == [(f.kind, f.rows.tolist(), f.score) for f in again]


def test_detect_survives_odd_frames():
    one = FrameBuilder()
    one.vote(at=T0, candidate=TARGET)
    assert detect(one.frame()) == []
    same_second = FrameBuilder()  # everything at one instant, unknown signals (codes NaN, no networks)
    for i in range(50):
        same_second.vote(at=T0, candidate=TARGET + i % 2, code=float("nan"), choose=float("nan"))
    findings = detect(same_second.frame())
    for f in findings:
        assert 0 <= f.score <= 1
        json.dumps(f.evidence)
    bot_only = FrameBuilder()  # old accounts only: the newest bucket seen is not "fresh"
    rng = np.random.default_rng(12)
    for t in np.cumsum(rng.exponential(600, 40)):
        bot_only.vote(at=T0 + t, candidate=TARGET, channel="telegram", bucket=3)
    assert detect(bot_only.frame()) == []
