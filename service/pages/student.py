"""Student pages: my dots, start a check, one item at a time with feedback.

The check pages call the API's route functions
(:func:`service.routers.checks.start`, ``respond`` and ``read``), so a
student sees here exactly what an API client sees: the public form of an
item before answering, the key and rationale only as feedback after.
Everything works without JavaScript and on a phone-sized screen.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from engine.adaptive.check import CheckState
from engine.adaptive.stopping import progress as stopping_progress
from itembank.answers import InvalidAnswer
from itembank.assignments import free_practice_allowed
from itembank.attempts import assigned_check_ids
from itembank.bank import NoLiveBank
from itembank.checks import check_bank, get_check
from itembank.errors import Conflict
from itembank.people import get_student, student_name
from itembank.responses import list_responses
from itembank.standards import find_standard, get_standard, list_standards
from service.deps import BankDep, EngineDep, SessionDep
from service.pages.adapters import student_checks
from service.pages.common import PageRoute, StudentPage, render
from service.pages.interactions import RICH_INTERACTIONS, answer_from_form, answer_words
from service.pages.language import N_, language_context, page_language
from service.routers import assignments as assignments_api
from service.routers import checks as checks_api
from service.routers import mastery as mastery_api
from service.schemas import AnswerIn, AnswerResult, CheckCreate, CheckStarted

router = APIRouter(prefix="/student", route_class=PageRoute, include_in_schema=False)

_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_MIXED = re.compile(r"^(-?)(\d+)\s+(\d+)/(\d+)$")
#: Longest typed number read (longer text is not a number a student means).
MAX_NUMBER_CHARS = 40
NUMBER_HINT = N_("Type a number, like 12, -3.5 or 3/4.")


def parse_number(text: str) -> float | None:
    """A typed number: ``12``, ``-3.5``, ``$9.60``, ``1,250``, ``3/4``, ``2 1/2``.

    None when the text is not a finite number of at most :data:`MAX_NUMBER_CHARS`
    characters (``nan``, ``inf``, ``1e999`` and a 500-digit string are not).
    """
    if len(text) > MAX_NUMBER_CHARS:
        return None
    t = text.strip().replace("$", "").replace("\u2212", "-").strip()
    if t.endswith("%"):
        t = t[:-1].strip()
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    elif t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    mixed = _MIXED.match(t)
    try:
        if mixed:
            sign, whole, num, den = mixed.groups()
            value = int(whole) + Fraction(int(num), int(den))
            number = float(-value if sign else value)
        elif "/" in t:
            number = float(Fraction(t.replace(" ", "")))
        else:
            number = float(t)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _choice_text(item, key) -> str:
    """The correct answer in words: the choice text(s) or the number."""
    texts = {c.id if hasattr(c, "id") else c["id"]: (c.text if hasattr(c, "text") else c["text"]) for c in item.choices}
    if isinstance(key, list):
        return "; ".join(f"{k}. {texts.get(k, k)}" for k in key)
    if isinstance(key, str):
        return f"{key}. {texts.get(key, key)}"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return f"{key:g}" if isinstance(key, float) else str(key)


def choice_text(item, key) -> str:
    """An answer in words: the choice text(s), the number, or the text written."""
    if item.interaction == "constructed_response":
        return str(key)
    return _choice_text(item, key)


def read_answer(values: list[str], interaction: str):
    """The API answer from a question's form fields (a written answer: its text), or a message for the student."""
    if interaction == "constructed_response":
        text = "\n".join(values).strip()
        return (text, None) if text else (None, N_("Write your answer first."))
    return _answer_from(values, interaction)


def _available(session, bank) -> list:
    """Learning objectives that have self-scoring items in the live bank."""
    try:
        live = bank.live
    except NoLiveBank:
        return []
    rows, _ = list_standards(session, level="objective", limit=10_000)
    return [s for s in rows if live.items_under(s.id, self_scoring_only=True).size > 0]


@router.get("")
def home(request: Request, session: SessionDep, user: StudentPage, bank: BankDep):
    lang = page_language(request, session, user)
    todo = assignments_api.todo(user.student_id, session, user, bank)
    report = mastery_api.student_mastery(user.student_id, session, user)
    cells = {c.code: c for c in report.standards}
    mine = [c for c in report.standards if c.level == "objective"]
    titles = {s.code: s.title for s in list_standards(session, level="objective", limit=10_000)[0]}
    assigned = assigned_check_ids(session, user.student_id)
    active = [c for c in student_checks(session, user.student_id, active=True) if c.id not in assigned]
    active_codes = {c.id: get_standard(session, c.standard_id).code for c in active}
    student = get_student(session, user.student_id)
    rank = {"red": 0, "yellow": 1, "green": 2, "blue": 3}
    practice = free_practice_allowed(session, user.student_id)
    available = sorted(
        _available(session, bank) if practice else [],
        key=lambda s: (s.code not in cells, rank.get(cells[s.code].band, 9) if s.code in cells else 9, s.code),
    )
    return render(
        request,
        "student/home.html",
        {
            "name": student.first_name or student_name(student),
            "todo": [t for t in todo if t.to_do],
            "done": [t for t in todo if not t.to_do],
            "mine": mine,
            "titles": titles,
            "cells": cells,
            "available": available,
            "practice": practice,
            "active": active,
            "active_codes": active_codes,
            **language_context(lang),
        },
    )


@router.post("/checks")
def start(
    request: Request,
    session: SessionDep,
    user: StudentPage,
    standard: Annotated[str, Form(min_length=1)],
):
    unfinished = _unfinished_check(session, user.student_id, find_standard(session, standard).id)
    if unfinished is not None:
        return RedirectResponse(f"/student/checks/{unfinished}?note=resumed", status_code=303)
    body = CheckCreate(student_id=user.student_id, standard=standard)
    started = CheckStarted.model_validate_json(checks_api.start(body, user, request).body)
    return RedirectResponse(f"/student/checks/{started.check_id}", status_code=303)


def _unfinished_check(session, student_id: int, standard_id: int) -> int | None:
    """The id of the student's unfinished practice check on the standard (not one an assignment gave), or None."""
    assigned = assigned_check_ids(session, student_id)
    return next(
        (
            c.id
            for c in student_checks(session, student_id, active=True)
            if c.standard_id == standard_id and c.id not in assigned
        ),
        None,
    )


def _progress(state: CheckState, check) -> float:
    """How far the check is towards its stop (:func:`engine.adaptive.stopping.progress`), 0 to 1."""
    if check.status != "active":
        return 1.0
    est = check.estimate
    theta, se = (est.theta, est.se) if est is not None else (state.prior_mean, state.prior_sd)
    rule = state.policy.stopping
    return float(stopping_progress(rule, np.array([check.n_answered]), np.array([theta]), np.array([se]))[0])


def _check_page(
    request, check_id, session, user, bank, engine, error: str | None = None, status_code: int = 200, note=None
):
    check = checks_api.read(check_id, session, user, bank, engine)
    standard = get_standard(session, check.standard_id)
    state = CheckState.from_dict(get_check(session, check_id).state)
    rule = state.policy.stopping
    lang = page_language(request, session, user)
    return render(
        request,
        "student/check.html",
        {
            "check": check,
            "standard": standard,
            "item": check.current_item,
            "error": error,
            "note": note,
            "number": check.n_answered + 1,
            "n_right": sum(1 for x in state.scores if x),
            "min_items": rule.min_items,
            "max_items": rule.max_items,
            "progress": _progress(state, check),
            **language_context(lang),
        },
        status_code,
    )


#: Notes the check page shows after a redirect (``?note=``).
CHECK_NOTES = {
    "answered": N_("You had already answered that question, so your first answer counts. Here is where you are now."),
    "resumed": N_("You had already started a check on this standard: here it is, where you left off."),
}


@router.get("/checks/{check_id}")
def check_page(
    request: Request,
    check_id: int,
    session: SessionDep,
    user: StudentPage,
    bank: BankDep,
    engine: EngineDep,
    note: Literal["answered", "resumed"] | None = None,
):
    return _check_page(request, check_id, session, user, bank, engine, note=None if note is None else CHECK_NOTES[note])


def _answer_from(values: list[str], interaction: str):
    """The API answer from the form fields, or an error message for the student."""
    if interaction in RICH_INTERACTIONS:
        return answer_from_form(values, interaction)
    values = [v for v in values if v.strip()]
    if interaction == "single_choice":
        return (values[0], None) if len(values) == 1 else (None, N_("Pick one answer, then press Check my answer."))
    if interaction == "multiple_select":
        return (values, None) if values else (None, N_("Pick at least one answer, then press Check my answer."))
    value = parse_number(values[0]) if values else None
    if value is None:
        return None, NUMBER_HINT
    return value, None


@router.post("/checks/{check_id}/answer")
def answer(
    request: Request,
    check_id: int,
    session: SessionDep,
    user: StudentPage,
    bank: BankDep,
    engine: EngineDep,
    item_id: Annotated[str, Form(min_length=1, max_length=64)],
    interaction: Annotated[str, Form()],
    answer: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
):
    value, error = _answer_from(answer, interaction)
    if error:
        return _check_page(request, check_id, session, user, bank, engine, error, 422)
    try:
        sent = checks_api.respond(check_id, AnswerIn(item_id=item_id, answer=value), user, request)
        result = AnswerResult.model_validate_json(sent.body)
    except InvalidAnswer as err:
        session.rollback()
        return _check_page(request, check_id, session, user, bank, engine, str(err), 422)
    except (Conflict, HTTPException) as err:
        # an answer to a question already answered (the browser's Back) or a check that has ended:
        # the first answer counts, and the student goes on where the check is now
        if isinstance(err, HTTPException) and err.status_code != 409:
            raise
        session.rollback()
        return RedirectResponse(f"/student/checks/{check_id}?note=answered", status_code=303)
    check = get_check(session, check_id)
    item = check_bank(bank, check, engine).content[item_id]
    standard = get_standard(session, check.standard_id)
    return render(
        request,
        "student/feedback.html",
        {
            "result": result,
            "item": item,
            "check_id": check_id,
            "standard": standard,
            "number": check.state["items"].index(item_id) + 1 if item_id in check.state["items"] else check.n_answered,
            "correct_text": _in_words(item, interaction, result.feedback.key),
            "your_text": _in_words(item, interaction, value),
            **language_context(page_language(request, session, user)),
        },
    )


def _in_words(item, interaction: str, value) -> str:
    """An answer or a key in words, as the feedback page writes it."""
    return (answer_words if interaction in RICH_INTERACTIONS else _choice_text)(item, value)


@router.get("/checks/{check_id}/review")
def check_review(
    request: Request, check_id: int, session: SessionDep, user: StudentPage, bank: BankDep, engine: EngineDep
):
    """The questions of a finished check: each one missed with its key and rationale, as its feedback showed."""
    check = checks_api.read(check_id, session, user, bank, engine)
    if check.status == "active":
        return RedirectResponse(f"/student/checks/{check_id}", status_code=303)
    content = check_bank(bank, get_check(session, check_id), engine).content
    rows, _ = list_responses(session, student_id=user.student_id, check_id=check_id, limit=1_000)
    effective = {r.item_id: r for r in sorted(rows, key=lambda r: r.id)}  # a re-score supersedes its answer
    questions = []
    for row in sorted(effective.values(), key=lambda r: r.position or 0):
        item = content[row.item_id]
        questions.append(
            {
                "number": row.position,
                "item": item,
                "correct": bool(row.correct),
                "yours": _in_words(item, item.interaction, row.answer),
                "key": _in_words(item, item.interaction, item.key),
            }
        )
    return render(
        request,
        "student/check_review.html",
        {
            "check": check,
            "standard": get_standard(session, check.standard_id),
            "missed": [q for q in questions if not q["correct"]],
            "n_right": sum(q["correct"] for q in questions),
            "n_questions": len(questions),
            **language_context(page_language(request, session, user)),
        },
    )
