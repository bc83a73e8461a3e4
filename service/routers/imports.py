"""Import jobs: large files imported in the background, their progress and outcome.

``POST /responses/import``, ``/items/import`` and ``/standards/import``
import a small file at once (200 with the report, or 422 naming the
problem).  A file larger than :data:`service.routers.files.SYNC_IMPORT_BYTES`
is answered 202 with an import job (``Location: /api/v1/imports/{id}``) and
imported by the job runner, so the request and every other request go on
meanwhile; ``GET /imports/{id}`` reports its progress (the fraction of the
file checked), then its report or the message that refused it.  Either way
an import is whole or nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from typing import BinaryIO, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from itembank.import_jobs import Importer, ImportJob, create_import_job, get_import_job, list_import_jobs
from service.deps import BankKeepers, JobsDep, Page, SessionDep
from service.routers.errors import errors
from service.routers.files import SYNC_IMPORT_BYTES
from service.routers.params import IdPath
from service.schemas import Paged
from service.security import TokenClaims

__all__ = ["router", "ImportPublic", "import_public", "start_import_job", "ACCEPTED", "IMPORT_DESCRIPTION"]

router = APIRouter(prefix="/imports", tags=["imports"], responses=errors(401, 422))


class ImportPublic(BaseModel):
    """An import job: ``progress`` is the fraction of the file checked; ``report`` once done, ``error`` once failed."""

    id: int
    kind: Literal["responses", "items", "standards"]
    status: Literal["queued", "checking", "writing", "done", "failed"]
    progress: float
    size_bytes: int
    report: dict[str, int] | None
    error: str | None
    created_by: int | None
    created_at: datetime
    finished_at: datetime | None


#: The 202 of an import route, for its OpenAPI ``responses``.
ACCEPTED = {
    202: {
        "model": ImportPublic,
        "description": "A large file: imported by a background job; follow it at GET /api/v1/imports/{id}",
    }
}


#: How an import route answers, for its OpenAPI description.
IMPORT_DESCRIPTION = (
    f"A file up to {SYNC_IMPORT_BYTES // 1024} KB is imported at once: 200 with the report, or 422 naming the line "
    "(or entry) and the column of the first problem. A larger one is answered 202 with an import job, imported in "
    "the background: follow it at GET /api/v1/imports/{id}. Either way the file is checked whole before anything "
    "is written, and a refused file writes nothing."
)


def import_public(row: ImportJob) -> ImportPublic:
    return ImportPublic(**row.model_dump())


def start_import_job(
    session: Session,
    jobs: JobsDep,
    user: TokenClaims,
    upload: BinaryIO,
    *,
    kind: str,
    importer: Importer,
    reload_bank: bool = False,
) -> JSONResponse:
    """Queue ``upload`` for ``importer`` as a job; the 202 answer naming it.

    The upload is copied into an anonymous temporary file of the server's
    (the request's own file is gone once it is answered), which the job
    closes, and so removes, when done.
    """
    copy = tempfile.TemporaryFile(prefix="masterycat-import-")
    upload.seek(0)
    shutil.copyfileobj(upload, copy, 1 << 20)
    copy.seek(0)
    row = create_import_job(session, kind=kind, size_bytes=copy.seek(0, 2), created_by=user.user_id)
    copy.seek(0)
    session.commit()
    jobs.submit_import(row.id, copy, importer, reload_bank=reload_bank)
    return JSONResponse(
        status_code=202,
        content=import_public(row).model_dump(mode="json"),
        headers={"Location": f"/api/v1/imports/{row.id}"},
    )


@router.get("", response_model=Paged[ImportPublic], summary="List import jobs, newest first", responses=errors(403))
def list_(session: SessionDep, _: BankKeepers, page: Page):
    rows, total = list_import_jobs(session, limit=page.limit, offset=page.offset)
    return Paged(items=[import_public(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/{import_id}",
    response_model=ImportPublic,
    summary="An import job's progress, report or error",
    responses=errors(403, 404),
)
def read(import_id: IdPath, session: SessionDep, _: BankKeepers):
    session.expire_all()
    return import_public(get_import_job(session, import_id))
