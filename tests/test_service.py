"""The interview service end to end over real SQLite storage (retrieval disabled)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from grant_interviewer.bootstrap import App, build_app
from grant_interviewer.errors import ContentError
from grant_interviewer.settings import get_settings
from grant_interviewer.simulation import load_persona, simulate

PERSONAS = Path(__file__).resolve().parent.parent / "examples" / "personas"


async def _app(tmp_path: Path) -> App:
    settings = get_settings()
    return await build_app(settings, export_dir=tmp_path / "exports", retriever=False)


async def test_cooperative_persona_finishes_within_budget(tmp_path: Path) -> None:
    """A cooperative applicant finishes with every required topic done in ≤ 18 questions."""
    app = await _app(tmp_path)
    try:
        report = await simulate(
            app.service, load_persona(PERSONAS / "cooperative_ru.yaml"), user_id="u1"
        )
    finally:
        await app.aclose()
    assert report.finished
    assert report.questions <= 18
    questions = [t["question"] for t in report.turns]
    assert len(questions) == len(set(questions))
    assert not [m for m in report.missing if m["status"] != "partial"]
    values = report.anketa["values"]
    assert values["requested_amount"]["amount"] > 0
    assert values["duration_months"] and values["beneficiaries"] and values["region"]
    assert sorted(p.suffix for p in (tmp_path / "exports").iterdir()) == [".docx", ".json", ".md"]


async def test_expert_needs_fewer_questions_than_novice(tmp_path: Path) -> None:
    """The expert who answers several topics at once is asked fewer questions than the novice."""
    app = await _app(tmp_path)
    try:
        expert = await simulate(app.service, load_persona(PERSONAS / "expert_ru.yaml"), user_id="e")
        novice = await simulate(app.service, load_persona(PERSONAS / "novice_ru.yaml"), user_id="n")
    finally:
        await app.aclose()
    assert expert.questions < novice.questions


async def test_answers_survive_a_restart_and_resume(tmp_path: Path) -> None:
    """An answer is committed before the reply; a new process resumes at the pending question."""
    app = await _app(tmp_path)
    first = await app.service.start("r1", lang="ru")
    second = await app.service.handle("r1", "Анна")
    await app.aclose()  # the "crash"
    again = await _app(tmp_path)
    try:
        resumed = await again.service.start("r1")
        state = await again.service.find("r1")
    finally:
        await again.aclose()
    assert first.question and second.question
    assert state.name == "Анна"
    assert resumed.question == second.question
    assert resumed.session_id == second.session_id


@pytest.mark.parametrize("bad", ["", "   ", "\x00\x00\x00", 12345, "x" * 100_000])
async def test_bad_input_is_refused_without_losing_state(tmp_path: Path, bad: object) -> None:
    """Empty, binary, non-text and huge answers get a message; the pending question stays."""
    app = await _app(tmp_path)
    try:
        await app.service.start("b1", lang="ru")
        asked = await app.service.handle("b1", "Анна")
        reply = await app.service.handle("b1", bad)
        state = await app.service.find("b1")
    finally:
        await app.aclose()
    assert reply.kind == "error"
    assert reply.question == asked.question
    assert state.pending_turn is not None and state.pending_turn.question == asked.question


def test_persona_errors_are_clear(tmp_path: Path) -> None:
    """Missing, non-YAML and unknown-id persona files raise ContentError with the reason."""
    with pytest.raises(ContentError, match="not found"):
        load_persona(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ContentError, match="YAML"):
        load_persona(broken)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("name: A\nanswers: {nonsense: [x]}\n", encoding="utf-8")
    with pytest.raises(ContentError, match="nonsense"):
        load_persona(unknown, known_ids=("goal",))


async def test_knowledge_base_context_changes_the_question(tmp_path: Path) -> None:
    """With the real model and embedded Qdrant, the question carries an FPG tip and its sources."""
    plain = await _app(tmp_path)
    try:
        await plain.service.start("k1", lang="ru")
        without = await plain.service.handle("k1", "Анна")
    finally:
        await plain.aclose()
    app = await build_app(get_settings(), export_dir=tmp_path / "exports")
    try:
        assert app.retriever is not None
        assert await app.retriever.wait_until_prepared(60)  # type: ignore[attr-defined]
        await app.service.start("k2", lang="ru")
        with_kb = await app.service.handle("k2", "Анна")
        state = await app.service.find("k2")
    finally:
        await app.aclose()
    assert with_kb.reference_point == without.reference_point == "project_essence"
    assert not without.kb_context and with_kb.kb_context
    assert with_kb.question != without.question
    assert "Совет:" in str(with_kb.question) and "Совет:" not in str(without.question)
    assert with_kb.kb_sources and all(s.startswith("kb:ru/") for s in with_kb.kb_sources)
    assert state.turns[-1].kb_sources == list(with_kb.kb_sources)


async def test_the_answer_vector_starts_on_arrival_and_topics_come_shipped(
        tmp_path: Path) -> None:
    """A question after an answer encodes only the answer's excerpt, once, started when the
    answer arrived (taken by the retrieval); the topic vector comes with the package."""
    app = await build_app(get_settings(), export_dir=tmp_path / "exports")
    try:
        retriever = app.retriever
        assert retriever is not None
        assert await retriever.wait_until_prepared(60)  # type: ignore[attr-defined]
        await app.service.start("e1", lang="ru")
        await app.service.handle("e1", "Анна")
        before = retriever.status()["model"]["batching"]  # type: ignore[attr-defined]
        reply = await app.service.handle(
            "e1", "Проект «Тёплый дом»: кружки для пожилых людей в Арзамасе, два раза в неделю.")
        status = retriever.status()  # type: ignore[attr-defined]
    finally:
        await app.aclose()
    assert reply.kb_context
    assert status["early_answer_vectors"] == {"started": 1, "taken": 1}
    assert status["model"]["batching"]["query_texts"] - before["query_texts"] == 1
    assert status["query_paths"].get("topic+answer") == 1


async def test_a_non_answer_searches_with_the_answer_before_it(tmp_path: Path) -> None:
    """After "не знаю" the follow-up's query takes the last answer that said something (its
    vector already made), not the words "не знаю"."""
    app = await build_app(get_settings(), export_dir=tmp_path / "exports")
    try:
        retriever = app.retriever
        assert retriever is not None
        assert await retriever.wait_until_prepared(60)  # type: ignore[attr-defined]
        await app.service.start("e2", lang="ru")
        await app.service.handle("e2", "Анна")
        await app.service.handle(
            "e2", "Проект «Тёплый дом»: кружки для пожилых людей в Арзамасе, два раза в неделю.")
        await app.service.handle("e2", "да")  # the title, confirmed
        reply = await app.service.handle("e2", "не знаю")
        status = retriever.status()  # type: ignore[attr-defined]
    finally:
        await app.aclose()
    assert reply.kb_context
    assert status["early_answer_vectors"].get("known", 0) >= 1


async def test_starting_an_interview_preloads_the_model_without_waiting_for_it(
        tmp_path: Path) -> None:
    """start() returns the name question at once and leaves the shared model loading."""
    from grant_interviewer.adapters.embeddings.manager import reset_managers

    reset_managers()
    app = await build_app(get_settings(), export_dir=tmp_path / "exports")
    try:
        retriever = app.retriever
        assert retriever is not None
        before = retriever.status()["model"]["state"]  # type: ignore[attr-defined]
        reply = await app.service.start("p1", lang="ru")
        at_question = retriever.status()["model"]["state"]  # type: ignore[attr-defined]
        await asyncio.sleep(0)  # the load begins one loop iteration later (bootstrap._soon)
        after = retriever.status()["model"]["state"]  # type: ignore[attr-defined]
        assert await retriever.wait_until_prepared(60)  # type: ignore[attr-defined]
    finally:
        await app.aclose()
        reset_managers()
    assert before == "not_loaded"  # building the app loads nothing
    assert reply.question and reply.reference_point is None  # the name question
    assert at_question == "not_loaded"  # the caller shows the question before the load starts
    assert after in ("loading", "ready")  # the load was started by start(), not awaited
