"""Items: list, read, create, update, retire, parameters, import and export.

Items are the bank's: psychometricians and admins write them; teachers read
them (keys included, for morning work and scoring); students never call
these routes (they see items only through their checks).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from sqlmodel import select

from itembank.answers import canonical_key
from itembank.catalog_io import export_items_csv, export_json, import_catalog_file
from itembank.errors import Invalid
from itembank.io import FileFormatError
from itembank.items import create_item, get_item, list_items, update_item
from itembank.standards import find_standard
from itembank.tables import Item, ItemParameter, Standard
from service.deps import BankKeepers, JobsDep, Page, SessionDep, Staff
from service.routers.errors import CSV_CONTENT, errors
from service.routers.files import imported_at_once, upload_format, upload_stream
from service.routers.imports import ACCEPTED, IMPORT_DESCRIPTION, start_import_job
from service.routers.params import CodeQuery, ItemIdPath
from service.schemas import (
    InteractionName,
    ItemCreate,
    ItemPublic,
    ItemUpdate,
    Paged,
    ParametersPublic,
    StatusName,
)

router = APIRouter(prefix="/items", tags=["items"], responses=errors(401, 422))


def item_public(item: Item, objective_code: str | None) -> ItemPublic:
    return ItemPublic(
        id=item.id,
        stem=item.stem,
        interaction=item.interaction,
        choices=item.choices or [],
        key=canonical_key(item.interaction, item.key),
        tolerance=item.tolerance,
        rationale=item.rationale,
        rubric=item.rubric,
        objective_id=item.objective_id,
        objective=objective_code,
        dok=item.dok,
        status=item.status,
        version=item.version,
        n_categories=item.n_categories,
        targets=item.targets or [],
        stem_html=item.stem_html,
        scoring=item.scoring,
    )


def _codes(session, items) -> dict[int, str]:
    ids = {i.objective_id for i in items if i.objective_id is not None}
    return dict(session.exec(select(Standard.id, Standard.code).where(Standard.id.in_(ids))).all()) if ids else {}


def _reload_bank(request: Request) -> None:
    """Item content is cached with the live bank: refresh it after an edit."""
    request.app.state.bank.load(request.app.state.engine)


@router.get("", response_model=Paged[ItemPublic], summary="List items", responses=errors(403, 404))
def list_(
    session: SessionDep,
    _: Staff,
    page: Page,
    status: StatusName | None = None,
    standard: Annotated[CodeQuery, Query(description="code of a standard: items under it")] = None,
    interaction: InteractionName | None = None,
):
    standard_id = find_standard(session, standard).id if standard else None
    rows, total = list_items(
        session, status=status, standard_id=standard_id, interaction=interaction, limit=page.limit, offset=page.offset
    )
    codes = _codes(session, rows)
    return Paged(
        items=[item_public(r, codes.get(r.objective_id)) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=ItemPublic, status_code=201, summary="Create an item", responses=errors(400, 403, 404))
def create(body: ItemCreate, session: SessionDep, _: BankKeepers, request: Request):
    data = body.model_dump()
    data["choices"] = [c.model_dump() for c in body.choices]
    data["rubric"] = None if body.rubric is None else [r.model_dump() for r in body.rubric]
    row = create_item(session, **data)
    session.commit()
    if row.status == "operational":
        _reload_bank(request)
    return item_public(row, _codes(session, [row]).get(row.objective_id))


@router.get(
    "/export",
    summary="Export items as CSV or JSON (with keys)",
    responses={**errors(403), 200: {"content": CSV_CONTENT}},
)
def export(
    session: SessionDep, _: BankKeepers, format: Literal["csv", "json"] = "csv", status: StatusName | None = None
):
    if format == "csv":
        return Response(export_items_csv(session, status), media_type="text/csv")
    return {"items": json.loads(export_json(session, status=status))["items"]}


@router.post(
    "/import",
    summary="Import items (and standards) from CSV or JSON; all or nothing",
    description=IMPORT_DESCRIPTION,
    responses={**ACCEPTED, **errors(400, 403, 413)},
)
def import_(
    session: SessionDep,
    user: BankKeepers,
    jobs: JobsDep,
    request: Request,
    file: Annotated[UploadFile, File(description="items CSV or catalog JSON")],
    format: Annotated[Literal["csv", "json"] | None, Query(description="default: by file name")] = None,
):
    upload, importer = upload_stream(file), partial(import_catalog_file, fmt=upload_format(file, format))
    if not imported_at_once(file):
        return start_import_job(session, jobs, user, upload, kind="items", importer=importer, reload_bank=True)
    try:
        counts = importer(session, upload)
    except FileFormatError as err:
        raise Invalid(err.problem, "file") from None
    session.commit()
    _reload_bank(request)
    return counts


@router.get("/{item_id}", response_model=ItemPublic, summary="Read an item (with its key)", responses=errors(403, 404))
def read(item_id: ItemIdPath, session: SessionDep, _: Staff):
    row = get_item(session, item_id)
    return item_public(row, _codes(session, [row]).get(row.objective_id))


@router.patch(
    "/{item_id}",
    response_model=ItemPublic,
    summary="Edit an item (content edits raise its version)",
    responses=errors(400, 403, 404),
)
def update(item_id: ItemIdPath, body: ItemUpdate, session: SessionDep, _: BankKeepers, request: Request):
    changes = body.model_dump(exclude_unset=True)
    if "choices" in changes and changes["choices"] is not None:
        changes["choices"] = [c.model_dump() for c in body.choices]
    if "rubric" in changes and changes["rubric"] is not None:
        changes["rubric"] = [r.model_dump() for r in body.rubric]
    changes = {k: v for k, v in changes.items() if v is not None or k == "key"}
    row = update_item(session, item_id, changes)
    session.commit()
    _reload_bank(request)
    return item_public(row, _codes(session, [row]).get(row.objective_id))


@router.post("/{item_id}/retire", response_model=ItemPublic, summary="Retire an item", responses=errors(403, 404))
def retire(item_id: ItemIdPath, session: SessionDep, _: BankKeepers, request: Request):
    row = update_item(session, item_id, {"status": "retired"})
    session.commit()
    _reload_bank(request)
    return item_public(row, _codes(session, [row]).get(row.objective_id))


@router.get(
    "/{item_id}/parameters",
    response_model=list[ParametersPublic],
    summary="An item's parameters in every calibration",
    responses=errors(403, 404),
)
def parameters(item_id: ItemIdPath, session: SessionDep, _: BankKeepers):
    get_item(session, item_id)
    rows = session.exec(
        select(ItemParameter).where(ItemParameter.item_id == item_id).order_by(ItemParameter.calibration_id)
    ).all()
    return [ParametersPublic(**r.model_dump()) for r in rows]
