"""Import jobs: a large file imported off the request path, with its progress and its outcome.

A job (:class:`ImportJob`) is created ``queued`` (:func:`create_import_job`)
and executed by :func:`run_import` in a background worker: ``checking``
while the whole file is checked (``progress`` is the fraction read), then
``writing`` while it is stored in one transaction, and ``done`` with its
report, committed together with the rows it wrote, or ``failed`` with the
message naming the problem, nothing written.  The state lives in the row,
so any process can report it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any, BinaryIO, Protocol

from sqlalchemy import BigInteger, Column, update
from sqlalchemy.engine import Engine
from sqlmodel import JSON, Field, Session, SQLModel, func, select

from itembank.errors import Invalid, NotFound
from itembank.io import FileFormatError
from itembank.tables import UtcDateTime, utcnow

__all__ = [
    "ImportStatus",
    "ImportJob",
    "Importer",
    "create_import_job",
    "get_import_job",
    "list_import_jobs",
    "run_import",
]

logger = logging.getLogger(__name__)


class ImportStatus(str, Enum):
    """Where an import job stands."""

    queued = "queued"
    checking = "checking"
    writing = "writing"
    done = "done"
    failed = "failed"


class ImportJob(SQLModel, table=True):
    """One file imported as a background job: its kind, state, progress and report."""

    __tablename__ = "import_job"

    id: int | None = Field(default=None, primary_key=True)
    #: ``responses``, ``items`` or ``standards``
    kind: str = Field(max_length=16)
    status: str = Field(default=ImportStatus.queued.value, max_length=16)
    #: the fraction of the file checked, 0..1
    progress: float = Field(default=0.0)
    size_bytes: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    #: what the import did (counts), once done
    report: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: why the file was refused, naming the line and the column
    error: str | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Importer(Protocol):
    """Checks and stores one file in ``session`` (not committed) and returns its report.

    ``on_progress(fraction)`` is called while the file is checked, and
    ``on_writing()`` once, when the check is over and writing begins.
    """

    def __call__(
        self,
        session: Session,
        stream: BinaryIO,
        *,
        on_progress: Callable[[float], None],
        on_writing: Callable[[], None],
    ) -> dict[str, Any]: ...


def create_import_job(session: Session, *, kind: str, size_bytes: int, created_by: int | None = None) -> ImportJob:
    """A queued job (flushed, not committed)."""
    row = ImportJob(kind=kind, size_bytes=size_bytes, created_by=created_by)
    session.add(row)
    session.flush()
    return row


def get_import_job(session: Session, import_id: int) -> ImportJob:
    row = session.get(ImportJob, import_id)
    if row is None:
        raise NotFound(f"no import with id {import_id}")
    return row


def list_import_jobs(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[ImportJob], int]:
    """A page of jobs, newest first, and the total."""
    total = session.exec(select(func.count()).select_from(ImportJob)).one()
    rows = session.exec(select(ImportJob).order_by(ImportJob.id.desc()).offset(offset).limit(limit)).all()
    return list(rows), int(total)


def _set(engine: Engine, import_id: int, **values: Any) -> None:
    """Record the job's state in a transaction of its own (visible at once to every process)."""
    with Session(engine) as session:
        session.execute(update(ImportJob).where(ImportJob.id == import_id).values(**values))
        session.commit()


#: Smallest progress step written to the row.
PROGRESS_STEP = 0.05


def run_import(engine: Engine, import_id: int, stream: BinaryIO, importer: Importer) -> ImportJob:
    """Execute a queued import job on ``stream`` (its file, read from the start).

    The file is checked (progress on the row as it goes), then written with
    the job's final status in one transaction.  A refused file is recorded
    as ``failed`` with its message, an unexpected error with its type
    (details in the log), rather than raised: this runs as a job.
    """
    _set(engine, import_id, status=ImportStatus.checking.value, progress=0.0)
    shown = [0.0]

    def on_progress(fraction: float) -> None:
        if fraction - shown[0] >= PROGRESS_STEP:
            shown[0] = fraction
            _set(engine, import_id, progress=fraction)

    def on_writing() -> None:
        _set(engine, import_id, status=ImportStatus.writing.value, progress=1.0)

    try:
        with Session(engine) as session:
            report = importer(session, stream, on_progress=on_progress, on_writing=on_writing)
            session.execute(
                update(ImportJob)
                .where(ImportJob.id == import_id)
                .values(status=ImportStatus.done.value, progress=1.0, report=report, finished_at=utcnow())
            )
            session.commit()
        logger.info("import %d done: %s", import_id, report)
    except (FileFormatError, Invalid) as err:
        message = err.problem if isinstance(err, FileFormatError) else str(err)
        _set(engine, import_id, status=ImportStatus.failed.value, error=message[:2000], finished_at=utcnow())
        logger.warning("import %d refused: %s", import_id, message)
    except Exception as err:  # recorded on the row, not raised: this runs as a job
        message = f"the import failed unexpectedly ({type(err).__name__}); nothing was written"
        _set(engine, import_id, status=ImportStatus.failed.value, error=message, finished_at=utcnow())
        logger.error("import %d failed", import_id, exc_info=err)
    with Session(engine) as session:
        return get_import_job(session, import_id)
