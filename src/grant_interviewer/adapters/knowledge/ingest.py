"""Ingesting knowledge files into a vector store, idempotently by content hash.

Every chunk's point id is a UUID made of its content hash, so re-ingesting an unchanged file
writes nothing, and an edited section replaces only its own chunks. The knowledge base shipped
inside the package (``content/kb/{ru,en}/*.md``) is ingested automatically on first use
(:func:`ensure_shipped_kb`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from grant_interviewer.adapters.knowledge import precomputed
from grant_interviewer.adapters.knowledge.chunking import (
    Chunk,
    chunk_markdown,
    point_id_for,
    split_front_matter,
)
from grant_interviewer.errors import ContentError
from grant_interviewer.ports import ChunkRecord, Embedder, VectorStore

logger = logging.getLogger(__name__)

SUFFIXES = (".md", ".markdown", ".txt")
BATCH_SIZE = 32
LANG_DIRS = ("ru", "en")
SHIPPED_PREFIX = "kb:"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did: ``total`` chunks seen, ``added`` written, ``skipped`` unchanged,
    ``removed`` stale chunks deleted (from an earlier version of the same sources)."""

    files: int
    total: int
    added: int
    skipped: int
    removed: int = 0


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories (recursively) into their .md/.txt files; keep files as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise ContentError(f"knowledge file not found: {path}")
    return list(dict.fromkeys(found))


def _lang_from_path(path: Path) -> str | None:
    for part in reversed(path.parent.parts):
        if part in LANG_DIRS:
            return part
    return None


def load_chunks(paths: Iterable[Path], *, lang: str | None = None) -> tuple[int, list[Chunk]]:
    """Read and chunk files; returns ``(number of files, chunks)``.

    The language is ``lang`` if given, else the file's front matter, else a ``ru``/``en``
    folder in its path, else a guess from the script.
    """
    files = collect_files(paths)
    chunks: list[Chunk] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ContentError(f"cannot read knowledge file {file}: {exc}") from exc
        chunks.extend(chunk_markdown(text, source=file.name,
                                     lang=lang or _front_or_folder_lang(text, file)))
    return len(files), chunks


def _front_or_folder_lang(text: str, file: Path) -> str | None:
    meta, _ = split_front_matter(text)
    return meta.get("lang") or _lang_from_path(file)


def _record(chunk: Chunk, vector: list[float]) -> ChunkRecord:
    return ChunkRecord(id=chunk.point_id, vector=vector, text=chunk.text, source=chunk.source,
                       heading=chunk.heading, lang=chunk.lang,
                       reference_points=chunk.reference_points, content_hash=chunk.content_hash)


async def ingest_chunks(chunks: Sequence[Chunk], *, embedder: Embedder, store: VectorStore,
                        progress: Progress | None = None, batch_size: int = BATCH_SIZE,
                        files: int = 0,
                        vectors: precomputed.Vectors | None = None,
                        owned_prefix: str | None = None) -> IngestReport:
    """Embed and upsert the chunks the store does not hold yet, in batches; drop stale ones.

    A stored chunk is stale when its source is one of the sources ingested now (or starts with
    ``owned_prefix``: every source under it is ingested now) and its text is no longer among
    the current chunks, i.e. an edited or removed section. ``vectors`` maps content hashes to
    passage vectors computed ahead of time by this same model: those chunks are written without
    embedding.
    """
    await store.ensure_collection(model_id=embedder.model_id, dim=embedder.dim)
    unique = list({chunk.content_hash: chunk for chunk in chunks}.values())
    stored = await store.stored_sources()
    current = {chunk.content_hash for chunk in unique}
    sources = {chunk.source for chunk in unique}
    stale = [digest for digest, source in stored.items() if digest not in current and (
        source in sources or (owned_prefix is not None and source.startswith(owned_prefix)))]
    removed = await store.delete([point_id_for(digest) for digest in stale])
    todo = [chunk for chunk in unique if chunk.content_hash not in stored]
    total = len(unique)
    done = skipped = total - len(todo)
    if progress is not None:
        progress(done, total)
    known = vectors or {}
    ready = [_record(chunk, known[chunk.content_hash])
             for chunk in todo if chunk.content_hash in known]
    todo = [chunk for chunk in todo if chunk.content_hash not in known]
    added = 0
    if ready:
        added += await store.upsert(ready)
        done += len(ready)
        if progress is not None:
            progress(done, total)
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        embedded = await embedder.embed_passages([chunk.embedding_text for chunk in batch])
        added += await store.upsert([_record(chunk, vector)
                                     for chunk, vector in zip(batch, embedded, strict=True)])
        done += len(batch)
        if progress is not None:
            progress(done, total)
    report = IngestReport(files=files, total=total, added=added, skipped=skipped,
                          removed=removed)
    logger.info("ingest: %d files, %d chunks, %d added, %d unchanged, %d stale removed",
                report.files, report.total, report.added, report.skipped, report.removed)
    return report


async def ingest_paths(paths: Iterable[Path | str], *, embedder: Embedder, store: VectorStore,
                       lang: str | None = None, progress: Progress | None = None,
                       batch_size: int = BATCH_SIZE) -> IngestReport:
    """Ingest .md/.txt files and directories into ``store`` (idempotent by content hash)."""
    files, chunks = load_chunks([Path(p) for p in paths], lang=lang)
    return await ingest_chunks(chunks, embedder=embedder, store=store, progress=progress,
                               batch_size=batch_size, files=files)


# --- the knowledge base shipped with the package -------------------------------------------

def _shipped_root() -> Traversable:
    return resources.files("grant_interviewer.content").joinpath("kb")


def shipped_chunks() -> list[Chunk]:
    """Chunks of the packaged knowledge base (``content/kb/<lang>/*.md``), in a stable order."""
    chunks: list[Chunk] = []
    root = _shipped_root()
    for lang in LANG_DIRS:
        folder = root.joinpath(lang)
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_file() and entry.name.endswith(SUFFIXES):
                chunks.extend(chunk_markdown(entry.read_text(encoding="utf-8"),
                                             source=f"{SHIPPED_PREFIX}{lang}/{entry.name}",
                                             lang=lang))
    return chunks


def shipped_topic_texts() -> list[str]:
    """The topic part of every retrieval query the packaged packs make (each reference point's
    ``kb_query``), sorted: their query vectors ship with the passage vectors."""
    from grant_interviewer.domain.packs import available_langs, load_pack

    return sorted({rp.kb_query or rp.title for lang in available_langs()
                   for rp in load_pack(lang).reference_points})


def shipped_fingerprint(chunks: Sequence[Chunk] | None = None) -> str:
    """A digest of the packaged knowledge base's chunk hashes (changes when any text does)."""
    items = chunks if chunks is not None else shipped_chunks()
    digest = hashlib.sha256()
    for chunk in items:
        digest.update(chunk.content_hash.encode("ascii"))
    return digest.hexdigest()


async def ensure_shipped_kb(embedder: Embedder, store: VectorStore,
                            progress: Progress | None = None) -> IngestReport:
    """Ingest the packaged knowledge base if the store lacks any of its current chunks.

    Cheap when nothing changed: the packaged texts are chunked (milliseconds) and their hashes
    compared with the stored ones. Missing chunks take their vectors from the package when it
    ships them for this model (:mod:`.precomputed`); only the rest are embedded.
    """
    chunks = shipped_chunks()
    fingerprint = shipped_fingerprint(chunks)
    files = len({chunk.source for chunk in chunks})
    report = await ingest_chunks(chunks, embedder=embedder, store=store, progress=progress,
                                 files=files, owned_prefix=SHIPPED_PREFIX,
                                 vectors=precomputed.load(embedder.model_id, embedder.dim))
    if report.added or report.removed:
        logger.info("shipped knowledge base %s… ingested: %d chunks added, %d stale removed",
                    fingerprint[:12], report.added, report.removed)
    return report
