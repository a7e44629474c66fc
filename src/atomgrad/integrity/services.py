"""Writes of the integrity app: a scan stores the detectors' findings; the purge deletes what is no longer needed.

Findings are recomputed, never edited: a scan of a scope (a season, or one city of it) replaces that scope's
earlier findings in one transaction, so readers see either the old set or the new one.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.cities.models import City
from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.frame import VoteFrame
from atomgrad.integrity.models import Finding, FindingKind, FindingVote
from atomgrad.integrity.selectors import vote_frame
from atomgrad.voting.services.signals import signals_purge

logger = logging.getLogger("atomgrad.integrity")

Detect = Callable[[VoteFrame], list[DetectedFinding]]
FINDING_VOTES_BATCH = 5000


@dataclass(frozen=True)
class ScanResult:
    votes: int  # votes scanned
    findings: int
    votes_flagged: int  # distinct votes covered by any finding
    load_seconds: float
    detect_seconds: float
    store_seconds: float


def _detect_default() -> Detect:
    from atomgrad.integrity.detectors import detect

    return detect


def integrity_scan(*, season: Season, city: City | None = None, detect: Detect | None = None,
                   now: dt.datetime | None = None) -> ScanResult:
    """Run the detectors over the season's counted votes (or one city's) and store their findings, replacing
    the scope's earlier ones. `detect` defaults to `integrity.detectors.detect` (every detector)."""
    detect = detect or _detect_default()
    started = time.perf_counter()
    frame = vote_frame(season=season, city=city)
    loaded = time.perf_counter()
    detected = detect(frame)
    detected_at = time.perf_counter()
    stored = findings_store(season=season, city=city, frame=frame, detected=detected, now=now)
    done = time.perf_counter()
    flagged = len(np.unique(np.concatenate([frame.vote_id[f.rows] for f in detected]))) if detected else 0
    result = ScanResult(votes=len(frame), findings=stored, votes_flagged=flagged, load_seconds=loaded - started,
                        detect_seconds=detected_at - loaded, store_seconds=done - detected_at)
    logger.info("integrity scan of %s%s: %s", season.year, f"/{city.slug}" if city else "", result)
    return result


def findings_store(*, season: Season, city: City | None, frame: VoteFrame, detected: list[DetectedFinding],
                   now: dt.datetime | None = None) -> int:
    """Replace the scope's findings by `detected` (rows of `frame`), in one transaction. A finding about a city
    outside the scope, of an unknown kind, or covering no votes is refused (ValueError): that is a detector's
    bug, not data to keep."""
    now = now or timezone.now()
    kinds = set(FindingKind.values)
    season_cities = set(season.cities.values_list("pk", flat=True))
    for item in detected:
        if item.kind not in kinds:
            raise ValueError(f"unknown finding kind {item.kind!r}")
        if (city is not None and item.city != city.pk) or (city is None and season_cities and
                                                            item.city not in season_cities):
            raise ValueError(f"a finding about city {item.city} outside the scanned scope")
        if not len(item.rows):
            raise ValueError("a finding covers no votes")
    scope = Finding.objects.filter(season=season, **({"city": city} if city is not None else {}))
    with transaction.atomic():
        scope.delete()
        for item in detected:
            vote_ids = np.unique(frame.vote_id[np.asarray(item.rows, dtype=np.int64)])
            finding = Finding.objects.create(
                season=season, city_id=item.city, kind=item.kind, score=min(1.0, max(0.0, float(item.score))),
                explanation_ru=item.explanation_ru, explanation_en=item.explanation_en,
                evidence=item.evidence, vote_count=len(vote_ids), computed_at=now,
            )
            if item.candidates:
                finding.candidates.set(sorted({int(pk) for pk in item.candidates}))
            for start in range(0, len(vote_ids), FINDING_VOTES_BATCH):
                FindingVote.objects.bulk_create(
                    [FindingVote(finding=finding, vote_id=int(vote_id))
                     for vote_id in vote_ids[start:start + FINDING_VOTES_BATCH]]
                )
    return len(detected)


# --- retention ------------------------------------------------------------------------------------------------


def retention_days() -> int:
    return int(getattr(settings, "INTEGRITY_SIGNALS_RETENTION_DAYS", 90))


def season_published_at(*, season: Season) -> dt.datetime | None:
    """When the season's results were published: the last city's publication, once every participating city's
    is published (None before that)."""
    from atomgrad.results.models import Publication

    published = dict(Publication.objects.filter(season=season).values_list("city_id", "published_at"))
    cities = set(season.cities.values_list("pk", flat=True))
    if not published or not cities <= set(published):
        return None
    return max(published.values())


@dataclass(frozen=True)
class PurgedSeason:
    year: int
    published_at: dt.datetime
    vote_signals: int
    voter_signals: int
    findings: int


def integrity_purge(*, days: int | None = None, now: dt.datetime | None = None,
                    dry_run: bool = False) -> list[PurgedSeason]:
    """Delete the detection signals and the findings of every season published more than `days` days ago
    (default: the INTEGRITY_SIGNALS_RETENTION_DAYS setting). Votes, voters, annulments and the ledger stay.
    With `dry_run`, only say which seasons are due."""
    days = retention_days() if days is None else days
    if days < 0:
        raise ValueError("the retention must be zero or more days")
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    purged = []
    for season in Season.objects.order_by("year"):
        published_at = season_published_at(season=season)
        if published_at is None or published_at > cutoff:
            continue
        if dry_run:
            purged.append(PurgedSeason(season.year, published_at, 0, 0, 0))
            continue
        with transaction.atomic():
            counts = signals_purge(season=season)
            findings = Finding.objects.filter(season=season).count()
            Finding.objects.filter(season=season).delete()
        purged.append(PurgedSeason(season.year, published_at, counts["vote_signals"], counts["voter_signals"],
                                   findings))
    return purged
