"""Schemathesis over the whole OpenAPI, as every role, on SQLite and PostgreSQL.

The application is served by uvicorn on a free loopback port (the real HTTP
stack: URL parsing, multipart, content types), one server per database for
every role; schemathesis generates valid and invalid requests for every
operation from the OpenAPI the app publishes, sends them with the role's
bearer token (or none, as ``anonymous``) and checks each answer against the
document: never a 5xx, a status code the operation documents, the
documented content type, and a body matching the documented schema.

Bounded for CI: the requests of each operation are generated once (a fixed
number per generation mode, derandomized, no shrinking) and sent as every
role on both databases, fewer of them on PostgreSQL; the roles run from the
least to the most privileged (an admin's deletions come last), and the
operations that end the token last within a role; every problem of a run
is collected and reported at once.  Calibration jobs are recorded, not run.
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
from sqlalchemy import text

from itembank.db import make_engine
from itembank.migrate import upgrade
from service.app import create_app
from service.deps import get_jobs
from tests.service.conftest import TABLES, auth, build_world, make_settings

#: least privileged first: what a role's run deletes or ends cannot starve the roles after it
ROLES = (None, "student", "teacher", "psychometrician", "admin")
#: requests generated per operation and mode; PostgreSQL sends the first of them
EXAMPLES = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}
PG_EXAMPLES = {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 1}
SESSION_ENDING = {"/api/v1/auth/logout", "/api/v1/auth/password"}
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


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


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, password_hash):
    """The test district and the app on a free loopback port, one per database for every role."""
    if request.param == "sqlite":
        engine = make_engine("sqlite://")
        upgrade(engine)
    else:
        engine = request.getfixturevalue("pg_engine")
    world = build_world(engine, password_hash)
    app = create_app(make_settings(login_free_failures=10**6, login_client_free_failures=10**6), engine=engine)
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
        yield request.param, world, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        if request.param == "sqlite":
            engine.dispose()
        else:
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


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


def _generate(operation, mode: GenerationMode, examples: int) -> list:
    """``examples`` requests of ``operation`` in ``mode`` (none when nothing about it can be made invalid)."""
    cases: list = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def collect(case) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:
        if mode is not GenerationMode.NEGATIVE:
            raise
    return cases


@pytest.fixture(scope="module")
def generated() -> list[tuple[object, dict[GenerationMode, list]]]:
    """Every operation's requests, generated once from the OpenAPI the app publishes; the token enders last."""
    schema = schemathesis.openapi.from_dict(create_app(make_settings()).openapi())
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: op.path in SESSION_ENDING)
    return [(op, {mode: _generate(op, mode, n) for mode, n in EXAMPLES.items()}) for op in operations]


def _send(case, base_url: str, headers: dict[str, str], session: requests.Session, tally: Tally) -> None:
    response = case.call(base_url=base_url, session=session, headers=headers, timeout=60)
    tally.requests += 1
    tally.statuses[response.status_code] += 1
    try:
        case.validate_response(response, checks=CONFORMANCE, headers=headers)
    except (Failure, FailureGroup) as err:
        label = f"{case.operation.method.upper()} {case.operation.path}"
        for failure in err.exceptions if isinstance(err, FailureGroup) else [err]:
            key = (label, f"{failure.title} ({response.status_code})")
            tally.problems.setdefault(key, f"{case.as_curl_command()}\n      -> {response.text[:300]!r}")


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_openapi_fuzz(served, generated, role):
    backend, world, base_url = served
    examples = EXAMPLES if backend == "sqlite" else PG_EXAMPLES
    headers = auth(world, role) if role else {}
    tally = Tally()
    with requests.Session() as session:
        for _, cases in generated:
            for mode, n in examples.items():
                for case in cases[mode][:n]:
                    _send(case, base_url, headers, session, tally)
    print(
        f"\n{backend} {role or 'anonymous'}: {tally.requests} requests, statuses {dict(sorted(tally.statuses.items()))}"
    )
    assert tally.requests > 0
    assert not tally.problems, tally.report()
