"""The bot under test, in this process: the real aiogram polling loop against FakeTelegram.

``bot_harness`` (a fixture factory) starts the fake server, builds the bot exactly as
``grant-interviewer bot`` does (``bootstrap.build_telegram``) with the default offline backends
except retrieval (off: the knowledge base is tested elsewhere and would load a model), runs
polling in a task, and stops everything at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fake_telegram import TOKEN, FakeTelegram, FakeUser, Sent
from grant_interviewer.domain.model import InterviewState
from grant_interviewer.interfaces.telegram.setup import TelegramBot


@dataclass
class Harness:
    """A running bot and its fake Telegram."""

    tg: FakeTelegram
    tbot: TelegramBot
    task: asyncio.Task[None]

    async def state(self, user: FakeUser) -> InterviewState:
        """The user's latest interview, as stored."""
        return await self.tbot.app.service.find(f"tg:{user.id}")

    async def ask(self, user: FakeUser, text: str, *, date: int | None = None) -> Sent:
        """Send ``text`` and return the bot's next message to the user."""
        before = len(self.tg.to(user.id))
        await self.tg.say(user, text, date=date)
        return (await self.tg.replies(user.id, before + 1))[before]

    async def start(self, user: FakeUser) -> Sent:
        """/start, tap the button; returns the first question."""
        welcome = await self.ask(user, "/start")
        before = len(self.tg.to(user.id))
        await self.tg.tap(user, welcome, f"start:{user.language_code}")
        return (await self.tg.replies(user.id, before + 1))[before]


def bot_env(tg_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot against the fake server (also for bot subprocesses)."""
    return {
        "GRANT_INTERVIEWER_DATA_DIR": str(data_dir),
        "GRANT_INTERVIEWER_TELEGRAM_BOT_TOKEN": TOKEN,
        "GRANT_INTERVIEWER_TELEGRAM_API_URL": tg_url,
        "GRANT_INTERVIEWER_EMBEDDING_BACKEND": "none",
        **extra,
    }


@contextlib.asynccontextmanager
async def running_bot(
    monkeypatch: Any, data_dir: Path, tg: FakeTelegram | None = None, **env: str
) -> AsyncIterator[Harness]:
    """Start (a fake Telegram and) the bot; stop both at the end."""
    from grant_interviewer.bootstrap import build_telegram
    from grant_interviewer.interfaces.telegram.runner import run_polling
    from grant_interviewer.settings import get_settings, reset_settings

    own = tg is None
    tg = tg or FakeTelegram()
    if own:
        await tg.start()
    for name, value in bot_env(tg.url, data_dir, **env).items():
        monkeypatch.setenv(name, value)
    reset_settings()
    tbot = await build_telegram(get_settings())
    task = asyncio.create_task(run_polling(tbot, handle_signals=False))
    try:
        await tg.wait_for(lambda: any(m == "getUpdates" for m, _ in tg.calls))
        yield Harness(tg=tg, tbot=tbot, task=task)
    finally:
        if not task.done():
            with contextlib.suppress(RuntimeError):
                await tbot.dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await tbot.aclose()
        if own:
            await tg.stop()


BOT_COMMAND = [sys.executable, "-c",
               "from grant_interviewer.interfaces.cli.app import main; main()", "bot"]


def spawn_bot(tg: FakeTelegram, data_dir: Path, **env: str) -> subprocess.Popen[bytes]:
    """``grant-interviewer bot`` (long polling) in a subprocess; its log goes to ``bot.log``
    beside the data."""
    full = {**os.environ, **bot_env(tg.url, data_dir, GRANT_INTERVIEWER_LOG_LEVEL="WARNING"),
            **env}
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "bot.log").open("ab") as log:
        return subprocess.Popen(BOT_COMMAND, env=full, stdout=subprocess.DEVNULL, stderr=log)


async def stop_bots(*procs: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM every bot process of :func:`spawn_bot` still running, and wait for each."""
    for proc in procs:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 30)


async def past_the_name(tg: FakeTelegram, user: FakeUser, name: str = "Анна") -> Sent:
    """/start, the button, the name, through a bot process: the first topic question (the
    user's third reply)."""
    await tg.say(user, "/start")
    welcome = (await tg.replies(user.id, 1, timeout=60))[0]
    await tg.tap(user, welcome, "start:ru")
    await tg.replies(user.id, 2, timeout=60)
    await tg.say(user, name)
    return (await tg.replies(user.id, 3, timeout=60))[2]


async def wait_polling(tg: FakeTelegram, calls_before: int, proc: subprocess.Popen[bytes]) -> None:
    """Wait until ``proc`` polls (a getUpdates after the first ``calls_before`` calls)."""
    def polling() -> bool:
        assert proc.poll() is None, f"the bot exited: {proc.args}"
        return any(m == "getUpdates" for m, _ in tg.calls[calls_before:])
    await tg.wait_for(polling, timeout=120)
