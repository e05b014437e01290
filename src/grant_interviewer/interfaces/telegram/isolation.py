"""Per-user event isolation: one user's updates are handled one at a time and in arrival order.

aiogram's ``FSMContextMiddleware`` takes ``events_isolation.lock(key)`` around every handler, the
key being (bot, chat, user). Two pieces:

* :class:`LocalIsolation` — FIFO asyncio locks, dropped when no update holds or awaits them.
  aiogram's own ``SimpleEventIsolation`` keeps one lock per user forever (its source says
  "TODO: Unused locks cleaner is needed"); a long-running bot should keep no state per past user.
* :class:`OrderedIsolation` — the local lock first, then a shared one (``RedisEventIsolation``):
  a Redis lock is not fair, so without the local FIFO three quick messages taken by one process
  could be handled out of order; across processes the Redis lock keeps one user's turns apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class LocalIsolation(BaseEventIsolation):
    """In-process FIFO locks per storage key, kept only while an update holds or awaits one."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        try:
            async with entry.lock:
                yield None
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)

    async def close(self) -> None:
        self._entries.clear()


class OrderedIsolation(BaseEventIsolation):
    """The local FIFO lock, then ``shared`` (a lock every process of the bot sees)."""

    def __init__(self, shared: BaseEventIsolation) -> None:
        self._local = LocalIsolation()
        self._shared = shared

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        async with self._local.lock(key), self._shared.lock(key):
            yield None

    async def close(self) -> None:
        await self._local.close()
        await self._shared.close()
