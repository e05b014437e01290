"""The interview repository on SQLAlchemy 2 (async): SQLite (aiosqlite) or PostgreSQL (asyncpg).

``SqlRepository.open(url)`` creates the engine, migrates the schema to the newest Alembic
revision (see :mod:`.migrate` for migrating by hand) and returns a
:class:`~grant_interviewer.ports.Repository`.

* ``save`` is one transaction: the session row is updated only if its ``version`` is still the one
  the caller loaded (optimistic concurrency; a stale writer gets :class:`StorageError`), changed
  turns are upserted, turns beyond the state's last one are deleted (``/back`` drops turns), and
  the commit happens before ``save`` returns.
* Reads are cheap when this process knows the session: a snapshot of what the database holds
  is kept per session and version (written or read by this process); one statement reads the
  found session's ``version`` and, if it is the snapshot's, the state is rebuilt from the
  snapshot. Every writer, in any process, bumps the version in the transaction of its change,
  so a snapshot of the current version is the stored state. Saves write only the turns that
  differ from the snapshot. Statements of a turn are built once (SQLAlchemy's compiled cache).
* A SQLite file is used from a thread of the repository's own with a synchronous engine (see
  :class:`~.engine.SqliteThread`): one hop off the event loop per call, and saves that wait
  together are committed together (one WAL sync for a burst).
* Every database or driver exception is translated here, once, into :class:`StorageError`; URLs
  in messages and logs have their password masked.
* SQLite runs in WAL mode with foreign keys on, ``synchronous=FULL`` (a committed answer survives
  a crash or power cut; see ``engine.SQLITE_SYNCHRONOUS``) and a busy timeout.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from grant_interviewer.adapters.storage.engine import (
    SqliteThread,
    driver_errors,
    json_dumps,
    mask_url,
    normalise_url,
    set_sqlite_pragmas,
    sqlite_file,
)
from grant_interviewer.adapters.storage.rows import (
    TURN_VALUE_COLUMNS,
    Snapshot,
    changed_turns,
    session_row,
    snapshot_of,
    state_from_rows,
    state_from_snapshot,
    turn_rows,
)
from grant_interviewer.domain.model import InterviewState, SessionStatus
from grant_interviewer.errors import ConfigurationError, GrantInterviewerError, StorageError

if TYPE_CHECKING:
    from sqlalchemy import BindParameter, ColumnElement, Connection, Dialect
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

_SNAPSHOT_LIMIT = 4096  # sessions remembered as stored (to upsert only changes, to skip reads)
_READ_ATTEMPTS = 5
_T = TypeVar("_T")


class SqlRepository:
    """Interview states in a SQL database (implements ``ports.Repository``)."""

    def __init__(self, engine: AsyncEngine, *, display_url: str) -> None:
        """Wrap an engine whose database is already migrated (use :meth:`open`)."""
        self._engine = engine
        self._display_url = display_url
        self._dialect = engine.dialect.name
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()
        self._statements: _Statements | None = None
        # A SQLite file is used through a synchronous engine on a thread of its own, which runs
        # the calls in order (see _call); an in-memory database exists only inside the async
        # engine's connection, whose writes a lock serialises.
        self._thread: SqliteThread | None = None
        if self._dialect == "sqlite" and sqlite_file(engine.url) is not None:
            self._thread = SqliteThread(engine.url)
        self._write_lock = (
            asyncio.Lock() if self._dialect == "sqlite" and self._thread is None else None
        )

    @classmethod
    async def open(
        cls, url: str, *, migrate: bool = True, schema: str | None = None
    ) -> SqlRepository:
        """Connect to ``url``, migrate to the newest revision (unless ``migrate=False``).

        ``schema`` (PostgreSQL only) puts the tables into that schema, created if missing.
        """
        from sqlalchemy import event
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import StaticPool

        parsed = normalise_url(url)
        display = mask_url(parsed)
        kwargs: dict[str, Any] = {"json_serializer": json_dumps}
        if parsed.get_backend_name() == "sqlite":
            if schema is not None:
                raise ConfigurationError("schema= is only supported with PostgreSQL")
            path = sqlite_file(parsed)
            if path is None:
                kwargs["poolclass"] = StaticPool  # one shared in-memory database
            else:
                try:
                    path.expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StorageError(f"cannot create the directory of {display}: {exc}") from exc
        else:
            kwargs["pool_pre_ping"] = True
            if schema is not None:
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        engine = create_async_engine(parsed, **kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", set_sqlite_pragmas)
        repo = cls(engine, display_url=display)
        try:
            with repo._translate("open the database"):
                async with engine.begin() as conn:
                    if schema is not None:
                        quoted = engine.dialect.identifier_preparer.quote_identifier(schema)
                        await conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
                    if migrate:
                        await repo._migrate(conn)
        except BaseException:
            await engine.dispose()
            raise
        logger.info("database ready at %s", display)
        return repo

    async def _migrate(self, conn: AsyncConnection) -> None:
        from grant_interviewer.adapters.storage import migrate

        if self._dialect == "postgresql":  # one migrator at a time across processes
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7102145093)")
        head = migrate.shipped_head()
        if head is not None:  # None: the files show no single head; Alembic decides
            stamped = await conn.run_sync(migrate.stamped_revision)
            if stamped == head:
                return  # already at the newest revision: no Alembic import on this start
            if stamped is None and await conn.run_sync(migrate.create_new, head):
                logger.info("created the schema of %s at revision %s", self._display_url, head)
                return  # a new database: the newest schema directly, no Alembic import either
        before = await conn.run_sync(migrate.current_revision)
        await conn.run_sync(migrate.upgrade)
        after = await conn.run_sync(migrate.current_revision)
        if before != after:
            logger.info("migrated %s from %s to %s", self._display_url, before, after)

    @property
    def url(self) -> str:
        """The database URL with the password masked."""
        return self._display_url

    # ------------------------------------------------------------------ running statements
    async def _call(self, fn: Callable[[Connection], _T], *, write: bool) -> _T:
        """``fn(connection)`` in a transaction (``write``) or on a plain connection.

        SQLite files: on this repository's own thread, through a synchronous pysqlite engine
        over the same file (:class:`~.engine.SqliteThread`: one hop off the event loop per
        call, writes waiting together committed together). Otherwise (PostgreSQL, in-memory
        SQLite): ``run_sync`` on the async engine.
        """
        if self._thread is not None:
            return await self._thread.call(fn, write=write)
        if write:
            async with self._engine.begin() as conn:
                return await conn.run_sync(fn)
        async with self._engine.connect() as conn:
            return await conn.run_sync(fn)

    @property
    def _sql(self) -> _Statements:
        if self._statements is None:
            self._statements = _Statements(self._dialect)
        return self._statements

    # ------------------------------------------------------------------ errors and locks
    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        try:
            yield
        except GrantInterviewerError:
            raise
        except Exception as exc:
            # looked up here: Alembic's error type exists only once a migration ran
            if not isinstance(exc, driver_errors(self._dialect)):
                raise
            detail = getattr(exc, "orig", None) or exc
            text = str(detail).strip().splitlines()[0] if str(detail).strip() else ""
            message = f"could not {action} ({self._display_url}): {type(detail).__name__}"
            if text:
                message += f": {text[:300]}"
            logger.debug("%s", message)  # raised below; the caller reports it once
            raise StorageError(message) from exc

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    # ------------------------------------------------------------------ writes
    async def create(self, state: InterviewState) -> None:
        """Insert a new session with its turns; StorageError if the id exists."""
        rows = turn_rows(state)
        first = session_row(state, version=state.version)
        snapshot = snapshot_of(state, state.version, rows, first)
        sql = self._sql

        def insert(conn: Connection) -> None:
            conn.execute(sql.insert_session, [first])
            if rows:
                conn.execute(sql.insert_turns, rows)

        async with self._writing():
            with self._translate(f"create session {state.session_id}"):
                await self._call(insert, write=True)
        self._remember(state.session_id, snapshot)

    async def save(self, state: InterviewState) -> None:
        """Persist the whole state in one transaction and bump ``state.version``.

        Raises StorageError if the session does not exist or another writer saved it since
        ``state`` was loaded (its version is stale).

        Statements: the session row (guarded by the version), the turns that differ from what
        this process knows the database holds at that version (all of them if unknown), and a
        delete of dropped turns only when some may exist.
        """
        session_id = state.session_id
        old, new = state.version, state.version + 1
        rows = turn_rows(state)
        values = session_row(state, version=new)
        snapshot = snapshot_of(state, new, rows, values)
        known = self._known(session_id, old)
        changed = changed_turns(rows, known.rows if known is not None else None)
        sql = self._sql
        contiguous = all(row["idx"] == i for i, row in enumerate(rows))
        drop: Any = None  # the delete of dropped turns with its parameters, if one is needed
        if not contiguous:
            drop = (sql.delete_turns_not_in([row["idx"] for row in rows]), {"b_id": session_id})
        elif known is None or len(known.rows) > len(rows):
            drop = (sql.delete_turns_from, {"b_id": session_id, "b_from": len(rows)})
        del values["id"]
        values["b_id"], values["b_old"] = session_id, old

        def write(conn: Connection) -> None:
            if sql.dml(conn, "update_session", values) != 1:
                stored = conn.scalar(sql.version_of, {"b_id": session_id})
                if stored is None:
                    raise StorageError(f"session {session_id} does not exist")
                raise StorageError(
                    f"session {session_id} was saved by another writer "
                    f"(stored version {stored}, this copy has {old}); reload and retry"
                )
            if changed:
                sql.dml(conn, "upsert_turns", changed)
            if drop is not None:
                conn.execute(*drop)

        async with self._writing():
            with self._translate(f"save session {session_id}"):
                await self._call(write, write=True)
        state.version = new
        self._remember(session_id, snapshot)

    async def delete_user(self, user_id: str) -> int:
        """Delete every session of ``user_id`` and their turns (one transaction); the count."""
        from sqlalchemy import delete, select

        from grant_interviewer.adapters.storage.tables import sessions, turns

        def remove(conn: Connection) -> list[str]:
            ids = list(conn.scalars(select(sessions.c.id).where(sessions.c.user_id == user_id)))
            if ids:  # turns first: SQLite enforces the foreign key without cascading
                conn.execute(delete(turns).where(turns.c.session_id.in_(ids)))
                conn.execute(delete(sessions).where(sessions.c.id.in_(ids)))
            return ids

        async with self._writing():
            with self._translate(f"delete the data of user {user_id}"):
                ids = await self._call(remove, write=True)
        for session_id in ids:
            self._snapshots.pop(session_id, None)
        return len(ids)

    # ------------------------------------------------------------------ snapshots
    def _known(self, session_id: str, version: int) -> Snapshot | None:
        snapshot = self._snapshots.get(session_id)
        if snapshot is None or snapshot.version != version:
            return None
        return snapshot

    def _remember(self, session_id: str, snapshot: Snapshot) -> None:
        self._snapshots[session_id] = snapshot
        self._snapshots.move_to_end(session_id)
        while len(self._snapshots) > _SNAPSHOT_LIMIT:
            self._snapshots.popitem(last=False)

    # ------------------------------------------------------------------ reads
    async def get(self, session_id: str) -> InterviewState | None:
        """Load a session by id."""
        return await self._one("id", session_id, action="load a session")

    async def active_for_user(self, user_id: str) -> InterviewState | None:
        """The user's active session, if any."""
        return await self._one("active", user_id, action="load the active session")

    async def latest_for_user(self, user_id: str) -> InterviewState | None:
        """The user's most recently updated session of any status."""
        return await self._one("latest", user_id, action="load the latest session")

    async def find(self, session_or_user: str) -> InterviewState | None:
        """A session by id, else the latest session of the user with that id."""
        return await self.get(session_or_user) or await self.latest_for_user(session_or_user)

    async def list_sessions(self, *, limit: int = 50) -> list[InterviewState]:
        """Most recently updated sessions first."""
        from sqlalchemy import true

        return await self._load(true(), limit=max(0, limit), action="list sessions")

    async def _one(self, kind: str, key: str, *, action: str) -> InterviewState | None:
        """The first session of a probe (``id``, ``active`` or ``latest``), cheaply if known.

        One statement reads the id and ``version`` of the session the probe finds; every
        writer bumps the version in the same transaction as its changes, so a snapshot of that
        version (this process wrote or read it) is what the database holds: the state is
        rebuilt from it. Otherwise the session is read in full (a new process, another
        process's write).
        """
        sql = self._sql

        def first(conn: Connection) -> tuple[str, int] | None:
            row = sql.first(conn, f"probe_{kind}", {"b_key": key})
            return (row[0], row[1]) if row is not None else None

        with self._translate(action):
            found = await self._call(first, write=False)
        if found is None:
            return None
        snapshot = self._known(*found)
        if snapshot is not None:
            self._snapshots.move_to_end(found[0])
            return state_from_snapshot(snapshot)
        states = await self._load(self._where(kind, key), limit=1, action=action)
        return states[0] if states else None

    @staticmethod
    def _where(kind: str, key: str) -> ColumnElement[bool]:
        from grant_interviewer.adapters.storage.tables import sessions

        if kind == "id":
            return sessions.c.id == key
        if kind == "active":
            return (sessions.c.user_id == key) & (sessions.c.status == SessionStatus.ACTIVE.value)
        return sessions.c.user_id == key

    async def _load(
        self, where: ColumnElement[bool], *, limit: int, action: str
    ) -> list[InterviewState]:
        """Sessions matching ``where`` (newest first) with their turns, consistently.

        Sessions and turns are read by separate statements; the versions are read again at
        the end and the read is retried if a writer committed in between.
        """
        if limit == 0:
            return []
        with self._translate(action):
            for _ in range(_READ_ATTEMPTS):
                states = await self._call(partial(_read, where=where, limit=limit), write=False)
                if states is not None:
                    for state in states:
                        rows = turn_rows(state)
                        self._remember(state.session_id, snapshot_of(state, state.version, rows))
                    return states
        raise StorageError(f"could not {action}: the sessions kept changing while being read")

    # ------------------------------------------------------------------ lifecycle
    async def close(self) -> None:
        """Dispose of the connection pools (and stop the SQLite thread)."""
        with self._translate("close the database"):
            try:
                if self._thread is not None:
                    await self._thread.close()
            finally:
                await self._engine.dispose()

    async def ping(self) -> None:
        """Check that the database answers (health endpoints); StorageError if not."""
        from sqlalchemy import text

        with self._translate("reach the database"):
            await self._call(lambda conn: conn.execute(text("SELECT 1")).all(), write=False)

    def __repr__(self) -> str:
        return f"SqlRepository({self._display_url!r})"


def _read(
    conn: Connection, *, where: ColumnElement[bool], limit: int
) -> list[InterviewState] | None:
    """One attempt of a consistent read (None: a writer committed in between)."""
    from sqlalchemy import select

    from grant_interviewer.adapters.storage.tables import sessions, turns

    order = (sessions.c.updated_at.desc(), sessions.c.created_at.desc(), sessions.c.id)
    query = select(sessions).where(where).order_by(*order).limit(limit)
    rows = conn.execute(query).mappings().all()
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    turn_result = conn.execute(
        select(turns).where(turns.c.session_id.in_(ids)).order_by(turns.c.session_id, turns.c.idx)
    )
    by_session: dict[str, list[Any]] = {session_id: [] for session_id in ids}
    for turn in turn_result.mappings():
        by_session[turn["session_id"]].append(turn)
    recheck = conn.execute(select(sessions.c.id, sessions.c.version).where(sessions.c.id.in_(ids)))
    versions = {session_id: version for session_id, version in recheck.all()}
    if any(versions.get(row["id"]) != row["version"] for row in rows):
        return None
    return [state_from_rows(row, by_session[row["id"]]) for row in rows]


class _Statements:
    """The statements of a turn, built once per repository.

    A statement object built per call costs SQLAlchemy its construction and a fresh cache key
    (~0.3 ms a statement); a prebuilt one with bound parameters finds its compiled form in the
    engine's cache by a memoised key.
    """

    def __init__(self, dialect: str) -> None:
        from sqlalchemy import bindparam, delete, insert, select, update

        from grant_interviewer.adapters.storage.tables import sessions, turns

        self._turns = turns
        self.insert_session = insert(sessions)
        self.insert_turns = insert(turns)
        self.update_session = (
            update(sessions)
            .where(sessions.c.id == bindparam("b_id"), sessions.c.version == bindparam("b_old"))
            .values({c.name: bindparam(c.name) for c in sessions.c if c.name != "id"})
        )
        self.version_of = select(sessions.c.version).where(sessions.c.id == bindparam("b_id"))
        self.delete_turns_from = delete(turns).where(
            turns.c.session_id == bindparam("b_id"), turns.c.idx >= bindparam("b_from")
        )
        self.upsert_turns = _upsert(dialect)
        order = (sessions.c.updated_at.desc(), sessions.c.created_at.desc(), sessions.c.id)
        columns = select(sessions.c.id, sessions.c.version)
        key: BindParameter[str] = bindparam("b_key")
        self.probe_id = columns.where(sessions.c.id == key)
        self.probe_active = columns.where(
            sessions.c.user_id == key, sessions.c.status == SessionStatus.ACTIVE.value
        ).order_by(*order).limit(1)
        self.probe_latest = columns.where(sessions.c.user_id == key).order_by(*order).limit(1)
        self._raw: dict[str, _Raw] = {}

    # SQLAlchemy's execution costs ~0.1-0.2 ms of CPU a statement (result and context set-up,
    # cache key, events), several times SQLite's own work here; on the SQLite thread
    # (pysqlite) the hot statements go to the driver's cursor, compiled once by SQLAlchemy
    # and with its own bind processors (JSON, UTCDateTime), so the rows are exactly the same.
    def dml(self, conn: Connection, name: str, params: dict[str, Any] | list[dict[str, Any]]
            ) -> int:
        """Execute the prebuilt INSERT/UPDATE ``name`` (a list: executemany); the rowcount."""
        if conn.dialect.driver != "pysqlite":
            return int(conn.execute(getattr(self, name), params).rowcount)
        raw = self._raw_for(conn, name)
        with raw.cursor(conn) as cursor:
            if isinstance(params, list):
                cursor.executemany(raw.sql, [raw.args(p) for p in params])
            else:
                cursor.execute(raw.sql, raw.args(params))
            return int(cursor.rowcount)

    def first(self, conn: Connection, name: str, params: dict[str, Any]) -> Any:
        """The first row of the prebuilt SELECT ``name`` (None if there is none)."""
        if conn.dialect.driver != "pysqlite":
            return conn.execute(getattr(self, name), params).first()
        raw = self._raw_for(conn, name)
        with raw.cursor(conn) as cursor:
            cursor.execute(raw.sql, raw.args(params))
            return cursor.fetchone()

    def _raw_for(self, conn: Connection, name: str) -> _Raw:
        raw = self._raw.get(name)
        if raw is None:
            raw = self._raw[name] = _Raw(getattr(self, name), conn.dialect)
        return raw

    def delete_turns_not_in(self, indexes: list[int]) -> Any:
        """Delete the session's turns whose index is not in ``indexes`` (rare: a gap)."""
        from sqlalchemy import bindparam, delete

        turns = self._turns
        return delete(turns).where(
            turns.c.session_id == bindparam("b_id"), turns.c.idx.not_in(indexes)
        )


class _Raw:
    """A statement compiled once for pysqlite: its SQL, and how to bind a parameter dict."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        defaults = compiled.params  # e.g. LIMIT's value
        self.sql: str = compiled.string
        self._binds = [
            (name, compiled.binds[name].type.bind_processor(dialect), defaults.get(name))
            for name in compiled.positiontup or ()
        ]

    def args(self, params: dict[str, Any]) -> tuple[Any, ...]:
        """The positional parameters, converted as SQLAlchemy converts them."""
        return tuple(
            (process(params[name]) if process else params[name]) if name in params else default
            for name, process, default in self._binds
        )

    @contextmanager
    def cursor(self, conn: Connection) -> Iterator[Any]:
        """A cursor of the connection's sqlite3 connection (in its transaction); a driver
        error is raised as SQLAlchemy's, like any other statement's."""
        import sqlite3

        from sqlalchemy.exc import DBAPIError

        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            yield cursor
        except sqlite3.Error as exc:
            raise DBAPIError.instance(self.sql, None, exc, sqlite3.Error) from exc
        finally:
            cursor.close()


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (session_id, idx) DO UPDATE, for this dialect."""
    from grant_interviewer.adapters.storage.tables import turns

    keys = [turns.c.session_id, turns.c.idx]
    if dialect == "postgresql":  # each dialect imported only when used (~25 ms for PostgreSQL)
        from sqlalchemy.dialects import postgresql

        pg = postgresql.insert(turns)
        return pg.on_conflict_do_update(
            index_elements=keys, set_={n: pg.excluded[n] for n in TURN_VALUE_COLUMNS}
        )
    from sqlalchemy.dialects import sqlite

    lite = sqlite.insert(turns)
    return lite.on_conflict_do_update(
        index_elements=keys, set_={n: lite.excluded[n] for n in TURN_VALUE_COLUMNS}
    )
