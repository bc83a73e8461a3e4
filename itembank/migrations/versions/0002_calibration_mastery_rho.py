"""Calibration: the mastery prior's correlation (rho) estimated with the run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calibration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mastery_rho", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calibration", schema=None) as batch_op:
        batch_op.drop_column("mastery_rho")
