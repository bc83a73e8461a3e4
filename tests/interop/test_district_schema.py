"""The district schema: migrating a populated bank, co-taught classes, classes without a lead, guardians."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from itembank.db import make_engine
from itembank.district import ClassTeacher, Guardian
from itembank.errors import Invalid
from itembank.migrate import upgrade
from itembank.people import (
    create_teacher,
    create_user,
    list_classes,
    list_students,
    teacher_has_student,
    teaches_class,
)
from itembank.tables import SchoolClass


def test_upgrade_keeps_a_populated_bank(tmp_path):
    """A bank at 0002 with classes and enrollments migrates (SQLite rebuilds school_class under foreign keys)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'bank.db'}")
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teacher (id, name, email, created_at) VALUES (1, 'Ada', '', '2026-01-01')"))
        conn.execute(
            text(
                "INSERT INTO school_class (id, name, teacher_id, grade, subject, retired, created_at)"
                " VALUES (1, '7A', 1, 7, 'mathematics', 0, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO student (id, external_id, first_name, last_name, retired, created_at)"
                " VALUES (1, 'S1', 'A', 'B', 0, '2026-01-01')"
            )
        )
        conn.execute(text("INSERT INTO enrollment (class_id, student_id, created_at) VALUES (1, 1, '2026-01-01')"))
    upgrade(engine)
    with Session(engine) as s:
        row = s.get(SchoolClass, 1)
        assert (row.name, row.teacher_id, row.sourced_id, row.school_id) == ("7A", 1, None, None)
        assert teacher_has_student(s, 1, 1)


def test_a_co_teacher_sees_the_class_and_its_students(world):
    with Session(world.engine) as s:
        aide = create_teacher(s, name="Cy Coteacher").id
        assert not teaches_class(s, aide, world.class1)
        s.add(ClassTeacher(class_id=world.class1, teacher_id=aide, role="aide"))
        s.flush()
        assert teaches_class(s, aide, world.class1)
        assert not teaches_class(s, aide, world.class2)
        assert teacher_has_student(s, aide, world.students1[0])
        assert not teacher_has_student(s, aide, world.students2[0])
        assert [c.id for c in list_classes(s, teacher_id=aide)[0]] == [world.class1]
        assert sorted(r.id for r in list_students(s, teacher_id=aide)[0]) == world.students1
        # the lead keeps seeing the class too
        assert teaches_class(s, world.teacher1, world.class1)


def test_a_co_teacher_reads_the_class_through_the_api(world, client):
    with Session(world.engine) as s:
        aide = create_teacher(s, name="Cy Coteacher").id
        s.add(ClassTeacher(class_id=world.class2, teacher_id=aide))
        create_user(s, username="cy", password="x" * 10, role="teacher", teacher_id=aide)
        s.commit()
        user = s.exec(select(SchoolClass).where(SchoolClass.id == world.class2)).one()
        assert user.teacher_id == world.teacher2
    token = client.post("/api/v1/auth/token", data={"username": "cy", "password": "x" * 10}).json()["access_token"]
    response = client.get(f"/api/v1/classes/{world.class2}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["teacher_id"] == world.teacher2


def test_a_class_without_a_lead_teacher_is_listed(world, client, as_user):
    with Session(world.engine) as s:
        s.add(SchoolClass(name="Study hall", teacher_id=None))
        s.commit()
    response = client.get("/api/v1/classes", headers=as_user("admin"))
    assert response.status_code == 200
    assert {c["name"]: c["teacher_id"] for c in response.json()["items"]}["Study hall"] is None


def test_a_guardian_login_links_a_guardian(world):
    with Session(world.engine) as s:
        guardian = Guardian(first_name="Pat", last_name="Parent")
        s.add(guardian)
        s.flush()
        user = create_user(s, username="pat", password="x" * 10, role="guardian", guardian_id=guardian.id)
        assert (user.role, user.guardian_id) == ("guardian", guardian.id)
        with pytest.raises(Invalid, match="a guardian login needs guardian_id"):
            create_user(s, username="pat2", password="x" * 10, role="guardian")
        with pytest.raises(Invalid, match="only a guardian login links a guardian"):
            create_user(s, username="pat3", password="x" * 10, role="admin", guardian_id=guardian.id)
