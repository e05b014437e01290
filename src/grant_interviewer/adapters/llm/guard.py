"""The provider guard: limiter, per-call timeout, retries and a circuit breaker around a call.

Every model call goes through :meth:`ProviderGuard.call` with a *deadline* (the turn's budget):

1. **Circuit breaker** (``purgatory``): after ``breaker_failures`` consecutive failed calls the
   circuit opens and every interview of the process gets :class:`LLMCircuitOpenError` at once
   (the service uses templates) for ``breaker_cooldown`` seconds; then one call is let through
   as a probe (the others still go offline while it runs): success closes the circuit, failure
   opens it for another cool-down. A rejected or unusable *answer* is not a provider failure
   and does not count.
2. **Limiter** (:mod:`.limits`): a call waits for a free stream only as long as the deadline
   allows (a prefetch does not wait at all).
3. **Per-call timeout**: each attempt gets what is left of the budget.
4. **Retries** (``tenacity``): 429, 5xx, 529, timeouts and connection errors are retried with
   exponential backoff and full jitter, honouring ``Retry-After``, but only while the wait plus
   a minimal call still fits before the deadline; otherwise the last error is raised now, so
   the turn falls back to templates within its budget instead of sleeping past it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from grant_interviewer.adapters.llm.limits import ConcurrencyLimiter
from grant_interviewer.errors import (
    LLMCircuitOpenError,
    LLMError,
    LLMRateLimitError,
    LLMTimeoutError,
    LLMUnavailableError,
)

if TYPE_CHECKING:
    from purgatory import AsyncCircuitBreakerFactory
    from tenacity import RetryCallState

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: An attempt is not started with less time than this left (it could not finish anyway).
MIN_ATTEMPT_SECONDS = 0.25


@dataclass(frozen=True)
class GuardPolicy:
    """Tunables of a guard (from settings)."""

    max_attempts: int = 3
    backoff_base: float = 0.25  # first retry waits up to this (full jitter), doubling after
    backoff_max: float = 4.0
    breaker_failures: int = 5
    breaker_cooldown: float = 30.0


class ProviderGuard:
    """Wraps calls to one provider account; shared by every interview of the process."""

    def __init__(self, name: str, limiter: ConcurrencyLimiter, policy: GuardPolicy) -> None:
        from purgatory import AsyncCircuitBreakerFactory

        self.name = name
        self.limiter = limiter
        self.policy = policy
        self._breakers: AsyncCircuitBreakerFactory = AsyncCircuitBreakerFactory(
            default_threshold=policy.breaker_failures,
            default_ttl=policy.breaker_cooldown,
            # only provider failures count; a refused key or bad request is a configuration issue
            exclude=[(LLMError, lambda exc: not getattr(exc, "retryable", False))],
        )
        self._probe = asyncio.Lock()
        self.calls = 0  # attempts sent to the provider (for tests and benches)

    async def state(self) -> str:
        """``closed``, ``opened`` or ``half-opened``."""
        breaker = await self._breakers.get_breaker(self.name)
        state = breaker.context.state
        if state == "opened" and breaker.context.opened_at is not None:
            from purgatory.domain import model

            clock = model.time  # type: ignore[attr-defined]  # purgatory's clock (tests fake it)
            if clock.time() > breaker.context.opened_at + breaker.context.ttl:
                return "half-opened"
        return str(state)

    async def call(
        self,
        attempt: Callable[[float], Awaitable[T]],
        *,
        deadline: float,
        wait_for_slot: bool = True,
    ) -> T:
        """Run ``attempt(timeout)`` under the breaker, the limiter and the retry policy.

        ``deadline`` is a ``time.monotonic()`` instant; nothing here waits beyond it.
        ``wait_for_slot=False`` (prefetch) gives up at once when every stream is busy.
        """
        from tenacity import AsyncRetrying, retry_if_exception

        retrying = AsyncRetrying(
            stop=self._stop(deadline),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: isinstance(exc, LLMError) and exc.retryable),
            reraise=True,
        )
        async for try_ in retrying:
            with try_:
                return await self._once(attempt, deadline=deadline, wait_for_slot=wait_for_slot)
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover

    async def _once(
        self, attempt: Callable[[float], Awaitable[T]], *, deadline: float, wait_for_slot: bool
    ) -> T:
        if await self.state() == "half-opened":
            if self._probe.locked():  # someone is probing: stay offline until it answers
                raise LLMCircuitOpenError(f"{self.name}: probing after failures")
            async with self._probe:
                return await self._guarded(attempt, deadline=deadline,
                                           wait_for_slot=wait_for_slot)
        return await self._guarded(attempt, deadline=deadline, wait_for_slot=wait_for_slot)

    async def _guarded(
        self, attempt: Callable[[float], Awaitable[T]], *, deadline: float, wait_for_slot: bool
    ) -> T:
        from purgatory.domain.model import OpenedState

        remaining = deadline - time.monotonic()
        if remaining < MIN_ATTEMPT_SECONDS:
            raise LLMTimeoutError(f"{self.name}: no time left for a call")
        wait = remaining - MIN_ATTEMPT_SECONDS if wait_for_slot else 0.0
        async with self.limiter.slot(wait=wait, hold=remaining + 5.0):
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                raise LLMTimeoutError(f"{self.name}: waited the whole budget for a stream")
            try:
                breaker = await self._breakers.get_breaker(self.name)
                async with breaker:
                    self.calls += 1
                    try:
                        return await asyncio.wait_for(attempt(timeout), timeout=timeout)
                    except TimeoutError:
                        raise LLMTimeoutError(
                            f"{self.name}: no answer within {timeout:.1f} s"
                        ) from None
            except OpenedState as exc:
                raise LLMCircuitOpenError(
                    f"{self.name}: offline after repeated failures"
                ) from exc

    def _stop(self, deadline: float) -> Callable[[RetryCallState], bool]:
        max_attempts = self.policy.max_attempts

        def stop(state: RetryCallState) -> bool:
            if state.attempt_number >= max_attempts:
                return True
            left = deadline - time.monotonic() - state.upcoming_sleep
            if left < MIN_ATTEMPT_SECONDS:
                exc = state.outcome.exception() if state.outcome else None
                logger.info("%s: no retry (%s); %.2f s would be left", self.name,
                            type(exc).__name__ if exc else "?", max(left, 0.0))
                return True
            return False

        return stop

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(exc, LLMRateLimitError | LLMUnavailableError) and retry_after:
            return float(retry_after)
        ceiling = min(self.policy.backoff_max,
                      self.policy.backoff_base * 2 ** (state.attempt_number - 1))
        return random.uniform(0.0, ceiling)  # full jitter: waiters do not retry in lock step


_GUARDS: dict[str, ProviderGuard] = {}


def get_guard(name: str, limiter: ConcurrencyLimiter, policy: GuardPolicy) -> ProviderGuard:
    """The process's one guard per provider account (breaker state is shared by everyone)."""
    guard = _GUARDS.get(name)
    if guard is None or guard.limiter is not limiter:
        guard = _GUARDS[name] = ProviderGuard(name, limiter, policy)
    return guard


def reset_guards() -> None:
    """Forget the process's guards (tests)."""
    _GUARDS.clear()


__all__ = ["MIN_ATTEMPT_SECONDS", "GuardPolicy", "ProviderGuard", "get_guard", "reset_guards"]
