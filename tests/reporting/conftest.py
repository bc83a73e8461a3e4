"""Fixtures of the reporting tests: the service tests' small district on an in-memory SQLite database."""

from __future__ import annotations

import pytest

from itembank.db import make_engine
from itembank.migrate import upgrade
from itembank.passwords import hash_password
from tests.service.conftest import PASSWORD, World, build_world


@pytest.fixture
def world() -> World:
    """Framework G7: three objectives of 15 items (14 dichotomous, one rubric item), a live calibration."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    yield build_world(engine, hash_password(PASSWORD))
    engine.dispose()
