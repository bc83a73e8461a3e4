"""Schemathesis over the whole OpenAPI, as every role, on SQLite and PostgreSQL.

The application is served by uvicorn on a free loopback port (the real HTTP
stack: URL parsing, multipart, content types); schemathesis generates valid
and invalid requests for every operation from the OpenAPI the app publishes,
sends them with the role's bearer token (or none, as ``anonymous``) and
checks each answer: never a 5xx anywhere; and on the routes of
:data:`DOCUMENTED_ROUTERS`, a status code the operation documents, the documented
content type, and a body matching the documented schema.

Bounded for CI: a fixed number of examples per operation and generation
mode, derandomized, no shrinking; every problem of a run is collected and
reported at once.  Calibration jobs are recorded, not run.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
import uvicorn
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import API_PREFIX, create_app
from service.deps import get_jobs
from service.routers import calibrations, checks, classes, items, mastery, people, responses, standards
from tests.service.conftest import auth, make_settings

ROLES = ("admin", "psychometrician", "teacher", "student", None)
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 3}
SESSION_ENDING = {"/api/v1/auth/logout", "/api/v1/auth/password"}
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: The routers whose status codes, content types and bodies are checked against the OpenAPI: the
#: bank, the school, checks, responses, mastery and calibrations (issue 17, item 13), but their
#: file imports.  The other routes (log in and out, every file import, the roster and CASE
#: exchanges, import jobs, assignments, attempts and practice) are documented by the work that
#: owns them and are held here to the first rule only: never a 5xx.
DOCUMENTED_ROUTERS = (standards, items, people, classes, calibrations, checks, responses, mastery)


def _documented() -> set[tuple[str, str]]:
    """(METHOD, path) of the operations of :data:`DOCUMENTED_ROUTERS`."""
    return {
        (method, API_PREFIX + route.path)
        for module in DOCUMENTED_ROUTERS
        for route in module.router.routes
        if isinstance(route, APIRoute) and not route.path.endswith("/import")
        for method in route.methods
    }


class RecordingJobs:
    """Stands in for the job runner: calibrations are recorded, not run."""

    def __init__(self) -> None:
        self.submitted: list[int] = []

    def submit_calibration(self, calibration_id: int, make_live_when_done: bool = False) -> None:
        self.submitted.append(calibration_id)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(world):
    """The app on a free loopback port, for the duration of one test."""
    app = create_app(make_settings(login_free_failures=10**6, login_client_free_failures=10**6), engine=world.engine)
    app.dependency_overrides[get_jobs] = RecordingJobs
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@dataclass
class Tally:
    """What a run sent and what it found."""

    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    problems: dict[tuple[str, str], str] = field(default_factory=dict)

    def report(self) -> str:
        lines = [f"{len(self.problems)} distinct problems in {self.requests} requests:"]
        lines += [f"  {op}: {title}\n      {example}" for (op, title), example in sorted(self.problems.items())]
        return "\n".join(lines)


def _fuzz_operation(
    operation, base_url: str, headers: dict[str, str], session: requests.Session, tally: Tally, documented: set
):
    label = f"{operation.method.upper()} {operation.path}"
    checks = CONFORMANCE if (operation.method.upper(), operation.path) in documented else [not_a_server_error]
    for mode, examples in EXAMPLES.items():

        @settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case) -> None:
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=60)
            tally.requests += 1
            tally.statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except (Failure, FailureGroup) as err:
                for failure in err.exceptions if isinstance(err, FailureGroup) else [err]:
                    title = failure.title
                    key = (label, f"{title} ({response.status_code})")
                    tally.problems.setdefault(key, f"{case.as_curl_command()}\n      -> {response.text[:300]!r}")

        try:
            run()
        except Unsatisfiable:
            if mode is not GenerationMode.NEGATIVE:
                raise
            # an operation without parameters or body has nothing to make invalid


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_openapi_fuzz(world, served, role):
    base_url, app = served
    schema = schemathesis.openapi.from_dict(app.openapi())
    headers = auth(world, role) if role else {}
    tally = Tally()
    documented = _documented()
    operations = [result.ok() for result in schema.get_all_operations()]
    # the operations that end the token (log out, change the password) come last
    operations.sort(key=lambda op: op.path in SESSION_ENDING)
    with requests.Session() as session:
        for operation in operations:
            _fuzz_operation(operation, base_url, headers, session, tally, documented)
    print(f"\n{role or 'anonymous'}: {tally.requests} requests, statuses {dict(sorted(tally.statuses.items()))}")
    assert tally.requests > 0
    assert not tally.problems, tally.report()
