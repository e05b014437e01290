"""Nothing lost on a kill -9 in long-polling mode: the bot's inbox of accepted updates.

**The gap.** aiogram's polling loop (``Dispatcher._listen_updates`` / ``_polling``, checked
against aiogram 3.31) calls ``getUpdates``, yields each update and sets the next offset to
``update_id + 1`` as soon as the consumer takes it; with ``handle_as_tasks`` (the default) every
update becomes a task and the loop asks for the next one at once. So the offset that confirms a
batch to Telegram goes out with the next ``getUpdates`` while the batch's turns are still running,
and Telegram never delivers a confirmed update again: a process killed then loses them.

**The receipt.** Only aiogram's public extension points are used, not its polling loop:

* A request middleware of the bot's session (``BaseRequestMiddleware``) on ``GetUpdates``: the
  updates a call returned are written to the inbox (``adapters/storage/inbox.py``, in the
  interview database) in the background while their turns start, and the next ``getUpdates`` —
  the one whose offset confirms them, by the Telegram protocol, whatever aiogram's loop does — is
  held until that write is committed. So an update is stored before it is confirmed, and the
  write costs the turn nothing. If the write fails, it is tried again before that next call; if
  it fails again the call fails: aiogram logs it, backs off and asks again, still nothing
  confirmed.
* An outer middleware of ``dispatcher.update`` (inside aiogram's error, user-context and FSM
  middlewares) marks the update done when its handlers returned or raised (a failure is logged
  by the error handler; replayed hours later it would answer out of context). The mark is
  written in the background, several in one transaction. A turn cancelled at shutdown stays not
  done.
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

import asyncio
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
    """The hooks of one bot's long polling on an inbox (install, replay, close)."""

    def __init__(self, store: SqlInbox, bot_id: int) -> None:
        self.store = store
        self.bot_id = bot_id
        self._accepted: set[int] = set()  # taken by this process, not done yet
        self._skip: set[int] = set()  # delivered again but done already: not handled again
        self._done_before: set[int] = set()  # done (before this start), maybe not confirmed
        self._pruned_at: int | None = None  # the last offset whose done entries were deleted
        self._writes: dict[int, asyncio.Task[bool]] = {}  # update id → its batch's write
        self._pending: set[asyncio.Task[bool]] = set()  # batch writes not finished
        self._failed: list[list[tuple[int, str]]] = []  # batches whose write failed
        self._done_unstored: set[int] = set()  # over before their batch could be written
        self._done_queue: list[tuple[int, asyncio.Task[bool] | None]] = []  # to mark done
        self._marking: asyncio.Task[None] | None = None
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

    async def close(self) -> None:
        """Let the writes under way finish, then close the store."""
        await self.drain()
        await self.store.close()

    async def drain(self) -> None:
        """Wait for the batch writes and done marks under way."""
        if self._pending:
            await asyncio.wait(set(self._pending))
        while self._marking is not None and not self._marking.done():
            await self._marking

    # ------------------------------------------------------------------ polling
    def received(self, offset: int | None, updates: list[Update]) -> None:
        """A ``getUpdates`` with ``offset`` returned ``updates``: write them, in the background.

        The turns start at once; :meth:`before_poll` holds the next ``getUpdates`` (the one
        that confirms them) until the write is committed. Telegram has confirmed every update
        below ``offset``: their done entries are deleted in the same transaction.
        """
        batch: list[tuple[int, str]] = []
        for update in updates:
            update_id = update.update_id
            if update_id in self._done_before or update_id in self._accepted:
                self._done_before.discard(update_id)
                self._skip.add(update_id)  # done before a restart, or in flight here
                continue
            self._accepted.add(update_id)
            batch.append((update_id, dump_update(update)))
        prune = offset if offset and offset != self._pruned_at else None
        if not batch and prune is None:
            return
        self._pruned_at = prune or self._pruned_at
        write = asyncio.create_task(self._write(batch, prune))
        self._pending.add(write)
        write.add_done_callback(self._pending.discard)
        for update_id, _ in batch:
            self._writes[update_id] = write

    async def _write(self, batch: list[tuple[int, str]], prune: int | None) -> bool:
        try:
            await self.store.accept(self.bot_id, batch, confirmed_below=prune)
        except Exception as exc:  # before_poll writes it again before anything is confirmed
            logger.warning("could not store %d update(s): %s", len(batch), exc,
                           exc_info=not isinstance(exc, StorageError))
            if batch:
                self._failed.append(batch)
            return False
        return True

    async def before_poll(self) -> None:
        """Before a ``getUpdates`` goes out: every update taken so far is committed (raises
        StorageError when it cannot be: the call fails, aiogram waits and tries again)."""
        if self._pending:
            await asyncio.wait(set(self._pending))
        while self._failed:
            batch = self._failed[0]
            over = {update_id for update_id, _ in batch if update_id in self._done_unstored}
            await self.store.accept(self.bot_id, batch, done=over)
            self._failed.pop(0)
            ids = {update_id for update_id, _ in batch}
            late = (self._done_unstored & ids) - over  # over while this write ran
            self._done_unstored -= ids
            if late:
                await self.store.done(self.bot_id, *late)

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
        """Queue the done mark: written in the background, so the user's next update (waiting
        for this one's lock) does not wait for a commit."""
        self._accepted.discard(update_id)
        self._done_queue.append((update_id, self._writes.pop(update_id, None)))
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._mark_done())

    async def _mark_done(self) -> None:
        while self._done_queue:
            queued, self._done_queue = self._done_queue, []
            ids: list[int] = []
            for update_id, write in queued:
                # Its batch must be written first; one whose write failed is written as done
                # by before_poll.
                if write is not None and not await write and any(
                        update_id == stored for batch in self._failed for stored, _ in batch):
                    self._done_unstored.add(update_id)
                else:
                    ids.append(update_id)
            try:
                await self.store.done(self.bot_id, *ids)
            except StorageError as exc:  # replayed on the next start; the service skips a repeat
                logger.warning("could not mark update(s) %s done: %s", ids, exc)

    # ------------------------------------------------------------------ start
    async def replay(self, bot: Bot, dispatcher: Dispatcher) -> int:
        """Handle the entries a previous process accepted and did not finish; returns how many
        were handled. Then remember the done entries Telegram may deliver again."""
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
        await self.drain()
        self._done_before = await self.store.done_ids(self.bot_id)
        return replayed


class _Receipt(BaseRequestMiddleware):
    """Writes what ``getUpdates`` returned, and holds the next one until it is committed."""

    def __init__(self, inbox: PollingInbox) -> None:
        self.inbox = inbox

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            await self.inbox.before_poll()  # what this call's offset confirms is committed
        response = await make_request(bot, method)
        if isinstance(method, GetUpdates):
            # Typed as a Response, but the session's make_request returns the result itself
            # (aiogram 3.x: ``BaseSession.__call__`` casts it so): accept both.
            got: Any = response
            result = got.result if isinstance(got, Response) else got
            self.inbox.received(method.offset, cast("list[Update]", result or []))
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
