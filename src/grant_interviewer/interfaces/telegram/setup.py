"""Building the aiogram pieces: the bot (its HTTP session), the dispatcher, the command menu.

``bootstrap.build_telegram`` decides what goes in (token, API server, Redis or memory); this
module only knows how aiogram is put together.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BotCommand, ErrorEvent

from grant_interviewer.interfaces.telegram.channel import Channel
from grant_interviewer.interfaces.telegram.redaction import TokenRedactor
from grant_interviewer.interfaces.telegram.routers import all_routers
from grant_interviewer.interfaces.telegram.texts import COMMAND_MENU

if TYPE_CHECKING:
    from grant_interviewer.bootstrap import App

logger = logging.getLogger(__name__)

#: Flood control: how many times one request is retried, and the longest wait honoured.
RETRY_ATTEMPTS = 3
MAX_RETRY_AFTER = 60


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Honour a 429 ``retry_after``: wait as told, then send the same request again.

    aiogram 3 raises ``TelegramRetryAfter`` and leaves the waiting to the bot.
    """

    def __init__(self, attempts: int = RETRY_ATTEMPTS, max_wait: float = MAX_RETRY_AFTER) -> None:
        self.attempts = attempts
        self.max_wait = max_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
                logger.warning("flood control on %s: retrying in %s s (attempt %d)",
                               type(method).__name__, exc.retry_after, attempt)
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def create_bot(token: str, api_url: str | None = None) -> Bot:
    """A bot on aiohttp, pointed at ``api_url`` (a self-hosted or fake Bot API) if given."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url \
        else AiohttpSession()
    session.middleware(RetryAfterMiddleware())
    return Bot(token=token, session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_dispatcher(
    channel: Channel, *, storage: BaseStorage, isolation: BaseEventIsolation
) -> Dispatcher:
    """The dispatcher with every router; handlers get ``channel`` injected."""
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation, channel=channel)
    dispatcher.include_routers(*all_routers())
    dispatcher.errors.register(_on_error)
    return dispatcher


async def _on_error(event: ErrorEvent) -> bool:
    """A handler failed (Telegram refused a request, a bug): log it; the update is done."""
    logger.error("update %s failed: %s: %s", event.update.update_id,
                 type(event.exception).__name__, event.exception, exc_info=event.exception)
    return True


async def register_commands(bot: Bot) -> None:
    """The command menu in Russian (the default) and English (``setMyCommands``)."""
    for lang, commands in COMMAND_MENU.items():
        menu = [BotCommand(command=name, description=about) for name, about in commands]
        try:
            await bot.set_my_commands(menu, language_code=None if lang == "ru" else lang)
            if lang == "ru":
                await bot.set_my_commands(menu, language_code="ru")
        except TelegramAPIError as exc:  # the menu is a convenience; the bot works without it
            logger.warning("could not register the %s command menu: %s", lang, exc)


@dataclass
class TelegramBot:
    """The wired bot: the application, the aiogram bot and dispatcher, and what to close."""

    app: App
    bot: Bot
    dispatcher: Dispatcher
    channel: Channel
    redactor: TokenRedactor
    storage: BaseStorage
    isolation: BaseEventIsolation

    async def aclose(self) -> None:
        """Close the HTTP session, the FSM storage and the application."""
        try:
            await self.bot.session.close()
            await self.isolation.close()
            await self.storage.close()
        finally:
            await self.app.aclose()
            self.redactor.uninstall()
