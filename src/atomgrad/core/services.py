from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from atomgrad.core.models import AuditLogEntry


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: Any,
    city: Any = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Append one entry to the audit log. Call inside the transaction that makes the decision,
    so a decision and its record are committed together or not at all."""
    return AuditLogEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        city=city,
        reason=reason,
        details=details or {},
    )
