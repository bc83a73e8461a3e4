"""Which schools a teacher's login leads as a principal, and what that leadership reaches.

A principal is a teacher login with :class:`~itembank.district.SchoolLeader`
rows (from a OneRoster ``principal`` user, or appointed by an admin).  The
leadership reaches the schools' classes (a class whose ``school_id`` is a
school led) and the students enrolled in those classes; what a leader may
do with them is the service's business (:mod:`service.access`).
"""

from __future__ import annotations

from sqlmodel import Session, select

from itembank.district import School, SchoolLeader
from itembank.errors import NotFound
from itembank.tables import Enrollment, SchoolClass, Teacher

__all__ = [
    "schools_led",
    "leads_any_school",
    "leads_school",
    "leads_class",
    "leads_student",
    "leaders_by_school",
    "appoint_leader",
    "remove_leader",
]


def schools_led(session: Session, teacher_id: int) -> list[int]:
    """Ids of the schools the teacher leads, in id order (empty for a teacher who leads none)."""
    stmt = select(SchoolLeader.school_id).where(SchoolLeader.teacher_id == teacher_id).order_by(SchoolLeader.school_id)
    return list(session.exec(stmt).all())


def leads_any_school(session: Session, teacher_id: int) -> bool:
    """Whether the teacher leads at least one school."""
    return session.exec(select(SchoolLeader.school_id).where(SchoolLeader.teacher_id == teacher_id)).first() is not None


def leads_school(session: Session, teacher_id: int, school_id: int) -> bool:
    """Whether the teacher leads the school."""
    return session.get(SchoolLeader, (teacher_id, school_id)) is not None


def leads_class(session: Session, teacher_id: int, class_id: int) -> bool:
    """Whether the class belongs to a school the teacher leads (a class of no school belongs to none)."""
    stmt = (
        select(SchoolClass.id)
        .join(SchoolLeader, SchoolLeader.school_id == SchoolClass.school_id)
        .where(SchoolClass.id == class_id, SchoolLeader.teacher_id == teacher_id)
    )
    return session.exec(stmt).first() is not None


def leads_student(session: Session, teacher_id: int, student_id: int) -> bool:
    """Whether the student is enrolled in a class of a school the teacher leads."""
    stmt = (
        select(Enrollment.student_id)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .join(SchoolLeader, SchoolLeader.school_id == SchoolClass.school_id)
        .where(Enrollment.student_id == student_id, SchoolLeader.teacher_id == teacher_id)
    )
    return session.exec(stmt).first() is not None


def leaders_by_school(session: Session) -> dict[int, list[Teacher]]:
    """Each school's leaders, by name (schools without a leader left out)."""
    rows = session.exec(
        select(SchoolLeader.school_id, Teacher)
        .join(Teacher, Teacher.id == SchoolLeader.teacher_id)
        .order_by(Teacher.name, Teacher.id)
    ).all()
    out: dict[int, list[Teacher]] = {}
    for school_id, teacher in rows:
        out.setdefault(school_id, []).append(teacher)
    return out


def appoint_leader(session: Session, teacher_id: int, school_id: int) -> bool:
    """Make the teacher a leader of the school (not committed); False when they already lead it.

    Raises
    ------
    NotFound
        For an unknown teacher or school.
    """
    if session.get(Teacher, teacher_id) is None:
        raise NotFound(f"no teacher with id {teacher_id}")
    if session.get(School, school_id) is None:
        raise NotFound(f"no school with id {school_id}")
    if leads_school(session, teacher_id, school_id):
        return False
    session.add(SchoolLeader(teacher_id=teacher_id, school_id=school_id))
    session.flush()
    return True


def remove_leader(session: Session, teacher_id: int, school_id: int) -> None:
    """End the teacher's leadership of the school (not committed).

    Raises
    ------
    NotFound
        When the teacher does not lead the school.
    """
    row = session.get(SchoolLeader, (teacher_id, school_id))
    if row is None:
        raise NotFound(f"teacher {teacher_id} does not lead school {school_id}")
    session.delete(row)
    session.flush()
