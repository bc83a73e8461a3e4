"""The tables of assessments given to classes (SQLModel): teams, forms, assignments, attempts.

:class:`Team`, :class:`TeamMember`
    a named group of teachers in a school (a grade-level or course team,
    a professional learning community) who share forms and assignments and
    see the team's common data.  Schools are :class:`itembank.district.School`.
:class:`AssessmentForm`, :class:`FormItem`
    a saved fixed set of items (an exit ticket, a common formative
    assessment, a quiz, a morning work's tiers) in one or more versions
    (``A``, ``B`` for retakes; ``red``, ``yellow``, ``green`` for morning
    work), owned by a teacher or a team.  A form is editable until it is
    first given (``locked_at``); a change after that is a new form whose
    ``previous_id`` is the one it revises.
:class:`Assignment`, :class:`AssignmentClass`, :class:`AssignmentStudent`
    what a teacher gives (an adaptive check on a standard, a form, or
    morning work), to which classes and students, when (opens, due,
    closes, late work or not), with which feedback and retake policy.  The
    students it was given to are recorded when it is made (a student
    enrolled later is added by hand); each recipient row may extend or
    reopen the assignment for that student, holds the version (morning
    work's tier) they take and the teacher's latest retake offer.
:class:`Attempt`, :class:`AttemptAnswer`
    a student's attempt at an assignment, online or on paper: an adaptive
    one links its check, a form's holds the answers saved before it is
    submitted; scored answers are :class:`itembank.tables.Response` rows
    (``dedupe_key = attempt/<attempt id>/<item id>``).
:class:`ClassSetting`
    a teacher's settings of a class: whether its students may also practise
    freely outside assignments.

Importing :mod:`itembank` registers these tables on ``SQLModel.metadata``.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from itembank.tables import BigId, UtcDateTime, utcnow

__all__ = [
    "FormPurpose",
    "AssignmentKind",
    "FeedbackPolicy",
    "RetakeMode",
    "AttemptMode",
    "AttemptStatus",
    "LABEL_LENGTH",
    "Team",
    "TeamMember",
    "AssessmentForm",
    "FormItem",
    "Assignment",
    "AssignmentClass",
    "AssignmentStudent",
    "Attempt",
    "AttemptAnswer",
    "ClassSetting",
]

#: Longest version label (``A``, ``B``, ``yellow``).
LABEL_LENGTH = 16


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime)


def _opt_ts() -> Any:
    return Field(default=None, sa_type=UtcDateTime)


class FormPurpose(str, Enum):
    """What a form is for."""

    exit_ticket = "exit_ticket"
    common_assessment = "common_assessment"
    quiz = "quiz"
    morning_work = "morning_work"


class AssignmentKind(str, Enum):
    """What an assignment gives."""

    check = "check"
    form = "form"
    morning_work = "morning_work"


class FeedbackPolicy(str, Enum):
    """When a student sees the key and rationale of what they answered."""

    instant = "instant"
    on_submit = "on_submit"
    on_close = "on_close"


class RetakeMode(str, Enum):
    """What a retake gives: the form's next parallel version, or an adaptive check on its standard."""

    parallel = "parallel"
    adaptive = "adaptive"


class AttemptMode(str, Enum):
    online = "online"
    paper = "paper"


class AttemptStatus(str, Enum):
    in_progress = "in_progress"
    submitted = "submitted"


# ------------------------------------------------------------------ teams
class Team(SQLModel, table=True):
    """A named group of teachers in a school."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_team_school_name"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=200)
    created_at: datetime = _ts()


class TeamMember(SQLModel, table=True):
    """A teacher's membership of a team."""

    __tablename__ = "team_member"

    team_id: int = Field(foreign_key="team.id", primary_key=True)
    teacher_id: int = Field(foreign_key="teacher.id", primary_key=True, index=True)


# ------------------------------------------------------------------ forms
class AssessmentForm(SQLModel, table=True):
    """A fixed set of items in one or more versions."""

    __tablename__ = "assessment_form"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    purpose: str = Field(default=FormPurpose.quiz.value, max_length=32)
    #: the standard it assesses (None for a form picked by hand across standards)
    standard_id: int | None = Field(default=None, foreign_key="standard.id", index=True)
    #: the owner: a teacher, or a team (then every member may use it)
    owner_teacher_id: int | None = Field(default=None, foreign_key="teacher.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    #: the blueprint it was assembled to (``{"length", "standards", "dok"}``); None when picked by hand
    blueprint: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: the form this one revises, and the version number of the lineage
    previous_id: int | None = Field(default=None, foreign_key="assessment_form.id", index=True)
    version: int = Field(default=1)
    #: when it was first given; a locked form is never edited again
    locked_at: datetime | None = _opt_ts()
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _ts()


class FormItem(SQLModel, table=True):
    """An item at a position of one version of a form."""

    __tablename__ = "form_item"
    __table_args__ = (UniqueConstraint("form_id", "label", "item_id", name="uq_form_item_once_per_version"),)

    form_id: int = Field(foreign_key="assessment_form.id", primary_key=True)
    label: str = Field(max_length=LABEL_LENGTH, primary_key=True)
    position: int = Field(primary_key=True)
    item_id: str = Field(foreign_key="item.id", max_length=64, index=True)


# ------------------------------------------------------------ assignments
class Assignment(SQLModel, table=True):
    """Something given to classes or students, with its window and policies."""

    __tablename__ = "assignment"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    standard_id: int | None = Field(default=None, foreign_key="standard.id", index=True)
    form_id: int | None = Field(default=None, foreign_key="assessment_form.id", index=True)
    opens_at: datetime = _ts()
    due_at: datetime | None = _opt_ts()
    closes_at: datetime | None = _opt_ts()
    #: whether work after ``due_at`` (and before ``closes_at``) is taken, marked late
    late_allowed: bool = Field(default=True)
    feedback: str = Field(default=FeedbackPolicy.on_submit.value, max_length=16)
    #: retakes a student may take on their own after the first attempt, each ``retake_wait_days`` after the last
    max_retakes: int = Field(default=0)
    retake_wait_days: int = Field(default=0)
    retake_mode: str = Field(default=RetakeMode.parallel.value, max_length=16)
    #: when a teacher closed it for everyone
    closed_at: datetime | None = _opt_ts()
    teacher_id: int | None = Field(default=None, foreign_key="teacher.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _ts()


class AssignmentClass(SQLModel, table=True):
    """A class an assignment was given to."""

    __tablename__ = "assignment_class"

    assignment_id: int = Field(foreign_key="assignment.id", primary_key=True)
    class_id: int = Field(foreign_key="school_class.id", primary_key=True, index=True)


class AssignmentStudent(SQLModel, table=True):
    """A student an assignment was given to, and what is particular to them."""

    __tablename__ = "assignment_student"

    assignment_id: int = Field(foreign_key="assignment.id", primary_key=True)
    student_id: int = Field(foreign_key="student.id", primary_key=True, index=True)
    #: the class it reached them through (None: given to the student by name)
    class_id: int | None = Field(default=None, foreign_key="school_class.id")
    #: the version they take first (morning work: their tier); None: the form's first
    label: str | None = Field(default=None, max_length=LABEL_LENGTH)
    #: their own closing time (extended or reopened), replacing the assignment's
    closes_at: datetime | None = _opt_ts()
    #: the teacher's latest retake offer: a retake after it needs no wait and does not count
    retake_offered_at: datetime | None = _opt_ts()
    added_at: datetime = _ts()


class Attempt(SQLModel, table=True):
    """A student's attempt at an assignment (``number`` 1 is the first, the rest retakes)."""

    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("assignment_id", "student_id", "number", name="uq_attempt_number"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    student_id: int = Field(foreign_key="student.id", index=True)
    number: int = Field(default=1)
    mode: str = Field(default=AttemptMode.online.value, max_length=8)
    status: str = Field(default=AttemptStatus.in_progress.value, max_length=16)
    #: the form version taken (None for an adaptive attempt)
    label: str | None = Field(default=None, max_length=LABEL_LENGTH)
    #: the adaptive check of an adaptive attempt
    check_id: int | None = Field(default=None, foreign_key="check_session.id", index=True)
    #: whether a teacher's retake offer made it
    offered: bool = Field(default=False)
    late: bool = Field(default=False)
    started_at: datetime = _ts()
    submitted_at: datetime | None = _opt_ts()
    #: who entered a paper attempt
    entered_by: int | None = Field(default=None, foreign_key="user.id")


class AttemptAnswer(SQLModel, table=True):
    """An answer saved in a form attempt; ``response_id`` once it is scored."""

    __tablename__ = "attempt_answer"

    attempt_id: int = Field(foreign_key="attempt.id", primary_key=True)
    item_id: str = Field(foreign_key="item.id", primary_key=True, max_length=64)
    answer: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    response_id: int | None = Field(default=None, sa_type=BigId, foreign_key="response.id")
    saved_at: datetime = _ts()


class ClassSetting(SQLModel, table=True):
    """A teacher's settings of a class."""

    __tablename__ = "class_setting"

    class_id: int = Field(foreign_key="school_class.id", primary_key=True)
    #: whether the class's students may start checks of their own outside assignments
    free_practice: bool = Field(default=True)
    updated_at: datetime = _ts()
