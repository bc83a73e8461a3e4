"""Which students a guardian's login is responsible for (OneRoster's parent/guardian agents, or an admin's links)."""

from __future__ import annotations

from sqlmodel import Session, select

from itembank.district import Guardian, GuardianStudent
from itembank.errors import NotFound
from itembank.tables import Student, User

__all__ = ["guardian_of_login", "guards", "children_of", "link_guardian"]


def guardian_of_login(session: Session, user_id: int) -> int | None:
    """The guardian id a login links (None for a login of another kind, or a retired guardian)."""
    row = session.exec(
        select(Guardian.id).join(User, User.guardian_id == Guardian.id).where(User.id == user_id, ~Guardian.retired)
    ).first()
    return row


def guards(session: Session, guardian_id: int, student_id: int) -> bool:
    """Whether the guardian is responsible for the student."""
    return session.get(GuardianStudent, (guardian_id, student_id)) is not None


def children_of(session: Session, guardian_id: int) -> list[Student]:
    """The guardian's students (retired ones left out), by name."""
    rows = session.exec(
        select(Student)
        .join(GuardianStudent, GuardianStudent.student_id == Student.id)
        .where(GuardianStudent.guardian_id == guardian_id, ~Student.retired)
    ).all()
    return sorted(rows, key=lambda s: (s.last_name, s.first_name, s.id))


def link_guardian(session: Session, guardian_id: int, student_id: int, relationship: str = "guardian") -> None:
    """Make the guardian responsible for the student (not committed; nothing when already linked)."""
    if session.get(Guardian, guardian_id) is None:
        raise NotFound(f"no guardian with id {guardian_id}")
    if session.get(Student, student_id) is None:
        raise NotFound(f"no student with id {student_id}")
    if not guards(session, guardian_id, student_id):
        session.add(GuardianStudent(guardian_id=guardian_id, student_id=student_id, relationship=relationship))
        session.flush()
