"""The demo district: built once, complete, consistent with the scorer."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from demo.district import CHECK_STANDARDS, DEMO_USERS, seed_demo
from itembank.answers import score_answer
from itembank.bank import BankCache, ItemContent
from itembank.db import make_engine
from itembank.migrate import upgrade
from itembank.passwords import verify_password
from itembank.tables import Calibration, Check, Enrollment, Item, Mastery, SchoolClass, Standard, Student, User


@pytest.fixture(scope="module")
def demo():
    engine = make_engine("sqlite://")
    upgrade(engine)
    assert seed_demo(engine, seed=11) is True
    yield engine
    engine.dispose()


def test_seeding_twice_does_nothing(demo):
    with Session(demo) as s:
        before = s.exec(select(func.count()).select_from(Item)).one()
    assert seed_demo(demo) is False
    with Session(demo) as s:
        assert s.exec(select(func.count()).select_from(Item)).one() == before


def test_framework_and_bank(demo):
    with Session(demo) as s:
        levels = dict(s.exec(select(Standard.level, func.count()).group_by(Standard.level)).all())
        assert levels["objective"] >= 8 and levels["indicator"] >= 3 and levels["competency"] >= 3
        items = s.exec(select(Item)).all()
        assert len(items) >= 300
        kinds = {i.interaction for i in items}
        assert kinds == {"single_choice", "multiple_select", "numeric_entry", "constructed_response"}
        assert {i.dok for i in items} >= {1, 2, 3}
        for it in items:
            content = ItemContent.from_row(it)
            if content.self_scoring:
                assert score_answer(content, it.key).correct, it.id
            else:
                assert len(it.rubric) == 4 and it.n_categories == 4


def test_calibrated_live_bank(demo):
    with Session(demo) as s:
        cal = s.exec(select(Calibration).where(Calibration.live == True)).one()  # noqa: E712
        assert cal.status == "done" and cal.converged and cal.n_students >= 3000
        assert cal.mastery_rho is not None and 0.3 < cal.mastery_rho < 0.98
    bank = BankCache().load(demo)
    assert bank.n_items >= 300 and bank.adaptive.n_items < bank.n_items


def test_school_logins_and_tracker(demo):
    with Session(demo) as s:
        users = {u.username: u for u in s.exec(select(User)).all()}
        assert set(DEMO_USERS) <= set(users)
        assert all(verify_password("demo", users[u].password_hash) for u in DEMO_USERS)
        teacher, student = users["teacher"], users["student"]
        classes = s.exec(select(SchoolClass).where(SchoolClass.teacher_id == teacher.teacher_id)).all()
        assert len(classes) == 3
        sizes = [s.exec(select(func.count()).where(Enrollment.class_id == c.id)).one() for c in classes]
        assert sizes == [25, 25, 25]
        assert s.exec(
            select(Enrollment).where(
                Enrollment.student_id == student.student_id, Enrollment.class_id.in_([c.id for c in classes])
            )
        ).first()
        n_checks = s.exec(select(func.count()).select_from(Check)).one()
        assert n_checks == 75 * len(CHECK_STANDARDS)
        bands = dict(s.exec(select(Mastery.band, func.count()).group_by(Mastery.band)).all())
        assert set(bands) == {"red", "yellow", "green"}
        named = s.exec(select(Student).where(Student.first_name != "")).all()
        assert len(named) == 75
