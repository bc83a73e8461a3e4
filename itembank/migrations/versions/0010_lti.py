"""LTI 1.3 Advantage (helper "lti"): platforms, deployments, tool keys, launch states, links, line items, score outbox.

Revision ID: 0010_lti
Revises: 0009_items
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_lti"
down_revision = "0009_items"
branch_labels = None
depends_on = None


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _index(table: str, column: str, unique: bool = False) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=unique)


def upgrade() -> None:
    op.create_table(
        "lti_platform",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("issuer", 255),
        _text("client_id", 255),
        _text("auth_login_url", 1000),
        _text("auth_token_url", 1000),
        _text("jwks_url", 1000),
        _text("score_meaning", 16),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platform_client"),
    )
    _index("lti_platform", "issuer")
    op.create_table(
        "lti_deployment",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        _text("deployment_id", 255),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platform.id"]),
        sa.PrimaryKeyConstraint("platform_id", "deployment_id"),
    )
    op.create_table(
        "lti_tool_key",
        _text("kid", 64),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        _time("created_at"),
        _time("retired_at", nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    op.create_table(
        "lti_launch_state",
        _text("state", 64),
        _text("nonce", 64),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("used_at", nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platform.id"]),
        sa.PrimaryKeyConstraint("state"),
        sa.UniqueConstraint("nonce"),
    )
    _index("lti_launch_state", "platform_id")
    op.create_table(
        "lti_user_link",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        _text("sub", 255),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platform.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("platform_id", "sub"),
    )
    _index("lti_user_link", "user_id")
    op.create_table(
        "lti_context_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        _text("context_id", 255),
        sa.Column("class_id", sa.Integer(), nullable=False),
        _text("memberships_url", 1000, nullable=True),
        _text("lineitems_url", 1000, nullable=True),
        _time("synced_at", nullable=True),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"]),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platform.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "context_id", name="uq_lti_context"),
    )
    _index("lti_context_link", "class_id")
    op.create_table(
        "lti_line_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        _text("url", 1000),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        _text("label", 200),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platform.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "url", name="uq_lti_line_item_url"),
    )
    _index("lti_line_item", "assignment_id")
    op.create_table(
        "lti_score_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_item_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.JSON(), nullable=False),
        _text("status", 16),
        sa.Column("tries", sa.Integer(), nullable=False),
        _time("next_try_at"),
        _text("last_error", 1000),
        _time("created_at"),
        _time("delivered_at", nullable=True),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"]),
        sa.ForeignKeyConstraint(["line_item_id"], ["lti_line_item.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("line_item_id", "attempt_id", "status", "next_try_at"):
        _index("lti_score_outbox", column)


def downgrade() -> None:
    for table in (
        "lti_score_outbox",
        "lti_line_item",
        "lti_context_link",
        "lti_user_link",
        "lti_launch_state",
        "lti_tool_key",
        "lti_deployment",
        "lti_platform",
    ):
        op.drop_table(table)
