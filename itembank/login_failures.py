"""The login throttle's memory: a decaying count of failed logins per key (:class:`LoginFailures`).

A key's ``level`` rises by one with each failure and falls by ``leak``
per second in between, so it counts recent failures; rows are written
with one atomic upsert, so processes sharing the database share the
count.  Times are Unix seconds.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from itembank.tables import LoginFailures

__all__ = ["add_failure", "failure_levels", "forget_failures", "purge_failures"]


def failure_levels(session: Session, keys: Iterable[str]) -> dict[str, tuple[float, float]]:
    """``{key: (level, updated)}`` of the keys that have failures on record."""
    stmt = select(LoginFailures.key, LoginFailures.level, LoginFailures.updated).where(
        col(LoginFailures.key).in_(list(keys))
    )
    return {key: (level, updated) for key, level, updated in session.exec(stmt)}


def add_failure(session: Session, key: str, now: float, leak: float) -> float:
    """Count a failure for ``key`` at ``now``; returns the key's new level.

    Parameters
    ----------
    session : Session
    key : str
        At most 64 characters.
    now : float
        Unix seconds.
    leak : float
        Failures forgotten per second since the key last rose.
    """
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    decayed = col(LoginFailures.level) - (now - col(LoginFailures.updated)) * leak
    stmt = (
        insert(LoginFailures)
        .values(key=key, level=1.0, updated=now)
        .on_conflict_do_update(
            index_elements=["key"], set_={"level": case((decayed > 0, decayed), else_=0.0) + 1.0, "updated": now}
        )
        .returning(LoginFailures.level)
    )
    return float(session.execute(stmt).scalar_one())


def forget_failures(session: Session, key: str) -> None:
    """Forget the failures of ``key``."""
    session.execute(delete(LoginFailures).where(col(LoginFailures.key) == key))


def purge_failures(session: Session, before: float) -> int:
    """Delete the keys whose last failure is older than ``before``; returns how many."""
    result = session.execute(delete(LoginFailures).where(col(LoginFailures.updated) < before))
    return int(result.rowcount)  # type: ignore[attr-defined]
