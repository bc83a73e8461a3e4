"""A calibration's fit report, computed once and kept (``calibration_analysis``, issue 14).

Revision ID: 0016_calibration_analysis
Revises: 0015_mastery_band_change
Create Date: 2026-12-02 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_calibration_analysis"
down_revision = "0015_mastery_band_change"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibration_analysis",
        sa.Column("calibration_id", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["calibration_id"], ["calibration.id"]),
        sa.PrimaryKeyConstraint("calibration_id"),
    )


def downgrade() -> None:
    op.drop_table("calibration_analysis")
