"""Reads of the findings for people: the «Сигналы» section of a city's review and the organisers' overview.

Check `integrity.permissions.findings_visible` (or `findings_overview_visible`) before calling these: they
read, they do not decide who may see.

What a finding's `evidence` may hold that the review shows (every key optional; docs/integrity.md):
- `series` (or `hourly`): {"start": ISO 8601 UTC of the first hour, "step_seconds": 3600,
  "candidate": [votes per hour], "city": [votes per hour]} — the candidate's votes per hour against the city's,
  cropped here to the hours around the finding. Without it the page counts them from the votes.
- `waves`: a cohort's waves of votes, [{"start": ISO 8601 UTC, "voters": n, "minutes": m}].
- `networks`, `phone_blocks`: the keyed hashes involved with their votes, as [{"hash": int|str, "votes": n}]
  (a list of [hash, votes] pairs or a {hash: votes} mapping is read too).
The cohort (its voters, shared candidates and times) is read from the finding's votes themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atomgrad.award.models import Application, Season
from atomgrad.cities.models import City
from atomgrad.core import timefmt
from atomgrad.core.charts import ChartSeries, OverlayBarChart
from atomgrad.integrity.models import Finding, FindingKind, FindingVote
from atomgrad.integrity.selectors import finding_list
from atomgrad.voting.models import Vote, VoteAnnulment

HOUR = dt.timedelta(hours=1)
CHART_MARGIN = dt.timedelta(hours=12)  # hours shown before the first and after the last vote of a finding
CHART_MAX_HOURS = 7 * 24  # beyond a week the chart counts per day
FINDINGS_ON_PAGE = 20
BUSIEST_MINUTES = 5


@dataclass(frozen=True)
class HashLine:
    hash: str  # 16 hex digits of the keyed hash: comparable between findings, says nothing about the network
    votes: int


@dataclass(frozen=True)
class CandidateShare:
    name: str
    votes: int  # of the finding's votes


@dataclass
class FindingView:
    finding: Finding
    kind_label: str
    explanation: str
    votes_total: int
    votes_valid: int  # not annulled (an annulment in force): what the action would select
    voters: int
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    candidates: list[CandidateShare] = field(default_factory=list)
    busiest_minutes: list[tuple[dt.datetime, int]] = field(default_factory=list)
    networks: list[HashLine] = field(default_factory=list)
    phone_blocks: list[HashLine] = field(default_factory=list)
    waves: list[tuple[dt.datetime, int, int]] = field(default_factory=list)  # a cohort's waves: start, voters, min
    chart: OverlayBarChart | None = None

    @property
    def score_percent(self) -> int:
        return round(self.finding.score * 100)


def _hash_text(value: Any) -> str:
    if isinstance(value, int):
        return f"{value:016x}"
    return str(value)[:32]


def _hash_lines(raw: Any) -> list[HashLine]:
    """The evidence's hashes in any of the documented shapes, most votes first (at most 10)."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                pairs.append((item.get("hash"), item.get("votes", 0)))
            elif isinstance(item, list | tuple) and len(item) == 2:
                pairs.append((item[0], item[1]))
    lines = []
    for key, votes in pairs:
        try:
            number = int(votes)
        except (TypeError, ValueError):
            continue
        if key is not None:
            lines.append(HashLine(hash=_hash_text(key), votes=number))
    return sorted(lines, key=lambda line: (-line.votes, line.hash))[:10]


def _waves(raw: Any) -> list[tuple[dt.datetime, int, int]]:
    """A lockstep cohort's waves from the evidence ([{"start": ISO, "voters": n, "minutes": m}]), at most 20."""
    waves = []
    for item in raw if isinstance(raw, list) else []:
        try:
            start = dt.datetime.fromisoformat(str(item["start"]).replace("Z", "+00:00"))
            waves.append((start, int(item["voters"]), int(item["minutes"])))
        except (KeyError, TypeError, ValueError):
            continue
    return [wave for wave in waves if wave[0].tzinfo is not None][:20]


def _floor_hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _bucket_label(moment: dt.datetime, *, daily: bool) -> str:
    local = timefmt.to_moscow(moment)
    return f"{local:%d.%m}" if daily else f"{local:%d.%m %H:00}"


def _chart_from_evidence(finding: Finding, names: str, first: dt.datetime | None,
                         last: dt.datetime | None) -> OverlayBarChart | None:
    """The chart from the evidence's hourly series, cropped to the hours around the finding's votes; None when
    the evidence has no usable series (or the crop is longer than a week: then the votes are counted per day)."""
    evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
    series = evidence.get("series") or evidence.get("hourly")
    if not isinstance(series, dict):
        return None
    try:
        start = dt.datetime.fromisoformat(str(series["start"]).replace("Z", "+00:00"))
        step = dt.timedelta(seconds=int(series.get("step_seconds", 3600)))
        front = [int(value) for value in series["candidate"]]
        back = [int(value) for value in series["city"]]
    except (KeyError, TypeError, ValueError):
        return None
    if start.tzinfo is None or step != HOUR or len(front) != len(back) or not front:
        return None
    lo, hi = 0, len(front)
    if first is not None and last is not None:
        lo = max(0, int((_floor_hour(first - CHART_MARGIN) - start) / HOUR))
        hi = min(len(front), int((_floor_hour(last + CHART_MARGIN) - start) / HOUR) + 1)
    if hi - lo > CHART_MAX_HOURS or hi <= lo:
        return None
    labels = [_bucket_label(start + index * HOUR, daily=False) for index in range(lo, hi)]
    return _chart(finding, names, labels, front[lo:hi], back[lo:hi], daily=False)


def _chart_from_votes(finding: Finding, names: str, candidate_ids: list[int],
                      first: dt.datetime, last: dt.datetime) -> OverlayBarChart:
    start = _floor_hour(first - CHART_MARGIN)
    end = _floor_hour(last + CHART_MARGIN) + HOUR
    daily = (end - start) > CHART_MAX_HOURS * HOUR
    if daily:
        start = timefmt.to_moscow(start).replace(hour=0)
        width = dt.timedelta(days=1)
    else:
        width = HOUR
    buckets = int((end - start) / width) + (1 if (end - start) % width else 0)
    front, back = [0] * buckets, [0] * buckets
    rows = Vote.objects.filter(season_id=finding.season_id, city_id=finding.city_id, cast_at__gte=start,
                               cast_at__lt=end).values_list("cast_at", "candidate_id")
    wanted = set(candidate_ids)
    for cast_at, candidate_id in rows.iterator(chunk_size=5000):
        index = int((cast_at - start) / width)
        back[index] += 1
        if candidate_id in wanted:
            front[index] += 1
    labels = [_bucket_label(start + index * width, daily=daily) for index in range(buckets)]
    return _chart(finding, names, labels, front, back, daily=daily)


def _chart(finding: Finding, names: str, labels: list[str], front: list[int], back: list[int], *,
           daily: bool) -> OverlayBarChart:
    peak = max(range(len(front)), key=lambda index: front[index]) if front else 0
    peak_share = round(100 * front[peak] / back[peak]) if back and back[peak] else 0
    if daily:
        title = _("Голоса по дням: %(names)s и весь город") % {"names": names}
        summary = _("Больше всего голосов за соискателя — %(day)s: %(front)s из %(back)s голосов города "
                    "за этот день (%(share)s%%).") % {"day": labels[peak], "front": front[peak],
                                                      "back": back[peak], "share": peak_share}
    else:
        title = _("Голоса по часам: %(names)s и весь город") % {"names": names}
        summary = _("Больше всего голосов за соискателя — в час %(hour)s (МСК): %(front)s из %(back)s голосов "
                    "города за этот час (%(share)s%%).") % {"hour": labels[peak], "front": front[peak],
                                                            "back": back[peak], "share": peak_share}
    return OverlayBarChart(
        chart_id=f"finding-{finding.pk}-chart", title=title, summary=summary,
        label_heading=_("День (МСК)") if daily else _("Час (МСК)"), labels=labels,
        back=ChartSeries(name=_("весь город"), values=back),
        front=ChartSeries(name=_("соискатель") if "," not in names else _("соискатели"), values=front),
    )


def finding_view(finding: Finding) -> FindingView:
    """One finding with everything the review shows about it (a few queries; the page shows at most 20)."""
    in_force = VoteAnnulment.objects.filter(vote=OuterRef("pk"), reversal__isnull=True)
    votes = Vote.objects.filter(pk__in=FindingVote.objects.filter(finding=finding).values("vote_id"))
    rows = list(votes.annotate(annulled=Exists(in_force)).values_list("cast_at", "voter_id", "candidate_id",
                                                                       "annulled"))
    per_candidate = Counter(candidate_id for _, _, candidate_id, _ in rows)
    candidate_ids = [candidate_id for candidate_id, _ in per_candidate.most_common()]
    for candidate in finding.candidates.all():
        if candidate.pk not in per_candidate:
            candidate_ids.append(candidate.pk)
    names = dict(Application.objects.filter(pk__in=candidate_ids).values_list("pk", "full_name"))
    minutes = Counter(cast_at.replace(second=0, microsecond=0) for cast_at, _, _, _ in rows)
    times = [cast_at for cast_at, _, _, _ in rows]
    language = (get_language() or "ru")[:2]
    evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
    view = FindingView(
        finding=finding,
        kind_label=str(FindingKind(finding.kind).label) if finding.kind in FindingKind.values else finding.kind,
        explanation=finding.explanation_en if language == "en" and finding.explanation_en else finding.explanation_ru,
        votes_total=len(rows),
        votes_valid=sum(1 for *_, annulled in rows if not annulled),
        voters=len({voter_id for _, voter_id, _, _ in rows}),
        first_at=min(times) if times else None,
        last_at=max(times) if times else None,
        candidates=[CandidateShare(name=names.get(candidate_id, str(candidate_id)),
                                   votes=per_candidate.get(candidate_id, 0)) for candidate_id in candidate_ids],
        busiest_minutes=[(minute, count) for minute, count in minutes.most_common(BUSIEST_MINUTES) if count > 1],
        networks=_hash_lines(evidence.get("networks")),
        phone_blocks=_hash_lines(evidence.get("phone_blocks")),
        waves=_waves(evidence.get("waves")),
    )
    chart_names = ", ".join(names.get(candidate_id, str(candidate_id)) for candidate_id in candidate_ids[:2])
    if len(candidate_ids) > 2:
        chart_names += " …"
    view.chart = _chart_from_evidence(finding, chart_names, view.first_at, view.last_at)
    if view.chart is None and times and candidate_ids:
        view.chart = _chart_from_votes(finding, chart_names, candidate_ids[:2], min(times), max(times))
    return view


def finding_views(*, season: Season, city: City, limit: int = FINDINGS_ON_PAGE) -> list[FindingView]:
    return [finding_view(finding) for finding in finding_list(season=season, city=city)[:limit]]


def finding_get(*, season: Season, city: City, finding_id: int) -> Finding | None:
    return Finding.objects.filter(season=season, city=city, pk=finding_id).first()


def finding_choices(*, season: Season, city: City) -> list[tuple[int, str]]:
    """The city's findings as choices of the review's «Сигнал» filter: «№ 12 · Всплеск голосов · 0.93»."""
    return [
        (finding.pk, f"№ {finding.pk} · {FindingKind(finding.kind).label} · {finding.score:.2f}")
        for finding in Finding.objects.filter(season=season, city=city).order_by("-score", "id")
    ]
