"""Where conversation state lives: the database by default (`DjangoStorage`), Redis when `REDIS_URL` is set.

Either way a restart of the bot does not lose a half-finished registration (consent given, city chosen,
contact not yet shared). Data kept here is small and never personal: the consent version, the chosen city's id.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from atomgrad.bot.models import FSMRecord
from atomgrad.core.rawsql import RowReader, column, columns, cursor, table

logger = logging.getLogger("atomgrad.bot")


def _state_name(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


def _key(builder: KeyBuilder, key: StorageKey) -> str:
    return builder.build(key)


def _upsert(key: str, **values: Any) -> None:
    """Update the row of `key` or create it; a row with neither state nor data is deleted."""
    with transaction.atomic():
        record = FSMRecord.objects.select_for_update().filter(key=key).first()
        if record is None:
            fresh = {"state": None, "data": {}, **values}
            if fresh["state"] is None and not fresh["data"]:
                return
            try:
                with transaction.atomic():
                    FSMRecord.objects.create(key=key, **fresh)
                return
            except IntegrityError:  # created by a parallel update of the same conversation
                record = FSMRecord.objects.select_for_update().get(key=key)
        for name, value in values.items():
            setattr(record, name, value)
        if record.state is None and not record.data:
            record.delete()
        else:
            record.save()


_STATE = RowReader(FSMRecord, ("state", "data"))


@functools.cache
def _get_sql(vendor: str) -> str:
    return (f"SELECT {columns(FSMRecord, _STATE.attnames)} FROM {table(FSMRecord)} "  # noqa: S608 - names only
            f"WHERE {column(FSMRecord, 'key')} = %s")


def _get(key: str) -> tuple[str | None, dict[str, Any]]:
    # Read before every update (aiogram's FSM middleware asks for the state whatever the handler): one
    # prepared statement, not an ORM query compiled each time (docs/PERFORMANCE.md, the bot's profile).
    with cursor() as sql:
        sql.execute(_get_sql(sql.db.vendor), [key])
        row = sql.fetchone()
    if row is None:
        return None, {}
    record = _STATE.read(row)
    return record.state, dict(record.data or {})


_aupsert = sync_to_async(_upsert)
_aget = sync_to_async(_get)


class DjangoStorage(BaseStorage):
    """aiogram FSM storage in the `bot.FSMRecord` table (through the Django ORM, off the event loop)."""

    def __init__(self, key_builder: KeyBuilder | None = None) -> None:
        self.key_builder = key_builder or DefaultKeyBuilder(
            with_bot_id=True, with_business_connection_id=True, with_destiny=True
        )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await _aupsert(_key(self.key_builder, key), state=_state_name(state))

    async def get_state(self, key: StorageKey) -> str | None:
        state, _data = await _aget(_key(self.key_builder, key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise TypeError(f"FSM data must be a mapping, not {type(data).__name__}")
        await _aupsert(_key(self.key_builder, key), data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _state, data = await _aget(_key(self.key_builder, key))
        return data

    async def close(self) -> None:
        return None


def redis_url() -> str:
    """`settings.REDIS_URL` if the settings define it, else the `REDIS_URL` environment variable."""
    return getattr(settings, "REDIS_URL", None) or os.environ.get("REDIS_URL", "")


def storage_from_settings() -> BaseStorage:
    """Redis (aiogram's RedisStorage) when `REDIS_URL` is set, else the database.

    The `redis` package is not among the project's pinned dependencies: a deployment that sets REDIS_URL
    installs it (`pip install redis`); without it this raises a clear configuration error.
    """
    url = redis_url()
    if not url:
        return DjangoStorage()
    try:
        from aiogram.fsm.storage.redis import RedisStorage
    except ImportError as exc:  # pragma: no cover - depends on the deployment's packages
        raise ImproperlyConfigured(
            "REDIS_URL is set, but the 'redis' package is not installed: pip install redis"
        ) from exc
    key_builder = DefaultKeyBuilder(prefix="atomgrad:fsm", with_bot_id=True, with_destiny=True)
    logger.info("bot state is kept in Redis")
    return RedisStorage.from_url(url, key_builder=key_builder, state_ttl=30 * 86400, data_ttl=30 * 86400)
