"""Two bot processes in webhook mode over one PostgreSQL and one Redis (one token).

The test plays Telegram: it posts one user's updates alternately to the two processes, also two
at the same moment, then kills one process with SIGKILL and sends the rest to the survivor.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiogram")

import aiohttp

from fake_telegram import FakeTelegram, FakeUser
from fake_telegram_bot import bot_env

PG = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"
SECRET = "webhook-secret-for-tests"
BOT_COMMAND = [sys.executable, "-c",
               "from grant_interviewer.interfaces.cli.app import main; main()", "bot"]
ERROR_TEXT = "Что-то пошло не так"


def _unreachable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the webhook test")
    pytest.skip(reason)


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (created and dropped here)."""
    import asyncpg

    name = f"gi_bot_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(f"{PG}/test", timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        _unreachable(f"PostgreSQL at 127.0.0.1:5432 is unreachable ({exc})")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted at the end."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        _unreachable(f"Redis at 127.0.0.1:6379 is unreachable ({exc})")
    prefix = f"gi-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """One ``grant-interviewer bot --webhook`` process."""

    def __init__(self, tg: FakeTelegram, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        with log.open("ab") as handle:
            self.proc = subprocess.Popen(
                [*BOT_COMMAND, "--webhook", self.url, "--listen", f"127.0.0.1:{self.port}"],
                env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=handle)

    def registered(self, tg: FakeTelegram) -> bool:
        assert self.proc.poll() is None, "a bot process exited"
        return any(m == "setWebhook" and p.get("url") == self.url for m, p in tg.calls)

    async def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, 30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)


async def _post(session: aiohttp.ClientSession, process: Process, update: dict[str, Any],
                secret: str = SECRET) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with session.post(process.url, json=update, headers=headers) as response:
        await response.read()
        return response.status


@pytest.mark.postgres
@pytest.mark.slow
async def test_two_webhook_processes_share_one_user_in_order(
    database: str, redis_prefix: str, tmp_path: Path
) -> None:
    """Updates alternate between two processes and are answered in order; two at once are
    serialised by the Redis lock; a killed process loses nothing."""
    tg = FakeTelegram()
    await tg.start()
    env = bot_env(tg.url, tmp_path / "data", GRANT_INTERVIEWER_DATABASE_URL=database,
                  GRANT_INTERVIEWER_REDIS_URL=REDIS, GRANT_INTERVIEWER_REDIS_PREFIX=redis_prefix,
                  GRANT_INTERVIEWER_TELEGRAM_WEBHOOK_SECRET=SECRET)
    (tmp_path / "data").mkdir()
    a = Process(tg, env, tmp_path / "a.log")
    b = Process(tg, env, tmp_path / "b.log")
    anna = FakeUser(401)
    update_id = 5000

    def update(**body: Any) -> dict[str, Any]:
        nonlocal update_id
        update_id += 1
        return {"update_id": update_id, **body}

    try:
        await tg.wait_for(lambda: a.registered(tg) and b.registered(tg), timeout=120)
        async with aiohttp.ClientSession() as session:
            assert await _post(session, a, update(message=tg.message(anna, "/start")),
                               secret="wrong") == 401
            assert await _post(session, a, update(message=tg.message(anna, "/start"))) == 200
            welcome = tg.to(anna.id)[-1]
            tap = {"id": "cb1", "from": anna.as_dict(), "chat_instance": "1", "data": "start:ru",
                   "message": {"message_id": welcome.message_id, "date": int(welcome.at),
                               "chat": anna.chat(), "text": welcome.text}}
            assert await _post(session, b, update(callback_query=tap)) == 200
            assert "обращаться" in tg.to(anna.id)[-1].text
            answers = ["Анна",
                       "Подростковый клуб в Кемерове: кружки робототехники и медиа.",
                       "В районе 4000 подростков и всего два бесплатных кружка."]
            for index, text in enumerate(answers):  # alternating: a, b, a
                process = (a, b)[index % 2]
                count = len(tg.to(anna.id))
                assert await _post(session, process, update(message=tg.message(anna, text))) == 200
                assert len(tg.to(anna.id)) == count + 1  # answered before the HTTP 200
            # Two updates of one user at the same moment, one to each process.
            together = ["Цель — досуг для подростков после школы.",
                        "И ещё: летний лагерь на 120 человек."]
            pair = [update(message=tg.message(anna, text)) for text in together]
            statuses = await asyncio.gather(_post(session, a, pair[0]),
                                            _post(session, b, pair[1]))
            assert statuses == [200, 200]
            # One process dies; its update is delivered to the other (Telegram retries).
            a.proc.send_signal(signal.SIGKILL)
            await asyncio.to_thread(a.proc.wait)
            last = update(message=tg.message(anna, "Задачи: ремонт, кружки, наставники."))
            with contextlib.suppress(aiohttp.ClientError):
                await _post(session, a, last)
            assert await _post(session, b, last) == 200
    finally:
        await a.stop()
        await b.stop()
        await tg.stop()
    replies = [m.text for m in tg.to(anna.id)]
    assert not any(ERROR_TEXT in text for text in replies), replies
    from grant_interviewer.adapters.storage.repository import SqlRepository

    repo = await SqlRepository.open(database)
    try:
        state = await repo.latest_for_user("tg:401")
    finally:
        await repo.close()
    assert state is not None
    stored = [t.answer or "" for t in state.turns if t.answer]
    for text in [*answers, *together, "Задачи: ремонт, кружки, наставники."]:
        assert sum(text in answer for answer in stored) == 1, stored
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS)
    try:  # the bot's state lived in Redis, under this deployment's prefix
        assert [key async for key in client.scan_iter(match=f"{redis_prefix}:*")]
    finally:
        await client.aclose()
