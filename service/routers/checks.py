"""Adaptive checks: start one, answer its items, read it.

A student starts and answers only their own checks; a teacher may start a
check for a student of their classes (e.g. on a shared classroom device).
Before an item is answered a student sees only its public form
(:class:`~service.schemas.ItemStudentView`); the key and rationale come back
as feedback after the answer.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from itembank.assignments import free_practice_allowed
from itembank.attempts import refuse_closed_check
from itembank.bank import ItemContent
from itembank.checks import (
    AnswerOutcome,
    answer_check,
    check_bank,
    check_policy,
    get_check,
    lock_for_answer,
    start_check,
)
from itembank.lti import queue_check_scores
from itembank.standards import find_standard
from itembank.tables import Check, Standard
from service.access import may_see_student
from service.deps import BankDep, CurrentUser, EngineDep, SessionDep, TokenClaimsDep, require_current_login
from service.routers.errors import errors
from service.routers.params import IdPath
from service.schemas import (
    AnswerIn,
    AnswerResult,
    CheckCreate,
    CheckPublic,
    CheckStarted,
    Estimate,
    ItemStudentView,
)
from service.security import TokenClaims

router = APIRouter(prefix="/checks", tags=["checks"], responses=errors(401, 422))

_ATTEMPTS = 3  # commits tried when concurrent answers to one check collide, before a 409

_FORMATS = {
    "single_choice": "choice_id",
    "multiple_select": "choice_ids",
    "numeric_entry": "number",
    "constructed_response": "text",
    "text_entry": "text",
    "inline_choice": "choice_id",
    "order": "choice_order",
    "match": "pairs",
    "hot_text": "choice_ids",
    "gap_match": "pairs",
    "associate": "pairs",
}


def student_view_fields(item: ItemContent) -> dict:
    """The public form of an item as JSON fields (:class:`~service.schemas.ItemStudentView`'s)."""
    return {
        "id": item.id,
        "stem": item.stem,
        "interaction": item.interaction,
        "choices": [{"id": c["id"], "text": c["text"]} for c in item.choices],
        "answer_format": _FORMATS[item.interaction],
        "targets": [{"id": t["id"], "text": t["text"]} for t in item.targets],
        "stem_html": item.stem_html,
    }


def student_view(item: ItemContent | None) -> ItemStudentView | None:
    """The public form of an item: never its key, rationale or parameters."""
    return None if item is None else ItemStudentView.model_validate(student_view_fields(item))


def _json(fields: dict, status_code: int = 200) -> Response:
    """The hot routes' answer: their fields encoded once by orjson (no second validation by the response model)."""
    return Response(
        orjson.dumps(fields, option=orjson.OPT_SERIALIZE_NUMPY), status_code=status_code, media_type="application/json"
    )


def _estimate(check: Check) -> Estimate | None:
    if check.theta is None:
        return None
    return Estimate(theta=check.theta, se=check.se, band=check.band, p_mastery=check.p_mastery)


@router.post(
    "",
    response_model=CheckStarted,
    status_code=201,
    summary="Start an adaptive check on a standard",
    responses=errors(400, 403, 404, 409),
)
def start(body: CheckCreate, claims: TokenClaimsDep, request: Request) -> Response:
    state = request.app.state
    with Session(state.engine, expire_on_commit=False) as session:
        user = require_current_login(session, claims, demo_mode=state.settings.demo)
        if user.role == "student" and user.student_id != body.student_id:
            raise HTTPException(status_code=403, detail="a student starts checks only for themselves")
        may_see_student(session, user, body.student_id)
        if user.role == "student" and not free_practice_allowed(session, body.student_id):
            raise HTTPException(
                status_code=403, detail="your teacher has turned off free practice: work on your assignments"
            )
        standard = find_standard(session, body.standard, body.framework)
        outcome = start_check(
            session,
            state.bank.live,
            student_id=body.student_id,
            standard=standard,
            started_by=user.user_id,
            policy=check_policy(state.settings.check_min_items),
        )
        session.commit()
    check = outcome.check
    started = {
        "check_id": check.id,
        "item": None if outcome.item is None else student_view_fields(outcome.item),
        "estimate": None,
        "done": check.status == "done",
        "stop_reason": check.stop_reason,
    }
    return _json(started, status_code=201)


def _result(outcome: AnswerOutcome) -> dict:
    """:class:`~service.schemas.AnswerResult`'s fields."""
    item = outcome.item
    est = outcome.estimate
    return {
        "response_id": outcome.response_id,
        "correct": outcome.correct,
        "score": outcome.score,
        "feedback": {"key": item.key, "rationale": item.rationale},
        "estimate": {"theta": est.theta, "se": est.se, "band": est.band, "p_mastery": est.p_mastery},
        "next_item": None if outcome.next_item is None else student_view_fields(outcome.next_item),
        "done": outcome.done,
        "stop_reason": outcome.stop_reason,
    }


def _owned(session: Session, user: TokenClaims, check) -> None:
    if user.role == "student":
        if user.student_id != check.student_id:
            raise HTTPException(status_code=403, detail="this is not your check")
        return
    may_see_student(session, user, check.student_id)


@router.post(
    "/{check_id}/responses",
    response_model=AnswerResult,
    summary="Answer the served item; get feedback and the next item",
    responses=errors(400, 403, 404, 409),
)
def respond(check_id: IdPath, body: AnswerIn, claims: TokenClaimsDep, request: Request) -> Response:
    """The answer path: one trip to a worker thread, one session, the login checked in its transaction."""
    state = request.app.state
    with Session(state.engine, expire_on_commit=False) as session:
        user = require_current_login(session, claims, demo_mode=state.settings.demo)
        for _attempt in range(_ATTEMPTS):
            try:
                check = lock_for_answer(session, check_id, body.item_id)
                _owned(session, user, check)
                if check.assigned:  # a check an assignment gave takes no answer after it closed
                    refuse_closed_check(session, check_id)
                bank = check_bank(state.bank, check, state.engine)
                outcome = answer_check(session, bank, check, body.item_id, body.answer)
                if outcome.done and not outcome.replayed:
                    queue_check_scores(session, bank, check_id)  # the LMS's grade, in the last answer's transaction
                session.commit()
            except (IntegrityError, OperationalError):
                # a concurrent submission to the same check won the race: try again (an identical answer replays)
                session.rollback()
                continue
            return _json(_result(outcome))
    raise HTTPException(status_code=409, detail="the check changed while answering; try again")


@router.get(
    "/{check_id}",
    response_model=CheckPublic,
    summary="A check's status, current item and estimate",
    responses=errors(403, 404),
)
def read(check_id: IdPath, session: SessionDep, user: CurrentUser, bank: BankDep, engine: EngineDep):
    check = get_check(session, check_id)
    _owned(session, user, check)
    current = None
    if check.current_item_id is not None:
        current = check_bank(bank, check, engine).content.get(check.current_item_id)
    standard = session.get(Standard, check.standard_id)
    return CheckPublic(
        id=check.id,
        student_id=check.student_id,
        standard_id=check.standard_id,
        standard=standard.code,
        status=check.status,
        n_answered=check.n_answered,
        current_item=student_view(current),
        estimate=_estimate(check),
        stop_reason=check.stop_reason,
        started_at=check.started_at,
        finished_at=check.finished_at,
    )
