"""masterycat as an LTI 1.3 Advantage tool: launch, deep linking, grades back, rosters.

``router`` is mounted by :func:`service.app.create_app`; its lifespan runs the
score outbox's delivery (:class:`service.lti.outbox.OutboxWorker`).  The modules:
:mod:`.validation` (the id_token checked), :mod:`.launch` (``/lti/jwks``,
``/lti/login``, ``/lti/launch``), :mod:`.deep_linking` (the picker and its
signed answer), :mod:`.dynamic_registration` (LTI Dynamic Registration), :mod:`.platform_client` (access tokens, AGS, NRPS calls),
:mod:`.outbox` (score delivery), :mod:`.roster` (NRPS sync), :mod:`.admin`
(the admin's page).  The tables are :mod:`itembank.lti`.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from service.lti import admin, deep_linking, dynamic_registration, launch
from service.lti.outbox import OutboxWorker

__all__ = ["router"]


@asynccontextmanager
async def _deliver_scores(app: FastAPI):
    """Deliver the score outbox in a thread while the server runs (``Settings.lti_delivery_seconds``).

    Not on an in-memory SQLite database: its one connection is shared by every
    thread of the process (the tests' databases), so there ``deliver_due`` is
    called directly.
    """
    engine = app.state.engine
    seconds = app.state.settings.lti_delivery_seconds
    in_memory = engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:")
    if seconds <= 0 or in_memory:
        yield
        return
    worker = OutboxWorker(engine, seconds)
    worker.start()
    try:
        yield
    finally:
        worker.stop()


router = APIRouter(lifespan=_deliver_scores)
for _module in (launch, deep_linking, dynamic_registration, admin):
    router.include_router(_module.router)
