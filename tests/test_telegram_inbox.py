"""Nothing lost on a kill -9 in long-polling mode: the inbox of accepted updates.

The table itself on SQLite and PostgreSQL; a real ``grant-interviewer bot`` process killed with
SIGKILL while a turn is in flight (its reply held by the fake Bot API) and started again; an
update Telegram delivers again after a restart; replays before polling, and an update whose
replays never finish given up.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest.importorskip("aiogram")

from fake_telegram import BOT_ID, FakeTelegram, FakeUser
from fake_telegram_bot import past_the_name, running_bot, spawn_bot, stop_bots, wait_polling
from grant_interviewer.adapters.storage.inbox import SqlInbox
from grant_interviewer.adapters.storage.repository import SqlRepository
from grant_interviewer.interfaces.telegram.inbox import MAX_REPLAY_ATTEMPTS

PG = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlInbox]:
    """An inbox in a freshly migrated database (SQLite file, or a new PostgreSQL database)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'inbox.sqlite3'}"
        repo = await SqlRepository.open(url)
        inbox = await SqlInbox.open(url)
        yield inbox
        await inbox.close()
        await repo.close()
        return
    import asyncpg

    name = f"gi_inbox_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(f"{PG}/test", timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is unreachable ({exc}); CI must run it")
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable ({exc})")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        repo = await SqlRepository.open(url)
        inbox = await SqlInbox.open(url)
        yield inbox
        await inbox.close()
        await repo.close()
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def test_the_table_keeps_what_is_not_done_and_forgets_what_telegram_confirmed(
    store: SqlInbox,
) -> None:
    """Stored once; done entries below a confirmed offset go, unfinished ones stay; bots apart."""
    await store.accept(7, [(10, '{"update_id": 10}'), (11, '{"update_id": 11}')])
    await store.accept(8, [(10, '{"update_id": 10, "other": "bot"}')])
    await store.done(7, 10)
    # Delivered again (never confirmed): not stored twice, the first payload and state stay.
    await store.accept(7, [(10, "x"), (11, "y"), (12, '{"update_id": 12}')])
    unfinished = await store.unfinished(7)
    assert [(e.update_id, e.payload, e.attempts) for e in unfinished] == [
        (11, '{"update_id": 11}', 0), (12, '{"update_id": 12}', 0)]
    assert await store.done_ids(7) == {10}
    await store.attempt(7, 11)
    await store.attempt(7, 11)
    assert (await store.unfinished(7))[0].attempts == 2
    # Offset 12 accepted by Telegram: the done entry 10 goes; 11 and 12 are still in flight.
    await store.done(7, 12, 99)  # several at once; an unknown id changes nothing
    await store.accept(7, [], confirmed_below=12)
    assert await store.count(7) == (2, 1)  # 10 deleted; 12 (done, not yet confirmed) kept
    await store.accept(7, [], confirmed_below=13)
    assert await store.count(7) == (1, 1)
    assert [e.update_id for e in await store.unfinished(7)] == [11]
    # An update whose turn was over before it could be written is written as done.
    await store.accept(7, [(13, '{"update_id": 13}'), (14, '{"update_id": 14}')], done={13})
    assert await store.done_ids(7) == {13}
    assert await store.count(8) == (1, 1)


async def test_on_sqlite_the_inbox_has_a_file_of_its_own(tmp_path: Path) -> None:
    """The repository stays the only writer of the interview file (a second writer there made
    its read-then-write transactions fail with "database is locked")."""
    import sqlite3

    url = f"sqlite+aiosqlite:///{tmp_path / 'interviews.sqlite3'}"
    repo = await SqlRepository.open(url)
    inbox = await SqlInbox.open(url)
    try:
        await inbox.accept(7, [(1, '{"update_id": 1}')])
        assert [e.update_id for e in await inbox.unfinished(7)] == [1]
    finally:
        await inbox.close()
        await repo.close()
    own = sqlite3.connect(tmp_path / "interviews.telegram-inbox.sqlite3")
    interviews = sqlite3.connect(tmp_path / "interviews.sqlite3")
    try:
        assert own.execute("SELECT count(*) FROM telegram_inbox").fetchone() == (1,)
        assert interviews.execute("SELECT count(*) FROM telegram_inbox").fetchone() == (0,)
        assert own.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        own.close()
        interviews.close()


async def test_an_in_memory_database_has_no_inbox() -> None:
    """Another engine would see another in-memory database: refused, the bot polls without."""
    from grant_interviewer.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="in-memory"):
        await SqlInbox.open("sqlite+aiosqlite:///:memory:")


async def _inbox_count(data_dir: Path) -> tuple[int, int]:
    """(entries, entries not done) of the bot in the database of ``data_dir``."""
    from grant_interviewer.settings import Settings

    store = await SqlInbox.open(Settings(data_dir=data_dir).resolved_database_url)
    try:
        return await store.count(BOT_ID)
    finally:
        await store.close()


@pytest.mark.slow
async def test_kill_9_mid_turn_loses_nothing(isolated_settings: Path) -> None:
    """SIGKILL while an answer's reply is being sent and a second update waits behind it, both
    already confirmed to Telegram: the new process applies the answer once, sends the next
    question, then handles the second update; nothing is sent twice."""
    from grant_interviewer.bootstrap import build_app
    from grant_interviewer.settings import Settings

    tg = FakeTelegram()
    await tg.start()
    anna = FakeUser(311)
    text = "Подростковый клуб в Кемерове: кружки, наставники, летний лагерь."
    first = spawn_bot(tg, isolated_settings)
    second: subprocess.Popen[bytes] | None = None
    try:
        await wait_polling(tg, 0, first)
        question = await past_the_name(tg, anna)
        tg.hold("sendMessage")  # the next reply hangs: the turn stays in flight
        answer = await tg.say(anna, text)
        await tg.wait_for(lambda: tg.held, timeout=60)
        status = await tg.say(anna, "/status")  # taken while the answer's turn still runs
        # Both are confirmed to Telegram (it will not deliver them again): without a receipt
        # of its own the bot would lose the next question and the status.
        await tg.wait_for(lambda: tg.confirmed > status["update_id"], timeout=60)
        assert answer["update_id"] in tg.delivered and status["update_id"] in tg.delivered
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait)
        assert len(tg.to(anna.id)) == 3
        tg.unhold("sendMessage")
        calls = len(tg.calls)
        second = spawn_bot(tg, isolated_settings)
        await wait_polling(tg, calls, second)  # the replay is done before polling starts
        after = await tg.replies(anna.id, 5, timeout=60)
        following, status_reply = after[3], after[4]
        assert following.text != question.text
        assert status_reply.text.startswith("Готово") and " из " in status_reply.text
        count = len(tg.to(anna.id))
        assert count == 5
        nxt = await tg.say(anna, "Цель — досуг подростков после школы.")
        await tg.replies(anna.id, count + 1, timeout=60)
        assert len(tg.to(anna.id)) == count + 1  # nothing replayed twice came before
        assert nxt["update_id"] > status["update_id"]
    finally:
        await stop_bots(first, second)
        await tg.stop()
    app = await build_app(Settings(data_dir=isolated_settings), retriever=False)
    try:
        state = await app.service.find(f"tg:{anna.id}")
    finally:
        await app.aclose()
    answers = [t.answer for t in state.turns if t.answer]
    assert answers.count(text) == 1, answers
    assert answers[0] == "Анна" and state.pending_turn is not None
    total, pending = await _inbox_count(isolated_settings)
    assert pending == 0 and total <= 3  # done entries go once a later offset is accepted


async def test_an_update_delivered_again_after_a_restart_is_not_handled_twice(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    """The bot stopped before it confirmed a tap it had handled: Telegram delivers it again to
    the next process, which does not handle it again (no second answer, no second question)."""
    tg = FakeTelegram()
    await tg.start()
    anna = FakeUser(312)
    try:
        async with running_bot(monkeypatch, isolated_settings, tg) as bot:
            welcome = await bot.ask(anna, "/start")
            tap = await tg.tap(anna, welcome, "start:ru")
            await tg.replies(anna.id, 2)
            await tg.wait_for(lambda: tg.callback_answers and tg.edits)
        total, pending = await _inbox_count(isolated_settings)
        assert total >= 1 and pending == 0  # the tap is kept as done: not yet confirmed
        await tg.redeliver(tap)
        async with running_bot(monkeypatch, isolated_settings, tg) as bot:
            await tg.say(anna, "Анна")
            replies = await tg.replies(anna.id, 3)
            assert (await bot.state(anna)).name == "Анна"
        assert "Анна" in replies[2].text
        assert len(tg.to(anna.id)) == 3 and len(tg.callback_answers) == 1
        assert tg.delivered.count(tap["update_id"]) >= 2  # it was delivered again indeed
    finally:
        await tg.stop()


async def test_unfinished_entries_are_replayed_before_polling_and_a_stuck_one_is_given_up(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    """Entries a killed process left: replayed oldest first before the first getUpdates; one
    whose replays started MAX_REPLAY_ATTEMPTS times without finishing is dropped, logged."""
    from grant_interviewer.settings import Settings

    tg = FakeTelegram()
    await tg.start()
    anna, boris = FakeUser(313), FakeUser(314, "Борис")
    url = Settings(data_dir=isolated_settings).resolved_database_url
    repo = await SqlRepository.open(url)
    store = await SqlInbox.open(url)
    try:
        stuck = {"update_id": 90, "message": tg.message(boris, "/start")}
        start = {"update_id": 91, "message": tg.message(anna, "/start")}
        helped = {"update_id": 92, "message": tg.message(anna, "/help")}
        await store.accept(BOT_ID, [(u["update_id"], json.dumps(u, ensure_ascii=False))
                                    for u in (stuck, start, helped)])
        for _ in range(MAX_REPLAY_ATTEMPTS):
            await store.attempt(BOT_ID, 90)
    finally:
        await store.close()
        await repo.close()
    try:
        async with running_bot(monkeypatch, isolated_settings, tg):
            replies = await tg.replies(anna.id, 2)
            first_poll = next(i for i, (m, _) in enumerate(tg.calls) if m == "getUpdates")
            sends = [i for i, (m, _) in enumerate(tg.calls) if m == "sendMessage"]
            assert sends[:2] and sends[1] < first_poll  # both replies before polling
        assert "Фонд президентских грантов" in replies[0].text and "/export" in replies[1].text
        assert tg.to(boris.id) == []
        assert await _inbox_count(isolated_settings) == (3, 0)
    finally:
        await tg.stop()


async def test_a_batch_the_database_cannot_store_is_not_confirmed(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Writing a batch fails twice: its turn still runs, but the getUpdates that would confirm
    it fails (aiogram waits and asks again) until the write succeeds; handled once, stored done."""
    from grant_interviewer.errors import StorageError

    original = SqlInbox.accept
    failures: list[int] = []
    confirmed_when_stored: list[int] = []
    tg = FakeTelegram()
    await tg.start()

    async def flaky(self: SqlInbox, bot_id: int, updates: list[tuple[int, str]],
                    **kwargs: object) -> None:
        if updates and len(failures) < 2:
            failures.append(updates[0][0])
            raise StorageError("could not store updates in the Telegram inbox (test)")
        if updates:
            confirmed_when_stored.append(tg.confirmed)
        await original(self, bot_id, updates, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SqlInbox, "accept", flaky)
    anna = FakeUser(315)
    try:
        async with running_bot(monkeypatch, isolated_settings, tg) as bot:
            welcome = await bot.ask(anna, "/start")  # the turn did not wait for the write
            assert "Фонд президентских грантов" in welcome.text
            update_id = failures[0]
            assert failures == [update_id, update_id]
            helped = await bot.ask(anna, "/help")
            assert "/export" in helped.text
            assert confirmed_when_stored[0] <= update_id  # stored before it was confirmed
            assert tg.confirmed > update_id
            assert len(tg.to(anna.id)) == 2 and tg.delivered.count(update_id) == 1
        assert "Failed to fetch updates" in caplog.text
        assert (await _inbox_count(isolated_settings))[1] == 0  # written as done
    finally:
        await tg.stop()
