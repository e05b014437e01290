"""The remote vector store: a Qdrant server through ``qdrant_client.AsyncQdrantClient``.

Needs the optional extra ``pip install 'grant-interviewer[qdrant-server]'``. The model id and
vector size live in the collection's ``metadata``. Use this store when several processes (bot
replicas, the web app, the CLI) must share one knowledge base: the embedded store is owned by
one process.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

from grant_interviewer.adapters.vectorstore.common import (
    check_compatible,
    chunk_from_payload,
    payload_of,
)
from grant_interviewer.domain.model import KnowledgeChunk
from grant_interviewer.errors import (
    CollectionMismatchError,
    MissingExtraError,
    VectorStoreError,
)
from grant_interviewer.ports import ChunkRecord, CollectionInfo

logger = logging.getLogger(__name__)

_SCROLL_PAGE = 1024


def _models() -> Any:
    try:
        from qdrant_client import models
    except ImportError as exc:
        raise MissingExtraError("qdrant-client", "qdrant-server") from exc
    return models


class QdrantServerStore:
    """A ``VectorStore`` on a Qdrant server (or any ``AsyncQdrantClient`` passed as ``client``)."""

    def __init__(self, url: str, api_key: str | None, collection: str, *,
                 client: Any | None = None) -> None:
        self._url = url
        self._api_key = api_key
        self._collection = collection
        self._client: Any | None = client
        self._owns_client = client is None
        self._meta: dict[str, Any] | None = None

    def __repr__(self) -> str:  # never shows the API key
        return f"QdrantServerStore({self._url!r}, collection={self._collection!r})"

    @property
    def location(self) -> str:
        """Where the data lives (for status output)."""
        return self._url

    def _get_client(self) -> Any:
        if self._client is None:
            try:
                from qdrant_client import AsyncQdrantClient
            except ImportError as exc:
                raise MissingExtraError("qdrant-client", "qdrant-server") from exc
            self._client = AsyncQdrantClient(url=self._url, api_key=self._api_key)
        return self._client

    async def _collection_meta(self) -> tuple[dict[str, Any], int] | None:
        """``(metadata, points_count)`` of the collection, or None if it does not exist."""
        client = self._get_client()
        try:
            if not await client.collection_exists(self._collection):
                return None
            described = await client.get_collection(self._collection)
        except Exception as exc:
            raise VectorStoreError(f"Qdrant at {self._url}: {exc}") from exc
        meta = dict(described.config.metadata or {})
        vectors = described.config.params.vectors
        if "dim" not in meta and vectors is not None and hasattr(vectors, "size"):
            meta["dim"] = vectors.size
        return meta, int(described.points_count or 0)

    async def ensure_collection(self, *, model_id: str, dim: int) -> None:
        """Create the collection (cosine, metadata) or check it matches model and size."""
        models = _models()
        found = await self._collection_meta()
        if found is not None:
            check_compatible(found[0], model_id=model_id, dim=dim, collection=self._collection,
                             where=self._url)
            self._meta = found[0]
            return
        client = self._get_client()
        meta = {"model_id": model_id, "dim": dim, "distance": "cosine"}
        try:
            await client.create_collection(
                self._collection,
                vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE),
                metadata=meta)
            with warnings.catch_warnings():  # local mode warns that indexes have no effect
                warnings.simplefilter("ignore")
                for field in ("lang", "reference_points", "content_hash"):
                    await client.create_payload_index(
                        self._collection, field, field_schema=models.PayloadSchemaType.KEYWORD)
        except CollectionMismatchError:
            raise
        except Exception as exc:
            raise VectorStoreError(f"Qdrant at {self._url}: cannot create collection "
                                   f"{self._collection!r}: {exc}") from exc
        self._meta = meta
        logger.info("created Qdrant collection %s (%s, %d-d) at %s", self._collection,
                    model_id, dim, self._url)

    async def upsert(self, records: Sequence[ChunkRecord]) -> int:
        """Insert or replace records by id; returns how many were written."""
        if not records:
            return 0
        models = _models()
        points = [models.PointStruct(id=r.id, vector=list(r.vector), payload=payload_of(r))
                  for r in records]
        try:
            await self._get_client().upsert(self._collection, points=points, wait=True)
        except Exception as exc:
            raise VectorStoreError(f"Qdrant at {self._url}: upsert failed: {exc}") from exc
        return len(points)

    async def stored_sources(self) -> dict[str, str]:
        """Content hash → source of every stored chunk (empty when there is no collection)."""
        if await self._collection_meta() is None:
            return {}
        found: dict[str, str] = {}
        offset: Any = None
        client = self._get_client()
        while True:
            try:
                records, offset = await client.scroll(
                    self._collection, limit=_SCROLL_PAGE, offset=offset,
                    with_payload=["content_hash", "source"], with_vectors=False)
            except Exception as exc:
                raise VectorStoreError(f"Qdrant at {self._url}: scroll failed: {exc}") from exc
            found.update((str(r.payload["content_hash"]), str(r.payload.get("source", "")))
                         for r in records if r.payload and r.payload.get("content_hash"))
            if offset is None or not records:
                return found

    async def delete(self, ids: Sequence[str]) -> int:
        """Remove points by id (unknown ids are ignored)."""
        if not ids:
            return 0
        models = _models()
        try:
            await self._get_client().delete(
                self._collection, points_selector=models.PointIdsList(points=list(ids)),
                wait=True)
        except Exception as exc:
            raise VectorStoreError(f"Qdrant at {self._url}: delete failed: {exc}") from exc
        return len(ids)

    async def search(self, vector: Sequence[float], *, top_k: int, lang: str | None = None,
                     reference_point: str | None = None,
                     score_threshold: float | None = None) -> list[KnowledgeChunk]:
        """Nearest chunks by cosine similarity, best first, filtered by payload."""
        models = _models()
        must = []
        if lang:
            must.append(models.FieldCondition(key="lang", match=models.MatchValue(value=lang)))
        if reference_point:
            must.append(models.FieldCondition(key="reference_points",
                                              match=models.MatchValue(value=reference_point)))
        try:
            response = await self._get_client().query_points(
                self._collection, query=list(vector), limit=top_k,
                query_filter=models.Filter(must=must) if must else None,
                with_payload=True, score_threshold=score_threshold)
        except Exception as exc:
            if "not found" in str(exc).lower():
                return []
            raise VectorStoreError(f"Qdrant at {self._url}: search failed: {exc}") from exc
        return [chunk_from_payload(str(p.id), p.payload or {}, p.score) for p in response.points]

    async def info(self) -> CollectionInfo | None:
        """Name, point count, model and size, or None if the collection does not exist."""
        found = await self._collection_meta()
        if found is None:
            return None
        meta, count = found
        return CollectionInfo(name=self._collection, count=count,
                              model_id=str(meta.get("model_id", "")),
                              dim=int(meta.get("dim", 0) or 0),
                              extra={"engine": "qdrant-server", "url": self._url})

    async def drop(self) -> None:
        """Delete the collection (``kb ingest --rebuild``)."""
        try:
            await self._get_client().delete_collection(self._collection)
        except Exception as exc:
            raise VectorStoreError(f"Qdrant at {self._url}: cannot delete "
                                   f"{self._collection!r}: {exc}") from exc
        self._meta = None

    async def close(self) -> None:
        """Close the client if this store created it; safe to call twice."""
        if not self._owns_client:
            return  # the caller's client: the caller closes it
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception as exc:
                logger.warning("closing the Qdrant client failed: %s", exc)
