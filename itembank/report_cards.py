"""Reporting settings and teachers' comments: what a report card is made of besides the estimates.

:class:`ReportSetting`
    the district's one row: the proficiency calculation method of the
    reported level (``irt``, masterycat's estimate, or one of
    :data:`engine.mastery.proficiency.METHODS`), the decaying average's
    weight, and the cuts of the report card's four levels (Does not meet,
    Partially meets, Meets, Exceeds): for ``irt`` three on the theta scale,
    or none to use each standard's own band cuts (red | yellow | green, and
    Exceeds one logit above the mastery cut, or at the blue cut of a
    four-tier standard) so that the level agrees with the dot; three
    percents for the other methods.
:class:`ReportComment`
    a teacher's comment on a student's standard in a term: the report card's
    comment field and the notes of the student's progress report.

Functions never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from engine.mastery.proficiency import DEFAULT_DECAY_WEIGHT, METHODS
from itembank.district import AcademicSession
from itembank.errors import Invalid, NotFound
from itembank.tables import Standard, Student, UtcDateTime, utcnow

__all__ = [
    "LEVELS",
    "REPORT_METHODS",
    "ReportSetting",
    "ReportComment",
    "ReportSettings",
    "report_settings",
    "save_report_settings",
    "get_term",
    "report_term",
    "set_comment",
    "comments_for",
]

#: The report card's four levels, lowest first.
LEVELS = ("Does not meet", "Partially meets", "Meets", "Exceeds")
#: ``irt`` (masterycat's estimate, the default) and Mastery Connect's methods.
REPORT_METHODS = ("irt", *METHODS)
#: Default theta cuts of the four levels: none, each standard's own band cuts.
DEFAULT_THETA_CUTS: tuple[float, ...] = ()
#: Mastery Connect's default percent cuts for four levels.
DEFAULT_PERCENT_CUTS = (50.0, 80.0, 90.0)
#: Longest comment kept.
COMMENT_LENGTH = 2000


class ReportSetting(SQLModel, table=True):
    """The district's reporting settings (one row, id 1)."""

    __tablename__ = "report_setting"

    id: int | None = Field(default=None, primary_key=True)
    method: str = Field(default="irt", max_length=32)
    decay_weight: float = Field(default=DEFAULT_DECAY_WEIGHT)
    theta_cuts: list = Field(default_factory=lambda: list(DEFAULT_THETA_CUTS), sa_column=Column(JSON, nullable=False))
    percent_cuts: list = Field(
        default_factory=lambda: list(DEFAULT_PERCENT_CUTS), sa_column=Column(JSON, nullable=False)
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ReportComment(SQLModel, table=True):
    """A teacher's comment on a student's standard in a term."""

    __tablename__ = "report_comment"
    __table_args__ = (UniqueConstraint("student_id", "standard_id", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="student.id", index=True)
    standard_id: int = Field(foreign_key="standard.id")
    session_id: int = Field(foreign_key="academic_session.id")
    text: str = Field(max_length=COMMENT_LENGTH)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


@dataclass(frozen=True)
class ReportSettings:
    """The district's reporting settings as values."""

    method: str = "irt"
    decay_weight: float = DEFAULT_DECAY_WEIGHT
    theta_cuts: tuple[float, ...] = DEFAULT_THETA_CUTS
    percent_cuts: tuple[float, ...] = DEFAULT_PERCENT_CUTS


def report_settings(session: Session) -> ReportSettings:
    """The district's settings (the defaults until an admin saves some)."""
    row = session.get(ReportSetting, 1)
    if row is None:
        return ReportSettings()
    return ReportSettings(row.method, row.decay_weight, tuple(row.theta_cuts), tuple(row.percent_cuts))


def _cuts(values: Sequence[float], name: str, low: float, high: float) -> tuple[float, ...]:
    cuts = tuple(float(v) for v in values)
    if len(cuts) != 3:
        raise Invalid(f"{name} should be three cuts (Partially meets, Meets, Exceeds), got {len(cuts)}", name)
    if not all(np.isfinite(cuts)) or any(b <= a for a, b in zip(cuts, cuts[1:])):
        raise Invalid(f"{name} should be strictly increasing numbers, got {list(cuts)}", name)
    if cuts[0] <= low or cuts[-1] >= high:
        raise Invalid(f"{name} should lie between {low:g} and {high:g}, got {list(cuts)}", name)
    return cuts


def save_report_settings(session: Session, settings: ReportSettings) -> ReportSettings:
    """Check and store the district's settings (not committed); Invalid names the bad field."""
    if settings.method not in REPORT_METHODS:
        raise Invalid(f"unknown method {settings.method!r}; expected one of {', '.join(REPORT_METHODS)}", "method")
    if not (0.0 < float(settings.decay_weight) <= 1.0):
        raise Invalid(f"decay_weight should be in (0, 1], got {settings.decay_weight}", "decay_weight")
    theta = _cuts(settings.theta_cuts, "theta_cuts", -6.0, 6.0) if len(settings.theta_cuts) else ()
    percent = _cuts(settings.percent_cuts, "percent_cuts", 0.0, 100.0)
    row = session.get(ReportSetting, 1) or ReportSetting(id=1)
    row.method, row.decay_weight = settings.method, float(settings.decay_weight)
    row.theta_cuts, row.percent_cuts = list(theta), list(percent)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return report_settings(session)


def get_term(session: Session, term_id: int) -> AcademicSession:
    """The academic session ``term_id`` (NotFound otherwise)."""
    term = session.get(AcademicSession, term_id)
    if term is None:
        raise NotFound(f"no term (academic session) with id {term_id}")
    return term


def report_term(session: Session, term_id: int | None, today: date) -> AcademicSession | None:
    """The term a report covers: ``term_id``'s when given (NotFound otherwise), else the current term.

    The current term is the academic session (not retired) that contains
    ``today``, the shortest when several do (a grading period inside its
    semester inside its school year); else the one that ended last; None
    when no term has ended or begun.  The progress report and the report
    card resolve their ``?term=`` with it.
    """
    if term_id is not None:
        return get_term(session, term_id)
    terms = session.exec(select(AcademicSession).where(~AcademicSession.retired)).all()
    current = [t for t in terms if t.start_date <= today <= t.end_date]
    if current:
        return min(current, key=lambda t: (t.end_date - t.start_date, -t.start_date.toordinal(), t.id))
    ended = [t for t in terms if t.end_date < today]
    if ended:
        return max(ended, key=lambda t: (t.end_date, t.start_date, t.id))
    return None


def set_comment(
    session: Session, *, student_id: int, standard_id: int, term_id: int, text: str, author_id: int | None
) -> ReportComment | None:
    """Write (or with empty ``text`` remove) a comment (not committed); returns the row or None."""
    if session.get(Student, student_id) is None:
        raise NotFound(f"no student with id {student_id}")
    if session.get(Standard, standard_id) is None:
        raise NotFound(f"no standard with id {standard_id}")
    get_term(session, term_id)
    text = text.strip()
    if len(text) > COMMENT_LENGTH:
        raise Invalid(f"a comment is at most {COMMENT_LENGTH} characters, got {len(text)}", "text")
    row = session.exec(
        select(ReportComment).where(
            ReportComment.student_id == student_id,
            ReportComment.standard_id == standard_id,
            ReportComment.session_id == term_id,
        )
    ).first()
    if not text:
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    row = row or ReportComment(student_id=student_id, standard_id=standard_id, session_id=term_id, text=text)
    row.text, row.author_id, row.updated_at = text, author_id, utcnow()
    session.add(row)
    session.flush()
    return row


def comments_for(session: Session, student_ids: Sequence[int], term_id: int | None) -> list[ReportComment]:
    """Comments on the students (in the term, or in every term when None), newest first."""
    if not student_ids:
        return []
    stmt = select(ReportComment).where(ReportComment.student_id.in_(list(student_ids)))
    if term_id is not None:
        stmt = stmt.where(ReportComment.session_id == term_id)
    return list(session.exec(stmt.order_by(ReportComment.updated_at.desc())).all())
