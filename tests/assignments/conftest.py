"""Fixtures of the assignment tests: the service tests' district (SQLite and PostgreSQL) with a school
and a team of its two teachers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from itembank.district import School
from itembank.teams import create_team
from tests.service.conftest import (  # noqa: F401 - fixtures
    app,
    as_user,
    auth,
    client,
    db_engine,
    password_hash,
    pg_engine,
    world,
)


@dataclass
class Team:
    id: int
    school_id: int


@pytest.fixture
def team(world) -> Team:  # noqa: F811 - the imported fixture
    """A school and a grade-7 team of the world's two teachers."""
    with Session(world.engine, expire_on_commit=False) as s:
        school = School(name="Test Middle School")
        s.add(school)
        s.flush()
        row = create_team(s, school_id=school.id, name="Grade 7 Math", teacher_ids=[world.teacher1, world.teacher2])
        s.commit()
        return Team(row.id, school.id)
