"""The report pages: a student's printable progress report, and a guardian's page of their children.

``/students/{id}/report`` is for the student, their guardians, their
teachers and admins (the API's :func:`service.routers.reports.build_report`);
``/family`` lists a guardian's children with their dots and a link to each
report; ``/schools`` is the district's view for admins and a principal's
view of the schools they lead (mastery by school, grade, course and
standard, the standards most students are red on, each class's tracker a
click away; ``?school=ID`` for one school).  The progress report and the
family's page are in the reader's language (:mod:`service.pages.language`: ``?lang=``, else the
language the login chose with the switch on these pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from itembank.district import AcademicSession
from itembank.guardianship import children_of, guardian_of_login
from itembank.mastery_store import student_report
from itembank.people import student_name
from itembank.report_cards import LEVELS, report_term
from itembank.tables import utcnow
from reporting.progress_report import HistoryPoint, ProgressReport, StandardProgress
from reporting.school_view import district_view
from service.access import schools_to_view
from service.deps import BankDep, SessionDep
from service.pages.charts import band_trend_chart
from service.pages.common import PageRoute, PageUser, TeacherPage, page_role, render, safe_next
from service.pages.language import language_context, page_language, remember_language
from service.report_schemas import CommentBody
from service.routers import reports as reports_api
from service.routers.params import IdPath
from service.routers.reports import build_report
from service.security import TokenClaims

__all__ = ["router", "Sparkline", "sparkline"]

router = APIRouter(route_class=PageRoute)


GuardianPage = Annotated[TokenClaims, Depends(page_role("guardian"))]
TermParam = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
TermRequired = Annotated[int, Query(ge=1, le=2**31 - 1)]
LevelParam = Annotated[Literal["competency", "indicator"], Query()]
#: one school of the view only
SchoolParam = Annotated[int | None, Query(ge=1, le=2**31 - 1)]

#: Theta range drawn by the charts.
THETA_RANGE = (-3.0, 3.0)


@dataclass(frozen=True)
class Sparkline:
    """Geometry of a small chart of the estimate over the term (SVG user units)."""

    width: int
    height: int
    path: str
    dots: list[dict]  # {x, y, band, day, theta}
    mid_y: float


def sparkline(points: list[HistoryPoint], start: date, end: date, *, width: int = 150, height: int = 36) -> Sparkline:
    """The estimate at each day with evidence, placed by date across the term."""
    lo, hi = THETA_RANGE
    span = max((end - start).days, 1)
    pad = 4

    def x_of(day: date) -> float:
        return pad + min(max((day - start).days / span, 0.0), 1.0) * (width - 2 * pad)

    def y_of(theta: float) -> float:
        t = min(max(theta, lo), hi)
        return pad + (hi - t) / (hi - lo) * (height - 2 * pad)

    dots = [
        {"x": round(x_of(p.day), 1), "y": round(y_of(p.theta), 1), "band": p.band, "day": p.day, "theta": p.theta}
        for p in points
    ]
    path = " ".join(f"{'M' if k == 0 else 'L'}{d['x']},{d['y']}" for k, d in enumerate(dots))
    return Sparkline(width, height, path, dots, round(y_of(0.0), 1))


def _charts(report: ProgressReport) -> dict[int, Sparkline]:
    out: dict[int, Sparkline] = {}

    def walk(nodes: list[StandardProgress]) -> None:
        for n in nodes:
            if n.history:
                out[n.standard_id] = sparkline(n.history, report.start, report.end)
            walk(n.children)

    walk(report.standards)
    return out


@router.get("/students/{student_id}/report")
def progress_page(
    request: Request, student_id: int, session: SessionDep, user: PageUser, bank: BankDep, term: TermParam = None
):
    lang = page_language(request, session, user)
    report = build_report(session, user, bank, student_id, term)
    return render(
        request,
        "reports/progress.html",
        {
            "report": report,
            "charts": _charts(report),
            "levels": LEVELS,
            "viewer": user.role,
            "terms": _terms(session),
            **language_context(lang),
        },
    )


@router.get("/family")
def family_page(request: Request, session: SessionDep, user: GuardianPage):
    lang = page_language(request, session, user)
    guardian = guardian_of_login(session, user.user_id)
    children = children_of(session, guardian) if guardian is not None else []
    rows = []
    for child in children:
        cells = [c for c in student_report(session, child.id) if c.level == "objective"]
        counts = {band: sum(1 for c in cells if c.band == band) for band in ("green", "yellow", "red")}
        rows.append({"id": child.id, "name": student_name(child), "counts": counts, "cells": cells})
    return render(request, "reports/family.html", {"children": rows, **language_context(lang)})


@router.post("/account/language")
def choose_language(
    session: SessionDep,
    user: PageUser,
    lang: Annotated[str, Form(min_length=1, max_length=16)],
    next: Annotated[str, Form(max_length=2000)] = "/",
):
    """Remember the login's language (the switch on the family's and the student's pages) and go back."""
    remember_language(session, user, lang)
    return RedirectResponse(safe_next(next) or "/", status_code=303)


@router.get("/schools")
def schools_page(
    request: Request,
    session: SessionDep,
    user: Annotated[TokenClaims, Depends(page_role("admin", "teacher"))],
    school: SchoolParam = None,
):
    school_ids = schools_to_view(session, user, school)
    view = district_view(session, school_ids=school_ids)
    if school_ids is None:
        scope = "Across the district"
    else:
        scope = "In this school" if len(school_ids) == 1 else "In the schools you lead"
    return render(
        request,
        "reports/schools.html",
        {"view": view, "trend": band_trend_chart, "whole": school_ids is None, "scope": scope},
    )


def _terms(session) -> list[AcademicSession]:
    rows = session.exec(select(AcademicSession).where(~AcademicSession.retired)).all()
    return sorted(rows, key=lambda t: (t.start_date, t.title), reverse=True)


@router.get("/teacher/classes/{class_id}/tracker.csv")
def tracker_file(class_id: IdPath, session: SessionDep, user: TeacherPage):
    return reports_api.tracker_csv(class_id, session, user)


@router.get("/teacher/classes/{class_id}/report-card")
def report_card_page(
    request: Request,
    class_id: IdPath,
    session: SessionDep,
    user: TeacherPage,
    bank: BankDep,
    term: TermParam = None,
    level: LevelParam = "competency",
):
    terms = _terms(session)
    card = None
    chosen = report_term(session, term, utcnow().date())
    if chosen is not None:
        term = chosen.id
        card = reports_api.build_report_card(session, user, bank, class_id, term, level)
    return render(
        request,
        "reports/report_card.html",
        {"card": card, "terms": terms, "term": term, "level": level, "class_id": class_id},
    )


@router.get("/teacher/classes/{class_id}/report-card.csv")
def report_card_csv_file(
    class_id: IdPath,
    session: SessionDep,
    user: TeacherPage,
    bank: BankDep,
    term: TermRequired,
    level: LevelParam = "competency",
):
    return reports_api.report_card_file(class_id, term, session, user, bank, level=level)


@router.get("/teacher/classes/{class_id}/report-card.zip")
def report_card_zip_file(
    class_id: IdPath,
    session: SessionDep,
    user: TeacherPage,
    bank: BankDep,
    term: TermRequired,
    level: LevelParam = "competency",
):
    return reports_api.report_card_oneroster(class_id, term, session, user, bank, format="oneroster", level=level)


@router.post("/teacher/classes/{class_id}/report-card/comments")
def save_comment(
    class_id: IdPath,
    session: SessionDep,
    user: TeacherPage,
    term: Annotated[int, Form(ge=1, le=2**31 - 1)],
    student_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    standard: Annotated[str, Form(min_length=1, max_length=64)],
    text: Annotated[str, Form(max_length=2000)] = "",
    level: Annotated[str, Form(pattern="^(competency|indicator)$")] = "competency",
):
    body = CommentBody(term=term, student_id=student_id, standard=standard, text=text)
    reports_api.put_comment(class_id, body, session, user)
    return RedirectResponse(
        f"/teacher/classes/{class_id}/report-card?term={term}&level={level}#s{student_id}", status_code=303
    )
