"""``grant-interviewer kb …``: ingest, search and inspect the knowledge base.

Every command starts with :func:`.common.cli_settings` (settings, logging); errors go to stderr
as ``Error: …`` with exit status 1. Texts from files, settings and exceptions are escaped before
they reach rich, so brackets (``pip install 'grant-interviewer[…]'``) are printed as written.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from grant_interviewer.errors import GrantInterviewerError
from grant_interviewer.interfaces.cli.common import cli_settings, print_error

if TYPE_CHECKING:
    from grant_interviewer.adapters.knowledge.retriever import ModelManagerLike
    from grant_interviewer.ports import Embedder, VectorStore
    from grant_interviewer.settings import Settings

logger = logging.getLogger(__name__)
console = Console()

kb_app = typer.Typer(help="Manage the knowledge base: ingest files, search it, show its status.",
                     no_args_is_help=True)

MODEL_WAIT_SECONDS = 120.0


def _manager(settings: Settings) -> ModelManagerLike | None:
    """The shared model manager, or None when embeddings are disabled."""
    from grant_interviewer.bootstrap import model_spec

    spec = model_spec(settings)
    if spec is None:
        return None
    from grant_interviewer.adapters.embeddings.manager import get_manager

    return get_manager(spec)


def _open_kb(settings: Settings) -> tuple[ModelManagerLike | None, VectorStore]:
    """The shared model manager (None when embeddings are disabled) and the vector store."""
    from grant_interviewer.bootstrap import open_vector_store

    return _manager(settings), open_vector_store(settings)


async def _embedder(manager: ModelManagerLike | None) -> Embedder:
    if manager is None:
        raise GrantInterviewerError("embeddings are disabled (GRANT_INTERVIEWER_EMBEDDING_"
                                    "BACKEND=none); choose a backend to use the knowledge base")
    manager.start_loading()
    with console.status("Loading the embedding model…"):
        ready = await manager.ensure_ready(MODEL_WAIT_SECONDS)
    embedder = manager.embedder
    if not ready or embedder is None:
        raise GrantInterviewerError(_not_ready(manager.status()))
    return embedder


def _not_ready(status: dict[str, object]) -> str:
    """A one-line reason from the manager's status: the model, its state and the last error."""
    state = status.get("state") or "unknown"
    if state == "loading":
        state = f"still loading after {MODEL_WAIT_SECONDS:g} s"
    error = status.get("last_error")
    reason = f"{state}; last error: {error}" if error else str(state)
    return f"the embedding model {status.get('model', '')} is not ready ({reason})"


def _fail(error: Exception) -> typer.Exit:
    print_error(error)
    return typer.Exit(code=1)


@kb_app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(
        help=".md/.txt files or folders to ingest; none: only the shipped knowledge base.",
        exists=True, show_default=False)] = None,
    lang: Annotated[str | None, typer.Option(help="Language of these texts (ru, en); default:"
                                             " front matter, a ru/en folder, or a guess.")] = None,
    rebuild: Annotated[bool, typer.Option(help="Delete the collection first (needed after "
                                          "changing the embedding model).")] = False,
) -> None:
    """Add knowledge files to the vector store (unchanged chunks are skipped).

    The shipped knowledge base is always (re)ingested first; without PATHS that is all it does
    (e.g. `kb ingest --rebuild` after changing the embedding model).
    """
    settings = cli_settings()
    try:
        asyncio.run(_ingest(settings, paths or [], lang, rebuild))
    except GrantInterviewerError as exc:
        raise _fail(exc) from exc


async def _ingest(settings: Settings, paths: list[Path], lang: str | None,
                  rebuild: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from grant_interviewer.adapters.knowledge.ingest import ensure_shipped_kb, ingest_paths

    manager, store = _open_kb(settings)
    try:
        embedder = await _embedder(manager)
        if rebuild:
            dropper = getattr(store, "drop", None)
            if dropper is not None:
                await dropper()
                console.print(f"Dropped collection [bold]{escape(settings.qdrant_collection)}[/].")
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
            shipped_task = progress.add_task("Shipped knowledge base", total=None)
            shipped = await ensure_shipped_kb(
                embedder, store,
                progress=lambda done, total: progress.update(shipped_task, completed=done,
                                                             total=total))
            report = None
            if paths:
                task = progress.add_task("Your files", total=None)
                report = await ingest_paths(
                    paths, embedder=embedder, store=store, lang=lang,
                    progress=lambda done, total: progress.update(task, completed=done,
                                                                 total=total))
        shipped_line = (f"shipped KB: {shipped.total} chunks, {shipped.added} added, "
                        f"{shipped.skipped} unchanged")
        if report is None:
            console.print(f"No files given: only the shipped knowledge base was ingested "
                          f"({shipped_line}).")
        else:
            console.print(f"Files: {report.files}, chunks: {report.total}, added: "
                          f"{report.added}, unchanged: {report.skipped} ({shipped_line}).")
    finally:
        await store.close()


@kb_app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    rp: Annotated[str | None, typer.Option("--rp", help="Reference point id filter, e.g. "
                                           "co_funding.")] = None,
    lang: Annotated[str | None, typer.Option(help="Language filter (default: the "
                                             "configured interview language).")] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50, help="How many hits.")] = 5,
) -> None:
    """Search the knowledge base and show hits with scores and sources."""
    settings = cli_settings()
    try:
        asyncio.run(_search(settings, query, rp, lang or settings.lang, top_k))
    except GrantInterviewerError as exc:
        raise _fail(exc) from exc


async def _search(settings: Settings, query: str, rp: str | None, lang: str,
                  top_k: int) -> None:
    from grant_interviewer.adapters.knowledge.ingest import ensure_shipped_kb
    from grant_interviewer.bootstrap import score_threshold

    threshold = score_threshold(settings)  # the one the interview uses
    manager, store = _open_kb(settings)
    try:
        embedder = await _embedder(manager)
        with console.status("Preparing the knowledge base…"):
            await ensure_shipped_kb(embedder, store)
        vector = (await embedder.embed_queries([query]))[0]
        hits = await store.search(vector, top_k=top_k, lang=lang, reference_point=rp,
                                  score_threshold=threshold)
    finally:
        await store.close()
    cut = f", score ≥ {threshold:g}" if threshold is not None else ""
    table = Table(title=Text(f"{len(hits)} hit(s) for {query!r}{cut}"), show_lines=True)
    for column in ("#", "score", "source", "heading", "reference points", "text"):
        table.add_column(column, overflow="fold")
    for rank, hit in enumerate(hits, 1):
        text = hit.text if len(hit.text) <= 300 else hit.text[:299] + "…"
        table.add_row(str(rank), f"{hit.score:.3f}", Text(hit.source), Text(hit.heading),
                      Text(", ".join(hit.reference_points)), Text(text))
    console.print(table)


@kb_app.command()
def status() -> None:
    """Show the collection: name, points, embedding model and vector size."""
    settings = cli_settings()
    try:
        asyncio.run(_status(settings))
    except GrantInterviewerError as exc:
        raise _fail(exc) from exc


async def _status(settings: Settings) -> None:
    _, store = _open_kb(settings)
    try:
        info = await store.info()
    finally:
        await store.close()
    table = Table(title="Knowledge base", show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value")
    table.add_row("store", Text(settings.qdrant_url or f"embedded: {settings.qdrant_path}"))
    table.add_row("collection", Text(settings.qdrant_collection))
    table.add_row("configured backend", settings.embedding_backend)
    if info is None:
        table.add_row("status", "not created yet (created on first use or by `kb ingest`)")
    else:
        table.add_row("points", str(info.count))
        table.add_row("model", Text(info.model_id))
        table.add_row("vector size", str(info.dim))
    console.print(table)


@kb_app.command()
def precompute(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder to write to "
                                                "(default: the package's content/kb_vectors).")
                      ] = None,
) -> None:
    """For maintainers: embed the shipped knowledge base and write its vectors file.

    The package ships these vectors for the default model, so a fresh install has knowledge-base
    context from its first questions instead of after a 10-second ingest. Run it after editing
    content/kb; a test fails while the shipped file is stale.
    """
    settings = cli_settings()
    try:
        asyncio.run(_precompute(settings, output))
    except GrantInterviewerError as exc:
        raise _fail(exc) from exc


async def _precompute(settings: Settings, output: Path | None) -> None:
    from grant_interviewer.adapters.knowledge import precomputed
    from grant_interviewer.adapters.knowledge.ingest import (
        shipped_chunks,
        shipped_fingerprint,
        shipped_topic_texts,
    )

    embedder = await _embedder(_manager(settings))
    shipped = shipped_chunks()
    chunks = list({chunk.content_hash: chunk for chunk in shipped}.values())
    vectors: dict[str, list[float]] = {}
    with console.status(f"Embedding {len(chunks)} shipped passages…"):
        for start in range(0, len(chunks), 8):
            batch = chunks[start:start + 8]
            embedded = await embedder.embed_passages([chunk.embedding_text for chunk in batch])
            vectors.update((chunk.content_hash, vector)
                           for chunk, vector in zip(batch, embedded, strict=True))
    topics = shipped_topic_texts()
    with console.status(f"Embedding {len(topics)} topic queries…"):
        queries = dict(zip(topics, await embedder.embed_queries(topics), strict=True))
    folder = output or precomputed.source_path()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / precomputed.file_name(embedder.model_id)
    target.write_text(precomputed.dump(embedder.model_id, embedder.dim, vectors,
                                       shipped_fingerprint(shipped), queries),
                      encoding="utf-8")
    console.print(Text(f"Wrote {len(vectors)} passage and {len(queries)} topic vectors "
                       f"({embedder.model_id}, {embedder.dim}-d) to {target}."))
