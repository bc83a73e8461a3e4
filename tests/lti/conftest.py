"""Fixtures of the LTI tests: the service tests' district, masterycat as the tool, a real platform.

The tool is the app on a SQLite file (its requests answered in threads:
the platform calls back for the tool's key set while the tool waits on
the platform), reached at ``https://testserver`` so its ``Secure`` cookies
are sent; the platform is :class:`tests.lti.platform.Platform`
(``lti1p3platform``) on a real port, registered with the tool as
``masterycat lti register`` would.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from itembank.db import make_engine
from itembank.lti import LtiPlatform, register_platform
from itembank.migrate import upgrade
from itembank.passwords import hash_password
from service.app import create_app
from service.lti import validation
from service.lti.platform_client import forget_tokens
from tests.lti.platform import Platform, form_fields
from tests.service.conftest import PASSWORD, PG_ADMIN_URL, World, _pg_reachable, build_world, make_settings

TOOL = "https://testserver"


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def world(request, tmp_path, password_hash) -> World:
    """The district on a SQLite file, or (``indirect`` parameter ``"postgres"``) on a PostgreSQL database of its own."""
    if getattr(request, "param", "sqlite") == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'tool.db'}")
        upgrade(engine)
        yield build_world(engine, password_hash)
        engine.dispose()
        return
    reason = _pg_reachable(PG_ADMIN_URL)
    if reason:
        pytest.skip(reason)
    name = f"masterycat_lti_{uuid.uuid4().hex[:10]}"
    admin_dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", pool_size=5)
    try:
        upgrade(engine)
        yield build_world(engine, password_hash)
    finally:
        engine.dispose()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


#: ``@BACKENDS`` runs a test on SQLite and on PostgreSQL
BACKENDS = pytest.mark.parametrize(
    "world", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def tool(world):
    app = create_app(make_settings(demo=True, lti_delivery_seconds=0), engine=world.engine)
    with TestClient(app, base_url=TOOL) as client:
        yield client


@pytest.fixture
def platform(tool, world):
    # the platform reads the tool's key set while the tool waits on the platform: a client of its own
    callbacks = TestClient(tool.app, base_url=TOOL)
    lms = Platform(TOOL, lambda url: callbacks.get(url.removeprefix(TOOL)).json())
    lms.start()
    with Session(world.engine) as session:
        row = register_platform(
            session,
            issuer=lms.base,
            client_id=lms.client_id,
            deployment_ids=[lms.deployment_id],
            auth_login_url=f"{lms.base}/authorize",
            auth_token_url=f"{lms.base}/token",
            jwks_url=f"{lms.base}/jwks",
        )
        session.commit()
        lms.tool_platform_id = row.id
    with callbacks:
        yield lms
    lms.stop()
    validation._clients.clear()
    forget_tokens()


@dataclass
class Browser:
    """A browser going between the platform and the tool: the tool's client keeps its cookies."""

    tool: TestClient
    platform: Platform

    def launch_form(self, hint: str) -> dict[str, str]:
        """Start the platform's launch ``hint`` and follow it to the form the platform posts to the tool."""
        with httpx.Client() as http:
            start = http.get(f"{self.platform.base}/start/{hint}")
            assert start.status_code == 302, start.text
            login = self.tool.get(start.headers["location"].removeprefix(TOOL), follow_redirects=False)
            assert login.status_code == 302, login.text
            authorize = http.get(login.headers["location"])
            assert authorize.status_code == 200, authorize.text
        action, fields = form_fields(authorize.text)
        assert action == f"{TOOL}/lti/launch"
        return fields

    def launch(self, hint: str, fields: dict[str, str] | None = None) -> httpx.Response:
        """Post the launch form (as given, or from the platform) to the tool; the tool's answer."""
        fields = fields or self.launch_form(hint)
        return self.tool.post("/lti/launch", data=fields, follow_redirects=False)

    def form_token(self, path: str) -> str:
        page = self.tool.get(path)
        assert page.status_code == 200, page.text
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def browser(tool, platform) -> Browser:
    return Browser(tool, platform)


def tool_platform(session: Session, lms: Platform) -> LtiPlatform:
    return session.get(LtiPlatform, lms.tool_platform_id)
