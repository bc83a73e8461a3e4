"""How the schools' bands moved over the term: rebuilt from the recorded band changes, shown on /schools."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from itembank.district import AcademicSession, School
from itembank.mastery_store import upsert_mastery
from itembank.tables import SchoolClass, utcnow
from reporting.school_view import district_view
from service.app import create_app
from service.pages.common import COOKIE
from service.security import create_token
from tests.service.conftest import OBJECTIVES, SECRET, build_world, make_settings

BANDS = ("red", "yellow", "green")


def _district(engine, password_hash, term_start: date, term_end: date):
    world = build_world(engine, password_hash)
    with Session(engine) as s:
        north = School(name="North Middle")
        s.add(north)
        s.add(AcademicSession(title="Fall", type="term", start_date=term_start, end_date=term_end))
        s.flush()
        s.get(SchoolClass, world.class2).school_id = north.id
        s.commit()
    return world


def _write(s: Session, world, student: int, objective: str, band: str, when: datetime) -> None:
    theta = {"red": -1.0, "yellow": 0.0, "green": 1.0}[band]
    upsert_mastery(
        s,
        student_id=student,
        standard_id=world.standards[objective],
        theta=theta,
        se=0.4,
        band=band,
        p_mastery=0.5,
        n_evidence=2,
        calibration_id=world.calibration_id,
        when=when,
    )


def _snapshot(view) -> dict:
    """The current counts of every group the movement is shown for."""
    out = {"district": dict(view.bands.counts)}
    for school in view.schools:
        out[school.name] = dict(school.bands.counts)
        out |= {(school.name, "grade", g): dict(b.counts) for g, b in school.by_grade.items()}
        out |= {(school.name, "course", c): dict(b.counts) for c, b in school.by_course.items()}
    return out


def _moved(view, k: int) -> dict:
    out = {"district": dict(view.movement.at[k].counts)}
    for school in view.schools:
        out[school.name] = dict(school.movement.at[k].counts)
        out |= {(school.name, "grade", g): dict(m.at[k].counts) for g, m in school.grade_movement.items()}
        out |= {(school.name, "course", c): dict(m.at[k].counts) for c, m in school.course_movement.items()}
    return out


@pytest.mark.parametrize("db_engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_the_counts_of_each_week_are_rebuilt_exactly(db_engine, password_hash):
    """Snapshots taken at each week's start equal the counts rebuilt at the end from the changes since."""
    world = _district(db_engine, password_hash, date(2026, 9, 1), date(2026, 12, 18))
    start = datetime(2026, 9, 1, tzinfo=UTC)
    now = datetime(2026, 10, 10, 12, tzinfo=UTC)
    boundaries = [start + timedelta(weeks=k) for k in range(6)] + [now]
    students = world.students1 + world.students2
    rng = np.random.default_rng(4)
    snapshots = []
    with Session(db_engine) as s:
        for n, student in enumerate(students):  # before the term: some students have rows already
            if n % 3:
                _write(s, world, student, OBJECTIVES[n % 2], "red", start - timedelta(days=10))
        s.commit()
        for k in range(len(boundaries) - 1):
            snapshots.append(_snapshot(district_view(s, now=now)))
            for _ in range(8):  # this week's evidence: new rows, changed bands, unchanged bands
                student, objective = rng.choice(students), rng.choice(OBJECTIVES)
                hours = rng.uniform(1, (boundaries[k + 1] - boundaries[k]).total_seconds() / 3600 - 1)
                _write(
                    s,
                    world,
                    int(student),
                    str(objective),
                    str(rng.choice(BANDS)),
                    boundaries[k] + timedelta(hours=hours),
                )
                s.commit()
        snapshots.append(_snapshot(district_view(s, now=now)))
        view = district_view(s, now=now)
        north = next(school for school in view.schools if school.name == "North Middle")
        alone = district_view(s, school_ids=[north.school_id], now=now)
    assert view.term.title == "Fall" and view.movement.days == boundaries
    # one school's own view (a principal's) moves exactly as its row of the district's
    assert [school.name for school in alone.schools] == ["North Middle"]
    assert [m.counts for m in alone.movement.at] == [m.counts for m in north.movement.at]
    assert [view.movement.at[k].total for k in (0, -1)] != [0, 0]
    for k, snap in enumerate(snapshots):
        assert _moved(view, k) == snap, f"week {k}"
    assert snapshots[0] != snapshots[-1]  # it did move


def test_the_schools_page_shows_how_the_bands_moved(db_engine, password_hash):
    today = utcnow()
    world = _district(
        db_engine, password_hash, (today - timedelta(days=21)).date(), (today + timedelta(days=60)).date()
    )
    with Session(db_engine) as s:
        for student in world.students1:  # all red before the term
            _write(s, world, student, "7.RP.A.2", "red", today - timedelta(days=30))
        for student in world.students1[:3]:  # three of five green in the second week
            _write(s, world, student, "7.RP.A.2", "green", today - timedelta(days=10))
        s.commit()
    with TestClient(create_app(make_settings(), engine=world.engine)) as c:
        c.cookies.set(COOKIE, create_token(world.users["admin"], SECRET, 30))
        html = c.get("/schools").text
    assert "How it moved this term" in html and "Fall" in html
    assert "0% green, 0% yellow, 100% red → 60% green, 0% yellow, 40% red" in html  # the grade and course rows
    district = html.split('<th scope="row">District</th>')[1].split("</tr>")[0]
    assert "0% green, 0% yellow, 100% red" in district and "60% green, 0% yellow, 40% red" in district
    assert "red from 100% to 40%; green from 0% to 60%" in district  # the chart's words
    assert ">green 60%</text>" in district and ">red 40%</text>" in district


def test_the_district_page_lists_each_schools_classes_on_the_schools_own_page(db_engine, password_hash):
    """Thousands of classes are a click away (``?school=ID``), not all on the district's page."""
    today = utcnow()
    world = _district(
        db_engine, password_hash, (today - timedelta(days=21)).date(), (today + timedelta(days=60)).date()
    )
    with Session(db_engine) as s:
        for student in world.students1[:1] + world.students2[:1]:
            _write(s, world, student, "7.RP.A.2", "red", today - timedelta(days=3))
        s.commit()
        north = s.get(SchoolClass, world.class2).school_id
    with TestClient(create_app(make_settings(), engine=world.engine)) as c:
        c.cookies.set(COOKIE, create_token(world.users["admin"], SECRET, 30))
        district = c.get("/schools").text
        one = c.get(f"/schools?school={north}").text
    assert f'href="/schools?school={north}"' in district and f'href="/teacher/classes/{world.class2}"' not in district
    assert f'href="/teacher/classes/{world.class1}"' in district  # a class of no school stays listed
    assert f'href="/teacher/classes/{world.class2}"' in one
