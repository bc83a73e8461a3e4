"""The assignment page tests use the page tests' district (SQLite) and page clients."""

from tests.pages.conftest import app, client, login, password_hash, world  # noqa: F401 - fixtures
