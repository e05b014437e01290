"""Prefetch: while the applicant types, the next question is drafted for the predicted topic; a
matching plan uses the draft with no model call, a different plan drops it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fake_llm import FakeOpenAI, llm_settings, reset_llm_registries
from grant_interviewer.adapters.llm.writer import LLMQuestionWriter
from grant_interviewer.bootstrap import App, build_app
from grant_interviewer.simulation import Persona, load_persona, next_answer

PERSONAS = Path(__file__).resolve().parent.parent / "examples" / "personas"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on 127.0.0.1."""
    reset_llm_registries()
    server = await FakeOpenAI().serve()
    yield server
    await server.stop()
    reset_llm_registries()


async def _app(fake: FakeOpenAI, tmp_path: Path, **overrides: Any) -> App:
    return await build_app(llm_settings(fake, tmp_path / "data", **overrides), export_dir=None,
                           retriever=False)


def _writer(app: App) -> LLMQuestionWriter:
    assert isinstance(app.writer, LLMQuestionWriter)
    return app.writer


async def _typed_interview(app: App, persona: Persona, user: str) -> list[dict[str, Any]]:
    """An interview in which the person "types" until the drafts are written."""
    writer = _writer(app)
    used: dict[str, int] = {}
    reply = await app.service.start(user, lang=persona.lang)
    turns: list[dict[str, Any]] = []
    while not reply.finished and reply.question is not None and len(turns) < 40:
        await writer.drafts_settled()  # the person types while the draft is written
        answer = next_answer(persona, reply, used)
        reply = await app.service.handle(user, answer)
        turns.append({"reference_point": reply.reference_point})
    state = await app.service.find(reply.session_id)
    return [{"writer": t.writer, "kind": t.kind} for t in state.turns]


async def test_a_predicted_topic_is_answered_with_the_draft_and_no_model_call(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    """When the answer completes the pending topic, the next question is the draft: no request
    is sent to the model between the answer and the reply."""
    app = await _app(fake, tmp_path)
    persona = load_persona(PERSONAS / "cooperative_ru.yaml")
    writer = _writer(app)
    try:
        await app.service.start("u1", lang="ru")
        await app.service.handle("u1", persona.name)
        reply = await app.service.handle("u1", persona.answers["project_essence"][0])
        await writer.drafts_settled()
        before = len(fake.requests)
        nxt = await app.service.handle("u1", persona.answers[reply.reference_point or ""][0])
        after = len(fake.requests)
        state = await app.service.find(nxt.session_id)
    finally:
        await app.aclose()
    asked = state.turns[-1]
    assert asked.writer == "openai:fake-model+prefetch"
    assert after == before  # the reply waited for no model request
    assert writer.stats["draft_hit"] >= 1


async def test_a_draft_for_another_plan_is_dropped(fake: FakeOpenAI, tmp_path: Path) -> None:
    """An answer that also settles the predicted topic leads elsewhere than predicted: the
    draft is not used and the question is written in the turn."""
    app = await _app(fake, tmp_path)
    persona = load_persona(PERSONAS / "cooperative_ru.yaml")
    writer = _writer(app)
    try:
        await app.service.start("u1", lang="ru")
        await app.service.handle("u1", persona.name)
        await app.service.handle("u1", persona.answers["project_essence"][0])
        await writer.drafts_settled()
        predicted = next(iter(writer._drafts.values())).key
        misses = writer.stats["draft_miss"]
        # answers the predicted topic ahead of time, so another one comes next
        nxt = await app.service.handle("u1", persona.answers[predicted[1]][0])
        state = await app.service.find(nxt.session_id)
    finally:
        await app.aclose()
    asked = state.turns[-1]
    assert (asked.kind, asked.reference_point) != predicted[:2]
    assert asked.writer == "openai:fake-model"
    assert writer.stats["draft_miss"] == misses + 1


async def test_prefetch_off_sends_every_question_to_the_model_on_the_turn(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    """GRANT_INTERVIEWER_LLM_PREFETCH=false: no drafts, every question written in its turn."""
    app = await _app(fake, tmp_path, llm_prefetch=False, max_questions=5)
    try:
        turns = await _typed_interview(app, load_persona(PERSONAS / "cooperative_ru.yaml"), "u1")
    finally:
        await app.aclose()
    assert not any(t["writer"].endswith("+prefetch") for t in turns)
    assert _writer(app).stats["draft_started"] == 0


async def test_hit_rate_over_the_example_personas(fake: FakeOpenAI, tmp_path: Path) -> None:
    """Over the example personas most topic questions come from drafts (measured: see
    docs/performance.md; bench/llm_overhead.py prints it)."""
    app = await _app(fake, tmp_path, max_questions=10)  # the bench runs whole interviews
    try:
        for n, path in enumerate(sorted(PERSONAS.glob("*.yaml"))):
            await _typed_interview(app, load_persona(path), f"u{n}")
        rate = _writer(app).hit_rate()
    finally:
        await app.aclose()
    assert rate is not None and rate >= 0.5
