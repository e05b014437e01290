"""The template question writer: wording, variation, hints, recall and knowledge tips."""

from __future__ import annotations

from datetime import UTC, datetime

from domain_sim import simulate
from grant_interviewer.domain.engine import InterviewEngine
from grant_interviewer.domain.model import (
    InterviewState,
    KnowledgeChunk,
    PlannedQuestion,
    QuestionRequest,
    UserLevel,
)
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.template_writer import TemplateWriter, format_amount, tip_from
from grant_interviewer.ports import QuestionWriter
from nlp_reader import offline_reader

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CHUNK = KnowledgeChunk(
    id="c1",
    text=(
        "## Результаты\nЭксперты фонда оценивают, насколько результаты измеримы и достижимы. "
        "Количественные показатели должны соответствовать мероприятиям. Третье предложение "
        "про отчётность уже лишнее и не должно попасть в вопрос."
    ),
    source="kb/results.md",
    heading="Результаты",
    lang="ru",
    reference_points=("results",),
    score=0.83,
)


def _state(level: UserLevel = UserLevel.INTERMEDIATE, name: str | None = "Анна") -> InterviewState:
    engine = InterviewEngine(load_pack("ru"), read=offline_reader())
    state = engine.new_state(session_id="writer-test", user_id="u1")
    state.name = name
    state.level = level
    return state


def _compose(
    state: InterviewState,
    rp_id: str,
    kind: str = "topic",
    missing: tuple[str, ...] = (),
    context: tuple[KnowledgeChunk, ...] = (),
) -> str:
    pack = load_pack("ru")
    plan = PlannedQuestion(kind, pack.point(rp_id), missing)  # type: ignore[arg-type]
    return TemplateWriter().compose(QuestionRequest(plan, state, pack, context))


def test_context_adds_one_short_tip_from_the_best_chunk() -> None:
    """Knowledge context changes the question: one or two sentences of the best chunk appear."""
    state = _state()
    plain = _compose(state, "results")
    with_tip = _compose(state, "results", context=(CHUNK,))
    assert plain != with_tip
    assert "Эксперты фонда оценивают, насколько результаты измеримы и достижимы." in with_tip
    assert "Третье предложение" not in with_tip
    assert "##" not in with_tip
    assert with_tip.count("Совет:") == 1


def test_novice_gets_hint_and_example_expert_gets_a_concise_question() -> None:
    """Novices see the topic's hint and example; experts get no hint or example."""
    rp = load_pack("ru").point("co_funding")
    novice = _compose(_state(UserLevel.NOVICE), "co_funding")
    expert = _compose(_state(UserLevel.EXPERT), "co_funding")
    assert rp.hint in novice and rp.example in novice and "Например" in novice
    assert rp.hint not in expert and rp.example not in expert
    assert len(expert) < len(novice)


def test_followup_says_what_is_missing_in_words() -> None:
    """A follow-up names the missing slots in plain words and differs from the first question."""
    state = _state()
    first = _compose(state, "target_audience")
    follow = _compose(state, "target_audience", "followup", ("beneficiaries", "region"))
    assert "сколько человек" in follow and "в каком регионе" in follow
    assert follow != first
    assert any(f in follow for f in load_pack("ru").point("target_audience").followups)


def test_question_recalls_earlier_answers() -> None:
    """Questions refer back to what the person said (slots or a short quote)."""
    result = simulate("cooperative_ru")
    recalls = [q for q in result.questions if q.startswith(("Вы упомянули", "Вы писали"))]
    assert len(recalls) >= 3
    assert any("1,5 млн ₽" in q or "Кемерово" in q or "подрост" in q for q in recalls)


def test_name_is_used_now_and_then_but_not_always() -> None:
    """The person's name appears in some questions, not in every one."""
    result = simulate("cooperative_ru")
    topic_questions = result.questions[1:]
    with_name = [q for q in topic_questions if "Анна Петровна, " in q]
    assert 1 <= len(with_name) < len(topic_questions) // 2 + 1


def test_composition_is_deterministic_and_never_repeats() -> None:
    """The same state gives the same text; all questions of an interview differ."""
    a, b = simulate("novice_ru"), simulate("novice_ru")
    assert a.questions == b.questions
    assert len(set(a.questions)) == len(a.questions)
    other = simulate("novice_ru", session_id="another-session")
    assert other.questions != a.questions  # variation is seeded by the session


def test_repeated_plan_gets_a_different_text() -> None:
    """Asking the same topic again (e.g. after a deferred skip) never reuses an earlier text."""
    state = _state()
    pack = load_pack("ru")
    engine = InterviewEngine(pack, read=offline_reader())
    seen = set()
    for _ in range(6):
        text = _compose(state, "goal")
        assert text not in seen
        seen.add(text)
        engine.ask(state, PlannedQuestion("topic", pack.point("goal")), text, now=NOW)
        engine.skip(state, now=NOW)


async def test_write_is_the_async_protocol_form() -> None:
    """TemplateWriter satisfies the QuestionWriter protocol; write() returns compose()."""
    writer: QuestionWriter = TemplateWriter()
    state = _state()
    pack = load_pack("ru")
    request = QuestionRequest(PlannedQuestion("name", None), state, pack)
    assert await writer.write(request) == pack.phrase("ask_name")
    assert writer.name == "template"


def test_amount_and_tip_helpers() -> None:
    """Amounts read naturally in both languages; tips are trimmed to whole sentences."""
    assert format_amount({"amount": 1_500_000.0, "currency": "RUB"}, "ru") == "1,5 млн ₽"
    assert format_amount({"amount": 300_000.0, "currency": "RUB"}, "ru") == "300 тыс. ₽"
    assert format_amount({"amount": 2_500_000.0, "currency": "RUB"}, "en") == "2.5 million RUB"
    tip = tip_from(CHUNK, max_chars=120)
    assert tip == "Эксперты фонда оценивают, насколько результаты измеримы и достижимы."


def test_tip_comes_from_the_highest_scoring_chunk() -> None:
    """With several chunks, only the best-scoring one contributes its tip."""
    weak = KnowledgeChunk(
        id="c0",
        text="Слабый совет про что-то другое, совсем не по теме.",
        source="kb/x.md",
        heading="",
        lang="ru",
        score=0.2,
    )
    text = _compose(_state(), "results", context=(weak, CHUNK))
    assert "Эксперты фонда оценивают" in text and "Слабый совет" not in text


def test_english_followup_names_missing_slots_in_english() -> None:
    """The English pack words the missing slots in English."""
    pack = load_pack("en")
    state = InterviewEngine(pack, read=offline_reader()).new_state(session_id="en", user_id="u")
    plan = PlannedQuestion("followup", pack.point("budget_total"), ("requested_amount",))
    text = TemplateWriter().compose(QuestionRequest(plan, state, pack))
    assert "Still missing: the amount you request from the foundation (in rubles)." in text


def test_a_tip_already_shown_is_not_repeated() -> None:
    """The next question on the topic uses the next-best chunk's tip, or none, never the same."""
    other = KnowledgeChunk(
        id="c2",
        text="Хороший результат можно проверить: число участников, занятий, публикаций.",
        source="kb/results2.md",
        heading="Результаты",
        lang="ru",
        reference_points=("results",),
        score=0.80,
    )
    pack = load_pack("ru")
    engine = InterviewEngine(pack, read=offline_reader())
    state = _state()
    first = _compose(state, "results", context=(CHUNK, other))
    engine.ask(state, PlannedQuestion("topic", pack.point("results"), ()), first, now=NOW)
    engine.record_answer(state, "Станет лучше.", now=NOW)
    again = _compose(state, "results", kind="followup", context=(CHUNK, other))
    assert "Эксперты фонда оценивают" in first and "Эксперты фонда оценивают" not in again
    assert "Хороший результат можно проверить" in again
    engine.ask(state, PlannedQuestion("followup", pack.point("results"), ()), again, now=NOW)
    engine.record_answer(state, "Не знаю.", now=NOW)
    third = _compose(state, "results", kind="followup", context=(CHUNK, other))
    assert "Совет:" not in third  # both tips were shown already


def test_novice_with_a_tip_gets_the_example_not_the_same_advice_twice() -> None:
    """For a novice, a knowledge-base tip replaces the pack's hint; the example stays."""
    rp = load_pack("ru").point("results")
    text = _compose(_state(UserLevel.NOVICE), "results", context=(CHUNK,))
    assert "Совет:" in text and rp.example in text and rp.hint not in text
