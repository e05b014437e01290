"""A whole interview and every command through the Telegram bot (real polling, fake Bot API)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("aiogram")

from fake_telegram import FakeUser
from fake_telegram_bot import Harness, running_bot
from grant_interviewer.domain.model import SessionStatus
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.simulation import load_persona, next_answer

ROOT = Path(__file__).resolve().parents[1]
ADMIN_CHAT = -4242


@pytest.fixture
async def bot(monkeypatch: pytest.MonkeyPatch, isolated_settings: Path) -> Harness:
    """A bot with an operators' chat configured."""
    async with running_bot(monkeypatch, isolated_settings,
                           GRANT_INTERVIEWER_ADMIN_CHAT_ID=str(ADMIN_CHAT)) as harness:
        yield harness  # type: ignore[misc]


async def test_a_whole_interview_ends_with_documents_for_applicant_and_operators(
    bot: Harness,
) -> None:
    """A persona answers every question; the thank-you, then .docx and .md, then the operators."""
    persona = load_persona(ROOT / "examples/personas/cooperative_ru.yaml",
                           known_ids=load_pack("ru").ids)
    anna = FakeUser(201, "Анна")
    await bot.start(anna)
    used: dict[str, int] = {}
    for _ in range(60):
        state = await bot.state(anna)
        if state.status != SessionStatus.ACTIVE:
            break
        pending = state.pending_turn
        assert pending is not None

        class _R:  # what next_answer reads of a Reply
            reference_point = pending.reference_point

        await bot.ask(anna, next_answer(persona, _R(), used))  # type: ignore[arg-type]
    state = await bot.state(anna)
    assert state.status == SessionStatus.FINISHED
    docs = await bot.tg.wait_for(lambda: len(bot.tg.docs(anna.id)) >= 2 and bot.tg.docs(anna.id))
    assert sorted(d.filename.rsplit(".", 1)[1] for d in docs) == ["docx", "md"]
    md = next(d for d in docs if d.filename.endswith(".md")).data.decode()
    assert "Точка роста" in md
    assert next(d for d in docs if d.filename.endswith(".docx")).data[:2] == b"PK"
    thanks = [m for m in bot.tg.to(anna.id) if "Спасибо" in m.text]
    assert thanks and thanks[-1].at <= min(d.at for d in docs)  # the thank-you comes first
    admin = await bot.tg.wait_for(lambda: len(bot.tg.docs(ADMIN_CHAT)) >= 2)
    assert admin
    assert any(state.session_id in m.text for m in bot.tg.to(ADMIN_CHAT))
    progress = [m for m in bot.tg.to(anna.id) if "Прогресс:" in m.text]
    questions = [m for m in bot.tg.to(anna.id) if "?" in m.text]
    assert 1 <= len(progress) < len(questions) / 2  # now and then, not on every message


async def test_status_skip_back_help_continue(bot: Harness) -> None:
    """The service's commands work from Telegram as typed commands."""
    anna = FakeUser(202)
    await bot.start(anna)
    await bot.ask(anna, "Анна")
    first = (await bot.state(anna)).pending_turn
    assert first is not None
    status = await bot.ask(anna, "/status")
    assert "из" in status.text
    skipped = await bot.ask(anna, "/skip")
    assert skipped.text
    back = await bot.ask(anna, "/back")
    assert "назад" in back.text.lower()
    helped = await bot.ask(anna, "/help")
    assert "/export" in helped.text and "/delete_me" in helped.text
    continued = await bot.ask(anna, "/continue")
    pending = (await bot.state(anna)).pending_turn
    assert pending is not None and pending.question in continued.text


async def test_export_sends_docx_and_md_mid_interview(bot: Harness) -> None:
    """/export mid-interview sends the questionnaire so far as two documents."""
    anna = FakeUser(203)
    await bot.start(anna)
    await bot.ask(anna, "Анна")
    await bot.tg.say(anna, "/export")
    docs = await bot.tg.wait_for(lambda: len(bot.tg.docs(anna.id)) >= 2 and bot.tg.docs(anna.id))
    assert {d.filename.rsplit(".", 1)[1] for d in docs} == {"docx", "md"}


async def test_export_before_any_interview_says_so(bot: Harness) -> None:
    """/export with no interview yet: a short explanation, no documents."""
    anna = FakeUser(204)
    reply = await bot.ask(anna, "/export")
    assert "/start" in reply.text and not bot.tg.docs(anna.id)


async def test_delete_me_asks_then_deletes_everything(bot: Harness) -> None:
    """/delete_me shows a confirmation; "yes" deletes the sessions and says so."""
    anna = FakeUser(205)
    await bot.start(anna)
    await bot.ask(anna, "Анна")
    confirm = await bot.ask(anna, "/delete_me")
    assert len(confirm.buttons) == 2
    await bot.tg.tap(anna, confirm, "delete:no")
    await bot.tg.wait_for(lambda: "Ничего не удалено" in confirm.text)
    assert (await bot.state(anna)).name == "Анна"
    confirm = await bot.ask(anna, "/delete_me")
    await bot.tg.tap(anna, confirm, "delete:yes")
    await bot.tg.wait_for(lambda: "удалено интервью — 1" in confirm.text)
    with pytest.raises(Exception, match="no interview"):
        await bot.state(anna)


async def test_lang_switches_the_interview(bot: Harness) -> None:
    """/lang en goes on in English with the same answers; a bad argument shows the usage."""
    anna = FakeUser(206)
    await bot.start(anna)
    await bot.ask(anna, "Анна")
    usage = await bot.ask(anna, "/lang de")
    assert "/lang ru" in usage.text
    english = await bot.ask(anna, "/lang en")
    state = await bot.state(anna)
    assert state.lang == "en" and state.name == "Анна"
    assert state.pending_turn is not None and state.pending_turn.question in english.text
    status = await bot.ask(anna, "/stats")
    assert "/help" in status.text  # the service's words are English now


async def test_finish_confirm_and_continue_buttons(bot: Harness) -> None:
    """/finish with required topics missing asks with buttons; "finish" ends it and sends the
    files; the finished message's "continue" button reopens the interview."""
    anna = FakeUser(207)
    await bot.start(anna)
    await bot.ask(anna, "Анна")
    reply = await bot.ask(anna, "/finish")
    commands = [b["callback_data"] for row in reply.buttons for b in row]
    assert commands == ["do:/finish confirm", "do:/continue"]
    count = len(bot.tg.to(anna.id))
    await bot.tg.tap(anna, reply, "do:/finish confirm")
    finished = (await bot.tg.replies(anna.id, count + 1))[count]
    await bot.tg.wait_for(lambda: len(bot.tg.docs(anna.id)) >= 2)
    assert (await bot.state(anna)).status == SessionStatus.FINISHED
    assert reply.buttons == []  # the tapped confirmation lost its buttons
    count = len(bot.tg.to(anna.id))
    await bot.tg.tap(anna, finished, "do:/continue")
    reopened = (await bot.tg.replies(anna.id, count + 1))[count]
    state = await bot.state(anna)
    assert state.status == SessionStatus.ACTIVE and state.pending_turn is not None
    assert state.pending_turn.question in reopened.text


async def test_restart_is_confirmed_with_a_button(bot: Harness) -> None:
    """/restart with answers asks first; the confirm button starts a new interview."""
    anna = FakeUser(208)
    await bot.start(anna)
    await bot.ask(anna, "Анна")
    await bot.ask(anna, "Подростковый клуб в Кемерове.")
    reply = await bot.ask(anna, "/restart")
    assert "do:/restart confirm" in [b["callback_data"] for row in reply.buttons for b in row]
    first = (await bot.state(anna)).session_id
    count = len(bot.tg.to(anna.id))
    await bot.tg.tap(anna, reply, "do:/restart confirm")
    await bot.tg.replies(anna.id, count + 1)
    assert (await bot.state(anna)).session_id != first
