"""`python -m grant_interviewer.adapters.storage.migrate` accepts the URLs the application does."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from grant_interviewer.adapters.storage import migrate
from grant_interviewer.adapters.storage.engine import normalise_url

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _migrate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grant_interviewer.adapters.storage.migrate", *args],
        capture_output=True, text=True, timeout=120, check=False, env=dict(os.environ),
    )


@pytest.mark.parametrize(("url", "driver"), [
    ("sqlite:///db.sqlite3", "sqlite+aiosqlite"),
    ("sqlite+pysqlite:///db.sqlite3", "sqlite+aiosqlite"),
    ("postgresql://u:p@h/db", "postgresql+asyncpg"),
    ("postgresql+psycopg2://u:p@h/db", "postgresql+asyncpg"),
    ("postgres://u:p@h/db", "postgresql+asyncpg"),
])
def test_normalise_url_switches_to_the_async_drivers(url: str, driver: str) -> None:
    """Plain and sync URLs get the async driver (`postgres://` included, no dialect lookup)."""
    assert normalise_url(url).drivername == driver


def test_plain_sqlite_url(tmp_path: Path) -> None:
    """`--url sqlite:///…` migrates (the folder is created), and `current` shows the head."""
    db = tmp_path / "new" / "folder" / "interviews.sqlite3"
    upgraded = _migrate("--url", f"sqlite:///{db}", "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    with sqlite3.connect(db) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == (migrate.head_revision(),)
    current = _migrate("--url", f"sqlite:///{db}", "current")
    assert current.returncode == 0, current.stderr
    assert f"{migrate.head_revision()} (head)" in current.stdout


def test_errors_are_one_line(tmp_path: Path) -> None:
    """An unsupported URL or an unknown revision: `error: …`, exit status 1, no traceback."""
    unsupported = _migrate("--url", "mysql://user:secret@localhost/db", "current")
    assert unsupported.returncode == 1
    assert "Traceback" not in unsupported.stderr and "secret" not in unsupported.stderr
    assert "error: unsupported database 'mysql://user:***@localhost/db'" in unsupported.stderr

    unknown = _migrate("--url", f"sqlite:///{tmp_path / 'db.sqlite3'}", "upgrade", "nope")
    assert unknown.returncode == 1
    assert "Traceback" not in unknown.stderr
    assert "error: CommandError: Can't locate revision identified by 'nope'" in unknown.stderr


async def _admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.mark.postgres
def test_plain_postgresql_urls() -> None:
    """`postgresql://` and `postgres://` URLs migrate a PostgreSQL database through asyncpg."""
    name = f"gi_migrate_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {exc}")
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {exc}")
    try:
        upgraded = _migrate("--url", f"postgresql://postgres@127.0.0.1:5432/{name}",
                            "upgrade", "head")
        assert upgraded.returncode == 0, upgraded.stderr
        current = _migrate("--url", f"postgres://postgres@127.0.0.1:5432/{name}", "current")
        assert current.returncode == 0, current.stderr
        assert f"{migrate.head_revision()} (head)" in current.stdout
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}"'))


def test_tilde_in_a_sqlite_url_is_the_home_directory(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """`sqlite:///~/x.db` points at the home directory (as DATA_DIR does), not a folder "~"."""
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = str(tmp_path / "gi" / "db.sqlite3")
    assert normalise_url("sqlite:///~/gi/db.sqlite3").database == expected


# ------------------------------------------------------------------ a new database without Alembic

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _sqlite_schema(sync_conn: Any) -> dict[str, Any]:
    """Every table's columns, indexes (with their SQL) and foreign keys, and the stamp."""
    def rows(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in sync_conn.exec_driver_sql(sql).fetchall()]

    schema: dict[str, Any] = {}
    for (table,) in rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        indexes = []
        for _, name, unique, origin, partial in rows(f"PRAGMA index_list('{table}')"):
            sql = rows(f"SELECT sql FROM sqlite_master WHERE name = '{name}'")[0][0]
            indexes.append((name, unique, origin, partial, " ".join(str(sql).split()),
                            rows(f"PRAGMA index_info('{name}')")))
        schema[table] = {"columns": rows(f"PRAGMA table_info('{table}')"),
                         "indexes": sorted(indexes, key=str),
                         "foreign_keys": rows(f"PRAGMA foreign_key_list('{table}')")}
    schema["stamp"] = rows("SELECT version_num FROM alembic_version")
    return schema


def _postgres_schema(sync_conn: Any) -> dict[str, Any]:
    """Columns, constraints and index definitions of the current schema, and the stamp."""
    def rows(sql: str) -> list[tuple[Any, ...]]:
        return sorted(tuple(row) for row in sync_conn.exec_driver_sql(sql).fetchall())

    return {
        "columns": rows(
            "SELECT table_name, ordinal_position, column_name, data_type, is_nullable, "
            "column_default, character_maximum_length FROM information_schema.columns "
            "WHERE table_schema = current_schema()"),
        "constraints": rows(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = current_schema()"),
        "indexes": rows(
            "SELECT tablename, indexname, replace(indexdef, current_schema() || '.', '') "
            "FROM pg_indexes WHERE schemaname = current_schema()"),
        "stamp": rows("SELECT version_num FROM alembic_version"),
    }


async def _schemas(url: str, schema: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the schema `SqlRepository.open` creates on a new database, the one Alembic's
    migrations create), each read from a database of its own."""
    from grant_interviewer.adapters.storage.repository import SqlRepository

    dump = _postgres_schema if schema else _sqlite_schema
    found = []
    for new_way in (True, False):
        kwargs: dict[str, Any] = {"schema": f"{schema}_{int(new_way)}"} if schema else {}
        target = url if schema else url.format(int(new_way))
        repo = await SqlRepository.open(target, migrate=new_way, **kwargs)
        try:
            async with repo._engine.begin() as conn:
                if not new_way:
                    await conn.run_sync(migrate.upgrade)
                found.append(await conn.run_sync(dump))
        finally:
            await repo.close()
    return found[0], found[1]


def test_a_new_sqlite_database_gets_the_migrated_schema_without_alembic(tmp_path: Path) -> None:
    """`open` on a new SQLite file creates exactly what the migrations create (columns in
    order, types, NOT NULL, keys, the partial unique index, the cascade) and stamps the head,
    in a process that never imports Alembic."""
    new, migrated = asyncio.run(_schemas(f"sqlite+aiosqlite:///{tmp_path}/db{{}}.sqlite3", None))
    assert new == migrated
    assert new["stamp"] == [(migrate.head_revision(),)]
    assert {"sessions", "turns", "alembic_version"} <= set(new)
    code = ("import asyncio, sys\n"
            "from grant_interviewer.adapters.storage.repository import SqlRepository\n"
            "async def main():\n"
            f"    repo = await SqlRepository.open('sqlite:///{tmp_path}/fresh.sqlite3')\n"
            "    await repo.close()\n"
            "asyncio.run(main())\n"
            "print('alembic' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.strip() == "False"


@pytest.mark.postgres
def test_a_new_postgresql_schema_gets_the_migrated_schema_without_alembic() -> None:
    """The same on PostgreSQL: columns, constraints and index definitions are Alembic's."""
    schema = f"gi_new_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin("SELECT 1"))
    except OSError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {exc}")
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {exc}")
    try:
        new, migrated = asyncio.run(_schemas(PG_URL, schema))
    finally:
        for suffix in ("_0", "_1"):
            asyncio.run(_admin(f'DROP SCHEMA IF EXISTS "{schema}{suffix}" CASCADE'))
    assert new == migrated
    assert new["stamp"] == [(migrate.head_revision(),)]
    assert any("uq_sessions_active_user" in row[1] and "WHERE" in row[2]
               for row in new["indexes"])


def test_an_old_database_is_still_migrated_by_alembic(tmp_path: Path) -> None:
    """A database at the first revision, with an interview in it, is upgraded to the head by
    Alembic on `open` (new columns added, the row kept), not recreated."""
    from grant_interviewer.adapters.storage.repository import SqlRepository

    db = tmp_path / "old.sqlite3"
    assert _migrate("--url", f"sqlite:///{db}", "upgrade", "0001").returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO sessions (id, user_id, lang, pack_id, status, level, project_type, "
            "slots, topics, created_at, updated_at, version) VALUES ('s1', 'u1', 'ru', 'fpg', "
            "'active', 'novice', 'new', '{}', '{}', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', 0)")

    async def reopen() -> None:
        repo = await SqlRepository.open(f"sqlite:///{db}")
        await repo.close()

    asyncio.run(reopen())
    with sqlite3.connect(db) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        columns = {row[1] for row in conn.execute("PRAGMA table_info('sessions')")}
        kept = conn.execute("SELECT id, user_id FROM sessions").fetchall()
    assert version == [(migrate.head_revision(),)]
    assert "meta" in columns and kept == [("s1", "u1")]
    assert migrate.head_revision() != "0001"


def test_a_database_with_tables_but_no_stamp_is_left_to_alembic(tmp_path: Path) -> None:
    """Only a database without any of our tables is created directly: one that has a table
    but no `alembic_version` goes through Alembic (which refuses to recreate the table)."""
    from grant_interviewer.adapters.storage.repository import SqlRepository
    from grant_interviewer.errors import StorageError

    db = tmp_path / "odd.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY)")

    async def reopen() -> None:
        repo = await SqlRepository.open(f"sqlite:///{db}")
        await repo.close()

    with pytest.raises(StorageError, match="already exists"):
        asyncio.run(reopen())


def test_two_openers_of_one_new_file_create_it_once(tmp_path: Path) -> None:
    """Repositories opening the same new SQLite file at once (each its own engine and thread)
    all succeed; the schema is created once and stamped with one row."""
    from grant_interviewer.adapters.storage.repository import SqlRepository

    db = tmp_path / "shared.sqlite3"

    async def open_many() -> None:
        repos = await asyncio.gather(*(SqlRepository.open(f"sqlite:///{db}") for _ in range(4)))
        for repo in repos:
            await repo.close()

    asyncio.run(open_many())
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrate.head_revision(),)]
