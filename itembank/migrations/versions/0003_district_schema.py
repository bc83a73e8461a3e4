"""interop: the district schema (schools, terms, courses, co-teachers, guardians, roster sourcedIds).

Schools, academic sessions, courses, the terms of a class, a class's
teachers (several per class), a teacher's schools, guardians and their
students; ``sourced_id`` on users, students, teachers, classes and
enrollments; a class's lead teacher becomes optional (rosters have classes
without a teacher); a ``guardian`` login links a guardian.

Revision ID: 0003_district
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003_district"
down_revision = "0002"
branch_labels = None
depends_on = None


def _sourced_id() -> sa.Column:
    return sa.Column("sourced_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _index_sourced_id(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_sourced_id"), ["sourced_id"], unique=True)


def upgrade() -> None:
    op.create_table(
        "academic_session",
        sa.Column("id", sa.Integer(), nullable=False),
        _sourced_id(),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("school_year", sa.Integer(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["parent_id"], ["academic_session.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("academic_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_academic_session_parent_id"), ["parent_id"], unique=False)
    _index_sourced_id("academic_session")

    op.create_table(
        "guardian",
        sa.Column("id", sa.Integer(), nullable=False),
        _sourced_id(),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    _index_sourced_id("guardian")

    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        _sourced_id(),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("identifier", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    _index_sourced_id("school")

    op.create_table(
        "course",
        sa.Column("id", sa.Integer(), nullable=False),
        _sourced_id(),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("school_year_id", sa.Integer(), nullable=True),
        sa.Column("grades", sa.JSON(), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["school_year_id"], ["academic_session.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_school_id"), ["school_id"], unique=False)
    _index_sourced_id("course")

    op.create_table(
        "guardian_student",
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("relationship", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(["guardian_id"], ["guardian.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.PrimaryKeyConstraint("guardian_id", "student_id"),
    )
    with op.batch_alter_table("guardian_student", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardian_student_student_id"), ["student_id"], unique=False)

    op.create_table(
        "teacher_school",
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("teacher_id", "school_id"),
    )
    with op.batch_alter_table("teacher_school", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teacher_school_school_id"), ["school_id"], unique=False)

    op.create_table(
        "class_teacher",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        _sourced_id(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"]),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("class_id", "teacher_id"),
    )
    with op.batch_alter_table("class_teacher", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_teacher_teacher_id"), ["teacher_id"], unique=False)
    _index_sourced_id("class_teacher")

    op.create_table(
        "class_term",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["academic_session.id"]),
        sa.PrimaryKeyConstraint("class_id", "session_id"),
    )
    with op.batch_alter_table("class_term", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_term_session_id"), ["session_id"], unique=False)

    for table in ("enrollment", "student", "teacher"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_sourced_id())
        _index_sourced_id(table)

    with op.batch_alter_table("school_class", schema=None) as batch_op:
        batch_op.add_column(_sourced_id())
        batch_op.add_column(sa.Column("school_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch_op.alter_column("teacher_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_school_class_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_school_class_school_id"), ["school_id"], unique=False)
        batch_op.create_foreign_key("fk_school_class_school_id", "school", ["school_id"], ["id"])
        batch_op.create_foreign_key("fk_school_class_course_id", "course", ["course_id"], ["id"])
    _index_sourced_id("school_class")

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guardian_id", sa.Integer(), nullable=True))
        batch_op.add_column(_sourced_id())
        batch_op.create_foreign_key("fk_user_guardian_id", "guardian", ["guardian_id"], ["id"])
    _index_sourced_id("user")


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sourced_id"))
        batch_op.drop_constraint("fk_user_guardian_id", type_="foreignkey")
        batch_op.drop_column("sourced_id")
        batch_op.drop_column("guardian_id")

    with op.batch_alter_table("school_class", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_class_sourced_id"))
        batch_op.drop_constraint("fk_school_class_course_id", type_="foreignkey")
        batch_op.drop_constraint("fk_school_class_school_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_school_class_school_id"))
        batch_op.drop_index(batch_op.f("ix_school_class_course_id"))
        batch_op.alter_column("teacher_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("course_id")
        batch_op.drop_column("school_id")
        batch_op.drop_column("sourced_id")

    for table in ("teacher", "student", "enrollment"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_sourced_id"))
            batch_op.drop_column("sourced_id")

    for table in (
        "class_term",
        "class_teacher",
        "teacher_school",
        "guardian_student",
        "course",
        "school",
        "guardian",
        "academic_session",
    ):
        op.drop_table(table)
