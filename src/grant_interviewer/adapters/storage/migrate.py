"""Run the interview database's Alembic migrations without an ``alembic.ini``.

The application migrates by itself: :meth:`SqlRepository.open` calls :func:`upgrade` on every
start (idempotent: an up-to-date database is left alone, without importing Alembic); a new
database gets the newest schema directly and is stamped with the head (:func:`create_new`).
Operators who prefer to migrate explicitly (e.g. before rolling out several replicas) use this
module's command line, which builds the Alembic configuration in code from the migrations
shipped inside the package::

    python -m grant_interviewer.adapters.storage.migrate --url URL upgrade head
    python -m grant_interviewer.adapters.storage.migrate --url URL current
    python -m grant_interviewer.adapters.storage.migrate --url URL history
    python -m grant_interviewer.adapters.storage.migrate --url URL upgrade head --sql  # print SQL
    python -m grant_interviewer.adapters.storage.migrate --url URL revision --autogenerate -m msg

Without ``--url`` the application's database (``GRANT_INTERVIEWER_DATABASE_URL`` or the SQLite
file in the data directory) is used. URLs are normalised as the application does it
(:func:`.engine.normalise_url`), so ``sqlite:///…`` and ``postgresql://…`` work too. Errors
(a bad URL, an unreachable server, an unknown revision) are one ``error:`` line and exit status 1.
The classic ``alembic`` command works too with the packaged
``alembic.ini``: ``alembic -c <package dir>/adapters/storage/alembic.ini -x url=URL upgrade head``.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` pointing at the packaged migrations (no ini file involved)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Migrate the database behind ``connection`` (synchronous; use ``conn.run_sync``)."""
    from alembic import command

    command.upgrade(alembic_config(connection=connection), revision)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with the package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


_REVISION = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*(?:[\"']([^\"']+)[\"']|None)",
                       re.MULTILINE)


def shipped_head() -> str | None:
    """The newest shipped revision, read from the migration files' text without Alembic.

    Importing Alembic costs ~100 ms of every start; a database already at this revision, or a
    new one (:func:`create_new`), does not need it (``SqlRepository.open``). None when the
    files do not show one clear head (then Alembic decides, as always).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        found = {bool(m.group(1)): m.group(2) for m in _REVISION.finditer(
            path.read_text(encoding="utf-8"))}
        if found.get(False):
            revisions.add(found[False])
            if found.get(True):
                parents.add(found[True])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


#: Alembic's bookkeeping table (``alembic_version``, one row: the revision the database is at).
VERSION_TABLE = "alembic_version"
#: The application's tables: a database with none of them (and no version table) is new.
APP_TABLES = frozenset({"sessions", "turns"})


def create_new(connection: Connection, head: str) -> bool:
    """On a database without any of our tables: create the newest schema and stamp ``head``.

    Runs without Alembic (importing it and running every revision costs ~200 ms of a first
    start): the tables come from :data:`.tables.metadata`, which is the schema the migrations
    build (tests compare the two, table by table, on SQLite and PostgreSQL), and
    ``alembic_version`` is created as Alembic creates it, holding ``head``, so later revisions
    upgrade this database as any other. False (nothing done) when the database already has one
    of the tables: an existing database is always migrated by Alembic.
    """
    from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect

    from grant_interviewer.adapters.storage.tables import for_dialect

    metadata = for_dialect(connection.dialect.name)
    if connection.dialect.name == "sqlite":
        # One write transaction, taken before looking: pysqlite would commit (and fsync) each
        # DDL statement on its own, and two processes opening the same new file could both
        # find it empty. The caller's transaction commits it (PostgreSQL: transactional DDL,
        # and the caller holds an advisory lock).
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    if set(inspect(connection).get_table_names()) & (APP_TABLES | {VERSION_TABLE}):
        return False
    version = Table(  # as alembic.ddl.impl.DefaultImpl.version_table_impl defines it
        VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )
    metadata.create_all(connection, checkfirst=False)
    version.create(connection, checkfirst=False)
    connection.execute(version.insert().values(version_num=head))
    return True


def stamped_revision(connection: Connection) -> str | None:
    """The revision recorded in ``alembic_version`` (plain SQL), None if there is none."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).fetchall()
    return str(rows[0][0]) if len(rows) == 1 else None


def main(argv: list[str] | None = None) -> int:
    """Command line: a thin front to Alembic's commands with the packaged configuration."""
    from alembic import command

    parser = argparse.ArgumentParser(
        prog="python -m grant_interviewer.adapters.storage.migrate",
        description="Migrate the Grant Interviewer database (Alembic, no alembic.ini needed).",
    )
    parser.add_argument("--url", help="database URL, e.g. sqlite:///path.sqlite3 or "
                        "postgresql://user@host/db (default: the application's)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("upgrade", help="migrate to a revision (default head)")
    up.add_argument("revision", nargs="?", default="head")
    up.add_argument("--sql", action="store_true", help="print SQL instead of running it")
    down = sub.add_parser("downgrade", help="revert to a revision")
    down.add_argument("revision")
    down.add_argument("--sql", action="store_true", help="print SQL instead of running it")
    sub.add_parser("current", help="show the database's revision")
    sub.add_parser("history", help="list the revisions")
    rev = sub.add_parser("revision", help="create a revision script (developers)")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from grant_interviewer.adapters.storage.engine import driver_errors
    from grant_interviewer.errors import GrantInterviewerError

    expected: tuple[type[BaseException], ...] = (GrantInterviewerError, *driver_errors())
    cfg = alembic_config(url=args.url)
    try:
        if args.cmd == "upgrade":
            command.upgrade(cfg, args.revision, sql=args.sql)
        elif args.cmd == "downgrade":
            command.downgrade(cfg, args.revision, sql=args.sql)
        elif args.cmd == "current":
            command.current(cfg)
        elif args.cmd == "history":
            command.history(cfg)
        else:
            command.revision(cfg, message=args.message, autogenerate=args.autogenerate)
    except expected as exc:
        print(f"error: {_describe(exc)}", file=sys.stderr)
        return 1
    return 0


def _describe(exc: BaseException) -> str:
    """One line: our own message, else the driver's exception (SQLAlchemy wraps it in ``orig``)."""
    from grant_interviewer.errors import GrantInterviewerError

    if isinstance(exc, GrantInterviewerError):
        return str(exc)
    detail = getattr(exc, "orig", None) or exc
    lines = str(detail).strip().splitlines()
    return f"{type(detail).__name__}: {lines[0]}" if lines else type(detail).__name__


if __name__ == "__main__":
    sys.exit(main())
