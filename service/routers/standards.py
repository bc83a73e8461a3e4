"""Standards: list, read, create, update, retire, import and export."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile
from sqlmodel import select

from itembank.catalog_io import export_json, export_standards_csv, import_catalog_file
from itembank.errors import Invalid
from itembank.io import FileFormatError
from itembank.standards import create_standard, get_standard, list_standards
from itembank.tables import Standard
from service.deps import BankKeepers, CurrentUser, JobsDep, Page, SessionDep
from service.routers.errors import CSV_CONTENT, errors
from service.routers.files import imported_at_once, upload_format, upload_stream
from service.routers.imports import ACCEPTED, IMPORT_DESCRIPTION, start_import_job
from service.routers.params import CodeQuery, IdPath, IdQuery
from service.schemas import LevelName, Paged, StandardCreate, StandardPublic, StandardUpdate

router = APIRouter(prefix="/standards", tags=["standards"], responses=errors(401, 422))


def public(session, row: Standard, codes: dict[int, str] | None = None) -> StandardPublic:
    parent_code = None
    if row.parent_id is not None:
        parent_code = codes.get(row.parent_id) if codes else None
        if parent_code is None:
            parent = session.get(Standard, row.parent_id)
            parent_code = parent.code if parent else None
    return StandardPublic(
        id=row.id,
        framework=row.framework,
        code=row.code,
        title=row.title,
        description=row.description,
        level=row.level,
        parent_id=row.parent_id,
        parent_code=parent_code,
        retired=row.retired,
    )


@router.get("", response_model=Paged[StandardPublic], summary="List standards")
def list_(
    session: SessionDep,
    _: CurrentUser,
    page: Page,
    framework: CodeQuery = None,
    level: LevelName | None = None,
    parent_id: IdQuery = None,
    include_retired: bool = False,
):
    rows, total = list_standards(
        session,
        framework=framework,
        level=level,
        parent_id=parent_id,
        include_retired=include_retired,
        limit=page.limit,
        offset=page.offset,
    )
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    codes = (
        dict(session.exec(select(Standard.id, Standard.code).where(Standard.id.in_(parents))).all()) if parents else {}
    )
    return Paged(items=[public(session, r, codes) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "", response_model=StandardPublic, status_code=201, summary="Create a standard", responses=errors(400, 403, 404)
)
def create(body: StandardCreate, session: SessionDep, _: BankKeepers):
    row = create_standard(session, **body.model_dump())
    session.commit()
    return public(session, row)


@router.get("/export", summary="Export standards as CSV or JSON", responses={200: {"content": CSV_CONTENT}})
def export(session: SessionDep, _: CurrentUser, format: Literal["csv", "json"] = "csv", framework: CodeQuery = None):
    if format == "csv":
        return Response(export_standards_csv(session, framework), media_type="text/csv")
    text = export_json(session, framework=framework)
    import json

    data = json.loads(text)
    return {"standards": data["standards"]}


@router.post(
    "/import",
    summary="Import standards (CSV or JSON); all or nothing",
    description=IMPORT_DESCRIPTION,
    responses={**ACCEPTED, **errors(400, 403, 413)},
)
def import_(
    session: SessionDep,
    user: BankKeepers,
    jobs: JobsDep,
    file: Annotated[UploadFile, File(description="standards CSV or catalog JSON")],
    format: Annotated[Literal["csv", "json"] | None, Query(description="default: by file name")] = None,
):
    upload, importer = upload_stream(file), partial(import_catalog_file, fmt=upload_format(file, format))
    if not imported_at_once(file):
        return start_import_job(session, jobs, user, upload, kind="standards", importer=importer)
    try:
        counts = importer(session, upload)
    except FileFormatError as err:
        raise Invalid(err.problem, "file") from None
    session.commit()
    return counts


@router.get("/{standard_id}", response_model=StandardPublic, summary="Read a standard", responses=errors(404))
def read(standard_id: IdPath, session: SessionDep, _: CurrentUser):
    return public(session, get_standard(session, standard_id))


@router.patch(
    "/{standard_id}",
    response_model=StandardPublic,
    summary="Update a standard's title or description",
    responses=errors(400, 403, 404),
)
def update(standard_id: IdPath, body: StandardUpdate, session: SessionDep, _: BankKeepers):
    row = get_standard(session, standard_id)
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, name, value)
    session.add(row)
    session.commit()
    return public(session, row)


@router.post(
    "/{standard_id}/retire", response_model=StandardPublic, summary="Retire a standard", responses=errors(403, 404)
)
def retire(standard_id: IdPath, session: SessionDep, _: BankKeepers):
    row = get_standard(session, standard_id)
    row.retired = True
    session.add(row)
    session.commit()
    return public(session, row)
