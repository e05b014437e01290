"""The shared embedding model manager: single flight, no cancellation, retries, logs, status.

These tests drive the real manager through the ``fake`` backend (deterministic vectors, a
counting loader with an injectable gate / failures), so they need no model.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from grant_interviewer.adapters.embeddings.fake_backend import clear_fakes, configure_fake
from grant_interviewer.adapters.embeddings.manager import (
    ModelManager,
    ModelSpec,
    ModelState,
    get_manager,
    reset_managers,
)
from grant_interviewer.errors import EmbeddingError
from grant_interviewer.ports import Embedder

LOGGER = "grant_interviewer.adapters.embeddings.manager"


@pytest.fixture(autouse=True)
def fresh_managers() -> Iterator[None]:
    """Every test starts with no managers and no fake configurations."""
    reset_managers()
    clear_fakes()
    yield
    reset_managers()
    clear_fakes()


def next_load(config_queue: object, timeout: float = 10.0) -> int:
    """Block (in a thread) until the fake backend reports its next load attempt."""
    import queue

    assert isinstance(config_queue, queue.Queue)
    return int(config_queue.get(timeout=timeout))


def test_same_manager_for_same_key_from_any_thread() -> None:
    """get_manager returns one object per key, whichever thread asks."""
    spec = ModelSpec(backend="fake", model="shared")
    found: list[ModelManager] = []
    threads = [threading.Thread(target=lambda: found.append(get_manager(spec))) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(m) for m in found}) == 1
    assert get_manager(ModelSpec(backend="fake", model="shared")) is found[0]
    assert get_manager(ModelSpec(backend="fake", model="other")) is not found[0]
    process_spec = ModelSpec(backend="fake", model="shared", isolation="process")
    assert get_manager(process_spec) is not found[0]


def test_spec_repr_never_shows_the_api_key() -> None:
    """The API key is excluded from repr, equality and the log label."""
    spec = ModelSpec(backend="openai", model="m", url="http://user:pw@h:1/x", api_key="sk-secret")
    assert "sk-secret" not in repr(spec)
    assert "pw" not in spec.label and "sk-secret" not in spec.label
    assert spec == ModelSpec(backend="openai", model="m", url="http://user:pw@h:1/x")


async def test_thousand_concurrent_callers_cause_exactly_one_load() -> None:
    """1,000 concurrent ensure_ready calls share one load and all get True."""
    gate = threading.Event()
    config = configure_fake("counting", gate=gate)
    manager = get_manager(ModelSpec(backend="fake", model="counting"))
    tasks = [asyncio.create_task(manager.ensure_ready(30)) for _ in range(1000)]
    await asyncio.sleep(0)  # let every caller register while the load is held at the gate
    assert manager.state is ModelState.LOADING
    gate.set()
    assert all(await asyncio.gather(*tasks))
    assert config.loads == 1
    assert manager.status()["attempts"] == 1


async def test_timeout_does_not_cancel_the_shared_load() -> None:
    """A timed-out ensure_ready(0.01) leaves the load running; the next call gets the model."""
    gate = threading.Event()
    config = configure_fake("slow", gate=gate)
    manager = get_manager(ModelSpec(backend="fake", model="slow"))
    assert await manager.ensure_ready(0.01) is False
    assert manager.state is ModelState.LOADING
    gate.set()
    assert await manager.ensure_ready(10) is True
    assert manager.embedder is not None
    assert config.loads == 1


async def test_cancelled_waiter_does_not_cancel_the_shared_load() -> None:
    """Cancelling a coroutine that awaits ensure_ready leaves the load running."""
    gate = threading.Event()
    config = configure_fake("cancel", gate=gate)
    manager = get_manager(ModelSpec(backend="fake", model="cancel"))
    waiter = asyncio.create_task(manager.ensure_ready(30))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert manager.state is ModelState.LOADING
    gate.set()
    assert await manager.ensure_ready(10) is True
    assert config.loads == 1


async def test_failed_load_is_retried_automatically_until_ready() -> None:
    """Two failures are retried on their own (no caller waiting) and the model gets ready."""
    config = configure_fake("flaky", failures=2)
    manager = get_manager(ModelSpec(backend="fake", model="flaky"), retry_base=0.01)
    manager.start_loading()
    attempts = [await asyncio.to_thread(next_load, config.load_calls) for _ in range(3)]
    assert attempts == [1, 2, 3]
    assert await manager.ensure_ready(10) is True
    status = manager.status()
    assert status["attempts"] == 3
    assert "fake load failure 2 of 2" in str(status["last_error"])


async def test_ensure_ready_waits_through_a_retry_within_its_budget() -> None:
    """A caller whose budget covers the next retry gets the model after a failure."""
    config = configure_fake("once", failures=1)
    manager = get_manager(ModelSpec(backend="fake", model="once"), retry_base=0.01)
    assert await manager.ensure_ready(10) is True
    assert config.loads == 2


async def test_failure_with_distant_retry_returns_false_at_once() -> None:
    """After a failure whose retry is beyond the budget, ensure_ready degrades immediately."""
    configure_fake("broken", failures=100)
    manager = get_manager(ModelSpec(backend="fake", model="broken"), retry_base=30)
    assert await manager.ensure_ready(5) is False
    assert manager.state is ModelState.FAILED
    status = manager.status()
    assert status["next_retry_at"] is not None
    assert await manager.ensure_ready(5) is False  # the backoff has not elapsed: no new attempt
    assert manager.status()["attempts"] == 1


async def test_retry_after_backoff_is_triggered_by_the_next_caller() -> None:
    """Once the backoff has elapsed, start_loading starts the retry itself (no timer needed)."""
    config = configure_fake("caller", failures=1)
    manager = get_manager(ModelSpec(backend="fake", model="caller"), retry_base=30)
    assert await manager.ensure_ready(5) is False
    manager._next_retry_mono = 0.0  # pretend the 30 s backoff has elapsed
    manager.start_loading()
    assert await manager.ensure_ready(10) is True
    assert config.loads == 2


async def test_backoff_doubles_and_is_capped(caplog: pytest.LogCaptureFixture) -> None:
    """Retry delays go base, 2·base, … and never exceed the cap."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    configure_fake("backoff", failures=4)
    manager = get_manager(ModelSpec(backend="fake", model="backoff"), retry_base=0.01,
                          retry_cap=0.02)
    assert await manager.ensure_ready(10) is True
    delays = [r.getMessage().split("retry scheduled in ")[1].split(" s")[0]
              for r in caplog.records if "retry scheduled" in r.getMessage()]
    assert delays == ["0.010", "0.020", "0.020", "0.020"]


async def test_missing_backend_fails_once_with_pip_hint(caplog: pytest.LogCaptureFixture) -> None:
    """A backend that is not installed is FAILED, warned about once, and never retried."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    config = configure_fake("absent", missing=True)
    manager = get_manager(ModelSpec(backend="fake", model="absent"), retry_base=0.01)
    assert await manager.ensure_ready(5) is False
    assert await manager.ensure_ready(5) is False
    manager.start_loading()
    assert manager.state is ModelState.FAILED
    assert config.loads == 1
    assert manager.status()["next_retry_at"] is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "pip install 'grant-interviewer[fake]'" in warnings[0].getMessage()


async def test_every_stage_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Lazy start, loading, timeout with its budget, failure, retry and success are logged."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    gate = threading.Event()
    configure_fake("logged", failures=1, gate=gate)
    manager = get_manager(ModelSpec(backend="fake", model="logged"), retry_base=0.01)
    assert await manager.ensure_ready(0.02) is False
    gate.set()
    assert await manager.ensure_ready(10) is True
    text = "\n".join(r.getMessage() for r in caplog.records)
    for expected in ("lazy start", "loading (attempt 1", "not ready within the 0.020 s budget",
                     "load failed after", "fake load failure 1 of 1", "retry scheduled in 0.010",
                     "loading (attempt 2", "ready in"):
        assert expected in text, expected


async def test_encoding_never_runs_on_the_event_loop_thread() -> None:
    """The embedder satisfies ports.Embedder and encodes in another thread."""
    config = configure_fake("threads", dim=8)
    manager = get_manager(ModelSpec(backend="fake", model="threads"))
    assert manager.embedder is None
    assert await manager.ensure_ready(10)
    embedder = manager.embedder
    assert isinstance(embedder, Embedder)
    assert embedder.model_id == "fake:threads" and embedder.dim == 8
    first = await embedder.embed_queries(["привет", "hello"])
    again = await embedder.embed_passages(["привет"])
    assert first[0] == again[0] and len(first) == 2 and len(first[0]) == 8
    assert abs(sum(x * x for x in first[1]) - 1.0) < 1e-9
    assert threading.get_ident() not in config.encode_threads


def test_start_loading_works_before_any_event_loop_exists() -> None:
    """CLI code can call start_loading before asyncio.run; the load still happens once."""
    config = configure_fake("cli")
    manager = get_manager(ModelSpec(backend="fake", model="cli"))
    manager.start_loading()
    manager.start_loading()
    assert next_load(config.load_calls) == 1
    assert asyncio.run(manager.ensure_ready(10)) is True
    assert config.loads == 1


def test_start_loading_from_many_threads_loads_once() -> None:
    """Concurrent start_loading from plain threads starts one load."""
    gate = threading.Event()
    config = configure_fake("threaded", gate=gate)
    manager = get_manager(ModelSpec(backend="fake", model="threaded"))
    threads = [threading.Thread(target=manager.start_loading) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gate.set()
    assert asyncio.run(manager.ensure_ready(10)) is True
    assert config.loads == 1


async def test_status_is_json_friendly_and_complete() -> None:
    """status() has the documented keys, serialises to JSON and reports the ready model."""
    configure_fake("status", dim=4)
    manager = get_manager(ModelSpec(backend="fake", model="status"))
    assert manager.status()["state"] == "not_loaded"
    assert await manager.ensure_ready(10)
    status = manager.status()
    assert set(status) == {"backend", "model", "state", "started_at", "ready_at",
                           "load_seconds", "attempts", "last_error", "next_retry_at", "dim",
                           "batching"}
    assert status["state"] == "ready" and status["dim"] == 4 and status["model"] == "fake:status"
    json.dumps(status)


async def test_aclose_stops_and_a_later_call_reloads() -> None:
    """aclose forgets the model and cancels retries; ensure_ready afterwards loads again."""
    config = configure_fake("closing")
    manager = get_manager(ModelSpec(backend="fake", model="closing"))
    assert await manager.ensure_ready(10)
    embedder = manager.embedder
    assert embedder is not None
    await manager.aclose()
    assert manager.state is ModelState.NOT_LOADED and manager.embedder is None
    with pytest.raises(EmbeddingError):
        await embedder.embed_queries(["x"])
    assert await manager.ensure_ready(10)
    assert config.loads == 2


async def test_aclose_during_load_discards_the_late_result() -> None:
    """A load that finishes after aclose does not resurrect the model; waiters get False."""
    gate = threading.Event()
    configure_fake("late", gate=gate)
    manager = get_manager(ModelSpec(backend="fake", model="late"))
    waiter = asyncio.create_task(manager.ensure_ready(30))
    await asyncio.sleep(0)
    await manager.aclose()
    assert await waiter is False
    gate.set()
    assert manager.state is ModelState.NOT_LOADED


async def test_worker_process_death_marks_failed_and_reloads() -> None:
    """When the worker process dies the model is FAILED, callers get EmbeddingError, and a
    retry starts a new worker."""
    import os
    import signal

    from grant_interviewer.adapters.embeddings.worker_client import WorkerEmbedder

    manager = get_manager(ModelSpec(backend="fake", model="proc", isolation="process"),
                          retry_base=0.01)
    assert await manager.ensure_ready(30)
    old = manager.embedder
    assert isinstance(old, WorkerEmbedder)
    assert old.model_id == "fake:proc" and old.dim == 32
    vectors = await old.embed_queries(["один", "два"])
    from grant_interviewer.adapters.embeddings.fake_backend import fake_vector

    assert vectors[0] == pytest.approx(fake_vector("один", 32), abs=1e-6)
    os.kill(old.pid, signal.SIGKILL)
    assert await asyncio.to_thread(old.exited.wait, 10)
    assert manager.state in (ModelState.FAILED, ModelState.LOADING)
    with pytest.raises(EmbeddingError):
        await old.embed_queries(["три"])
    assert await manager.ensure_ready(30)
    new = manager.embedder
    assert isinstance(new, WorkerEmbedder) and new.pid != old.pid
    assert len(await new.embed_passages(["три"])) == 1
    assert "exited" in str(manager.status()["last_error"])
    await manager.aclose()


def test_worker_module_usage_message() -> None:
    """The worker entry point explains its usage when called without a spec."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "grant_interviewer.adapters.embeddings.worker"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "usage" in result.stderr


async def test_stuck_worker_is_killed_and_the_model_reloaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that does not answer in time fails the request, is killed and reloaded."""
    from grant_interviewer.adapters.embeddings import worker_client

    monkeypatch.setattr(worker_client, "REQUEST_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(worker_client, "REQUEST_SECONDS_PER_TEXT", 0.0)
    manager = get_manager(ModelSpec(backend="fake", model="stuck?dim=4&encode_delay=30",
                                    isolation="process"), retry_base=0.01)
    assert await manager.ensure_ready(30)
    old = manager.embedder
    assert isinstance(old, worker_client.WorkerEmbedder) and old.dim == 4
    with pytest.raises(EmbeddingError, match="did not answer"):
        await old.embed_queries(["x"])
    assert await asyncio.to_thread(old.exited.wait, 10)
    assert await manager.ensure_ready(30)
    new = manager.embedder
    assert isinstance(new, worker_client.WorkerEmbedder) and new.pid != old.pid
    await manager.aclose()
