"""interop: items of the new interactions (targets, an XHTML stem, partial credit) and their media.

``item.targets`` (the second set of a match, the blanks of a gap match),
``item.stem_html`` (a stem with images, MathML or blanks, sanitized),
``item.scoring`` (partial credit as QTI's map_response) and ``item_asset``
(the files an item shows).

Revision ID: 0009_items
Revises: 0008_case
Create Date: 2026-12-02 10:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_items"
down_revision = "0008_case"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("targets", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("stem_html", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("scoring", sa.JSON(), nullable=True))
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.alter_column("targets", server_default=None)
    op.create_table(
        "item_asset",
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("item_id", "path"),
    )


def downgrade() -> None:
    op.drop_table("item_asset")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("scoring")
        batch_op.drop_column("stem_html")
        batch_op.drop_column("targets")
