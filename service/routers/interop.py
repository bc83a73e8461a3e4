"""District interop: ``POST /imports/{oneroster|case|qti}`` and the history of those imports.

* ``POST /imports/{format}`` (multipart: ``file``, ``dry_run``): import a
  OneRoster roster (zip), a CASE package (JSON) or QTI items; the answer is
  the report of what was, or with ``dry_run`` would be, created, updated and
  retired.  A refused file is a 422 naming the file, line and column, with
  nothing written; a file over the configured size a 413.  Rosters are for
  admins; standards and items for admins and psychometricians.
* ``GET /imports/runs``, ``GET /imports/runs/{id}``: the history.
* ``POST /imports/runs/{id}/apply``: apply a dry run, on the bytes that were
  reported.

The client's file name is shown in the history, never used as a path.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Response, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from interop.case.exporting import export_case
from interop.options import case_options, qti_options
from interop.package import MB, Limits, human_size
from interop.qti.exporting import export_qti, select_items
from interop.report import ImportReport
from interop.runs import ImportRequest, apply_run, run_import
from itembank.errors import Invalid, NotFound
from itembank.import_runs import ImportRun, get_run, list_runs
from service.access import forbid
from service.deps import BankDep, BankKeepers, CurrentUser, EngineDep, Page, SessionDep, SettingsDep
from service.routers.errors import errors
from service.schemas import Paged
from service.security import TokenClaims
from service.settings import Settings

__all__ = ["router", "exports_router", "limits_for", "display_name", "FormatName"]

router = APIRouter(prefix="/imports", tags=["imports"], responses=errors(401, 403))

FormatName = Literal["oneroster", "case", "qti"]
#: who may import each format
IMPORTERS_OF = {"oneroster": ("admin",), "case": ("admin", "psychometrician"), "qti": ("admin", "psychometrician")}
RunIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="an import's id in the history")]

_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class ChangeOut(BaseModel):
    """A record the import created, updated or retired (``fields``: those updated)."""

    kind: str
    action: Literal["created", "updated", "retired", "unchanged", "refused"]
    key: str
    label: str
    fields: list[str]


class WarningOut(BaseModel):
    """A deviation accepted: where (file, column, first lines), how often, and what."""

    file: str | None
    column: str | None
    lines: list[int]
    count: int
    message: str
    text: str


class ImportReportOut(BaseModel):
    """What an import did (or, for a dry run, would do)."""

    run_id: int
    format: str
    dry_run: bool
    changed: bool
    counts: dict[str, dict[str, int]]
    changes: list[ChangeOut]
    changes_omitted: int
    warnings: list[WarningOut]
    details: dict[str, Any]


class ImportRunOut(BaseModel):
    """An import in the history; ``can_apply`` for a dry run whose file is kept."""

    id: int
    format: str
    status: Literal["dry_run", "applied", "refused"]
    source_name: str
    options: dict[str, Any]
    report: dict[str, Any] | None
    error: str
    can_apply: bool
    created_by: int | None
    created_at: datetime
    applied_by: int | None
    applied_at: datetime | None


def run_public(row: ImportRun) -> ImportRunOut:
    return ImportRunOut(**row.model_dump(exclude={"payload"}), can_apply=row.payload is not None)


def report_public(report: ImportReport, run_id: int) -> ImportReportOut:
    return ImportReportOut(run_id=run_id, **report.to_dict())


def limits_for(settings: Settings) -> Limits:
    """The import limits of the service's settings."""
    max_bytes = int(settings.import_max_mb * MB)
    return Limits(max_bytes=max_bytes, max_expanded_bytes=10 * max_bytes)


def display_name(filename: str | None) -> str:
    """A client's file name fit to show: its last part, no control characters, at most 200 characters."""
    name = re.split(r"[/\\]", filename or "")[-1]
    return _UNSAFE.sub("", name).strip()[:200] or "upload"


def _options(fmt: str, **given: Any) -> dict[str, Any]:
    """The import's options, checked; a 422 naming an option the format does not take or a bad value."""
    allowed = {
        "oneroster": set(),
        "case": {"framework", "levels", "objective_depth"},
        "qti": {"standard", "standard_map"},
    }[fmt]
    for name, value in given.items():
        if value not in (None, "") and name not in allowed:
            raise Invalid(f"a {fmt} import takes no {name}", name)
    taken = {name: value for name, value in given.items() if name in allowed}
    try:
        if fmt == "case":
            return case_options(**taken)
        return qti_options(**taken) if fmt == "qti" else {}
    except ValueError as err:
        raise Invalid(str(err), "options") from None


def may_import(user: TokenClaims, fmt: str) -> None:
    if user.role not in IMPORTERS_OF[fmt]:
        raise forbid(f"importing {fmt} needs the role {' or '.join(IMPORTERS_OF[fmt])}; you are {user.role}")


def read_capped(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes; 413 when it is larger than ``limit``."""
    upload.file.seek(0)
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(
            status_code=413, detail=f"the file is larger than {human_size(limit)}, the most an import takes"
        )
    return data


_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "the format needs another role"},
    413: {"description": "the file is larger than the configured limit"},
    422: {"description": "the file is refused: the message names the file, line and column; nothing was written"},
}


@router.get("/runs", response_model=Paged[ImportRunOut], summary="The history of roster, standards and item imports")
def list_(
    session: SessionDep,
    user: BankKeepers,
    page: Page,
    format: Annotated[Literal["oneroster", "case", "qti"] | None, Query(description="only this format")] = None,
):
    formats = [f for f, roles in IMPORTERS_OF.items() if user.role in roles and format in (None, f)]
    rows, total = list_runs(session, formats=formats, limit=page.limit, offset=page.offset)
    return Paged(items=[run_public(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/runs/{run_id}",
    response_model=ImportRunOut,
    summary="An import of the history",
    responses={**_ERRORS, **errors(404)},
)
def read(run_id: RunIdPath, session: SessionDep, user: BankKeepers):
    row = get_run(session, run_id)
    may_import(user, row.format)
    return run_public(row)


@router.post(
    "/runs/{run_id}/apply",
    response_model=ImportReportOut,
    summary="Apply a dry run, on the file that was reported",
    responses={**_ERRORS, **errors(404), 409: {"description": "the import is not a dry run waiting to be applied"}},
)
async def apply(
    run_id: RunIdPath, session: SessionDep, user: BankKeepers, engine: EngineDep, settings: SettingsDep, bank: BankDep
):
    row = get_run(session, run_id)
    may_import(user, row.format)
    session.close()
    outcome = await run_in_threadpool(apply_run, engine, run_id, limits=limits_for(settings), user_id=user.user_id)
    if outcome.report.format == "qti":
        await run_in_threadpool(bank.refresh_if_stale, engine)
    return report_public(outcome.report, outcome.run_id)


@router.post(
    "/{format}",
    response_model=ImportReportOut,
    summary="Import a OneRoster roster (zip), a CASE package (JSON) or QTI items; dry_run reports and writes nothing",
    responses=_ERRORS,
)
async def import_(
    format: Annotated[FormatName, Path(description="the format of the file")],
    user: BankKeepers,
    engine: EngineDep,
    bank: BankDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="the roster zip, CASE JSON or QTI package or item")],
    dry_run: Annotated[bool, Form(description="report what would be done; write nothing")] = False,
    framework: Annotated[
        str | None, Form(max_length=64, description="CASE: the framework's name in masterycat")
    ] = None,
    levels: Annotated[
        str | None,
        Form(max_length=620, description="CASE: the CFItemTypes of competencies, indicators, objectives (A,B,C)"),
    ] = None,
    objective_depth: Annotated[int | None, Form(ge=3, le=20, description="CASE: the objectives' depth")] = None,
    standard: Annotated[
        str | None, Form(max_length=64, description="QTI: the objective of items whose package names none")
    ] = None,
    standard_map: Annotated[
        UploadFile | None, File(description="QTI: a CSV item_identifier,standard_code placing each item")
    ] = None,
):
    may_import(user, format)
    mapping = None
    if standard_map is not None:
        raw = await run_in_threadpool(read_capped, standard_map, 5 * MB)
        try:
            mapping = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("the standard map is not UTF-8 text", "standard_map") from None
    options = _options(
        format,
        framework=framework,
        levels=levels,
        objective_depth=objective_depth,
        standard=standard,
        standard_map=mapping,
    )
    limits = limits_for(settings)
    data = await run_in_threadpool(read_capped, file, limits.max_bytes)
    request = ImportRequest(
        format,
        data,
        display_name(file.filename),
        dry_run=dry_run,
        options=options,
        user_id=user.user_id,
        limits=limits,
        keep_payload=True,
    )
    outcome = await run_in_threadpool(run_import, engine, request)
    if format == "qti" and not dry_run:
        await run_in_threadpool(bank.refresh_if_stale, engine)
    return report_public(outcome.report, outcome.run_id)


def _file_slug(name: str) -> str:
    """A name fit for a download's file name (letters, digits, ``.``, ``_`` and ``-``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "export"


exports_router = APIRouter(prefix="/exports", tags=["imports"], responses=errors(401))


@exports_router.get(
    "/case",
    summary="A standards framework as a CASE 1.1 CFPackage (JSON download)",
    responses={200: {"content": {"application/json": {}}}, 404: {"description": "no standards in the framework"}},
)
def export_case_download(
    session: SessionDep,
    _: CurrentUser,
    framework: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")],
):
    package = export_case(session, framework)
    body = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_file_slug(framework)}-case.json"'},
    )


@exports_router.get(
    "/qti",
    summary="Items as a QTI 3.0 content package (zip download): media, standards, calibrated parameters",
    responses={
        200: {"content": {"application/zip": {}}},
        **errors(403),
        404: {"description": "an unknown standard code, or no item matches"},
    },
)
def export_qti_download(
    session: SessionDep,
    _: BankKeepers,
    standard: Annotated[
        list[str] | None,
        Query(max_length=50, description="only the items under these standards (codes)"),
    ] = None,
    status: Annotated[Literal["draft", "pretest", "operational", "retired"] | None, Query()] = None,
):
    for code in standard or []:
        if not 1 <= len(code) <= 64 or re.search(r"[\x00-\x1f\x7f]", code):
            raise Invalid("a standard code is 1 to 64 characters on one line", "standard")
    items = select_items(session, standards=standard or None, status=status)
    if not items:
        raise NotFound("no item matches; nothing to export")
    return Response(
        export_qti(session, items),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="masterycat-items-qti3.zip"'},
    )
