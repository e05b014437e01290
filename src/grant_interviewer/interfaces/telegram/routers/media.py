"""Everything that is not text (stickers, photos, voice, video, documents, locations, polls…).

A short reply that only text is understood; nothing is stored and the question stays pending.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from grant_interviewer.interfaces.telegram.channel import Channel, language_code
from grant_interviewer.interfaces.telegram.texts import text

router = Router(name="media")


@router.message()
async def not_text(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """Say that only text is understood."""
    lang = await channel.lang(state, language_code(message.from_user))
    await channel.send(bot, message.chat.id, text(lang, "not_text"))
