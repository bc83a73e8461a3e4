"""Student pages of assignments: start or resume one, a form one question at a time ("question N of
M") with free movement between questions before submitting, and the review afterwards.

An adaptive assignment opens its check's page.  A form's answers are saved as the student moves
(they may change them until they submit); with instant feedback each answer is scored at once and
its key shown.  After submitting, the review shows the questions they missed with the key and the
rationale once the assignment's feedback policy allows, and a written answer's rubric level and
the teacher's note once scored.  Every action calls :mod:`service.routers.attempts`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from itembank.answers import InvalidAnswer
from itembank.assignments import get_assignment
from itembank.attempts import item_contents
from service.assessment_schemas import AttemptAnswerIn
from service.deps import BankDep, SessionDep
from service.pages.common import PageRoute, StudentPage, render
from service.pages.language import language_context, page_language
from service.pages.student import choice_text, read_answer
from service.routers import attempts as attempts_api
from service.routers.params import IdPath

__all__ = ["router"]

router = APIRouter(prefix="/student", route_class=PageRoute, include_in_schema=False)


@router.post("/assignments/{assignment_id}/start")
def start(request: Request, assignment_id: IdPath, session: SessionDep, user: StudentPage, bank: BankDep):
    attempt = attempts_api.start(assignment_id, Response(), session, user, bank, request.app.state.settings)
    if attempt.check_id is not None:
        return RedirectResponse(f"/student/checks/{attempt.check_id}", status_code=303)
    return RedirectResponse(f"/student/attempts/{attempt.id}", status_code=303)


def _question_page(request, session, user, attempt_id: int, q: int, *, error=None, feedback=None, code=200):
    attempt = attempts_api.read(attempt_id, session, user)
    assignment = get_assignment(session, attempt.assignment_id)
    in_language = language_context(page_language(request, session, user))
    if attempt.check_id is not None:
        return RedirectResponse(f"/student/checks/{attempt.check_id}", status_code=303)
    if attempt.status == "submitted":
        contents = item_contents(session, [question.item.id for question in attempt.questions])
        return render(
            request,
            "student/attempt_review.html",
            {
                "attempt": attempt,
                "assignment": assignment,
                "contents": contents,
                "choice_text": choice_text,
                **in_language,
            },
        )
    total = attempt.n_questions
    q = min(max(q, 1), total + 1)
    question = attempt.questions[q - 1] if q <= total else None
    return render(
        request,
        "student/attempt.html",
        {
            "attempt": attempt,
            "assignment": assignment,
            "q": q,
            "total": total,
            "question": question,
            "item": None if question is None else question.item,
            "error": error,
            "feedback": feedback,
            "choice_text": choice_text,
            **in_language,
        },
        code,
    )


@router.get("/attempts/{attempt_id}")
def attempt_page(
    request: Request,
    attempt_id: IdPath,
    session: SessionDep,
    user: StudentPage,
    q: Annotated[int, Query(ge=1, le=1000)] = 1,
):
    return _question_page(request, session, user, attempt_id, q)


@router.post("/attempts/{attempt_id}/answer")
def answer(
    request: Request,
    attempt_id: IdPath,
    session: SessionDep,
    user: StudentPage,
    bank: BankDep,
    q: Annotated[int, Form(ge=1, le=1000)],
    item_id: Annotated[str, Form(min_length=1, max_length=64)],
    interaction: Annotated[str, Form(max_length=32)],
    go: Annotated[int, Form(ge=1, le=1001)],
    answer: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
):
    if any(v.strip() for v in answer):
        value, problem = read_answer(answer, interaction)
        if problem:
            return _question_page(request, session, user, attempt_id, q, error=problem, code=422)
        try:
            saved = attempts_api.answer(attempt_id, item_id, AttemptAnswerIn(answer=value), session, user, bank)
        except InvalidAnswer as err:
            return _question_page(request, session, user, attempt_id, q, error=str(err), code=422)
        if saved.feedback is not None:
            return _question_page(request, session, user, attempt_id, q, feedback=saved.feedback)
    return RedirectResponse(f"/student/attempts/{attempt_id}?q={go}", status_code=303)


@router.post("/attempts/{attempt_id}/submit")
def submit(request: Request, attempt_id: IdPath, session: SessionDep, user: StudentPage, bank: BankDep):
    attempts_api.submit(attempt_id, session, user, bank)
    return RedirectResponse(f"/student/attempts/{attempt_id}", status_code=303)
