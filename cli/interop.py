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
export_app = typer.Typer(help="Export standards (CASE) and items (QTI).", no_args_is_help=True)
app.add_typer(export_app, name="export")

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


def _case_options(framework: str | None, levels: str | None, objective_depth: int | None) -> dict:
    from interop.options import case_options

    try:
        return case_options(framework=framework, levels=levels, objective_depth=objective_depth)
    except ValueError as err:
        fail(str(err))


@import_app.command("case")
def import_case(
    path: Path = typer.Argument(..., help="a CASE 1.0 or 1.1 CFPackage (JSON)"),
    framework: str = typer.Option(
        None, "--framework", help="the framework's name in masterycat (default: as before, else the document's title)"
    ),
    levels: str = typer.Option(
        None,
        "--levels",
        help="the CFItemTypes of competencies, indicators and objectives, e.g. Domain,Cluster,Standard "
        "(default: placed by depth)",
    ),
    objective_depth: int = typer.Option(
        None,
        "--objective-depth",
        help="with placement by depth: the objectives' depth (default: the shallowest leaf's)",
    ),
    dry_run: bool = _DRY_RUN,
    as_json: bool = _JSON,
    url: str = _URL,
    max_mb: float = _MAX_MB,
) -> None:
    """Import a CASE framework into the standards (competency > indicator > objective)."""
    options = _case_options(framework, levels, objective_depth)
    _run("case", path, dry_run=dry_run, as_json=as_json, url=url, max_mb=max_mb, options=options)


def _write_atomically(out: Path, data: bytes) -> None:
    """Write ``out`` whole or not at all (a temporary file beside it, then renamed)."""
    import os
    import tempfile

    if not out.parent.is_dir():
        fail(f"no such folder: {out.parent}")
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@export_app.command("case")
def export_case_command(
    out: Path = typer.Option(..., "--out", help="the CASE 1.1 CFPackage to write (JSON)"),
    framework: str = typer.Option(None, "--framework", help="the framework (default: the only one there is)"),
    url: str = _URL,
) -> None:
    """Export a standards framework as a CASE 1.1 CFPackage."""
    import json

    from sqlmodel import Session, select

    from interop.case.exporting import export_case
    from itembank.errors import NotFound
    from itembank.tables import Standard

    engine = _engine(url)
    with Session(engine) as session:
        if framework is None:
            names = sorted(set(session.exec(select(Standard.framework)).all()))
            if len(names) != 1:
                fail(f"name the framework with --framework: the bank has {', '.join(names) or 'none'}")
            framework = names[0]
        try:
            package = export_case(session, framework)
        except NotFound as err:
            fail(str(err))
    engine.dispose()
    _write_atomically(out, json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8"))
    print(
        f"{out}: framework {framework}, {len(package['CFItems'])} items, {len(package['CFAssociations'])} associations"
    )


@import_app.command("qti")
def import_qti_command(
    path: Path = typer.Argument(
        ..., help="a QTI item (XML), a QTI content package or a Canvas quiz export (zip or folder)"
    ),
    standard: str = typer.Option(None, "--standard", help="the objective of items whose package names none"),
    standard_map: Path = typer.Option(
        None, "--standard-map", help="a CSV item_identifier,standard_code placing each item (before --standard)"
    ),
    dry_run: bool = _DRY_RUN,
    as_json: bool = _JSON,
    url: str = _URL,
    max_mb: float = _MAX_MB,
) -> None:
    """Import QTI 3.0, 2.1/2.2 or Canvas QTI 1.2 items into the bank (new items as drafts)."""
    from interop.options import qti_options

    mapping = None
    if standard_map is not None:
        if not standard_map.is_file():
            fail(f"no such file: {standard_map}")
        try:
            mapping = standard_map.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            fail(f"{standard_map.name}: is not UTF-8 text")
    try:
        options = qti_options(standard=standard, standard_map=mapping)
    except ValueError as err:
        fail(str(err))
    _run("qti", path, dry_run=dry_run, as_json=as_json, url=url, max_mb=max_mb, options=options)


@export_app.command("qti")
def export_qti_command(
    out: Path = typer.Option(..., "--out", help="the QTI 3.0 content package to write (zip)"),
    standard: list[str] = typer.Option(None, "--standard", help="only the items under this standard (repeat for more)"),
    status: str = typer.Option(
        None, "--status", help="only items of this status: draft, pretest, operational, retired"
    ),
    url: str = _URL,
) -> None:
    """Export items as a QTI 3.0 content package (with their media, standards and calibrated parameters)."""
    from sqlmodel import Session

    from interop.qti.exporting import export_qti, select_items
    from itembank.errors import NotFound

    if status is not None and status not in ("draft", "pretest", "operational", "retired"):
        fail(f"--status should be draft, pretest, operational or retired, got {status!r}")
    engine = _engine(url)
    with Session(engine) as session:
        try:
            items = select_items(session, standards=standard or None, status=status)
        except NotFound as err:
            fail(str(err))
        if not items:
            fail("no item matches; nothing written")
        package = export_qti(session, items)
    engine.dispose()
    _write_atomically(out, package)
    print(f"{out}: {len(items)} items")
