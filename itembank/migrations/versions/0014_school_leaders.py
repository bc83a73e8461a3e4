"""The schools a teacher leads as a principal (``school_leader``, issue 16).

Revision ID: 0014_school_leaders
Revises: 0013_user_language
Create Date: 2026-12-02 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_school_leaders"
down_revision = "0013_user_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "school_leader",
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("teacher_id", "school_id"),
    )
    with op.batch_alter_table("school_leader", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_leader_school_id"), ["school_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("school_leader", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_leader_school_id"))
    op.drop_table("school_leader")
