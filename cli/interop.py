"""``masterycat import …`` and ``masterycat export …``: rosters, standards and items through open standards.

Each import runs in one transaction against the database of
``DATABASE_URL`` (default ``masterycat.db``) and is kept in the import
history; ``--dry-run`` reports what would be created, updated and retired
and writes nothing else.  A refused file exits with code 2 and one line on
stderr naming the file, line and column.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import app, fail, print_json

import_app = typer.Typer(help="Import rosters (OneRoster), standards (CASE) and items (QTI).", no_args_is_help=True)
app.add_typer(import_app, name="import")

_MB = 1024 * 1024


def _engine(url: str | None):
    from itembank.db import database_url, make_engine
    from itembank.migrate import current_revision, head_revision

    try:
        engine = make_engine(database_url(url))
        revision = current_revision(engine)
    except Exception as err:  # noqa: BLE001 - a bad URL, a missing driver, an unreachable server
        fail(f"cannot open the database {database_url(url)}: {str(err).splitlines()[0]}")
    if revision != head_revision():
        fail(f"the database is at revision {revision or 'none'}, not {head_revision()}: run masterycat db upgrade")
    return engine


def _print_report(report, as_json: bool, run_id: int) -> None:
    if as_json:
        print_json({"run_id": run_id, **report.to_dict()})
        return
    print(f"{'dry run, nothing written' if report.dry_run else 'imported'} (import {run_id})")
    for kind, counts in report.counts().items():
        print(f"  {kind}: " + ", ".join(f"{n} {action}" for action, n in counts.items()))
    for warning in report.warnings:
        print(f"  warning: {warning.text()}")


def _run(fmt: str, path: Path, *, dry_run: bool, as_json: bool, url: str | None, max_mb: float, options=None) -> None:
    from interop.errors import ImportRefused
    from interop.package import Limits
    from interop.runs import ImportRequest, run_import

    if not path.exists():
        fail(f"no such file or folder: {path}")
    limits = Limits(max_bytes=int(max_mb * _MB))
    engine = _engine(url)
    try:
        outcome = run_import(
            engine,
            ImportRequest(fmt, path, path.name, dry_run=dry_run, options=options or {}, limits=limits),
        )
    except ImportRefused as err:
        fail(str(err))
    finally:
        engine.dispose()
    _print_report(outcome.report, as_json, outcome.run_id)


_DRY_RUN = typer.Option(False, "--dry-run", help="report what would be created, updated and retired; write nothing")
_JSON = typer.Option(False, "--json", help="print the report as one JSON object on stdout")
_URL = typer.Option(None, "--url", help="database URL (default: $DATABASE_URL or sqlite:///masterycat.db)")
_MAX_MB = typer.Option(50.0, "--max-size", min=0.001, help="largest file or zip accepted, MB")


@import_app.command("oneroster")
def import_oneroster(
    path: Path = typer.Argument(..., help="a OneRoster 1.1 or 1.2 CSV set: a zip or a folder with manifest.csv"),
    dry_run: bool = _DRY_RUN,
    as_json: bool = _JSON,
    url: str = _URL,
    max_mb: float = _MAX_MB,
) -> None:
    """Import a OneRoster roster (bulk or delta): schools, terms, courses, classes, people, logins, enrollments."""
    _run("oneroster", path, dry_run=dry_run, as_json=as_json, url=url, max_mb=max_mb)
