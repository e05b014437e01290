"""The database schema: ``sessions`` and ``turns`` (SQLAlchemy Core tables).

The Alembic migrations in ``migrations/versions`` create exactly this schema; a test compares the
two with Alembic's ``compare_metadata``. Change both together (``python -m
grant_interviewer.adapters.storage.migrate revision --autogenerate -m "..."``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC.

    PostgreSQL keeps the offset (``timestamptz``); SQLite has no time zone and returns naive
    values, which are UTC by construction and made aware again on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; naive datetimes are taken to be UTC already."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the backend gave back."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        """Render a literal (offline SQL scripts)."""
        return repr(str(value))

    @property
    def python_type(self) -> type[datetime]:
        """The Python type of values."""
        return datetime


_ACTIVE_ONLY = "status = 'active'"

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("lang", String(16), nullable=False),
    Column("pack_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("name", Text(), nullable=True),
    Column("level", String(16), nullable=False),
    Column("project_type", String(16), nullable=False),
    Column("slots", JSON(), nullable=False),
    Column("topics", JSON(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("version", Integer(), nullable=False),
    Column("meta", JSON(), nullable=True),
    PrimaryKeyConstraint("id", name="pk_sessions"),
    Index("ix_sessions_user_id_updated_at", "user_id", "updated_at"),
    Index("ix_sessions_updated_at", "updated_at"),
    # At most one active interview per user, enforced by the database itself (PostgreSQL's
    # clause is added by for_dialect).
    Index("uq_sessions_active_user", "user_id", unique=True, sqlite_where=text(_ACTIVE_ONLY)),
)

_ACTIVE_INDEX = "uq_sessions_active_user"


def for_dialect(name: str) -> MetaData:
    """:data:`metadata` with the options ``name`` needs (call before using it with ``name``).

    PostgreSQL's partial-index clause is added here on first use rather than at import: a
    ``postgresql_where`` makes SQLAlchemy import its PostgreSQL dialect to check the argument,
    ~25 ms of every start of a SQLite installation.
    """
    if name == "postgresql":
        index = next(ix for ix in sessions.indexes if ix.name == _ACTIVE_INDEX)
        if index.dialect_options["postgresql"]["where"] is None:
            index.dialect_options["postgresql"]["where"] = text(_ACTIVE_ONLY)
    return metadata


turns = Table(
    "turns",
    metadata,
    Column("session_id", String(64), nullable=False),
    Column("idx", Integer(), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("reference_point", String(64), nullable=True),
    Column("question", Text(), nullable=False),
    Column("answer", Text(), nullable=True),
    Column("asked_at", UTCDateTime(), nullable=False),
    Column("answered_at", UTCDateTime(), nullable=True),
    Column("kb_sources", JSON(), nullable=False),
    Column("latency_ms", Float(), nullable=True),
    Column("writer", String(64), nullable=False),
    Column("facts", JSON(), nullable=True),
    Column("message_ids", JSON(), nullable=True),
    PrimaryKeyConstraint("session_id", "idx", name="pk_turns"),
    ForeignKeyConstraint(
        ["session_id"], ["sessions.id"], name="fk_turns_session_id_sessions", ondelete="CASCADE"
    ),
)

# The Telegram bot's durable receipt of long-polling updates (``adapters/storage/inbox.py``):
# an update is written here before the getUpdates offset that confirms it to Telegram is sent,
# and marked done after its turn; a restart replays the entries not done.
telegram_inbox = Table(
    "telegram_inbox",
    metadata,
    Column("bot_id", BigInteger(), nullable=False),
    Column("update_id", BigInteger(), nullable=False),
    Column("payload", Text(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime(), nullable=True),
    Column("attempts", Integer(), nullable=False),
    PrimaryKeyConstraint("bot_id", "update_id", name="pk_telegram_inbox"),
)
