"""The FastAPI application: ``create_app(settings)``.

Nothing is built at import time.  The lifespan opens the database engine
(unless one is handed in, as tests do), loads the live bank into memory,
starts the background job runner and follows the live bank when
another process changes it (:mod:`service.bank_follow`); routers per resource are mounted under
``/api/v1``, and the server-rendered pages (``service.pages``, when that
package exists) at the root.  OpenAPI is at ``/docs`` (:mod:`service.api_docs`).
Every response carries the security headers of :mod:`service.security_headers`.

Item-bank errors become HTTP errors in one place: unknown ids 404,
conflicting state 409, rule violations 422 with the field named.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from itembank.answers import InvalidAnswer
from itembank.bank import BankCache, NoLiveBank
from itembank.db import make_engine
from itembank.errors import Conflict, Invalid, NotFound
from service.api_docs import add_api_docs
from service.bank_follow import follow_bank
from service.jobs import JobRunner
from service.login_throttle import Backoff, LoginThrottle
from service.security_headers import SecurityHeaders
from service.settings import Settings, get_settings

__all__ = ["create_app", "API_PREFIX"]

API_PREFIX = "/api/v1"
logger = logging.getLogger("masterycat")


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(_: Request, err: NotFound):
        return JSONResponse(status_code=404, content={"detail": str(err)})

    @app.exception_handler(Conflict)
    async def conflict(_: Request, err: Conflict):
        return JSONResponse(status_code=409, content={"detail": str(err)})

    @app.exception_handler(NoLiveBank)
    async def no_bank(_: Request, err: NoLiveBank):
        return JSONResponse(status_code=409, content={"detail": str(err)})

    @app.exception_handler(Invalid)
    async def invalid(_: Request, err: Invalid):
        loc = ["body", err.field] if err.field else ["body"]
        return JSONResponse(status_code=422, content={"detail": [{"loc": loc, "msg": str(err), "type": "value_error"}]})

    @app.exception_handler(InvalidAnswer)
    async def invalid_answer(_: Request, err: InvalidAnswer):
        return JSONResponse(
            status_code=422, content={"detail": [{"loc": ["body", "answer"], "msg": str(err), "type": "value_error"}]}
        )


def _include_pages(app: FastAPI) -> None:
    """Mount ``service.pages.router`` (and ``service/static``) when present."""
    if importlib.util.find_spec("service.pages") is None:
        return
    pages = importlib.import_module("service.pages")
    router = getattr(pages, "router", None)
    if router is not None:
        app.include_router(router)
    if importlib.util.find_spec("service.pages.errors") is not None:
        importlib.import_module("service.pages.errors").install(app)
    static = Path(__file__).parent / "static"
    if static.is_dir():
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=static), name="static")


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the application.

    Parameters
    ----------
    settings : Settings, optional
        Default :func:`service.settings.get_settings`.
    engine : sqlalchemy Engine, optional
        Use this database engine instead of opening ``settings.database_url``
        (the caller keeps ownership: it is not disposed at shutdown).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        own = engine is None
        app.state.engine = (
            engine
            if engine is not None
            else make_engine(
                settings.database_url,
                pool_size=settings.db_pool_size,
                prepared_statements=settings.db_prepared_statements,
            )
        )
        app.state.bank.load(app.state.engine)
        app.state.jobs = JobRunner(app.state.engine, app.state.bank)
        follower = follow_bank(app, poll_seconds=settings.bank_refresh_seconds, listen_url=settings.db_listen_url)
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
                await asyncio.gather(follower, return_exceptions=True)
            app.state.jobs.shutdown()
            if own:
                app.state.engine.dispose()

    app = FastAPI(
        title="masterycat",
        summary="Item bank and adaptive checks for mastery-based learning",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors, hsts=settings.hsts)
    add_api_docs(app, settings.frame_ancestors)
    app.state.settings = settings
    app.state.bank = BankCache()
    app.state.throttle = LoginThrottle(
        account=Backoff(
            settings.login_free_failures,
            settings.login_failures_per_hour,
            settings.login_first_wait_seconds,
            settings.login_longest_wait_seconds,
        ),
        client=Backoff(
            settings.login_client_free_failures,
            settings.login_client_failures_per_hour,
            settings.login_first_wait_seconds,
            settings.login_longest_wait_seconds,
        ),
        forget_seconds=settings.login_forget_seconds,
    )
    _error_handlers(app)
    from service.routers import ROUTERS

    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    _include_pages(app)
    from service.lti import router as lti_router  # LTI 1.3 tool: /lti/login, /lti/launch, /lti/jwks, its admin page

    app.include_router(lti_router)
    return app
