"""Classes and enrollments.  A teacher sees and manages only their classes."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import func, select

from itembank.people import class_student_ids, create_class, enroll, get_class, get_teacher, list_classes, unenroll
from itembank.tables import Enrollment, SchoolClass, Student
from service.access import class_for, forbid
from service.deps import Admin, Page, SessionDep, Staff
from service.routers.errors import errors
from service.routers.params import IdPath, IdQuery
from service.routers.people import student_public
from service.schemas import ClassCreate, ClassPublic, ClassUpdate, EnrollmentCreate, Paged, StudentPublic

router = APIRouter(prefix="/classes", tags=["classes"], responses=errors(401, 422))


def class_public(session, row: SchoolClass, counts: dict[int, int] | None = None) -> ClassPublic:
    n = counts.get(row.id, 0) if counts is not None else len(class_student_ids(session, row.id))
    return ClassPublic(
        id=row.id,
        name=row.name,
        teacher_id=row.teacher_id,
        grade=row.grade,
        subject=row.subject,
        retired=row.retired,
        n_students=n,
    )


@router.get(
    "", response_model=Paged[ClassPublic], summary="List classes (a teacher: only theirs)", responses=errors(403)
)
def list_(session: SessionDep, user: Staff, page: Page, teacher_id: IdQuery = None, include_retired: bool = False):
    if user.role == "teacher":
        if user.teacher_id is None:
            raise forbid("this teacher login is not linked to a teacher")
        teacher_id = user.teacher_id
    rows, total = list_classes(
        session, teacher_id=teacher_id, include_retired=include_retired, limit=page.limit, offset=page.offset
    )
    ids = [r.id for r in rows]
    counts = (
        dict(
            session.exec(
                select(Enrollment.class_id, func.count())
                .where(Enrollment.class_id.in_(ids))
                .group_by(Enrollment.class_id)
            ).all()
        )
        if ids
        else {}
    )
    return Paged(
        items=[class_public(session, r, counts) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.post("", response_model=ClassPublic, status_code=201, summary="Create a class", responses=errors(400, 403, 404))
def create(body: ClassCreate, session: SessionDep, _: Admin):
    row = create_class(session, **body.model_dump())
    session.commit()
    return class_public(session, row)


@router.get("/{class_id}", response_model=ClassPublic, summary="Read a class", responses=errors(403, 404))
def read(class_id: IdPath, session: SessionDep, user: Staff):
    return class_public(session, class_for(session, user, class_id))


@router.patch("/{class_id}", response_model=ClassPublic, summary="Update a class", responses=errors(400, 403, 404))
def update(class_id: IdPath, body: ClassUpdate, session: SessionDep, _: Admin):
    row = get_class(session, class_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("teacher_id") is not None:
        get_teacher(session, changes["teacher_id"])
    for name, value in changes.items():
        if value is not None or name == "grade":
            setattr(row, name, value)
    session.add(row)
    session.commit()
    return class_public(session, row)


@router.post("/{class_id}/retire", response_model=ClassPublic, summary="Retire a class", responses=errors(403, 404))
def retire(class_id: IdPath, session: SessionDep, _: Admin):
    row = get_class(session, class_id)
    row.retired = True
    session.add(row)
    session.commit()
    return class_public(session, row)


@router.get(
    "/{class_id}/students",
    response_model=list[StudentPublic],
    summary="The students of a class",
    responses=errors(403, 404),
)
def students(class_id: IdPath, session: SessionDep, user: Staff):
    class_for(session, user, class_id)
    ids = class_student_ids(session, class_id)
    rows = (
        session.exec(select(Student).where(Student.id.in_(ids)).order_by(Student.last_name, Student.first_name)).all()
        if ids
        else []
    )
    return [student_public(r) for r in rows]


@router.post(
    "/{class_id}/students",
    response_model=list[StudentPublic],
    status_code=201,
    summary="Enroll a student",
    responses=errors(400, 403, 404),
)
def add_student(class_id: IdPath, body: EnrollmentCreate, session: SessionDep, _: Admin):
    enroll(session, class_id, body.student_id)
    session.commit()
    return students(class_id, session, _)


@router.delete(
    "/{class_id}/students/{student_id}", status_code=204, summary="Unenroll a student", responses=errors(403, 404)
)
def remove_student(class_id: IdPath, student_id: IdPath, session: SessionDep, _: Admin):
    unenroll(session, class_id, student_id)
    session.commit()
