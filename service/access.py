"""Who may see which student or class (raising 403 otherwise).

* admin and psychometrician: everyone;
* teacher: the students enrolled in their classes, and their classes;
* a teacher who leads schools (a principal): besides, reads the trackers of
  the classes of those schools (:func:`class_to_read`; acting on a class
  stays with its teachers) and the school view of those schools
  (:func:`schools_to_view`);
* student: themselves only, no class.

Existence is checked first (404 for an unknown id), then access (403).
"""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlmodel import Session

from itembank.district import School
from itembank.errors import NotFound
from itembank.people import get_class, get_student, teacher_has_student, teaches_class
from itembank.school_leaders import leads_class, schools_led
from itembank.tables import SchoolClass, Student
from service.security import TokenClaims

__all__ = [
    "forbid",
    "student_for",
    "may_see_student",
    "class_for",
    "class_to_read",
    "schools_to_view",
    "is_bank_keeper",
]


def forbid(message: str) -> HTTPException:
    return HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=message)


def is_bank_keeper(user: TokenClaims) -> bool:
    return user.role in ("admin", "psychometrician")


def student_for(session: Session, user: TokenClaims, student_id: int) -> Student:
    """The student ``student_id`` if ``user`` may see them (404, then 403)."""
    if user.role == "student" and user.student_id != student_id:
        get_student(session, student_id)  # 404 for an unknown id, before the 403
        raise forbid("a student sees only their own records")
    student = get_student(session, student_id)
    if is_bank_keeper(user):
        return student
    if user.role == "student":
        if user.student_id != student_id:
            raise forbid("a student sees only their own records")
        return student
    if (
        user.role == "teacher"
        and user.teacher_id is not None
        and teacher_has_student(session, user.teacher_id, student_id)
    ):
        return student
    raise forbid(f"student {student_id} is not in one of your classes")


def may_see_student(session: Session, user: TokenClaims, student_id: int) -> None:
    """Like :func:`student_for` without loading the row when the token says enough.

    A student's own id needs no query (their token was made from their
    login, which links that student).
    """
    if user.role == "student" and user.student_id == student_id:
        return
    student_for(session, user, student_id)


def class_for(session: Session, user: TokenClaims, class_id: int) -> SchoolClass:
    """The class ``class_id`` if ``user`` may see it (404, then 403)."""
    row = get_class(session, class_id)
    if is_bank_keeper(user):
        return row
    if user.role == "teacher" and user.teacher_id is not None and teaches_class(session, user.teacher_id, class_id):
        return row
    raise forbid(f"class {class_id} is not one of your classes")


def class_to_read(session: Session, user: TokenClaims, class_id: int) -> SchoolClass:
    """Like :func:`class_for`, also admitting a leader of the class's school: for reading its tracker."""
    row = get_class(session, class_id)
    if is_bank_keeper(user):
        return row
    if user.role == "teacher" and user.teacher_id is not None:
        if teaches_class(session, user.teacher_id, class_id) or leads_class(session, user.teacher_id, class_id):
            return row
    raise forbid(f"class {class_id} is not one of your classes nor a class of a school you lead")


def schools_to_view(session: Session, user: TokenClaims, school_id: int | None = None) -> list[int] | None:
    """The schools ``user`` sees in the school view (None: all), or only ``school_id`` (404, then 403).

    An admin sees every school; a teacher who leads schools sees those;
    anyone else is refused.
    """
    if school_id is not None and session.get(School, school_id) is None:
        raise NotFound(f"no school with id {school_id}")
    if user.role == "admin":
        return None if school_id is None else [school_id]
    led = schools_led(session, user.teacher_id) if user.role == "teacher" and user.teacher_id is not None else []
    if not led:
        raise forbid("the school view is for admins and the principals of schools; you lead no school")
    if school_id is None:
        return led
    if school_id not in led:
        raise forbid(f"school {school_id} is not a school you lead")
    return [school_id]
