"""The Telegram bot's inbox of long-polling updates (nothing lost on a kill -9).

An update fetched by ``getUpdates`` is written here before the offset that confirms it to
Telegram is sent, and marked done after its turn; on start the bot replays the entries not done.
Done entries are deleted once Telegram has been told they are confirmed. With SQLite the bot keeps
its inbox in a file of its own beside the database (``adapters/storage/inbox.py``: the repository
must stay the only writer of its file), so there this table stays empty.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``telegram_inbox``."""
    op.create_table(
        "telegram_inbox",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name="pk_telegram_inbox"),
    )


def downgrade() -> None:
    """Drop ``telegram_inbox``."""
    op.drop_table("telegram_inbox")
