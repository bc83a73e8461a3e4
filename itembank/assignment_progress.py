"""Where everyone stands on an assignment: the teacher's progress table and a student's to-do list.

Progress (:func:`assignment_progress`): one row per student the assignment
reached, with their status (``not_started``, ``in_progress``,
``submitted``, ``waiting_for_scoring`` while a written answer awaits its
rubric score), their attempts, and the points, band and P(mastery) of
their latest submitted attempt (on the assignment's standard, from that
attempt's answers alone).  A submitted student in the lowest band is "not
yet" there: the teacher may offer them a retake.

To-do (:func:`student_todo`): every assignment that reached a student,
with what they can do now: start it, resume their unfinished attempt,
retake it (or when a retake opens), review it, or nothing (closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from itembank.assessments import Assignment, AssignmentStudent
from itembank.assignments import (
    as_utc,
    assignments_of_student,
    feedback_released,
    recipients,
    student_deadline,
    window_problem,
)
from itembank.attempts import AttemptView, attempt_outcome, attempt_views, retake_problem
from itembank.bank import OperationalBank
from itembank.people import student_name
from itembank.tables import Standard, Student, utcnow

__all__ = ["ProgressStatus", "ProgressRow", "assignment_progress", "TodoEntry", "student_todo", "NOT_YET"]

#: The band of a student who is "not yet" there.
NOT_YET = "red"


class ProgressStatus:
    not_started = "not_started"
    in_progress = "in_progress"
    submitted = "submitted"
    waiting_for_scoring = "waiting_for_scoring"


@dataclass(frozen=True)
class ProgressRow:
    """One student's standing on an assignment."""

    student_id: int
    name: str
    external_id: str
    class_id: int | None
    status: str
    attempts: int
    attempt_id: int | None
    attempt_number: int | None
    mode: str | None
    label: str | None
    started_at: datetime | None
    submitted_at: datetime | None
    late: bool
    points: float | None
    max_points: int | None
    band: str | None
    p_mastery: float | None
    closes_at: datetime | None
    retake_offered: bool

    @property
    def not_yet(self) -> bool:
        """Submitted, and in the lowest band: a retake may help."""
        return self.band == NOT_YET and self.status in (ProgressStatus.submitted, ProgressStatus.waiting_for_scoring)


def _status(views: list[AttemptView], waiting: int) -> str:
    if not views:
        return ProgressStatus.not_started
    if not views[-1].submitted:
        return ProgressStatus.in_progress
    return ProgressStatus.waiting_for_scoring if waiting else ProgressStatus.submitted


def assignment_progress(
    session: Session, bank: OperationalBank | None, assignment: Assignment, student_ids: list[int] | None = None
) -> list[ProgressRow]:
    """A row per student the assignment reached (only ``student_ids`` when given), by last name."""
    reached = recipients(session, assignment.id)
    if student_ids is not None:
        wanted = set(student_ids)
        reached = [r for r in reached if r.student_id in wanted]
    ids = [r.student_id for r in reached]
    students = {s.id: s for s in session.exec(select(Student).where(Student.id.in_(ids))).all()} if ids else {}
    views = attempt_views(session, assignment.id, ids)
    rows = []
    for recipient in reached:
        mine = views.get(recipient.student_id, [])
        submitted = [v for v in mine if v.submitted]
        latest = mine[-1] if mine else None
        outcome = attempt_outcome(session, bank, assignment, submitted[-1]) if submitted else None
        student = students[recipient.student_id]
        offer = recipient.retake_offered_at
        pending_offer = offer is not None and not (
            latest is not None and latest.attempt.offered and as_utc(latest.attempt.started_at) >= as_utc(offer)
        )
        rows.append(
            ProgressRow(
                student_id=student.id,
                name=student_name(student),
                external_id=student.external_id,
                class_id=recipient.class_id,
                status=_status(mine, outcome.waiting_for_scoring if outcome else 0),
                attempts=len(mine),
                attempt_id=None if latest is None else latest.attempt.id,
                attempt_number=None if latest is None else latest.attempt.number,
                mode=None if latest is None else latest.attempt.mode,
                label=None if latest is None else latest.attempt.label,
                started_at=None if latest is None else latest.attempt.started_at,
                submitted_at=None if not submitted else submitted[-1].submitted_at,
                late=bool(submitted and submitted[-1].attempt.late),
                points=None if outcome is None else outcome.points,
                max_points=None if outcome is None else outcome.max_points,
                band=None if outcome is None else outcome.band,
                p_mastery=None if outcome is None else outcome.p_mastery,
                closes_at=student_deadline(assignment, recipient),
                retake_offered=pending_offer,
            )
        )
    return sorted(rows, key=lambda r: (r.name.split()[-1] if r.name else "", r.name, r.student_id))


@dataclass(frozen=True)
class TodoEntry:
    """One assignment on a student's list, and what they can do with it now."""

    assignment: Assignment
    recipient: AssignmentStudent
    standard: Standard | None
    status: str
    attempts: int
    attempt_id: int | None
    deadline: datetime | None
    late_now: bool
    can_start: bool
    blocked_by: str | None
    review_ready: bool
    points: float | None
    max_points: int | None
    band: str | None

    @property
    def to_do(self) -> bool:
        """Still to do: open and not started, or started and not finished."""
        return self.status == ProgressStatus.in_progress or (
            self.status == ProgressStatus.not_started and self.can_start
        )


def student_todo(
    session: Session, bank: OperationalBank | None, student_id: int, now: datetime | None = None
) -> list[TodoEntry]:
    """Every assignment that reached the student: to do first (soonest due first), then the rest, newest first."""
    now = as_utc(now or utcnow())
    entries = []
    for assignment, recipient in assignments_of_student(session, student_id):
        mine = attempt_views(session, assignment.id, [student_id]).get(student_id, [])
        submitted = [v for v in mine if v.submitted]
        outcome = attempt_outcome(session, bank, assignment, submitted[-1]) if submitted else None
        status = _status(mine, outcome.waiting_for_scoring if outcome else 0)
        if status == ProgressStatus.in_progress:
            problem, allowed = window_problem(assignment, recipient, now), True
        else:
            problem, _ = retake_problem(assignment, recipient, mine, now)
            allowed = problem is None
        everyone = recipients(session, assignment.id) if assignment.feedback == "on_close" else [recipient]
        entries.append(
            TodoEntry(
                assignment=assignment,
                recipient=recipient,
                standard=None if assignment.standard_id is None else session.get(Standard, assignment.standard_id),
                status=status,
                attempts=len(mine),
                attempt_id=mine[-1].attempt.id if mine else None,
                deadline=student_deadline(assignment, recipient),
                late_now=assignment.due_at is not None and now > as_utc(assignment.due_at),
                can_start=allowed and problem is None,
                blocked_by=problem,
                review_ready=bool(submitted) and feedback_released(assignment, everyone, submitted=True, now=now),
                points=None if outcome is None else outcome.points,
                max_points=None if outcome is None else outcome.max_points,
                band=None if outcome is None else outcome.band,
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    todo = sorted(
        (e for e in entries if e.to_do),
        key=lambda e: (as_utc(e.assignment.due_at) if e.assignment.due_at else far, e.assignment.id),
    )
    rest = [e for e in entries if not e.to_do]
    return todo + rest
