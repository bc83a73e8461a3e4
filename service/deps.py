"""Request dependencies: settings, database session, bank, current user, roles.

Use them as ``Annotated`` aliases in route signatures::

    def handler(session: SessionDep, user: CurrentUser, bank: BankDep): ...

The session dependency opens a session and rolls back whatever the handler
did not commit: the handler owns the transaction and commits once, after
every write of the request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from itembank.bank import BankCache
from itembank.tables import MAX_BIGINT
from service.jobs import JobRunner
from service.security import InvalidToken, TokenClaims, decode_token, login_is_current
from service.settings import Settings

__all__ = [
    "SettingsDep",
    "EngineDep",
    "SessionDep",
    "BankDep",
    "JobsDep",
    "CurrentUser",
    "TokenClaimsDep",
    "require_current_login",
    "Page",
    "require",
    "Staff",
    "BankKeepers",
    "Admin",
]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# The light dependencies are ``async def``: they run on the event loop
# instead of taking a trip through the thread pool on every request.


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request; whatever the handler did not commit is rolled back."""
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        await run_in_threadpool(session.close)


async def get_bank(request: Request) -> BankCache:
    return request.app.state.bank


async def get_jobs(request: Request) -> JobRunner:
    return request.app.state.jobs


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
BankDep = Annotated[BankCache, Depends(get_bank)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]


_UNAUTHORIZED = "not logged in: send a valid bearer token from POST /api/v1/auth/token"
_ENDED = "this login has ended (logged out, changed or removed): log in again at POST /api/v1/auth/token"


async def get_token_claims(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> TokenClaims:
    """The claims of a validly signed, unexpired bearer token (401 otherwise); the login is not read yet.

    A route that takes these instead of :data:`CurrentUser` must call
    :func:`require_current_login` in its own transaction before it acts:
    the hot routes of a check do, so that the login check rides on the
    route's one trip to a worker thread and its one database transaction.
    """
    if not token:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, _UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    try:
        return decode_token(token, request.app.state.settings.secret_key)
    except InvalidToken:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, _UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"}
        ) from None


def require_current_login(session: Session, claims: TokenClaims, *, demo_mode: bool) -> TokenClaims:
    """``claims`` when their login still stands (:func:`service.security.login_is_current`), else a 401."""
    if not login_is_current(session, claims, demo_mode=demo_mode):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, _ENDED, headers={"WWW-Authenticate": "Bearer"})
    return claims


def _login_stands(engine: Engine, claims: TokenClaims, demo_mode: bool) -> TokenClaims:
    """:func:`require_current_login` in a session of its own, closed at once.

    The request's session would keep its pooled connection from here to the
    end of the request, through the wait for a thread to run the route on: with
    200 requests at once, requests holding connections waited for threads held
    by requests waiting for connections, until the pool timed out (500s).
    """
    with Session(engine) as session:
        return require_current_login(session, claims, demo_mode=demo_mode)


async def get_current_user(request: Request, claims: Annotated[TokenClaims, Depends(get_token_claims)]) -> TokenClaims:
    """The claims of the bearer token; 401 when absent, invalid, expired or no longer good.

    A token is no longer good once its login has changed: deleted,
    deactivated, a retired student's, logged out, a new password, or a demo
    login on a server outside demo mode (:func:`service.security.login_is_current`).
    """
    state = request.app.state
    return await run_in_threadpool(_login_stands, state.engine, claims, state.settings.demo)


TokenClaimsDep = Annotated[TokenClaims, Depends(get_token_claims)]
CurrentUser = Annotated[TokenClaims, Depends(get_current_user)]


def require(*roles: str):
    """A dependency that admits only users with one of ``roles`` (else 403)."""

    async def check(user: CurrentUser) -> TokenClaims:
        if user.role not in roles:
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"this needs the role {' or '.join(roles)}; you are {user.role}",
            )
        return user

    return check


#: teachers, psychometricians and admins
Staff = Annotated[TokenClaims, Depends(require("admin", "psychometrician", "teacher"))]
#: psychometricians and admins: the bank's content and calibration
BankKeepers = Annotated[TokenClaims, Depends(require("admin", "psychometrician"))]
#: admins only: people and logins
Admin = Annotated[TokenClaims, Depends(require("admin"))]


class PageParams:
    """``limit`` and ``offset`` query parameters of a list."""

    def __init__(
        self,
        request: Request,
        limit: Annotated[int, Query(ge=1, description="page size")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_BIGINT, description="rows to skip")] = 0,
    ) -> None:
        top = request.app.state.settings.max_page_size
        if limit > top:
            raise HTTPException(
                status_code=422,
                detail=[{"loc": ["query", "limit"], "msg": f"limit must be at most {top}", "type": "value_error"}],
            )
        self.limit = limit
        self.offset = offset


Page = Annotated[PageParams, Depends()]
