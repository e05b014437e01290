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
    """Thirteen questions on one topic (three at once) embed the topic text once."""
    embedder = CountingEmbedder()
    vectors = QueryVectors(answer_budget=10.0)
    await asyncio.gather(*(vectors.vector(embedder, "Бюджет проекта", f"ответ {i}")
                           for i in range(3)))
    for i in range(10):
        await vectors.vector(embedder, "Бюджет проекта", f"ещё {i}")
    assert embedder.queries.count("Бюджет проекта") == 1
    assert vectors.paths[PATH_COMBINED] == 13


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


async def test_early_answers_nobody_takes_are_bounded() -> None:
    """Encodes started for answers whose retrieval never came are forgotten (cancelled if
    still running) once more than EARLY_ANSWER_SLOTS wait to be taken."""
    from grant_interviewer.adapters.knowledge.query_vectors import EARLY_ANSWER_SLOTS

    embedder = CountingEmbedder()
    vectors = QueryVectors(answer_budget=0.0)
    for i in range(EARLY_ANSWER_SLOTS + 3):
        vectors.prepare_answer(embedder, f"a{i}")
        for _ in range(3):
            await asyncio.sleep(0)  # each encode finishes: none is shed for load
    assert vectors.early_answers["started"] == EARLY_ANSWER_SLOTS + 3
    assert vectors.early_answers["dropped"] == 3
    got = await vectors.vector(embedder, "", f"a{EARLY_ANSWER_SLOTS + 2}")
    assert got == fake_vector(f"a{EARLY_ANSWER_SLOTS + 2}", DIM)
    assert vectors.early_answers["taken"] == 1
    assert "a0" not in [k for _, k in vectors._early]


async def test_answer_encodes_in_flight_are_bounded_by_the_busy_backlog() -> None:
    """Answers arriving together: at most BUSY_BACKLOG encodes are started; the rest are shed
    (their questions use the topic vector) and never reach the encoder."""
    from grant_interviewer.adapters.knowledge.query_vectors import BUSY_BACKLOG

    embedder = CountingEmbedder()
    embedder.held = {f"b{i}" for i in range(20)}
    vectors = QueryVectors(answer_budget=0.0)
    for i in range(20):
        vectors.prepare_answer(embedder, f"b{i}")
    await asyncio.sleep(0)
    assert vectors.early_answers["started"] == BUSY_BACKLOG
    assert vectors.early_answers["shed"] == 20 - BUSY_BACKLOG
    assert len(embedder.queries) == BUSY_BACKLOG
    embedder.release.set()


async def test_a_busy_encoder_takes_no_more_answers_and_the_topic_vector_serves() -> None:
    """With BUSY_BACKLOG query texts waiting, an answer is neither started on arrival nor
    queued by its retrieval: the topic vector is used at once (load shedding)."""
    from grant_interviewer.adapters.knowledge.query_vectors import BUSY_BACKLOG, PATH_BUSY

    class Busy(CountingEmbedder):
        waiting = BUSY_BACKLOG

        def backlog(self) -> int:
            return self.waiting

    embedder = Busy()
    vectors = QueryVectors(answer_budget=10.0)
    vectors.prepare_answer(embedder, "ответ")
    got = await vectors.vector(embedder, "topic", "ответ")
    assert got == fake_vector("topic", DIM)
    assert embedder.queries == ["topic"]  # the answer never reached the encoder
    assert vectors.early_answers["shed"] == 1 and vectors.paths[PATH_BUSY] == 1
    embedder.waiting = BUSY_BACKLOG - 1
    vectors.prepare_answer(embedder, "другой ответ")
    assert await vectors.vector(embedder, "topic", "другой ответ") != fake_vector("topic", DIM)


async def test_an_answer_vector_made_before_is_reused_without_an_encode() -> None:
    """The same answer text again (a follow-up after "не знаю" searches with the answer
    before it; short answers repeat across interviews): no second encode."""
    embedder = CountingEmbedder()
    vectors = QueryVectors(answer_budget=10.0)
    first = await vectors.vector(embedder, "topic", "Клуб для пожилых в Арзамасе")
    vectors.prepare_answer(embedder, "Клуб для пожилых в Арзамасе")  # known: nothing started
    again = await vectors.vector(embedder, "topic", "Клуб для пожилых в Арзамасе")
    assert first == again
    assert embedder.queries.count("Клуб для пожилых в Арзамасе") == 1
    assert vectors.early_answers["known"] == 1 and "started" not in vectors.early_answers
