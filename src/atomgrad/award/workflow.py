"""The application's moderation state machine, declared in one place.

submitted → accepted | returned | rejected;  returned → submitted (the applicant fixed it and resubmitted).
accepted and rejected are final.
"""

from __future__ import annotations

from atomgrad.award.models import ApplicationStatus
from atomgrad.core.errors import ApplicationError

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.SUBMITTED: frozenset(
        {ApplicationStatus.ACCEPTED, ApplicationStatus.RETURNED, ApplicationStatus.REJECTED}
    ),
    ApplicationStatus.RETURNED: frozenset({ApplicationStatus.SUBMITTED}),
    ApplicationStatus.ACCEPTED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
}


def check_transition(*, current: str, target: str) -> None:
    if target not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        raise ApplicationError(
            "illegal_transition",
            f"Нельзя перевести заявку из статуса «{ApplicationStatus(current).label}» "
            f"в статус «{ApplicationStatus(target).label}».",
            f"An application cannot go from '{current}' to '{target}'.",
            status=409,
            details={"current": current, "target": target},
        )
