"""The schools' view benchmark, tiny: its district is what it says, and the page it times shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

import benchmarks.school_view as bench
from itembank.db import make_engine
from itembank.migrate import upgrade
from reporting.school_view import district_view

SHAPE = bench.Shape(students=120, standards=6, schools=2, classes_per_student=2, class_size=25, weeks=3, moved=0.25)


def test_the_built_district_and_its_view_agree(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bank.db'}")
    upgrade(engine)
    now = datetime.now(UTC)
    built = bench.build_district(engine, SHAPE, now)
    assert built["mastery_rows"] == 120 * 6 and built["enrollments"] == 240 and built["classes"] == 2 * 5
    assert built["term_changes"] > 0
    with Session(engine) as s:
        view = district_view(s, now=now)
    assert len(view.schools) == 2 and view.bands.total == 120 * 6 * 2  # each student in two classes
    assert sum(r.bands.total for r in view.standards) == 120 * 6  # each student once an objective
    # the bulk load's counts and history agree with what the triggers keep afterwards: the term moved up
    assert view.movement.start.total == view.movement.now.total == view.bands.total
    assert view.movement.now.counts == view.bands.counts
    assert view.movement.now.share("red") < view.movement.start.share("red")
    assert view.movement.start.counts["red"] - view.movement.now.counts["red"] == 2 * (
        built["term_changes"] - _yellow_to_green(engine)
    )


def _yellow_to_green(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM mastery_band_change WHERE old_band = 'yellow'")).scalar_one()


def test_the_whole_run_writes_its_table(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "DATA", tmp_path)
    out = tmp_path / "school_view.md"
    argv = ["--students", "60", "--standards", "4", "--schools", "2", "--classes-per-student", "1"]
    assert bench.main([*argv, "--weeks", "2", "--repeat", "1", "--backends", "sqlite", "--out", str(out)]) == 0
    table = out.read_text()
    assert "| SQLite | 240 |" in table and "`uptime` at the start" in table and "`nproc`" in table
    assert not list(tmp_path.glob("*.db"))  # cleaned up
