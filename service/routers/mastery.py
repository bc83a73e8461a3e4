"""Mastery reports and morning work: per student, per class grid, three tiers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from sqlmodel import select

from itembank.mastery_store import ReportCell, class_grid, student_report
from itembank.morning import plan_morning_work
from itembank.people import class_student_ids, student_name
from itembank.standards import find_standard
from itembank.tables import Student
from service.access import class_for, class_to_read, student_for
from service.deps import BankDep, CurrentUser, SessionDep, Staff
from service.routers.errors import errors
from service.routers.params import CodeQuery, IdPath
from service.schemas import (
    ClassGrid,
    GridStandard,
    GridStudent,
    ItemPublic,
    MasteryCell,
    MorningWork,
    MorningWorkIn,
    StudentMastery,
    Tier,
    TierStudent,
)

router = APIRouter(tags=["mastery"], responses=errors(401, 422))


def cell_public(c: ReportCell) -> MasteryCell:
    return MasteryCell(
        standard_id=c.standard_id,
        code=c.code,
        level=c.level,
        theta=c.theta,
        se=c.se,
        band=c.band,
        p_mastery=c.p_mastery,
        n_evidence=c.n_evidence,
        last_assessed=c.last_assessed,
    )


@router.get(
    "/students/{student_id}/mastery",
    response_model=StudentMastery,
    summary="A student's mastery per standard, rolled up the hierarchy",
    responses=errors(403, 404),
)
def student_mastery(student_id: IdPath, session: SessionDep, user: CurrentUser):
    student_for(session, user, student_id)
    return StudentMastery(
        student_id=student_id, standards=[cell_public(c) for c in student_report(session, student_id)]
    )


@router.get(
    "/classes/{class_id}/mastery",
    response_model=ClassGrid,
    summary="The tracker grid: students x standards with bands",
    responses=errors(403, 404),
)
def class_mastery(
    class_id: IdPath,
    session: SessionDep,
    user: Staff,
    level: Literal["objective", "indicator", "competency", "all"] = "objective",
    framework: CodeQuery = None,
):
    class_to_read(session, user, class_id)
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


@router.post(
    "/classes/{class_id}/morning-work",
    response_model=MorningWork,
    summary="Three tiers of morning work for a class on a standard (with keys)",
    responses=errors(400, 403, 404, 409),
)
def morning_work(class_id: IdPath, body: MorningWorkIn, session: SessionDep, user: Staff, bank: BankDep):
    class_for(session, user, class_id)
    standard = find_standard(session, body.standard, body.framework)
    ids = class_student_ids(session, class_id)
    students = {s.id: s for s in session.exec(select(Student).where(Student.id.in_(ids))).all()} if ids else {}
    live = bank.live
    tiers = plan_morning_work(session, live, standard, ids, body.items_per_tier)

    def item_out(c):
        code = live.standards.get(c.objective_id, (None,))[0]
        return ItemPublic(
            id=c.id,
            stem=c.stem,
            interaction=c.interaction,
            choices=list(c.choices),
            key=c.key,
            tolerance=c.tolerance,
            rationale=c.rationale,
            rubric=list(c.rubric) or None,
            objective_id=c.objective_id,
            objective=code,
            dok=c.dok,
            status="operational",
            version=c.version,
            n_categories=c.n_categories,
        )

    return MorningWork(
        class_id=class_id,
        standard=standard.code,
        tiers=[
            Tier(
                name=t.band,
                students=[
                    TierStudent(id=sid, name=student_name(students[sid]), theta=th, band=b) for sid, th, b in t.students
                ],
                items=[item_out(c) for c in t.items],
            )
            for t in tiers
        ],
    )
