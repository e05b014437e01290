"""The Telegram side of a turn: typing, the service call, and how a reply is sent.

:class:`Channel` is what every router uses: it passes text to :class:`InterviewService` (with the
message's date and id, so quick split replies and duplicate deliveries are recognised there),
sends the reply escaped and split, with the service's actions as inline buttons and the progress
now and then, and at the end sends the questionnaire files to the applicant and, when configured,
to the operators' chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot
from aiogram.enums import ChatAction, ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, FSInputFile, InlineKeyboardMarkup, InputFile

from grant_interviewer.interfaces.telegram.formatting import escape, split_text
from grant_interviewer.interfaces.telegram.keyboards import actions_keyboard
from grant_interviewer.interfaces.telegram.texts import language_of
from grant_interviewer.interfaces.telegram.texts import text as channel_text
from grant_interviewer.service import InterviewService, Reply

logger = logging.getLogger(__name__)

#: The formats sent as documents at the end and on /export.
DOCUMENT_FORMATS = ("docx", "md")
#: A chat action lasts 5 s on the client; repeat it while a slow turn runs.
TYPING_REPEAT_SECONDS = 4.5
PROGRESS_KEY = "progress_shown"
LANG_KEY = "lang"


@dataclass(frozen=True)
class ChannelConfig:
    """What the channel needs besides the service (from settings, by ``bootstrap``)."""

    default_lang: str = "ru"
    admin_chat_id: int | None = None
    progress_every: int = 3  # show "done/total" when this many more topics are done


def user_key(telegram_user_id: int) -> str:
    """The service's user id of a Telegram user."""
    return f"tg:{telegram_user_id}"


class Channel:
    """Sends turns to the service and replies to Telegram."""

    def __init__(self, service: InterviewService, config: ChannelConfig | None = None) -> None:
        self.service = service
        self.config = config or ChannelConfig()

    # ------------------------------------------------------------------ turns
    async def turn(
        self,
        bot: Bot,
        chat_id: int,
        telegram_user_id: int,
        text: str,
        state: FSMContext,
        *,
        sent_at: datetime | None = None,
        message_id: int | None = None,
    ) -> Reply:
        """One message through the service, the reply sent back."""
        async with self.typing(bot, chat_id):
            reply = await self.service.handle(
                user_key(telegram_user_id),
                text,
                sent_at=sent_at,
                message_id=str(message_id) if message_id is not None else None,
            )
        await self.deliver(bot, chat_id, reply, state)
        return reply

    async def begin(
        self, bot: Bot, chat_id: int, telegram_user_id: int, lang: str, state: FSMContext
    ) -> Reply:
        """Start (or resume) the interview: the first question, with no model or LLM wait."""
        reply = await self.service.start(user_key(telegram_user_id), lang=lang)
        await self.deliver(bot, chat_id, reply, state)
        return reply

    @contextlib.asynccontextmanager
    async def typing(self, bot: Bot, chat_id: int) -> AsyncIterator[None]:
        """Show "typing…" while the block runs (never delays or breaks the turn)."""
        task = asyncio.create_task(self._typing(bot, chat_id))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @staticmethod
    async def _typing(bot: Bot, chat_id: int) -> None:
        # Not aiogram's ChatActionSender: its worker lets a failed sendChatAction escape into a
        # task nobody awaits; a cosmetic action must never produce errors.
        while True:
            try:
                await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
            except TelegramAPIError as exc:
                logger.debug("chat action in %s failed: %s", chat_id, exc)
                return
            await asyncio.sleep(TYPING_REPEAT_SECONDS)

    # ------------------------------------------------------------------ replies
    async def deliver(self, bot: Bot, chat_id: int, reply: Reply, state: FSMContext) -> None:
        """Send a reply; at the end of the interview also the documents and the operators' copy."""
        body = reply.text
        data = await state.get_data()
        if data.get(LANG_KEY) != reply.lang:  # the channel's own words follow the interview
            await state.update_data({LANG_KEY: reply.lang})
        progress = await self._progress_line(reply, data, state)
        if progress:
            body = f"{body}\n\n{progress}"
        await self.send(bot, chat_id, body, keyboard=actions_keyboard(reply.actions))
        if reply.kind == "finished" and reply.session_id:
            documents = await self.send_documents(bot, chat_id, reply.session_id, reply.lang)
            await self.notify_operators(bot, reply, chat_id, documents)

    async def lang(self, state: FSMContext, code: str | None) -> str:
        """The language to speak to a person in: their interview's, else their Telegram one's."""
        data = await state.get_data()
        known = data.get(LANG_KEY)
        if isinstance(known, str) and known in ("ru", "en"):
            return known
        return language_of(code, self.config.default_lang)

    async def _progress_line(
        self, reply: Reply, data: dict[str, object], state: FSMContext
    ) -> str:
        """"Progress: 7/13" when enough topics got done since it was last shown, else ""."""
        if reply.kind != "question" or reply.total <= 0:
            return ""
        stored = data.get(PROGRESS_KEY, 0)
        shown = stored if isinstance(stored, int) else 0
        if reply.done < shown:  # a restart or /back: count from here
            await state.update_data({PROGRESS_KEY: reply.done})
            return ""
        due = reply.done - shown >= self.config.progress_every or (
            reply.done == reply.total and shown < reply.total
        )
        if not due:
            return ""
        await state.update_data({PROGRESS_KEY: reply.done})
        return channel_text(reply.lang, "progress", done=reply.done, total=reply.total)

    async def send(
        self, bot: Bot, chat_id: int, body: str, *, keyboard: InlineKeyboardMarkup | None = None
    ) -> bool:
        """Send ``body`` escaped, split at the limit; buttons go on the last piece.

        False if the person blocked the bot (nothing more can be sent to them).
        """
        pieces = split_text(body)
        for index, piece in enumerate(pieces):
            markup = keyboard if index == len(pieces) - 1 else None
            try:
                await bot.send_message(
                    chat_id=chat_id, text=escape(piece), parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            except TelegramForbiddenError:
                logger.info("chat %s blocked the bot; reply dropped", chat_id)
                return False
        return True

    # ------------------------------------------------------------------ documents
    async def documents(self, session_or_user: str) -> list[InputFile]:
        """The questionnaire as .docx and .md files, rendered off the event loop."""
        state = await self.service.find(session_or_user)
        paths = await self.service.write_exports(state.session_id)
        files: list[InputFile] = [
            FSInputFile(path, filename=path.name) for fmt in DOCUMENT_FORMATS
            for path in paths if path.suffix == f".{fmt}"
        ]
        if not files:  # no export folder configured: render in memory
            for fmt in DOCUMENT_FORMATS:
                data = await self.service.export(state.session_id, fmt)
                files.append(BufferedInputFile(data, filename=f"anketa-{state.session_id}.{fmt}"))
        return files

    async def send_documents(
        self, bot: Bot, chat_id: int, session_or_user: str, lang: str
    ) -> list[InputFile]:
        """Send the questionnaire files; a failure is said in words, never raised."""
        try:
            files = await self.documents(session_or_user)
        except Exception:
            logger.exception("could not export the questionnaire of %s", session_or_user)
            await self.send(bot, chat_id, channel_text(lang, "documents_failed"))
            return []
        caption = channel_text(lang, "export_caption")
        for document in files:
            try:
                await bot.send_document(chat_id=chat_id, document=document, caption=caption)
            except TelegramForbiddenError:
                logger.info("chat %s blocked the bot; documents dropped", chat_id)
                break
        return files

    async def notify_operators(
        self, bot: Bot, reply: Reply, chat_id: int, files: list[InputFile]
    ) -> None:
        """The summary and the files to the operators' chat (when configured); never raises."""
        admin = self.config.admin_chat_id
        if admin is None:
            return
        try:
            header = channel_text(reply.lang, "admin_finished", session=reply.session_id,
                                  user=chat_id)
            await self.send(bot, admin, f"{header}\n\n{reply.text}")
            for document in files:
                await bot.send_document(chat_id=admin, document=document)
        except TelegramAPIError as exc:
            logger.warning("could not notify the operators' chat: %s", exc)


def language_code(user: object) -> str | None:
    """A Telegram user's ``language_code`` (None for no user)."""
    code = getattr(user, "language_code", None)
    return code if isinstance(code, str) else None
