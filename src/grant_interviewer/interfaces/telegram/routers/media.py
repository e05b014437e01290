"""Everything that is not text (stickers, photos, voice, video, documents, locations, polls…).

A short reply that only text is understood; nothing is stored and the question stays pending.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from grant_interviewer.interfaces.telegram.channel import Channel, language_code
from grant_interviewer.interfaces.telegram.texts import text


async def not_text(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """Say that only text is understood."""
    lang = await channel.lang(state, language_code(message.from_user))
    await channel.send(bot, message.chat.id, text(lang, "not_text"))


def router() -> Router:
    """A new router with this module's handlers (a router joins one dispatcher only)."""
    r = Router(name="media")
    r.message.register(not_text)
    return r
