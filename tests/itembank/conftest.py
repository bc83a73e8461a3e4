"""The item bank tests share the service tests' databases and district."""

from tests.service.conftest import build_world, db_engine, password_hash, pg_engine, world  # noqa: F401
