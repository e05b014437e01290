"""``/start`` and the "Start interview" button.

``/start`` greets and shows the button; a tap answers the callback at once and sends the first
question (the name, which needs no model, LLM or knowledge base), or, for a person already in an
interview, the question they stopped at.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, F, Router
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from grant_interviewer.interfaces.telegram.channel import Channel, language_code
from grant_interviewer.interfaces.telegram.formatting import escape
from grant_interviewer.interfaces.telegram.keyboards import START_PREFIX, start_keyboard
from grant_interviewer.interfaces.telegram.texts import text

logger = logging.getLogger(__name__)


async def start(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """Greet and show the start button."""
    lang = await channel.lang(state, language_code(message.from_user))
    await channel.send(bot, message.chat.id, text(lang, "welcome"), keyboard=start_keyboard(lang))


async def start_tapped(
    callback: CallbackQuery, bot: Bot, channel: Channel, state: FSMContext
) -> None:
    """The button: the first (or the pending) question at once."""
    lang = (callback.data or "")[len(START_PREFIX):]
    if lang not in ("ru", "en"):
        lang = await channel.lang(state, language_code(callback.from_user))
    message = callback.message
    chat_id = message.chat.id if message is not None else callback.from_user.id
    # The button stops spinning while the question is prepared: one round trip less in front.
    async def stop_spinning() -> None:
        await callback.answer()

    await asyncio.gather(stop_spinning(),
                         channel.begin(bot, chat_id, callback.from_user.id, lang, state))
    if isinstance(message, Message) and message.text:
        try:  # the greeting keeps its words and loses the button (one tap is enough)
            await message.edit_text(
                escape(message.text), parse_mode=ParseMode.HTML, reply_markup=None
            )
        except TelegramAPIError as exc:
            logger.debug("could not remove the start button: %s", exc)


def router() -> Router:
    """A new router with this module's handlers (a router joins one dispatcher only)."""
    r = Router(name="start")
    r.message.register(start, CommandStart())
    r.callback_query.register(start_tapped, F.data.startswith(START_PREFIX))
    return r
