"""Quick split replies, duplicate deliveries, and a bot killed with SIGKILL and started again."""

from __future__ import annotations

import asyncio
import math
import signal
import subprocess
import time
from pathlib import Path

import pytest

pytest.importorskip("aiogram")

from fake_telegram import FakeTelegram, FakeUser
from fake_telegram_bot import (
    Harness,
    past_the_name,
    running_bot,
    spawn_bot,
    stop_bots,
    wait_polling,
)
from grant_interviewer.domain.model import InterviewState


@pytest.fixture
async def bot(monkeypatch: pytest.MonkeyPatch, isolated_settings: Path) -> Harness:
    """A bot polling a fresh fake Telegram."""
    async with running_bot(monkeypatch, isolated_settings) as harness:
        yield harness  # type: ignore[misc]


def _answer_turns(state: InterviewState) -> list[str]:
    return [t.answer for t in state.turns if t.answer is not None]


async def _past_the_name(bot: Harness, user: FakeUser) -> InterviewState:
    await bot.start(user)
    await bot.ask(user, "Анна")
    return await bot.state(user)


async def test_three_quick_messages_are_one_answer(bot: Harness) -> None:
    """Three messages sent before the next question was asked make one answer, in order."""
    anna = FakeUser(301)
    state = await _past_the_name(bot, anna)
    pending = state.pending_turn
    assert pending is not None
    asked = pending.asked_at.timestamp()
    # Dated as Telegram would (whole seconds): the first after reading the question, the two
    # others in the same second, i.e. before the next question can have been read.
    sent = math.ceil(asked) + 1
    # The next question must be asked after ceil(asked): wait for that clock boundary (<1 s).
    await asyncio.sleep(max(0.0, math.ceil(asked) - time.time()))
    parts = ["Мы открываем подростковый клуб в Кемерове.",
             "В нём будут кружки робототехники и медиа.",
             "И летний лагерь для 120 подростков."]
    count = len(bot.tg.to(anna.id))
    for part in parts:
        await bot.tg.say(anna, part, date=sent)
    await bot.tg.replies(anna.id, count + 3)
    state = await bot.state(anna)
    answered = [t for t in state.turns if t.answer and t.kind != "name"]
    assert len(answered) == 1, [t.answer for t in answered]
    text = answered[0].answer or ""
    assert [text.find(p) for p in parts] == sorted(text.find(p) for p in parts)
    assert all(p in text for p in parts)


async def test_a_redelivered_message_is_not_applied_twice(bot: Harness) -> None:
    """The same Telegram message delivered again (lost confirmation) changes nothing."""
    anna = FakeUser(302)
    await _past_the_name(bot, anna)
    message = bot.tg.message(anna, "Клуб для подростков в Кемерове, кружки и лагерь.")
    count = len(bot.tg.to(anna.id))
    await bot.tg.push({"message": message})
    await bot.tg.replies(anna.id, count + 1)
    before = await bot.state(anna)
    await bot.tg.push({"message": message})
    again = (await bot.tg.replies(anna.id, count + 2))[count + 1]
    after = await bot.state(anna)
    assert _answer_turns(after) == _answer_turns(before)
    assert after.pending_turn is not None and after.pending_turn.question in again.text


@pytest.mark.slow
async def test_kill_9_and_restart_continues_at_the_same_question(isolated_settings: Path) -> None:
    """SIGKILL mid-interview: the new process goes on at the same question, takes the messages
    sent while it was down, and applies a redelivered one only once."""
    from grant_interviewer.bootstrap import build_app
    from grant_interviewer.settings import Settings

    tg = FakeTelegram()
    await tg.start()
    anna = FakeUser(303)
    first = spawn_bot(tg, isolated_settings)
    second: subprocess.Popen[bytes] | None = None
    try:
        await wait_polling(tg, 0, first)
        question = await past_the_name(tg, anna)
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait)
        # While the bot is down: the answer, and a message the old process had taken but not
        # confirmed (Telegram delivers it again).
        answer = await tg.say(anna, "Подростковый клуб в Кемерове: кружки, наставники, лагерь.")
        calls = len(tg.calls)
        second = spawn_bot(tg, isolated_settings)
        await wait_polling(tg, calls, second)
        # The kill may have come after the question went out but before its update was marked
        # done in the inbox: then the new process replays it, and the service, which applied
        # "Анна" already, sends the same question once more.
        following = await tg.wait_for(
            lambda: [m for m in tg.to(anna.id)[3:] if m.text != question.text], timeout=60)
        assert following[0] == tg.to(anna.id)[-1]
        assert len(tg.to(anna.id)) in (4, 5)
        count = len(tg.to(anna.id))
        await tg.push({"message": answer["message"]})  # the same message once more
        repeated = (await tg.replies(anna.id, count + 1, timeout=60))[count]
        assert following[0].text.endswith(repeated.text.split("\n\n")[-1])
    finally:
        await stop_bots(first, second)
        await tg.stop()
    app = await build_app(Settings(data_dir=isolated_settings), retriever=False)
    try:
        state = await app.service.find("tg:303")
    finally:
        await app.aclose()
    answers = [t.answer for t in state.turns if t.answer]
    assert answers.count("Подростковый клуб в Кемерове: кружки, наставники, лагерь.") == 1
    assert answers[0] == "Анна" and state.pending_turn is not None
