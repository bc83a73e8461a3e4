"""assignments (helper "assignments"): teams, forms with versions, assignments, attempts, class settings.

Teams of teachers in a school; saved forms (fixed item sets in versions A,
B, ... or morning work's tiers, owned by a teacher or a team, locked once
given); assignments of a check, a form or morning work to classes or
students with their window, feedback and retake policies; the students each
was given to; attempts (online or on paper) and the answers saved in them;
a class's free-practice setting.

Revision ID: 0007_assignments
Revises: 0006_import_jobs
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_assignments"
down_revision = "0006_import_jobs"
branch_labels = None
depends_on = None


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        _text("name", 200),
        _time("created_at"),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "name", name="uq_team_school_name"),
    )
    _index("team", "school_id")
    op.create_table(
        "team_member",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("team_id", "teacher_id"),
    )
    _index("team_member", "teacher_id")
    op.create_table(
        "assessment_form",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("title", 200),
        _text("purpose", 32),
        sa.Column("standard_id", sa.Integer(), nullable=True),
        sa.Column("owner_teacher_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("blueprint", sa.JSON(), nullable=True),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _time("locked_at", nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _time("created_at"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["owner_teacher_id"], ["teacher.id"]),
        sa.ForeignKeyConstraint(["previous_id"], ["assessment_form.id"]),
        sa.ForeignKeyConstraint(["standard_id"], ["standard.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("owner_teacher_id", "previous_id", "standard_id", "team_id"):
        _index("assessment_form", column)
    op.create_table(
        "form_item",
        sa.Column("form_id", sa.Integer(), nullable=False),
        _text("label", 16),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("item_id", 64),
        sa.ForeignKeyConstraint(["form_id"], ["assessment_form.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("form_id", "label", "position"),
        sa.UniqueConstraint("form_id", "label", "item_id", name="uq_form_item_once_per_version"),
    )
    _index("form_item", "item_id")
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("title", 200),
        _text("kind", 16),
        sa.Column("standard_id", sa.Integer(), nullable=True),
        sa.Column("form_id", sa.Integer(), nullable=True),
        _time("opens_at"),
        _time("due_at", nullable=True),
        _time("closes_at", nullable=True),
        sa.Column("late_allowed", sa.Boolean(), nullable=False),
        _text("feedback", 16),
        sa.Column("max_retakes", sa.Integer(), nullable=False),
        sa.Column("retake_wait_days", sa.Integer(), nullable=False),
        _text("retake_mode", 16),
        _time("closed_at", nullable=True),
        sa.Column("teacher_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _time("created_at"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["form_id"], ["assessment_form.id"]),
        sa.ForeignKeyConstraint(["standard_id"], ["standard.id"]),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("form_id", "standard_id", "teacher_id"):
        _index("assignment", column)
    op.create_table(
        "assignment_class",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"]),
        sa.PrimaryKeyConstraint("assignment_id", "class_id"),
    )
    _index("assignment_class", "class_id")
    op.create_table(
        "assignment_student",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        _text("label", 16, nullable=True),
        _time("closes_at", nullable=True),
        _time("retake_offered_at", nullable=True),
        _time("added_at"),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.PrimaryKeyConstraint("assignment_id", "student_id"),
    )
    _index("assignment_student", "student_id")
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _text("mode", 8),
        _text("status", 16),
        _text("label", 16, nullable=True),
        sa.Column("check_id", sa.Integer(), nullable=True),
        sa.Column("offered", sa.Boolean(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        _time("started_at"),
        _time("submitted_at", nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["check_id"], ["check_session.id"]),
        sa.ForeignKeyConstraint(["entered_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assignment_id", "student_id", "number", name="uq_attempt_number"),
    )
    for column in ("assignment_id", "check_id", "student_id"):
        _index("attempt", column)
    op.create_table(
        "attempt_answer",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        _text("item_id", 64),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("response_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        _time("saved_at"),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"]),
        sa.PrimaryKeyConstraint("attempt_id", "item_id"),
    )
    op.create_table(
        "class_setting",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("free_practice", sa.Boolean(), nullable=False),
        _time("updated_at"),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"]),
        sa.PrimaryKeyConstraint("class_id"),
    )


def downgrade() -> None:
    for table in (
        "class_setting",
        "attempt_answer",
        "attempt",
        "assignment_student",
        "assignment_class",
        "assignment",
        "form_item",
        "assessment_form",
        "team_member",
        "team",
    ):
        op.drop_table(table)
