"""Attempts: a student starts (or resumes) an assignment, saves answers, submits, reviews.

A student works only on their own attempts; their teachers (and admins)
may read them.  Before the feedback policy releases them, a student's view
of a question never holds its key or rationale.  An adaptive attempt is
answered through its check (``POST /checks/{check_id}/responses``).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from itembank.assessments import Assignment, Attempt
from itembank.assignments import feedback_released, get_assignment, recipients
from itembank.attempt_review import attempt_questions
from itembank.attempts import get_attempt, item_contents, save_answer, start_attempt, submit_attempt, view_of
from itembank.checks import check_policy
from itembank.lti import queue_attempt_scores
from itembank.tables import utcnow
from service.assessment_access import assignment_for, attempt_for
from service.assessment_schemas import (
    AnswerFeedback,
    AttemptAnswerIn,
    AttemptPublic,
    QuestionPublic,
    SavedAnswerPublic,
)
from service.deps import BankDep, CurrentUser, SessionDep, SettingsDep
from service.routers.checks import student_view
from service.routers.errors import errors
from service.routers.params import IdPath, ItemIdPath

__all__ = ["router", "attempt_public"]

router = APIRouter(tags=["attempts"], responses=errors(401, 403, 422))

_ATTEMPTS = 3  # commits tried when two requests of one student collide, before a 409


def _student_only(user) -> None:
    if user.role != "student":
        raise HTTPException(status_code=403, detail="only the student works on their attempts")


def attempt_public(session: Session, assignment: Assignment, attempt: Attempt) -> AttemptPublic:
    """The attempt as its student sees it: keys and rationales only once the feedback policy releases them."""
    view = view_of(session, attempt)
    everyone = recipients(session, assignment.id) if assignment.feedback == "on_close" else []
    released = feedback_released(assignment, everyone, submitted=view.submitted, now=utcnow())
    questions = []
    for q in attempt_questions(session, assignment, attempt):
        shown = released or (assignment.feedback == "instant" and q.scored)
        questions.append(
            QuestionPublic(
                position=q.position,
                item=student_view(q.content),
                answer=q.answer,
                waiting_for_scoring=q.waiting_for_scoring,
                score=q.score if shown else None,
                max_score=q.content.n_categories - 1,
                correct=q.correct if shown else None,
                key=q.content.key if shown else None,
                rationale=q.content.rationale if shown else None,
                rubric_level=q.rubric_label if shown else None,
                note=(q.note or None) if shown else None,
            )
        )
    return AttemptPublic(
        id=attempt.id,
        assignment_id=attempt.assignment_id,
        student_id=attempt.student_id,
        number=attempt.number,
        mode=attempt.mode,
        status=view.status,
        version=attempt.label,
        check_id=attempt.check_id,
        started_at=attempt.started_at,
        submitted_at=view.submitted_at,
        late=attempt.late,
        feedback_released=released,
        n_questions=len(questions),
        n_answered=sum(1 for q in questions if q.answer is not None),
        questions=questions,
    )


@router.post(
    "/assignments/{assignment_id}/attempts",
    response_model=AttemptPublic,
    status_code=201,
    summary="Start the assignment (201), or resume the unfinished attempt (200): never a second copy",
    responses={**errors(404, 409), 200: {"model": AttemptPublic, "description": "The unfinished attempt, resumed"}},
)
def start(
    assignment_id: IdPath,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    bank: BankDep,
    settings: SettingsDep,
):
    _student_only(user)
    assignment_for(session, user, assignment_id)
    for _attempt in range(_ATTEMPTS):
        try:
            assignment = get_assignment(session, assignment_id)
            policy = check_policy(settings.check_min_items)
            attempt, created = start_attempt(
                session, bank.live, assignment, user.student_id, started_by=user.user_id, policy=policy
            )
            session.commit()
        except (IntegrityError, OperationalError):
            session.rollback()  # a second click won the race: the next round resumes its attempt
            continue
        if not created:
            response.status_code = 200
        return attempt_public(session, assignment, attempt)
    raise HTTPException(status_code=409, detail="the attempt changed while starting; try again")


@router.get(
    "/attempts/{attempt_id}",
    response_model=AttemptPublic,
    summary="An attempt: its questions, the answers saved, and (as the policy allows) the key and rationale",
    responses=errors(404),
)
def read(attempt_id: IdPath, session: SessionDep, user: CurrentUser):
    if user.role not in ("admin", "teacher", "student"):
        raise HTTPException(status_code=403, detail=f"attempts are for teachers and students; you are {user.role}")
    attempt = attempt_for(session, user, attempt_id)
    return attempt_public(session, get_assignment(session, attempt.assignment_id), attempt)


@router.put(
    "/attempts/{attempt_id}/answers/{item_id}",
    response_model=SavedAnswerPublic,
    summary="Save (or change) the answer to one question; with instant feedback it is scored at once",
    responses=errors(400, 404, 409),
)
def answer(
    attempt_id: IdPath,
    item_id: ItemIdPath,
    body: AttemptAnswerIn,
    session: SessionDep,
    user: CurrentUser,
    bank: BankDep,
):
    _student_only(user)
    attempt_for(session, user, attempt_id)
    for _attempt in range(_ATTEMPTS):
        try:
            attempt = get_attempt(session, attempt_id, for_update=True)
            saved = save_answer(session, bank.live, attempt, item_id, body.answer)
            session.commit()
        except (IntegrityError, OperationalError):
            session.rollback()
            continue
        feedback = None
        if saved.scored:
            content = item_contents(session, [item_id])[item_id]
            feedback = AnswerFeedback(
                correct=saved.correct, score=saved.score, key=content.key, rationale=content.rationale
            )
        return SavedAnswerPublic(item_id=item_id, answer=saved.answer, feedback=feedback)
    raise HTTPException(status_code=409, detail="the attempt changed while saving; try again")


@router.post(
    "/attempts/{attempt_id}/submit",
    response_model=AttemptPublic,
    summary="Hand in the attempt: answers scored, mastery refreshed (submitting again changes nothing)",
    responses=errors(404, 409),
)
def submit(attempt_id: IdPath, session: SessionDep, user: CurrentUser, bank: BankDep):
    _student_only(user)
    attempt_for(session, user, attempt_id)
    for _attempt in range(_ATTEMPTS):
        try:
            attempt = get_attempt(session, attempt_id, for_update=True)
            submit_attempt(session, bank.live, attempt)
            queue_attempt_scores(session, bank.live, attempt)  # the LMS's grade, kept in this transaction
            session.commit()
        except (IntegrityError, OperationalError):
            session.rollback()
            continue
        return attempt_public(session, get_assignment(session, attempt.assignment_id), attempt)
    raise HTTPException(status_code=409, detail="the attempt changed while submitting; try again")
