"""The Telegram bot's inbox: a durable receipt of every update taken by long polling.

``interfaces/telegram/inbox.py`` writes each batch ``getUpdates`` returned here *before* the
next ``getUpdates`` (whose offset confirms the batch to Telegram) is sent, marks an update done
after its turn, and replays the entries not done when the bot starts. This module is only the
table ``tables.telegram_inbox``, on an engine of its own: in the interview database on
PostgreSQL (migration 0003), in a SQLite file of its own beside the interview database on SQLite
(:func:`inbox_file`; the repository must stay the only writer of its file). On SQLite the
inbox's writes take an in-process lock (no waits in SQLite's busy handler among themselves) and
commit without fsync (see :func:`_synchronous_normal`).

The inbox is small: a done entry is deleted as soon as Telegram was told it is confirmed (a
``getUpdates`` with a higher offset succeeded), so it holds the updates in flight plus one batch.
Rows are keyed by (bot id, update id): several bots may share one database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Collection, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from grant_interviewer.adapters.storage.engine import (
    driver_errors,
    mask_url,
    normalise_url,
    set_sqlite_pragmas,
    sqlite_file,
)
from grant_interviewer.errors import ConfigurationError, StorageError

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxEntry:
    """An update not done: its id, its JSON, and how many times a start replayed it."""

    update_id: int
    payload: str
    attempts: int


def inbox_file(database: Path) -> Path:
    """The inbox's SQLite file beside the interview database: ``interviews.sqlite3`` →
    ``interviews.telegram-inbox.sqlite3``."""
    return database.with_name(f"{database.stem}.telegram-inbox{database.suffix or '.sqlite3'}")


def _create_table(connection: Connection) -> None:
    from grant_interviewer.adapters.storage.tables import telegram_inbox

    telegram_inbox.create(connection, checkfirst=True)


def _synchronous_normal(dbapi_connection: Any, _record: Any) -> None:
    """This engine's commits are not fsynced (WAL, ``synchronous=NORMAL``).

    A commit is in the WAL file, in the operating system's cache, when it returns: it survives
    the process being killed — what the inbox is for — though not necessarily a power loss or an
    OS crash, and it costs a fraction of a millisecond instead of an fsync. The interviews' own
    file keeps the repository's setting.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class SqlInbox:
    """The ``telegram_inbox`` table of an already migrated database."""

    def __init__(self, engine: AsyncEngine, *, display_url: str) -> None:
        self._engine = engine
        self._display_url = display_url
        self._dialect = engine.dialect.name
        # SQLite: one writer at a time in this process, waiting on an asyncio lock rather than
        # in SQLite's busy handler (which sleeps 1, 2, 5, 10 … ms between tries).
        self._write_lock = asyncio.Lock() if self._dialect == "sqlite" else None

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    @classmethod
    async def open(cls, url: str) -> SqlInbox:
        """The inbox of the interview database at ``url``, on an engine of its own.

        PostgreSQL: the ``telegram_inbox`` table of that database (the repository's
        ``SqlRepository.open`` migrates it). SQLite: the same table in a file of its own beside
        the database (:func:`inbox_file`), created here: the repository writes a SQLite file
        through one connection, and a second writer on that file would make the repository's
        read-then-write transactions fail with "database is locked". ConfigurationError for an
        in-memory SQLite database (nothing there survives the process anyway).
        """
        from sqlalchemy import event
        from sqlalchemy.ext.asyncio import create_async_engine

        parsed = normalise_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            database = sqlite_file(parsed)
            if database is None:
                raise ConfigurationError(
                    f"no durable inbox in an in-memory database ({mask_url(parsed)})")
            path = inbox_file(database.expanduser())
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create the directory of {path}: {exc}") from exc
            parsed = parsed.set(database=str(path))
        else:
            kwargs["pool_pre_ping"] = True
        display = mask_url(parsed)
        engine = create_async_engine(parsed, **kwargs)
        inbox = cls(engine, display_url=display)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", set_sqlite_pragmas)
            event.listen(engine.sync_engine, "connect", _synchronous_normal)
            try:
                with inbox._translate("create the table"):
                    async with engine.begin() as conn:
                        await conn.run_sync(_create_table)
            except BaseException:
                await engine.dispose()
                raise
        return inbox

    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            if not isinstance(exc, driver_errors(self._dialect)):
                raise
            detail = getattr(exc, "orig", None) or exc
            first = str(detail).strip().splitlines()[0][:300] if str(detail).strip() else ""
            raise StorageError(f"could not {action} in the Telegram inbox "
                               f"({self._display_url}): {type(detail).__name__}: {first}") from exc

    # ------------------------------------------------------------------ polling
    async def accept(
        self,
        bot_id: int,
        updates: Sequence[tuple[int, str]],
        *,
        confirmed_below: int | None = None,
        done: Collection[int] = (),
    ) -> None:
        """Store ``updates`` ((update id, JSON)) not stored yet, in one transaction.

        ``confirmed_below``: the offset Telegram has accepted — done entries below it are deleted
        (Telegram will never deliver them again). ``done``: ids whose turn is already over
        (stored as done).
        """
        from sqlalchemy import delete

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        async with self._writing():
            with self._translate("store updates"):
                async with self._engine.begin() as conn:
                    if confirmed_below is not None:
                        await conn.execute(delete(inbox).where(
                            inbox.c.bot_id == bot_id, inbox.c.update_id < confirmed_below,
                            inbox.c.done_at.is_not(None)))
                    if updates:
                        now = datetime.now(UTC)
                        await self._insert_new(conn, [
                            {"bot_id": bot_id, "update_id": update_id, "payload": payload,
                             "received_at": now, "done_at": now if update_id in done else None,
                             "attempts": 0}
                            for update_id, payload in updates])

    async def _insert_new(self, conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        """INSERT … ON CONFLICT DO NOTHING (a second poller of the same token cannot clash)."""
        from sqlalchemy.dialects import postgresql, sqlite

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        dialect = postgresql if self._dialect == "postgresql" else sqlite
        statement = dialect.insert(inbox).on_conflict_do_nothing(
            index_elements=["bot_id", "update_id"])
        await conn.execute(statement, rows)

    async def done(self, bot_id: int, *update_ids: int) -> None:
        """The updates' turns are over (answered, refused, or failed and logged)."""
        from sqlalchemy import update

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        if not update_ids:
            return
        async with self._writing():
            with self._translate(f"mark {len(update_ids)} update(s) done"):
                async with self._engine.begin() as conn:
                    await conn.execute(update(inbox).where(
                        inbox.c.bot_id == bot_id, inbox.c.update_id.in_(update_ids),
                        inbox.c.done_at.is_(None)).values(done_at=datetime.now(UTC)))

    # ------------------------------------------------------------------ start
    async def unfinished(self, bot_id: int) -> list[InboxEntry]:
        """The entries not done, oldest update first."""
        from sqlalchemy import select

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        with self._translate("read unfinished updates"):
            async with self._engine.connect() as conn:
                rows = await conn.execute(
                    select(inbox.c.update_id, inbox.c.payload, inbox.c.attempts)
                    .where(inbox.c.bot_id == bot_id, inbox.c.done_at.is_(None))
                    .order_by(inbox.c.update_id))
                return [InboxEntry(int(u), str(p), int(a)) for u, p, a in rows]

    async def done_ids(self, bot_id: int) -> set[int]:
        """The entries done and still kept (Telegram may not have been told they are confirmed)."""
        from sqlalchemy import select

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        with self._translate("read done updates"):
            async with self._engine.connect() as conn:
                rows = await conn.execute(select(inbox.c.update_id).where(
                    inbox.c.bot_id == bot_id, inbox.c.done_at.is_not(None)))
                return {int(u) for (u,) in rows}

    async def attempt(self, bot_id: int, update_id: int) -> None:
        """Count one more replay of the update (committed before the replay runs)."""
        from sqlalchemy import update

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        async with self._writing():
            with self._translate(f"count a replay of update {update_id}"):
                async with self._engine.begin() as conn:
                    await conn.execute(update(inbox).where(
                        inbox.c.bot_id == bot_id, inbox.c.update_id == update_id)
                        .values(attempts=inbox.c.attempts + 1))

    async def count(self, bot_id: int) -> tuple[int, int]:
        """(entries, entries not done) of the bot: for tests and status."""
        from sqlalchemy import func, select

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        with self._translate("count entries"):
            async with self._engine.connect() as conn:
                total = await conn.scalar(select(func.count()).select_from(inbox).where(
                    inbox.c.bot_id == bot_id))
                pending = await conn.scalar(select(func.count()).select_from(inbox).where(
                    inbox.c.bot_id == bot_id, inbox.c.done_at.is_(None)))
        return int(total or 0), int(pending or 0)

    async def close(self) -> None:
        """Dispose of the connection pool."""
        with self._translate("close the database"):
            await self._engine.dispose()

    def __repr__(self) -> str:
        return f"SqlInbox({self._display_url!r})"
