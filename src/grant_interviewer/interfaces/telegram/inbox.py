"""Nothing lost on a kill -9 in long-polling mode: the bot's inbox of accepted updates.

**The gap.** aiogram's polling loop (``Dispatcher._listen_updates`` / ``_polling``, checked
against aiogram 3.31) calls ``getUpdates``, yields each update and sets the next offset to
``update_id + 1`` as soon as the consumer takes it; with ``handle_as_tasks`` (the default) every
update becomes a task and the loop asks for the next one at once. So the offset that confirms a
batch to Telegram goes out with the next ``getUpdates`` while the batch's turns are still running,
and Telegram never delivers a confirmed update again: a process killed then loses them.

**The receipt.** Only aiogram's public extension points are used, not its polling loop:

* A request middleware of the bot's session (``BaseRequestMiddleware``) on ``GetUpdates``: when
  the call returns, its updates are written to the inbox (``adapters/storage/inbox.py``, in the
  interview database) before they are handed to aiogram. The offset that confirms them can only
  go out with a *later* ``getUpdates`` — the Telegram protocol, whatever aiogram's loop does — so
  an update is stored before it is confirmed. If storing fails, the call fails: aiogram logs it,
  backs off and asks again with the old offset; nothing is confirmed.
* An outer middleware of ``dispatcher.update`` (inside aiogram's error, user-context and FSM
  middlewares, so inside the user's lock) marks the update done when its handlers returned or
  raised (a failure is logged by the error handler; replayed hours later it would answer out of
  context). A turn cancelled at shutdown stays not done.
* :meth:`PollingInbox.replay`, before polling starts: the entries not done go through
  ``Dispatcher.feed_update`` one by one, oldest first. The service ignores a message it already
  applied (``handle(..., message_id=)``), so an answer persisted just before the kill is not
  applied twice and its reply — the next question — is sent. An entry whose replay never
  finished :data:`MAX_REPLAY_ATTEMPTS` times (it kills the process?) is given up, logged.
* An update Telegram delivers again (the kill came before the confirming offset) that the inbox
  holds as done is not handled again.

What this relies on of aiogram (pinned ``>=3.13,<4`` in pyproject; tested with 3.31):
``Bot.session.middleware`` / ``BaseRequestMiddleware`` (the session's ``make_request`` gives the
result itself, though typed as a ``Response``: both are accepted), ``Dispatcher.update``'s
outer middlewares (registered after aiogram's own, so inside them), ``Dispatcher.feed_update``
and ``silent_call_request``, and pydantic's ``model_dump_json`` / ``model_validate_json`` of
``Update``. Not the polling loop's private parts.

Webhook mode does not use the inbox: Telegram redelivers an update whose HTTP response never
came, and the response is only sent after the turn (``runner.run_webhook``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.middlewares.base import BaseMiddleware
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from pydantic import ValidationError

from grant_interviewer.adapters.storage.inbox import SqlInbox
from grant_interviewer.errors import StorageError

logger = logging.getLogger(__name__)

#: Replays of one update that may start without finishing before it is given up.
MAX_REPLAY_ATTEMPTS = 3


def dump_update(update: Update) -> str:
    """The update as Telegram sent it (fields it had, Telegram's names); unknown fields kept."""
    return update.model_dump_json(exclude_unset=True, by_alias=True)


class PollingInbox:
    """The hooks of one bot's long polling on an inbox (install, replay, uninstall)."""

    def __init__(self, store: SqlInbox, bot_id: int) -> None:
        self.store = store
        self.bot_id = bot_id
        self._accepted: set[int] = set()  # stored by this process, not done yet
        self._skip: set[int] = set()  # delivered again but done already: not handled again
        self._pruned_at: int | None = None  # the last offset whose done entries were deleted
        self._receipt = _Receipt(self)
        self._marker = _DoneMarker(self)

    # ------------------------------------------------------------------ wiring
    def install(self, bot: Bot, dispatcher: Dispatcher) -> None:
        """Hook into the bot's HTTP session and the dispatcher."""
        bot.session.middleware(self._receipt)
        dispatcher.update.outer_middleware(self._marker)

    def uninstall(self, bot: Bot, dispatcher: Dispatcher) -> None:
        """Remove the hooks (a later polling run installs its own)."""
        bot.session.middleware.unregister(self._receipt)
        dispatcher.update.outer_middleware.unregister(self._marker)

    # ------------------------------------------------------------------ polling
    async def received(self, offset: int | None, updates: list[Update]) -> None:
        """A ``getUpdates`` with ``offset`` returned ``updates``: store them (raises on failure).

        Telegram has now confirmed every update below ``offset``: their done entries go.
        """
        prune = offset if offset and offset != self._pruned_at else None
        if not updates and prune is None:
            return
        batch = [(update.update_id, dump_update(update)) for update in updates]
        known = await self.store.accept(self.bot_id, batch, confirmed_below=prune)
        if prune is not None:
            self._pruned_at = prune
        for update in updates:
            update_id = update.update_id
            if update_id in known and (known[update_id] or update_id in self._accepted):
                self._skip.add(update_id)  # done before a restart, or in flight here
            else:
                self._accepted.add(update_id)

    async def handle(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        update: Update,
        data: dict[str, Any],
    ) -> Any:
        """Run the update's handlers, then mark it done (also when they raised)."""
        update_id = update.update_id
        if update_id in self._skip:
            self._skip.discard(update_id)
            logger.info("update %s was handled before; not handled again", update_id)
            return UNHANDLED
        try:
            result = await handler(update, data)
        except Exception:
            await self._done(update_id)
            raise
        await self._done(update_id)
        return result

    async def _done(self, update_id: int) -> None:
        self._accepted.discard(update_id)
        try:
            await self.store.done(self.bot_id, update_id)
        except StorageError as exc:  # replayed on the next start; the service skips a repeat
            logger.warning("could not mark update %s done: %s", update_id, exc)

    # ------------------------------------------------------------------ start
    async def replay(self, bot: Bot, dispatcher: Dispatcher) -> int:
        """Handle the entries a previous process accepted and did not finish; returns how many
        were handled."""
        entries = await self.store.unfinished(self.bot_id)
        if entries:
            logger.info("replaying %d update(s) accepted before the restart", len(entries))
        replayed = 0
        for entry in entries:
            if entry.attempts >= MAX_REPLAY_ATTEMPTS:
                logger.error("update %s given up: %d replays did not finish",
                             entry.update_id, entry.attempts)
                await self.store.done(self.bot_id, entry.update_id)
                continue
            try:
                update = Update.model_validate_json(entry.payload, context={"bot": bot})
            except ValidationError as exc:
                logger.error("update %s cannot be read back, dropped: %s", entry.update_id,
                             exc.errors()[:1])
                await self.store.done(self.bot_id, entry.update_id)
                continue
            await self.store.attempt(self.bot_id, entry.update_id)
            try:
                response = await dispatcher.feed_update(bot, update)
                if isinstance(response, TelegramMethod):
                    await dispatcher.silent_call_request(bot, response)
            except Exception:  # marked done by the middleware, as in polling
                logger.exception("replayed update %s failed", entry.update_id)
            replayed += 1
        return replayed


class _Receipt(BaseRequestMiddleware):
    """Stores what ``getUpdates`` returned before aiogram sees it (so before it is confirmed)."""

    def __init__(self, inbox: PollingInbox) -> None:
        self.inbox = inbox

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)
        if isinstance(method, GetUpdates):
            # Typed as a Response, but the session's make_request returns the result itself
            # (aiogram 3.x: ``BaseSession.__call__`` casts it so): accept both.
            got: Any = response
            result = got.result if isinstance(got, Response) else got
            await self.inbox.received(method.offset, cast("list[Update]", result or []))
        return response


class _DoneMarker(BaseMiddleware):
    """Marks an update done after its handlers ran (an outer middleware of updates)."""

    def __init__(self, inbox: PollingInbox) -> None:
        self.inbox = inbox

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):  # only registered on updates
            return await handler(event, data)
        return await self.inbox.handle(handler, event, data)
