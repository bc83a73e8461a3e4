"""Delivering the score outbox to the platforms: at least once, with backoff, never losing a grade.

:func:`deliver_due` sends the scores whose time has come, each in a
transaction of its own: delivered, tried again after a doubling wait (the
platform down, a 5xx or 429), or failed at once on a 4xx (listed on the
admin's page, which may send it again), but a 401 (the access token is
no longer good) is tried again with a new token.  A score carries the timestamp of
the hand-in that produced it, so a score delivered twice (the platform took
it but the answer was lost) changes nothing at the platform.
:class:`OutboxWorker` runs it every :data:`POLL_SECONDS` in a thread of the
server.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine
from sqlmodel import Session

from itembank.lti import LtiLineItem, LtiPlatform, LtiScoreOutbox, due_scores, record_delivery
from itembank.tables import utcnow
from service.lti.platform_client import PlatformRefused, PlatformUnavailable, forget_tokens, post_score

__all__ = ["deliver_due", "OutboxWorker", "POLL_SECONDS"]

logger = logging.getLogger("masterycat.lti")
POLL_SECONDS = 15.0


def _deliver_one(engine: Engine, row_id: int) -> str:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(LtiScoreOutbox, row_id, with_for_update=True)
        if row is None or row.status != "pending":
            return "skipped"
        item = session.get(LtiLineItem, row.line_item_id)
        platform = session.get(LtiPlatform, item.platform_id) if item is not None else None
        now = utcnow()
        if item is None or platform is None:
            record_delivery(row, now, "the line item or its platform is no longer registered", retry=False)
        else:
            try:
                post_score(session, platform, item.url, dict(row.score))
                record_delivery(row, now, None)
            except PlatformUnavailable as err:
                record_delivery(row, now, str(err))
                logger.warning("LTI score %s not delivered, will retry at %s: %s", row.id, row.next_try_at, err)
            except PlatformRefused as err:
                forget_tokens()  # a 401: the cached access token is no longer good; the next try gets a new one
                record_delivery(row, now, str(err), retry=err.status == 401)
                logger.error("LTI score %s refused by %s: %s", row.id, platform.issuer, err)
        session.add(row)
        session.commit()
        return row.status


def deliver_due(engine: Engine, limit: int = 50) -> dict[str, int]:
    """Send the scores due now; the count of each outcome (delivered, pending, failed)."""
    with Session(engine) as session:
        ids = [row.id for row in due_scores(session, utcnow(), limit)]
    counts: dict[str, int] = {}
    for row_id in ids:
        outcome = _deliver_one(engine, row_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


class OutboxWorker:
    """A daemon thread delivering the outbox every ``seconds`` until :meth:`stop`."""

    def __init__(self, engine: Engine, seconds: float = POLL_SECONDS) -> None:
        self._engine = engine
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lti-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._seconds):
            try:
                deliver_due(self._engine)
            except Exception:  # noqa: BLE001 - the next round tries again; the rows keep their state
                logger.exception("LTI outbox delivery round failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
