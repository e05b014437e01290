"""The Telegram bot's inbox: a durable receipt of every update taken by long polling.

``interfaces/telegram/inbox.py`` writes each batch ``getUpdates`` returned here *before* the
next ``getUpdates`` (whose offset confirms the batch to Telegram) is sent, marks an update done
after its turn, and replays the entries not done when the bot starts. This module is only the
table ``tables.telegram_inbox``:

* PostgreSQL: the table of the interview database (migration 0003), on an engine of its own;
* SQLite: the same table in a file of its own beside the interview database (:func:`inbox_file`,
  created here) — the repository must stay the only writer of its file — written through a
  :class:`~.engine.SqliteThread` of its own (one hop per call, group commit), so the bot's event
  loop does next to no database work for it, and committed without fsync
  (:func:`_synchronous_normal`).

The statements are plain synchronous functions run either way. The inbox is small: a done entry
is deleted as soon as Telegram was told it is confirmed (a ``getUpdates`` with a higher offset
succeeded), so it holds the updates in flight plus one batch. Rows are keyed by (bot id, update
id): several bots may share one database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from grant_interviewer.adapters.storage.engine import (
    driver_errors,
    mask_url,
    normalise_url,
    sqlite_file,
)
from grant_interviewer.errors import ConfigurationError, StorageError

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine
    from sqlalchemy.sql import Executable

    from grant_interviewer.adapters.storage.engine import SqliteThread

_T = TypeVar("_T")

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


def _synchronous_normal(conn: Connection) -> None:
    """The inbox file's commits are not fsynced (WAL, ``synchronous=NORMAL``).

    A commit is then in the WAL file in the operating system's cache when it returns: it survives
    the process being killed — what the inbox is for — though not necessarily a power loss or an
    OS crash. The next ``getUpdates`` waits for the commit, and an fsync there would hold a quick
    next message back by milliseconds. Set on the driver's connection outside any transaction
    (SQLite refuses it inside one); the interviews' own file keeps the repository's setting. A
    connection the thread's pool opened later would commit with fsync: slower, not less safe.
    """
    cast("Any", conn.connection.driver_connection).execute("PRAGMA synchronous=NORMAL")


def _executing(statement: Executable) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        conn.execute(statement)
    return run


class SqlInbox:
    """The ``telegram_inbox`` table (see the module's docstring for where it lives)."""

    def __init__(
        self, *, display_url: str, engine: AsyncEngine | None = None,
        thread: SqliteThread | None = None,
    ) -> None:
        self._engine = engine
        self._thread = thread
        self._display_url = display_url
        self._dialect = "sqlite" if thread is not None else (
            engine.dialect.name if engine is not None else "")

    @classmethod
    async def open(cls, url: str) -> SqlInbox:
        """The inbox of the interview database at ``url``.

        ConfigurationError for an in-memory SQLite database (nothing there survives the process).
        """
        from sqlalchemy.ext.asyncio import create_async_engine

        from grant_interviewer.adapters.storage.engine import SqliteThread

        parsed = normalise_url(url)
        if parsed.get_backend_name() != "sqlite":
            return cls(engine=create_async_engine(parsed, pool_pre_ping=True),
                       display_url=mask_url(parsed))
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
        inbox = cls(thread=SqliteThread(parsed), display_url=mask_url(parsed))
        try:
            await inbox._run("create the table", _create_table, write=True)
            await inbox._run("configure the connection", _synchronous_normal, write=False)
        except BaseException:
            await inbox.close()
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

    async def _run(self, action: str, fn: Callable[[Connection], _T], *, write: bool) -> _T:
        """``fn(connection)`` on the SQLite thread or PostgreSQL (in a transaction if ``write``)."""
        with self._translate(action):
            if self._thread is not None:
                return await self._thread.call(fn, write=write)
            assert self._engine is not None
            if write:
                async with self._engine.begin() as conn:
                    return await conn.run_sync(fn)
            async with self._engine.connect() as conn:
                return await conn.run_sync(fn)

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
        from sqlalchemy.dialects import postgresql, sqlite

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        now = datetime.now(UTC)
        rows = [{"bot_id": bot_id, "update_id": update_id, "payload": payload,
                 "received_at": now, "done_at": now if update_id in done else None,
                 "attempts": 0} for update_id, payload in updates]
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        insert = dialect.insert(inbox).on_conflict_do_nothing(
            index_elements=["bot_id", "update_id"])  # a second poller of the token cannot clash

        def write(conn: Connection) -> None:
            if confirmed_below is not None:
                conn.execute(delete(inbox).where(
                    inbox.c.bot_id == bot_id, inbox.c.update_id < confirmed_below,
                    inbox.c.done_at.is_not(None)))
            if rows:
                conn.execute(insert, rows)

        await self._run("store updates", write, write=True)

    async def done(self, bot_id: int, *update_ids: int) -> None:
        """The updates' turns are over (answered, refused, or failed and logged)."""
        from sqlalchemy import update

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        if not update_ids:
            return
        statement = update(inbox).where(
            inbox.c.bot_id == bot_id, inbox.c.update_id.in_(update_ids),
            inbox.c.done_at.is_(None)).values(done_at=datetime.now(UTC))
        await self._run(f"mark {len(update_ids)} update(s) done", _executing(statement),
                        write=True)

    # ------------------------------------------------------------------ start
    async def unfinished(self, bot_id: int) -> list[InboxEntry]:
        """The entries not done, oldest update first."""
        from sqlalchemy import select

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        statement = (select(inbox.c.update_id, inbox.c.payload, inbox.c.attempts)
                     .where(inbox.c.bot_id == bot_id, inbox.c.done_at.is_(None))
                     .order_by(inbox.c.update_id))

        def read(conn: Connection) -> list[InboxEntry]:
            return [InboxEntry(int(u), str(p), int(a)) for u, p, a in conn.execute(statement)]

        return await self._run("read unfinished updates", read, write=False)

    async def done_ids(self, bot_id: int) -> set[int]:
        """The entries done and still kept (Telegram may not have been told they are confirmed)."""
        from sqlalchemy import select

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        statement = select(inbox.c.update_id).where(
            inbox.c.bot_id == bot_id, inbox.c.done_at.is_not(None))
        return await self._run("read done updates",
                               lambda conn: {int(u) for (u,) in conn.execute(statement)},
                               write=False)

    async def attempt(self, bot_id: int, update_id: int) -> None:
        """Count one more replay of the update (committed before the replay runs)."""
        from sqlalchemy import update

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        statement = update(inbox).where(
            inbox.c.bot_id == bot_id, inbox.c.update_id == update_id,
        ).values(attempts=inbox.c.attempts + 1)
        await self._run(f"count a replay of update {update_id}", _executing(statement),
                        write=True)

    async def count(self, bot_id: int) -> tuple[int, int]:
        """(entries, entries not done) of the bot: for tests and status."""
        from sqlalchemy import func, select

        from grant_interviewer.adapters.storage.tables import telegram_inbox as inbox

        total = select(func.count()).select_from(inbox).where(inbox.c.bot_id == bot_id)
        pending = total.where(inbox.c.done_at.is_(None))

        def read(conn: Connection) -> tuple[int, int]:
            return int(conn.scalar(total) or 0), int(conn.scalar(pending) or 0)

        return await self._run("count entries", read, write=False)

    async def close(self) -> None:
        """Stop the SQLite thread, or dispose of the connection pool."""
        with self._translate("close the database"):
            if self._thread is not None:
                await self._thread.close()
            if self._engine is not None:
                await self._engine.dispose()

    def __repr__(self) -> str:
        return f"SqlInbox({self._display_url!r})"
