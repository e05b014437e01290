"""Running the bot: long polling, or a webhook served by aiohttp.

Both register the command menu and start loading the models before the first update is taken, and
never wait for them: the bot answers at once and questions get knowledge-base tips once the model
is ready.

* **Polling** (one process per token): ``deleteWebhook`` (pending updates kept), the updates a
  killed process had accepted and not finished are replayed from the inbox (``inbox.py``), then
  aiogram's polling loop; every update is handled in its own task, one user's updates in order,
  and is stored in the inbox before Telegram is told it was received.
* **Webhook** (any number of processes behind a load balancer): ``setWebhook`` with a secret
  token, then aiogram's aiohttp handler, which refuses a request without the secret (401). The
  update is answered (HTTP 200) only after it was handled and its reply persisted, so a process
  killed mid-turn makes Telegram deliver the update again (to another process); the service
  ignores a message id it has already applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
from urllib.parse import urlsplit

from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from grant_interviewer.errors import ConfigurationError
from grant_interviewer.interfaces.telegram.inbox import PollingInbox
from grant_interviewer.interfaces.telegram.setup import TelegramBot, register_commands

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0


def derived_secret(token: str) -> str:
    """A webhook secret every process of one bot computes alike (when none is configured)."""
    return hashlib.sha256(f"grant-interviewer-webhook:{token}".encode()).hexdigest()


async def _prepare(tbot: TelegramBot) -> None:
    tbot.app.service.warm_up()  # the model loads while the first people read the greeting
    me = await tbot.bot.get_me()
    logger.info("bot @%s (id %s) starting", me.username, me.id)
    await register_commands(tbot.bot)


async def open_inbox(tbot: TelegramBot) -> PollingInbox | None:
    """The inbox in the interview database; None (logged) for an in-memory database."""
    from grant_interviewer.adapters.storage.inbox import SqlInbox

    try:
        store = await SqlInbox.open(tbot.app.settings.resolved_database_url)
    except ConfigurationError as exc:
        logger.warning("%s: an update in flight when the process dies is lost", exc)
        return None
    return PollingInbox(store, tbot.bot.id)


async def run_polling(
    tbot: TelegramBot, *, handle_signals: bool = True, inbox: bool = True
) -> None:
    """Long polling until stopped (SIGINT/SIGTERM, or ``dispatcher.stop_polling()``).

    ``inbox=False`` polls without the durable receipt (benchmarks compare the two): an update in
    flight when the process dies is then lost.
    """
    await _prepare(tbot)
    await tbot.bot.delete_webhook(drop_pending_updates=False)
    receipt = await open_inbox(tbot) if inbox else None
    if receipt is not None:
        receipt.install(tbot.bot, tbot.dispatcher)
    try:
        if receipt is not None:
            await receipt.replay(tbot.bot, tbot.dispatcher)
        await tbot.dispatcher.start_polling(
            tbot.bot,
            handle_signals=handle_signals,
            close_bot_session=False,
            allowed_updates=tbot.dispatcher.resolve_used_update_types(),
        )
        # Polling stopped: let the turns in flight finish (each is persisted before its reply)
        # before the database closes. aiogram keeps them in a private set and does not wait;
        # a turn still running after the grace period is replayed on the next start.
        running = set(getattr(tbot.dispatcher, "_handle_update_tasks", ()))
        if running:
            await asyncio.wait(running, timeout=SHUTDOWN_GRACE_SECONDS)
    finally:
        if receipt is not None:
            receipt.uninstall(tbot.bot, tbot.dispatcher)
            await receipt.close()


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080`` for IPv6) → (host, port); ValueError when malformed."""
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--listen must be HOST:PORT, not {listen!r}")
    return host.strip("[]"), int(port)


async def run_webhook(
    tbot: TelegramBot,
    *,
    url: str,
    listen: str,
    secret: str,
    stop: asyncio.Event | None = None,
    register: bool = True,
) -> None:
    """Serve the webhook at ``url``'s path on ``listen`` until ``stop`` is set (or SIGTERM)."""
    host, port = parse_listen(listen)
    path = urlsplit(url).path or "/"
    await _prepare(tbot)
    app = web.Application()
    SimpleRequestHandler(
        dispatcher=tbot.dispatcher, bot=tbot.bot, secret_token=secret, handle_in_background=False
    ).register(app, path=path)
    app.router.add_get("/healthz", _health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    await tbot.dispatcher.emit_startup(bot=tbot.bot)
    if register:
        await tbot.bot.set_webhook(
            url, secret_token=secret,
            allowed_updates=tbot.dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
    logger.info("webhook listening on %s:%s%s", host, port, path)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)
        await tbot.dispatcher.emit_shutdown(bot=tbot.bot)
        await runner.cleanup()


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
