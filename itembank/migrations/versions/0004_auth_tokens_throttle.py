"""auth: token versions and demo logins on users; the login throttle's table.

``user.token_version`` (a token is good only while it matches: logging out,
a password change or a deactivation raises it), ``user.demo`` (a demo
login, accepted only when the server runs in demo mode) and
``login_failures`` (failed logins per throttle key, shared by every
process).  The demo logins a demo district already has (the usernames
``masterycat serve --demo`` seeds, with the password ``demo``) are flagged.

Revision ID: 0004_auth
Revises: 0003_district
Create Date: 2026-12-02 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from itembank.passwords import verify_password

revision = "0004_auth"
down_revision = "0003_district"
branch_labels = None
depends_on = None

#: the logins and the password the demo district seeds (demo.district, as of this revision)
DEMO_USERNAMES = ("admin", "psychometrician", "teacher", "student")
DEMO_PASSWORD = "demo"


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "login_failures",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("updated", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_updated"), ["updated"], unique=False)

    users = sa.table(
        "user", sa.column("id", sa.Integer), sa.column("username"), sa.column("password_hash"), sa.column("demo")
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.password_hash).where(users.c.username.in_(DEMO_USERNAMES)))
    demo_ids = [row.id for row in rows if verify_password(DEMO_PASSWORD, row.password_hash)]
    if demo_ids:
        bind.execute(sa.update(users).where(users.c.id.in_(demo_ids)).values(demo=True))


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_updated"))
    op.drop_table("login_failures")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("demo")
        batch_op.drop_column("token_version")
