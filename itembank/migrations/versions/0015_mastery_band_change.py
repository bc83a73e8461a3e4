"""The history of mastery bands: ``mastery_band_change``, written by triggers on ``mastery`` (issue 16).

A row for every insert of a ``mastery`` row (no old band) and for every
update that changes its band, dated by the row's ``last_assessed`` (the time
of the evidence), in the writing transaction, whoever writes: the answer of a
check (one statement on PostgreSQL), re-scores, estimates of imports, the
demo's term.  The rows already stored are entered as first set at their
``last_assessed``.

Revision ID: 0015_mastery_band_change
Revises: 0014_school_leaders
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_mastery_band_change"
down_revision = "0014_school_leaders"
branch_labels = None
depends_on = None

_COLUMNS = "student_id, standard_id, changed_at, old_band, new_band"

_SQLITE = (
    f"""
    CREATE TRIGGER mastery_band_inserted AFTER INSERT ON mastery
    BEGIN
        INSERT INTO mastery_band_change ({_COLUMNS})
        VALUES (NEW.student_id, NEW.standard_id, NEW.last_assessed, NULL, NEW.band);
    END
    """,
    f"""
    CREATE TRIGGER mastery_band_updated AFTER UPDATE OF band ON mastery
    WHEN OLD.band IS NOT NEW.band
    BEGIN
        INSERT INTO mastery_band_change ({_COLUMNS})
        VALUES (NEW.student_id, NEW.standard_id, NEW.last_assessed, OLD.band, NEW.band);
    END
    """,
)

_POSTGRESQL = (
    f"""
    CREATE OR REPLACE FUNCTION masterycat_mastery_band_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO mastery_band_change ({_COLUMNS})
        VALUES (NEW.student_id, NEW.standard_id, NEW.last_assessed,
                CASE WHEN TG_OP = 'UPDATE' THEN OLD.band END, NEW.band);
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER mastery_band_inserted AFTER INSERT ON mastery "
    "FOR EACH ROW EXECUTE FUNCTION masterycat_mastery_band_changed()",
    "CREATE TRIGGER mastery_band_updated AFTER UPDATE OF band ON mastery "
    "FOR EACH ROW WHEN (OLD.band IS DISTINCT FROM NEW.band) EXECUTE FUNCTION masterycat_mastery_band_changed()",
)


def upgrade() -> None:
    op.create_table(
        "mastery_band_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_band", sa.String(length=16), nullable=True),
        sa.Column("new_band", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mastery_band_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mastery_band_change_changed_at"), ["changed_at"], unique=False)
    op.execute(
        f"INSERT INTO mastery_band_change ({_COLUMNS}) "
        "SELECT student_id, standard_id, last_assessed, NULL, band FROM mastery"
    )
    for statement in _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS mastery_band_updated" + _on())
    op.execute("DROP TRIGGER IF EXISTS mastery_band_inserted" + _on())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS masterycat_mastery_band_changed()")
    with op.batch_alter_table("mastery_band_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mastery_band_change_changed_at"))
    op.drop_table("mastery_band_change")


def _on() -> str:
    return " ON mastery" if op.get_bind().dialect.name == "postgresql" else ""
