"""The district's tables (SQLModel): schools, terms, courses, teaching and guardians.

These are the records a district's student information system keeps and
exchanges as a OneRoster roster; every one carries the roster's
``sourced_id`` (``None`` for a record made by hand), so that the next
night's export updates it in place.

:class:`School`
    a school (a OneRoster org of type ``school``).
:class:`AcademicSession`
    a school year, semester, term or grading period, nested by ``parent_id``.
:class:`Course`
    a course of a school (``Grade 7 Mathematics``), taught as classes.
:class:`ClassTerm`
    the terms a class runs in (a year-long class runs in two semesters).
:class:`ClassTeacher`
    a teacher's assignment to a class; a class may have several teachers.
    The class's lead teacher is ``SchoolClass.teacher_id``; the teachers of
    a class are the lead and every assignment here.
:class:`TeacherSchool`
    the schools a teacher works in (several for a shared teacher).
:class:`SchoolLeader`
    the schools a teacher's login leads as a principal: the login sees
    those schools' view, their classes' trackers and their students'
    reports, read-only.
:class:`Guardian`, :class:`GuardianStudent`
    a parent or guardian and the students they are responsible for, kept
    for the reports to come.

The module lives beside :mod:`itembank.tables`, whose people tables
(``SchoolClass``, ``Student``, ``Teacher``, ``User``, ``Enrollment``) point
here; importing :mod:`itembank` registers both on ``SQLModel.metadata``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from itembank.tables import UtcDateTime, utcnow

__all__ = [
    "SessionType",
    "TeachingRole",
    "School",
    "AcademicSession",
    "Course",
    "ClassTerm",
    "ClassTeacher",
    "TeacherSchool",
    "SchoolLeader",
    "Guardian",
    "GuardianStudent",
]

#: Longest sourcedId kept; OneRoster does not bound them, GUIDs take 36 characters.
SOURCED_ID_LENGTH = 255


def _sourced_id() -> Any:
    return Field(default=None, max_length=SOURCED_ID_LENGTH, unique=True, index=True)


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime)


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class SessionType(str, Enum):
    """The kinds of academic session OneRoster names."""

    school_year = "schoolYear"
    semester = "semester"
    term = "term"
    grading_period = "gradingPeriod"


class TeachingRole(str, Enum):
    """How a teacher takes part in a class."""

    teacher = "teacher"
    aide = "aide"


class School(SQLModel, table=True):
    """A school of the district."""

    __tablename__ = "school"

    id: int | None = Field(default=None, primary_key=True)
    sourced_id: str | None = _sourced_id()
    name: str = Field(max_length=200)
    #: the state's or NCES's school identifier, when the roster gives one
    identifier: str = Field(default="", max_length=64)
    retired: bool = Field(default=False)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class AcademicSession(SQLModel, table=True):
    """A school year, semester, term or grading period."""

    __tablename__ = "academic_session"

    id: int | None = Field(default=None, primary_key=True)
    sourced_id: str | None = _sourced_id()
    title: str = Field(max_length=200)
    type: str = Field(max_length=16)
    start_date: date
    end_date: date
    #: the session this one is part of (a semester's school year)
    parent_id: int | None = Field(default=None, foreign_key="academic_session.id", index=True)
    #: the school year it belongs to, as its ending year (2026 for 2025-26)
    school_year: int | None = None
    retired: bool = Field(default=False)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Course(SQLModel, table=True):
    """A course, taught as one or more classes."""

    __tablename__ = "course"

    id: int | None = Field(default=None, primary_key=True)
    sourced_id: str | None = _sourced_id()
    title: str = Field(max_length=200)
    code: str = Field(default="", max_length=64)
    school_id: int | None = Field(default=None, foreign_key="school.id", index=True)
    school_year_id: int | None = Field(default=None, foreign_key="academic_session.id")
    #: grade levels as the roster writes them (``["07"]``)
    grades: list = _json_list()
    subjects: list = _json_list()
    retired: bool = Field(default=False)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ClassTerm(SQLModel, table=True):
    """A term a class runs in."""

    __tablename__ = "class_term"

    class_id: int = Field(foreign_key="school_class.id", primary_key=True)
    session_id: int = Field(foreign_key="academic_session.id", primary_key=True, index=True)


class ClassTeacher(SQLModel, table=True):
    """A teacher's assignment to a class (a teacher enrollment in OneRoster)."""

    __tablename__ = "class_teacher"

    class_id: int = Field(foreign_key="school_class.id", primary_key=True)
    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True, index=True)
    role: str = Field(default=TeachingRole.teacher.value, max_length=16)
    #: the teacher the roster marks as primary
    primary: bool = Field(default=False)
    sourced_id: str | None = _sourced_id()
    created_at: datetime = _ts()


class TeacherSchool(SQLModel, table=True):
    """A school a teacher works in."""

    __tablename__ = "teacher_school"

    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id", primary_key=True, index=True)


class SchoolLeader(SQLModel, table=True):
    """A teacher's leadership of a school (a principal: a OneRoster ``principal`` user, or an admin's appointment)."""

    __tablename__ = "school_leader"

    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id", primary_key=True, index=True)


class Guardian(SQLModel, table=True):
    """A parent or guardian of students."""

    __tablename__ = "guardian"

    id: int | None = Field(default=None, primary_key=True)
    sourced_id: str | None = _sourced_id()
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=200)
    retired: bool = Field(default=False)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class GuardianStudent(SQLModel, table=True):
    """A guardian's responsibility for a student."""

    __tablename__ = "guardian_student"

    guardian_id: int = Field(foreign_key="guardian.id", primary_key=True)
    student_id: int = Field(foreign_key="student.id", primary_key=True, index=True)
    #: ``parent``, ``guardian`` or ``relative``, as the roster says
    relationship: str = Field(default="guardian", max_length=16)
