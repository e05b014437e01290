"""Engine helpers of the storage adapter: URL checks, masking, SQLite pragmas and its thread,
driver errors."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib
import importlib.util
import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from grant_interviewer.errors import ConfigurationError, MissingExtraError

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.engine import URL, Engine

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# FULL: every commit syncs the WAL, so a committed answer survives a power cut or an OS crash,
# not only a killed process. NORMAL (WAL synced at checkpoints) also survives kill -9 — the
# WAL is written before the commit returns — and is never corrupted, but a power cut can roll
# back the last commits. Measured on a shared 2-core VM (bench/storage.py, docs/performance.md
# "Storage in a turn"): a save's p50 ~1.0 ms with NORMAL against ~2.1 ms with FULL, the
# difference being the fsync, which grows when the disk is busy. FULL stays the default
# (docs/architecture.md promises it); NORMAL is this one line.
SQLITE_SYNCHRONOUS = "FULL"
SQLITE_MAX_GROUP = 64  # writes committed together at most (group commit)
_T = TypeVar("_T")


def mask_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def driver_errors(dialect: str | None = None) -> tuple[type[BaseException], ...]:
    """The foreign exceptions the storage adapter translates, for ``dialect`` (None: all).

    Imports only what can raise them: asyncpg for PostgreSQL, and Alembic's ``CommandError``
    only once Alembic has been imported (a database at the newest revision never imports it).
    """
    import sys

    from sqlalchemy.exc import SQLAlchemyError

    errors: list[type[BaseException]] = [SQLAlchemyError, OSError]
    if dialect is None or "alembic" in sys.modules:
        from alembic.util import CommandError

        errors.append(CommandError)
    if dialect in (None, "postgresql") and importlib.util.find_spec("asyncpg") is not None:
        asyncpg = importlib.import_module("asyncpg")  # the postgres extra is optional
        errors += [asyncpg.PostgresError, asyncpg.InterfaceError]
    return tuple(errors)


def normalise_url(url: str | URL) -> URL:
    """The async URL the storage adapter uses for ``url`` (the one place URLs are checked).

    ``sqlite://`` (any driver) becomes ``sqlite+aiosqlite://``; ``postgresql://`` and
    ``postgres://`` (any driver) become ``postgresql+asyncpg://``. Used by
    ``SqlRepository.open`` and by the Alembic environment (the ``migrate`` command line).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"invalid database URL {mask_url(url)!r}") from exc
    # Read the names from the text: URL.get_driver_name() loads the dialect, and SQLAlchemy has
    # no dialect called "postgres".
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite":
        if driver != "aiosqlite":
            parsed = parsed.set(drivername="sqlite+aiosqlite")
        if parsed.database and parsed.database.startswith("~"):
            parsed = parsed.set(database=str(Path(parsed.database).expanduser()))
    elif backend in ("postgresql", "postgres"):
        if driver != "asyncpg" or backend != "postgresql":
            parsed = parsed.set(drivername="postgresql+asyncpg")
        if importlib.util.find_spec("asyncpg") is None:
            raise MissingExtraError("asyncpg", "postgres")
    else:
        raise ConfigurationError(
            f"unsupported database {mask_url(url)!r}: use sqlite+aiosqlite:/// or "
            "postgresql+asyncpg://"
        )
    return parsed


def sqlite_file(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("mode"):
        return None
    return Path(database)


def set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def sync_sqlite_engine(url: URL) -> Engine:
    """A synchronous (pysqlite) engine on the SQLite file of the async ``url``, same pragmas.

    The driver's own transaction handling is switched off and SQLAlchemy emits ``BEGIN``
    itself (the SQLAlchemy recipe for pysqlite), so SAVEPOINTs work: :class:`SqliteThread`
    groups writes in one transaction, one savepoint each.
    """
    from sqlalchemy import create_engine, event

    engine = create_engine(url.set(drivername="sqlite+pysqlite"), json_serializer=json_dumps)

    def connect(dbapi_connection: Any, record: Any) -> None:
        set_sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None  # no implicit BEGIN/COMMIT by sqlite3

    def begin(conn: Any) -> None:
        conn.connection.driver_connection.execute("BEGIN")  # DEFERRED, as sqlite3 would

    event.listen(engine, "connect", connect)
    event.listen(engine, "begin", begin)
    return engine


@dataclass(slots=True)
class _Job:
    fn: Callable[[Connection], Any]
    write: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class SqliteThread:
    """One thread that owns a synchronous engine over a SQLite file and runs calls on it.

    A call is one hop off the event loop (aiosqlite hops for every cursor operation, ~4 per
    statement). Calls run in the order they were made; writes waiting together share one
    transaction, a SAVEPOINT each, and one commit (group commit: one WAL sync for a burst of
    saves instead of one each). Every write's caller is answered only after the commit that
    contains it; a write that fails is rolled back to its savepoint alone. An unexpected error
    (not a refused write) runs the group's writes again one transaction each.
    """

    def __init__(self, url: URL, *, max_group: int = SQLITE_MAX_GROUP) -> None:
        """Nothing starts before the first call."""
        self._url = url
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None
        self.commits = 0  # transactions committed with writes (for tests and benchmarks)

    async def call(self, fn: Callable[[Connection], _T], *, write: bool) -> _T:
        """``fn(connection)``: in a transaction if ``write`` (committed before this returns)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="grant-interviewer-sqlite", daemon=True
            )
            self._thread.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        self._queue.put(_Job(fn, write, loop, future))
        return await future

    async def close(self) -> None:
        """Run what is queued, dispose of the engine and stop the thread."""
        if self._thread is None:
            return
        await self.call(lambda _conn: None, write=False)  # everything before it has run
        self._queue.put(None)
        thread, self._thread = self._thread, None
        await asyncio.to_thread(thread.join)

    # ---------------------------------------------------------------- on the thread
    def _run(self) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        waiting: collections.deque[_Job | None] = collections.deque()
        while True:
            job = waiting.popleft() if waiting else self._queue.get()
            if job is None:
                break
            if not job.write:
                if not job.future.cancelled():
                    self._answer(job, *self._attempt(job, write=False))
                continue
            group = [job]
            while len(group) < self._max_group and not waiting:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None or not more.write:
                    waiting.append(more)
                else:
                    group.append(more)
            self._write(group)
        if self._engine is not None:
            try:
                self._engine.dispose()
            except SQLAlchemyError:  # closing at shutdown: nothing left to report it to
                logger.debug("disposing of the SQLite engine failed", exc_info=True)

    def _connection_engine(self) -> Engine:
        if self._engine is None:
            self._engine = sync_sqlite_engine(self._url)
        return self._engine

    def _attempt(self, job: _Job, *, write: bool) -> tuple[bool, Any]:
        try:
            engine = self._connection_engine()
            if write:
                with engine.begin() as conn:
                    result = job.fn(conn)
                self.commits += 1
                return True, result
            with engine.connect() as conn:
                return True, job.fn(conn)
        except BaseException as exc:  # the caller gets it; the thread goes on
            return False, exc

    def _write(self, group: list[_Job]) -> None:
        live = [job for job in group if not job.future.cancelled()]
        if len(live) <= 1:
            for job in live:
                self._answer(job, *self._attempt(job, write=True))
            return
        from sqlalchemy.exc import IntegrityError

        from grant_interviewer.errors import GrantInterviewerError

        outcomes: list[tuple[bool, Any]] = []
        try:
            with self._connection_engine().begin() as conn:
                for job in live:
                    try:
                        with conn.begin_nested():
                            outcomes.append((True, job.fn(conn)))
                    except (GrantInterviewerError, IntegrityError) as exc:  # refused: its own
                        outcomes.append((False, exc))
            self.commits += 1
        except BaseException:
            logger.debug("a grouped SQLite write failed; writing one at a time", exc_info=True)
            for job in live:
                self._answer(job, *self._attempt(job, write=True))
            return
        for job, outcome in zip(live, outcomes, strict=True):
            self._answer(job, *outcome)

    @staticmethod
    def _answer(job: _Job, ok: bool, value: Any) -> None:
        def settle() -> None:
            if job.future.cancelled():
                return
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)

        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            job.loop.call_soon_threadsafe(settle)
