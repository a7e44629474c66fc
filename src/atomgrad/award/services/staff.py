"""Federal organisers: the «Организаторы» group, its admin permissions, and granting the role to a person.

Django's admin needs `is_staff` and model permissions; the group carries the permissions so that one table
here says what organisers may do in the admin. Deliberately absent: adding or changing user accounts (a person
who may change users may make anyone a superuser) and deleting seasons, spheres, consent texts or applications
(they are referenced by decisions and votes; spheres are switched off instead).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db import transaction
from django.db.models import Q

from atomgrad.cities.permissions import ORGANISERS_GROUP
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record

# app_label.model -> the actions organisers may take on it in the admin.
ORGANISER_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "award.season": ("add", "change", "view"),
    "award.sphere": ("add", "change", "view"),
    "award.consentdocument": ("add", "view"),  # texts are never edited: a change is a new version
    "award.application": ("change", "view"),  # decisions go through the committee workspace, not the admin
    "award.laureate": ("add", "change", "delete", "view"),
    "award.moderationextension": ("add", "view"),  # a city's moderation into the vote; never edited
    "cities.city": ("change", "view"),
    "cities.committeemembership": ("add", "change", "delete", "view"),
    "core.auditlogentry": ("view",),
    "auth.user": ("view",),  # to pick committee members' accounts
    # the vote: records are insert-only (the admin only shows them); extensions of a city's window are added
    "voting.vote": ("view",),
    "voting.ledgerentry": ("view",),
    "voting.voteannulment": ("view",),
    "voting.votingextension": ("add", "view"),
}


def _permission_query() -> Q:
    query = Q(pk__in=[])
    for label, actions in ORGANISER_PERMISSIONS.items():
        app_label, model = label.split(".")
        query |= Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return query


@transaction.atomic
def organiser_group_sync() -> Group:
    """Create the organisers' group if needed and set its permissions to exactly `ORGANISER_PERMISSIONS`."""
    group, _ = Group.objects.get_or_create(name=ORGANISERS_GROUP)
    permissions = list(Permission.objects.filter(_permission_query()))
    expected = sum(len(actions) for actions in ORGANISER_PERMISSIONS.values())
    if len(permissions) != expected:
        raise ApplicationError(
            "permissions_missing",
            "Не все права доступа созданы: сначала выполните миграции (manage.py migrate).",
            "Some permissions do not exist yet: run the migrations first (manage.py migrate).",
            status=500,
            details={"expected": expected, "found": len(permissions)},
        )
    group.permissions.set(permissions)
    return group


@transaction.atomic
def organiser_grant(
    *, user: AbstractBaseUser, actor: AbstractBaseUser | AnonymousUser | None = None
) -> AbstractBaseUser:
    """Make a person a federal organiser: the «Организаторы» group (with its admin permissions) and staff
    status, so they see every city in the committee workspace and can use the Django admin."""
    group = organiser_group_sync()
    user.groups.add(group)  # type: ignore[attr-defined]
    if not user.is_staff:  # type: ignore[attr-defined]
        user.is_staff = True  # type: ignore[attr-defined]
        user.save(update_fields=["is_staff"])
    audit_record(actor=actor, action="organiser.grant", obj=user, reason="", details={"group": ORGANISERS_GROUP})
    return user


def organiser_grant_by_username(*, username: str) -> AbstractBaseUser:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ApplicationError(
            "user_not_found",
            f"Пользователь «{username}» не найден.",
            f"User '{username}' not found.",
            status=404,
        )
    return organiser_grant(user=user)
