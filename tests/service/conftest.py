"""Fixtures of the service tests: a database per backend, a small district, clients.

Every test runs on SQLite (a fresh in-memory database migrated with Alembic)
and on PostgreSQL (a database created for this test run on 127.0.0.1:5432,
migrated once, emptied between tests, dropped at the end).  PostgreSQL tests
carry the ``postgres`` mark and skip, saying why, only when the server is
unreachable.

The district (:func:`build_world`): framework ``G7`` with two competencies,
their indicators and three learning objectives; per objective 10
single-choice, 2 numeric-entry, 2 multiple-select and 1 rubric item, all
operational, with parameters in a live calibration; teacher 1 with class 1
(students 1..5), teacher 2 with class 2 (students 6..8); logins for every
role.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from engine.irt.parameters import ItemParameters
from itembank.calibrations import import_parameters, make_live
from itembank.db import make_engine
from itembank.items import create_item
from itembank.migrate import upgrade
from itembank.passwords import hash_password
from itembank.people import create_class, create_student, create_teacher, create_user, enroll
from itembank.standards import create_standard
from service.app import create_app
from service.security import TokenClaims, create_token
from service.settings import Settings

PG_ADMIN_URL = os.environ.get("MASTERYCAT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "test-secret-" + "k" * 40
PASSWORD = "correct horse battery"
OBJECTIVES = ("7.RP.A.2", "7.RP.A.3", "7.EE.B.4")
TABLES = (
    "response",
    "mastery",
    "mastery_band_change",
    "mastery_student_count",
    "mastery_standard_count",
    "check_session",
    "item_parameter",
    "calibration",
    "enrollment",
    '"user"',
    "school_class",
    "item",
    "student",
    "teacher",
    "standard",
    "school",
    "academic_session",
    "course",
    "guardian",
    "case_document",
    "login_failures",
)


# ---------------------------------------------------------------- databases
def _pg_reachable(url: str) -> str | None:
    try:
        import psycopg

        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("select 1")
        return None
    except Exception as err:  # noqa: BLE001 - any failure means unreachable
        return f"PostgreSQL at {url} is unreachable: {str(err).splitlines()[0]}"


@pytest.fixture(scope="session")
def pg_engine():
    """A PostgreSQL database made for this run (dropped at the end)."""
    reason = _pg_reachable(PG_ADMIN_URL)
    if reason:
        pytest.skip(reason)
    import psycopg

    name = f"masterycat_test_{uuid.uuid4().hex[:10]}"
    admin_dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    engine = make_engine(f"{base}/{name}", pool_size=5)
    upgrade(engine)
    yield engine
    engine.dispose()
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(request):
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        engine = make_engine("sqlite://")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("pg_engine")
    yield engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


# -------------------------------------------------------------------- world
@dataclass
class World:
    """Ids of the test district."""

    engine: object
    calibration_id: int
    teacher1: int
    teacher2: int
    class1: int
    class2: int
    students1: list[int]
    students2: list[int]
    users: dict[str, TokenClaims]
    items: dict[str, list[str]]
    standards: dict[str, int]


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


def _items_for(session: Session, objective: str, rng: np.random.Generator) -> list[str]:
    ids = []
    slug = objective.replace(".", "")
    for n in range(10):
        x, y = int(rng.integers(2, 20)), int(rng.integers(2, 20))
        item = create_item(
            session,
            id=f"{slug}-sc{n}",
            objective=objective,
            interaction="single_choice",
            stem=f"What is {x} + {y}?",
            choices=[{"id": c, "text": str(x + y + d)} for c, d in zip("ABCD", (0, 1, -1, 2))],
            key="A",
            rationale=f"{x} + {y} = {x + y}.",
            dok=1 + n % 3,
            status="operational",
        )
        ids.append(item.id)
    for n in range(2):
        x = int(rng.integers(2, 9))
        item = create_item(
            session,
            id=f"{slug}-ne{n}",
            objective=objective,
            interaction="numeric_entry",
            stem=f"What is {x} times 1.5?",
            key=x * 1.5,
            tolerance=0.01,
            rationale=f"{x} x 1.5 = {x * 1.5}.",
            dok=2,
            status="operational",
        )
        ids.append(item.id)
    for n in range(2):
        item = create_item(
            session,
            id=f"{slug}-ms{n}",
            objective=objective,
            interaction="multiple_select",
            stem="Which numbers are even?",
            choices=[{"id": c, "text": t} for c, t in zip("ABCD", ("2", "3", "4", "5"))],
            key=["A", "C"],
            rationale="2 and 4 are divisible by 2.",
            dok=2,
            status="operational",
        )
        ids.append(item.id)
    rubric = [
        {"score": s, "label": lab, "criteria": f"{lab} the standard."}
        for s, lab in enumerate(("Does not meet", "Partially meets", "Meets", "Exceeds"))
    ]
    item = create_item(
        session,
        id=f"{slug}-cr0",
        objective=objective,
        interaction="constructed_response",
        stem="Explain how you would find the unit rate.",
        rubric=rubric,
        dok=3,
        status="operational",
    )
    ids.append(item.id)
    return ids


def build_world(engine, password_hash: str, seed: int = 7) -> World:
    """Create the test district in one transaction."""
    rng = np.random.default_rng(seed)
    with Session(engine, expire_on_commit=False) as s:
        standards = {}
        for code, title, level, parent in (
            ("7.RP", "Ratios and proportional relationships", "competency", None),
            ("7.RP.A", "Analyze proportional relationships", "indicator", "7.RP"),
            ("7.RP.A.2", "Recognize proportional relationships", "objective", "7.RP.A"),
            ("7.RP.A.3", "Solve percent problems", "objective", "7.RP.A"),
            ("7.EE", "Expressions and equations", "competency", None),
            ("7.EE.B", "Solve problems with equations", "indicator", "7.EE"),
            ("7.EE.B.4", "Write and solve equations", "objective", "7.EE.B"),
        ):
            standards[code] = create_standard(
                s, framework="G7", code=code, title=title, level=level, parent_code=parent
            ).id
        items = {obj: _items_for(s, obj, rng) for obj in OBJECTIVES}
        all_ids = [i for ids in items.values() for i in ids]
        poly = np.array([i.endswith("cr0") for i in all_ids])
        thr = np.full((len(all_ids), 3), np.nan)
        thr[poly] = np.sort(rng.normal(0, 1, (poly.sum(), 3)), axis=1) + np.array([-0.6, 0.0, 0.6])
        params = ItemParameters.from_arrays(
            all_ids,
            np.where(poly, "grm", "2pl"),
            a=rng.uniform(0.8, 2.0, len(all_ids)),
            b=np.where(poly, np.nan, rng.normal(0, 1, len(all_ids))),
            thresholds=thr,
            n_categories=np.where(poly, 4, 2),
        )
        cal = import_parameters(s, params)
        make_live(s, cal.id)
        t1 = create_teacher(s, name="Ada Teacher", email="ada@example.org").id
        t2 = create_teacher(s, name="Bo Teacher").id
        c1 = create_class(s, name="7A", teacher_id=t1, grade=7).id
        c2 = create_class(s, name="7B", teacher_id=t2, grade=7).id
        studs = [
            create_student(s, external_id=f"S{n:03d}", first_name=f"First{n}", last_name=f"Last{n}", grade=7).id
            for n in range(8)
        ]
        for sid in studs[:5]:
            enroll(s, c1, sid)
        for sid in studs[5:]:
            enroll(s, c2, sid)
        users = {}
        for name, role, sid, tid in (
            ("admin", "admin", None, None),
            ("psychometrician", "psychometrician", None, None),
            ("teacher", "teacher", None, t1),
            ("teacher2", "teacher", None, t2),
            ("student", "student", studs[0], None),
            ("student2", "student", studs[5], None),
        ):
            u = create_user(
                s,
                username=name,
                password=PASSWORD,
                role=role,
                student_id=sid,
                teacher_id=tid,
                password_hash=password_hash,
            )
            users[name] = TokenClaims(u.id, name, role, sid, tid)
        s.commit()
    return World(engine, cal.id, t1, t2, c1, c2, studs[:5], studs[5:], users, items, standards)


@pytest.fixture
def world(db_engine, password_hash) -> World:
    return build_world(db_engine, password_hash)


def make_settings(**kw) -> Settings:
    return Settings(secret_key=SECRET, **kw)


@pytest.fixture
def app(world):
    return create_app(make_settings(), engine=world.engine)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def auth(world: World, username: str) -> dict[str, str]:
    """Authorization header for one of the world's users (token minted directly)."""
    return {"Authorization": "Bearer " + create_token(world.users[username], SECRET, 30)}


@pytest.fixture
def as_user(world):
    return lambda username: auth(world, username)
