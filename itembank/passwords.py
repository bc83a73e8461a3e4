"""Password hashing with Argon2id (argon2-cffi).

Used by the service's login and by everything that creates users (the API,
the demo district).  Hashes carry their own parameters, so raising the cost
later still verifies old hashes (:func:`needs_rehash` tells when to update).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["hash_password", "verify_password", "needs_rehash"]

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (salted, self-describing)."""
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches ``hashed``; False for a malformed hash."""
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """Whether ``hashed`` was made with weaker than current parameters."""
    return _hasher.check_needs_rehash(hashed)
