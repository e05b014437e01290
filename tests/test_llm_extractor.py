"""LLM answer understanding: the model's JSON becomes the same AnswerFacts as the offline
analyzer's, merged by the documented rules; disagreements on money or counts are flagged, and
any failure leaves the offline facts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fake_llm import FakeOpenAI, llm_settings, reset_llm_registries
from grant_interviewer.adapters.llm import build_llm_analyzer, build_llm_writer
from grant_interviewer.adapters.llm.extractor import (
    FACTS_SCHEMA,
    LLMAnswerAnalyzer,
    merge_facts,
    parse_facts,
)
from grant_interviewer.adapters.llm.writer import LLMQuestionWriter
from grant_interviewer.bootstrap import build_analyzer
from grant_interviewer.domain.engine import InterviewEngine
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.understanding import AnswerClass, AnswerFacts, Count, Money

ANSWER = "Просим у фонда 1,5 млн рублей, своих вложим 300 тысяч. Участвуют 120 подростков."


def _llm_json(**overrides: object) -> str:
    data: dict[str, object] = {
        "answer_class": "substantive", "class_confidence": 0.9,
        "money": [{"amount": 1500000, "role": "requested", "span": "1,5 млн рублей",
                   "confidence": 0.95},
                  {"amount": 300000, "role": "co_funding", "span": "своих вложим 300 тысяч",
                   "confidence": 0.9}],
        "counts": [{"value": 120, "of": "подросток", "main": True, "span": "120 подростков",
                    "confidence": 0.9}],
        "orgs": [{"name": "АНО «Точка роста»", "confidence": 0.8}],
    }
    data |= overrides
    return json.dumps(data, ensure_ascii=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on 127.0.0.1."""
    reset_llm_registries()
    server = await FakeOpenAI().serve()
    yield server
    await server.stop()
    reset_llm_registries()


def test_model_json_becomes_answer_facts_and_ungrounded_facts_are_dropped() -> None:
    """Valid JSON gives AnswerFacts (source llm); a fact whose span is not in the answer is
    dropped; invalid JSON is an LLMResponseError."""
    from grant_interviewer.errors import LLMResponseError

    invented = {"amount": 9e6, "role": "total", "span": "общий бюджет 9 млн", "confidence": 0.9}
    facts = parse_facts(_llm_json(money=[invented, {"amount": 1500000, "role": "requested",
                                                     "span": "1,5 млн рублей"}]), ANSWER)
    assert facts.source == "llm" and facts.answer_class == AnswerClass.SUBSTANTIVE
    assert [m.role for m in facts.money] == ["requested"]
    assert facts.counts[0].value == 120 and facts.counts[0].main
    with pytest.raises(LLMResponseError):
        parse_facts("{not json", ANSWER)
    with pytest.raises(LLMResponseError):
        parse_facts('{"money": [{"amount": -1}]}', ANSWER)


def test_merge_fills_gaps_and_flags_disagreements_on_money_and_counts() -> None:
    """Missing values come from the model; different amounts or counts keep the offline value
    and are listed in disagreements (asked about, never silently picked)."""
    offline = AnswerFacts(money=(Money(amount=1_500_000, role="requested"),),
                          counts=(Count(value=100, of="подросток", main=True),))
    merged = merge_facts(offline, parse_facts(_llm_json(), ANSWER))
    assert merged.source == "merged"
    assert {m.role: m.amount for m in merged.money} == {"requested": 1_500_000,
                                                        "co_funding": 300_000}
    assert merged.counts[0].value == 100  # the offline count stays ...
    assert merged.disagreements == ("beneficiaries",)  # ... and is asked about
    assert merged.orgs[0].name == "АНО «Точка роста»"

    differs = merge_facts(AnswerFacts(money=(Money(amount=1_000_000, role="requested"),)),
                          parse_facts(_llm_json(), ANSWER))
    assert "requested_amount" in differs.disagreements
    assert [m.amount for m in differs.money if m.role == "requested"] == [1_000_000]


def test_merge_keeps_offline_when_the_model_adds_nothing() -> None:
    """A model that agrees adds nothing: the offline facts come back unchanged."""
    offline = parse_facts(_llm_json(), ANSWER)
    offline = AnswerFacts(money=offline.money, counts=offline.counts, orgs=offline.orgs)
    assert merge_facts(offline, parse_facts(_llm_json(), ANSWER)) is offline


async def _analyzer(
    fake: FakeOpenAI, tmp_path: Path, budget: float = 2.0
) -> tuple[LLMAnswerAnalyzer, LLMQuestionWriter]:
    writer = build_llm_writer(llm_settings(fake, tmp_path))
    assert isinstance(writer, LLMQuestionWriter)
    return build_llm_analyzer(writer, build_analyzer(load_pack), budget=budget), writer


async def test_the_analyzer_sends_the_schema_and_merges(fake: FakeOpenAI, tmp_path: Path) -> None:
    """Through the real openai SDK: the schema goes as response_format; the result is merged."""
    analyzer, writer = await _analyzer(fake, tmp_path)
    state = InterviewEngine(load_pack("ru")).new_state(session_id="s", user_id="u")
    fake.then(f"json:{_llm_json()}")
    try:
        facts = await analyzer.analyze(ANSWER, lang="ru", asked="budget_total", state=state)
    finally:
        await writer.aclose()
    body = fake.requests[-1]
    assert body["response_format"]["json_schema"]["schema"] == FACTS_SCHEMA
    assert "<answer>Просим у фонда" in body["messages"][1]["content"]
    assert any(m.role == "requested" and m.amount == 1_500_000 for m in facts.money)
    assert facts.source in ("merged", "offline")


@pytest.mark.parametrize("behaviour", ["malformed", "500", "slow", "json:not json at all"])
async def test_a_failing_model_leaves_the_offline_facts(
    fake: FakeOpenAI, tmp_path: Path, behaviour: str
) -> None:
    """Malformed JSON, errors or a slow model: the offline analyzer's facts, within budget."""
    analyzer, writer = await _analyzer(fake, tmp_path, budget=0.5)
    state = InterviewEngine(load_pack("ru")).new_state(session_id="s", user_id="u")
    fake.default = behaviour
    try:
        facts = await analyzer.analyze(ANSWER, lang="ru", asked="budget_total", state=state)
        offline = await analyzer.offline.analyze(ANSWER, lang="ru", asked="budget_total",
                                                 state=state)
    finally:
        await writer.aclose()
    assert facts == offline
