"""Logging in and out: ``POST /auth/token``, ``POST /auth/logout``, ``POST /auth/password``, ``GET /me``.

A login attempt first asks the throttle (:mod:`service.login_throttle`)
whether its client address may try that account now (429 with
``Retry-After`` otherwise); a failure is counted, a success forgets the
account's failures from that address.  Demo logins are refused unless the
server runs in demo mode.  Logging out, and changing one's password, raise
the login's token version: every token issued to it before ends.
"""

from __future__ import annotations

import logging
import secrets
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from itembank.logins import change_password, end_tokens
from itembank.passwords import hash_password, verify_password
from itembank.people import find_user
from itembank.tables import User
from service.deps import CurrentUser, SessionDep, SettingsDep
from service.routers.errors import errors
from service.schemas import Me, PasswordChange, Token
from service.security import TokenClaims, create_token

router = APIRouter(tags=["auth"])
logger = logging.getLogger(__name__)

#: longest username a login can have (``User.username``)
USERNAME_LENGTH = 64


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against for unknown usernames (same cost as a wrong password)."""
    return hash_password(secrets.token_hex(16))


def _client_address(request: Request) -> str:
    """The client's address (uvicorn takes it from ``X-Forwarded-For`` when a trusted proxy sends it)."""
    return request.client.host if request.client else "unknown"


def _could_be_a_username(username: str) -> bool:
    """Whether a login could have this name (no control characters, not too long), so it is worth looking up."""
    return 0 < len(username) <= USERNAME_LENGTH and username.isprintable()


def _too_many(wait: float) -> HTTPException:
    """The 429 for an attempt the throttle holds back ``wait`` seconds."""
    seconds = str(int(wait) + 1)
    return HTTPException(
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"too many failed logins from your address; try again in {seconds} s",
        headers={"Retry-After": seconds},
    )


def _find_login(session, username: str) -> User | None:
    return find_user(session, username) if _could_be_a_username(username) else None


@router.post(
    "/auth/token",
    response_model=Token,
    summary="Log in: a bearer token for a username and password",
    responses={
        401: {"description": "wrong username or password"},
        429: {"description": "too many failed logins from this address: wait Retry-After seconds"},
    },
)
async def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    throttle, engine, address = request.app.state.throttle, request.app.state.engine, _client_address(request)
    wait = await run_in_threadpool(throttle.retry_after, engine, form.username, address)
    if wait > 0:
        raise _too_many(wait)
    user = await run_in_threadpool(_find_login, session, form.username)
    ok = await run_in_threadpool(verify_password, form.password, user.password_hash if user else _dummy_hash())
    if ok and user is not None and user.demo and not settings.demo:
        logger.warning("demo login %r refused: the server does not run in demo mode (--demo)", user.username)
    if user is None or not ok or not user.active or (user.demo and not settings.demo):
        await run_in_threadpool(throttle.failure, engine, form.username, address)
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    await run_in_threadpool(throttle.success, engine, form.username, address)
    claims = TokenClaims(user.id, user.username, user.role, user.student_id, user.teacher_id, user.token_version)
    token = create_token(claims, settings.secret_key, settings.token_minutes)
    return Token(access_token=token, expires_in=settings.token_minutes * 60)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out: end every token of this login",
    responses={401: {"description": "not logged in"}},
)
def logout(user: CurrentUser, session: SessionDep) -> Response:
    end_tokens(session, user.user_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change your password: every token of this login ends; log in again",
    responses={
        **errors(400),
        401: {"description": "not logged in"},
        403: {"description": "the current password is wrong"},
        429: {"description": "too many failed logins from this address: wait Retry-After seconds"},
    },
)
def password(request: Request, body: PasswordChange, user: CurrentUser, session: SessionDep) -> Response:
    throttle, engine, address = request.app.state.throttle, request.app.state.engine, _client_address(request)
    wait = throttle.retry_after(engine, user.username, address)
    if wait > 0:
        raise _too_many(wait)
    row = session.get(User, user.user_id)
    if row is None or not verify_password(body.current_password, row.password_hash):
        throttle.failure(engine, user.username, address)
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="the current password is wrong")
    change_password(session, user.user_id, body.new_password)
    session.commit()
    logger.info("password changed: username=%r", user.username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=Me, summary="The logged-in user", responses=errors(401))
def me(user: CurrentUser) -> Me:
    return Me(
        id=user.user_id, username=user.username, role=user.role, student_id=user.student_id, teacher_id=user.teacher_id
    )
