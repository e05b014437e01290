"""The embedded vector store: Qdrant's engine in-process (``qdrant-edge-py``).

Layout under ``path``::

    <path>/<collection>/            the Qdrant Edge shard (segments, WAL)
    <path>/<collection>.meta.json   {"model_id": ..., "dim": ..., "distance": "cosine"}

Every engine call runs under one lock in a worker thread (``asyncio.to_thread``), so the event
loop never blocks; a search on an open shard whose lock is free runs inline (~0.1 ms). One
process owns the directory: a second process gets a ``VectorStoreError`` saying so.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from grant_interviewer.adapters.vectorstore.common import (
    check_compatible,
    chunk_from_payload,
    payload_of,
)
from grant_interviewer.domain.model import KnowledgeChunk
from grant_interviewer.errors import CollectionMismatchError, VectorStoreError
from grant_interviewer.ports import ChunkRecord, CollectionInfo

if TYPE_CHECKING:
    from qdrant_edge import EdgeShard, Filter

logger = logging.getLogger(__name__)

T = TypeVar("T")
_SCROLL_PAGE = 1024
# The shard's search pool. With its default (one thread per CPU) a search is handed to a pool
# thread while the caller waits holding the interpreter lock: 65 us a search of 208 points,
# and far more when the cores are busy (no other Python thread runs meanwhile). With one
# thread the search runs in the caller: 23 us, the same CPU. A knowledge base of this size is
# one segment, so the pool had nothing to run in parallel anyway.
SEARCH_THREADS = 1


class QdrantEdgeStore:
    """A ``VectorStore`` on an embedded Qdrant Edge shard in a local directory."""

    def __init__(self, path: Path, collection: str) -> None:
        self._root = Path(path)
        self._collection = collection
        self._shard_dir = self._root / collection
        self._meta_path = self._root / f"{collection}.meta.json"
        self._shard: EdgeShard | None = None
        self._meta: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"QdrantEdgeStore({str(self._root)!r}, {self._collection!r})"

    @property
    def location(self) -> str:
        """Where the data lives (for status output)."""
        return str(self._shard_dir)

    async def _run(self, func: Callable[[], T], *, inline: bool = False) -> T:
        """``func`` under the lock in a worker thread; with ``inline``, right here when the
        shard is open and the lock free (a search of a few hundred points takes ~0.1 ms,
        less than handing it to a thread; an upsert or a first open never runs here)."""
        if inline and self._shard is not None and self._lock.acquire(blocking=False):
            try:
                return func()
            finally:
                self._lock.release()

        def locked() -> T:
            with self._lock:
                return func()

        return await asyncio.to_thread(locked)

    # --- opening ------------------------------------------------------------------------------

    def _read_meta(self) -> dict[str, Any] | None:
        if self._meta is None and self._meta_path.is_file():
            try:
                self._meta = json.loads(self._meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise VectorStoreError(f"cannot read {self._meta_path}: {exc}") from exc
        return self._meta

    def _write_meta(self, meta: dict[str, Any]) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        tmp = self._meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, self._meta_path)
        self._meta = meta

    def _exists(self) -> bool:
        return self._shard_dir.is_dir() and any(self._shard_dir.iterdir())

    def _open_locked(self, *, dim: int | None = None) -> EdgeShard | None:
        """Open (or, with ``dim``, create) the shard; None if absent and not creating."""
        if self._shard is not None:
            return self._shard
        from qdrant_edge import Distance, EdgeConfig, EdgeShard, EdgeVectorParams

        exists = self._exists()
        if not exists and dim is None:
            return None
        size = dim if dim is not None else (self._read_meta() or {}).get("dim")
        config = None if size is None else EdgeConfig(
            vectors=EdgeVectorParams(size=int(size), distance=Distance.Cosine),
            max_search_threads=SEARCH_THREADS)
        try:
            if exists:
                self._shard = EdgeShard.load(str(self._shard_dir), config)
            else:
                assert config is not None
                self._shard = EdgeShard.create(str(self._shard_dir), config)
        except Exception as exc:  # the engine raises bare Exception with a message
            raise _translate_open_error(exc, self._shard_dir) from exc
        return self._shard

    def _require_locked(self) -> EdgeShard:
        shard = self._open_locked()
        if shard is None:
            raise VectorStoreError(
                f"collection {self._collection!r} does not exist at {self._root}; "
                "call ensure_collection first")
        return shard

    # --- VectorStore ----------------------------------------------------------------------------

    async def ensure_collection(self, *, model_id: str, dim: int) -> None:
        """Create the shard and its metadata, or check both match ``model_id`` and ``dim``."""

        def work() -> None:
            meta = self._read_meta()
            if meta is not None and self._exists():
                check_compatible(meta, model_id=model_id, dim=dim,
                                 collection=self._collection, where=str(self._root))
                shard = self._open_locked()
                if shard is not None:
                    _ensure_indexes(shard)
                return
            shard = self._open_locked(dim=dim)
            assert shard is not None
            _ensure_indexes(shard)
            self._write_meta({"model_id": model_id, "dim": dim, "distance": "cosine"})
            logger.info("created embedded collection %s (%s, %d-d) at %s",
                        self._collection, model_id, dim, self._root)

        await self._run(work)

    async def upsert(self, records: Sequence[ChunkRecord]) -> int:
        """Insert or replace records by id; returns how many were written."""
        if not records:
            return 0
        from qdrant_edge import Point, UpdateOperation

        points = [Point(record.id, list(record.vector), payload_of(record)) for record in records]

        def work() -> int:
            shard = self._require_locked()
            try:
                shard.update(UpdateOperation.upsert_points(points))
                shard.flush()
            except Exception as exc:
                raise VectorStoreError(f"embedded Qdrant upsert failed: {exc}") from exc
            return len(points)

        return await self._run(work)

    async def stored_sources(self) -> dict[str, str]:
        """Content hash → source of every stored chunk (empty when there is no collection)."""
        from qdrant_edge import ScrollRequest

        def work() -> dict[str, str]:
            shard = self._open_locked()
            found: dict[str, str] = {}
            if shard is None:
                return found
            offset: Any = None
            while True:
                try:
                    records, offset = shard.scroll(ScrollRequest(
                        offset=offset, limit=_SCROLL_PAGE,
                        with_payload=["content_hash", "source"], with_vector=False))
                except Exception as exc:
                    raise VectorStoreError(f"embedded Qdrant scroll failed: {exc}") from exc
                for record in records:
                    payload = record.payload or {}
                    if payload.get("content_hash"):
                        found[str(payload["content_hash"])] = str(payload.get("source", ""))
                if offset is None or not records:
                    return found

        return await self._run(work)

    async def delete(self, ids: Sequence[str]) -> int:
        """Remove points by id (unknown ids are ignored)."""
        if not ids:
            return 0
        from qdrant_edge import UpdateOperation

        def work() -> int:
            shard = self._require_locked()
            try:
                shard.update(UpdateOperation.delete_points(list(ids)))
                shard.flush()
            except Exception as exc:
                raise VectorStoreError(f"embedded Qdrant delete failed: {exc}") from exc
            return len(ids)

        return await self._run(work)

    async def search(self, vector: Sequence[float], *, top_k: int, lang: str | None = None,
                     reference_point: str | None = None,
                     score_threshold: float | None = None) -> list[KnowledgeChunk]:
        """Nearest chunks by cosine similarity, best first, filtered by payload."""
        from qdrant_edge import Query, SearchRequest

        request = SearchRequest(query=Query.Nearest(list(vector)), limit=top_k,
                                filter=_filter(lang, reference_point), with_payload=True,
                                with_vector=False, score_threshold=score_threshold)

        def work() -> list[KnowledgeChunk]:
            shard = self._open_locked()
            if shard is None:
                return []
            try:
                hits = shard.search(request)
            except Exception as exc:
                raise VectorStoreError(f"embedded Qdrant search failed: {exc}") from exc
            return [chunk_from_payload(str(hit.id), hit.payload or {}, hit.score)
                    for hit in hits]

        return await self._run(work, inline=True)

    async def info(self) -> CollectionInfo | None:
        """Name, point count, model and size, or None before ``ensure_collection``."""

        def work() -> CollectionInfo | None:
            meta = self._read_meta()
            shard = self._open_locked()
            if shard is None or meta is None:
                return None
            try:
                count = shard.info().points_count
            except Exception as exc:
                raise VectorStoreError(f"embedded Qdrant info failed: {exc}") from exc
            return CollectionInfo(name=self._collection, count=count,
                                  model_id=str(meta.get("model_id", "")),
                                  dim=int(meta.get("dim", 0)),
                                  extra={"engine": "qdrant-edge", "path": str(self._shard_dir)})

        return await self._run(work)

    async def drop(self) -> None:
        """Delete the collection's shard and metadata (``kb ingest --rebuild``)."""

        def work() -> None:
            self._close_locked()
            shutil.rmtree(self._shard_dir, ignore_errors=True)
            self._meta_path.unlink(missing_ok=True)
            self._meta = None

        await self._run(work)

    async def close(self) -> None:
        """Flush and release the shard (and its directory lock); safe to call twice."""
        await self._run(self._close_locked)

    def _close_locked(self) -> None:
        shard, self._shard = self._shard, None
        if shard is None:
            return
        try:
            shard.flush()
            shard.close()
        except Exception as exc:  # closing must not mask the caller's own error
            logger.warning("closing embedded Qdrant at %s failed: %s", self._shard_dir, exc)


_INDEXED_FIELDS = ("lang", "reference_points")


def _ensure_indexes(shard: EdgeShard) -> None:
    """Keyword indexes on the filtered payload fields (filtered search stays fast at 20k+)."""
    from qdrant_edge import PayloadSchemaType, UpdateOperation

    try:
        present = set(shard.info().payload_schema)
        for name in _INDEXED_FIELDS:
            if name not in present:
                shard.update(UpdateOperation.create_field_index(name, PayloadSchemaType.Keyword))
    except Exception as exc:
        raise VectorStoreError(f"embedded Qdrant: cannot create payload indexes: {exc}") from exc


def _filter(lang: str | None, reference_point: str | None) -> Filter | None:
    from qdrant_edge import FieldCondition, Filter, MatchValue

    must: list[Any] = []
    if lang:
        must.append(FieldCondition(key="lang", match=MatchValue(lang)))
    if reference_point:
        must.append(FieldCondition(key="reference_points", match=MatchValue(reference_point)))
    return Filter(must=must) if must else None


def _translate_open_error(exc: Exception, where: Path) -> VectorStoreError:
    text = str(exc)
    if "incompatible" in text.lower():
        return CollectionMismatchError(
            f"the embedded vector store at {where} was built with another vector size ({text}); "
            f"rebuild it with `grant-interviewer kb ingest --rebuild` or delete {where}")
    if "WouldBlock" in text or "lock" in text.lower():
        return VectorStoreError(
            f"the embedded vector store at {where} is in use by another process (one process "
            "owns it: stop the other bot/CLI, or set GRANT_INTERVIEWER_QDRANT_URL to share a "
            f"Qdrant server); engine said: {text}")
    return VectorStoreError(f"cannot open the embedded vector store at {where}: {text}")
