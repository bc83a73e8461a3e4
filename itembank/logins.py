"""A login's current standing: what every authorized request checks, and ending its tokens.

A token names the login it was issued for and the login's
``token_version`` at the time; it is good only while the login still
exists, is active, has the same name, role and records, its student (for
a student login) is not retired and its version has not been raised since.
:func:`login_state` reads all of that in one indexed lookup (the user's
primary key, the student's by a join); :func:`end_tokens` raises the
version (logging out), :func:`change_password` too.  :func:`has_demo_logins`
tells whether a database has demo logins (only a server in demo mode
accepts them).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, col, select, update

from itembank.errors import NotFound
from itembank.passwords import hash_password
from itembank.tables import Student, User

__all__ = ["LoginState", "login_state", "end_tokens", "change_password", "has_demo_logins"]


@dataclass(frozen=True)
class LoginState:
    """A login as it stands now in the database."""

    username: str
    role: str
    student_id: int | None
    teacher_id: int | None
    token_version: int
    demo: bool
    #: active, and (a student login) its student not retired
    enabled: bool


_USER = User.__table__
_STUDENT = Student.__table__
#: built once: every authorized request runs it (a Core statement, no ORM work per request)
_LOGIN_STATE = (
    select(
        _USER.c.username,
        _USER.c.role,
        _USER.c.student_id,
        _USER.c.teacher_id,
        _USER.c.token_version,
        _USER.c.demo,
        _USER.c.active,
        _STUDENT.c.retired,
    )
    .select_from(_USER.outerjoin(_STUDENT, _STUDENT.c.id == _USER.c.student_id))
    .where(_USER.c.id == bindparam("user_id"))
)


def login_state(session: Session, user_id: int) -> LoginState | None:
    """The login with id ``user_id`` as it stands now; None when there is none."""
    row = session.connection().execute(_LOGIN_STATE, {"user_id": user_id}).first()
    if row is None:
        return None
    username, role, student_id, teacher_id, version, demo, active, retired = row
    return LoginState(username, role, student_id, teacher_id, version, demo, bool(active) and not retired)


def end_tokens(session: Session, user_id: int) -> None:
    """End every token issued so far to the login ``user_id`` (it raises the login's version)."""
    result = session.exec(  # type: ignore[call-overload]
        update(User).where(col(User.id) == user_id).values(token_version=User.token_version + 1)
    )
    if result.rowcount == 0:
        raise NotFound(f"no login with id {user_id}")


def change_password(session: Session, user_id: int, password: str) -> None:
    """Give the login ``user_id`` a new password and end its tokens."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no login with id {user_id}")
    user.password_hash = hash_password(password)
    user.token_version += 1
    session.add(user)
    session.flush()


def has_demo_logins(session: Session) -> bool:
    """Whether any login is a demo login."""
    return session.exec(select(User.id).where(col(User.demo))).first() is not None
