"""``masterycat serve`` and ``masterycat db upgrade``: the service and its schema."""

from __future__ import annotations

import os
import secrets
import sys

import typer

from cli.common import app, fail

db_app = typer.Typer(help="The item bank database (SQLite file or DATABASE_URL).", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _engine(url: str | None):
    from itembank.db import database_url, make_engine

    try:
        return make_engine(database_url(url))
    except Exception as err:  # bad URL, missing driver
        fail(f"cannot open the database {database_url(url)}: {err}")


def _has_demo_logins(engine) -> bool:
    from sqlmodel import Session

    from itembank.logins import has_demo_logins

    with Session(engine) as session:
        return has_demo_logins(session)


def store_demo_fit_report(engine) -> None:
    """Keep the fit report of the demo's live calibration, with DIF of its English learners, unless it is kept already."""
    from sqlmodel import Session, select

    from demo import flaws
    from itembank.calibration_analysis import stored_analysis
    from itembank.tables import Calibration, Student
    from reporting.fit_report import DifGroups, store_fit_report

    with Session(engine) as session:
        live = session.exec(select(Calibration.id).where(Calibration.live == True)).first()  # noqa: E712
        if live is None or stored_analysis(session, live) is not None:
            return
        students = flaws.language_groups(session.exec(select(Student.external_id)).all())
        store_fit_report(session, live, DifGroups(flaws.REFERENCE, flaws.FOCAL, students))
        session.commit()


@db_app.command("upgrade")
def db_upgrade(
    url: str = typer.Option(None, "--url", help="database URL (default: $DATABASE_URL or sqlite:///masterycat.db)"),
) -> None:
    """Create or migrate the database schema to the newest revision."""
    from sqlalchemy.exc import OperationalError

    from itembank.migrate import upgrade

    engine = _engine(url)
    try:
        revision = upgrade(engine)
    except OperationalError as err:
        fail(f"cannot reach the database: {str(err.orig).splitlines()[0] if err.orig else err}")
    finally:
        engine.dispose()
    print(f"database at revision {revision}: {engine.url.render_as_string(hide_password=True)}")


#: how long a worker may take to answer the supervisor's health check before it is restarted
WORKER_HEALTHCHECK_SECONDS = 60


@app.command("serve")
def serve(
    demo: bool = typer.Option(
        False, "--demo", help="seed a demo district (once) and accept the demo logins (refused without --demo)"
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="interface to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="server processes"),
    access_log: bool = typer.Option(False, "--access-log/--no-access-log", help="log every request"),
    keep_alive: int = typer.Option(
        75,
        "--keep-alive",
        min=1,
        max=3600,
        help="seconds an idle connection stays open; behind a load balancer, more than its idle timeout",
    ),
) -> None:
    """Serve the API (and pages); OpenAPI at /docs."""
    import uvicorn
    from sqlalchemy.exc import OperationalError

    from itembank.migrate import current_revision, head_revision, upgrade

    if not os.environ.get("MASTERYCAT_SECRET_KEY"):
        # one key shared by every worker of this server (tokens end when it stops)
        os.environ["MASTERYCAT_SECRET_KEY"] = secrets.token_urlsafe(48)
    # only --demo turns demo mode on: without it the demo logins are refused
    os.environ["MASTERYCAT_DEMO"] = "1" if demo else "0"
    engine = _engine(None)
    try:
        if demo:
            from demo.district import DEMO_PASSWORD, DEMO_USERS, seed_demo

            upgrade(engine)
            created = seed_demo(engine, progress=lambda msg: print(f"demo: {msg}", file=sys.stderr))
            store_demo_fit_report(engine)
            print(
                "demo district "
                + ("created" if created else "already present")
                + f" in {engine.url.render_as_string(hide_password=True)}"
            )
            print("demo logins (password '{}'): {}".format(DEMO_PASSWORD, ", ".join(DEMO_USERS)))
        elif current_revision(engine) != head_revision():
            fail(
                "the database schema is not up to date: run `masterycat db upgrade` first (or `masterycat serve --demo`)"
            )
        elif _has_demo_logins(engine):
            print("the demo logins of this database are refused: the server runs without --demo")
    except OperationalError as err:
        fail(f"cannot reach the database: {str(err.orig).splitlines()[0] if err.orig else err}")
    finally:
        engine.dispose()
    print(f"masterycat on http://{host}:{port}  (API /api/v1, docs /docs)")
    uvicorn.run(
        "service.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # a worker answers the supervisor's health check from a thread of its own; while it imports and
        # loads the bank on a busy machine that thread can starve for more than uvicorn's 5 s, and the
        # supervisor killed and restarted the workers in a loop (seen at load 10 on 2 cores)
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        # a load balancer reuses its connections to the servers: one the server closed first
        # (uvicorn's default: after 5 s idle) fails the request sent on it as it closes (a 502)
        timeout_keep_alive=keep_alive,
        access_log=access_log,
        log_level="info" if access_log else "warning",
    )
