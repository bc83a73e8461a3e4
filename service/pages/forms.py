"""Teacher pages of forms: the list, a new form assembled to a blueprint, a form with its versions
(and how each meets the blueprint), giving it to classes, and its print view (an answer sheet per
version, then the teacher's key).

The pages call :mod:`service.routers.forms` and :mod:`service.routers.assignments`, so the rules and
the refusals are the API's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from itembank.attempts import item_contents
from itembank.errors import Invalid
from itembank.people import get_class
from itembank.standards import list_standards
from itembank.teams import team_class_ids, teams_of_teacher
from service.assessment_schemas import AssignmentCreate, FormCreate, FormUpdate
from service.deps import BankDep, PageParams, SessionDep
from service.pages.common import PageRoute, page_role, render
from service.routers import assignments as assignments_api
from service.routers import classes as classes_api
from service.routers import forms as forms_api
from service.routers.params import IdPath
from service.security import TokenClaims

__all__ = ["router", "TeachingPage", "givable_classes", "assignment_fields", "body_of"]

router = APIRouter(prefix="/teacher/forms", route_class=PageRoute, include_in_schema=False)

#: teachers and admins: the API's ``Teaching`` roles
TeachingPage = Annotated[TokenClaims, Depends(page_role("teacher", "admin"))]


def body_of(model: type[BaseModel], data: dict):
    """The API body ``model`` of a page's form fields; a field the API refuses is a 422 page naming it."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = err.errors(include_url=False, include_context=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in problems]) from None


def givable_classes(request: Request, session, user) -> list:
    """The classes a teacher may give work to: theirs, then their teams' (an admin: every class)."""
    mine = classes_api.list_(session, user, PageParams(request, limit=request.app.state.settings.max_page_size)).items
    if user.role != "teacher":
        return mine
    seen = {c.id for c in mine}
    extra = []
    for team in teams_of_teacher(session, user.teacher_id):
        for class_id in team_class_ids(session, team.id):
            if class_id not in seen:
                seen.add(class_id)
                extra.append(get_class(session, class_id))
    return mine + extra


def _when(text: str, field: str) -> datetime | None:
    """A ``datetime-local`` field (UTC), or None when empty."""
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{field}: {text!r} is not a date and time", field) from None


def assignment_fields(
    kind: str,
    class_ids: list[int],
    feedback: str,
    due_at: str,
    closes_at: str,
    late_allowed: bool,
    retakes: int,
    wait_days: int,
    retake_mode: str,
    **extra,
) -> AssignmentCreate:
    """The API body of an assignment from a page's form fields (Invalid or a ValidationError names a bad field)."""
    due, closes = _when(due_at, "due_at"), _when(closes_at, "closes_at")
    return body_of(
        AssignmentCreate,
        {
            "kind": kind,
            "class_ids": class_ids or None,
            "feedback": feedback,
            "due_at": due,
            "closes_at": closes,
            "late_allowed": late_allowed,
            "retakes": {"max": retakes, "wait_days": wait_days, "mode": retake_mode},
            **extra,
        },
    )


@router.get("")
def forms_page(request: Request, session: SessionDep, user: TeachingPage):
    forms = forms_api.list_(session, user, PageParams(request, limit=request.app.state.settings.max_page_size))
    standards, _ = list_standards(session, limit=10_000)
    teams = teams_of_teacher(session, user.teacher_id) if user.role == "teacher" else []
    return render(
        request,
        "teacher/forms.html",
        {
            "forms": forms.items,
            "standards": [s for s in standards if s.level != "competency"],
            "teams": teams,
        },
    )


@router.post("")
def new_form(
    request: Request,
    session: SessionDep,
    user: TeachingPage,
    bank: BankDep,
    title: Annotated[str, Form(min_length=1, max_length=200)],
    standard: Annotated[str, Form(max_length=64)] = "",
    purpose: Annotated[str, Form()] = "quiz",
    team_id: Annotated[str, Form()] = "",
    length: Annotated[int, Form(ge=1, le=60)] = 4,
    versions: Annotated[int, Form(ge=1, le=8)] = 2,
    dok2: Annotated[int, Form(ge=0, le=60)] = 0,
    dok3: Annotated[int, Form(ge=0, le=60)] = 0,
    written: Annotated[bool, Form()] = False,
    items: Annotated[str, Form(max_length=20_000)] = "",
):
    """A new form: picked by hand when ``items`` lists versions, else assembled to the blueprint fields."""
    fields = {"title": title, "purpose": purpose, "standard": standard or None, "team_id": team_id or None}
    if items.strip():
        fields["versions"] = versions_from_text(items)
    else:
        dok = {level: [n, length] for level, n in (("2", dok2), ("3", dok3)) if n}
        fields["blueprint"] = {"length": length, "versions": versions, "dok": dok, "written": written}
    form = forms_api.create(body_of(FormCreate, fields), session, user, bank)
    return RedirectResponse(f"/teacher/forms/{form.id}", status_code=303)


def versions_from_text(text: str) -> dict[str, list[str]]:
    """Versions written one a line, ``A: item, item, ...``.

    Raises
    ------
    Invalid
        A line without ``label:`` (the message names the line).
    """
    versions: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, colon, rest = line.partition(":")
        if not colon or not label.strip():
            raise Invalid(f"items, line {number}: write a version as 'A: item id, item id, ...'", "items")
        versions[label.strip()] = [i.strip() for i in rest.replace(";", ",").split(",") if i.strip()]
    return versions


@router.post("/{form_id}/items")
def change_items(
    request: Request,
    form_id: IdPath,
    session: SessionDep,
    user: TeachingPage,
    items: Annotated[str, Form(min_length=1, max_length=20_000)],
    as_new_version: Annotated[bool, Form()] = False,
):
    """Change a form's items; a form already given is refused (409) unless saved as its next version."""
    body = body_of(FormUpdate, {"versions": versions_from_text(items)})
    if as_new_version:
        form = forms_api.revise(form_id, body, session, user)
    else:
        form = forms_api.update(form_id, body, session, user)
    return RedirectResponse(f"/teacher/forms/{form.id}", status_code=303)


@router.get("/{form_id}")
def form_page(request: Request, form_id: IdPath, session: SessionDep, user: TeachingPage):
    form = forms_api.read(form_id, session, user)
    return render(
        request,
        "teacher/form.html",
        {"form": form, "classes": givable_classes(request, session, user)},
    )


@router.post("/{form_id}/assign")
def assign_form(
    request: Request,
    form_id: IdPath,
    session: SessionDep,
    user: TeachingPage,
    bank: BankDep,
    class_ids: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    feedback: Annotated[str, Form()] = "on_submit",
    due_at: Annotated[str, Form(max_length=32)] = "",
    closes_at: Annotated[str, Form(max_length=32)] = "",
    late_allowed: Annotated[bool, Form()] = False,
    retakes: Annotated[int, Form(ge=0, le=10)] = 0,
    wait_days: Annotated[int, Form(ge=0, le=365)] = 0,
    retake_mode: Annotated[str, Form()] = "parallel",
):
    body = assignment_fields(
        "form", class_ids, feedback, due_at, closes_at, late_allowed, retakes, wait_days, retake_mode, form_id=form_id
    )
    row = assignments_api.create(body, session, user, bank)
    return RedirectResponse(f"/teacher/assignments/{row.id}", status_code=303)


@router.get("/{form_id}/print")
def print_form(request: Request, form_id: IdPath, session: SessionDep, user: TeachingPage):
    form = forms_api.read(form_id, session, user)
    items = item_contents(session, [i.item_id for v in form.versions for i in v.items])
    return render(request, "teacher/form_print.html", {"form": form, "contents": items})
