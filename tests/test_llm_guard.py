"""The provider guard and limiters: bounded waits, retries within the deadline, a circuit
breaker that sends everyone offline and probes once after the cool-down, and a concurrency
limit shared through a real Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest

from fake_llm import reset_llm_registries
from grant_interviewer.adapters.llm.guard import GuardPolicy, ProviderGuard
from grant_interviewer.adapters.llm.limits import LocalLimiter, RedisLimiter, get_limiter
from grant_interviewer.errors import (
    LLMAuthError,
    LLMCircuitOpenError,
    LLMRateLimitError,
    LLMTimeoutError,
    LLMUnavailableError,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    reset_llm_registries()
    yield
    reset_llm_registries()


class FakeClock:
    """Stands in for purgatory's wall clock, so the cool-down passes without sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


def _guard(limit: int = 1, **policy: float) -> ProviderGuard:
    values: dict[str, float] = {"max_attempts": 3, "backoff_base": 0.01} | policy
    return ProviderGuard(f"test-{uuid.uuid4().hex[:6]}", LocalLimiter("t", limit),
                         GuardPolicy(**values))  # type: ignore[arg-type]


async def test_retries_a_transient_failure_then_succeeds() -> None:
    """A 5xx then a success: one retry, the result comes back."""
    guard = _guard()
    outcomes: list[BaseException | str] = [LLMUnavailableError("503"), "ok"]

    async def attempt(limit: float) -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    assert await guard.call(attempt, deadline=time.monotonic() + 2) == "ok"
    assert guard.calls == 2


async def test_a_refused_key_is_not_retried() -> None:
    """401/403 is a configuration problem: raised at once, no retry."""
    guard = _guard()

    async def attempt(limit: float) -> str:
        raise LLMAuthError("401")

    with pytest.raises(LLMAuthError):
        await guard.call(attempt, deadline=time.monotonic() + 2)
    assert guard.calls == 1


async def test_retry_after_past_the_deadline_raises_now() -> None:
    """A Retry-After that would end past the deadline is not slept: the error comes at once."""
    guard = _guard()

    async def attempt(limit: float) -> str:
        raise LLMRateLimitError("429", retry_after=10.0)

    started = time.monotonic()
    with pytest.raises(LLMRateLimitError):
        await guard.call(attempt, deadline=time.monotonic() + 1.0)
    assert time.monotonic() - started < 0.5
    assert guard.calls == 1


async def test_a_slow_call_is_cut_at_the_deadline() -> None:
    """A call that never answers is cancelled at the deadline as a timeout."""
    guard = _guard(max_attempts=1)
    never = asyncio.Event()

    async def attempt(limit: float) -> str:
        await never.wait()
        return "late"

    with pytest.raises(LLMTimeoutError):
        await guard.call(attempt, deadline=time.monotonic() + 0.3)


async def test_waiting_for_a_stream_is_bounded_and_a_prefetch_does_not_wait() -> None:
    """With the only stream busy, a caller waits at most its budget; a prefetch gives up at once."""
    guard = _guard(limit=1, max_attempts=1)
    release = asyncio.Event()
    entered = asyncio.Event()

    async def holder(limit: float) -> str:
        entered.set()
        await release.wait()
        return "held"

    async def quick(limit: float) -> str:
        return "quick"

    task = asyncio.create_task(guard.call(holder, deadline=time.monotonic() + 5))
    await entered.wait()
    with pytest.raises(LLMTimeoutError):
        await guard.call(quick, deadline=time.monotonic() + 5, wait_for_slot=False)
    with pytest.raises(LLMTimeoutError):
        await guard.call(quick, deadline=time.monotonic() + 0.4)
    release.set()
    assert await task == "held"
    assert await guard.call(quick, deadline=time.monotonic() + 1) == "quick"


async def test_breaker_opens_for_everyone_then_one_probe_closes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After N consecutive failures every caller is offline without a call; after the cool-down
    one probe goes through while the others stay offline, and its success closes the circuit."""
    from purgatory.domain import model

    clock = FakeClock()
    monkeypatch.setattr(model, "time", clock)
    guard = _guard(limit=4, max_attempts=1, breaker_failures=3, breaker_cooldown=30)

    async def failing(limit: float) -> str:
        raise LLMUnavailableError("529")

    for _ in range(3):
        with pytest.raises(LLMUnavailableError):
            await guard.call(failing, deadline=time.monotonic() + 1)
    assert await guard.state() == "opened"
    calls = guard.calls
    with pytest.raises(LLMCircuitOpenError):
        await guard.call(failing, deadline=time.monotonic() + 1)
    assert guard.calls == calls  # offline: the provider was not called

    clock.now += 31
    assert await guard.state() == "half-opened"
    probing = asyncio.Event()
    answer = asyncio.Event()

    async def probe(limit: float) -> str:
        probing.set()
        await answer.wait()
        return "back"

    async def other(limit: float) -> str:
        return "other"

    task = asyncio.create_task(guard.call(probe, deadline=time.monotonic() + 5))
    await probing.wait()
    with pytest.raises(LLMCircuitOpenError):  # one probe at a time
        await guard.call(other, deadline=time.monotonic() + 1)
    answer.set()
    assert await task == "back"
    assert await guard.state() == "closed"
    assert await guard.call(other, deadline=time.monotonic() + 1) == "other"


async def test_a_failed_probe_reopens_the_circuit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A probe that fails sends everyone offline for another cool-down."""
    from purgatory.domain import model

    clock = FakeClock()
    monkeypatch.setattr(model, "time", clock)
    guard = _guard(max_attempts=1, breaker_failures=1, breaker_cooldown=10)

    async def failing(limit: float) -> str:
        raise LLMUnavailableError("500")

    with pytest.raises(LLMUnavailableError):
        await guard.call(failing, deadline=time.monotonic() + 1)
    clock.now += 11
    with pytest.raises(LLMUnavailableError):  # the probe itself
        await guard.call(failing, deadline=time.monotonic() + 1)
    with pytest.raises(LLMCircuitOpenError):
        await guard.call(failing, deadline=time.monotonic() + 1)


async def test_process_limiter_is_one_per_name() -> None:
    """Every writer of a process gets the same limiter for one provider account."""
    assert get_limiter("gigachat:x", 1) is get_limiter("gigachat:x", 1)
    assert get_limiter("gigachat:x", 1) is not get_limiter("openai:y", 4)


async def test_redis_limiter_is_shared_across_instances() -> None:
    """Two limiters on one Redis key (two processes) never hold more than the limit together."""
    from redis.asyncio import Redis

    name = f"test-{uuid.uuid4().hex[:8]}"
    first_client, second_client = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    first = RedisLimiter(name, 1, first_client)
    second = RedisLimiter(name, 1, second_client)
    try:
        async with first.slot(wait=1.0, hold=5.0):
            with pytest.raises(LLMTimeoutError):
                async with second.slot(wait=0.1, hold=5.0):
                    pass
        async with second.slot(wait=1.0, hold=5.0):
            assert second.in_use() == 1
    finally:
        await first_client.aclose()
        await second_client.aclose()


async def test_redis_lease_of_a_dead_holder_expires() -> None:
    """A holder that died without releasing (its lease expired) does not block the others."""
    from redis.asyncio import Redis

    name = f"test-{uuid.uuid4().hex[:8]}"
    client = Redis.from_url(REDIS_URL)
    limiter = RedisLimiter(name, 1, client)
    try:
        await client.zadd(f"gi:llm:{name}", {"dead-holder": time.time() - 1})  # lease over
        async with limiter.slot(wait=0.5, hold=5.0):
            assert limiter.in_use() == 1
    finally:
        await client.delete(f"gi:llm:{name}")
        await client.aclose()


async def test_redis_down_falls_back_to_the_process_limit() -> None:
    """An unreachable Redis: the call still runs under the in-process limit."""
    from redis.asyncio import Redis

    client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    limiter = RedisLimiter("down", 1, client)
    try:
        async with limiter.slot(wait=0.5, hold=5.0):
            assert limiter.in_use() == 1
    finally:
        await client.aclose()
