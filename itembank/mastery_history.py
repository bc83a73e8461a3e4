"""The history of stored mastery: every change of a student's band on a standard, dated by its evidence.

A :class:`MasteryBandChange` row is written by the database itself, in the
transaction that writes the :class:`~itembank.tables.Mastery` row: triggers
on ``mastery`` (migration ``0015_mastery_band_change``) add one when a row is
inserted (``old_band`` empty) and one when an update changes its band, dated
by the row's ``last_assessed`` (the time of the evidence, not of the write).
Every writer is covered alike: a check's answer (one statement on
PostgreSQL), a re-score, an import's estimates, the demo's backdated term.
Nothing is written while the band stays.

The bands at an earlier moment are the current bands with the changes since
then undone (:mod:`reporting.school_view`), so the cost grows with the changes of the
period, not with students x standards.

Beside them, the current counts by band on objectives, kept by more triggers
in the same transaction (migration ``0017_mastery_band_counts``): per student
(:class:`MasteryStudentCount`) and per objective (:class:`MasteryStandardCount`),
so that the schools' view sums a few rows a student or an objective instead of
reading every stored row.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from itembank.tables import BigId, UtcDateTime

__all__ = ["MasteryBandChange", "MasteryStudentCount", "MasteryStandardCount"]


class MasteryBandChange(SQLModel, table=True):
    """A student's band on a standard changed (or was first set) at ``changed_at``.

    No foreign keys: the row is written by a trigger of the ``mastery`` row,
    whose keys are checked already, on the answer's hot path.
    """

    __tablename__ = "mastery_band_change"

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    student_id: int
    standard_id: int
    #: the ``last_assessed`` of the mastery row: the time of the evidence that moved the band
    changed_at: datetime = Field(sa_type=UtcDateTime, index=True)
    #: None when the row was first written
    old_band: str | None = Field(default=None, max_length=16)
    new_band: str = Field(max_length=16)


class MasteryStudentCount(SQLModel, table=True):
    """How many objectives a student is in ``band`` on (kept by triggers, migration ``0017_mastery_band_counts``)."""

    __tablename__ = "mastery_student_count"

    student_id: int = Field(primary_key=True)
    band: str = Field(max_length=16, primary_key=True)
    n: int


class MasteryStandardCount(SQLModel, table=True):
    """How many students (with ``student_id % 16 == shard``) are in ``band`` on an objective (kept by triggers)."""

    __tablename__ = "mastery_standard_count"

    standard_id: int = Field(primary_key=True)
    band: str = Field(max_length=16, primary_key=True)
    shard: int = Field(primary_key=True)
    n: int
