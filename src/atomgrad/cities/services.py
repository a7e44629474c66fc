from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from atomgrad.cities.models import City

CITIES_FILE = settings.REPO_DIR / "data" / "cities.json"


@transaction.atomic
def cities_load_from_file(*, path: Path = CITIES_FILE) -> int:
    """Create or update the cities from the data file (by slug). Returns how many rows the file has."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))["cities"]
    fields = ("name_ru", "name_en", "region_ru", "region_en", "is_closed", "population")
    for row in rows:
        City.objects.update_or_create(slug=row["slug"], defaults={field: row[field] for field in fields})
    return len(rows)
