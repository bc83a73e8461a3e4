"""The history of imports: each upload or command, what it did or would do, and who ran it.

An :class:`ImportRun` is written for every import, applied, dry run or
refused, by the CLI and the service alike.  A dry run made through the
service keeps the uploaded file (``payload``) so that the admin can apply
exactly what they saw; applying it runs the import again on the same bytes
and the row becomes ``applied`` (its file is then dropped).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, func, select

from itembank.errors import NotFound
from itembank.tables import UtcDateTime, utcnow

__all__ = ["RunStatus", "ImportRun", "record_run", "get_run", "list_runs"]


class RunStatus(str, Enum):
    """What became of an import."""

    dry_run = "dry_run"
    applied = "applied"
    refused = "refused"


class ImportRun(SQLModel, table=True):
    """One import of a roster, a standards framework or items."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    #: ``oneroster``, ``case`` or ``qti``
    format: str = Field(max_length=16, index=True)
    status: str = Field(max_length=16)
    #: what the user called the file (shown only, never used as a path)
    source_name: str = Field(default="", max_length=200)
    #: the import's options (``{"standard": "7.RP.A.2"}``...)
    options: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: the report (:meth:`interop.report.ImportReport.to_dict`), or None for a refusal
    report: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: why the file was refused
    error: str = Field(default="")
    #: the uploaded file of a dry run awaiting an admin's decision
    payload: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    #: who applied a dry run (for an import applied at once, ``created_by``)
    applied_by: int | None = Field(default=None, foreign_key="user.id")
    applied_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


def record_run(
    session: Session,
    *,
    format: str,
    status: RunStatus,
    source_name: str,
    options: dict[str, Any] | None = None,
    report: dict[str, Any] | None = None,
    error: str = "",
    payload: bytes | None = None,
    created_by: int | None = None,
) -> ImportRun:
    """Add a run to the history (not committed)."""
    row = ImportRun(
        format=format,
        status=status.value,
        source_name=source_name[:200],
        options=options or {},
        report=report,
        error=error,
        payload=payload,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row


def get_run(session: Session, run_id: int) -> ImportRun:
    """The run ``run_id``; :class:`NotFound` otherwise."""
    row = session.get(ImportRun, run_id)
    if row is None:
        raise NotFound(f"no import with id {run_id}")
    return row


def list_runs(
    session: Session, *, formats: Collection[str] | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[ImportRun], int]:
    """A page of runs (of ``formats`` only, if given), newest first, and how many there are."""
    stmt = select(ImportRun)
    if formats is not None:
        stmt = stmt.where(ImportRun.format.in_(list(formats)))  # type: ignore[attr-defined]
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(ImportRun.id.desc()).offset(offset).limit(limit)).all()  # type: ignore[union-attr]
    return list(rows), int(total)
