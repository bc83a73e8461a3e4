"""Who may read a student's progress report: the student, their guardians, their teachers, their principals, admins.

Everyone else gets a 403 (after a 404 for an unknown student).  A guardian's
login is linked to its guardian record; the guardian reads the reports of
the students they are responsible for and nothing else.  A teacher who
leads schools (a principal) reads the reports of the students enrolled in a
class of those schools.
"""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlmodel import Session

from itembank.errors import NotFound
from itembank.guardianship import guardian_of_login, guards
from itembank.people import get_student, teacher_has_student
from itembank.school_leaders import leads_student
from itembank.tables import Student
from service.access import forbid
from service.security import TokenClaims
from service.words import Words

__all__ = ["report_student_for"]


def report_student_for(session: Session, user: TokenClaims, student_id: int) -> Student:
    """The student ``student_id`` if ``user`` may read their report (404, then 403; a page translates the words)."""
    try:
        student = get_student(session, student_id)
    except NotFound as err:
        raise HTTPException(status.HTTP_404_NOT_FOUND, Words("no student with id %(id)s", id=student_id)) from err
    if user.role == "admin":
        return student
    if user.role == "student" and user.student_id == student_id:
        return student
    if (
        user.role == "teacher"
        and user.teacher_id is not None
        and (
            teacher_has_student(session, user.teacher_id, student_id)
            or leads_student(session, user.teacher_id, student_id)
        )
    ):
        return student
    if user.role == "guardian":
        guardian = guardian_of_login(session, user.user_id)
        if guardian is not None and guards(session, guardian, student_id):
            return student
        raise forbid(Words("a guardian reads only the reports of their own children"))
    raise forbid(Words("you may not read the report of student %(id)s", id=student_id))
