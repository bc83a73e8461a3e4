"""Every server process on the live bank of the database: LISTEN/NOTIFY on PostgreSQL, a poll on SQLite.

Each process keeps the live bank in memory (:class:`itembank.bank.BankCache`).
When another process or host makes a calibration live or edits an item, the
database's triggers (migration ``0012_bank_notify``) send ``NOTIFY
masterycat_bank`` as the change commits; every process listens on a
connection of its own and reloads the bank when its version in the database
(:func:`itembank.bank.bank_version`) differs from the one it holds.  After
(re)connecting it compares once, so a change made while it was not
listening is not missed.  SQLite has no notifications: there each process
compares every ``bank_refresh_seconds``.

Behind PgBouncer in transaction pooling mode LISTEN does not work (the
server connection changes between transactions): ``db_listen_url`` then
names the database directly.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from sqlalchemy.engine import URL, make_url
from starlette.concurrency import run_in_threadpool

from itembank.db import is_sqlite

__all__ = ["CHANNEL", "follow_bank", "listen_dsn"]

#: the notification channel of the triggers of migration 0012_bank_notify
CHANNEL = "masterycat_bank"
#: wait before listening again after the connection failed
RECONNECT_SECONDS = 2.0

logger = logging.getLogger("masterycat")


def listen_dsn(url: str | URL) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (password kept)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _refresh(app: FastAPI) -> None:
    reload = asyncio.ensure_future(run_in_threadpool(app.state.bank.refresh_if_stale, app.state.engine))
    try:
        await asyncio.shield(reload)
    except asyncio.CancelledError:
        # a reload already running in its thread ends before the follower does, so nothing
        # reads the database after the app has shut down (a TRUNCATE waiting on it deadlocked)
        await asyncio.wait([reload])
        raise
    except Exception:  # noqa: BLE001 - a failed reload is retried at the next change or tick
        logger.exception("bank refresh failed")


async def _poll(app: FastAPI, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        await _refresh(app)


async def _listen(app: FastAPI, dsn: str) -> None:
    import psycopg

    while True:
        try:
            async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                await _refresh(app)  # whatever changed before we listened
                async for _note in conn.notifies():
                    await _refresh(app)
        except psycopg.Error as err:
            logger.warning("listening for bank changes failed (%s); again in %.0f s", err, RECONNECT_SECONDS)
            await asyncio.sleep(RECONNECT_SECONDS)


def follow_bank(app: FastAPI, *, poll_seconds: float, listen_url: str | None = None) -> asyncio.Task | None:
    """Start following the live bank in the background; the task to cancel at shutdown (None: not followed).

    Parameters
    ----------
    app : FastAPI
        The application whose ``state.bank`` and ``state.engine`` to use.
    poll_seconds : float
        SQLite: seconds between comparisons (0: do not follow).
    listen_url : str, optional
        PostgreSQL: where to LISTEN (default the engine's database).
    """
    url = app.state.engine.url
    if is_sqlite(str(url)):
        return asyncio.create_task(_poll(app, poll_seconds)) if poll_seconds > 0 else None
    return asyncio.create_task(_listen(app, listen_dsn(listen_url or url)))
