"""Psychometrician pages: the bank browser, an item's page, calibrations.

Items and calibrations come from the API's route functions
(:mod:`service.routers.items`, :mod:`service.routers.calibrations`); the
statistics and fit flags from :func:`reporting.bank_analysis.bank_analysis`
(the psychometric report's analysis on the stored responses).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse

from itembank.bank import NoLiveBank
from itembank.items import list_items
from itembank.standards import find_standard, list_standards
from reporting.bank_analysis import bank_analysis, item_figures
from reporting.psychometric_report import FLAG_RULES
from service.deps import BankDep, JobsDep, PageParams, SessionDep
from service.pages.common import BankPage, PageRoute, render
from service.pages.fit_report import fit_report_view
from service.routers import calibrations as calibrations_api
from service.routers import items as items_api
from service.schemas import CalibrationCreate

router = APIRouter(prefix="/bank", route_class=PageRoute, include_in_schema=False)

PER_PAGE = 50
STATUSES = ("draft", "pretest", "operational", "retired")
INTERACTIONS = {
    "single_choice": "single choice",
    "multiple_select": "multiple select",
    "numeric_entry": "numeric entry",
    "constructed_response": "rubric (written)",
}


def _analysis(session, bank):
    try:
        live = bank.live
    except NoLiveBank:
        return None
    return bank_analysis(session, live.calibration_id)


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
    analysis = _analysis(session, bank)
    stats = analysis.stats if analysis else {}
    if flag == "any":
        rows = [r for r in rows if r.id in stats and stats[r.id].flags]
    elif flag == "none":
        rows = [r for r in rows if r.id in stats and not stats[r.id].flags]
    elif flag:
        rows = [r for r in rows if r.id in stats and flag in stats[r.id].flags]
    total = len(rows)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(page, pages)
    shown = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    codes = items_api._codes(session, shown)
    params = {}
    if analysis is not None:
        p = analysis.data.params
        for r in shown:
            j = analysis.position.get(r.id)
            if j is not None:
                params[r.id] = {"a": float(p.a[j]), "b": float(p.b[j]) if math.isfinite(p.b[j]) else None}
    standards, _ = list_standards(session, limit=10_000)
    query = {"standard": standard, "status": status, "interaction": interaction, "flag": flag}
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
            "calibration_id": analysis.calibration_id if analysis else None,
        },
    )


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: str, session: SessionDep, user: BankPage, bank: BankDep):
    item = items_api.read(item_id, session, user)
    history = items_api.parameters(item_id, session, user)
    analysis = _analysis(session, bank)
    stats = analysis.stats.get(item_id) if analysis else None
    live_params = next((p for p in history if analysis and p.calibration_id == analysis.calibration_id), None)
    figures = item_figures(analysis, item_id) if analysis else {}
    return render(
        request,
        "bank/item.html",
        {
            "item": item,
            "history": history,
            "stats": stats,
            "live": live_params,
            "figures": figures,
            "flags": FLAG_RULES,
            "interactions": INTERACTIONS,
            "calibration_id": analysis.calibration_id if analysis else None,
        },
    )


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
    analysis = bank_analysis(session, calibration_id) if row.status == "done" else None
    view = fit_report_view(analysis) if analysis is not None else None
    return render(request, "bank/report.html", {"cal": row, "view": view, "flags": FLAG_RULES})


@router.get("/calibrations/{calibration_id}/status")
def calibration_status(calibration_id: int, session: SessionDep, user: BankPage):
    """The calibration's status for the page's progress bar (JSON)."""
    row = calibrations_api.read(calibration_id, session, user)
    return JSONResponse({"status": row.status, "progress": row.progress, "error": row.error})


@router.post("/calibrations/{calibration_id}/live")
def go_live(request: Request, calibration_id: int, session: SessionDep, user: BankPage):
    calibrations_api.go_live(calibration_id, session, user, request)
    return RedirectResponse(f"/bank/calibrations/{calibration_id}?made_live=1", status_code=303)
