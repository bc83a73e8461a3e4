"""Students, teachers and user logins.

Admins manage people and logins, and the schools a teacher leads as a
principal.  A teacher lists the students of their classes; a student reads
only their own record.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import func, select

from itembank.people import create_student, create_teacher, create_user, get_student, get_teacher, list_students
from itembank.school_leaders import appoint_leader, remove_leader, schools_led
from itembank.tables import Teacher, User
from service.access import forbid, student_for
from service.deps import Admin, CurrentUser, Page, SessionDep, Staff
from service.routers.errors import errors
from service.routers.params import IdPath, IdQuery
from service.schemas import (
    Paged,
    StudentCreate,
    StudentPublic,
    StudentUpdate,
    TeacherCreate,
    TeacherPublic,
    UserCreate,
    UserPublic,
)

router = APIRouter(tags=["people"], responses=errors(401, 422))


def student_public(row) -> StudentPublic:
    return StudentPublic(
        id=row.id,
        external_id=row.external_id,
        first_name=row.first_name,
        last_name=row.last_name,
        grade=row.grade,
        retired=row.retired,
    )


@router.get(
    "/students",
    response_model=Paged[StudentPublic],
    summary="List students (a teacher: their classes' students)",
    responses=errors(403),
)
def list_students_(
    session: SessionDep, user: Staff, page: Page, class_id: IdQuery = None, include_retired: bool = False
):
    teacher_id = user.teacher_id if user.role == "teacher" else None
    if user.role == "teacher" and teacher_id is None:
        raise forbid("this teacher login is not linked to a teacher")
    rows, total = list_students(
        session,
        teacher_id=teacher_id,
        class_id=class_id,
        include_retired=include_retired,
        limit=page.limit,
        offset=page.offset,
    )
    return Paged(items=[student_public(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/students", response_model=StudentPublic, status_code=201, summary="Create a student", responses=errors(400, 403)
)
def create_student_(body: StudentCreate, session: SessionDep, _: Admin):
    row = create_student(session, **body.model_dump())
    session.commit()
    return student_public(row)


@router.get(
    "/students/{student_id}", response_model=StudentPublic, summary="Read a student", responses=errors(403, 404)
)
def read_student(student_id: IdPath, session: SessionDep, user: CurrentUser):
    return student_public(student_for(session, user, student_id))


@router.patch(
    "/students/{student_id}", response_model=StudentPublic, summary="Update a student", responses=errors(400, 403, 404)
)
def update_student(student_id: IdPath, body: StudentUpdate, session: SessionDep, _: Admin):
    row = get_student(session, student_id)
    for name, value in body.model_dump(exclude_unset=True).items():
        setattr(row, name, value if value is not None or name == "grade" else getattr(row, name))
    session.add(row)
    session.commit()
    return student_public(row)


@router.post(
    "/students/{student_id}/retire",
    response_model=StudentPublic,
    summary="Retire a student",
    responses=errors(403, 404),
)
def retire_student(student_id: IdPath, session: SessionDep, _: Admin):
    row = get_student(session, student_id)
    row.retired = True
    session.add(row)
    session.commit()
    return student_public(row)


@router.get("/teachers", response_model=Paged[TeacherPublic], summary="List teachers", responses=errors(403))
def list_teachers(session: SessionDep, _: Admin, page: Page):
    total = session.exec(select(func.count()).select_from(Teacher)).one()
    rows = session.exec(select(Teacher).order_by(Teacher.name, Teacher.id).offset(page.offset).limit(page.limit)).all()
    return Paged(
        items=[TeacherPublic(id=r.id, name=r.name, email=r.email) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/teachers", response_model=TeacherPublic, status_code=201, summary="Create a teacher", responses=errors(400, 403)
)
def create_teacher_(body: TeacherCreate, session: SessionDep, _: Admin):
    row = create_teacher(session, **body.model_dump())
    session.commit()
    return TeacherPublic(id=row.id, name=row.name, email=row.email)


@router.get(
    "/teachers/{teacher_id}", response_model=TeacherPublic, summary="Read a teacher", responses=errors(403, 404)
)
def read_teacher(teacher_id: IdPath, session: SessionDep, user: Staff):
    if user.role == "teacher" and user.teacher_id != teacher_id:
        raise forbid("a teacher reads only their own record")
    row = get_teacher(session, teacher_id)
    return TeacherPublic(id=row.id, name=row.name, email=row.email)


@router.get(
    "/teachers/{teacher_id}/schools-led",
    response_model=list[int],
    summary="The ids of the schools a teacher leads as a principal",
    responses=errors(403, 404),
)
def read_schools_led(teacher_id: IdPath, session: SessionDep, _: Admin):
    get_teacher(session, teacher_id)
    return schools_led(session, teacher_id)


@router.put(
    "/teachers/{teacher_id}/schools-led/{school_id}",
    status_code=204,
    summary="Make a teacher a principal of a school (nothing when they lead it already)",
    responses=errors(403, 404),
)
def appoint_principal(teacher_id: IdPath, school_id: IdPath, session: SessionDep, _: Admin):
    appoint_leader(session, teacher_id, school_id)
    session.commit()


@router.delete(
    "/teachers/{teacher_id}/schools-led/{school_id}",
    status_code=204,
    summary="End a teacher's leadership of a school",
    responses=errors(403, 404),
)
def remove_principal(teacher_id: IdPath, school_id: IdPath, session: SessionDep, _: Admin):
    remove_leader(session, teacher_id, school_id)
    session.commit()


def user_public(row: User) -> UserPublic:
    return UserPublic(
        id=row.id,
        username=row.username,
        role=row.role,
        student_id=row.student_id,
        teacher_id=row.teacher_id,
        active=row.active,
    )


@router.get("/users", response_model=Paged[UserPublic], summary="List logins", responses=errors(403))
def list_users(session: SessionDep, _: Admin, page: Page):
    total = session.exec(select(func.count()).select_from(User)).one()
    rows = session.exec(select(User).order_by(User.username).offset(page.offset).limit(page.limit)).all()
    return Paged(items=[user_public(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/users", response_model=UserPublic, status_code=201, summary="Create a login", responses=errors(400, 403, 404)
)
def create_user_(body: UserCreate, session: SessionDep, _: Admin):
    row = create_user(session, **body.model_dump())
    session.commit()
    return user_public(row)
