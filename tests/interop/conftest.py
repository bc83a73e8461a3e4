"""The interop tests share the service tests' databases, district and clients."""

from tests.service.conftest import (  # noqa: F401
    app,
    as_user,
    build_world,
    client,
    db_engine,
    password_hash,
    pg_engine,
    world,
)
