"""Text messages: answers, and the commands the service understands (``/skip``, ``/status``…).

The message's date and id go with the text: the service appends a message sent before the next
question was asked to the previous answer, and ignores a message id it has already applied (a
redelivery after a crash).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from grant_interviewer.interfaces.telegram.channel import Channel


async def answer(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """An answer or a service command."""
    if message.from_user is None or message.text is None:
        return
    await channel.turn(
        bot, message.chat.id, message.from_user.id, message.text, state,
        sent_at=message.date, message_id=message.message_id,
    )


def router() -> Router:
    """A new router with this module's handlers (a router joins one dispatcher only)."""
    r = Router(name="answers")
    r.message.register(answer, F.text)
    return r
