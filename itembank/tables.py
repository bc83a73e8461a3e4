"""The item bank's tables (SQLModel).

Content
    :class:`Standard` (a framework's hierarchy: competency > performance
    indicator > learning objective), :class:`Item` (stem, interaction,
    choices, key, rationale, rubric, DOK, status, version).
Calibration
    :class:`Calibration` (one run: model, settings, log-likelihood, when and
    by whom) and :class:`ItemParameter` (one row per item and calibration).
People
    :class:`User` (login and role), :class:`LoginFailures` (the login
    throttle's memory), :class:`Student`, :class:`Teacher`,
    :class:`SchoolClass`, :class:`Enrollment`; the district's schools,
    terms, courses, co-teachers and guardians are in :mod:`itembank.district`.
Evidence
    :class:`Check` (an adaptive session with its serialized engine state),
    :class:`Response` (append-only: a re-score is a new row that supersedes
    the old one; ``dedupe_key`` is unique so a resubmitted answer is stored
    once), :class:`Mastery` (the latest estimate per student and standard).

The schema is created by the Alembic migrations in
:mod:`itembank.migrations`, never by ``create_all``; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

__all__ = [
    "utcnow",
    "UtcDateTime",
    "MAX_INT_ID",
    "MAX_BIGINT",
    "StandardLevel",
    "Interaction",
    "ItemStatus",
    "SELF_SCORING",
    "Role",
    "CheckStatus",
    "CalibrationStatus",
    "Standard",
    "Item",
    "Calibration",
    "ItemParameter",
    "User",
    "LoginFailures",
    "Student",
    "Teacher",
    "SchoolClass",
    "Enrollment",
    "Check",
    "Response",
    "Mastery",
]


#: 64-bit ids on PostgreSQL; SQLite's rowid (``INTEGER PRIMARY KEY``) is 64-bit already.
BigId = BigInteger().with_variant(Integer(), "sqlite")

#: The largest value of an ``INTEGER`` key on every backend (PostgreSQL's 4-byte
#: integer): a larger id names no row, and PostgreSQL refuses to compare it.
MAX_INT_ID = 2**31 - 1
#: The largest ``BIGINT`` (response ids; SQLite's integers; row offsets).
MAX_BIGINT = 2**63 - 1


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A point in time, stored and read back as timezone-aware UTC on every backend.

    PostgreSQL keeps the offset (``timestamptz``) but answers in the session's
    time zone; SQLite keeps the wall time without one and answers naive
    datetimes.  Values are converted to UTC on the way in (a naive value is
    taken to be UTC already) and come back with ``tzinfo=UTC``, so every
    timestamp the service returns carries its offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(**kw) -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, **kw)


def _opt_ts(**kw) -> Any:
    return Field(default=None, sa_type=UtcDateTime, **kw)


def _json(default_factory=None, nullable: bool = True) -> Any:
    if default_factory is None:
        return Field(default=None, sa_column=Column(JSON, nullable=nullable))
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=nullable))


class StandardLevel(str, Enum):
    """The three levels of a standards hierarchy, top to bottom."""

    competency = "competency"
    indicator = "indicator"
    objective = "objective"


class Interaction(str, Enum):
    """How a student answers an item."""

    single_choice = "single_choice"
    multiple_select = "multiple_select"
    numeric_entry = "numeric_entry"
    constructed_response = "constructed_response"
    #: a typed word or phrase, compared with the accepted answers
    text_entry = "text_entry"
    #: one choice for the blank in the stem
    inline_choice = "inline_choice"
    #: the choices put in order
    order = "order"
    #: each choice matched with one of the targets
    match = "match"
    #: the right spans of a passage selected (the choices are the spans)
    hot_text = "hot_text"
    #: each blank of the stem (the targets) filled with one of the choices
    gap_match = "gap_match"
    #: the choices that go together, paired (unordered pairs of one set)
    associate = "associate"


#: Interactions scored by the machine (usable in adaptive checks).
SELF_SCORING = (
    Interaction.single_choice,
    Interaction.multiple_select,
    Interaction.numeric_entry,
    Interaction.text_entry,
    Interaction.inline_choice,
    Interaction.order,
    Interaction.match,
    Interaction.hot_text,
    Interaction.gap_match,
    Interaction.associate,
)


class ItemStatus(str, Enum):
    draft = "draft"
    pretest = "pretest"
    operational = "operational"
    retired = "retired"


class Role(str, Enum):
    admin = "admin"
    psychometrician = "psychometrician"
    teacher = "teacher"
    student = "student"
    guardian = "guardian"


class CheckStatus(str, Enum):
    active = "active"
    done = "done"


class CalibrationStatus(str, Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


# ----------------------------------------------------------------- content
class Standard(SQLModel, table=True):
    """A node of a standards framework, e.g. ``7.RP.A.2`` (an objective)."""

    __tablename__ = "standard"
    __table_args__ = (UniqueConstraint("framework", "code", name="uq_standard_framework_code"),)

    id: int | None = Field(default=None, primary_key=True)
    framework: str = Field(max_length=64, index=True)
    code: str = Field(max_length=64, index=True)
    title: str = Field(max_length=500)
    description: str = Field(default="")
    level: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="standard.id", index=True)
    retired: bool = Field(default=False)
    created_at: datetime = _ts()


class Item(SQLModel, table=True):
    """An assessment item; ``id`` is the identifier used in CSV files."""

    __tablename__ = "item"

    id: str = Field(primary_key=True, max_length=64)
    stem: str
    interaction: str = Field(max_length=32)
    #: ``[{"id": "A", "text": "..."}, ...]`` (empty for numeric and constructed response)
    choices: list = _json(list, nullable=False)
    #: choice id, list of choice ids, or a number; ``None`` for constructed response
    key: Any = _json()
    #: absolute tolerance of a numeric entry
    tolerance: float = Field(default=0.0)
    rationale: str = Field(default="")
    #: 4-level criteria of a rubric-scored item: ``[{"score": 0, "label": ..., "criteria": ...}, ...]``
    rubric: list | None = _json()
    #: the second set of a match (the targets) or the blanks of a gap match: ``[{"id": ..., "text": ...}, ...]``
    targets: list = _json(list, nullable=False)
    #: the stem as sanitized XHTML (images, MathML, the places of blanks), when it is more than text
    stem_html: str | None = Field(default=None)
    #: partial credit (QTI's map_response): ``{"mapping": [[value, points], ...], "default": 0,
    #: "lower": 0, "upper": 2, "step": 1}``; None: all or nothing (itembank.answers)
    scoring: dict | None = _json()
    objective_id: int | None = Field(default=None, foreign_key="standard.id", index=True)
    dok: int = Field(default=1)
    status: str = Field(default=ItemStatus.draft.value, max_length=16, index=True)
    version: int = Field(default=1)
    n_categories: int = Field(default=2)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


# -------------------------------------------------------------- calibration
class Calibration(SQLModel, table=True):
    """One calibration run and its results; at most one is live."""

    __tablename__ = "calibration"

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=16)
    settings: dict = _json(dict, nullable=False)
    status: str = Field(default=CalibrationStatus.queued.value, max_length=16)
    progress: float = Field(default=0.0)
    live: bool = Field(default=False, index=True)
    loglik: float | None = None
    iterations: int | None = None
    converged: bool | None = None
    seconds: float | None = None
    n_students: int | None = None
    n_responses: int | None = None
    #: correlation of a standard's ability with general ability, for the
    #: empirical-Bayes mastery prior (:mod:`engine.mastery.estimates`); None: not estimated
    mastery_rho: float | None = None
    error: str | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _ts()
    finished_at: datetime | None = _opt_ts()
    made_live_at: datetime | None = _opt_ts()


class ItemParameter(SQLModel, table=True):
    """An item's parameters in one calibration (the metric of docs/architecture.md, Psychometric conventions)."""

    __tablename__ = "item_parameter"

    calibration_id: int = Field(foreign_key="calibration.id", primary_key=True)
    item_id: str = Field(foreign_key="item.id", primary_key=True, max_length=64)
    model: str = Field(max_length=16)
    n_categories: int = Field(default=2)
    a: float = 1.0
    b: float | None = None
    c: float | None = None
    d: float | None = None
    #: polytomous thresholds b1..b{K-1}
    thresholds: list | None = _json()
    #: standard errors by parameter name
    se: dict | None = _json()


# ------------------------------------------------------------------- people
class User(SQLModel, table=True):
    """A login; ``student_id`` / ``teacher_id`` / ``guardian_id`` link it to its record.

    ``sourced_id`` is the roster's id of the person (:mod:`itembank.district`).
    """

    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    student_id: int | None = Field(default=None, foreign_key="student.id")
    teacher_id: int | None = Field(default=None, foreign_key="teacher.id")
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    sourced_id: str | None = Field(default=None, max_length=255, unique=True, index=True)
    active: bool = Field(default=True)
    #: a token carries the version it was issued under; raising it ends every
    #: token of the login (log out, password change, deactivation)
    token_version: int = Field(default=0)
    #: a demo login (seeded by ``masterycat serve --demo``): accepted only in demo mode
    demo: bool = Field(default=False)
    #: the language the login reads the family's and student's pages in (None: English)
    language: str | None = Field(default=None, max_length=8)
    created_at: datetime = _ts()


class LoginFailures(SQLModel, table=True):
    """Recent failed logins of one throttle key (an account from a client address, or a client address).

    ``level`` counts the failures, decaying with time at the throttle's rate;
    ``updated`` is when it last rose (Unix seconds).  ``key`` is a digest, so
    neither usernames nor addresses are stored.
    """

    __tablename__ = "login_failures"

    key: str = Field(primary_key=True, max_length=64)
    level: float
    updated: float = Field(index=True)


class Student(SQLModel, table=True):
    __tablename__ = "student"

    id: int | None = Field(default=None, primary_key=True)
    #: the district's student id, used in response CSV files
    external_id: str = Field(max_length=64, unique=True, index=True)
    sourced_id: str | None = Field(default=None, max_length=255, unique=True, index=True)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    grade: int | None = None
    retired: bool = Field(default=False)
    created_at: datetime = _ts()


class Teacher(SQLModel, table=True):
    __tablename__ = "teacher"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(default="", max_length=200)
    sourced_id: str | None = Field(default=None, max_length=255, unique=True, index=True)
    created_at: datetime = _ts()


class SchoolClass(SQLModel, table=True):
    """A class; its teachers are the lead (``teacher_id``, None for a class no
    one teaches yet) and the assignments of :class:`itembank.district.ClassTeacher`."""

    __tablename__ = "school_class"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    teacher_id: int | None = Field(default=None, foreign_key="teacher.id", index=True)
    sourced_id: str | None = Field(default=None, max_length=255, unique=True, index=True)
    school_id: int | None = Field(default=None, foreign_key="school.id", index=True)
    course_id: int | None = Field(default=None, foreign_key="course.id", index=True)
    grade: int | None = None
    subject: str = Field(default="mathematics", max_length=100)
    retired: bool = Field(default=False)
    created_at: datetime = _ts()


class Enrollment(SQLModel, table=True):
    __tablename__ = "enrollment"

    class_id: int = Field(foreign_key="school_class.id", primary_key=True)
    student_id: int = Field(foreign_key="student.id", primary_key=True, index=True)
    sourced_id: str | None = Field(default=None, max_length=255, unique=True, index=True)
    created_at: datetime = _ts()


# ----------------------------------------------------------------- evidence
class Check(SQLModel, table=True):
    """An adaptive check for understanding on one standard."""

    __tablename__ = "check_session"

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="student.id", index=True)
    standard_id: int = Field(foreign_key="standard.id")
    calibration_id: int = Field(foreign_key="calibration.id")
    status: str = Field(default=CheckStatus.active.value, max_length=16)
    #: the engine's serialized session state
    state: dict = _json(dict, nullable=False)
    current_item_id: str | None = Field(default=None, max_length=64)
    n_answered: int = Field(default=0)
    stop_reason: str | None = Field(default=None, max_length=64)
    theta: float | None = None
    se: float | None = None
    band: str | None = Field(default=None, max_length=16)
    p_mastery: float | None = None
    started_by: int | None = Field(default=None, foreign_key="user.id")
    started_at: datetime = _ts()
    finished_at: datetime | None = _opt_ts()


class Response(SQLModel, table=True):
    """One scored (or awaiting scoring) answer; rows are never updated.

    ``dedupe_key`` identifies the answer event (a check's item, an imported
    cell, a re-score), so storing the same event twice is refused by the
    database.  A re-score is a new row with ``supersedes_id`` pointing at the
    row it replaces; the *effective* responses are those no row supersedes.
    """

    __tablename__ = "response"
    __table_args__ = (Index("ix_response_student_item", "student_id", "item_id"),)

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    student_id: int = Field(foreign_key="student.id")
    item_id: str = Field(foreign_key="item.id", max_length=64, index=True)
    item_version: int = Field(default=1)
    check_id: int | None = Field(default=None, foreign_key="check_session.id", index=True)
    position: int | None = None
    answer: Any = _json()
    #: category 0..K-1; ``None`` while a rubric item awaits scoring
    score: int | None = None
    correct: bool | None = None
    source: str = Field(default="check", max_length=16)
    supersedes_id: int | None = Field(default=None, sa_type=BigId, foreign_key="response.id", unique=True)
    scored_by: int | None = Field(default=None, foreign_key="user.id")
    note: str = Field(default="")
    answered_at: datetime = _ts()
    recorded_at: datetime = _ts()


class Mastery(SQLModel, table=True):
    """The latest mastery estimate of a student on a standard."""

    __tablename__ = "mastery"

    student_id: int = Field(foreign_key="student.id", primary_key=True)
    standard_id: int = Field(foreign_key="standard.id", primary_key=True)
    theta: float
    se: float
    band: str = Field(max_length=16)
    p_mastery: float
    n_evidence: int = Field(default=0)
    calibration_id: int | None = Field(default=None, foreign_key="calibration.id")
    last_assessed: datetime = _ts()
