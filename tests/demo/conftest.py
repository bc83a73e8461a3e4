"""The demo district, built once for the tests of tests/demo that read it."""

from __future__ import annotations

import pytest

from demo.district import seed_demo
from itembank.db import make_engine
from itembank.migrate import upgrade


@pytest.fixture(scope="session")
def demo():
    engine = make_engine("sqlite://")
    upgrade(engine)
    assert seed_demo(engine, seed=11) is True
    yield engine
    engine.dispose()
