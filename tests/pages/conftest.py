"""Fixtures of the page tests: the service tests' small district on SQLite, page clients.

The district (:func:`tests.service.conftest.build_world`): framework ``G7``
with three learning objectives of 15 items each (single choice, numeric,
multiple select, one rubric item), a live calibration, teacher 1 with class
1 (five students), teacher 2 with class 2, logins for every role.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from itembank.db import make_engine
from itembank.migrate import upgrade
from itembank.passwords import hash_password
from service.app import create_app
from tests.service.conftest import PASSWORD, build_world, make_settings


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def world(password_hash):
    engine = make_engine("sqlite://")
    upgrade(engine)
    yield build_world(engine, password_hash)
    engine.dispose()


@pytest.fixture
def app(world):
    return create_app(make_settings(demo=True), engine=world.engine)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def login(app, client):
    """A new client logged in through the login form as ``username``.

    It shares the app whose lifespan ``client`` runs (bank loaded, jobs up);
    each has its own cookie jar.
    """

    def make(username: str) -> TestClient:
        c = TestClient(app)
        r = c.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return c

    return make
