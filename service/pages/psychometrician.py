"""Psychometrician pages: the bank browser, an item's page, calibrations.

Items and calibrations come from the API's route functions
(:mod:`service.routers.items`, :mod:`service.routers.calibrations`).  The
bank browser's statistics and fit flags are the live calibration's kept fit
report (:func:`reporting.fit_report.fit_report`, the same numbers as its fit
report page); an item's page draws its curves from
:func:`reporting.bank_analysis.bank_analysis` (the psychometric report's
analysis on the stored responses).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError

from itembank.bank import NoLiveBank
from itembank.errors import Invalid
from itembank.items import get_item, list_items
from itembank.standards import find_standard, list_standards
from reporting.bank_analysis import bank_analysis, item_figures
from reporting.calibration_comparison import SHIFT_Z, compare_calibrations
from reporting.fit_report import fit_report as stored_fit_report
from reporting.item_distractors import item_distractors
from reporting.psychometric_report import FLAG_RULES
from service.deps import BankDep, JobsDep, PageParams, SessionDep
from service.pages.common import BankPage, PageRoute, render
from service.routers import calibrations as calibrations_api
from service.routers import items as items_api
from service.schemas import CalibrationCreate, ItemUpdate

router = APIRouter(prefix="/bank", route_class=PageRoute, include_in_schema=False)

PER_PAGE = 50
STATUSES = ("draft", "pretest", "operational", "retired")
INTERACTIONS = {
    "single_choice": "single choice",
    "multiple_select": "multiple select",
    "numeric_entry": "numeric entry",
    "constructed_response": "rubric (written)",
}


def _live_calibration(bank) -> int | None:
    try:
        return bank.live.calibration_id
    except NoLiveBank:
        return None


def _analysis(session, bank):
    calibration_id = _live_calibration(bank)
    return None if calibration_id is None else bank_analysis(session, calibration_id)


@router.get("")
def browser(
    request: Request,
    session: SessionDep,
    user: BankPage,
    bank: BankDep,
    standard: str = "",
    status: Literal["", "draft", "pretest", "operational", "retired"] = "",
    interaction: str = "",
    flag: str = "",
    q: Annotated[str, Query(max_length=200, description="words of the stem, or part of the item id")] = "",
    page: Annotated[int, Query(ge=1)] = 1,
):
    if flag and flag not in ("any", "none", *FLAG_RULES):
        known = ", ".join(("any", "none", *FLAG_RULES))
        raise HTTPException(422, f"Unknown fit flag {flag!r}: use one of {known}, or none for every item.")
    standard_id = find_standard(session, standard).id if standard else None
    rows, _ = list_items(
        session,
        status=status or None,
        standard_id=standard_id,
        interaction=interaction or None,
        limit=100_000,
        offset=0,
    )
    if q.strip():
        words = q.lower().split()
        rows = [r for r in rows if all(w in r.id.lower() or w in r.stem.lower() for w in words)]
    calibration_id = _live_calibration(bank)
    report = stored_fit_report(session, calibration_id) if calibration_id is not None else None
    stats = {s["item_id"]: s for s in report["rows"]} if report else {}
    if flag == "any":
        rows = [r for r in rows if r.id in stats and stats[r.id]["flags"]]
    elif flag == "none":
        rows = [r for r in rows if r.id in stats and not stats[r.id]["flags"]]
    elif flag:
        rows = [r for r in rows if r.id in stats and flag in stats[r.id]["flags"]]
    total = len(rows)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(page, pages)
    shown = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    codes = items_api._codes(session, shown)
    params = {r.id: {"a": stats[r.id]["a"], "b": stats[r.id]["b"]} for r in shown if r.id in stats}
    standards, _ = list_standards(session, limit=10_000)
    query = {"standard": standard, "status": status, "interaction": interaction, "flag": flag, "q": q}
    return render(
        request,
        "bank/browser.html",
        {
            "rows": shown,
            "codes": codes,
            "stats": stats,
            "params": params,
            "total": total,
            "page": page,
            "pages": pages,
            "standards": standards,
            "statuses": STATUSES,
            "interactions": INTERACTIONS,
            "flags": FLAG_RULES,
            "query": query,
            "calibration_id": calibration_id if report else None,
        },
    )


#: what an item page says after a change (``?done=``)
DONE = {
    "saved": "Saved.",
    "saved_new_version": "Saved as a new version: answers given before keep the version they answered.",
    "status": "Status changed.",
}


@router.get("/items/{item_id}")
def item_page(
    request: Request,
    item_id: str,
    session: SessionDep,
    user: BankPage,
    bank: BankDep,
    done: Literal["", "saved", "saved_new_version", "status"] = "",
):
    return _item_page(request, item_id, session, user, bank, note=DONE.get(done, ""))


def _item_page(request: Request, item_id: str, session, user, bank, *, note: str = "", error: str = ""):
    """An item's content, statistics, curves, distractors and edit forms, with ``note`` or ``error`` on top."""
    item = items_api.read(item_id, session, user)
    history = items_api.parameters(item_id, session, user)
    analysis = _analysis(session, bank)
    stats = analysis.stats.get(item_id) if analysis else None
    live_params = next((p for p in history if analysis and p.calibration_id == analysis.calibration_id), None)
    figures = item_figures(analysis, item_id) if analysis else {}
    distractors = item_distractors(session, analysis, get_item(session, item_id)) if analysis else None
    return render(
        request,
        "bank/item.html",
        {
            "item": item,
            "history": history,
            "stats": stats,
            "live": live_params,
            "figures": figures,
            "distractors": distractors,
            "flags": FLAG_RULES,
            "interactions": INTERACTIONS,
            "statuses": STATUSES,
            "calibration_id": analysis.calibration_id if analysis else None,
            "note": note,
            "error": error,
        },
        status_code=422 if error else 200,
    )


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Invalid(f"{what} must be a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Invalid(f"{what} must be a finite number, got {text!r}")
    return value


@router.post("/items/{item_id}/edit")
def edit_item(
    request: Request,
    item_id: str,
    session: SessionDep,
    user: BankPage,
    bank: BankDep,
    stem: Annotated[str, Form(max_length=20_000)],
    dok: Annotated[int, Form(ge=1, le=4)],
    rationale: Annotated[str, Form(max_length=20_000)] = "",
    choice_text: Annotated[list[str] | None, Form()] = None,
    key: Annotated[list[str] | None, Form()] = None,
    key_number: Annotated[str, Form(max_length=64)] = "",
    tolerance: Annotated[str, Form(max_length=64)] = "",
):
    """Save the item form: a change of stem, choices, key or tolerance makes a new version."""
    item = items_api.read(item_id, session, user)
    changes: dict = {"stem": stem.strip(), "rationale": rationale.strip(), "dok": dok}
    try:
        if not changes["stem"]:
            raise Invalid("The question (stem) cannot be empty.")
        if item.interaction in ("single_choice", "multiple_select"):
            texts = [t.strip() for t in choice_text or []]
            if len(texts) != len(item.choices) or not all(texts):
                raise Invalid("Every choice needs a text.")
            changes["choices"] = [{"id": c.id, "text": t} for c, t in zip(item.choices, texts)]
            ids = [c.id for c in item.choices]
            picked = [k for k in ids if k in (key or [])]
            if item.interaction == "single_choice":
                if len(picked) != 1:
                    raise Invalid("Pick the one right choice.")
                changes["key"] = picked[0]
            else:
                if not picked:
                    raise Invalid("Tick at least one right choice.")
                changes["key"] = picked
        elif item.interaction == "numeric_entry":
            changes["key"] = _number(key_number, "The answer")
            changes["tolerance"] = _number(tolerance or "0", "The tolerance")
        body = ItemUpdate(**changes)
    except ValidationError as err:
        first = err.errors()[0]
        return _item_page(request, item_id, session, user, bank, error=f"{first['loc'][0]}: {first['msg']}")
    except Invalid as err:
        return _item_page(request, item_id, session, user, bank, error=str(err))
    try:
        saved = items_api.update(item_id, body, session, user, request)
    except Invalid as err:
        session.rollback()
        return _item_page(request, item_id, session, user, bank, error=str(err))
    done = "saved_new_version" if saved.version > item.version else "saved"
    return RedirectResponse(f"/bank/items/{item_id}?done={done}", status_code=303)


@router.post("/items/{item_id}/status")
def move_item(
    request: Request,
    item_id: str,
    session: SessionDep,
    user: BankPage,
    bank: BankDep,
    status: Annotated[Literal["draft", "pretest", "operational", "retired"], Form()],
):
    """Move the item to ``status`` (retired items leave checks and new forms; they can come back)."""
    try:
        items_api.update(item_id, ItemUpdate(status=status), session, user, request)
    except Invalid as err:
        session.rollback()
        return _item_page(request, item_id, session, user, bank, error=str(err))
    return RedirectResponse(f"/bank/items/{item_id}?done=status", status_code=303)


@router.get("/calibrations")
def calibrations(request: Request, session: SessionDep, user: BankPage):
    return _calibrations_page(request, session, user)


def _calibrations_page(request: Request, session, user, error: str = "", status_code: int = 200):
    """The list of calibrations and the form to start one, with ``error`` above it."""
    listing = calibrations_api.list_(session, user, PageParams(request, limit=50, offset=0))
    return render(
        request,
        "bank/calibrations.html",
        {"calibrations": listing.items, "total": listing.total, "error": error},
        status_code=status_code,
    )


@router.post("/calibrations")
def start_calibration(
    request: Request,
    session: SessionDep,
    user: BankPage,
    jobs: JobsDep,
    model: Annotated[Literal["rasch", "1pl", "2pl", "3pl"], Form()] = "2pl",
    statuses: Annotated[list[Literal["pretest", "operational"]] | None, Form()] = None,
    min_responses: Annotated[int, Form(ge=1, le=100_000)] = 20,
    make_live: Annotated[bool, Form()] = False,
):
    if not statuses:
        error = "Tick at least one status (operational, pretest): no calibration was started."
        return _calibrations_page(request, session, user, error=error, status_code=422)
    body = CalibrationCreate(model=model, statuses=list(statuses), min_responses=min_responses, make_live=make_live)
    row = calibrations_api.start(body, session, user, jobs)
    return RedirectResponse(f"/bank/calibrations/{row.id}", status_code=303)


@router.get("/calibrations/{calibration_id}")
def calibration_page(request: Request, calibration_id: int, session: SessionDep, user: BankPage, bank: BankDep):
    row = calibrations_api.read(calibration_id, session, user)
    return render(request, "bank/calibration.html", {"cal": row, "live_id": bank.live_id})


@router.get("/calibrations/{calibration_id}/report")
def fit_report(request: Request, calibration_id: int, session: SessionDep, user: BankPage):
    row = calibrations_api.read(calibration_id, session, user)
    view = stored_fit_report(session, calibration_id) if row.status == "done" else None
    return render(request, "bank/report.html", {"cal": row, "view": view, "flags": FLAG_RULES})


@router.get("/calibrations/{calibration_id}/compare")
def compare_with_live(request: Request, calibration_id: int, session: SessionDep, user: BankPage, bank: BankDep):
    """The calibration beside the live one: parameter shifts, band changes, new flags; and the make-live button."""
    row = calibrations_api.read(calibration_id, session, user)
    if row.status != "done":
        raise HTTPException(409, f"Calibration {calibration_id} is {row.status}: only a finished one can be compared.")
    try:
        live = bank.live
    except NoLiveBank:
        raise HTTPException(409, "There is no live calibration to compare with: make this one live.") from None
    if live.calibration_id == calibration_id:
        raise HTTPException(409, f"Calibration {calibration_id} is the live one.")
    comparison = compare_calibrations(session, live, calibration_id)
    return render(
        request, "bank/compare.html", {"cal": row, "cmp": comparison, "shift_z": SHIFT_Z, "flags": FLAG_RULES}
    )


@router.get("/calibrations/{calibration_id}/status")
def calibration_status(calibration_id: int, session: SessionDep, user: BankPage):
    """The calibration's status for the page's progress bar (JSON)."""
    row = calibrations_api.read(calibration_id, session, user)
    return JSONResponse({"status": row.status, "progress": row.progress, "error": row.error})


@router.post("/calibrations/{calibration_id}/live")
def go_live(request: Request, calibration_id: int, session: SessionDep, user: BankPage):
    calibrations_api.go_live(calibration_id, session, user, request)
    return RedirectResponse(f"/bank/calibrations/{calibration_id}?made_live=1", status_code=303)
