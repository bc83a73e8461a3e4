"""Running an import as one transaction and keeping it in the history, for the CLI and the service alike.

:func:`run_import` opens the file or package, imports it through one
session and commits it (or rolls it back for a dry run), then writes the
:class:`itembank.import_runs.ImportRun`.  A refusal rolls everything back and
is kept in the history too, with its message.  :func:`apply_run` applies a
dry run the service kept, on the very bytes the admin saw reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from interop.case.importing import import_case
from interop.errors import ImportRefused
from interop.oneroster.importing import import_roster
from interop.package import Limits, open_package, read_limited
from interop.qti.importing import import_qti
from interop.report import ImportReport
from itembank.errors import Conflict
from itembank.import_runs import ImportRun, RunStatus, get_run, record_run
from itembank.tables import utcnow

__all__ = ["FORMATS", "ImportRequest", "ImportOutcome", "run_import", "apply_run"]

logger = logging.getLogger(__name__)

#: How many changes a report kept in the history lists (the counts cover them all).
KEPT_CHANGES = 500

Source = Path | bytes
Importer = Callable[[Session, Source, str, Limits, dict[str, Any]], ImportReport]


def _oneroster(session: Session, source: Source, name: str, limits: Limits, options: dict[str, Any]) -> ImportReport:
    return import_roster(session, open_package(source, limits, name))


def _case(session: Session, source: Source, name: str, limits: Limits, options: dict[str, Any]) -> ImportReport:
    if isinstance(source, Path):
        if source.is_dir():
            raise ImportRefused("is a folder; a CASE package is one JSON file", file=source.name)
        data = read_limited(source, limits)
    else:
        limits.check_size(len(source), name)
        data = source
    item_types = options.get("item_types")
    return import_case(
        session,
        data,
        name,
        framework=options.get("framework"),
        item_types=tuple(item_types) if item_types else None,
        objective_depth=options.get("objective_depth"),
    )


def _qti(session: Session, source: Source, name: str, limits: Limits, options: dict[str, Any]) -> ImportReport:
    standard_map = options.get("standard_map")
    return import_qti(
        session,
        source,
        name,
        limits,
        standard=options.get("standard"),
        standard_map=standard_map.encode("utf-8") if standard_map is not None else None,
    )


#: The formats and their importers: ``importer(session, source, name, limits, options)``.
FORMATS: dict[str, Importer] = {"oneroster": _oneroster, "case": _case, "qti": _qti}


@dataclass
class ImportRequest:
    """What to import and how.

    Attributes
    ----------
    format : str
        A key of :data:`FORMATS`.
    source : Path or bytes
        A file or folder (the CLI) or an upload's bytes (the service).
    name : str
        What to call the source in messages and in the history (shown only).
    dry_run : bool
        Report what would be done; write nothing but the history.
    options : dict
        The format's options.
    user_id : int, optional
        Who runs it.
    limits : Limits
        Sizes accepted.
    keep_payload : bool
        Keep an upload of a dry run in the history, so it can be applied later.
    """

    format: str
    source: Source
    name: str
    dry_run: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None
    limits: Limits = field(default_factory=Limits)
    keep_payload: bool = False


@dataclass(frozen=True)
class ImportOutcome:
    """An import's report and its place in the history."""

    report: ImportReport
    run_id: int


def _import(session: Session, request: ImportRequest) -> ImportReport:
    importer = FORMATS.get(request.format)
    if importer is None:
        raise ImportRefused(f"unknown format {request.format!r}; the formats are {', '.join(FORMATS)}")
    report = importer(session, request.source, request.name, request.limits, request.options)
    report.dry_run = request.dry_run
    return report


def _refused(engine: Engine, request: ImportRequest, err: ImportRefused) -> None:
    with Session(engine) as session:
        record_run(
            session,
            format=request.format[:16],
            status=RunStatus.refused,
            source_name=request.name,
            options=request.options,
            error=str(err),
            created_by=request.user_id,
        )
        session.commit()


def run_import(engine: Engine, request: ImportRequest) -> ImportOutcome:
    """Import a file or package in one transaction (rolled back for a dry run) and record it.

    Returns
    -------
    ImportOutcome

    Raises
    ------
    ImportRefused
        The file was refused; nothing of it was written (the refusal is in the history).
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            report = _import(session, request)
        except ImportRefused as err:
            session.rollback()
            _refused(engine, request, err)
            raise
        if request.dry_run:
            session.rollback()
        payload = (
            request.source if request.dry_run and request.keep_payload and isinstance(request.source, bytes) else None
        )
        run = record_run(
            session,
            format=request.format,
            status=RunStatus.dry_run if request.dry_run else RunStatus.applied,
            source_name=request.name,
            options=request.options,
            report=report.to_dict(KEPT_CHANGES),
            payload=payload,
            created_by=request.user_id,
        )
        if not request.dry_run:
            run.applied_at = utcnow()
        session.commit()
        logger.info("import %s %s of %s: run %s", request.format, run.status, request.name, run.id)
        return ImportOutcome(report, run.id or 0)


def apply_run(engine: Engine, run_id: int, *, limits: Limits, user_id: int | None = None) -> ImportOutcome:
    """Apply a dry run kept by the service, on the same bytes; the run becomes ``applied``.

    Raises
    ------
    NotFound
        No such run.
    Conflict
        The run is not a dry run waiting to be applied.
    ImportRefused
        The district changed since the dry run so that the file is now refused
        (the dry run stays, to be looked at again).
    """
    with Session(engine, expire_on_commit=False) as session:
        run: ImportRun = get_run(session, run_id)
        session.refresh(run, with_for_update=True)
        if run.status != RunStatus.dry_run.value or run.payload is None:
            raise Conflict(
                f"import {run_id} is {run.status.replace('_', ' ')}; only a dry run kept by the service applies"
            )
        request = ImportRequest(run.format, run.payload, run.source_name, options=dict(run.options), limits=limits)
        report = _import(session, request)
        run.status = RunStatus.applied.value
        run.report = report.to_dict(KEPT_CHANGES)
        run.payload = None
        run.applied_at = utcnow()
        run.applied_by = user_id
        session.add(run)
        session.commit()
        logger.info("import %s: run %s applied", run.format, run.id)
        return ImportOutcome(report, run_id)
