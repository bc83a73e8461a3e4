"""``POST /auth/token`` (OAuth2 password form) and ``GET /me``."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from itembank.passwords import hash_password, verify_password
from itembank.people import find_user
from service.deps import CurrentUser, SessionDep, SettingsDep
from service.schemas import Me, Token
from service.security import TokenClaims, create_token

router = APIRouter(tags=["auth"])


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against for unknown usernames (same cost as a wrong password)."""
    return hash_password(secrets.token_hex(16))


@router.post("/auth/token", response_model=Token, summary="Log in: a bearer token for a username and password")
async def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    throttle = request.app.state.throttle
    wait = throttle.retry_after(form.username)
    if wait > 0:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many failed logins for {form.username}; try again in {int(wait) + 1} s",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    user = find_user(session, form.username)
    ok = await run_in_threadpool(verify_password, form.password, user.password_hash if user else _dummy_hash())
    if user is None or not ok or not user.active:
        throttle.failure(form.username)
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    throttle.success(form.username)
    claims = TokenClaims(user.id, user.username, user.role, user.student_id, user.teacher_id)
    token = create_token(claims, settings.secret_key, settings.token_minutes)
    return Token(access_token=token, expires_in=settings.token_minutes * 60)


@router.get("/me", response_model=Me, summary="The logged-in user")
def me(user: CurrentUser) -> Me:
    return Me(
        id=user.user_id, username=user.username, role=user.role, student_id=user.student_id, teacher_id=user.teacher_id
    )
