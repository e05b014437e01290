"""Query vectors: the cached topic vector, the answer within its budget, the answer excerpt."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence

from grant_interviewer.adapters.embeddings.fake_backend import fake_vector
from grant_interviewer.adapters.knowledge.query_vectors import (
    PATH_COMBINED,
    PATH_LATE,
    PATH_TOPIC,
    QueryVectors,
    combine,
)
from grant_interviewer.service import answer_excerpt

DIM = 8


class CountingEmbedder:
    """Fake vectors; counts query texts; texts in ``held`` wait until ``release`` is set."""

    model_id = "fake:counting"
    dim = DIM

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.held: set[str] = set()
        self.release = asyncio.Event()
        self.cancelled: list[str] = []

    async def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        self.queries.extend(texts)
        if self.held & set(texts):
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                self.cancelled.extend(texts)
                raise
        await asyncio.sleep(0)
        return [fake_vector(text, DIM) for text in texts]

    async def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return [fake_vector(text, DIM) for text in texts]


async def test_the_topic_vector_is_embedded_once_for_concurrent_and_later_questions() -> None:
    """Twenty questions on one topic (ten at once) embed the topic text once."""
    embedder = CountingEmbedder()
    vectors = QueryVectors(answer_budget=10.0)
    await asyncio.gather(*(vectors.vector(embedder, "Бюджет проекта", f"ответ {i}")
                           for i in range(10)))
    for i in range(10):
        await vectors.vector(embedder, "Бюджет проекта", f"ещё {i}")
    assert embedder.queries.count("Бюджет проекта") == 1
    assert vectors.paths[PATH_COMBINED] == 20


async def test_the_query_vector_weighs_topic_and_answer_by_length() -> None:
    """topic ⊕ answer is the unit vector of the length-weighted sum of the two vectors."""
    embedder = CountingEmbedder()
    vectors = QueryVectors(answer_budget=10.0)
    got = await vectors.vector(embedder, "topic", "a longer answer")
    expected = combine(fake_vector("topic", DIM), fake_vector("a longer answer", DIM), 5, 15)
    assert got == expected
    assert math.isclose(sum(x * x for x in got), 1.0)
    assert await vectors.vector(embedder, "topic", "") == fake_vector("topic", DIM)
    assert vectors.paths[PATH_TOPIC] == 1


async def test_a_late_answer_vector_falls_back_to_the_topic_and_is_cancelled() -> None:
    """Past the budget the topic vector alone is used and the answer's encode is cancelled."""
    embedder = CountingEmbedder()
    embedder.held = {"slow answer"}
    vectors = QueryVectors(answer_budget=0.0)
    got = await vectors.vector(embedder, "topic", "slow answer")
    assert got == fake_vector("topic", DIM)
    assert embedder.cancelled == ["slow answer"]
    assert vectors.paths[PATH_LATE] == 1


def test_answer_excerpt_keeps_whole_sentences_within_the_limit() -> None:
    """The excerpt is the leading whole sentences; a long first sentence ends at a clause."""
    text = ("Мы работаем с пожилыми людьми в Томске уже пять лет. В прошлом году через клуб "
            "прошли 240 человек. Нужны компьютеры.")
    assert answer_excerpt(text, 60) == "Мы работаем с пожилыми людьми в Томске уже пять лет."
    assert answer_excerpt(text, 200) == text
    long_one = ("Клуб для пожилых людей, где проходят занятия по компьютерной грамотности, "
                "финансовой безопасности и здоровью")
    assert answer_excerpt(long_one, 80) == ("Клуб для пожилых людей, где проходят занятия по "
                                            "компьютерной грамотности")
    assert answer_excerpt("  короткий   ответ ", 120) == "короткий ответ"
    assert len(answer_excerpt("слово " * 100, 50)) <= 50


async def test_an_answer_prepared_on_arrival_is_encoded_once_and_taken_by_its_retrieval() -> None:
    """prepare_answer starts the encode at once; the question's vector takes it (no second
    encode), and a topic with a shipped vector is not encoded at all."""
    embedder = CountingEmbedder()
    embedder.held = {"ответ про бюджет"}
    vectors = QueryVectors(answer_budget=10.0)
    vectors.ship(embedder.model_id, {"Бюджет проекта": fake_vector("shipped", DIM)})
    vectors.prepare_answer(embedder, "ответ про бюджет")
    vectors.prepare_answer(embedder, "ответ про бюджет")  # idempotent
    await asyncio.sleep(0)
    assert embedder.queries == ["ответ про бюджет"]  # started before any retrieval asked
    pending = asyncio.ensure_future(vectors.vector(embedder, "Бюджет проекта",
                                                   "ответ про бюджет"))
    await asyncio.sleep(0)
    assert not pending.done()
    embedder.release.set()
    got = await pending
    assert got == combine(fake_vector("shipped", DIM), fake_vector("ответ про бюджет", DIM),
                          len("Бюджет проекта"), len("ответ про бюджет"))
    assert embedder.queries == ["ответ про бюджет"]
    assert vectors.early_answers == {"started": 1, "taken": 1}


async def test_early_answers_nobody_takes_are_bounded_and_cancelled() -> None:
    """Encodes started for answers whose retrieval never came are dropped (cancelled) once
    more than EARLY_ANSWER_SLOTS wait."""
    from grant_interviewer.adapters.knowledge.query_vectors import EARLY_ANSWER_SLOTS

    embedder = CountingEmbedder()
    embedder.held = {f"a{i}" for i in range(EARLY_ANSWER_SLOTS + 3)}
    vectors = QueryVectors(answer_budget=0.0)
    for i in range(EARLY_ANSWER_SLOTS + 3):
        vectors.prepare_answer(embedder, f"a{i}")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert vectors.early_answers["dropped"] == 3
    dropped = {"a0", "a1", "a2"}
    # never encoded: cancelled before the encoder took them, or while waiting in it
    assert dropped & set(embedder.queries) <= set(embedder.cancelled)
    assert len(embedder.queries) == EARLY_ANSWER_SLOTS
    embedder.release.set()
    got = await vectors.vector(embedder, "", f"a{EARLY_ANSWER_SLOTS + 2}")
    assert got == fake_vector(f"a{EARLY_ANSWER_SLOTS + 2}", DIM)
    assert vectors.early_answers["taken"] == 1
