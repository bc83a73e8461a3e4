"""Counts of stored mastery by band, kept by triggers on ``mastery`` for the schools' view (issue 16).

``mastery_student_count``: per student, how many objectives they are in each
band; ``mastery_standard_count``: per objective, how many students are in
each band, split in :data:`SHARDS` rows by ``student_id % SHARDS`` so that
students answering at once rarely wait for the same row; a band change
updates its two bands' rows in the order of their names, so that two opposite
changes never wait on each other (no deadlock).  Both are updated in
the writing transaction by the insert, the band change and the delete of a
``mastery`` row on an objective, whoever writes it; the rows already stored
are counted here.  The schools' view reads them instead of every stored row.

Revision ID: 0017_mastery_band_counts
Revises: 0016_calibration_analysis
Create Date: 2026-12-02 17:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_mastery_band_counts"
down_revision = "0016_calibration_analysis"
branch_labels = None
depends_on = None

SHARDS = 16
_OBJECTIVE = "(SELECT level FROM standard WHERE id = {row}.standard_id) = 'objective'"


def _add(row: str, delta: int) -> str:
    return f"""
        INSERT INTO mastery_student_count (student_id, band, n) VALUES ({row}.student_id, {row}.band, {delta})
        ON CONFLICT (student_id, band) DO UPDATE SET n = mastery_student_count.n + ({delta});
        INSERT INTO mastery_standard_count (standard_id, band, shard, n)
        VALUES ({row}.standard_id, {row}.band, {row}.student_id % {SHARDS}, {delta})
        ON CONFLICT (standard_id, band, shard) DO UPDATE SET n = mastery_standard_count.n + ({delta});
    """


_SQLITE = (
    f"CREATE TRIGGER mastery_count_inserted AFTER INSERT ON mastery WHEN {_OBJECTIVE.format(row='NEW')} "
    f"BEGIN {_add('NEW', 1)} END",
    "CREATE TRIGGER mastery_count_updated_up AFTER UPDATE OF band ON mastery "
    f"WHEN OLD.band < NEW.band AND {_OBJECTIVE.format(row='NEW')} BEGIN {_add('OLD', -1)} {_add('NEW', 1)} END",
    "CREATE TRIGGER mastery_count_updated_down AFTER UPDATE OF band ON mastery "
    f"WHEN OLD.band > NEW.band AND {_OBJECTIVE.format(row='NEW')} BEGIN {_add('NEW', 1)} {_add('OLD', -1)} END",
    f"CREATE TRIGGER mastery_count_deleted AFTER DELETE ON mastery WHEN {_OBJECTIVE.format(row='OLD')} "
    f"BEGIN {_add('OLD', -1)} END",
)

_POSTGRESQL = (
    f"""
    CREATE OR REPLACE FUNCTION masterycat_mastery_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.band < OLD.band AND {_OBJECTIVE.format(row="NEW")} THEN
            {_add("NEW", 1)} {_add("OLD", -1)}
        ELSE
            IF TG_OP IN ('UPDATE', 'DELETE') AND {_OBJECTIVE.format(row="OLD")} THEN {_add("OLD", -1)} END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND {_OBJECTIVE.format(row="NEW")} THEN {_add("NEW", 1)} END IF;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER mastery_count_inserted AFTER INSERT OR DELETE ON mastery "
    "FOR EACH ROW EXECUTE FUNCTION masterycat_mastery_count()",
    "CREATE TRIGGER mastery_count_updated AFTER UPDATE OF band ON mastery "
    "FOR EACH ROW WHEN (OLD.band IS DISTINCT FROM NEW.band) EXECUTE FUNCTION masterycat_mastery_count()",
)


def upgrade() -> None:
    op.create_table(
        "mastery_student_count",
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "band"),
    )
    op.create_table(
        "mastery_standard_count",
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("standard_id", "band", "shard"),
    )
    objective = "FROM mastery m JOIN standard s ON s.id = m.standard_id WHERE s.level = 'objective'"
    op.execute(
        f"INSERT INTO mastery_student_count (student_id, band, n) "
        f"SELECT m.student_id, m.band, count(*) {objective} GROUP BY m.student_id, m.band"
    )
    op.execute(
        f"INSERT INTO mastery_standard_count (standard_id, band, shard, n) "
        f"SELECT m.standard_id, m.band, m.student_id % {SHARDS}, count(*) {objective} "
        f"GROUP BY m.standard_id, m.band, m.student_id % {SHARDS}"
    )
    for statement in _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    on = " ON mastery" if op.get_bind().dialect.name == "postgresql" else ""
    for name in ("mastery_count_inserted", "mastery_count_updated", "mastery_count_updated_up"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
    for name in ("mastery_count_updated_down", "mastery_count_deleted"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS masterycat_mastery_count()")
    op.drop_table("mastery_standard_count")
    op.drop_table("mastery_student_count")
