"""Responses outside checks, listing them, re-scoring rubric items, importing files.

* ``POST /responses``: a teacher records an answer of one of their students
  (a psychometrician or an admin anyone's); self-scoring items are scored at
  once, rubric items wait for a teacher.  A student answers only in their
  own checks (``POST /checks/{id}/responses``): recording answers here told
  them whether each was correct, so trying every choice found the key.
* ``POST /responses/{id}/score``: a teacher (of the student), a
  psychometrician or an admin scores or re-scores a response; the new row
  supersedes the old one, and the student's mastery is recomputed, in one
  transaction.
* ``POST /responses/import``: a wide or long responses CSV (docs/architecture.md,
  Data formats); all or nothing; a large file as a background job
  (:mod:`service.routers.imports`).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, UploadFile
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from itembank.answers import score_answer
from itembank.bank import ItemContent, NoLiveBank
from itembank.errors import Conflict, Invalid
from itembank.io import FileFormatError
from itembank.items import get_item
from itembank.lti import queue_response_scores
from itembank.mastery_store import refresh_mastery
from itembank.people import class_student_ids, list_classes
from itembank.response_import import import_responses_file
from itembank.responses import find_by_key, get_response, list_responses, record_response, rescore
from itembank.tables import ItemStatus
from service.access import forbid, student_for
from service.deps import BankDep, BankKeepers, CurrentUser, JobsDep, Page, SessionDep, Staff
from service.routers.errors import errors
from service.routers.files import imported_at_once, upload_stream
from service.routers.imports import ACCEPTED, IMPORT_DESCRIPTION, start_import_job
from service.routers.params import CodeQuery, IdQuery, ResponseIdPath
from service.schemas import Paged, RescoreIn, ResponseCreate, ResponsePublic

router = APIRouter(prefix="/responses", tags=["responses"], responses=errors(401, 422))


def response_public(row) -> ResponsePublic:
    return ResponsePublic(**row.model_dump(exclude={"dedupe_key", "position"}))


def _refresh(session, bank, student_id: int, item_id: str) -> None:
    try:
        live = bank.live
    except NoLiveBank:
        return
    refresh_mastery(session, live, student_id, item_id)


@router.post(
    "",
    response_model=ResponsePublic,
    status_code=201,
    summary="Record a response outside a check",
    responses=errors(400, 403, 404, 409),
)
def create(body: ResponseCreate, session: SessionDep, user: Staff, bank: BankDep, client_key: CodeQuery = None):
    student_for(session, user, body.student_id)
    item = get_item(session, body.item_id)
    if item.status not in (ItemStatus.pretest.value, ItemStatus.operational.value):
        raise Invalid(f"item {item.id} is {item.status}; only pretest and operational items take responses", "item_id")
    scored = score_answer(ItemContent.from_row(item), body.answer)
    key = f"entry/{body.student_id}/{item.id}/{client_key or uuid.uuid4().hex}"
    previous = find_by_key(session, key)
    if previous is not None:
        if previous.answer != scored.answer:
            raise Conflict(f"client key {client_key} was used for a different answer")
        return response_public(previous)
    row = record_response(
        session,
        dedupe_key=key,
        student_id=body.student_id,
        item_id=item.id,
        item_version=item.version,
        answer=scored.answer,
        score=scored.score,
        correct=scored.correct,
        source="entry",
    )
    if scored.score is not None:
        _refresh(session, bank, body.student_id, item.id)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return response_public(find_by_key(session, key))
    return response_public(row)


@router.get(
    "",
    response_model=Paged[ResponsePublic],
    summary="List responses (a teacher: their students')",
    responses=errors(403, 404),
)
def list_(
    session: SessionDep,
    user: CurrentUser,
    page: Page,
    student_id: IdQuery = None,
    item_id: CodeQuery = None,
    check_id: IdQuery = None,
    awaiting_score: bool = False,
):
    student_ids = None
    if user.role == "student":
        if student_id is not None and student_id != user.student_id:
            raise forbid("a student sees only their own responses")
        student_id = user.student_id
    elif user.role == "teacher":
        if student_id is not None:
            student_for(session, user, student_id)
        else:
            classes, _ = list_classes(session, teacher_id=user.teacher_id, limit=10_000)
            student_ids = sorted({s for c in classes for s in class_student_ids(session, c.id)})
    elif user.role not in ("admin", "psychometrician"):  # a guardian reads their children's reports, not answers
        raise forbid(f"responses are not for a {user.role}")
    rows, total = list_responses(
        session,
        student_id=student_id,
        item_id=item_id,
        check_id=check_id,
        awaiting_score=awaiting_score,
        student_ids=student_ids,
        limit=page.limit,
        offset=page.offset,
    )
    return Paged(items=[response_public(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


class ResponsesImported(BaseModel):
    """What a responses import wrote (the report of its job, for a large file)."""

    added: int
    students: int
    items: int
    students_created: int


@router.post(
    "/import",
    response_model=ResponsesImported,
    summary="Import a wide or long responses CSV; all or nothing",
    description=IMPORT_DESCRIPTION + " Importing the same responses file again adds nothing.",
    responses={**ACCEPTED, **errors(403, 413)},
)
def import_(
    session: SessionDep,
    user: BankKeepers,
    jobs: JobsDep,
    file: Annotated[UploadFile, File(description="responses CSV")],
):
    upload = upload_stream(file)
    if not imported_at_once(file):
        return start_import_job(session, jobs, user, upload, kind="responses", importer=import_responses_file)
    try:
        report = import_responses_file(session, upload)
    except FileFormatError as err:
        raise Invalid(err.problem, "file") from None
    session.commit()
    return report


@router.get("/{response_id}", response_model=ResponsePublic, summary="Read a response", responses=errors(403, 404))
def read(response_id: ResponseIdPath, session: SessionDep, user: CurrentUser):
    row = get_response(session, response_id)
    student_for(session, user, row.student_id)
    return response_public(row)


@router.post(
    "/{response_id}/score",
    response_model=ResponsePublic,
    status_code=201,
    summary="Score or re-score a response (a new row supersedes the old one)",
    responses=errors(400, 403, 404, 409),
)
def score(response_id: ResponseIdPath, body: RescoreIn, session: SessionDep, user: Staff, bank: BankDep):
    old = get_response(session, response_id)
    if user.role == "teacher":
        student_for(session, user, old.student_id)
    row = rescore(session, response_id, body.score, scored_by=user.user_id, note=body.note)
    _refresh(session, bank, row.student_id, row.item_id)
    queue_response_scores(session, bank.live if bank.live_id else None, row.id)  # the LMS gets the final grade
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise HTTPException(
            status_code=409, detail=f"response {response_id} was re-scored at the same moment; reload it"
        ) from None
    return response_public(row)
