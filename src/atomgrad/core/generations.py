"""Generation numbers of caches that several processes keep (`core.models.CacheGeneration`).

    generation_bump(name=CANDIDATES)     # in the transaction of a change (publication, withdrawal, edit)
    generation_current(name=CANDIDATES)  # a reader: its copy is current while this number has not moved

One row per name; a bump is one atomic UPDATE (the row is created once, on first use), so concurrent bumps in
several processes never lose one.
"""

from __future__ import annotations

import collections

from django.db import IntegrityError, transaction
from django.db.models import F

from atomgrad.core.models import CacheGeneration

# Bumps committed in this process, per name: a reader in the same process sees its own process's changes at
# once, without reading the row (other processes see them when they next read it).
_committed_here: collections.Counter[str] = collections.Counter()

# The published candidates of a season as cards and lists show them (who, their public fields, their sphere).
CANDIDATES = "candidates"


def generation_bumped_here(*, name: str) -> int:
    """How many bumps of `name` this process has committed: a change made here, seen at once."""
    return _committed_here[name]


def generation_current(*, name: str) -> int:
    value = CacheGeneration.objects.filter(name=name).values_list("value", flat=True).first()
    return int(value or 0)


def generation_bump(*, name: str) -> None:
    """Move `name`'s generation on. Call inside the transaction that changes what it names."""
    transaction.on_commit(lambda: _committed_here.update([name]))
    if CacheGeneration.objects.filter(name=name).update(value=F("value") + 1):
        return
    try:
        with transaction.atomic():
            CacheGeneration.objects.create(name=name, value=1)
    except IntegrityError:  # created by a concurrent bump meanwhile
        CacheGeneration.objects.filter(name=name).update(value=F("value") + 1)
