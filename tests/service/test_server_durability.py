"""Answers survive ``masterycat serve`` being killed, and 200 students answering at once.

Each test starts the real command, ``masterycat serve``, as a subprocess on a
free loopback port against a PostgreSQL database made for this module (the
test district of :func:`tests.service.conftest.build_world` and 200 more
students of class 1 with logins), and drives it over HTTP with httpx.  The
tokens are signed with the secret the test hands the server, instead of one
Argon2 password login per student.

What is checked, in the database afterwards: every acknowledged answer (a
200 to ``POST /checks/{id}/responses``) is there, exactly once per check and
item; after a SIGKILL in the middle of checks and a restart, resubmitting an
acknowledged answer returns the identical result, and the checks go on to
their end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from itembank.db import make_engine
from itembank.migrate import upgrade
from itembank.people import create_student, create_user, enroll
from itembank.tables import Item
from service.security import TokenClaims, create_token
from tests.own_loop import run_in_own_loop
from tests.service.conftest import PG_ADMIN_URL, SECRET, World, _pg_reachable, build_world

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CHECKS = "/api/v1/checks"
CROWD = 200
#: answers each student of the crowd gives (a check ends after 4 to 15)
CROWD_ANSWERS = 4
#: acknowledged answers before the server is killed
ANSWERS_BEFORE_KILL = 40
KILLED_STUDENTS = 8


# ----------------------------------------------------------------- database
@dataclass
class District:
    """The test district in its own PostgreSQL database, with a crowd of students."""

    url: str
    world: World
    keys: dict[str, object]
    #: (student id, bearer token) of class 1's students, the world's first
    students: list[tuple[int, str]] = field(default_factory=list)


def _psycopg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="module")
def district(password_hash) -> Iterator[District]:
    """A fresh PostgreSQL database with the test district and :data:`CROWD` more students."""
    reason = _pg_reachable(PG_ADMIN_URL)
    if reason:
        pytest.skip(reason)
    import psycopg

    name = f"masterycat_serve_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_psycopg_dsn(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    engine = make_engine(url, pool_size=2)
    try:
        upgrade(engine)
        world = build_world(engine, password_hash)
        students = [(world.students1[0], create_token(world.users["student"], SECRET, 60))]
        with Session(engine) as s:
            for n in range(CROWD):
                sid = create_student(s, external_id=f"CROWD{n:03d}", first_name="Crowd", last_name=str(n), grade=7).id
                enroll(s, world.class1, sid)
                user = create_user(
                    s,
                    username=f"crowd{n}",
                    password="unused",
                    role="student",
                    student_id=sid,
                    password_hash=password_hash,
                )
                students.append(
                    (sid, create_token(TokenClaims(user.id, user.username, "student", sid, None), SECRET, 60))
                )
            keys = {item.id: item.key for item in s.exec(select(Item)).all()}
            s.commit()
        yield District(url, world, keys, students)
    finally:
        engine.dispose()
        with psycopg.connect(_psycopg_dsn(PG_ADMIN_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def response_counts(district: District, check_ids: set[int]) -> dict[tuple[int, str], int]:
    """Rows per (check, item) of the given checks, read from the database."""
    engine = make_engine(district.url, pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT check_id, item_id, count(*) FROM response"
                    " WHERE check_id = ANY(:ids) AND source = 'check' GROUP BY check_id, item_id"
                ),
                {"ids": sorted(check_ids)},
            ).all()
    finally:
        engine.dispose()
    return {(check_id, item_id): n for check_id, item_id, n in rows}


# ------------------------------------------------------------------- server
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``masterycat serve`` as a subprocess (its own process group) on a free loopback port."""

    def __init__(self, url: str, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        exe = shutil.which("masterycat", path=str(Path(sys.executable).parent)) or "masterycat"
        env = dict(os.environ, DATABASE_URL=url, MASTERYCAT_SECRET_KEY=SECRET, MASTERYCAT_DB_POOL_SIZE="20")
        self._log = log.open("a")
        self.process = subprocess.Popen(
            [exe, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(log)

    def _wait_ready(self, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"masterycat serve exited with {self.process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{self.base}/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"masterycat serve did not answer within {timeout} s:\n{log.read_text()}")

    def kill(self) -> None:
        """SIGKILL the server's process group: no shutdown, no flush, no rollback."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self._log.close()


@pytest.fixture
def serve(district, tmp_path) -> Iterator:
    """Start servers on the district's database; every one still running is stopped at the end."""
    servers: list[Server] = []

    def start() -> Server:
        servers.append(Server(district.url, tmp_path / "serve.log"))
        return servers[-1]

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.stop()


# ----------------------------------------------------------------- students
def answer_for(district: District, item: dict, n: int):
    """The key on even answers, a wrong answer of the item's form on odd ones."""
    key = district.keys[item["id"]]
    if n % 2 == 0:
        return key
    if item["interaction"] == "single_choice":
        return next(c["id"] for c in item["choices"] if c["id"] != key)
    if item["interaction"] == "multiple_select":
        return [next(c["id"] for c in item["choices"] if c["id"] not in key)]
    return float(key) + 7.0


@dataclass
class Acknowledged:
    """What the server acknowledged: checks started (check -> student) and answers ((check, item) -> result)."""

    checks: dict[int, int] = field(default_factory=dict)
    answers: dict[tuple[int, str], tuple[dict, dict]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def started(self, check_id: int, student_id: int) -> None:
        with self.lock:
            self.checks[check_id] = student_id

    def answered(self, check_id: int, payload: dict, result: dict) -> int:
        """Record an acknowledged answer; the number acknowledged so far."""
        with self.lock:
            self.answers[(check_id, payload["item_id"])] = (payload, result)
            return len(self.answers)


def _student_until_killed(
    base: str, district: District, student: tuple[int, str], acked: Acknowledged, killed: threading.Event
) -> None:
    """Checks one after another until the server goes away."""
    student_id, token = student
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        try:
            while not killed.is_set():
                r = client.post(CHECKS, json={"student_id": student_id, "standard": "7.RP.A"})
                assert r.status_code == 201, r.text
                check_id, item, n = r.json()["check_id"], r.json()["item"], 0
                acked.started(check_id, student_id)
                while item is not None:
                    payload = {"item_id": item["id"], "answer": answer_for(district, item, n)}
                    r = client.post(f"{CHECKS}/{check_id}/responses", json=payload)
                    assert r.status_code == 200, r.text
                    if acked.answered(check_id, payload, r.json()) >= ANSWERS_BEFORE_KILL:
                        killed.set()
                    item, n = r.json()["next_item"], n + 1
        except httpx.TransportError:
            return  # the server is gone: what it did not acknowledge may be lost


def test_no_acknowledged_answer_is_lost_or_duplicated_when_the_server_is_killed_mid_check(district, serve):
    server = serve()
    acked, killed = Acknowledged(), threading.Event()
    threads = [
        threading.Thread(target=_student_until_killed, args=(server.base, district, student, acked, killed))
        for student in district.students[:KILLED_STUDENTS]
    ]
    for thread in threads:
        thread.start()
    assert killed.wait(timeout=60), "the students did not reach the kill point"
    server.kill()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    counts = response_counts(district, set(acked.checks))
    lost = set(acked.answers) - set(counts)
    duplicated = {pair: n for pair, n in counts.items() if n > 1}
    assert len(acked.answers) >= ANSWERS_BEFORE_KILL
    assert not lost, f"{len(lost)} acknowledged answers lost: {sorted(lost)[:5]}"
    assert not duplicated, f"duplicated answers: {duplicated}"
    # at most the answer each student had in flight was written but not acknowledged
    assert len(set(counts) - set(acked.answers)) <= KILLED_STUDENTS

    restarted = serve()
    tokens = dict(district.students)
    with httpx.Client(base_url=restarted.base, timeout=30) as client:
        # an identical resubmit returns the identical result
        for (check_id, _), (payload, result) in acked.answers.items():
            headers = {"Authorization": f"Bearer {tokens[acked.checks[check_id]]}"}
            r = client.post(f"{CHECKS}/{check_id}/responses", json=payload, headers=headers)
            assert r.status_code == 200, r.text
            assert r.json() == result
        # every check the kill interrupted goes on to its end
        for check_id, student_id in sorted(acked.checks.items()):
            headers = {"Authorization": f"Bearer {tokens[student_id]}"}
            item, n = client.get(f"{CHECKS}/{check_id}", headers=headers).json()["current_item"], 0
            while item is not None:
                payload = {"item_id": item["id"], "answer": answer_for(district, item, n)}
                r = client.post(f"{CHECKS}/{check_id}/responses", json=payload, headers=headers)
                assert r.status_code == 200, r.text
                acked.answered(check_id, payload, r.json())
                item, n = r.json()["next_item"], n + 1
            assert client.get(f"{CHECKS}/{check_id}", headers=headers).json()["status"] == "done"
    counts = response_counts(district, set(acked.checks))
    assert set(counts) >= set(acked.answers)
    assert all(n == 1 for n in counts.values())


# -------------------------------------------------------------------- crowd
async def _crowd_student(
    client: httpx.AsyncClient, district: District, student: tuple[int, str], acked: Acknowledged
) -> None:
    """Start a check and give up to :data:`CROWD_ANSWERS` answers, the first one twice."""
    student_id, token = student
    headers = {"Authorization": f"Bearer {token}"}
    r = await client.post(CHECKS, json={"student_id": student_id, "standard": "7.EE.B"}, headers=headers)
    assert r.status_code == 201, r.text
    check_id, item = r.json()["check_id"], r.json()["item"]
    acked.started(check_id, student_id)
    for n in range(CROWD_ANSWERS):
        if item is None:
            return
        payload = {"item_id": item["id"], "answer": answer_for(district, item, n)}
        r = await client.post(f"{CHECKS}/{check_id}/responses", json=payload, headers=headers)
        assert r.status_code == 200, r.text
        acked.answered(check_id, payload, r.json())
        if n == 0:
            again = await client.post(f"{CHECKS}/{check_id}/responses", json=payload, headers=headers)
            assert again.status_code == 200 and again.json() == r.json()
        item = r.json()["next_item"]


async def _crowd(base: str, district: District, acked: Acknowledged) -> None:
    limits = httpx.Limits(max_connections=CROWD, max_keepalive_connections=CROWD)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        async with asyncio.timeout(120):
            await asyncio.gather(*(_crowd_student(client, district, s, acked) for s in district.students[1:]))


def test_200_students_answering_at_once_lose_and_duplicate_nothing(district, serve):
    server = serve()
    acked = Acknowledged()
    run_in_own_loop(_crowd, server.base, district, acked)
    assert len(acked.checks) == CROWD
    counts = response_counts(district, set(acked.checks))
    assert set(counts) == set(acked.answers)
    assert all(n == 1 for n in counts.values())
    assert len(acked.answers) == CROWD * CROWD_ANSWERS
