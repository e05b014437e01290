"""Answer facts and message ids with each turn; interview policy state with each session.

An answer is analysed once: its facts (``AnswerFacts.to_dict()``) are stored with its turn, so a
resume, ``/back`` or a restart merges stored facts instead of running the models again.
``message_ids`` lets a channel's duplicate delivery be ignored; ``sessions.meta`` holds the
policy's own state (question-budget extensions, parked topics, pending confirmations).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``turns.facts``, ``turns.message_ids`` and ``sessions.meta`` (all nullable JSON)."""
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("message_ids", sa.JSON(), nullable=True))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("meta", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("meta")
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("message_ids")
        batch.drop_column("facts")
