"""One contract, two vector stores: embedded Qdrant Edge and qdrant-client (in-process mode)."""

from __future__ import annotations

import math
import multiprocessing
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from grant_interviewer.adapters.vectorstore.edge import QdrantEdgeStore
from grant_interviewer.adapters.vectorstore.server import QdrantServerStore
from grant_interviewer.errors import CollectionMismatchError, VectorStoreError
from grant_interviewer.ports import ChunkRecord, VectorStore

DIM = 4


def unit(*values: float) -> list[float]:
    """An L2-normalised vector."""
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


def record(n: int, vector: list[float], *, lang: str = "ru",
           rps: tuple[str, ...] = ("problem",)) -> ChunkRecord:
    """A chunk record with a deterministic UUID id and hash."""
    digest = f"{n:064x}"
    return ChunkRecord(id=f"00000000-0000-0000-0000-{n:012x}", vector=vector,
                       text=f"text {n}", source="test.md", heading=f"H{n}", lang=lang,
                       reference_points=rps, content_hash=digest)


RECORDS = [
    record(1, unit(1, 0, 0, 0), rps=("problem", "target_audience")),
    record(2, unit(0.9, 0.1, 0, 0), rps=("budget_total",)),
    record(3, unit(0.5, 0.5, 0, 0), rps=("problem",)),
    record(4, unit(1, 0, 0, 0), lang="en", rps=("problem",)),
    record(5, unit(0, 0, 1, 0), rps=("co_funding",)),
]


@pytest.fixture(params=["edge", "server"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[VectorStore]:
    """Each contract test runs against both implementations."""
    if request.param == "edge":
        edge = QdrantEdgeStore(tmp_path / "qdrant", "contract")
        yield edge
        await edge.close()
    else:
        from qdrant_client import AsyncQdrantClient

        client = AsyncQdrantClient(location=":memory:")
        server = QdrantServerStore(":memory:", None, "contract", client=client)
        yield server
        await server.close()
        await client.close()


async def test_info_is_none_before_creation(store: VectorStore) -> None:
    """A store without a collection reports None, no hashes and no hits."""
    assert await store.info() is None
    assert await store.stored_sources() == {}
    assert await store.search(unit(1, 0, 0, 0), top_k=3) == []


async def test_ensure_collection_creates_then_verifies(store: VectorStore) -> None:
    """ensure_collection creates once, accepts the same model again, refuses another."""
    await store.ensure_collection(model_id="m:a", dim=DIM)
    await store.ensure_collection(model_id="m:a", dim=DIM)
    info = await store.info()
    assert info is not None
    assert (info.name, info.count, info.model_id, info.dim) == ("contract", 0, "m:a", DIM)
    with pytest.raises(CollectionMismatchError) as model_error:
        await store.ensure_collection(model_id="m:b", dim=DIM)
    assert "m:a" in str(model_error.value) and "m:b" in str(model_error.value)
    assert "grant-interviewer kb ingest --rebuild" in str(model_error.value)
    with pytest.raises(CollectionMismatchError, match="8-d"):
        await store.ensure_collection(model_id="m:a", dim=8)


async def test_upsert_is_idempotent_by_id(store: VectorStore) -> None:
    """Upserting the same ids twice keeps one point each; hashes are reported."""
    await store.ensure_collection(model_id="m:a", dim=DIM)
    assert await store.upsert(RECORDS) == len(RECORDS)
    assert await store.upsert(RECORDS[:2]) == 2
    assert await store.upsert([]) == 0
    info = await store.info()
    assert info is not None and info.count == len(RECORDS)
    assert await store.stored_sources() == {r.content_hash: r.source for r in RECORDS}


async def test_delete_removes_points_by_id(store: VectorStore) -> None:
    """delete() removes exactly the given points; unknown ids are ignored."""
    await store.ensure_collection(model_id="m:a", dim=DIM)
    await store.upsert(RECORDS)
    gone, kept = RECORDS[0], RECORDS[1:]
    assert await store.delete([]) == 0
    await store.delete([gone.id, "00000000-0000-0000-0000-000000000000"])
    assert await store.stored_sources() == {r.content_hash: r.source for r in kept}
    hits = await store.search(gone.vector, top_k=len(RECORDS))
    assert gone.id not in {hit.id for hit in hits}
    info = await store.info()
    assert info is not None and info.count == len(kept)


async def test_search_orders_and_filters(store: VectorStore) -> None:
    """Search returns best first, filtered by language, reference point and threshold."""
    await store.ensure_collection(model_id="m:a", dim=DIM)
    await store.upsert(RECORDS)
    query = unit(1, 0, 0, 0)
    hits = await store.search(query, top_k=3, lang="ru")
    assert [h.heading for h in hits] == ["H1", "H2", "H3"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert hits[0].reference_points == ("problem", "target_audience")
    assert (hits[0].text, hits[0].source, hits[0].lang) == ("text 1", "test.md", "ru")
    only_problem = await store.search(query, top_k=5, lang="ru", reference_point="problem")
    assert [h.heading for h in only_problem] == ["H1", "H3"]
    english = await store.search(query, top_k=5, lang="en")
    assert [h.heading for h in english] == ["H4"]
    close = await store.search(query, top_k=5, lang="ru", score_threshold=0.9)
    assert [h.heading for h in close] == ["H1", "H2"]
    assert await store.search(query, top_k=5, reference_point="nothing") == []
    assert len(await store.search(query, top_k=10)) == len(RECORDS)


async def test_close_is_idempotent(store: VectorStore) -> None:
    """close() may be called twice."""
    await store.ensure_collection(model_id="m:a", dim=DIM)
    await store.close()
    await store.close()


# --- embedded store only --------------------------------------------------------------------

async def test_edge_store_persists_across_reopen(tmp_path: Path) -> None:
    """Points, model id and size survive closing and reopening the directory."""
    first = QdrantEdgeStore(tmp_path / "q", "kb")
    await first.ensure_collection(model_id="m:a", dim=DIM)
    await first.upsert(RECORDS)
    await first.close()
    second = QdrantEdgeStore(tmp_path / "q", "kb")
    try:
        info = await second.info()
        assert info is not None and (info.count, info.model_id, info.dim) == (5, "m:a", DIM)
        await second.ensure_collection(model_id="m:a", dim=DIM)
        hits = await second.search(unit(0, 0, 1, 0), top_k=1)
        assert hits[0].reference_points == ("co_funding",)
        with pytest.raises(CollectionMismatchError):
            await second.ensure_collection(model_id="m:other", dim=DIM)
    finally:
        await second.close()


async def test_edge_store_drop_allows_a_rebuild(tmp_path: Path) -> None:
    """drop() removes the collection so another model can build it."""
    edge = QdrantEdgeStore(tmp_path / "q", "kb")
    await edge.ensure_collection(model_id="m:a", dim=DIM)
    await edge.upsert(RECORDS)
    await edge.drop()
    assert await edge.info() is None
    await edge.ensure_collection(model_id="m:b", dim=8)
    info = await edge.info()
    assert info is not None and (info.count, info.model_id, info.dim) == (0, "m:b", 8)
    await edge.close()


def _hold_store(path: str, ready: Any, release: Any) -> None:
    import asyncio

    async def main() -> None:
        edge = QdrantEdgeStore(Path(path), "kb")
        await edge.ensure_collection(model_id="m:a", dim=DIM)
        ready.set()
        await asyncio.to_thread(release.wait, 30)
        await edge.close()

    asyncio.run(main())


async def test_edge_store_refuses_a_second_process(tmp_path: Path) -> None:
    """While another process owns the directory, opening it raises a clear VectorStoreError."""
    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_store, args=(str(tmp_path / "q"), ready, release))
    holder.start()
    try:
        import asyncio

        assert await asyncio.to_thread(ready.wait, 60)
        edge = QdrantEdgeStore(tmp_path / "q", "kb")
        with pytest.raises(VectorStoreError, match="in use by another process"):
            await edge.info()
    finally:
        release.set()
        await asyncio.to_thread(holder.join, 30)
    assert holder.exitcode == 0


async def test_server_store_without_client_extra_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without qdrant-client installed, the server store fails with the pip hint."""
    from grant_interviewer.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "qdrant_client", None)
    server = QdrantServerStore("http://127.0.0.1:6333", None, "kb")
    with pytest.raises(MissingExtraError, match=r"grant-interviewer\[qdrant-server\]"):
        await server.info()
