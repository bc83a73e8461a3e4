"""Live-bank changes announced on PostgreSQL: ``NOTIFY masterycat_bank`` when items or calibrations change.

Statement-level triggers on ``item`` and ``calibration`` (insert, update,
delete) send a notification on the channel ``masterycat_bank`` when their
transaction commits, whoever wrote the rows (the API, an import, the CLI, a
calibration job, another host); every server process listens
(:mod:`service.bank_follow`) and reloads its copy of the live bank at once
instead of polling.  SQLite has no notifications: its servers keep polling.

Revision ID: 0012_bank_notify
Revises: 0011_report_cards
Create Date: 2026-12-02 13:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0012_bank_notify"
down_revision = "0011_report_cards"
branch_labels = None
depends_on = None

_TABLES = ("item", "calibration")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION masterycat_bank_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('masterycat_bank', TG_TABLE_NAME);
            RETURN NULL;
        END
        $$
        """
    )
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_bank_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION masterycat_bank_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_bank_changed ON {table}")
    op.execute("DROP FUNCTION IF EXISTS masterycat_bank_changed()")
