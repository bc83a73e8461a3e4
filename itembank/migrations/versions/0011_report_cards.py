"""Reports: the district's reporting settings and teachers' comments on a student's standard in a term.

``report_setting`` (one row: the proficiency method of the reported level,
the decaying average's weight, the four levels' theta and percent cuts) and
``report_comment`` (a comment per student, standard and term).

Revision ID: 0011_report_cards
Revises: 0010_lti
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_report_cards"
down_revision = "0010_lti"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("decay_weight", sa.Float(), nullable=False),
        sa.Column("theta_cuts", sa.JSON(), nullable=False),
        sa.Column("percent_cuts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "report_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["academic_session.id"]),
        sa.ForeignKeyConstraint(["standard_id"], ["standard.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("student_id", "standard_id", "session_id"),
    )
    with op.batch_alter_table("report_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_comment_student_id"), ["student_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_comment_student_id"))
    op.drop_table("report_comment")
    op.drop_table("report_setting")
