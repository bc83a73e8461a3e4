"""Teacher pages of assignments: the list, giving a check or morning work, and an assignment's
progress per student (updated without a reload by ``/static/assignments.js``, which polls
``progress.json``), with close, extend, reopen for one student and a one-click retake offer to the
"not yet" students.

Every action calls :mod:`service.routers.assignments`, so the rules and refusals are the API's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from itembank.standards import list_standards
from itembank.tables import MAX_INT_ID
from itembank.teams import teams_of_teacher
from service.assessment_schemas import AssignmentUpdate, ReopenIn, RetakeOfferIn
from service.deps import BankDep, PageParams, SessionDep
from service.pages.common import PageRoute, render
from service.pages.forms import TeachingPage, assignment_fields, body_of, givable_classes
from service.routers import assignments as assignments_api
from service.routers import classes as classes_api
from service.routers.params import IdPath

__all__ = ["router", "STATUS_WORDS"]

router = APIRouter(prefix="/teacher/assignments", route_class=PageRoute, include_in_schema=False)

#: A progress status in words
STATUS_WORDS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "submitted": "submitted",
    "waiting_for_scoring": "waiting for rubric scoring",
}
FEEDBACK_WORDS = {
    "instant": "after each question",
    "on_submit": "after submitting",
    "on_close": "after it closes for everyone",
}


@router.get("")
def assignments_page(request: Request, session: SessionDep, user: TeachingPage):
    page = PageParams(request, limit=request.app.state.settings.max_page_size)
    rows = assignments_api.list_(session, user, page).items
    objectives, _ = list_standards(session, level="objective", limit=10_000)
    names = {c.id: c.name for c in classes_api.list_(session, user, page).items}
    return render(
        request,
        "teacher/assignments.html",
        {
            "assignments": rows,
            "class_names": names,
            "classes": givable_classes(request, session, user),
            "objectives": objectives,
            "feedback_words": FEEDBACK_WORDS,
        },
    )


@router.post("")
def give(
    request: Request,
    session: SessionDep,
    user: TeachingPage,
    bank: BankDep,
    kind: Annotated[str, Form()],
    standard: Annotated[str, Form(min_length=1, max_length=64)],
    class_ids: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    feedback: Annotated[str, Form()] = "instant",
    due_at: Annotated[str, Form(max_length=32)] = "",
    closes_at: Annotated[str, Form(max_length=32)] = "",
    late_allowed: Annotated[bool, Form()] = False,
    retakes: Annotated[int, Form(ge=0, le=10)] = 0,
    wait_days: Annotated[int, Form(ge=0, le=365)] = 0,
    retake_mode: Annotated[str, Form()] = "parallel",
    items_per_tier: Annotated[int, Form(ge=1, le=10)] = 3,
):
    body = assignment_fields(
        kind,
        class_ids,
        feedback,
        due_at,
        closes_at,
        late_allowed,
        retakes,
        wait_days,
        retake_mode,
        standard=standard,
        items_per_tier=items_per_tier,
    )
    row = assignments_api.create(body, session, user, bank)
    return RedirectResponse(f"/teacher/assignments/{row.id}", status_code=303)


@router.get("/{assignment_id}")
def assignment_page(
    request: Request, assignment_id: IdPath, session: SessionDep, user: TeachingPage, bank: BankDep, done: str = ""
):
    assignment = assignments_api.read(assignment_id, session, user)
    progress = assignments_api.progress(assignment_id, session, user, bank)
    page = PageParams(request, limit=request.app.state.settings.max_page_size)
    names = {c.id: c.name for c in givable_classes(request, session, user)}
    names.update({c.id: c.name for c in classes_api.list_(session, user, page).items})
    teams = teams_of_teacher(session, user.teacher_id) if user.role == "teacher" else []
    return render(
        request,
        "teacher/assignment.html",
        {
            "a": assignment,
            "progress": progress,
            "class_names": names,
            "status_words": STATUS_WORDS,
            "feedback_words": FEEDBACK_WORDS,
            "manages": user.role == "admin" or assignment.teacher_id == user.teacher_id,
            "teams": teams,
            "done": done,
        },
    )


@router.get("/{assignment_id}/progress.json")
def progress_json(assignment_id: IdPath, session: SessionDep, user: TeachingPage, bank: BankDep):
    """The progress rows for the page's script (the API's body)."""
    progress = assignments_api.progress(assignment_id, session, user, bank)
    return JSONResponse(progress.model_dump(mode="json"))


@router.post("/{assignment_id}/close")
def close(request: Request, assignment_id: IdPath, session: SessionDep, user: TeachingPage):
    assignments_api.close(assignment_id, session, user)
    return RedirectResponse(f"/teacher/assignments/{assignment_id}?done=closed", status_code=303)


@router.post("/{assignment_id}/extend")
def extend(
    request: Request,
    assignment_id: IdPath,
    session: SessionDep,
    user: TeachingPage,
    due_at: Annotated[str, Form(max_length=32)] = "",
    closes_at: Annotated[str, Form(max_length=32)] = "",
):
    body = body_of(AssignmentUpdate, {"due_at": due_at or None, "closes_at": closes_at or None})
    assignments_api.extend(assignment_id, body, session, user)
    return RedirectResponse(f"/teacher/assignments/{assignment_id}?done=extended", status_code=303)


@router.post("/{assignment_id}/students/{student_id}/reopen")
def reopen(
    request: Request,
    assignment_id: IdPath,
    student_id: IdPath,
    session: SessionDep,
    user: TeachingPage,
    closes_at: Annotated[str, Form(min_length=1, max_length=32)],
):
    body = body_of(ReopenIn, {"closes_at": closes_at})
    assignments_api.reopen(assignment_id, student_id, body, session, user)
    return RedirectResponse(f"/teacher/assignments/{assignment_id}?done=reopened", status_code=303)


@router.post("/{assignment_id}/retakes")
def offer(
    request: Request,
    assignment_id: IdPath,
    session: SessionDep,
    user: TeachingPage,
    bank: BankDep,
    student_id: Annotated[int | None, Form(ge=1, le=MAX_INT_ID)] = None,
):
    body = RetakeOfferIn(student_ids=[student_id]) if student_id else RetakeOfferIn(not_yet=True)
    offered = assignments_api.retakes(assignment_id, body, session, user, bank)
    return RedirectResponse(
        f"/teacher/assignments/{assignment_id}?done=offered-{len(offered.student_ids)}", status_code=303
    )
