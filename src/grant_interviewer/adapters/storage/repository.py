"""The interview repository on SQLAlchemy 2 (async): SQLite (aiosqlite) or PostgreSQL (asyncpg).

``SqlRepository.open(url)`` creates the engine, migrates the schema to the newest Alembic
revision (see :mod:`.migrate` for migrating by hand) and returns a
:class:`~grant_interviewer.ports.Repository`.

* ``save`` is one transaction: the session row is updated only if its ``version`` is still the one
  the caller loaded (optimistic concurrency; a stale writer gets :class:`StorageError`), changed
  turns are upserted, turns beyond the state's last one are deleted (``/back`` drops turns), and
  the commit happens before ``save`` returns.
* Every database or driver exception is translated here, once, into :class:`StorageError`; URLs
  in messages and logs have their password masked.
* SQLite runs in WAL mode with foreign keys on, ``synchronous=FULL`` (a committed answer survives
  a crash or power cut) and a busy timeout; writes within one process are serialised by a lock.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from grant_interviewer.adapters.storage.engine import (
    driver_errors,
    json_dumps,
    mask_url,
    normalise_url,
    set_sqlite_pragmas,
    sqlite_file,
)
from grant_interviewer.adapters.storage.rows import (
    TURN_VALUE_COLUMNS,
    changed_turns,
    session_row,
    state_from_rows,
    turn_rows,
)
from grant_interviewer.domain.model import InterviewState, SessionStatus
from grant_interviewer.errors import ConfigurationError, GrantInterviewerError, StorageError

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

_SNAPSHOT_LIMIT = 4096  # sessions whose stored turns are remembered (to upsert only changes)
_READ_ATTEMPTS = 5


class SqlRepository:
    """Interview states in a SQL database (implements ``ports.Repository``)."""

    def __init__(self, engine: AsyncEngine, *, display_url: str) -> None:
        """Wrap an engine whose database is already migrated (use :meth:`open`)."""
        self._engine = engine
        self._display_url = display_url
        self._dialect = engine.dialect.name
        self._write_lock = asyncio.Lock() if self._dialect == "sqlite" else None
        self._snapshots: OrderedDict[str, tuple[int, list[dict[str, Any]]]] = OrderedDict()

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
        if head is not None and await conn.run_sync(migrate.stamped_revision) == head:
            return  # already at the newest revision: no Alembic import on this start
        before = await conn.run_sync(migrate.current_revision)
        await conn.run_sync(migrate.upgrade)
        after = await conn.run_sync(migrate.current_revision)
        if before != after:
            logger.info("migrated %s from %s to %s", self._display_url, before, after)

    @property
    def url(self) -> str:
        """The database URL with the password masked."""
        return self._display_url

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
        from sqlalchemy import insert

        from grant_interviewer.adapters.storage.tables import sessions, turns

        rows = turn_rows(state)
        async with self._writing():
            with self._translate(f"create session {state.session_id}"):
                async with self._engine.begin() as conn:
                    first = session_row(state, version=state.version)
                    await conn.execute(insert(sessions), [first])
                    if rows:
                        await conn.execute(insert(turns), rows)
        self._remember(state.session_id, state.version, rows)

    async def save(self, state: InterviewState) -> None:
        """Persist the whole state in one transaction and bump ``state.version``.

        Raises StorageError if the session does not exist or another writer saved it since
        ``state`` was loaded (its version is stale).
        """
        from sqlalchemy import select, update

        from grant_interviewer.adapters.storage.tables import sessions, turns

        old, new = state.version, state.version + 1
        rows = turn_rows(state)
        indexes = [row["idx"] for row in rows]
        async with self._writing():
            with self._translate(f"save session {state.session_id}"):
                async with self._engine.begin() as conn:
                    result = await conn.execute(
                        update(sessions)
                        .where(sessions.c.id == state.session_id, sessions.c.version == old)
                        .values(session_row(state, version=new))
                    )
                    if result.rowcount != 1:
                        stored = await conn.scalar(
                            select(sessions.c.version).where(sessions.c.id == state.session_id)
                        )
                        if stored is None:
                            raise StorageError(f"session {state.session_id} does not exist")
                        raise StorageError(
                            f"session {state.session_id} was saved by another writer "
                            f"(stored version {stored}, this copy has {old}); reload and retry"
                        )
                    changed = changed_turns(rows, self._known(state.session_id, old))
                    if changed:
                        await conn.execute(self._upsert_turns(), changed)
                    stale = turns.c.session_id == state.session_id
                    if indexes == list(range(len(indexes))):
                        stale_rows: ColumnElement[bool] = turns.c.idx >= len(indexes)
                    else:
                        stale_rows = turns.c.idx.not_in(indexes)
                    await conn.execute(turns.delete().where(stale, stale_rows))
        state.version = new
        self._remember(state.session_id, new, rows)

    async def delete_user(self, user_id: str) -> int:
        """Delete every session of ``user_id`` and their turns (one transaction); the count."""
        from sqlalchemy import delete, select

        from grant_interviewer.adapters.storage.tables import sessions, turns

        async with self._writing():
            with self._translate(f"delete the data of user {user_id}"):
                async with self._engine.begin() as conn:
                    ids = list(await conn.scalars(
                        select(sessions.c.id).where(sessions.c.user_id == user_id)
                    ))
                    if ids:  # turns first: SQLite enforces the foreign key without cascading
                        await conn.execute(delete(turns).where(turns.c.session_id.in_(ids)))
                        await conn.execute(delete(sessions).where(sessions.c.id.in_(ids)))
        for session_id in ids:
            self._snapshots.pop(session_id, None)
        return len(ids)

    def _upsert_turns(self) -> Any:
        """INSERT ... ON CONFLICT (session_id, idx) DO UPDATE, for this dialect."""
        from sqlalchemy.dialects import postgresql, sqlite

        from grant_interviewer.adapters.storage.tables import turns

        keys = [turns.c.session_id, turns.c.idx]
        if self._dialect == "postgresql":
            pg = postgresql.insert(turns)
            return pg.on_conflict_do_update(
                index_elements=keys, set_={n: pg.excluded[n] for n in TURN_VALUE_COLUMNS}
            )
        lite = sqlite.insert(turns)
        return lite.on_conflict_do_update(
            index_elements=keys, set_={n: lite.excluded[n] for n in TURN_VALUE_COLUMNS}
        )

    # ------------------------------------------------------------------ snapshots
    def _known(self, session_id: str, version: int) -> list[dict[str, Any]] | None:
        snapshot = self._snapshots.get(session_id)
        if snapshot is None or snapshot[0] != version:
            return None
        return snapshot[1]

    def _remember(self, session_id: str, version: int, rows: list[dict[str, Any]]) -> None:
        self._snapshots[session_id] = (version, rows)
        self._snapshots.move_to_end(session_id)
        while len(self._snapshots) > _SNAPSHOT_LIMIT:
            self._snapshots.popitem(last=False)

    # ------------------------------------------------------------------ reads
    async def get(self, session_id: str) -> InterviewState | None:
        """Load a session by id."""
        from grant_interviewer.adapters.storage.tables import sessions

        found = await self._load(sessions.c.id == session_id, limit=1, action="load a session")
        return found[0] if found else None

    async def active_for_user(self, user_id: str) -> InterviewState | None:
        """The user's active session, if any."""
        from grant_interviewer.adapters.storage.tables import sessions

        where = (sessions.c.user_id == user_id) & (sessions.c.status == SessionStatus.ACTIVE.value)
        found = await self._load(where, limit=1, action="load the active session")
        return found[0] if found else None

    async def latest_for_user(self, user_id: str) -> InterviewState | None:
        """The user's most recently updated session of any status."""
        from grant_interviewer.adapters.storage.tables import sessions

        where = sessions.c.user_id == user_id
        found = await self._load(where, limit=1, action="load the latest session")
        return found[0] if found else None

    async def find(self, session_or_user: str) -> InterviewState | None:
        """A session by id, else the latest session of the user with that id."""
        return await self.get(session_or_user) or await self.latest_for_user(session_or_user)

    async def list_sessions(self, *, limit: int = 50) -> list[InterviewState]:
        """Most recently updated sessions first."""
        from sqlalchemy import true

        return await self._load(true(), limit=max(0, limit), action="list sessions")

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
                async with self._engine.connect() as conn:
                    states = await self._read(conn, where, limit)
                if states is not None:
                    for state in states:
                        self._remember(state.session_id, state.version, turn_rows(state))
                    return states
        raise StorageError(f"could not {action}: the sessions kept changing while being read")

    @staticmethod
    async def _read(
        conn: AsyncConnection, where: ColumnElement[bool], limit: int
    ) -> list[InterviewState] | None:
        from sqlalchemy import select

        from grant_interviewer.adapters.storage.tables import sessions, turns

        order = (sessions.c.updated_at.desc(), sessions.c.created_at.desc(), sessions.c.id)
        rows = (
            (await conn.execute(select(sessions).where(where).order_by(*order).limit(limit)))
            .mappings()
            .all()
        )
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        turn_result = await conn.execute(
            select(turns)
            .where(turns.c.session_id.in_(ids))
            .order_by(turns.c.session_id, turns.c.idx)
        )
        by_session: dict[str, list[Any]] = {session_id: [] for session_id in ids}
        for turn in turn_result.mappings():
            by_session[turn["session_id"]].append(turn)
        recheck = await conn.execute(
            select(sessions.c.id, sessions.c.version).where(sessions.c.id.in_(ids))
        )
        versions = {session_id: version for session_id, version in recheck.all()}
        if any(versions.get(row["id"]) != row["version"] for row in rows):
            return None
        return [state_from_rows(row, by_session[row["id"]]) for row in rows]

    # ------------------------------------------------------------------ lifecycle
    async def close(self) -> None:
        """Dispose of the connection pool."""
        with self._translate("close the database"):
            await self._engine.dispose()

    async def ping(self) -> None:
        """Check that the database answers (health endpoints); StorageError if not."""
        from sqlalchemy import text

        with self._translate("reach the database"):
            async with self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

    def __repr__(self) -> str:
        return f"SqlRepository({self._display_url!r})"
