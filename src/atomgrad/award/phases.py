"""A season's phases and what each allows, declared in one place (derived from the season's dates)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Phase(StrEnum):
    UPCOMING = "upcoming"
    APPLICATIONS = "applications"
    MODERATION = "moderation"
    VOTING = "voting"
    VERIFICATION = "verification"
    RESULTS = "results"
    CEREMONY = "ceremony"


@dataclass(frozen=True)
class PhaseRules:
    title: str
    accepts_applications: bool = False
    moderation_open: bool = False
    voting_open: bool = False


# The season's date fields in order; phase N starts at the date of field N-1 (UPCOMING is before the first).
PHASE_STARTS: tuple[tuple[Phase, str], ...] = (
    (Phase.APPLICATIONS, "applications_open_at"),
    (Phase.MODERATION, "applications_close_at"),
    (Phase.VOTING, "voting_open_at"),
    (Phase.VERIFICATION, "voting_close_at"),
    (Phase.RESULTS, "results_at"),
    (Phase.CEREMONY, "ceremony_at"),
)

PHASE_RULES: dict[Phase, PhaseRules] = {
    Phase.UPCOMING: PhaseRules(title=_("Скоро начало")),
    Phase.APPLICATIONS: PhaseRules(title=_("Приём заявок"), accepts_applications=True, moderation_open=True),
    # Committees finish moderation until the vote opens; returned applications can still be fixed.
    Phase.MODERATION: PhaseRules(title=_("Проверка заявок"), moderation_open=True),
    Phase.VOTING: PhaseRules(title=_("Народное голосование"), voting_open=True),
    Phase.VERIFICATION: PhaseRules(title=_("Проверка голосов")),
    Phase.RESULTS: PhaseRules(title=_("Итоги")),
    Phase.CEREMONY: PhaseRules(title=_("Церемония награждения")),
}
