"""`python -m grant_interviewer.adapters.storage.migrate` accepts the URLs the application does."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

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
