"""The template question writer: wording, variation, hints, recall and knowledge tips."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from domain_sim import PERSONAS, load_persona, simulate
from grant_interviewer.domain.engine import InterviewEngine
from grant_interviewer.domain.model import (
    InterviewState,
    KnowledgeChunk,
    PlannedQuestion,
    QuestionRequest,
    TopicStatus,
    UserLevel,
)
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.template_writer import (
    RECALL,
    TemplateWriter,
    format_amount,
    project_direction,
    tip_from,
)
from grant_interviewer.domain.tips import example_from, sentences
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
# Two projects a teenager-club example would not fit (issue #7).
WRESTLING = {
    "name": "Магомедов Расул Ахмедович",
    "lang": "ru",
    "default": "не знаю",
    "answers": {
        "project_essence": [
            "Бесплатная секция вольной борьбы для мальчишек в нашем селе в Дагестане: "
            "тренировки три раза в неделю, выезды на турниры и соревнования."
        ],
        "project_title": ["«Сильные духом»"],
        "problem": ["В селе нет спортзала, ребятам негде тренироваться, ближайшая секция "
                    "борьбы в 40 км, многие бросают спорт."],
        "target_audience": ["40 мальчиков 8–16 лет из села и соседних аулов."],
        "goal": ["Чтобы 40 сельских ребят регулярно тренировались и выступали на турнирах."],
        "budget_total": ["Просим 900 тысяч рублей."],
        "geography": ["Республика Дагестан, Кизлярский район."],
        "tasks": ["Оборудовать зал, набрать группы, провести тренировки и турниры."],
        "activities": ["Тренировки три раза в неделю, четыре выездных турнира, итоговые "
                       "соревнования."],
        "timeline": ["С сентября 2025 года, 12 месяцев."],
        "results": ["40 ребят тренируются регулярно, 300 тренировок, 15 призёров турниров."],
        "co_funding": ["Администрация даёт зал — 200 тысяч рублей."],
        "team": ["Я тренер, мастер спорта, 12 лет тренирую детей; второй тренер; бухгалтер."],
    },
}
ELDERLY = {
    "name": "Кравец Светлана Юрьевна",
    "lang": "ru",
    "default": "не знаю",
    "answers": {
        "project_essence": [
            "Будем помогать одиноким пожилым людям и инвалидам в трёх сёлах: возить продукты "
            "и лекарства, помогать по дому, навещать."
        ],
        "project_title": ["«Добрые соседи»"],
        "problem": ["В сёлах много одиноких пенсионеров, магазин и аптека далеко, автобус "
                    "ходит раз в неделю."],
        "target_audience": ["30 одиноких пенсионеров старше 70 лет."],
        "goal": ["Чтобы одинокие пожилые люди каждую неделю получали продукты и помощь."],
        "budget_total": ["500 тыс. рублей."],
        "geography": ["Тульская область, Заокский район."],
        "tasks": ["Найти волонтёров, купить машину, составить график поездок."],
        "activities": ["Поездки за продуктами раз в неделю и помощь по дому два раза в месяц."],
        "timeline": ["С января 2026 года, 12 месяцев."],
        "results": ["30 пенсионеров получают продукты каждую неделю, 50 поездок."],
        "co_funding": ["Волонтёры бесплатно, это примерно 100 тыс. рублей."],
        "team": ["Я руковожу, фельдшер, двое водителей и пять волонтёров."],
    },
}
TEEN = re.compile(r"подрост|teen", re.IGNORECASE)


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
    lang: str = "ru",
) -> str:
    pack = load_pack(lang)
    plan = PlannedQuestion(kind, pack.point(rp_id), missing)  # type: ignore[arg-type]
    return TemplateWriter().compose(QuestionRequest(plan, state, pack, context))


@cache
def _kb_chunks(lang: str) -> tuple[KnowledgeChunk, ...]:
    """The shipped knowledge base as retrieval would return it (all chunks, equal scores)."""
    from grant_interviewer.adapters.knowledge.ingest import shipped_chunks

    return tuple(
        KnowledgeChunk(
            id=c.content_hash, text=c.text, source=c.source, heading=c.heading, lang=c.lang,
            reference_points=c.reference_points, score=0.8,
        )
        for c in shipped_chunks()
        if c.lang == lang
    )


def _simulate_with_kb(persona: dict[str, Any] | str, **kwargs: Any) -> list[str]:
    """Questions of a simulated interview where every question gets its topic's KB chunks."""
    data = load_persona(persona) if isinstance(persona, str) else persona
    pack = load_pack(data["lang"])
    engine = InterviewEngine(pack, read=offline_reader())
    writer = TemplateWriter()
    state = engine.new_state(session_id=kwargs.get("session_id", "kb-sim"), user_id="u1")
    used: dict[str, int] = {}
    now = NOW
    questions = []
    for _ in range(60):
        plan = engine.plan_next(state)
        if plan is None:
            break
        rp = plan.reference_point
        context = tuple(c for c in _kb_chunks(data["lang"]) if rp and rp.id in c.reference_points)
        text = writer.compose(QuestionRequest(plan, state, pack, context))
        questions.append(text)
        engine.ask(state, plan, text, now=now)
        if rp is None:
            answer = data["name"]
        else:
            answers = data["answers"].get(rp.id, [])
            answer = answers[used.get(rp.id, 0)] if used.get(rp.id, 0) < len(answers) else (
                data["default"])
            used[rp.id] = used.get(rp.id, 0) + 1
        now += timedelta(minutes=1)
        engine.record_answer(state, answer, now=now)
    return questions


def _words(question: str) -> int:
    """Words of a question without its tip line (the knowledge-base line after a newline)."""
    return len(re.findall(r"\w+", question.split("\n", 1)[0]))


# --------------------------------------------------------------------------- basics
def test_context_adds_one_short_tip_on_its_own_line() -> None:
    """Knowledge context adds one or two whole sentences of the best chunk, on a line of its own."""
    state = _state()
    plain = _compose(state, "results")
    with_tip = _compose(state, "results", context=(CHUNK,))
    question, tip = with_tip.split("\n")
    assert plain.startswith(question.split(" Эксперты")[0][:20])
    assert tip.startswith("Совет: ") and "Эксперты фонда оценивают" in tip
    assert "Третье предложение" not in with_tip and "##" not in with_tip
    assert with_tip.count("Совет:") == 1


def test_novice_gets_hint_and_example_expert_gets_a_concise_question() -> None:
    """Novices see the topic's hint and example; experts get no hint or example."""
    rp = load_pack("ru").point("co_funding")
    novice = _compose(_state(UserLevel.NOVICE), "co_funding")
    expert = _compose(_state(UserLevel.EXPERT), "co_funding")
    assert rp.hint in novice and rp.example.rstrip(".") in novice and "Например" in novice
    assert rp.hint not in expert and rp.example.rstrip(".") not in expert
    assert len(expert) < len(novice)


def test_followup_asks_only_for_what_its_own_wording_does_not() -> None:
    """A follow-up adds other missing slots in the «Уточните, пожалуйста, …» frame, not its own."""
    state = _state()
    first = _compose(state, "target_audience")
    follow = _compose(state, "target_audience", "followup", ("beneficiaries", "region"))
    assert "Уточните, пожалуйста, в каком регионе или городе пройдёт проект." in follow
    assert "сколько человек примут участие" not in follow  # the follow-up itself asks that
    assert follow != first
    assert any(f[1:] in follow for f in load_pack("ru").point("target_audience").followups)
    title = _compose(state, "project_title", "followup", ("project_title", "details"))
    assert "Уточните" not in title and "Не хватает" not in title


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


def test_amount_helper_reads_naturally() -> None:
    """Amounts read naturally in both languages."""
    assert format_amount({"amount": 1_500_000.0, "currency": "RUB"}, "ru") == "1,5 млн ₽"
    assert format_amount({"amount": 300_000.0, "currency": "RUB"}, "ru") == "300 тыс. ₽"
    assert format_amount({"amount": 2_500_000.0, "currency": "RUB"}, "en") == "2.5 million RUB"


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
    """The English pack words other missing slots in English, in one frame."""
    pack = load_pack("en")
    state = InterviewEngine(pack, read=offline_reader()).new_state(session_id="en", user_id="u")
    plan = PlannedQuestion("followup", pack.point("budget_total"), ("duration_months",))
    text = TemplateWriter().compose(QuestionRequest(plan, state, pack))
    assert "Please also tell me how many months the project lasts." in text


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
    """For a novice, a knowledge-base tip replaces the pack's hint; an example may stay."""
    rp = load_pack("ru").point("results")
    text = _compose(_state(UserLevel.NOVICE), "results", context=(CHUNK,))
    assert "Совет:" in text and rp.hint not in text


# --------------------------------------------------------------------------- grammar
_INTERROGATIVE = re.compile(
    r"^(?:какую|какой|какая|какие|какого|каком|как|сколько|кто|когда|что|чем|где|"
    r"в каком|во сколько)\b"
)


def test_every_slot_phrase_fits_the_follow_up_frame() -> None:
    """Each slot/aspect phrase is a lowercase indirect question, so the frame keeps its case."""
    pack = load_pack("ru")
    keys = [k for k in pack.phrases if k.startswith(("slot_", "aspect_"))]
    assert pack.phrases["followup_missing"] == "Уточните, пожалуйста, {missing}."
    for key in keys:
        phrase = pack.phrase(key, title="Риски")
        assert _INTERROGATIVE.match(phrase), key
        assert not phrase.endswith((".", "?")), key
    for a, b in itertools.combinations(keys, 2):
        sentence = pack.phrase(
            "followup_missing",
            missing=pack.phrase(a, title="Риски") + pack.phrases["list_and"]
            + pack.phrase(b, title="Риски"),
        )
        assert re.fullmatch(r"Уточните, пожалуйста, [^.]+ и [^.]+\.", sentence)
    en = load_pack("en")
    for key in (k for k in en.phrases if k.startswith(("slot_", "aspect_"))):
        phrase = en.phrase(key, title="Risks")
        assert re.match(r"^(?:the|how|who|when|what|their|a)\b", phrase), key


def test_interrogative_pronouns_agree_with_their_nouns() -> None:
    """pymorphy3 finds a reading where «какую сумму», «в каком регионе» agree in case and number."""
    pymorphy3 = pytest.importorskip("pymorphy3")
    morph = pymorphy3.MorphAnalyzer()
    pack = load_pack("ru")
    checked = 0
    for key in (k for k in pack.phrases if k.startswith(("slot_", "aspect_"))):
        words = re.findall(r"[а-яё]+", pack.phrase(key, title="Риски").lower())
        for i, word in enumerate(words):
            pronouns = [p for p in morph.parse(word) if "Apro" in p.tag]
            if not pronouns or word in {"что", "это", "они"}:
                continue
            noun = next(
                (w for w in words[i + 1 :] if any("NOUN" in p.tag for p in morph.parse(w))), None
            )
            assert noun is not None, key
            nouns = [p for p in morph.parse(noun) if "NOUN" in p.tag]
            assert any(
                a.tag.case == n.tag.case and a.tag.number == n.tag.number
                and (a.tag.number == "plur" or a.tag.gender in (None, n.tag.gender))
                for a in pronouns for n in nouns
            ), (key, word, noun)
            checked += 1
    assert checked >= 3


def _all_followups(lang: str) -> list[str]:
    pack = load_pack(lang)
    texts = []
    for rp in pack.reference_points:
        aspects = [*rp.completeness.required_slots, "details", "exact"]
        if rp.completeness.keywords:
            aspects.append("focus")
        for n in range(len(aspects) + 1):
            for missing in itertools.combinations(aspects, n):
                for level in UserLevel:
                    state = _state(level)
                    texts.append(_compose(state, rp.id, "followup", missing, lang=lang))
                    texts.append(_compose(state, rp.id, "topic", missing, lang=lang))
    return texts


def test_no_question_contradicts_itself_or_says_not_enough() -> None:
    """No "one sentence" next to "two or three sentences", no "Не хватает:" in any question."""
    for text in _all_followups("ru"):
        assert "Не хватает" not in text
        one = re.search(r"одн\w+ (?:предложени|фраз)", text)
        many = re.search(r"(?:два|три|нескольк)\w*[- ]\w* ?предложени", text)
        assert not (one and many), text
        assert not ("точная цифра" in text and "приблизительно" in text), text
    for text in _all_followups("en"):
        assert "Still missing" not in text
        assert not ("one sentence" in text and "two or three sentences" in text), text


# --------------------------------------------------------------------------- tips
def test_tips_are_cut_at_sentence_ends_with_balanced_quotes() -> None:
    """A full stop inside «…» never ends a tip; an example appears whole or not at all."""
    chunk = KnowledgeChunk(
        id="m", source="kb/04.md", heading="Пример: мероприятия", lang="ru", text=(
            "Неудачно: «Различные мероприятия в течение года». Удачно: «Задача 1: отбор "
            "наставников — 3 тренинга (март). Задача 2: встречи “наставник — подросток” "
            "раз в неделю»."
        ),
    )
    assert sentences(chunk.text)[1].startswith("Удачно: «Задача 1")
    assert example_from(chunk) == (
        "Задача 1: отбор наставников — 3 тренинга (март). Задача 2: встречи “наставник — "
        "подросток” раз в неделю"
    )
    assert example_from(chunk, max_chars=60) == ""  # too long: not cut
    assert tip_from(chunk) == ""  # example sentences are never shown as advice
    trimmed = KnowledgeChunk(id="t", source="s", heading="", lang="ru", text=(
        "Первое предложение совета целиком. Второе предложение обрезано бюджетом конт"))
    assert tip_from(trimmed) == "Первое предложение совета целиком."
    assert tip_from(CHUNK, max_chars=120) == (
        "Эксперты фонда оценивают, насколько результаты измеримы и достижимы."
    )


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_shipped_chunk_gives_a_clean_tip_or_none(lang: str) -> None:
    """Every knowledge-base chunk yields whole sentences with balanced quotes, or nothing."""
    for chunk in _kb_chunks(lang):
        for text in (tip_from(chunk), example_from(chunk)):
            assert text.count("«") == text.count("»"), (chunk.heading, text)
            assert text.count("“") == text.count("”"), (chunk.heading, text)
            assert text.count('"') % 2 == 0, (chunk.heading, text)
            assert len(text) <= 240
        tip = tip_from(chunk)
        assert not tip or tip[-1] in ".!?…»”\"", (chunk.heading, tip)


def test_every_direction_has_kb_examples_in_both_languages() -> None:
    """The knowledge base holds a good example per direction for problem, goal and results."""
    from grant_interviewer.domain.directions import DIRECTIONS
    from grant_interviewer.domain.tips import chunk_direction

    for lang in ("ru", "en"):
        found = {
            (chunk_direction(c), rp)
            for c in _kb_chunks(lang) if example_from(c) for rp in c.reference_points
        }
        for d in DIRECTIONS:
            for rp in ("problem", "goal", "results"):
                assert (d.id, rp) in found, (lang, d.id, rp)


# --------------------------------------------------------------------------- direction
@pytest.mark.parametrize(
    ("persona", "direction"), [(WRESTLING, "health"), (ELDERLY, "social_services")]
)
def test_examples_and_tips_fit_the_projects_direction(
    persona: dict[str, Any], direction: str
) -> None:
    """A wrestling group or elderly care never sees a teenager-club example; they see their own."""
    for level in (None, "novice"):
        data = dict(persona)
        if level:  # a novice gets an example in (almost) every question
            data["answers"] = {k: ["не знаю", *v] for k, v in persona["answers"].items()}
        questions = _simulate_with_kb(data)
        assert not any(TEEN.search(q) for q in questions), [q for q in questions if TEEN.search(q)]
    questions = _simulate_with_kb(persona)
    pack = load_pack("ru")
    own = {text for rp in pack.reference_points for d, text in rp.examples if d == direction}
    kb_own = [q for q in questions if "Пример сильной формулировки" in q]
    novice = _simulate_with_kb({**persona, "answers": {
        k: ["не знаю", *v] for k, v in persona["answers"].items()}})
    assert kb_own or any(e.rstrip(".") in q for q in novice for e in own)
    state = InterviewEngine(pack, read=offline_reader()).new_state(session_id="d", user_id="u")
    state.slots["direction"] = direction
    assert project_direction(state) == direction


def test_pack_examples_exist_for_the_main_directions() -> None:
    """Every topic whose general example names a group has variants for the main directions."""
    for lang in ("ru", "en"):
        pack = load_pack(lang)
        for rp_id in ("project_essence", "problem", "target_audience", "goal", "results"):
            keys = {d for d, _ in pack.point(rp_id).examples}
            assert {"social_services", "health", "family", "culture", "ecology"} <= keys


# --------------------------------------------------------------------------- names
def test_name_is_the_addressing_form_now_and_then() -> None:
    """First name and patronymic, never the surname; first topic question; never twice running."""
    questions = _simulate_with_kb(ELDERLY)[1:]
    with_name = [i for i, q in enumerate(questions) if "Светлана Юрьевна" in q]
    assert not any("Кравец" in q for q in questions)
    assert with_name[0] == 0  # the first topic question
    assert all(b - a > 1 for a, b in itertools.pairwise(with_name))
    assert 2 <= len(with_name) <= len(questions) * 0.4


def test_name_returns_after_a_long_pause() -> None:
    """An answer that came after a long pause gets a question with the person's name."""
    pack = load_pack("ru")
    engine = InterviewEngine(pack, read=offline_reader())
    state = engine.new_state(session_id="pause", user_id="u")
    for rp_id, answer in (("project_essence", ELDERLY["answers"]["project_essence"][0]),):
        engine.ask(state, PlannedQuestion("name", None), pack.phrase("ask_name"), now=NOW)
        engine.record_answer(state, "Соколова Ирина", now=NOW)
        engine.ask(state, PlannedQuestion("topic", pack.point(rp_id)), "Первый вопрос", now=NOW)
        engine.record_answer(state, answer, now=NOW + timedelta(minutes=1))
    quick = _compose(state, "problem")
    engine.ask(state, PlannedQuestion("topic", pack.point("problem")), "Ирина, вопрос", now=NOW)
    engine.record_answer(state, ELDERLY["answers"]["problem"][0], now=NOW + timedelta(hours=3))
    engine.ask(state, PlannedQuestion("topic", pack.point("goal")), "Вопрос", now=NOW)
    engine.record_answer(state, ELDERLY["answers"]["goal"][0], now=NOW + timedelta(hours=5))
    after_pause = _compose(state, "tasks")
    assert "Соколова" not in quick + after_pause
    assert after_pause.startswith(("Ирина, ", "Вы писали")) and "Ирина, " in after_pause


# --------------------------------------------------------------------------- recall, length
def test_recall_only_what_bears_on_the_question() -> None:
    """Topics recall only their own facts: no months or people before risks, no dates at all."""
    state = _state()
    state.slots.update({
        "requested_amount": {"amount": 1_500_000.0, "currency": "RUB"},
        "duration_months": 12, "beneficiaries": 120, "beneficiary_group": "подростков",
        "region": "Кемеровская область", "start_month": "декабрь 2027", "start": "2027-12",
    })
    for rp in load_pack("ru").reference_points:
        text = _compose(state, rp.id)
        assert "мес." not in text and "2027" not in text, text
        if rp.id not in RECALL:
            assert "Вы упомянули" not in text and "Вы писали" not in text, text
    assert "Вы упомянули: 120 подростков." in _compose(state, "results")
    assert "запрашиваемая сумма — 1,5 млн ₽" in _compose(state, "co_funding")
    assert "Кемеровская область" in _compose(state, "problem")
    state.slots["beneficiaries"] = 21  # "21 подростков" would not agree
    assert "Вы упомянули: 21 подросток." in _compose(state, "results")
    state.slots.update(beneficiaries=3, beneficiary_group="подросток")  # a lemma is inflected
    assert "Вы упомянули: 3 подростка." in _compose(state, "results")
    state.slots.update(beneficiaries=200, beneficiary_group="многодетная семья")
    assert "число участников — 200" in _compose(state, "results")  # no guessing at adjectives


def _example_personas() -> list[str]:
    return sorted(p.stem for p in Path(PERSONAS).glob("*.yaml"))


@cache
def _all_interviews() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Questions of every example persona (and the two above): without and with KB context."""
    plain: list[str] = []
    with_kb: list[str] = []
    for persona in [*_example_personas(), WRESTLING, ELDERLY]:
        plain += simulate(persona).questions
        with_kb += _simulate_with_kb(persona)
    return tuple(plain), tuple(with_kb)


def test_questions_average_at_most_35_words() -> None:
    """Over every example persona (and the two above), with and without KB tips: ≤ 35 words."""
    plain, with_kb = _all_interviews()
    counts = [_words(q) for q in (*plain, *with_kb)]
    assert len(counts) > 60
    assert sum(counts) / len(counts) <= 35


def test_no_question_says_the_same_thing_twice() -> None:
    """No sentence repeats within a question, and hints never restate the question itself."""
    pack = load_pack("ru")
    plain, with_kb = _all_interviews()
    for question in (*plain, *with_kb):
        parts = sentences(question.replace("\n", " "))
        assert len(parts) == len(set(parts)), question
    coverage = pack.point("info_coverage")
    overlapping = coverage.questions[1]  # "… — соцсети, СМИ, сайт?", as the hint says
    assert "соцсети, СМИ, сайт" in overlapping and "соцсети, СМИ, сайт" in coverage.hint
    hinted = 0
    for n in range(40):  # sessions vary the wording and whether a hint is added
        state = _state()
        state.session_id = f"s{n}"
        text = _compose(state, "info_coverage")
        hinted += coverage.hint in text
        assert not (overlapping[1:] in text and coverage.hint in text), text
    assert hinted  # the hint does appear with the other wordings


def test_pack_examples_are_neutral_by_default_and_true_to_their_direction() -> None:
    """The general example names no direction; a variant names its own direction or none."""
    from grant_interviewer.domain.directions import infer_direction

    for lang in ("ru", "en"):
        for rp in load_pack(lang).reference_points:
            assert infer_direction([rp.example], lang)[0] is None, (lang, rp.id, rp.example)
            for key, text in rp.examples:
                assert infer_direction([text], lang)[0] in (key, None), (lang, rp.id, key)


def test_a_general_kb_example_about_another_group_is_left_out() -> None:
    """An example chunk without a direction heading is kept only if its text fits the project."""
    from grant_interviewer.domain.tips import choose_tip

    teen = KnowledgeChunk(
        id="t", source="kb/04.md", heading="Примеры > Пример: цель проекта", lang="ru",
        text="Неудачно: «Работа с молодёжью». Удачно: «Вовлечь 60 подростков в занятия клуба "
             "наставничества, чтобы подростки из группы риска реже попадали на учёт»."
    )
    place = KnowledgeChunk(
        id="p", source="kb/04.md", heading="Примеры > Пример: география", lang="ru",
        text="Неудачно: «Вся Россия». Удачно: «Вологодская область: город Котлас и 6 сёл»."
    )
    assert choose_tip((teen,), direction="health", family=None, shown=()) == ("", "")
    assert choose_tip((teen,), direction="youth", family=None, shown=())[0] == "example"
    assert choose_tip((place,), direction="health", family=None, shown=()) == (
        "example", "Вологодская область: город Котлас и 6 сёл"
    )


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_follow_up_answers_what_the_last_answer_was(lang: str) -> None:
    """A non-answer, a question back, "писала выше" and off-topic text each get their lead-in."""
    pack = load_pack(lang)
    rp = pack.point("goal")
    for answer_class, key in (
        ("non_answer", "followup_unsure"), ("question_back", "followup_question_back"),
        ("refers_back", "followup_refers_back"), ("off_topic", "followup_off_topic"),
    ):
        state = InterviewEngine(pack, read=offline_reader()).new_state(session_id="c", user_id="u")
        state.level = UserLevel.EXPERT
        text = TemplateWriter().compose(QuestionRequest(
            PlannedQuestion("followup", rp, (answer_class, "details")), state, pack))
        assert text.startswith(pack.phrase(key, title=rp.title)), text
        assert (rp.hint in text) == (answer_class == "question_back")  # asked: explained


def test_name_comes_back_on_the_last_required_topic() -> None:
    """The question that completes the required topics addresses the person again."""
    pack = load_pack("ru")
    engine = InterviewEngine(pack, read=offline_reader())
    state = engine.new_state(session_id="end", user_id="u")
    state.name = "Соколова Ирина"
    engine.ask(state, PlannedQuestion("name", None), pack.phrase("ask_name"), now=NOW)
    engine.record_answer(state, "Соколова Ирина", now=NOW)
    engine.ask(state, PlannedQuestion("topic", pack.point("goal")), "Ирина, вопрос", now=NOW)
    engine.record_answer(state, "ответ", now=NOW)
    engine.ask(state, PlannedQuestion("topic", pack.point("tasks")), "Вопрос", now=NOW)
    engine.record_answer(state, "ответ", now=NOW)
    for rp in pack.reference_points:
        if rp.required and rp.id != "team":
            state.topics[rp.id].status = TopicStatus.COMPLETE
    assert _compose(state, "team").startswith("Ирина, ")
    state.topics["risks"].status = TopicStatus.MISSING  # optional topics do not count
    assert _compose(state, "team").startswith("Ирина, ")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_an_approximate_figure_is_asked_for_exactly(lang: str) -> None:
    """"Миллион где-то" → the follow-up recalls it and asks for the exact sum, never "roughly"."""
    pack = load_pack(lang)
    state = InterviewEngine(pack, read=offline_reader()).new_state(session_id="x", user_id="u")
    state.slots.update(requested_amount={"amount": 1e6, "currency": "RUB"},
                       approximate=["requested_amount"])
    text = TemplateWriter().compose(QuestionRequest(
        PlannedQuestion("followup", pack.point("budget_total"), ("exact",)), state, pack))
    assert text.startswith(pack.phrase("recall_approximate", value=format_amount(
        {"amount": 1e6, "currency": "RUB"}, lang)))
    assert pack.phrase("followup_exact", what=pack.phrase("slot_requested_amount")) in text
    assert not any(core[1:] in text for core in pack.point("budget_total").followups)


def test_a_tip_that_repeats_the_question_gives_way_to_the_next_chunk() -> None:
    """"Описание — это суть в нескольких предложениях" under that very question is passed over."""
    pack = load_pack("ru")
    core = pack.point("project_essence").questions[0]
    echo = KnowledgeChunk(id="e", source="kb/01.md", heading="Краткое описание", lang="ru",
                          score=0.9, text="Расскажите в нескольких предложениях суть проекта, "
                          "что вы хотите сделать и для кого это важно.")
    other = KnowledgeChunk(id="o", source="kb/01.md", heading="Грантовое направление", lang="ru",
                           score=0.8, text=("Длинное предложение " * 30).strip() + ". Выбирайте "
                           "направление по сути проекта, а не по тому, где меньше конкурс.")
    for n in range(12):
        state = _state()
        state.session_id = f"e{n}"
        text = _compose(state, "project_essence", context=(echo, other))
        if core[1:] in text:
            assert "Совет: Выбирайте направление по сути проекта" in text
            return
    raise AssertionError("the first wording never came up")
