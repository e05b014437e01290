"""The NLP models, loaded once per process in a background thread, shared by every interview.

``pymorphy3``'s dictionaries take ~0.9 s to load (measured here), so they never load on a turn:
:func:`get_resources` starts the load, :meth:`NlpResources.wait` waits a bounded time, and until
the morphology is ready the analyzer works from word forms alone (see ``lexicon.Lexicon``).
A failed load is logged and retried after a back-off on the next ``start()``.

natasha's NER was measured too (import 1.6 s + models 4.8 s cold, ~650 ms for its first call,
30–90 ms per answer on 2 cores): pymorphy3's ``Geox``/``Name``/``Surn``/``Patr`` tags and the
gazetteer give the places and names the form needs at a fraction of that, so it is not loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30.0


class NlpResources:
    """The process's morphology analyzer, loading in the background."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._morph: Any = None
        self._failed_at: float | None = None
        self.last_error: str | None = None
        self.load_seconds: float | None = None

    @property
    def morph(self) -> Any:
        """The ``pymorphy3.MorphAnalyzer``, or None while it is loading or after a failure."""
        return self._morph

    def start(self) -> None:
        """Begin loading (instant, idempotent; a failed load is retried after a back-off)."""
        with self._lock:
            if self._ready.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            if self._failed_at is not None and time.monotonic() - self._failed_at < (
                RETRY_AFTER_SECONDS
            ):
                return
            self._thread = threading.Thread(target=self._load, name="nlp-loader", daemon=True)
            self._thread.start()

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for the models (call from a worker thread)."""
        self.start()
        return self._ready.wait(timeout)

    def status(self) -> dict[str, object]:
        """Readiness for /status and health checks."""
        return {
            "morphology": "ready" if self._ready.is_set() else (
                "failed" if self.last_error else "loading"),
            "load_seconds": self.load_seconds,
            "last_error": self.last_error,
        }

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            import pymorphy3

            morph = pymorphy3.MorphAnalyzer()
        except Exception as exc:  # a broken install must not break interviews
            with self._lock:
                self._failed_at = time.monotonic()
                self.last_error = f"{type(exc).__name__}: {exc}"
            logger.warning("morphology failed to load (%s); answers are read from word forms",
                           self.last_error)
            return
        try:  # index the gazetteer here too (~1-2 s of lemmatising), not on the first answer
            from grant_interviewer.adapters.nlp.lexicon import Lexicon
            from grant_interviewer.adapters.nlp.places import load_gazetteer
            from grant_interviewer.domain import names

            load_gazetteer(Lexicon(morph))
            names.use_analyzer(morph)  # the question writer's name forms share this one
        except Exception:  # the analyzer retries on first use
            logger.exception("gazetteer indexing failed")
        try:  # the question writer's direction patterns (~50 ms to compile): not on a turn
            from grant_interviewer.domain.directions import prepare

            prepare()
        except Exception:  # compiled on first use instead
            logger.exception("direction patterns failed to compile")
        with self._lock:
            self._morph = morph
            self.load_seconds = round(time.perf_counter() - started, 3)
            self.last_error = None
            self._failed_at = None
            self._ready.set()
        logger.info("morphology loaded in %.2f s", self.load_seconds)


_RESOURCES: NlpResources | None = None
_RESOURCES_LOCK = threading.Lock()


def get_resources() -> NlpResources:
    """The process-wide resources (created on first use; loading starts with ``start()``)."""
    global _RESOURCES
    with _RESOURCES_LOCK:
        if _RESOURCES is None:
            _RESOURCES = NlpResources()
        return _RESOURCES
