"""Concurrency limits shared by every interview: at most N provider calls in flight.

A limit is per provider *account*, not per interview: GigaChat's personal scope allows one
stream, and ten interviews that each send "just one" request get 429s. So one
:class:`ConcurrencyLimiter` exists per provider key in a process (:func:`get_limiter`), and with
``GRANT_INTERVIEWER_REDIS_URL`` set, one per key across every process that uses that Redis
(:class:`RedisLimiter`).

The protocol is small and generic (a named semaphore with a bounded wait) so other adapters can
share it, e.g. a channel that must respect a send rate per chat.

Why not a library: ``aiolimiter`` limits a *rate* (a leaky bucket of N per period), not the
number of calls in flight, which is what a streams limit is; ``asyncio.Semaphore`` is the
in-process primitive and the Redis variant is a lease set of a few lines of Lua (leases expire,
so a process killed mid-call cannot hold a stream forever).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Protocol

from grant_interviewer.errors import LLMTimeoutError

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

__all__ = ["ConcurrencyLimiter", "LocalLimiter", "RedisLimiter", "get_limiter", "reset_limiters"]


class ConcurrencyLimiter(Protocol):
    """At most ``limit`` holders of a slot at a time; waiting is bounded."""

    name: str
    limit: int

    def slot(
        self, *, wait: float, hold: float = 60.0
    ) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold a slot for the ``async with`` block.

        Waits at most ``wait`` seconds for a free slot (0: take one only if free now), then raises
        :class:`LLMTimeoutError`. ``hold`` is the longest the block may keep the slot (a lease
        that expires if the holder dies; the block must be shorter).
        """
        ...

    def in_use(self) -> int:
        """Slots held in this process right now (for status and tests)."""
        ...


class LocalLimiter:
    """An in-process limit (an ``asyncio.Semaphore`` with a bounded wait)."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self._semaphore = asyncio.Semaphore(limit)
        self._held = 0

    @contextlib.asynccontextmanager
    async def slot(self, *, wait: float, hold: float = 60.0) -> AsyncIterator[None]:
        """See :meth:`ConcurrencyLimiter.slot`."""
        if wait <= 0:
            if self._semaphore.locked():
                raise LLMTimeoutError(f"{self.name}: no free stream")
            await self._semaphore.acquire()
        else:
            try:
                await asyncio.wait_for(self._semaphore.acquire(), timeout=wait)
            except TimeoutError:
                raise LLMTimeoutError(
                    f"{self.name}: no free stream within {wait:.1f} s"
                ) from None
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            self._semaphore.release()

    def in_use(self) -> int:
        """Slots held in this process."""
        return self._held


# KEYS[1] = the lease set; ARGV = now, expiry of the new lease, limit, token.
# Drops expired leases, then adds ours if fewer than `limit` remain. Atomic in Redis.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(ARGV[2]) - tonumber(ARGV[1])) * 1000) + 1000)
  return 1
end
return 0
"""


class RedisLimiter:
    """A limit shared by every process using one Redis: a set of expiring leases.

    A waiting caller polls every 20–40 ms (jittered, so waiters do not move in lock step) until
    a lease is free or its wait is over. Redis errors make the limiter fall back to its own
    in-process limit for that call, logged once per outage: a Redis hiccup never stalls an
    interview.
    """

    POLL = 0.02

    def __init__(self, name: str, limit: int, client: Redis, *, prefix: str = "gi:llm:") -> None:
        self.name = name
        self.limit = limit
        self._redis = client
        self._key = f"{prefix}{name}"
        self._local = LocalLimiter(name, limit)
        self._script: Any = client.register_script(_ACQUIRE)
        self._redis_down = False

    @contextlib.asynccontextmanager
    async def slot(self, *, wait: float, hold: float = 60.0) -> AsyncIterator[None]:
        """See :meth:`ConcurrencyLimiter.slot`."""
        token = uuid.uuid4().hex
        try:
            await self._acquire(token, wait=wait, hold=hold)
        except LLMTimeoutError:
            raise
        except Exception as exc:  # redis down: the process's own limit still applies
            if not self._redis_down:
                logger.warning("redis limiter %s unavailable (%s); limiting in-process",
                               self.name, type(exc).__name__)
                self._redis_down = True
            async with self._local.slot(wait=wait, hold=hold):
                yield
            return
        self._redis_down = False
        self._local._held += 1
        try:
            yield
        finally:
            self._local._held -= 1
            with contextlib.suppress(Exception):
                await self._redis.zrem(self._key, token)

    async def _acquire(self, token: str, *, wait: float, hold: float) -> None:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            now = time.time()
            got = await self._script(keys=[self._key], args=[now, now + hold, self.limit, token])
            if int(got) == 1:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LLMTimeoutError(f"{self.name}: no free stream within {wait:.1f} s")
            await asyncio.sleep(min(remaining, self.POLL * (1 + random.random())))

    def in_use(self) -> int:
        """Slots held by this process."""
        return self._local.in_use()


_LIMITERS: dict[tuple[str, str | None], ConcurrencyLimiter] = {}


def get_limiter(name: str, limit: int, *, redis_url: str | None = None) -> ConcurrencyLimiter:
    """The process's one limiter for ``name`` (created on first use with ``limit``).

    With ``redis_url`` the limit is shared through Redis by every process using it.
    """
    key = (name, redis_url)
    limiter = _LIMITERS.get(key)
    if limiter is None:
        if redis_url:
            from redis.asyncio import Redis

            limiter = RedisLimiter(name, limit, Redis.from_url(redis_url))
        else:
            limiter = LocalLimiter(name, limit)
        _LIMITERS[key] = limiter
    elif limiter.limit != limit:
        logger.warning("limiter %s already exists with limit %d; ignoring limit %d",
                       name, limiter.limit, limit)
    return limiter


def reset_limiters() -> None:
    """Forget the process's limiters (tests; each test's event loop gets fresh ones)."""
    _LIMITERS.clear()
