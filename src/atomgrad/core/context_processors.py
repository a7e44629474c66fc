from django.conf import settings
from django.http import HttpRequest

from atomgrad.cities.permissions import user_is_organiser


def site(request: HttpRequest) -> dict[str, object]:
    user = request.user
    is_committee = user.is_authenticated and (
        user_is_organiser(user) or user.committee_memberships.exists()  # type: ignore[union-attr]
    )
    return {"user_is_committee": is_committee, "demo_mode": settings.DEMO_MODE}
