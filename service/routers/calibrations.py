"""Calibrations: start a run (background job), read its status and results,
make it live, import and export parameters.  Psychometricians and admins only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Request, Response, UploadFile
from fastapi.responses import HTMLResponse
from sqlmodel import func, select

from itembank.bank import load_parameters
from itembank.calibrations import count_parameters, create_calibration, get_calibration, import_parameters, make_live
from itembank.errors import Invalid
from itembank.io import FileFormatError, read_parameters, write_parameters
from itembank.tables import Calibration, CalibrationStatus, ItemParameter
from reporting.bank_analysis import bank_analysis
from reporting.psychometric_report import render_html
from service.deps import BankKeepers, JobsDep, Page, SessionDep
from service.routers.errors import CSV_CONTENT, HTML_CONTENT, errors
from service.routers.files import upload_stream
from service.routers.params import IdPath
from service.schemas import CalibrationCreate, CalibrationPublic, ItemFitPublic, Paged, ParametersPublic

router = APIRouter(prefix="/calibrations", tags=["calibrations"], responses=errors(401, 422))


def calibration_public(session, row: Calibration) -> CalibrationPublic:
    data = row.model_dump()
    data["n_items"] = count_parameters(session, row.id) if row.status == CalibrationStatus.done.value else 0
    return CalibrationPublic(**data)


@router.post(
    "",
    response_model=CalibrationPublic,
    status_code=202,
    summary="Start a calibration of stored responses",
    responses=errors(400, 403),
)
def start(body: CalibrationCreate, session: SessionDep, user: BankKeepers, jobs: JobsDep):
    row = create_calibration(
        session,
        model=body.model,
        item_ids=body.item_ids,
        statuses=body.statuses,
        min_responses=body.min_responses,
        created_by=user.user_id,
    )
    session.commit()
    jobs.submit_calibration(row.id, make_live_when_done=body.make_live)
    return calibration_public(session, row)


@router.get(
    "", response_model=Paged[CalibrationPublic], summary="List calibrations, newest first", responses=errors(403)
)
def list_(session: SessionDep, _: BankKeepers, page: Page):
    total = session.exec(select(func.count()).select_from(Calibration)).one()
    rows = session.exec(select(Calibration).order_by(Calibration.id.desc()).offset(page.offset).limit(page.limit)).all()
    return Paged(
        items=[calibration_public(session, r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.post(
    "/import",
    response_model=CalibrationPublic,
    status_code=201,
    summary="Import an item parameters CSV as a calibration",
    responses=errors(400, 403),
)
def import_(
    session: SessionDep, user: BankKeepers, file: Annotated[UploadFile, File(description="item parameters CSV")]
):
    try:
        params = read_parameters(upload_stream(file))
    except FileFormatError as err:
        raise Invalid(err.problem, "file") from None
    row = import_parameters(session, params, created_by=user.user_id, source=file.filename or "")
    session.commit()
    return calibration_public(session, row)


@router.get(
    "/{calibration_id}",
    response_model=CalibrationPublic,
    summary="A calibration's status, progress and results",
    responses=errors(403, 404),
)
def read(calibration_id: IdPath, session: SessionDep, _: BankKeepers):
    session.expire_all()
    return calibration_public(session, get_calibration(session, calibration_id))


@router.post(
    "/{calibration_id}/live",
    response_model=CalibrationPublic,
    summary="Make a finished calibration the live bank",
    responses=errors(403, 404),
)
def go_live(calibration_id: IdPath, session: SessionDep, _: BankKeepers, request: Request):
    row = make_live(session, calibration_id)
    session.commit()
    request.app.state.bank.load(request.app.state.engine)
    return calibration_public(session, row)


@router.get(
    "/{calibration_id}/parameters",
    response_model=list[ParametersPublic],
    summary="The parameters of a calibration",
    responses=errors(403, 404),
)
def parameters(calibration_id: IdPath, session: SessionDep, _: BankKeepers, page: Page):
    get_calibration(session, calibration_id)
    rows = session.exec(
        select(ItemParameter)
        .where(ItemParameter.calibration_id == calibration_id)
        .order_by(ItemParameter.item_id)
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return [ParametersPublic(**r.model_dump()) for r in rows]


@router.get(
    "/{calibration_id}/parameters.csv",
    summary="The parameters of a calibration as CSV (item_id, model, a, b, c, d, b1, …)",
    description="The item parameters CSV of docs/architecture.md (Data formats); se_ columns where the run computed them.",
    response_class=Response,
    responses={**errors(403, 404), 200: {"description": "The parameters CSV", "content": CSV_CONTENT}},
)
def parameters_csv(calibration_id: IdPath, session: SessionDep, _: BankKeepers):
    get_calibration(session, calibration_id)
    params = load_parameters(session, calibration_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "parameters.csv"
        write_parameters(path, params)
        text = path.read_text(encoding="utf-8")
    return Response(text, media_type="text/csv")


def _analysis(session, calibration_id: int):
    get_calibration(session, calibration_id)
    found = bank_analysis(session, calibration_id)
    if found is None:
        raise HTTPException(409, "this calibration has too few stored responses to its items for fit statistics")
    return found


@router.get(
    "/{calibration_id}/fit",
    response_model=list[ItemFitPublic],
    summary="Item fit, classical statistics and flags of a calibration's items",
    responses=errors(403, 404, 409),
)
def item_fit(calibration_id: IdPath, session: SessionDep, _: BankKeepers):
    found = _analysis(session, calibration_id)
    return [ItemFitPublic(item_id=iid, **vars(stats)) for iid, stats in sorted(found.stats.items())]


@router.get(
    "/{calibration_id}/report",
    response_class=Response,
    summary="The calibration report: parameters, fit, DIF flags, classical statistics, plots (self-contained HTML)",
    responses={**errors(403, 404, 409), 200: {"description": "The report page", "content": HTML_CONTENT}},
)
def report(calibration_id: IdPath, session: SessionDep, _: BankKeepers):
    return HTMLResponse(render_html(_analysis(session, calibration_id).data))
