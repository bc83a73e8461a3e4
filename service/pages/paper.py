"""Teacher pages of paper results: a keyboard-friendly grid (students x questions) and a CSV upload.

The grid has a row per student of the teacher's (an admin: every student
the assignment reached) with the version they took and a cell per question
position, as on their answer sheet: a choice (``B``), choices (``A;C``), a
number, or a written answer's rubric level.  Tab and the arrow keys move
between cells (``/static/assignments.js``).  Sending the grid or uploading
a CSV goes through :func:`service.routers.assignments.enter_results`: all
or nothing, a bad cell named by its row and question (or line and column),
and then the same scoring and mastery as online answers.  A refused entry
shows the grid again with what was typed.  The grid and the upload are one
form route: a request with a ``file`` is an upload.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from itembank.assignments import first_label, recipients
from itembank.attempts import attempt_responses, attempt_views
from itembank.csv_cells import safe_row
from itembank.errors import Conflict, Invalid
from itembank.forms import form_versions
from itembank.paper_results import PaperCell, PaperRow, read_results_csv
from itembank.tables import Student, utcnow
from service.assessment_access import assignment_for, own_student_ids
from service.deps import BankDep, SessionDep
from service.pages.common import PageRoute, render
from service.pages.forms import TeachingPage
from service.routers.assignments import enter_results
from service.routers.files import upload_stream
from service.routers.params import IdPath

__all__ = ["router"]

router = APIRouter(prefix="/teacher/assignments", route_class=PageRoute, include_in_schema=False)


def _cell_text(value) -> str:
    """An answer as the teacher would type it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _grid(session, user, assignment) -> dict:
    """The grid's rows (own students, their version, what was entered on paper before) and columns."""
    versions = form_versions(session, assignment.form_id)
    reached = {r.student_id: r for r in recipients(session, assignment.id)}
    ids = own_student_ids(session, user, list(reached))
    students = {s.id: s for s in session.exec(select(Student).where(Student.id.in_(ids))).all()} if ids else {}
    views = attempt_views(session, assignment.id, ids)
    default = first_label(session, assignment.form_id)
    rows = []
    for sid in sorted(ids, key=lambda i: (students[i].last_name, students[i].first_name, i)):
        paper = [v.attempt for v in views.get(sid, []) if v.attempt.mode == "paper"]
        label = paper[-1].label if paper else (reached[sid].label or default)
        entered = {}
        if paper:
            answers = attempt_responses(session, paper[-1])
            entered = {k: _cell_text(answers[i].answer) for k, i in enumerate(versions[label], 1) if i in answers}
        name = f"{students[sid].first_name} {students[sid].last_name}".strip() or students[sid].external_id
        rows.append(
            {
                "id": sid,
                "name": name,
                "external_id": students[sid].external_id,
                "label": label,
                "cells": entered,
                "online": any(v.attempt.mode == "online" for v in views.get(sid, [])),
            }
        )
    width = max(len(items) for items in versions.values())
    return {"versions": versions, "rows": rows, "width": width}


def _page(request, session, user, assignment_id, *, typed=None, day=None, error=None, report=None, code=200):
    assignment = assignment_for(session, user, assignment_id)
    if assignment.form_id is None:
        raise Invalid("an adaptive check has no paper form; enter paper results for a form assignment", "assignment")
    grid = _grid(session, user, assignment)
    if typed is not None:
        for row in grid["rows"]:
            row["label"] = typed.get(f"v-{row['id']}", row["label"])
            row["cells"] = {k: typed.get(f"c-{row['id']}-{k}", "") for k in range(1, grid["width"] + 1)}
    return render(
        request,
        "teacher/paper_results.html",
        {"a": assignment, "grid": grid, "day": day or utcnow().date().isoformat(), "error": error, "report": report},
        code,
    )


@router.get("/{assignment_id}/results")
def results_page(request: Request, assignment_id: IdPath, session: SessionDep, user: TeachingPage, saved: str = ""):
    report = None
    if saved:
        parts = saved.split("-")
        report = dict(zip(("students", "answers", "corrections"), parts)) if len(parts) == 3 else None
    return _page(request, session, user, assignment_id, report=report)


def _upload(request, session, user, bank, assignment_id: int, upload: UploadFile, day: str):
    """The CSV upload of the same results."""
    try:
        rows = read_results_csv(upload_stream(upload))
    except Invalid as err:
        return _page(request, session, user, assignment_id, day=day, error=f"{upload.filename}: {err}", code=422)
    return _enter(request, session, user, bank, assignment_id, rows, day)


def _enter(request, session, user, bank, assignment_id, rows, day, typed=None):
    try:
        answered_on = date.fromisoformat(day)
        report = enter_results(session, user, bank, assignment_id, rows, answered_on)
    except ValueError as err:
        session.rollback()
        message = str(err) if isinstance(err, Invalid) else f"answered on: {day!r} is not a date"
        return _page(request, session, user, assignment_id, typed=typed, day=day, error=message, code=422)
    except Conflict as err:
        session.rollback()
        return _page(request, session, user, assignment_id, typed=typed, day=day, error=str(err), code=409)
    saved = f"{report.students}-{report.answers_written}-{report.corrections}"
    return RedirectResponse(f"/teacher/assignments/{assignment_id}/results?saved={saved}", status_code=303)


@router.post("/{assignment_id}/results")
async def results_grid(request: Request, assignment_id: IdPath, session: SessionDep, user: TeachingPage, bank: BankDep):
    form = await request.form()
    typed = {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 200}
    day = typed.get("answered_on", "")
    upload = form.get("file")
    if isinstance(upload, UploadFile):
        return await run_in_threadpool(_upload, request, session, user, bank, assignment_id, upload, day)

    def build():
        assignment = assignment_for(session, user, assignment_id)
        versions = form_versions(session, assignment.form_id)
        grid = _grid(session, user, assignment)
        rows = []
        for row in grid["rows"]:
            label = typed.get(f"v-{row['id']}", row["label"])
            items = versions.get(label, [])
            cells = tuple(
                PaperCell(
                    items[k - 1] if k <= len(items) else f"question {k}",
                    typed[f"c-{row['id']}-{k}"],
                    f"{row['name']}, question {k}" + (f" ({items[k - 1]})" if k <= len(items) else ""),
                )
                for k in range(1, grid["width"] + 1)
                if typed.get(f"c-{row['id']}-{k}", "").strip()
            )
            if cells:
                rows.append(PaperRow(row["id"], label, cells, f"{row['name']}'s row"))
        if not rows:
            return _page(
                request,
                session,
                user,
                assignment_id,
                typed=typed,
                day=day,
                error="Type at least one answer before saving.",
                code=422,
            )
        return _enter(request, session, user, bank, assignment_id, rows, day, typed)

    return await run_in_threadpool(build)


@router.get("/{assignment_id}/results-template.csv")
def results_template(assignment_id: IdPath, session: SessionDep, user: TeachingPage):
    """A CSV to fill in: a row per student (their district id and version), a column per item."""
    assignment = assignment_for(session, user, assignment_id)
    grid = _grid(session, user, assignment)
    items = list(dict.fromkeys(i for label in sorted(grid["versions"]) for i in grid["versions"][label]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(safe_row(["student_id", "version", *items]))
    for row in grid["rows"]:
        writer.writerow(safe_row([row["external_id"], row["label"], *([""] * len(items))]))
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="results-{assignment_id}.csv"'},
    )
