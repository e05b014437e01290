"""Alembic environment of the interview database.

Two ways in:

* ``SqlRepository.open`` (and :func:`..migrate.upgrade`) pass an open synchronous connection in
  ``config.attributes["connection"]``; the migration runs inside the caller's transaction.
* The command line (``python -m grant_interviewer.adapters.storage.migrate ...`` or ``alembic -c
  <package>/adapters/storage/alembic.ini -x url=...``) gives a URL; it is normalised exactly as
  the application does it (``engine.normalise_url``: ``sqlite://`` → ``sqlite+aiosqlite://``,
  ``postgresql://`` / ``postgres://`` → ``postgresql+asyncpg://``), an async engine is created
  here and the migration runs through ``run_sync``.
"""

from __future__ import annotations

import asyncio
import logging

from alembic import context
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import create_async_engine

from grant_interviewer.adapters.storage.engine import normalise_url, sqlite_file
from grant_interviewer.adapters.storage.tables import for_dialect, metadata

logger = logging.getLogger(__name__)
config = context.config


def _url() -> URL:
    """The URL given (``-x url=`` or ``sqlalchemy.url``), else the application's; normalised."""
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        from grant_interviewer.settings import get_settings

        url = get_settings().resolved_database_url
    return normalise_url(url)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=for_dialect(connection.dialect.name),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_url(url: URL) -> None:
    path = sqlite_file(url)
    if path is not None:  # like SqlRepository.open: the database's folder may not exist yet
        path.expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_configure)
    finally:
        await engine.dispose()


def run_offline() -> None:
    """Emit SQL to stdout instead of running it (``--sql``)."""
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run against the caller's connection, or against a URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    asyncio.run(_run_with_url(_url()))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
