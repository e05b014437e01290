"""Engine helpers of the storage adapter: URL checks, masking, SQLite pragmas, driver errors."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grant_interviewer.errors import ConfigurationError, MissingExtraError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

SQLITE_BUSY_TIMEOUT_MS = 10_000


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
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def sync_sqlite_engine(url: URL) -> Engine:
    """A synchronous (pysqlite) engine on the SQLite file of the async ``url``, same pragmas."""
    from sqlalchemy import create_engine, event

    engine = create_engine(url.set(drivername="sqlite+pysqlite"), json_serializer=json_dumps)
    event.listen(engine, "connect", set_sqlite_pragmas)
    return engine
