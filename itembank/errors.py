"""Errors the item bank raises for the caller to report.

The service maps them to HTTP statuses (:class:`NotFound` 404,
:class:`Conflict` 409, :class:`Invalid` 422) and the CLI to exit code 2.
"""

from __future__ import annotations

__all__ = ["BankError", "NotFound", "Conflict", "Invalid"]


class BankError(Exception):
    """Base class: the message is fit to show to the user."""


class NotFound(BankError, LookupError):
    """An id or code that does not exist."""


class Conflict(BankError):
    """A request that contradicts the current state (answering a finished check...)."""


class Invalid(BankError, ValueError):
    """Content that breaks a rule (a key that is not a choice, a level out of order...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
