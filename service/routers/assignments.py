"""Assignments: give a check, a form or morning work to classes or students; follow, close, extend,
reopen, offer retakes, enter paper results; a student's to-do list.

Teachers give work to their classes and their teams' classes; an
assignment's rows and per-student actions are for the students' own
teachers (an admin: all); closing or extending for everyone is for the
teacher who made it.  A student reads their own to-do list.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session, or_, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from itembank.assessments import Assignment, AssignmentClass, AssignmentStudent
from itembank.assignment_progress import ProgressRow, assignment_progress, student_todo
from itembank.assignments import (
    AssignmentSpec,
    RetakePolicy,
    assignment_class_ids,
    close_assignment,
    extend_assignment,
    offer_retakes,
    recipients,
    reopen_for_student,
)
from itembank.assignments import create_assignment as create_assignment_row
from itembank.bank import NoLiveBank
from itembank.errors import Invalid
from itembank.paper_results import PaperCell, PaperRow, read_results_csv, record_results
from itembank.standards import find_standard
from itembank.tables import Standard
from service.access import may_see_student
from service.assessment_access import (
    Teaching,
    assignment_for,
    form_for,
    givable_class,
    manages_assignment,
    own_student_ids,
    student_rows_visible,
    taught_class_ids,
)
from service.assessment_schemas import (
    AssignmentCreate,
    AssignmentPublic,
    AssignmentUpdate,
    PaperReportPublic,
    PaperResultsIn,
    ProgressPublic,
    ProgressRowPublic,
    ReopenIn,
    RetakeOffered,
    RetakeOfferIn,
    RetakesIn,
    TodoPublic,
)
from service.deps import BankDep, CurrentUser, Page, SessionDep
from service.routers.errors import errors
from service.routers.files import upload_stream
from service.routers.params import IdPath, IdQuery
from service.schemas import Paged

__all__ = ["router", "assignment_public", "progress_public", "enter_results", "results_request_body"]

router = APIRouter(tags=["assignments"], responses=errors(401, 403, 422))


def assignment_public(session: Session, assignment: Assignment) -> AssignmentPublic:
    standard = session.get(Standard, assignment.standard_id) if assignment.standard_id is not None else None
    return AssignmentPublic(
        id=assignment.id,
        title=assignment.title,
        kind=assignment.kind,
        standard_id=assignment.standard_id,
        standard=None if standard is None else standard.code,
        form_id=assignment.form_id,
        class_ids=assignment_class_ids(session, assignment.id),
        n_students=len(recipients(session, assignment.id)),
        opens_at=assignment.opens_at,
        due_at=assignment.due_at,
        closes_at=assignment.closes_at,
        late_allowed=assignment.late_allowed,
        feedback=assignment.feedback,
        retakes=RetakesIn(
            max=assignment.max_retakes, wait_days=assignment.retake_wait_days, mode=assignment.retake_mode
        ),
        closed_at=assignment.closed_at,
        teacher_id=assignment.teacher_id,
        created_at=assignment.created_at,
    )


def _title(body: AssignmentCreate, standard: Standard | None, form) -> str:
    if body.title:
        return body.title
    if form is not None:
        return form.title
    what = {"check": "Check", "form": "Form", "morning_work": "Morning work"}[body.kind]
    return what if standard is None else f"{what}: {standard.code}"


@router.post(
    "/assignments",
    response_model=AssignmentPublic,
    status_code=201,
    summary="Give a check on a standard, a form, or morning work to classes or students",
    responses=errors(400, 404, 409),
)
def create(body: AssignmentCreate, session: SessionDep, user: Teaching, bank: BankDep):
    for class_id in body.class_ids or []:
        givable_class(session, user, class_id)
    for student_id in body.student_ids or []:
        may_see_student(session, user, student_id)
    standard = find_standard(session, body.standard, body.framework) if body.standard else None
    form = form_for(session, user, body.form_id) if body.form_id is not None else None
    spec = AssignmentSpec(
        kind=body.kind,
        title=_title(body, standard, form),
        standard=standard,
        form=form,
        class_ids=tuple(body.class_ids or ()),
        student_ids=tuple(body.student_ids or ()),
        opens_at=body.opens_at,
        due_at=body.due_at,
        closes_at=body.closes_at,
        late_allowed=body.late_allowed,
        feedback=body.feedback,
        retakes=RetakePolicy(body.retakes.max, body.retakes.wait_days, body.retakes.mode),
        items_per_tier=body.items_per_tier,
    )
    try:
        live = bank.live
    except NoLiveBank:
        if body.kind != "form":
            raise
        live = None
    row = create_assignment_row(
        session,
        live,
        spec,
        teacher_id=user.teacher_id if user.role == "teacher" else None,
        created_by=user.user_id,
    )
    session.commit()
    return assignment_public(session, row)


@router.get(
    "/assignments",
    response_model=Paged[AssignmentPublic],
    summary="Assignments you made or that reached your classes, newest first",
)
def list_(session: SessionDep, user: Teaching, page: Page, class_id: IdQuery = None):
    stmt = select(Assignment)
    if user.role == "teacher":
        reached = select(AssignmentStudent.assignment_id).where(
            AssignmentStudent.class_id.in_(taught_class_ids(user.teacher_id))
        )
        stmt = stmt.where(or_(Assignment.teacher_id == user.teacher_id, Assignment.id.in_(reached)))
    if class_id is not None:
        stmt = stmt.where(
            or_(
                Assignment.id.in_(select(AssignmentClass.assignment_id).where(AssignmentClass.class_id == class_id)),
                Assignment.id.in_(
                    select(AssignmentStudent.assignment_id).where(AssignmentStudent.class_id == class_id)
                ),
            )
        )
    rows = session.exec(stmt.order_by(Assignment.opens_at.desc(), Assignment.id.desc())).all()
    items = [assignment_public(session, a) for a in rows[page.offset : page.offset + page.limit]]
    return Paged(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get(
    "/assignments/{assignment_id}",
    response_model=AssignmentPublic,
    summary="An assignment: what, to whom, when, with which policies",
    responses=errors(404),
)
def read(assignment_id: IdPath, session: SessionDep, user: CurrentUser):
    if user.role not in ("admin", "teacher", "student"):
        raise HTTPException(status_code=403, detail=f"assignments are for teachers and students; you are {user.role}")
    return assignment_public(session, assignment_for(session, user, assignment_id))


@router.patch(
    "/assignments/{assignment_id}",
    response_model=AssignmentPublic,
    summary="Extend the assignment for everyone (a closed one opens again)",
    responses=errors(400, 404),
)
def extend(assignment_id: IdPath, body: AssignmentUpdate, session: SessionDep, user: Teaching):
    assignment = manages_assignment(session, user, assignment_id)
    extend_assignment(session, assignment, due_at=body.due_at, closes_at=body.closes_at, late_allowed=body.late_allowed)
    session.commit()
    return assignment_public(session, assignment)


@router.post(
    "/assignments/{assignment_id}/close",
    response_model=AssignmentPublic,
    summary="Close the assignment for everyone now",
    responses=errors(404),
)
def close(assignment_id: IdPath, session: SessionDep, user: Teaching):
    assignment = manages_assignment(session, user, assignment_id)
    close_assignment(session, assignment)
    session.commit()
    return assignment_public(session, assignment)


@router.post(
    "/assignments/{assignment_id}/students/{student_id}/reopen",
    response_model=AssignmentPublic,
    summary="Reopen (or extend) the assignment for one student until a time",
    responses=errors(400, 404),
)
def reopen(assignment_id: IdPath, student_id: IdPath, body: ReopenIn, session: SessionDep, user: Teaching):
    assignment = assignment_for(session, user, assignment_id)
    if not student_rows_visible(session, user, student_id):
        raise HTTPException(status_code=403, detail=f"student {student_id} is not one of your students")
    reopen_for_student(session, assignment, student_id, body.closes_at)
    session.commit()
    return assignment_public(session, assignment)


def _progress_rows(session: Session, user, bank, assignment: Assignment) -> list[ProgressRow]:
    ids = own_student_ids(session, user, [r.student_id for r in recipients(session, assignment.id)])
    try:
        live = bank.live
    except NoLiveBank:
        live = None
    return assignment_progress(session, live, assignment, ids)


@router.post(
    "/assignments/{assignment_id}/retakes",
    response_model=RetakeOffered,
    summary='Offer a retake now to students (or to every "not yet" student) of yours',
    responses=errors(400, 404),
)
def retakes(assignment_id: IdPath, body: RetakeOfferIn, session: SessionDep, user: Teaching, bank: BankDep):
    assignment = assignment_for(session, user, assignment_id)
    chosen = list(body.student_ids or [])
    for student_id in chosen:
        if not student_rows_visible(session, user, student_id):
            raise HTTPException(status_code=403, detail=f"student {student_id} is not one of your students")
    if body.not_yet:
        chosen += [r.student_id for r in _progress_rows(session, user, bank, assignment) if r.not_yet]
    offered = offer_retakes(session, assignment, chosen)
    session.commit()
    return RetakeOffered(student_ids=[r.student_id for r in offered])


def progress_public(assignment: Assignment, rows: list[ProgressRow]) -> ProgressPublic:
    counts = {s: 0 for s in ("not_started", "in_progress", "submitted", "waiting_for_scoring")}
    for row in rows:
        counts[row.status] += 1
    return ProgressPublic(
        assignment_id=assignment.id,
        counts=counts,
        rows=[
            ProgressRowPublic(
                student_id=r.student_id,
                name=r.name,
                class_id=r.class_id,
                status=r.status,
                attempts=r.attempts,
                attempt_id=r.attempt_id,
                mode=r.mode,
                version=r.label,
                submitted_at=r.submitted_at,
                late=r.late,
                points=r.points,
                max_points=r.max_points,
                band=r.band,
                p_mastery=r.p_mastery,
                closes_at=r.closes_at,
                retake_offered=r.retake_offered,
                not_yet=r.not_yet,
            )
            for r in rows
        ],
    )


@router.get(
    "/assignments/{assignment_id}/progress",
    response_model=ProgressPublic,
    summary="A row per student (yours): status, attempts, points, band",
    responses=errors(404),
)
def progress(assignment_id: IdPath, session: SessionDep, user: Teaching, bank: BankDep):
    assignment = assignment_for(session, user, assignment_id)
    return progress_public(assignment, _progress_rows(session, user, bank, assignment))


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` references written in place (the OpenAPI has no home for them)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(dict(defs[node["$ref"].rsplit("/", 1)[1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


#: The two bodies ``POST /assignments/{id}/results`` takes
results_request_body = {
    "required": True,
    "content": {
        "application/json": {"schema": _inline(PaperResultsIn.model_json_schema())},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV: student_id (the district's id), version, then one column per item",
                    },
                    "answered_on": {"type": "string", "format": "date"},
                },
                "required": ["file", "answered_on"],
            }
        },
    },
}


#: The day of a paper entry, as a multipart field
_DAY = TypeAdapter(date)


def _validation(err: ValidationError, *where: str) -> RequestValidationError:
    return RequestValidationError(
        [
            {**e, "loc": (*where, *e["loc"])}
            for e in err.errors(include_url=False, include_context=False, include_input=False)
        ]
    )


async def _paper_rows(request: Request) -> tuple[Any, list[PaperRow]]:
    """``(answered_on, rows)`` from a JSON body or a multipart CSV upload."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            body = PaperResultsIn.model_validate_json(await request.body())
        except ValidationError as err:
            raise _validation(err, "body") from None
        rows = [
            PaperRow(
                row.student_id,
                row.version,
                tuple(
                    PaperCell(item_id, value, f"rows[{n}].answers.{item_id}") for item_id, value in row.answers.items()
                ),
                f"rows[{n}].student_id",
            )
            for n, row in enumerate(body.rows)
        ]
        return body.answered_on, rows
    if kind == "multipart/form-data":
        try:
            form = await request.form()
        except MultiPartException as err:
            raise HTTPException(
                status_code=400, detail=f"the multipart form could not be read: {err.message}"
            ) from None
        upload, day = form.get("file"), form.get("answered_on")
        if not isinstance(upload, UploadFile):
            raise Invalid("send the results CSV as the multipart field 'file'", "file")
        try:
            answered_on = _DAY.validate_python(day)
        except ValidationError as err:
            raise _validation(err, "body", "answered_on") from None
        return answered_on, await run_in_threadpool(read_results_csv, upload_stream(upload))
    raise Invalid("send the results as JSON (application/json) or a CSV upload (multipart/form-data)", "body")


@router.post(
    "/assignments/{assignment_id}/results",
    response_model=PaperReportPublic,
    status_code=201,
    summary="Paper results of a form (JSON rows, or a CSV upload): all or nothing",
    description=(
        "Each student's version and answers: a choice (`B`), choices (`A;C`), a number, or a rubric level. "
        "Scored with the items' keys, dated with `answered_on`, and reaching mastery exactly like online answers. "
        "A bad cell is refused naming its line and column (CSV) or row and item (JSON); nothing is written. "
        "The same student entered again for the same day corrects that day's entry."
    ),
    responses=errors(400, 404, 409, 413),
    openapi_extra={"requestBody": results_request_body},
)
async def results(assignment_id: IdPath, request: Request, session: SessionDep, user: Teaching, bank: BankDep):
    answered_on, rows = await _paper_rows(request)
    return await run_in_threadpool(enter_results, session, user, bank, assignment_id, rows, answered_on)


def enter_results(session: Session, user, bank, assignment_id: int, rows: list[PaperRow], answered_on: date):
    """Write paper results of the user's own students (admins: anyone's) in one transaction."""
    assignment = assignment_for(session, user, assignment_id)
    reached = [r.student_id for r in recipients(session, assignment.id)]
    allowed = set(own_student_ids(session, user, reached))
    report = record_results(
        session, bank.live, assignment, rows, answered_on=answered_on, entered_by=user.user_id, allowed=allowed
    )
    session.commit()
    return PaperReportPublic(**report.__dict__)


@router.get(
    "/students/{student_id}/assignments",
    response_model=list[TodoPublic],
    summary="A student's to-do list: what is assigned (to do first, soonest due first), then the rest",
    responses=errors(404),
)
def todo(student_id: IdPath, session: SessionDep, user: CurrentUser, bank: BankDep):
    if user.role not in ("admin", "teacher", "student"):
        raise HTTPException(status_code=403, detail=f"to-do lists are for teachers and students; you are {user.role}")
    may_see_student(session, user, student_id)
    try:
        live = bank.live
    except NoLiveBank:
        live = None
    return [
        TodoPublic(
            assignment_id=e.assignment.id,
            title=e.assignment.title,
            kind=e.assignment.kind,
            standard=None if e.standard is None else e.standard.code,
            standard_title=None if e.standard is None else e.standard.title,
            status=e.status,
            to_do=e.to_do,
            attempts=e.attempts,
            attempt_id=e.attempt_id,
            due_at=e.assignment.due_at,
            closes_at=e.deadline,
            late=e.late_now,
            can_start=e.can_start,
            why_not=e.blocked_by,
            review_ready=e.review_ready,
            points=e.points,
            max_points=e.max_points,
            band=e.band,
        )
        for e in student_todo(session, live, student_id)
    ]
