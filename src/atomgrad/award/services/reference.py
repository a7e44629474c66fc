"""Reference data from the repository's data/ folder: spheres and the consent texts."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from atomgrad.award.models import ConsentDocument, ConsentKind, Sphere
from atomgrad.core.errors import ApplicationError

DATA_DIR = settings.REPO_DIR / "data"


@transaction.atomic
def spheres_load_from_file(*, path: Path = DATA_DIR / "spheres.json") -> int:
    rows = json.loads(Path(path).read_text(encoding="utf-8"))["spheres"]
    for row in rows:
        Sphere.objects.update_or_create(
            slug=row["slug"], defaults={"name_ru": row["name_ru"], "name_en": row["name_en"], "order": row["order"]}
        )
    return len(rows)


@transaction.atomic
def consents_load_from_file(*, path: Path = DATA_DIR / "consents.json") -> int:
    """Add consent versions that are not yet in the database. Existing versions are never rewritten."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))["consents"]
    for row in rows:
        ConsentDocument.objects.get_or_create(
            kind=row["kind"], version=row["version"], defaults={"title": row["title"], "text": row["text"]}
        )
    return len(rows)


def consent_current(*, kind: ConsentKind) -> ConsentDocument:
    document = ConsentDocument.objects.filter(kind=kind).order_by("-published_at", "-id").first()
    if document is None:
        raise ApplicationError(
            "consent_text_missing",
            "Текст согласия на обработку персональных данных не загружен. Сообщите организаторам.",
            "The personal-data consent text is not loaded. Please tell the organisers.",
            status=503,
        )
    return document
