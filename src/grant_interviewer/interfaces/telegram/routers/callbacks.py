"""Inline buttons: the service's actions (``/finish confirm``, ``/continue``…) and deletion.

An action button sends its command through ``InterviewService.handle`` exactly as if it had been
typed; the buttons are removed from the message once tapped (editMessageText).
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from grant_interviewer.interfaces.telegram.channel import Channel, language_code, user_key
from grant_interviewer.interfaces.telegram.formatting import escape
from grant_interviewer.interfaces.telegram.keyboards import ACTION_PREFIX, DELETE_PREFIX
from grant_interviewer.interfaces.telegram.texts import text

logger = logging.getLogger(__name__)


async def _drop_buttons(message: Message, body: str | None = None) -> None:
    """Replace a message's text (or keep it) without its buttons."""
    new = body if body is not None else message.text
    if not new:
        return
    try:
        await message.edit_text(escape(new), parse_mode=ParseMode.HTML, reply_markup=None)
    except TelegramAPIError as exc:  # too old to edit, or unchanged: cosmetic only
        logger.debug("could not edit message %s: %s", message.message_id, exc)


async def action(callback: CallbackQuery, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """Perform the action's command as the person's own message."""
    await callback.answer()
    command = (callback.data or "")[len(ACTION_PREFIX):]
    message = callback.message
    if not isinstance(message, Message) or not command.startswith("/"):
        return
    await _drop_buttons(message)
    await channel.turn(bot, message.chat.id, callback.from_user.id, command, state)


async def delete(callback: CallbackQuery, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """``delete:yes`` deletes the person's sessions and answers; ``delete:no`` keeps them."""
    message = callback.message
    lang = await channel.lang(state, language_code(callback.from_user))
    if (callback.data or "") != DELETE_PREFIX + "yes":
        await callback.answer()
        if isinstance(message, Message):
            await _drop_buttons(message, text(lang, "delete_kept"))
        return
    count = await channel.service.delete_user(user_key(callback.from_user.id))
    await state.clear()
    await callback.answer()
    done = text(lang, "deleted", count=count)
    if isinstance(message, Message):
        await _drop_buttons(message, done)
    else:
        await channel.send(bot, callback.from_user.id, done)
    logger.info("user %s deleted their data (%d sessions)", user_key(callback.from_user.id), count)


async def stale(callback: CallbackQuery, channel: Channel, state: FSMContext) -> None:
    """A button this version does not know (an old message)."""
    lang = await channel.lang(state, language_code(callback.from_user))
    await callback.answer(text(lang, "stale_button"))


def router() -> Router:
    """A new router with this module's handlers (a router joins one dispatcher only)."""
    r = Router(name="callbacks")
    r.callback_query.register(action, F.data.startswith(ACTION_PREFIX))
    r.callback_query.register(delete, F.data.startswith(DELETE_PREFIX))
    r.callback_query.register(stale)
    return r
