"""Helpers shared by the vector stores: payload layout and the model/dimension check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grant_interviewer.domain.model import KnowledgeChunk
from grant_interviewer.errors import CollectionMismatchError
from grant_interviewer.ports import ChunkRecord

REBUILD_HINT = "grant-interviewer kb ingest --rebuild"


def payload_of(record: ChunkRecord) -> dict[str, Any]:
    """The stored payload of a chunk (the vector is stored separately)."""
    return {
        "text": record.text,
        "source": record.source,
        "heading": record.heading,
        "lang": record.lang,
        "reference_points": list(record.reference_points),
        "content_hash": record.content_hash,
    }


def chunk_from_payload(point_id: str, payload: Mapping[str, Any], score: float) -> KnowledgeChunk:
    """Rebuild a ``KnowledgeChunk`` from a stored payload and its similarity score."""
    rps = payload.get("reference_points") or ()
    return KnowledgeChunk(
        id=point_id,
        text=str(payload.get("text", "")),
        source=str(payload.get("source", "")),
        heading=str(payload.get("heading", "")),
        lang=str(payload.get("lang", "")),
        reference_points=tuple(str(rp) for rp in rps),
        score=float(score),
    )


def check_compatible(meta: Mapping[str, Any], *, model_id: str, dim: int, collection: str,
                     where: str) -> None:
    """Raise ``CollectionMismatchError`` (with the fix) unless ``meta`` matches model and dim."""
    stored_model = str(meta.get("model_id", ""))
    stored_dim = int(meta.get("dim", 0) or 0)
    if stored_model == model_id and stored_dim == dim:
        return
    raise CollectionMismatchError(
        f"vector collection {collection!r} at {where} was built with {stored_model or '?'} "
        f"({stored_dim}-d vectors) but the configured embedding model is {model_id} "
        f"({dim}-d). Rebuild it with `{REBUILD_HINT}` (or delete the collection / the "
        "directory), or configure the model it was built with.")
