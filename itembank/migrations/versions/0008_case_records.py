"""interop: the CASE records of standards frameworks (documents and items with their identifiers).

Revision ID: 0008_case
Revises: 0007_assignments
Create Date: 2026-12-02 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_case"
down_revision = "0007_assignments"
branch_labels = None
depends_on = None


def _text(name: str, length: int | None, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "case_document",
        _text("identifier", 36),
        _text("original_identifier", 500, nullable=True),
        _text("framework", 64),
        _text("uri", 500),
        _text("title", 500),
        _text("creator", 200),
        _text("publisher", 200),
        sa.Column("description", sa.Text(), nullable=False),
        _text("version", 64),
        _text("adoption_status", 64),
        _text("language", 16),
        sa.Column("subject", sa.JSON(), nullable=False),
        _text("official_source_url", 500),
        _text("case_version", 8),
        _text("last_change", 40),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("identifier"),
    )
    with op.batch_alter_table("case_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_document_framework"), ["framework"], unique=True)

    op.create_table(
        "case_item",
        _text("identifier", 36),
        _text("original_identifier", 500, nullable=True),
        _text("document_identifier", 36),
        _text("role", 16),
        sa.Column("standard_id", sa.Integer(), nullable=True),
        _text("parent_identifier", 36, nullable=True),
        _text("uri", 500),
        _text("item_type", 200),
        _text("human_coding_scheme", 200),
        _text("list_enumeration", 64),
        sa.Column("full_statement", sa.Text(), nullable=False),
        _text("abbreviated_statement", 500),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("education_level", sa.JSON(), nullable=False),
        _text("last_change", 40),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_identifier"], ["case_document.identifier"]),
        sa.ForeignKeyConstraint(["standard_id"], ["standard.id"]),
        sa.PrimaryKeyConstraint("identifier"),
    )
    with op.batch_alter_table("case_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_item_document_identifier"), ["document_identifier"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_item_standard_id"), ["standard_id"], unique=False)


def downgrade() -> None:
    op.drop_table("case_item")
    op.drop_table("case_document")
