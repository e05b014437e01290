"""In-conversation commands and notices of the interview service (real SQLite, no retrieval).

These words are shared by every channel (terminal, Telegram, web), so they are tested here,
on the service, once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from grant_interviewer.bootstrap import App, build_app
from grant_interviewer.domain.model import TopicStatus
from grant_interviewer.service import Reply
from grant_interviewer.settings import get_settings
from grant_interviewer.simulation import load_persona

PERSONAS = Path(__file__).resolve().parent.parent / "examples" / "personas"
COOPERATIVE = load_persona(PERSONAS / "cooperative_ru.yaml")
ESSENCE = COOPERATIVE.answers["project_essence"][0]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """The wired app on a fresh SQLite file, exports into tmp_path/exports."""
    wired = await build_app(get_settings(), export_dir=tmp_path / "exports", retriever=False)
    yield wired
    await wired.aclose()


async def _past_name(app: App, user: str) -> Reply:
    await app.service.start(user, lang="ru")
    return await app.service.handle(user, "Анна")


async def test_status_lists_progress_and_keeps_the_question(app: App) -> None:
    """/status shows "done of total" and every topic, then repeats the pending question."""
    asked = await _past_name(app, "s1")
    await app.service.handle("s1", ESSENCE)
    reply = await app.service.handle("s1", "/status")
    state = await app.service.find("s1")
    assert reply.kind == "info"
    assert f"Готово {reply.done} из {reply.total}" in reply.text
    assert reply.total == 13 and 1 <= reply.done < reply.total
    essence = app.service.engine("ru").pack.point("project_essence").title
    assert f"✅ {essence}" in reply.text
    assert state.pending_turn is not None and reply.question == state.pending_turn.question
    assert asked.question != reply.question  # the interview moved on before /status


async def test_skip_required_topic_is_explained_and_asked_again_later(app: App) -> None:
    """/skip on a required topic says why it matters and comes back to it afterwards."""
    asked = await _past_name(app, "s2")
    assert asked.reference_point == "project_essence"
    reply = await app.service.handle("s2", "/skip")
    assert "пропустить нельзя" in reply.text and "обязательный раздел" in reply.text
    assert reply.reference_point != "project_essence"
    seen = [reply.reference_point]
    for _ in range(6):
        rp = seen[-1]
        assert rp is not None
        reply = await app.service.handle("s2", COOPERATIVE.answers[rp][0])
        seen.append(reply.reference_point)
        if reply.reference_point == "project_essence":
            break
    assert "project_essence" in seen[1:]


async def test_skip_optional_topic_marks_it_skipped(app: App) -> None:
    """/skip on an optional topic is accepted and the topic ends up skipped, not asked again."""
    await _past_name(app, "s3")
    state = await app.service.find("s3")
    optional = next(rp for rp in app.service.engine("ru").pack.reference_points
                    if not rp.required)
    # Answer every required topic the cooperative way until the first optional topic is asked.
    reply = await app.service.handle("s3", ESSENCE)
    while reply.reference_point is not None and reply.reference_point != optional.id:
        pack_point = app.service.engine("ru").pack.point(reply.reference_point)
        if not pack_point.required:
            optional = pack_point
            break
        reply = await app.service.handle("s3", COOPERATIVE.answers[reply.reference_point][0])
    assert reply.reference_point == optional.id
    skipped = await app.service.handle("s3", "/skip")
    state = await app.service.find("s3")
    assert f"пропускаем тему «{optional.title}»" in skipped.text
    assert state.topics[optional.id].status == TopicStatus.SKIPPED
    assert skipped.reference_point != optional.id


async def test_back_reopens_the_previous_question_and_replaces_its_answer(app: App) -> None:
    """/back asks the previous question again; the new answer replaces the old one."""
    first = await _past_name(app, "s4")
    await app.service.handle("s4", "Клуб для подростков")
    back = await app.service.handle("s4", "/back")
    assert back.question == first.question
    assert "Вернулись на шаг назад" in back.text
    await app.service.handle("s4", ESSENCE)
    state = await app.service.find("s4")
    answers = [t.answer for t in state.turns if t.reference_point == "project_essence"]
    assert ESSENCE in answers and "Клуб для подростков" not in answers


async def test_finish_early_asks_to_confirm_then_exports_and_lists_what_is_missing(
        app: App, tmp_path: Path) -> None:
    """/finish with required topics missing asks to confirm; confirmed, it ends the interview,
    names what is missing, offers /continue, and the files are written on request."""
    await _past_name(app, "s5")
    asked = await app.service.handle("s5", ESSENCE)
    confirm = await app.service.handle("s5", "/finish")
    assert confirm.kind == "confirm" and not confirm.finished
    assert [a.command for a in confirm.actions] == ["/finish confirm", "/continue"]
    assert confirm.question == asked.question  # the question still waits for its answer
    assert app.service.engine("ru").pack.point("budget_total").title in confirm.text
    reply = await app.service.handle("s5", "/finish confirm")
    assert reply.finished and reply.kind == "finished"
    assert [a.command for a in reply.actions] == ["/continue"]
    files = await app.service.write_exports(reply.session_id)
    assert sorted(p.suffix for p in files) == [".docx", ".json", ".md"]
    assert all(p.exists() for p in files)
    engine = app.service.engine("ru")
    expected = [rp.title for rp, _ in engine.missing(await app.service.find("s5"))
                if rp.required]
    assert list(reply.missing) == expected and len(expected) >= 5
    assert engine.pack.point("budget_total").title in reply.missing
    # The reply sums up what was collected (the essence named the club and the city).
    assert "Ключевые параметры:" in reply.text
    assert "Регион: Кемеровская область" in reply.text
    # the title was only read from quotes: asked to confirm, not stated as a fact
    assert "Название проекта: Точка роста" not in reply.text
    assert "Опыт заявителя" not in reply.text  # inferences are not shown back as facts
    assert "не хватает" in reply.text.lower()
    later = await app.service.handle("s5", "ещё один ответ")
    assert later.kind == "info" and "/continue" in later.text and "/restart" in later.text
    assert [a.command for a in later.actions] == ["/continue", "/restart"]
    reopened = await app.service.handle("s5", "/continue")
    assert reopened.kind == "question" and not reopened.finished
    assert reopened.session_id == reply.session_id and reopened.reference_point is not None
    again = await app.service.handle("s5", "/restart")
    assert again.kind == "confirm" and again.actions[0].command == "/restart confirm"
    restarted = await app.service.handle("s5", "/restart confirm")
    assert restarted.question and restarted.session_id != reply.session_id


async def test_budget_spent_with_required_topics_missing_offers_to_go_on(app: App) -> None:
    """At the question budget with required topics missing the interview asks whether to go
    on or finish — never a dead end — and /continue asks about a missing topic."""
    await _past_name(app, "b1")
    engine = app.service.engine("ru")
    engine.max_questions = 2  # the name and one answer spend it
    try:
        reply = await app.service.handle("b1", "не знаю")
        assert reply.kind == "confirm" and reply.question is None and not reply.finished
        assert [a.command for a in reply.actions] == ["/continue", "/finish confirm"]
        assert engine.pack.point("budget_total").title in reply.text
        going = await app.service.handle("b1", "/continue")
        assert going.kind == "question" and going.reference_point is not None
        assert engine.pack.point(going.reference_point).required
    finally:
        engine.max_questions = engine.pack.max_questions


async def test_help_and_unknown_command_keep_the_question(app: App) -> None:
    """/help explains the commands; an unknown command is named; the question stays pending."""
    asked = await _past_name(app, "s6")
    helped = await app.service.handle("s6", "/help")
    unknown = await app.service.handle("s6", "/frobnicate")
    state = await app.service.find("s6")
    assert "/skip" in helped.text and helped.question == asked.question
    assert "/frobnicate" in unknown.text and unknown.question == asked.question
    assert [t.answer for t in state.turns if t.reference_point == "project_essence"] == [None]


async def test_required_done_notice_comes_once_when_the_essentials_are_in(app: App) -> None:
    """Once every required topic is complete the reply says so and offers /finish, once."""
    reply = await _past_name(app, "s7")
    notices: list[tuple[int, Reply]] = []
    turn = 0
    while not reply.finished and reply.reference_point is not None:
        answers = COOPERATIVE.answers.get(reply.reference_point) or [COOPERATIVE.default]
        reply = await app.service.handle("s7", answers[0])
        turn += 1
        if "Все обязательные темы заполнены" in reply.text:
            notices.append((turn, reply))
    assert len(notices) == 1
    _, notice = notices[0]
    assert "/finish" in notice.text and notice.done == notice.total
    assert notice.question is not None  # optional topics are still offered
    assert not app.service.engine("ru").pack.point(str(notice.reference_point)).required


async def test_status_says_whether_knowledge_base_tips_are_on(tmp_path: Path) -> None:
    """/status tells the applicant whether FPG tips are loading, on, or unavailable."""
    import threading

    from grant_interviewer.adapters.embeddings.fake_backend import clear_fakes, configure_fake
    from grant_interviewer.adapters.embeddings.manager import (
        ModelSpec,
        get_manager,
        reset_managers,
    )
    from grant_interviewer.adapters.knowledge.retriever import KnowledgeRetriever
    from grant_interviewer.adapters.vectorstore.edge import QdrantEdgeStore

    gate = threading.Event()
    configure_fake("gated", gate=gate)
    configure_fake("absent", missing=True)

    async def status_text(model: str, user: str, *, release: bool = False,
                          settle: bool = False) -> str:
        store = QdrantEdgeStore(tmp_path / f"qdrant-{model}", "kb")
        retriever = KnowledgeRetriever(get_manager(ModelSpec(backend="fake", model=model)),
                                       store)
        app = await build_app(get_settings(), export_dir=None, retriever=retriever)
        try:
            await app.service.start(user, lang="ru")
            if release:
                gate.set()
                assert await retriever.wait_until_prepared(30)
            if settle:  # wait for the load's outcome (a failure returns False at once)
                assert not await retriever.wait_until_prepared(30)
            return (await app.service.handle(user, "/status")).text
        finally:
            await app.aclose()

    try:
        loading = await status_text("gated", "k1")
        ready = await status_text("gated", "k2", release=True)
        absent = await status_text("absent", "k3", settle=True)
    finally:
        gate.set()
        reset_managers()
        clear_fakes()
    assert "загружаются" in loading
    assert "Подсказки из базы знаний ФПГ: включены." in ready
    assert "недоступны" in absent


async def test_status_without_retrieval_has_no_knowledge_base_line(app: App) -> None:
    """With retrieval disabled, /status does not talk about tips at all."""
    await _past_name(app, "k4")
    assert "базы знаний" not in (await app.service.handle("k4", "/status")).text


async def test_messages_sent_at_once_are_taken_in_order_and_none_is_lost(app: App) -> None:
    """A burst from one user (a double tap, a slow network) is serialised: every answer lands."""
    import asyncio

    await _past_name(app, "burst")
    answers = [ESSENCE, "Точка роста", COOPERATIVE.answers["problem"][0], "/status"]
    replies = await asyncio.gather(*(app.service.handle("burst", a) for a in answers))
    state = await app.service.find("burst")
    given = [t.answer for t in state.turns if t.answer is not None]
    assert given[1:4] == answers[:3]  # after the name, in the order they were sent
    assert [r.kind for r in replies] == ["question", "question", "question", "info"]


async def test_no_per_user_state_is_kept_between_turns(app: App) -> None:
    """A long-running bot does not accumulate a lock per user who ever wrote."""
    import asyncio

    await asyncio.gather(*(_past_name(app, f"u{i}") for i in range(50)))
    assert app.service._locks == {}  # the leak this test guards against


async def test_summary_does_not_state_a_guessed_title_as_a_fact(app: App) -> None:
    """A title only read from quotes in a short answer is asked about, not summed up as known."""
    await _past_name(app, "t1")
    await app.service.handle("t1", "Клуб «Точка роста» в Кемерове для 120 подростков.")
    assert (await app.service.find("t1")).slots.get("project_title") == "Точка роста"  # a guess
    done = await app.service.handle("t1", "/finish confirm")
    title = app.service.engine("ru").pack.point("project_title").title
    assert f"{title}: Точка роста" not in done.text and title in done.missing
    assert "Регион: Кемеровская область" in done.text  # facts stated are summed up


async def test_a_storage_failure_mid_interview_is_a_polite_reply_and_loses_nothing(
        app: App, tmp_path: Path) -> None:
    """The database goes away for a moment: the turn apologises, then the resend works."""
    import sqlite3

    asked = await _past_name(app, "db")
    database = get_settings().data_dir / "interviews.sqlite3"
    assert database.exists(), list(get_settings().data_dir.iterdir())
    with sqlite3.connect(database) as conn:  # another process breaks the schema under us
        conn.execute("ALTER TABLE sessions RENAME TO sessions_away")
    failed = await app.service.handle("db", ESSENCE)
    with sqlite3.connect(database) as conn:
        conn.execute("ALTER TABLE sessions_away RENAME TO sessions")
    assert failed.kind == "error" and "отправьте, пожалуйста, последнее сообщение" in failed.text
    retried = await app.service.handle("db", ESSENCE)
    state = await app.service.find("db")
    assert retried.kind == "question" and retried.question != asked.question
    assert [t.answer for t in state.turns if t.reference_point == "project_essence"] == [ESSENCE]


async def test_a_message_sent_before_the_question_was_shown_extends_the_previous_answer(
        app: App) -> None:
    """A reply split over quick messages is one answer: a message stamped before the pending
    question could be read is appended to the previous answer, and the question is planned
    again; a duplicate delivery of a message changes nothing."""
    from datetime import timedelta

    await _past_name(app, "q1")
    first = await app.service.handle("q1", "Клуб для подростков.", message_id="m1")
    state = await app.service.find("q1")
    asked_at = state.turns[-1].asked_at
    extra = "В Кемерове, бесплатно, кружки робототехники и медиа."
    amended = await app.service.handle("q1", extra, sent_at=asked_at - timedelta(seconds=0.5),
                                       message_id="m2")
    state = await app.service.find("q1")
    essence = [t for t in state.turns if t.reference_point == "project_essence" and t.answer]
    assert len(essence) == 1 and essence[0].answer == f"Клуб для подростков.\n{extra}"
    assert essence[0].message_ids == ["m1", "m2"]
    assert amended.kind == "question" and state.pending_turn is not None
    assert len(state.turns) == 3  # name, the essence, one pending question (not two)
    again = await app.service.handle("q1", extra, message_id="m2")
    assert again.duplicate and again.question == amended.question
    assert (await app.service.find("q1")).turns[1].answer == essence[0].answer
    late = await app.service.handle("q1", "Ответ на новый вопрос.",
                                    sent_at=state.turns[-1].asked_at + timedelta(seconds=30))
    assert late.kind == "question"
    answered = (await app.service.find("q1")).turns[2]
    assert answered.answer == "Ответ на новый вопрос." and first.kind == "question"


async def test_a_confirmation_answered_with_another_topic_keeps_the_guess_and_moves_on(
        app: App) -> None:
    """"Бюджет 120 000 рублей" to "Название — «Тёплый дом», верно?" is the budget: the title
    stays «Тёплый дом» (unconfirmed), the interview moves on instead of re-asking the title at
    once, and the confirmation comes back later."""
    await _past_name(app, "c1")
    asked = await app.service.handle(
        "c1", "Проект «Тёплый дом» — клуб для одиноких пожилых людей в Арзамасе.\n"
              "Два раза в неделю занятия: компьютерная грамотность, хор, прогулки.\n"
              "Участников 60 человек, волонтёров 12.")
    assert asked.reference_point == "project_title" and "«Тёплый дом»" in str(asked.question)
    after = await app.service.handle("c1", "Бюджет 120 000 рублей")
    assert after.reference_point != "project_title"
    state = await app.service.find("c1")
    assert state.slots["project_title"] == "Тёплый дом"
    assert state.slots["total_cost"]["amount"] == 120000
    assert state.topics["project_title"].missing == ["confirm"]
    reply = after
    for _ in range(40):  # the person knows nothing else; the confirmation is asked again
        if reply.reference_point == "project_title":
            break
        if reply.question is None:
            reply = await app.service.handle("c1", "/continue")
            continue
        reply = await app.service.handle("c1", "не знаю")
    assert reply.reference_point == "project_title" and "«Тёплый дом»" in str(reply.question)
    await app.service.handle("c1", "да")
    state = await app.service.find("c1")
    assert state.topics["project_title"].status == TopicStatus.COMPLETE


async def test_a_recall_is_not_repeated_in_the_next_questions(app: App) -> None:
    """"Вы упомянули: …" opens a question at most once in any three in a row — also when a
    person who knows nothing else goes on (/continue) and the parked topics come back."""
    await _past_name(app, "r1")
    reply = await app.service.handle(
        "r1", "Проект «Тёплый дом» — клуб для одиноких пожилых людей в Арзамасе.\n"
              "Участников 60 человек, волонтёров 12.")
    questions = [str(reply.question)]
    for _ in range(45):
        if reply.finished:
            break
        if reply.question is None:
            reply = await app.service.handle("r1", "/continue")
        else:
            reply = await app.service.handle("r1", "да" if "верно" in str(reply.question)
                                             else "не знаю")
        if reply.question is not None:
            questions.append(str(reply.question))
    recalls = [q for q in questions if q.startswith(("Вы упомянули", "Вы писали"))]
    assert recalls, questions
    for first, second, third in zip(questions, questions[1:], questions[2:], strict=False):
        opening = first.split(".")[0]
        if opening.startswith(("Вы упомянули", "Вы писали")):
            assert not second.startswith(opening) and not third.startswith(opening), questions


async def test_an_answer_that_fills_another_section_is_acknowledged(app: App) -> None:
    """Co-funding given to the problem question: the follow-up says it was recorded there
    before asking about the problem again."""
    await _past_name(app, "n1")
    reply = await app.service.handle(
        "n1", "Проект «Тёплый дом» — клуб для одиноких пожилых людей в Арзамасе, 60 участников.")
    for _ in range(4):
        if reply.reference_point == "problem":
            break
        reply = await app.service.handle("n1", "да")
    assert reply.reference_point == "problem"
    after = await app.service.handle(
        "n1", "Софинансирование 300 тысяч рублей — помещение и работа волонтёров")
    state = await app.service.find("n1")
    assert state.topics["co_funding"].status == TopicStatus.COMPLETE
    assert after.reference_point == "problem"
    assert str(after.question).startswith("Это записано в раздел «Софинансирование».")
