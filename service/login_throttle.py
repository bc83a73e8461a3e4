"""The login throttle: exponential backoff per account and client address, shared through the database.

Two counts of recent failed logins are kept (:mod:`itembank.login_failures`),
each forgetting failures at a steady rate:

- **an account from one client address**: after a few failures, each further
  one makes that address wait before trying that account again, twice as
  long each time up to a cap.  The account's owner, at another address, is
  not held up by someone guessing their password.
- **a client address, over all accounts**: a generous allowance (a school's
  shared address sees many typos) beyond which the same backoff applies,
  so one address cannot spray guesses over many usernames.

In the long run an address gets about ``per_hour`` guesses an hour at one
account, and the client allowance over all of them.  The counts live in
the database, so every worker process of the server shares them.  Rows
are keyed by a digest of the username and address, and forgotten a while
after their last failure.  Throttled attempts and failures are logged with
the username and the address, never the password.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from itembank.db import transaction
from itembank.login_failures import add_failure, failure_levels, forget_failures, purge_failures

__all__ = ["Backoff", "LoginThrottle"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """How one count of failures slows the next attempt.

    Attributes
    ----------
    free : float
        Recent failures allowed before any wait.
    per_hour : float
        Failures forgotten per hour (the long-run rate of attempts allowed).
    first_wait, longest_wait : float
        Seconds: the wait after the first failure beyond ``free``; it doubles
        with every further one up to ``longest_wait``.
    """

    free: float
    per_hour: float
    first_wait: float
    longest_wait: float

    @property
    def leak(self) -> float:
        """Failures forgotten per second."""
        return self.per_hour / 3600.0

    def wait(self, level: float) -> float:
        """Seconds to wait after the failure that brought the count to ``level``."""
        if level <= self.free:
            return 0.0
        return min(self.longest_wait, self.first_wait * 2.0 ** (level - self.free - 1.0))


class LoginThrottle:
    """Failed logins per account and address, and how long an attempt must wait.

    Parameters
    ----------
    account : Backoff
        For one account from one client address.
    client : Backoff
        For one client address over all accounts.
    forget_seconds : float
        Failures on record are deleted this long after the last one.
    clock : callable
        Unix time (injectable for tests).
    """

    def __init__(
        self, account: Backoff, client: Backoff, forget_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.account = account
        self.client = client
        self.forget_seconds = forget_seconds
        self._clock = clock

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        """The digests keying (account, address) and (address)."""
        name = username.strip().lower()
        account = hashlib.sha256(f"account\x00{name}\x00{address}".encode()).hexdigest()
        client = hashlib.sha256(f"client\x00{address}".encode()).hexdigest()
        return account, client

    def retry_after(self, engine: Engine, username: str, address: str) -> float:
        """Seconds ``address`` must wait before trying ``username`` (0: go ahead); logs a throttled attempt."""
        account_key, client_key = self._keys(username, address)
        with Session(engine) as session:
            levels = failure_levels(session, (account_key, client_key))
        now = self._clock()
        wait = 0.0
        for key, backoff in ((account_key, self.account), (client_key, self.client)):
            if key in levels:
                level, updated = levels[key]
                wait = max(wait, updated + backoff.wait(level) - now)
        if wait > 0:
            logger.warning("login throttled: username=%r client=%s retry_after=%.0fs", username[:64], address, wait)
        return wait

    def failure(self, engine: Engine, username: str, address: str) -> None:
        """Count a failed login of ``username`` from ``address``, and log it."""
        account_key, client_key = self._keys(username, address)
        now = self._clock()
        with transaction(engine) as session:
            purge_failures(session, now - self.forget_seconds)
            account = add_failure(session, account_key, now, self.account.leak)
            client = add_failure(session, client_key, now, self.client.leak)
        logger.warning(
            "failed login: username=%r client=%s recent failures: %.1f for this account, %.1f from this client",
            username[:64],
            address,
            account,
            client,
        )

    def success(self, engine: Engine, username: str, address: str) -> None:
        """Forget the failures of ``username`` from ``address`` (the address's own count stays)."""
        with transaction(engine) as session:
            forget_failures(session, self._keys(username, address)[0])
