"""Who may use which form, assignment, attempt and team (raising 403 otherwise).

The rules of assessments given to classes, beside :mod:`service.access`:

* admin: everything;
* teacher: forms they own or their teams own; giving to the classes they
  teach and to their teams' classes; an assignment they made, or that
  reached a class they teach or one of their students (per-student rows and
  actions only for their own students, unless they made it); their
  students' attempts; their teams and the team's class-level data;
* student: the assignments that reached them and their own attempts;
* every other role: 403.

Existence is checked first (404 for an unknown id), then access (403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session, or_, select

from itembank.assessments import AssessmentForm, Assignment, AssignmentStudent, Attempt, Team
from itembank.assignments import get_assignment
from itembank.attempts import get_attempt
from itembank.district import ClassTeacher
from itembank.forms import get_form
from itembank.people import get_class, teacher_has_student, teaches_class
from itembank.tables import Enrollment, SchoolClass
from itembank.teams import get_team, is_member, team_class_ids, teams_of_teacher
from service.access import forbid
from service.deps import require
from service.security import TokenClaims

#: teachers and admins: the roles that give work to classes (psychometricians and others: 403)
Teaching = Annotated[TokenClaims, Depends(require("admin", "teacher"))]

__all__ = [
    "Teaching",
    "team_ids_of",
    "form_for",
    "givable_class",
    "assignment_for",
    "manages_assignment",
    "student_rows_visible",
    "attempt_for",
    "team_for",
    "own_student_ids",
    "taught_class_ids",
]


def _teacher(user: TokenClaims) -> int | None:
    return user.teacher_id if user.role == "teacher" else None


def team_ids_of(session: Session, user: TokenClaims) -> list[int]:
    """The teams of a teacher (empty for anyone else)."""
    teacher_id = _teacher(user)
    return [] if teacher_id is None else [t.id for t in teams_of_teacher(session, teacher_id)]


def form_for(session: Session, user: TokenClaims, form_id: int) -> AssessmentForm:
    """The form if ``user`` may use it: its owner, a member of its team, or an admin."""
    form = get_form(session, form_id)
    if user.role == "admin":
        return form
    teacher_id = _teacher(user)
    if teacher_id is not None:
        if form.owner_teacher_id == teacher_id:
            return form
        if form.team_id is not None and is_member(session, form.team_id, teacher_id):
            return form
    raise forbid(f"form {form_id} is not yours or your team's")


def givable_class(session: Session, user: TokenClaims, class_id: int) -> None:
    """Refuse a class the user may not give work to: a teacher gives to their classes and their teams'."""
    get_class(session, class_id)
    if user.role == "admin":
        return
    teacher_id = _teacher(user)
    if teacher_id is not None:
        if teaches_class(session, teacher_id, class_id):
            return
        if any(class_id in team_class_ids(session, team_id) for team_id in team_ids_of(session, user)):
            return
    raise forbid(f"class {class_id} is not one of your classes or your teams' classes")


def _reaches_teacher(session: Session, assignment_id: int, teacher_id: int) -> bool:
    """Whether the assignment reached a class the teacher teaches or one of their students."""
    classes = select(AssignmentStudent.class_id).where(AssignmentStudent.assignment_id == assignment_id)
    taught = session.exec(
        select(SchoolClass.id).where(SchoolClass.id.in_(classes), SchoolClass.id.in_(taught_class_ids(teacher_id)))
    ).first()
    if taught is not None:
        return True
    students = select(AssignmentStudent.student_id).where(AssignmentStudent.assignment_id == assignment_id)
    mine = session.exec(
        select(Enrollment.student_id).where(
            Enrollment.student_id.in_(students), Enrollment.class_id.in_(taught_class_ids(teacher_id))
        )
    ).first()
    return mine is not None


def taught_class_ids(teacher_id: int):
    """The ids of the classes a teacher teaches (lead or assigned), as a subquery."""
    assigned = select(ClassTeacher.class_id).where(ClassTeacher.teacher_id == teacher_id)
    return select(SchoolClass.id).where(or_(SchoolClass.teacher_id == teacher_id, SchoolClass.id.in_(assigned)))


def assignment_for(session: Session, user: TokenClaims, assignment_id: int) -> Assignment:
    """The assignment if ``user`` may see it."""
    assignment = get_assignment(session, assignment_id)
    if user.role == "admin":
        return assignment
    if user.role == "student" and user.student_id is not None:
        if session.get(AssignmentStudent, (assignment_id, user.student_id)) is not None:
            return assignment
        raise forbid(f"assignment {assignment_id} was not given to you")
    teacher_id = _teacher(user)
    if teacher_id is not None and (
        assignment.teacher_id == teacher_id or _reaches_teacher(session, assignment_id, teacher_id)
    ):
        return assignment
    raise forbid(f"assignment {assignment_id} is not yours and reached none of your classes")


def manages_assignment(session: Session, user: TokenClaims, assignment_id: int) -> Assignment:
    """The assignment if ``user`` may change it for everyone: the teacher who made it, or an admin."""
    assignment = assignment_for(session, user, assignment_id)
    if user.role == "admin" or (user.role == "teacher" and assignment.teacher_id == user.teacher_id):
        return assignment
    raise forbid(f"only the teacher who made assignment {assignment_id} changes it for everyone")


def student_rows_visible(session: Session, user: TokenClaims, student_id: int) -> bool:
    """Whether ``user`` sees the student's own rows (an admin, or one of their teacher's students)."""
    if user.role == "admin":
        return True
    teacher_id = _teacher(user)
    return teacher_id is not None and teacher_has_student(session, teacher_id, student_id)


def own_student_ids(session: Session, user: TokenClaims, student_ids: list[int]) -> list[int]:
    """The students of ``student_ids`` whose rows ``user`` sees."""
    if user.role == "admin":
        return list(student_ids)
    teacher_id = _teacher(user)
    if teacher_id is None or not student_ids:
        return []
    stmt = select(Enrollment.student_id).where(
        Enrollment.student_id.in_(student_ids), Enrollment.class_id.in_(taught_class_ids(teacher_id))
    )
    return sorted(set(session.exec(stmt).all()))


def attempt_for(session: Session, user: TokenClaims, attempt_id: int) -> Attempt:
    """The attempt if ``user`` may see it: the student's own, their teacher's, or an admin."""
    attempt = get_attempt(session, attempt_id)
    if user.role == "student":
        if user.student_id == attempt.student_id:
            return attempt
        raise forbid("this is not your attempt")
    if student_rows_visible(session, user, attempt.student_id):
        return attempt
    raise forbid(f"attempt {attempt_id} is not one of your students'")


def team_for(session: Session, user: TokenClaims, team_id: int) -> Team:
    """The team if ``user`` belongs to it (or is an admin)."""
    team = get_team(session, team_id)
    if user.role == "admin":
        return team
    teacher_id = _teacher(user)
    if teacher_id is not None and is_member(session, team_id, teacher_id):
        return team
    raise forbid(f"team {team_id} is not one of your teams")
