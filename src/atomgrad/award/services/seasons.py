"""Changing a season's phase dates: the one service every path calls (the admin form, the `season_dates`
command, any other service), so that no change of a date goes without a reason, a confirmation when it cuts
short the phase that is open now, and an audit entry with the old and new values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.award.phases import PHASE_RULES, PHASE_STARTS, Phase
from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.core.text import reason_clean
from atomgrad.core.timefmt import format_datetime

User = AbstractBaseUser | AnonymousUser | None

SEASON_DATE_FIELDS: tuple[str, ...] = tuple(field for _phase, field in PHASE_STARTS)
# Equal dates are allowed between phases except where a phase would last no time at all.
STRICTLY_AFTER = ("applications_close_at", "voting_close_at")
REASON_MAX_LENGTH = 1000


@dataclass(frozen=True)
class DatesChange:
    """What a change of dates does: the fields that change (old, new), the phase now before and after, and
    whether it cuts the open phase short (then it needs an explicit confirmation)."""

    changes: dict[str, tuple[dt.datetime, dt.datetime]]
    phase_before: Phase
    phase_after: Phase
    shortens_open_phase: bool

    @property
    def needs_confirmation(self) -> bool:
        return self.shortens_open_phase or self.phase_before != self.phase_after

    def as_details(self, season: Season) -> dict[str, Any]:
        return {
            "season": season.year,
            "changes": {field: {"old": old.isoformat(), "new": new.isoformat()}
                        for field, (old, new) in self.changes.items()},
            "phase_before": str(self.phase_before),
            "phase_after": str(self.phase_after),
            "confirmed_shortening": self.needs_confirmation,
        }


def _order_check(dates: dict[str, dt.datetime]) -> None:
    for previous, field in zip(SEASON_DATE_FIELDS, SEASON_DATE_FIELDS[1:], strict=False):
        too_early = dates[field] < dates[previous] or (field in STRICTLY_AFTER and dates[field] == dates[previous])
        if too_early:
            label_ru = str(Season._meta.get_field(field).verbose_name)
            previous_ru = str(Season._meta.get_field(previous).verbose_name)
            raise ApplicationError(
                "season_dates_order",
                f"Дата «{label_ru}» должна быть позже, чем «{previous_ru}».",
                f"The date “{field}” must be later than “{previous}”.",
                status=422, details={"field": field, "previous": previous},
            )


def _phase_end(season_dates: dict[str, dt.datetime], phase: Phase) -> dt.datetime | None:
    """When `phase` ends under these dates (None for the last phase, which never ends)."""
    fields = [field for _phase, field in PHASE_STARTS]
    if phase == Phase.UPCOMING:
        return season_dates[fields[0]]
    index = [p for p, _field in PHASE_STARTS].index(phase)
    return season_dates[fields[index + 1]] if index + 1 < len(fields) else None


def season_dates_preview(*, season: Season, dates: dict[str, dt.datetime],
                         now: dt.datetime | None = None) -> DatesChange:
    """What setting `dates` (any of the six date fields; the others stay) would do, checked: the dates must
    follow each other (season_dates_order, 422) and be aware datetimes. Changes nothing."""
    now = now or timezone.now()
    unknown = set(dates) - set(SEASON_DATE_FIELDS)
    if unknown:
        raise ValueError(f"not a season date: {sorted(unknown)}")
    if any(value is None or timezone.is_naive(value) for value in dates.values()):
        raise ValueError("season dates must be timezone-aware datetimes")
    old = {field: getattr(season, field) for field in SEASON_DATE_FIELDS}
    new = {**old, **dates}
    _order_check(new)
    changes = {field: (old[field], new[field]) for field in SEASON_DATE_FIELDS if old[field] != new[field]}
    probe = Season(**new)
    phase_before, phase_after = season.phase_at(now), probe.phase_at(now)
    end_before, end_after = _phase_end(old, phase_before), _phase_end(new, phase_before)
    shortens = end_before is not None and end_after is not None and end_after < end_before
    return DatesChange(changes=changes, phase_before=phase_before, phase_after=phase_after,
                       shortens_open_phase=shortens and phase_before != Phase.UPCOMING)


def reason_check(reason: str) -> str:
    return reason_clean(reason=reason, what_ru="изменения сроков сезона", what_en="changing the season's dates",
                        max_length=REASON_MAX_LENGTH)


def season_city_check(*, season: Season, city: City) -> None:
    """Refuse a city that does not take part in the season (a season with no cities listed takes them all)."""
    if season.cities.exists() and not season.cities.filter(pk=city.pk).exists():
        raise ApplicationError(
            "city_not_in_season",
            f"Город {city.name_ru} не участвует в сезоне {season.year}.",
            f"{city.name_en} does not take part in the {season.year} season.",
            status=422,
        )


def confirmation_error(change: DatesChange) -> ApplicationError:
    phase = str(PHASE_RULES[change.phase_before].title)
    if change.phase_before != change.phase_after:
        after = str(PHASE_RULES[change.phase_after].title)
        ru = f"Изменение сразу переведёт сезон из этапа «{phase}» в этап «{after}». Подтвердите его."
        en = f"The change moves the season from “{change.phase_before}” to “{change.phase_after}” at once. Confirm it."
    else:
        ru = f"Изменение сокращает идущий сейчас этап «{phase}». Подтвердите его."
        en = f"The change cuts short the phase open now (“{change.phase_before}”). Confirm it."
    return ApplicationError("confirmation_required", ru, en, status=409,
                            details={"phase_before": str(change.phase_before),
                                     "phase_after": str(change.phase_after)})


def season_dates_change(*, actor: User, season: Season, dates: dict[str, dt.datetime], reason: str,
                        confirmed: bool = False) -> Season:
    """Set the season's phase dates (any of them) with a reason; an audit entry `season_dates_changed` holds
    the old and new value of every changed date and the phase before and after.

    A change that cuts the open phase short or moves the season into another phase now needs `confirmed`
    (else confirmation_required, 409). Other refusals: reason_required / reason_too_long / season_dates_order
    (422). Nothing changes → nothing is written. Holds SELECT … FOR UPDATE on the season row, and checks
    against the locked row, so two organisers' changes cannot interleave."""
    with transaction.atomic():
        locked = Season.objects.select_for_update().get(pk=season.pk)
        change = season_dates_preview(season=locked, dates=dates)
        if not change.changes:
            return locked
        reason = reason_check(reason)
        if change.needs_confirmation and not confirmed:
            raise confirmation_error(change)
        for field, (_old, new) in change.changes.items():
            setattr(locked, field, new)
        locked.save(update_fields=list(change.changes))
        audit_record(actor=actor, action="season_dates_changed", obj=locked, reason=reason,
                     details=change.as_details(locked))
    for field in change.changes:
        setattr(season, field, getattr(locked, field))
    return locked


def describe_change(change: DatesChange) -> list[str]:
    """The change in words, one line per date, Moscow time (for the confirmation step)."""
    return [
        f"{Season._meta.get_field(field).verbose_name}: {format_datetime(old)} → {format_datetime(new)}"
        for field, (old, new) in change.changes.items()
    ]
