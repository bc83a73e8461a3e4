"""The language a login reads the family's and the student's pages in (``user.language``, issue 16).

Revision ID: 0013_user_language
Revises: 0012_bank_notify
Create Date: 2026-12-02 14:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_user_language"
down_revision = "0012_bank_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("language")
