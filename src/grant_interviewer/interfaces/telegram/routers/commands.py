"""The commands that are the channel's own: ``/export``, ``/delete_me``, ``/lang``, ``/help``.

Every other command (``/status``, ``/skip``, ``/back``, ``/finish``, ``/continue``, ``/restart``)
is passed to the service as text by the answers router, so it behaves as in every interface.
"""

from __future__ import annotations

import dataclasses

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from grant_interviewer.errors import SessionNotFoundError
from grant_interviewer.interfaces.telegram.channel import Channel, language_code, user_key
from grant_interviewer.interfaces.telegram.keyboards import delete_keyboard
from grant_interviewer.interfaces.telegram.texts import text


async def export(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """The questionnaire so far as .docx and .md documents."""
    lang = await channel.lang(state, language_code(message.from_user))
    if message.from_user is None:
        return
    try:
        await channel.service.find(user_key(message.from_user.id))
    except SessionNotFoundError:
        await channel.send(bot, message.chat.id, text(lang, "export_none"))
        return
    async with channel.typing(bot, message.chat.id):
        await channel.send_documents(bot, message.chat.id, user_key(message.from_user.id), lang)


async def delete_me(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """Ask before deleting everything the person told us."""
    lang = await channel.lang(state, language_code(message.from_user))
    await channel.send(bot, message.chat.id, text(lang, "delete_confirm"),
                       keyboard=delete_keyboard(lang))


async def lang(
    message: Message, command: CommandObject, bot: Bot, channel: Channel, state: FSMContext
) -> None:
    """``/lang ru|en``: the interview goes on in that language."""
    wanted = (command.args or "").strip().lower()
    if message.from_user is None:
        return
    if wanted not in ("ru", "en"):
        current = await channel.lang(state, language_code(message.from_user))
        await channel.send(bot, message.chat.id, text(current, "lang_usage"))
        return
    async with channel.typing(bot, message.chat.id):
        reply = await channel.service.set_language(user_key(message.from_user.id), wanted)
    await channel.deliver(bot, message.chat.id, reply, state)


async def help_(message: Message, bot: Bot, channel: Channel, state: FSMContext) -> None:
    """The service's help with the commands only Telegram has, before the pending question."""
    if message.from_user is None:
        return
    async with channel.typing(bot, message.chat.id):
        reply = await channel.service.handle(
            user_key(message.from_user.id), "/help",
            sent_at=message.date, message_id=str(message.message_id),
        )
    extra = text(reply.lang, "help_extra")
    question = reply.question or ""
    if question and reply.text.endswith(question):
        head = reply.text[: len(reply.text) - len(question)].rstrip()
        body = f"{head}\n\n{extra}\n\n{question}" if head else f"{extra}\n\n{question}"
    else:
        body = f"{reply.text}\n\n{extra}"
    await channel.deliver(bot, message.chat.id, dataclasses.replace(reply, text=body), state)


def router() -> Router:
    """A new router with this module's handlers (a router joins one dispatcher only)."""
    r = Router(name="commands")
    r.message.register(export, Command("export"))
    r.message.register(delete_me, Command("delete_me"))
    r.message.register(lang, Command("lang"))
    r.message.register(help_, Command("help"))
    return r
