"""Schema migrations: bring a database to the newest Alembic revision.

The migration scripts live in :mod:`itembank.migrations`; there is no
``alembic.ini`` to find, the configuration is built here.  Everything that
creates a schema (``masterycat db upgrade``, the demo, the tests) goes
through :func:`upgrade`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

__all__ = ["alembic_config", "upgrade", "current_revision", "head_revision"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration pointing at the bundled scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Migrate the database of ``engine`` to ``revision``; returns the new revision.

    One transaction.  On SQLite, which alters a table by rebuilding it,
    foreign keys are off while migrating (dropping the old copy of a table
    others refer to would break them) and every one is checked before the
    commit.

    Raises
    ------
    RuntimeError
        When the migrated SQLite database has rows whose foreign keys point nowhere.
    """
    cfg = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:  # the pragma is a no-op inside a transaction: set it before one begins
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, revision)
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    return current_revision(engine) or ""


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision of the bundled scripts."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""
