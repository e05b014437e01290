"""Optional backend: any sentence-transformers model by name or local path, CPU only, offline.

Never downloads: ``HF_HUB_OFFLINE=1`` is forced before the import and ``local_files_only=True``
is passed, so a model that is not already on disk fails fast with a clear error. torch's import
holds the GIL for seconds, which is why ``isolation="auto"`` runs this backend in a worker
process.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grant_interviewer.errors import ConfigurationError, EmbeddingError, MissingExtraError

if TYPE_CHECKING:
    from grant_interviewer.adapters.embeddings.manager import ModelSpec

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "paraphrase-multilingual-MiniLM-L12-v2"


def model_name(model: str) -> str:
    """The stable name recorded in ``model_id``: a local path's directory name, else as given."""
    name = model or DEFAULT_MODEL
    path = Path(name)
    if path.exists():
        resolved = path.resolve()
        # a packaged model directory is often just ".../model": use its parent's name then
        if resolved.name == "model" and resolved.parent.name:
            return resolved.parent.name
        return resolved.name
    return name


class SentenceTransformerEncoder:
    """A loaded SentenceTransformer on the CPU; E5 models get their query/passage prefixes."""

    def __init__(self, model: Any, name: str) -> None:
        self._model = model
        self.model_id = f"sentence-transformers:{name}"
        dim = model.get_sentence_embedding_dimension()
        if not dim:
            raise EmbeddingError(f"{self.model_id}: the model does not report its dimension")
        self.dim = int(dim)
        self._e5 = "e5" in name.lower()

    def encode(self, texts: list[str], *, query: bool) -> list[list[float]]:
        """Embed a batch (blocking; call under the model lock)."""
        if self._e5:
            prefix = "query: " if query else "passage: "
            texts = [prefix + text for text in texts]
        matrix = self._model.encode(
            texts,
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [[float(x) for x in row] for row in matrix.tolist()]

    def close(self) -> None:
        """Drop the model reference."""
        self._model = None


def load(spec: ModelSpec) -> SentenceTransformerEncoder:
    """Import sentence-transformers (offline) and load ``spec.model`` on the CPU."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise MissingExtraError("sentence-transformers", "sentence-transformers") from exc
    source = spec.model or DEFAULT_MODEL
    try:
        model = SentenceTransformer(source, device="cpu", local_files_only=True)
    except Exception as exc:  # OSError / HF errors when the model is not on disk
        # not on disk is a configuration problem: retrying cannot fix it (no downloads)
        raise ConfigurationError(
            f"sentence-transformers model {source!r} could not be loaded offline "
            f"(give a local directory or a model already in the HF cache): {exc}"
        ) from exc
    return SentenceTransformerEncoder(model, model_name(source))
