"""Reports: a student's progress report, the tracker and the report card as files, the reporting settings.

* ``GET /students/{id}/report``: the student, their guardians, their
  teachers, the principals of their schools and admins
  (:func:`service.report_access.report_student_for`);
* ``GET /classes/{id}/tracker.csv``: the class's teachers, the principals
  of its school and admins (:func:`service.access.class_to_read`);
* ``GET /classes/{id}/report-card.csv``, ``/report-card.zip``: the class's
  teachers and admins (a teacher exports their own classes only);
* ``GET /report-settings`` (staff) and ``PUT`` (admins): the district's
  proficiency method and level cuts;
* ``PUT /classes/{id}/report-card/comments``: a teacher's comment on a
  student's standard in a term.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from sqlmodel import select

from itembank.bank import NoLiveBank
from itembank.csv_cells import safe_row
from itembank.errors import NotFound
from itembank.mastery_store import class_grid
from itembank.people import class_student_ids
from itembank.report_cards import (
    ReportSettings,
    get_term,
    report_settings,
    report_term,
    save_report_settings,
    set_comment,
)
from itembank.standards import find_standard
from itembank.tables import Student, utcnow
from reporting.progress_report import ProgressReport, StandardProgress, progress_report
from reporting.report_card import ReportCard, oneroster_zip, report_card, report_card_csv
from service.access import class_for, class_to_read, forbid
from service.deps import Admin, BankDep, CurrentUser, SessionDep, Staff
from service.report_access import report_student_for
from service.report_schemas import CommentBody, CommentOut, ProgressReportOut, ReportSettingsBody, StandardProgressOut
from service.routers.errors import errors
from service.routers.params import IdPath
from service.words import Words

__all__ = ["router", "build_report", "build_report_card", "report_out"]

router = APIRouter(tags=["reports"], responses=errors(401, 422))

TermQuery = Annotated[int, Query(ge=1, le=2**31 - 1, description="the academic session's id")]
ReportTermQuery = Annotated[
    int | None,
    Query(
        ge=1, le=2**31 - 1, description="the academic session's id (default: the current term, else the last 90 days)"
    ),
]
LevelQuery = Annotated[
    Literal["competency", "indicator"], Query(description="the reporting standards: competencies or indicators")
]


def _standard_out(node: StandardProgress) -> StandardProgressOut:
    return StandardProgressOut(
        standard_id=node.standard_id,
        code=node.code,
        title=node.title,
        level=node.level,
        band=node.band,
        p_mastery=node.p_mastery,
        theta=node.theta,
        se=node.se,
        n_evidence=node.n_evidence,
        last_assessed=node.last_assessed,
        report_level=None if node.report_level is None else node.report_level + 1,
        report_level_name=node.report_level_name,
        reported_percent=node.reported_percent,
        history=[asdict(p) for p in node.history],
        evidence=[{**asdict(e), "percent": e.percent} for e in node.evidence],
        notes=[asdict(n) for n in node.notes],
        children=[_standard_out(c) for c in node.children],
    )


def report_out(report: ProgressReport) -> ProgressReportOut:
    """The report as the API's body."""
    return ProgressReportOut(
        student_id=report.student_id,
        name=report.name,
        start=report.start,
        end=report.end,
        term_id=report.term_id,
        term_title=report.term_title,
        method=report.method,
        generated_at=report.generated_at,
        standards=[_standard_out(s) for s in report.standards],
        next_steps=[asdict(s) for s in report.next_steps],
        n_sittings=report.n_sittings,
    )


def build_report(session, user, bank, student_id: int, term_id: int | None) -> ProgressReport:
    """The progress report ``user`` may read (404, then 403) over ``term_id``, by default the current term.

    The current term is :func:`itembank.report_cards.report_term`'s; without
    any term the report covers the last 90 days.
    """
    report_student_for(session, user, student_id)
    try:
        term = report_term(session, term_id, utcnow().date())
    except NotFound as err:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, Words("no term (academic session) with id %(id)s", id=term_id)
        ) from err
    try:
        live = bank.live
    except NoLiveBank:
        live = None
    return progress_report(session, student_id, bank=live, settings=report_settings(session), term=term)


@router.get(
    "/students/{student_id}/report",
    response_model=ProgressReportOut,
    summary="A student's progress report: per competency, indicator and objective, with evidence and next steps",
    responses=errors(403, 404),
)
def student_report(
    student_id: IdPath, session: SessionDep, user: CurrentUser, bank: BankDep, term: ReportTermQuery = None
):
    return report_out(build_report(session, user, bank, student_id, term))


@router.get(
    "/classes/{class_id}/tracker.csv",
    summary="The class's tracker as CSV: a row per student, a column per objective's band",
    responses={**errors(403, 404), 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
def tracker_csv(class_id: IdPath, session: SessionDep, user: Staff):
    row = class_to_read(session, user, class_id)
    ids = class_student_ids(session, class_id)
    students = {s.id: s for s in session.exec(select(Student).where(Student.id.in_(ids))).all()} if ids else {}
    ordered = sorted(ids, key=lambda i: (students[i].last_name, students[i].first_name, i))
    standards, cells = class_grid(session, ordered, level="objective")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(safe_row(["student_id", "external_id", "last_name", "first_name", *[s.code for s in standards]]))
    for sid in ordered:
        s = students[sid]
        writer.writerow(safe_row([s.id, s.external_id, s.last_name, s.first_name, *[c.band or "" for c in cells[sid]]]))
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tracker-class-{row.id}.csv"'},
    )


def build_report_card(session, user, bank, class_id: int, term_id: int, level: str) -> ReportCard:
    """The class's report card, for the class's teachers and admins (404, then 403; 409 without a live bank)."""
    class_for(session, user, class_id)
    if user.role == "psychometrician":
        raise forbid("report cards are for the class's teachers and admins")
    term = get_term(session, term_id)
    settings = report_settings(session)
    try:
        live = bank.live
    except NoLiveBank as err:
        if settings.method == "irt":
            raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from err
        live = None
    return report_card(session, class_id, term, bank=live, settings=settings, level=level)


@router.get(
    "/classes/{class_id}/report-card.csv",
    summary="The class's standards-based report card for a term, as CSV",
    responses={**errors(403, 404, 409), 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
def report_card_file(
    class_id: IdPath, term: TermQuery, session: SessionDep, user: Staff, bank: BankDep, level: LevelQuery = "competency"
):
    card = build_report_card(session, user, bank, class_id, term, level)
    return Response(
        report_card_csv(card),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="report-card-class-{class_id}-term-{term}.csv"'},
    )


@router.get(
    "/classes/{class_id}/report-card.zip",
    summary="The class's report card as OneRoster 1.2 Gradebook results (categories, lineItems, results, scoreScales)",
    responses={**errors(403, 404, 409), 200: {"content": {"application/zip": {}}}},
    response_class=Response,
)
def report_card_oneroster(
    class_id: IdPath,
    term: TermQuery,
    session: SessionDep,
    user: Staff,
    bank: BankDep,
    format: Annotated[Literal["oneroster"], Query(description="the only format: OneRoster 1.2 CSV")] = "oneroster",
    level: LevelQuery = "competency",
):
    card = build_report_card(session, user, bank, class_id, term, level)
    return Response(
        oneroster_zip(card),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="oneroster-results-class-{class_id}-term-{term}.zip"'},
    )


@router.put(
    "/classes/{class_id}/report-card/comments",
    response_model=CommentOut,
    summary="A teacher's comment on a student's standard in a term (empty text removes it)",
    responses=errors(400, 403, 404),
)
def put_comment(class_id: IdPath, body: CommentBody, session: SessionDep, user: Staff):
    class_for(session, user, class_id)
    if user.role == "psychometrician":
        raise forbid("report card comments are for the class's teachers and admins")
    if body.student_id not in class_student_ids(session, class_id):
        raise forbid(f"student {body.student_id} is not in class {class_id}")
    standard = find_standard(session, body.standard)
    set_comment(
        session,
        student_id=body.student_id,
        standard_id=standard.id,
        term_id=body.term,
        text=body.text,
        author_id=user.user_id,
    )
    session.commit()
    return CommentOut(student_id=body.student_id, standard_id=standard.id, term=body.term, text=body.text.strip())


@router.get(
    "/report-settings",
    response_model=ReportSettingsBody,
    summary="The district's reporting settings",
    responses=errors(403),
)
def get_settings(session: SessionDep, user: Staff):
    s = report_settings(session)
    return ReportSettingsBody(
        method=s.method, decay_weight=s.decay_weight, theta_cuts=list(s.theta_cuts), percent_cuts=list(s.percent_cuts)
    )


@router.put(
    "/report-settings",
    response_model=ReportSettingsBody,
    summary="Set the district's proficiency method and the report card's level cuts",
    responses=errors(400, 403),
)
def put_settings(body: ReportSettingsBody, session: SessionDep, user: Admin):
    s = save_report_settings(
        session, ReportSettings(body.method, body.decay_weight, tuple(body.theta_cuts), tuple(body.percent_cuts))
    )
    session.commit()
    return ReportSettingsBody(
        method=s.method, decay_weight=s.decay_weight, theta_cuts=list(s.theta_cuts), percent_cuts=list(s.percent_cuts)
    )
