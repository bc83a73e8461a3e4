"""A form sent after its login ended is kept, and sent again once the same user has logged in.

A login lasts ``Settings.token_minutes``; a student who answers a question (or
a teacher who saves a rubric score) after that would lose the work.  Instead:

1. The session cookie outlives its token by :data:`COOKIE_GRACE_SECONDS`, so
   the browser still sends the ended token with the form.  The form's token
   (:mod:`service.pages.csrf`) is checked against it as always: only a form
   this site rendered for that login is kept.
2. :func:`keep` writes the form's fields, its address and the ended login's
   user into a *pending form*: a JWT signed with the server's key, valid for
   :data:`PENDING_MINUTES`, with an audience of its own (it is never a login
   token).  The login page carries it in a hidden field.
3. After a good password, :func:`restore` gives the form back if it was kept
   for this same user; the login answers with a page whose form sends it
   again (at once, with JavaScript; with one press of its button, without).

A form with a file in it is not kept (the page they were on opens again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from starlette.datastructures import FormData, UploadFile

from service.pages.csrf import CSRF_FIELD

__all__ = ["COOKIE_GRACE_SECONDS", "PENDING_MINUTES", "PendingForm", "ended_login_user", "keep", "restore"]

#: How long the session cookie outlives its token (so that a form sent late still proves its origin).
COOKIE_GRACE_SECONDS = 24 * 3600
#: How long a kept form waits for the login.
PENDING_MINUTES = 120

_AUDIENCE = "masterycat:pending-form"
_ALGORITHM = "HS256"
#: A kept form is at most this long (in characters of its fields), like the longest written answer.
_MAX_CHARS = 20_000


@dataclass(frozen=True)
class PendingForm:
    """A form kept while its sender logs in again.

    Attributes
    ----------
    user_id : int
        Whose login ended.
    path : str
        Where the form was sent (a path on this site).
    fields : list of (str, str)
        Its fields in order (a repeated name once per value), without the form token.
    """

    user_id: int
    path: str
    fields: list[tuple[str, str]]


def ended_login_user(token: str, secret: str) -> int | None:
    """The user id of a session token signed by this server whose time has run out (None for any other)."""
    try:
        payload = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"verify_exp": False})
        return int(payload["sub"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None


def keep(form: FormData, path: str, user_id: int, secret: str) -> str | None:
    """The signed pending form of ``form`` sent to ``path`` by ``user_id`` (None when it cannot be kept).

    Parameters
    ----------
    form : FormData
        The request's form, already checked by :func:`service.pages.csrf.forgery_problem`.
    path : str
        The request's path.
    user_id : int
        The user of the ended login (:func:`ended_login_user`).
    secret : str
        The server's secret key.
    """
    fields = [(k, v) for k, v in form.multi_items() if k != CSRF_FIELD]
    if any(isinstance(v, UploadFile) for _, v in fields):
        return None
    if sum(len(k) + len(v) for k, v in fields) > _MAX_CHARS:  # type: ignore[arg-type]
        return None
    now = datetime.now(UTC)
    payload = {
        "aud": _AUDIENCE,
        "sub": str(user_id),
        "path": path,
        "fields": fields,
        "iat": now,
        "exp": now + timedelta(minutes=PENDING_MINUTES),
    }
    return jwt.encode(payload, secret, algorithm=_ALGORITHM)


def restore(kept: str, user_id: int, secret: str) -> PendingForm | None:
    """The form kept in ``kept`` when it is genuine, unexpired and was sent by ``user_id``; else None."""
    try:
        payload = jwt.decode(kept, secret, algorithms=[_ALGORITHM], audience=_AUDIENCE)
        pending = PendingForm(
            user_id=int(payload["sub"]),
            path=str(payload["path"]),
            fields=[(str(k), str(v)) for k, v in payload["fields"]],
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
    if pending.user_id != user_id or not pending.path.startswith("/") or pending.path.startswith("//"):
        return None
    return pending
