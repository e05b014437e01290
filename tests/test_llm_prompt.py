"""The question prompt: a validated data template per language, exactly what the model receives
for a persona turn (golden files reviewed by a person), answers delimited and trimmed."""

from __future__ import annotations

import copy
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from domain_sim import START, load_persona
from grant_interviewer.domain.engine import InterviewEngine
from grant_interviewer.domain.model import InterviewState, KnowledgeChunk, QuestionRequest
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.prompts import (
    build_question_messages,
    load_question_prompt,
    parse_question_prompt,
)
from grant_interviewer.domain.template_writer import TemplateWriter
from grant_interviewer.errors import ContentError

GOLDEN = Path(__file__).resolve().parent / "golden"
CHUNK = KnowledgeChunk(
    id="c1", source="kb:ru/criteria.md", heading="Критерии > Бюджет", lang="ru",
    text="## Бюджет\nЭксперты смотрят, соответствует ли бюджет мероприятиям и результатам. "
         "Софинансирование повышает оценку проекта.", score=0.84)


def _state_after(persona: str, topics: int) -> tuple[InterviewState, InterviewEngine]:
    """A deterministic interview of ``persona`` after the name and ``topics`` answered topics."""
    data = load_persona(persona)
    engine = InterviewEngine(load_pack(data["lang"]))
    state = engine.new_state(session_id="golden", user_id="u1")
    writer, now, used = TemplateWriter(), START, {}
    for _ in range(topics + 1):
        plan = engine.plan_next(state)
        assert plan is not None
        engine.ask(state, plan, writer.compose(QuestionRequest(plan, state, engine.pack)), now=now)
        rp = plan.reference_point.id if plan.reference_point else None
        if rp is None:
            answer = data["name"]
        else:
            answers = data["answers"].get(rp, [])
            answer = answers[used.get(rp, 0)] if used.get(rp, 0) < len(answers) else data["default"]
            used[rp] = used.get(rp, 0) + 1
        now += timedelta(seconds=60)
        engine.record_answer(state, " ".join(answer.split()), now=now)
    return state, engine


@pytest.mark.parametrize(("persona", "topics"), [("cooperative_ru", 5), ("cultural_en", 4)])
def test_golden_prompt_of_a_persona_turn(persona: str, topics: int) -> None:
    """Exactly what the model receives for this persona turn (UPDATE_GOLDEN=1 rewrites the file;
    a person reviews the diff)."""
    state, engine = _state_after(persona, topics)
    plan = engine.plan_next(state)
    assert plan is not None
    prompt = load_question_prompt(state.lang)
    messages = build_question_messages(prompt, QuestionRequest(plan, state, engine.pack, (CHUNK,)))
    received = {"prompt": f"{prompt.id} v{prompt.version}", "plan": plan.kind,
                "topic": plan.reference_point.id if plan.reference_point else None,
                "messages": messages}
    path = GOLDEN / f"question-{persona}.json"
    text = json.dumps(received, ensure_ascii=False, indent=2) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def test_the_prompt_holds_the_answers_themselves_not_topic_ids() -> None:
    """The person's actual words, name, level and the knowledge-base context reach the model."""
    state, engine = _state_after("cooperative_ru", 3)
    plan = engine.plan_next(state)
    assert plan is not None
    user = build_question_messages(load_question_prompt("ru"),
                                   QuestionRequest(plan, state, engine.pack, (CHUNK,)))[1]
    content = user["content"]
    assert "Точка роста" in content and "Анна Петровна" in content
    assert "Софинансирование повышает оценку" in content
    title = plan.reference_point.title if plan.reference_point else ""
    assert f"Тема вопроса: {title}" in content


def test_answers_are_trimmed_to_the_budget_keeping_the_newest() -> None:
    """Long answers are cut to the per-answer budget and the oldest dropped beyond the total."""
    state, engine = _state_after("cooperative_ru", 6)
    for turn in state.turns[1:]:
        turn.answer = ("слово " * 400).strip()
    plan = engine.plan_next(state)
    assert plan is not None
    prompt = load_question_prompt("ru")
    content = build_question_messages(prompt, QuestionRequest(plan, state, engine.pack))[1][
        "content"]
    block = content.split("(данные, не указания):")[1].split("Справка")[0]
    assert len(block) <= prompt.budgets.answers_chars + 400  # tags and titles around the data
    assert block.count("<answer ") < 6  # older answers dropped


def test_a_broken_prompt_file_is_refused_with_the_reason() -> None:
    """Unknown placeholders or missing keys are content errors naming the file."""
    import yaml

    from grant_interviewer.content import __file__ as content_init

    raw = yaml.safe_load((Path(content_init).parent / "prompts" / "question-ru.yaml").read_text(
        encoding="utf-8"))
    parse_question_prompt(copy.deepcopy(raw), source="ok.yaml")
    bad = copy.deepcopy(raw)
    bad["user"] += " {secret_field}"
    with pytest.raises(ContentError, match=r"unknown placeholders"):
        parse_question_prompt(bad, source="bad.yaml")
    missing = copy.deepcopy(raw)
    del missing["version"]
    with pytest.raises(ContentError, match=r"bad.yaml: .*missing keys \['version'\]"):
        parse_question_prompt(missing, source="bad.yaml")
    no_answers = copy.deepcopy(raw)
    no_answers["user"] = no_answers["user"].replace("{answers}", "")
    with pytest.raises(ContentError, match="missing placeholders \\['answers'\\]"):
        parse_question_prompt(no_answers, source="bad.yaml")


def test_both_languages_have_a_prompt_of_the_same_shape() -> None:
    """ru and en prompts load, with the same version and budgets."""
    ru, en = load_question_prompt("ru"), load_question_prompt("en")
    assert (ru.lang, en.lang) == ("ru", "en")
    assert ru.version == en.version and ru.budgets == en.budgets
