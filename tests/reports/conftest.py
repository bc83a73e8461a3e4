"""Fixtures of the report tests: the service's test district with a term of evidence, a guardian and an outsider.

Student 1 (``student``) answered 7.RP.A.2 on three days of the term (badly,
then well), 7.EE.B.4 once (badly) and a rubric item is still unscored; the
guardian ``parent`` is linked to student 1 only; ``stranger`` is a guardian
of nobody.  A term "Fall" spans the evidence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from itembank.bank import BankCache
from itembank.district import AcademicSession, Guardian
from itembank.guardianship import link_guardian
from itembank.mastery_store import refresh_mastery
from itembank.people import create_user
from itembank.responses import record_response
from service.app import create_app
from service.security import TokenClaims
from tests.service.conftest import PASSWORD, build_world, db_engine, make_settings, password_hash, pg_engine  # noqa: F401 - fixtures

TERM_START = date(2026, 9, 1)
TERM_END = date(2026, 12, 18)
#: (day, objective, [scores of items 0..4 of the objective's single-choice items])
ANSWERS = (
    (datetime(2026, 9, 10, 14, tzinfo=UTC), "7.RP.A.2", [0, 0, 1, 0, 0]),
    (datetime(2026, 9, 24, 14, tzinfo=UTC), "7.RP.A.2", [1, 0, 1, 1, 0]),
    (datetime(2026, 10, 8, 14, tzinfo=UTC), "7.RP.A.2", [1, 1, 1, 1, 1]),
    (datetime(2026, 10, 8, 15, tzinfo=UTC), "7.EE.B.4", [0, 0, 0, 1, 0]),
)


@pytest.fixture
def report_world(db_engine, password_hash):  # noqa: F811 - the imported fixtures
    world = build_world(db_engine, password_hash)
    cache = BankCache()
    bank = cache.load(db_engine)
    student = world.students1[0]
    with Session(db_engine, expire_on_commit=False) as s:
        term = AcademicSession(title="Fall", type="term", start_date=TERM_START, end_date=TERM_END)
        s.add(term)
        for n, (when, objective, scores) in enumerate(ANSWERS):
            for k, score in enumerate(scores):
                item = world.items[objective][k]
                record_response(
                    s,
                    dedupe_key=f"report/{n}/{k}",
                    student_id=student,
                    item_id=item,
                    item_version=1,
                    answer="A" if score else "B",
                    score=score,
                    correct=bool(score),
                    source="import",
                    answered_at=when,
                )
                refresh_mastery(s, bank, student, item)
        record_response(
            s,
            dedupe_key="report/unscored",
            student_id=student,
            item_id=world.items["7.EE.B.4"][-1],
            item_version=1,
            answer="I wrote an equation.",
            score=None,
            correct=None,
            source="import",
            answered_at=datetime(2026, 10, 9, tzinfo=UTC),
        )
        parent = Guardian(first_name="Pat", last_name="Parent")
        stranger = Guardian(first_name="Sam", last_name="Stranger")
        s.add(parent)
        s.add(stranger)
        s.flush()
        link_guardian(s, parent.id, student, "parent")
        for name, guardian in (("parent", parent), ("stranger", stranger)):
            u = create_user(
                s,
                username=name,
                password=PASSWORD,
                role="guardian",
                guardian_id=guardian.id,
                password_hash=password_hash,
            )
            world.users[name] = TokenClaims(u.id, name, "guardian", None, None)
        s.commit()
        world.term = term.id
    return world


@pytest.fixture
def report_client(report_world):
    from fastapi.testclient import TestClient

    with TestClient(create_app(make_settings(), engine=report_world.engine)) as c:
        yield c
