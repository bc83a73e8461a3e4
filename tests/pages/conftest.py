"""Fixtures of the page tests: the service tests' small district on SQLite, page clients.

The district (:func:`tests.service.conftest.build_world`): framework ``G7``
with three learning objectives of 15 items each (single choice, numeric,
multiple select, one rubric item), a live calibration, teacher 1 with class
1 (five students), teacher 2 with class 2, logins for every role.

Page clients (:class:`PageClient`) send forms as a browser does: with the
form token of the pages they were shown (``test_csrf.py`` checks the
refusals without it).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from itembank.db import make_engine
from itembank.migrate import upgrade
from itembank.passwords import hash_password
from service.app import create_app
from service.pages.common import COOKIE
from service.pages.csrf import CSRF_COOKIE, CSRF_FIELD
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


def form_token_of(html: str) -> str:
    """The form token a page carries in its forms."""
    found = set(re.findall(rf'name="{CSRF_FIELD}" value="([^"]+)"', html))
    assert len(found) == 1, f"one form token expected on the page, found {len(found)}"
    return found.pop()


class PageClient(TestClient):
    """A test client that sends every form with the token its pages carry, as a browser does.

    The token is read once from a page (the user's home, or the login form)
    and again whenever the session changes; ``post(..., csrf=False)`` sends
    the form as written, and so are requests to the JSON API.
    """

    _token: tuple[tuple[str | None, str | None], str] | None = None

    def form_token(self) -> str:
        state = (self.cookies.get(CSRF_COOKIE), self.cookies.get(COOKIE))
        if self._token is None or self._token[0] != state or state[0] is None:
            html = self.get("/").text
            self._token = ((self.cookies.get(CSRF_COOKIE), self.cookies.get(COOKIE)), form_token_of(html))
        return self._token[1]

    def post(self, url, *, data=None, csrf: bool = True, **kwargs):
        if csrf and not str(url).startswith("/api/"):
            data = {**(data or {}), CSRF_FIELD: self.form_token()}
        return super().post(url, data=data, **kwargs)


@pytest.fixture
def app(world):
    return create_app(make_settings(demo=True), engine=world.engine)


@pytest.fixture
def client(app):
    with PageClient(app) as c:
        yield c


@pytest.fixture
def login(app, client):
    """A new client logged in through the login form as ``username``.

    It shares the app whose lifespan ``client`` runs (bank loaded, jobs up);
    each has its own cookie jar.
    """

    def make(username: str) -> PageClient:
        c = PageClient(app)
        r = c.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return c

    return make
