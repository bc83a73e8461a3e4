"""Access tokens (JWT, HS256) and the login throttle.

A token carries the user's id (``sub``), role and the id of their student or
teacher record, and expires after ``Settings.token_minutes``; so authorizing a
request needs no database read.

:class:`LoginThrottle` slows down password guessing: after a number of
failures for one username within a window, that username is locked for a
while (even the right password is refused until the lock ends).  It lives in
the process; behind several processes each keeps its own count, which still
bounds the guessing rate per process.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

__all__ = ["TokenClaims", "create_token", "decode_token", "InvalidToken", "LoginThrottle"]

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


def create_token(claims: TokenClaims, secret: str, minutes: int, *, now: datetime | None = None) -> str:
    """A signed token for ``claims`` that expires in ``minutes``."""
    now = now or datetime.now(UTC)
    payload = {
        "sub": str(claims.user_id),
        "username": claims.username,
        "role": claims.role,
        "student_id": claims.student_id,
        "teacher_id": claims.teacher_id,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_token(token: str, secret: str) -> TokenClaims:
    """The claims of a valid token; :class:`InvalidToken` otherwise."""
    try:
        payload = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        return TokenClaims(
            user_id=int(payload["sub"]),
            username=str(payload["username"]),
            role=str(payload["role"]),
            student_id=payload.get("student_id"),
            teacher_id=payload.get("teacher_id"),
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as err:
        raise InvalidToken(str(err)) from None


class LoginThrottle:
    """Failed-login counting and short lockouts per username.

    The tables stay bounded: a username's failures are forgotten once they
    have left the window, its lockout once it is over, and beyond
    ``max_usernames`` entries the oldest go first (so a spray of made-up
    usernames costs memory only up to the cap).

    Parameters
    ----------
    max_failures : int
        Failures within ``window`` seconds that trigger a lockout.
    window : float
    lockout : float
        Seconds the username stays locked.
    max_usernames : int
        Most usernames with recent failures remembered at once (and most
        lockouts).
    clock : callable
        Monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 300.0,
        lockout: float = 60.0,
        max_usernames: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.max_usernames = max_usernames
        self._clock = clock
        # both ordered by when they expire (the window and the lockout are constant): oldest first
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._locked_until: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().lower()

    def __len__(self) -> int:
        """Usernames with recent failures or a lockout."""
        with self._lock:
            return len(self._failures.keys() | self._locked_until.keys())

    def retry_after(self, username: str) -> float:
        """Seconds until ``username`` may try again (0 when not locked)."""
        with self._lock:
            until = self._locked_until.get(self._key(username), 0.0)
            return max(0.0, until - self._clock())

    def failure(self, username: str) -> None:
        """Count a failed login; lock the username when over the limit."""
        key, now = self._key(username), self._clock()
        with self._lock:
            self._forget_expired(now)
            q = self._failures.pop(key, deque())
            q.append(now)
            while q[0] < now - self.window:
                q.popleft()
            if len(q) >= self.max_failures:
                self._locked_until.pop(key, None)
                self._locked_until[key] = now + self.lockout
            else:
                self._failures[key] = q
            for table in (self._failures, self._locked_until):
                while len(table) > self.max_usernames:
                    table.popitem(last=False)

    def success(self, username: str) -> None:
        """Forget the failures of ``username``."""
        key = self._key(username)
        with self._lock:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)

    def _forget_expired(self, now: float) -> None:
        """Drop failures that have left the window and lockouts that are over."""
        while self._failures:
            oldest = next(iter(self._failures.values()))
            if oldest[-1] >= now - self.window:
                break
            self._failures.popitem(last=False)
        while self._locked_until and next(iter(self._locked_until.values())) <= now:
            self._locked_until.popitem(last=False)
