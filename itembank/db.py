"""Database engines and sessions: SQLite by default, PostgreSQL by URL.

The item bank runs on a SQLite file (``masterycat.db`` in the working
directory, WAL journal) unless ``DATABASE_URL`` names another database, in
practice PostgreSQL through psycopg 3 (``postgresql+psycopg://user@host/db``).

Sessions never commit on their own: :func:`transaction` opens one unit of
work that commits when the block ends without error and rolls back
otherwise, so a response, its check's new state and the student's mastery
update land together or not at all (docs/architecture.md, Storage).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

__all__ = ["DEFAULT_URL", "IN_BATCH", "database_url", "make_engine", "transaction", "is_sqlite", "in_batches"]

#: The default database: a SQLite file in the working directory.
DEFAULT_URL = "sqlite:///masterycat.db"
#: Values bound in one statement: PostgreSQL takes at most 65,535 parameters, SQLite 32,766.
IN_BATCH = 10_000


def in_batches(values: Sequence) -> Iterator[Sequence]:
    """``values`` in slices of at most :data:`IN_BATCH`, for ``IN`` lists within every database's parameter limit."""
    for start in range(0, len(values), IN_BATCH):
        yield values[start : start + IN_BATCH]


def database_url(url: str | None = None) -> str:
    """The database URL: ``url`` if given, else ``$MASTERYCAT_DATABASE_URL``, else ``$DATABASE_URL``, else SQLite.

    The environment is read in the order the service's settings read it
    (:class:`service.settings.Settings`), so the CLI and the server it starts
    open the same database.  A bare ``postgresql://`` URL is read as
    psycopg 3 (``postgresql+psycopg://``).
    """
    url = url or os.environ.get("MASTERYCAT_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database."""
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(
    url: str | None = None, *, echo: bool = False, pool_size: int = 10, prepared_statements: bool = True
) -> Engine:
    """A SQLAlchemy engine for ``url`` (see :func:`database_url`).

    SQLite files get WAL journaling, enforced foreign keys and a busy
    timeout; an in-memory SQLite database (``sqlite://``) is shared by every
    connection of the engine.  PostgreSQL gets a connection pool of
    ``pool_size`` with pre-ping.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default :func:`database_url`.
    echo : bool
        Log SQL statements.
    pool_size : int
        Connections kept open (PostgreSQL).
    prepared_statements : bool
        PostgreSQL: let psycopg prepare a statement a connection runs often
        (its ``prepare_threshold``, 5 runs); False never prepares, as
        PgBouncer in transaction pooling mode needs.
    """
    url = database_url(url)
    if is_sqlite(url):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict = {"connect_args": {"check_same_thread": False}}
        if memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # no pre-ping (a round trip on every checkout); stale connections are
    # recycled after half an hour instead
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
        pool_recycle=1800,
        connect_args={} if prepared_statements else {"prepare_threshold": None},
    )


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit at the end of the block, roll back on error.

    Objects stay readable after the commit (``expire_on_commit=False``).
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
