"""Messages that are not part of an interview: groups, edited and forwarded messages.

Each gets a short reply and changes nothing (no service call).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from grant_interviewer.interfaces.telegram.channel import Channel, language_code
from grant_interviewer.interfaces.telegram.texts import text


async def _say(message: Message, bot: Bot, channel: Channel, state: FSMContext, key: str) -> None:
    lang = await channel.lang(state, language_code(message.from_user))
    await channel.send(bot, message.chat.id, text(lang, key))


async def in_group(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """The interview runs in private chats only."""
    await _say(message, bot, channel, state, "group")


async def button_in_group(callback: CallbackQuery) -> None:
    """A button of ours shown in a group does nothing."""
    await callback.answer()


async def edited(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """An edit does not change the stored answer; say how to correct one."""
    key = "group" if message.chat.type != ChatType.PRIVATE else "edited"
    await _say(message, bot, channel, state, key)


async def forwarded(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """A forwarded message is somebody else's words: not taken as an answer."""
    await _say(message, bot, channel, state, "forwarded")


def router() -> Router:
    """A new router with this module's handlers (a router joins one dispatcher only)."""
    r = Router(name="guards")
    r.message.register(in_group, F.chat.type != ChatType.PRIVATE)
    r.callback_query.register(button_in_group, F.message.chat.type != ChatType.PRIVATE)
    r.edited_message.register(edited)
    r.message.register(forwarded, F.forward_origin)
    return r
