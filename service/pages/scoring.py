"""Teacher pages of rubric scoring: the queue, the answers scored lately, and reviewing or re-scoring one.

A score supersedes the answer's row with a new one (:func:`itembank.responses.rescore`);
a score is changed by scoring the newest row of its chain again.  Every action
calls :mod:`service.routers.responses` (same authorization: a teacher scores
only their students' answers).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import exists
from sqlmodel import Session, select

from itembank.errors import Conflict
from itembank.people import class_student_ids, get_student, list_classes, student_name
from itembank.tables import Response
from service.deps import BankDep, PageParams, SessionDep
from service.pages.common import PageRoute, TeacherPage, error_page, render
from service.routers import items as items_api
from service.routers import responses as responses_api
from service.schemas import RescoreIn

__all__ = ["router", "newest_row"]

router = APIRouter(prefix="/teacher", route_class=PageRoute, include_in_schema=False)

#: How many answers scored lately the queue lists.
RECENT = 10


def newest_row(session: Session, response_id: int) -> int:
    """The id of the newest row of a response's chain of scores (``response_id`` when never re-scored)."""
    current = response_id
    while True:
        newer = session.exec(select(Response.id).where(Response.supersedes_id == current)).first()
        if newer is None:
            return current
        current = newer


def _recently_scored(session: Session, user) -> list[Response]:
    """The newest scores (rows not superseded since) of the user's students' written answers, newest first."""
    newer = Response.__table__.alias("newer")
    stmt = select(Response).where(
        Response.source == "rescore",
        ~exists().where(newer.c.supersedes_id == Response.id),
    )
    if user.role == "teacher":
        classes, _ = list_classes(session, teacher_id=user.teacher_id, limit=10_000)
        stmt = stmt.where(
            Response.student_id.in_(sorted({s for c in classes for s in class_student_ids(session, c.id)}))
        )
    return list(session.exec(stmt.order_by(Response.id.desc()).limit(RECENT)).all())


def _level(item, score: int | None) -> str:
    """A score in words: its rubric level's label and the score."""
    if score is None:
        return "not scored yet"
    label = next((lvl.label for lvl in (item.rubric or []) if lvl.score == score), None)
    return f"{label} ({score})" if label else str(score)


def _card(session, user, row, items: dict) -> dict:
    if row.item_id not in items:
        items[row.item_id] = items_api.read(row.item_id, session, user)
    item = items[row.item_id]
    return {
        "response": row,
        "item": item,
        "student": student_name(get_student(session, row.student_id)),
        "level": _level(item, row.score),
    }


@router.get("/scoring")
def scoring_queue(request: Request, session: SessionDep, user: TeacherPage, scored: int | None = None):
    page = responses_api.list_(session, user, PageParams(request, limit=5, offset=0), awaiting_score=True)
    items: dict = {}
    cards = [_card(session, user, r, items) for r in page.items]
    recent = [_card(session, user, r, items) for r in _recently_scored(session, user)]
    done = None
    if scored is not None:
        card = _card(session, user, responses_api.read(scored, session, user), items)
        done = f"Scored {card['student']}'s answer to {card['item'].id}: {card['level']}."
    return render(
        request, "teacher/scoring.html", {"cards": cards, "total": page.total, "done": done, "recent": recent}
    )


@router.get("/scoring/{response_id}")
def review(request: Request, response_id: int, session: SessionDep, user: TeacherPage):
    """One written answer: its score and note, and the rubric to score it again."""
    row = responses_api.read(response_id, session, user)
    newest = newest_row(session, response_id)
    if newest != response_id:
        return RedirectResponse(f"/teacher/scoring/{newest}", status_code=303)
    card = _card(session, user, row, {})
    return render(request, "teacher/score_review.html", {"c": card})


@router.post("/scoring/{response_id}")
def score_response(
    request: Request,
    response_id: int,
    session: SessionDep,
    user: TeacherPage,
    bank: BankDep,
    score: Annotated[int, Form(ge=0)],
    note: Annotated[str, Form(max_length=500)] = "",
):
    try:
        row = responses_api.score(response_id, RescoreIn(score=score, note=note), session, user, bank)
    except Conflict as err:
        session.rollback()
        newest = newest_row(session, response_id)
        return error_page(
            request,
            409,
            str(err),
            link=(f"/teacher/scoring/{newest}", "Review and re-score the newest score"),
        )
    return RedirectResponse(f"/teacher/scoring?scored={row.id}", status_code=303)
