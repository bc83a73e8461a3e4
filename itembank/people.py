"""Students, teachers, classes, enrollments and user logins.

A class's teachers are its lead (``SchoolClass.teacher_id``) and every
teacher assigned to it (:class:`itembank.district.ClassTeacher`, several for
a co-taught class); a teacher sees the classes they teach in either way.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlmodel import Session, func, or_, select

from itembank.district import ClassTeacher, Guardian
from itembank.errors import Invalid, NotFound
from itembank.passwords import hash_password
from itembank.tables import Enrollment, Role, SchoolClass, Student, Teacher, User

__all__ = [
    "NO_PASSWORD",
    "get_student",
    "create_student",
    "list_students",
    "get_teacher",
    "create_teacher",
    "get_class",
    "create_class",
    "list_classes",
    "enroll",
    "unenroll",
    "class_student_ids",
    "teaches_class",
    "teacher_has_student",
    "create_user",
    "find_user",
    "student_name",
]


#: The password hash of a login that has no password yet (made from a roster): no password
#: verifies against it, so the login is unusable until an admin sets one.
NO_PASSWORD = "!"


def _taught_by(teacher_id: int) -> ColumnElement[bool]:
    """The condition on :class:`SchoolClass` rows: ``teacher_id`` teaches the class."""
    assigned = select(ClassTeacher.class_id).where(ClassTeacher.teacher_id == teacher_id)
    return or_(SchoolClass.teacher_id == teacher_id, SchoolClass.id.in_(assigned))


def get_student(session: Session, student_id: int) -> Student:
    row = session.get(Student, student_id)
    if row is None:
        raise NotFound(f"no student with id {student_id}")
    return row


def student_name(student: Student) -> str:
    """``First Last`` or the external id when the student has no name."""
    name = f"{student.first_name} {student.last_name}".strip()
    return name or student.external_id


def create_student(
    session: Session, *, external_id: str, first_name: str = "", last_name: str = "", grade: int | None = None
) -> Student:
    if session.exec(select(Student.id).where(Student.external_id == external_id)).first() is not None:
        raise Invalid(f"a student with external id {external_id} already exists", "external_id")
    row = Student(external_id=external_id, first_name=first_name, last_name=last_name, grade=grade)
    session.add(row)
    session.flush()
    return row


def list_students(
    session: Session,
    *,
    teacher_id: int | None = None,
    class_id: int | None = None,
    include_retired: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Student], int]:
    """A page of students (of one teacher's classes, or one class) and the total."""
    stmt = select(Student)
    if teacher_id is not None or class_id is not None:
        sub = select(Enrollment.student_id).join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        if teacher_id is not None:
            sub = sub.where(_taught_by(teacher_id))
        if class_id is not None:
            sub = sub.where(Enrollment.class_id == class_id)
        stmt = stmt.where(Student.id.in_(sub))
    if not include_retired:
        stmt = stmt.where(Student.retired == False)  # noqa: E712
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(Student.last_name, Student.first_name, Student.id).offset(offset).limit(limit)
    ).all()
    return list(rows), int(total)


def get_teacher(session: Session, teacher_id: int) -> Teacher:
    row = session.get(Teacher, teacher_id)
    if row is None:
        raise NotFound(f"no teacher with id {teacher_id}")
    return row


def create_teacher(session: Session, *, name: str, email: str = "") -> Teacher:
    row = Teacher(name=name, email=email)
    session.add(row)
    session.flush()
    return row


def get_class(session: Session, class_id: int) -> SchoolClass:
    row = session.get(SchoolClass, class_id)
    if row is None:
        raise NotFound(f"no class with id {class_id}")
    return row


def create_class(
    session: Session, *, name: str, teacher_id: int, grade: int | None = None, subject: str = "mathematics"
) -> SchoolClass:
    get_teacher(session, teacher_id)
    row = SchoolClass(name=name, teacher_id=teacher_id, grade=grade, subject=subject)
    session.add(row)
    session.flush()
    return row


def list_classes(
    session: Session,
    *,
    teacher_id: int | None = None,
    student_id: int | None = None,
    include_retired: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[SchoolClass], int]:
    stmt = select(SchoolClass)
    if teacher_id is not None:
        stmt = stmt.where(_taught_by(teacher_id))
    if student_id is not None:
        stmt = stmt.where(SchoolClass.id.in_(select(Enrollment.class_id).where(Enrollment.student_id == student_id)))
    if not include_retired:
        stmt = stmt.where(SchoolClass.retired == False)  # noqa: E712
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(SchoolClass.name, SchoolClass.id).offset(offset).limit(limit)).all()
    return list(rows), int(total)


def class_student_ids(session: Session, class_id: int) -> list[int]:
    """Ids of the (non-retired) students enrolled in a class, in id order."""
    stmt = (
        select(Enrollment.student_id)
        .join(Student, Student.id == Enrollment.student_id)
        .where(Enrollment.class_id == class_id, Student.retired == False)  # noqa: E712
        .order_by(Enrollment.student_id)
    )
    return list(session.exec(stmt).all())


def enroll(session: Session, class_id: int, student_id: int) -> Enrollment:
    get_class(session, class_id)
    get_student(session, student_id)
    row = session.get(Enrollment, (class_id, student_id))
    if row is None:
        row = Enrollment(class_id=class_id, student_id=student_id)
        session.add(row)
        session.flush()
    return row


def unenroll(session: Session, class_id: int, student_id: int) -> None:
    row = session.get(Enrollment, (class_id, student_id))
    if row is None:
        raise NotFound(f"student {student_id} is not enrolled in class {class_id}")
    session.delete(row)
    session.flush()


def teaches_class(session: Session, teacher_id: int, class_id: int) -> bool:
    """Whether the teacher leads the class or is assigned to it."""
    stmt = select(SchoolClass.id).where(SchoolClass.id == class_id, _taught_by(teacher_id))
    return session.exec(stmt).first() is not None


def teacher_has_student(session: Session, teacher_id: int, student_id: int) -> bool:
    """Whether the student is enrolled in one of the teacher's classes."""
    stmt = (
        select(Enrollment.student_id)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(_taught_by(teacher_id), Enrollment.student_id == student_id)
    )
    return session.exec(stmt).first() is not None


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    student_id: int | None = None,
    teacher_id: int | None = None,
    guardian_id: int | None = None,
    password_hash: str | None = None,
    demo: bool = False,
) -> User:
    """Add a login; a student login links a student, a teacher login a teacher, a guardian login a guardian.

    ``demo`` marks a demo login, which only a server in demo mode accepts.
    """
    if role not in {r.value for r in Role}:
        raise Invalid(f"role must be one of {', '.join(r.value for r in Role)}", "role")
    if find_user(session, username) is not None:
        raise Invalid(f"username {username} is taken", "username")
    if role == Role.student.value:
        if student_id is None:
            raise Invalid("a student login needs student_id", "student_id")
        get_student(session, student_id)
    elif student_id is not None:
        raise Invalid("only a student login links a student", "student_id")
    if role == Role.teacher.value:
        if teacher_id is None:
            raise Invalid("a teacher login needs teacher_id", "teacher_id")
        get_teacher(session, teacher_id)
    elif teacher_id is not None:
        raise Invalid("only a teacher login links a teacher", "teacher_id")
    if role == Role.guardian.value:
        if guardian_id is None:
            raise Invalid("a guardian login needs guardian_id", "guardian_id")
        if session.get(Guardian, guardian_id) is None:
            raise NotFound(f"no guardian with id {guardian_id}")
    elif guardian_id is not None:
        raise Invalid("only a guardian login links a guardian", "guardian_id")
    row = User(
        username=username,
        password_hash=password_hash or hash_password(password),
        role=role,
        student_id=student_id,
        teacher_id=teacher_id,
        guardian_id=guardian_id,
        demo=demo,
    )
    session.add(row)
    session.flush()
    return row
