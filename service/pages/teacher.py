"""Teacher pages: the mastery tracker, a student's history, morning work
and exit tickets (the rubric scoring queue: :mod:`.scoring`).

Every page calls the API's own route functions (same authorization, same
itembank and engine calls): :mod:`service.routers.mastery` for the grid,
student reports and morning work, :mod:`service.routers.responses` for the
scoring queue and scores, :mod:`service.routers.classes` for class lists.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from itembank.assignments import free_practice
from itembank.district import School, SchoolLeader
from itembank.people import student_name, teaches_class
from itembank.standards import find_standard, list_standards
from service.access import class_for, class_to_read, student_for
from service.assessment_schemas import PracticeSetting
from service.deps import BankDep, PageParams, SessionDep
from service.pages.adapters import assemble_exit_tickets, student_history
from service.pages.charts import history_chart
from service.pages.common import PageRoute, TeacherPage, render
from service.pages.forms import TeachingPage
from service.routers import classes as classes_api
from service.routers import mastery as mastery_api
from service.routers import practice as practice_api
from service.routers import responses as responses_api
from service.routers.params import IdPath
from service.schemas import MorningWorkIn

router = APIRouter(prefix="/teacher", route_class=PageRoute, include_in_schema=False)

LEVELS = {
    "objective": "Learning objectives",
    "indicator": "Performance indicators",
    "competency": "Competencies",
    "all": "All levels",
}


def _page(request: Request, limit: int = 200, offset: int = 0) -> PageParams:
    return PageParams(request, limit=min(limit, request.app.state.settings.max_page_size), offset=offset)


def _classes(request: Request, session, user):
    return classes_api.list_(session, user, _page(request)).items


def _objectives(session):
    rows, _ = list_standards(session, level="objective", limit=10_000)
    return rows


def _band_order(cell) -> float:
    """Sort key of a cell: P(mastery), rolled-up cells by band, empty last."""
    if cell is None or cell.band is None:
        return -1.0
    if cell.p_mastery is not None:
        return cell.p_mastery
    return {"red": 0.2, "yellow": 0.5, "green": 0.8, "blue": 0.95}.get(cell.band, 0.0)


@router.get("")
def home(request: Request, session: SessionDep, user: TeacherPage):
    classes = _classes(request, session, user)
    waiting = responses_api.list_(session, user, _page(request, 1), awaiting_score=True).total
    practice = {c.id: free_practice(session, c.id) for c in classes}
    # the schools a principal leads (page_user has already asked whether they lead any)
    led = (
        session.exec(
            select(School)
            .join(SchoolLeader, SchoolLeader.school_id == School.id)
            .where(SchoolLeader.teacher_id == user.teacher_id)
            .order_by(School.name)
        ).all()
        if request.state.leads_schools
        else []
    )
    return render(
        request, "teacher/home.html", {"classes": classes, "waiting": waiting, "practice": practice, "led": led}
    )


@router.post("/classes/{class_id}/practice")
def set_practice(
    request: Request,
    class_id: IdPath,
    session: SessionDep,
    user: TeachingPage,
    free_practice: Annotated[bool, Form()],
):
    practice_api.update(class_id, PracticeSetting(free_practice=free_practice), session, user)
    return RedirectResponse("/teacher", status_code=303)


@router.get("/classes/{class_id}")
def tracker(
    request: Request,
    class_id: int,
    session: SessionDep,
    user: TeacherPage,
    level: Literal["objective", "indicator", "competency", "all"] = "objective",
    assessed: Annotated[bool, Query(description="only standards someone in the class was assessed on")] = True,
    sort: str = "name",
    order: Literal["asc", "desc"] = "asc",
    klass: int | None = None,
):
    if klass is not None and klass != class_id:
        query = urlencode({"level": level, "assessed": str(assessed).lower()})
        return RedirectResponse(f"/teacher/classes/{klass}?{query}", status_code=303)
    grid = mastery_api.class_mastery(class_id, session, user, level=level, framework=None)
    row = class_to_read(session, user, class_id)
    # a principal reading a class of their school, not teaching it: the tracker without the teacher's tools
    teaching = user.role != "teacher" or (
        user.teacher_id is not None and teaches_class(session, user.teacher_id, class_id)
    )
    classes = _classes(request, session, user)
    if not any(c.id == class_id for c in classes):
        classes = [row, *classes]
    keep = [j for j, _ in enumerate(grid.standards) if not assessed or any(r[j] is not None for r in grid.cells)]
    standards = [grid.standards[j] for j in keep]
    rows = [(s, [cells[j] for j in keep]) for s, cells in zip(grid.students, grid.cells)]
    codes = [s.code for s in standards]
    if sort in codes:
        j = codes.index(sort)
        rows.sort(key=lambda r: (_band_order(r[1][j]), r[0].name), reverse=order == "desc")
    elif sort == "green":
        rows.sort(
            key=lambda r: (sum(c is not None and c.band == "green" for c in r[1]), r[0].name), reverse=order == "desc"
        )
    else:
        if sort != "name":
            sort, order = "name", "asc"
        rows.sort(key=lambda r: r[0].name.split()[-1] + " " + r[0].name, reverse=order == "desc")
    counts = []
    for j in range(len(standards)):
        col = [r[1][j] for r in rows]
        counts.append({b: sum(c is not None and c.band == b for c in col) for b in ("green", "yellow", "red")})
    return render(
        request,
        "teacher/tracker.html",
        {
            "klass": row,
            "classes": classes,
            "teaching": teaching,
            "standards": standards,
            "rows": rows,
            "level": level,
            "levels": LEVELS,
            "assessed": assessed,
            "sort": sort,
            "order": order,
            "counts": counts,
        },
    )


@router.get("/students/{student_id}")
def student_page(request: Request, student_id: int, session: SessionDep, user: TeacherPage, bank: BankDep):
    student = student_for(session, user, student_id)
    report = mastery_api.student_mastery(student_id, session, user)
    history = [(h, history_chart(h)) for h in student_history(session, bank, student_id)]
    return render(
        request,
        "teacher/student.html",
        {
            "student": student,
            "name": student_name(student),
            "cells": report.standards,
            "history": history,
        },
    )


def _morning(request, class_id, standard, items_per_tier, session, user, bank):
    body = MorningWorkIn(standard=standard, items_per_tier=items_per_tier)
    work = mastery_api.morning_work(class_id, body, session, user, bank)
    std = find_standard(session, work.standard)
    return work, std


@router.get("/classes/{class_id}/morning-work")
def morning_work(
    request: Request,
    class_id: int,
    session: SessionDep,
    user: TeacherPage,
    bank: BankDep,
    standard: str | None = None,
    items_per_tier: Annotated[int, Query(ge=1, le=10)] = 3,
):
    klass = class_for(session, user, class_id)
    work = std = None
    if standard:
        work, std = _morning(request, class_id, standard, items_per_tier, session, user, bank)
    return render(
        request,
        "teacher/morning_work.html",
        {
            "klass": klass,
            "classes": _classes(request, session, user),
            "objectives": _objectives(session),
            "standard": standard or "",
            "items_per_tier": items_per_tier,
            "work": work,
            "std": std,
        },
    )


@router.get("/classes/{class_id}/morning-work/print")
def morning_work_print(
    request: Request,
    class_id: int,
    session: SessionDep,
    user: TeacherPage,
    bank: BankDep,
    standard: str,
    items_per_tier: Annotated[int, Query(ge=1, le=10)] = 3,
):
    klass = class_for(session, user, class_id)
    work, std = _morning(request, class_id, standard, items_per_tier, session, user, bank)
    return render(request, "teacher/morning_work_print.html", {"klass": klass, "work": work, "std": std})


@router.get("/exit-tickets")
def exit_tickets(
    request: Request,
    session: SessionDep,
    user: TeacherPage,
    bank: BankDep,
    standard: str | None = None,
    length: Annotated[int, Query(ge=2, le=12)] = 4,
    forms: Annotated[int, Query(ge=1, le=4)] = 2,
    print_view: Annotated[bool, Query(alias="print")] = False,
    written: Annotated[bool, Query(description="also rubric-scored (written) items")] = False,
):
    standards, _ = list_standards(session, limit=10_000)
    result = std = None
    if standard:
        std = find_standard(session, standard)
        result = assemble_exit_tickets(bank.live, std, length=length, n_forms=forms, self_scoring_only=not written)
    return render(
        request,
        "teacher/exit_tickets.html",
        {
            "standards": [s for s in standards if s.level != "competency"],
            "standard": standard or "",
            "std": std,
            "length": length,
            "forms": forms,
            "result": result,
            "print_view": print_view,
            "written": written,
        },
    )
