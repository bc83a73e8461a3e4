"""Access tokens (JWT, HS256) and whether their login still stands.

A token carries the user's id (``sub``), name, role, the id of their
student or teacher record and the login's token version (``ver``), and
expires after ``Settings.token_minutes``.  A valid signature is not enough:
every request also checks, in one indexed lookup
(:func:`itembank.logins.login_state`), that the login still exists and is
active, still has that name, role and record, is not a retired student's,
is not a demo login on a server outside demo mode, and has the token's
version (logging out, or a password change, raises it: every token issued
before ends at once).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from sqlmodel import Session

from itembank.logins import login_state

__all__ = ["TokenClaims", "create_token", "decode_token", "InvalidToken", "login_is_current"]

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is malformed, forged or expired."""


@dataclass(frozen=True)
class TokenClaims:
    """Who a valid token speaks for."""

    user_id: int
    username: str
    role: str
    student_id: int | None
    teacher_id: int | None
    #: the login's token version when the token was issued
    token_version: int = 0


def create_token(claims: TokenClaims, secret: str, minutes: int, *, now: datetime | None = None) -> str:
    """A signed token for ``claims`` that expires in ``minutes``."""
    now = now or datetime.now(UTC)
    payload = {
        "sub": str(claims.user_id),
        "username": claims.username,
        "role": claims.role,
        "student_id": claims.student_id,
        "teacher_id": claims.teacher_id,
        "ver": claims.token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_token(token: str, secret: str) -> TokenClaims:
    """The claims of a valid token; :class:`InvalidToken` otherwise.

    The signature of a token is checked once: the claims of a valid token
    are kept (the last :data:`_VERIFIED_TOKENS`, by the token's exact text),
    and only its expiry is checked again on every request.
    """
    claims, expires = _verified(token, secret)
    if expires <= time.time():
        raise InvalidToken("Signature has expired")
    return claims


#: tokens whose signature was checked, kept with their claims
_VERIFIED_TOKENS = 8192


@lru_cache(maxsize=_VERIFIED_TOKENS)
def _verified(token: str, secret: str) -> tuple[TokenClaims, int]:
    """The claims and expiry (Unix seconds) of a validly signed token (its expiry not checked here)."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "ver"], "verify_exp": False},
        )
        claims = TokenClaims(
            user_id=int(payload["sub"]),
            username=str(payload["username"]),
            role=str(payload["role"]),
            student_id=payload.get("student_id"),
            teacher_id=payload.get("teacher_id"),
            token_version=int(payload["ver"]),
        )
        return claims, int(payload["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as err:
        raise InvalidToken(str(err)) from None


def login_is_current(session: Session, claims: TokenClaims, *, demo_mode: bool) -> bool:
    """Whether the login ``claims`` speak for still stands as it did when the token was issued.

    Parameters
    ----------
    session : Session
        The request's session (one indexed read).
    claims : TokenClaims
        A validly signed, unexpired token's claims.
    demo_mode : bool
        Whether the server runs in demo mode (else demo logins are refused).
    """
    state = login_state(session, claims.user_id)
    return (
        state is not None
        and state.enabled
        and (demo_mode or not state.demo)
        and state.token_version == claims.token_version
        and (state.username, state.role, state.student_id, state.teacher_id)
        == (claims.username, claims.role, claims.student_id, claims.teacher_id)
    )
