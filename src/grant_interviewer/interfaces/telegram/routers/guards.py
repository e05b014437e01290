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

router = Router(name="guards")


async def _say(message: Message, bot: Bot, channel: Channel, state: FSMContext, key: str) -> None:
    lang = await channel.lang(state, language_code(message.from_user))
    await channel.send(bot, message.chat.id, text(lang, key))


@router.message(F.chat.type != ChatType.PRIVATE)
async def in_group(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """The interview runs in private chats only."""
    await _say(message, bot, channel, state, "group")


@router.callback_query(F.message.chat.type != ChatType.PRIVATE)
async def button_in_group(callback: CallbackQuery) -> None:
    """A button of ours shown in a group does nothing."""
    await callback.answer()


@router.edited_message()
async def edited(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """An edit does not change the stored answer; say how to correct one."""
    key = "group" if message.chat.type != ChatType.PRIVATE else "edited"
    await _say(message, bot, channel, state, key)


@router.message(F.forward_origin)
async def forwarded(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """A forwarded message is somebody else's words: not taken as an answer."""
    await _say(message, bot, channel, state, "forwarded")
