"""Backend for any OpenAI-compatible ``POST {url}/v1/embeddings`` endpoint.

The load is a probe request made with a blocking ``httpx.Client`` in the loading thread (it
discovers the vector size). Encoding uses one ``httpx.AsyncClient`` per event loop, so nothing
blocks a loop and a client is never shared between loops. The API key is sent as a bearer
token and never appears in logs, errors or ``repr``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from grant_interviewer.adapters.embeddings.base import l2_normalise, redact, safe_url
from grant_interviewer.errors import ConfigurationError, EmbeddingError

if TYPE_CHECKING:
    import httpx

    from grant_interviewer.adapters.embeddings.manager import ModelSpec

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0
DEFAULT_MODEL = "text-embedding-3-small"


def endpoint(url: str) -> str:
    """The embeddings endpoint for a base URL given with or without ``/v1``."""
    base = url.rstrip("/")
    if base.endswith("/v1"):
        return base + "/embeddings"
    return base + "/v1/embeddings"


class OpenAIEmbedder:
    """``ports.Embedder`` over an OpenAI-compatible HTTP API (async, one client per loop)."""

    def __init__(self, spec: ModelSpec, dim: int) -> None:
        self._url = endpoint(spec.url or "")
        self._model = spec.model or DEFAULT_MODEL
        self._api_key = spec.api_key
        self._dim = dim
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]
        self._clients = weakref.WeakKeyDictionary()
        self._closed = False

    def __repr__(self) -> str:
        return f"OpenAIEmbedder(url={safe_url(self._url)!r}, model={self._model!r})"

    @property
    def model_id(self) -> str:
        """``openai:<model>``."""
        return f"openai:{self._model}"

    @property
    def dim(self) -> int:
        """The vector size discovered from the probe response."""
        return self._dim

    async def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed search queries."""
        return await self._embed(list(texts))

    async def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages."""
        return await self._embed(list(texts))

    async def _embed(self, texts: list[str]) -> list[list[float]]:
        if self._closed:
            raise EmbeddingError(f"{self.model_id} is closed")
        if not texts:
            return []
        import httpx

        client = self._client()
        try:
            response = await client.post(self._url, json={"model": self._model, "input": texts})
        except httpx.HTTPError as exc:
            raise EmbeddingError(self._describe(exc)) from exc
        return parse_response(response, len(texts), self._api_key)

    def _client(self) -> httpx.AsyncClient:
        import httpx

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = httpx.AsyncClient(headers=headers(self._api_key), timeout=TIMEOUT_SECONDS)
            self._clients[loop] = client
        return client

    def _describe(self, exc: BaseException) -> str:
        text = f"{self.model_id}: request to {safe_url(self._url)} failed: {type(exc).__name__}"
        return redact(f"{text}: {exc}", self._api_key)

    def close(self) -> None:
        """Refuse further calls; clients of other loops are dropped (``aclose`` closes them)."""
        self._closed = True

    async def aclose(self) -> None:
        """Close the HTTP client of the running loop and forget the others."""
        self._closed = True
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        self._clients.clear()
        if client is not None:
            await client.aclose()


def headers(api_key: str | None) -> dict[str, str]:
    """Request headers, with the bearer token when a key is configured."""
    result = {"Content-Type": "application/json"}
    if api_key:
        result["Authorization"] = f"Bearer {api_key}"
    return result


def parse_response(response: Any, expected: int, api_key: str | None) -> list[list[float]]:
    """Vectors from an ``/embeddings`` response, ordered by ``index`` and L2-normalised."""
    if response.status_code != 200:
        body = redact(response.text[:200], api_key)
        raise EmbeddingError(f"embeddings endpoint answered HTTP {response.status_code}: {body}")
    try:
        items = sorted(response.json()["data"], key=lambda item: int(item.get("index", 0)))
        vectors = [l2_normalise([float(x) for x in item["embedding"]]) for item in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise EmbeddingError(f"embeddings endpoint returned an unexpected body: {exc}") from exc
    if len(vectors) != expected:
        raise EmbeddingError(f"embeddings endpoint returned {len(vectors)} vectors for {expected}")
    return vectors


def load(spec: ModelSpec) -> OpenAIEmbedder:
    """Probe the endpoint once (blocking, in the loading thread) to learn the vector size."""
    if not spec.url:
        raise ConfigurationError("the openai embedding backend needs embedding_url")
    import httpx

    url = endpoint(spec.url)
    model = spec.model or DEFAULT_MODEL
    try:
        with httpx.Client(headers=headers(spec.api_key), timeout=TIMEOUT_SECONDS) as client:
            response = client.post(url, json={"model": model, "input": ["probe"]})
    except httpx.HTTPError as exc:
        text = f"probe of {safe_url(url)} failed: {type(exc).__name__}: {exc}"
        raise EmbeddingError(redact(text, spec.api_key)) from exc
    (vector,) = parse_response(response, 1, spec.api_key)
    if not vector:
        raise EmbeddingError("embeddings endpoint returned an empty vector")
    return OpenAIEmbedder(spec, len(vector))
