"""Mastery reports and morning work: per student, per class grid, three tiers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from sqlmodel import select

from itembank.mastery_store import ReportCell, class_grid, student_report
from itembank.people import class_student_ids, student_name
from itembank.tables import Student
from service.access import class_for, student_for
from service.deps import CurrentUser, SessionDep, Staff
from service.schemas import ClassGrid, GridStandard, GridStudent, MasteryCell, StudentMastery

router = APIRouter(tags=["mastery"])


def cell_public(c: ReportCell) -> MasteryCell:
    return MasteryCell(
        standard_id=c.standard_id, code=c.code, level=c.level, theta=c.theta, se=c.se, band=c.band,
        p_mastery=c.p_mastery, n_evidence=c.n_evidence, last_assessed=c.last_assessed,
    )


@router.get("/students/{student_id}/mastery", response_model=StudentMastery,
            summary="A student's mastery per standard, rolled up the hierarchy")
def student_mastery(student_id: int, session: SessionDep, user: CurrentUser):
    student_for(session, user, student_id)
    return StudentMastery(student_id=student_id, standards=[cell_public(c) for c in student_report(session, student_id)])


@router.get("/classes/{class_id}/mastery", response_model=ClassGrid, summary="The tracker grid: students x standards with bands")
def class_mastery(
    class_id: int,
    session: SessionDep,
    user: Staff,
    level: Literal["objective", "indicator", "competency", "all"] = "objective",
    framework: str | None = None,
):
    class_for(session, user, class_id)
    ids = class_student_ids(session, class_id)
    students = {s.id: s for s in session.exec(select(Student).where(Student.id.in_(ids))).all()} if ids else {}
    ordered = sorted(ids, key=lambda i: (students[i].last_name, students[i].first_name, i))
    standards, cells = class_grid(session, ordered, level=None if level == "all" else level, framework=framework)
    return ClassGrid(
        class_id=class_id,
        students=[GridStudent(id=i, name=student_name(students[i])) for i in ordered],
        standards=[GridStandard(id=s.id, code=s.code, title=s.title, level=s.level) for s in standards],
        cells=[[cell_public(c) if c.band is not None else None for c in cells[i]] for i in ordered],
    )
