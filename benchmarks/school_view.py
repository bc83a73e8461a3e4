"""The schools' view on a district: ``GET /schools`` over 50,000 students x 200 standards of stored mastery.

What it does
------------
For each backend (SQLite: a file under ``benchmarks/.data/``; PostgreSQL: a
fresh database next to ``--pg``, dropped at the end):

1. Migrates the database and builds the district in bulk: ``--schools``
   schools, ``--students`` students spread over them, each enrolled in
   ``--classes-per-student`` classes of ``--class-size`` (one a subject, grades
   6 to 8), ``--standards`` objectives, and a stored mastery row for every
   student on every objective (bands from a fixed hash: about 40% red, 30%
   yellow, 30% green), first set before the term.  The term is an academic
   session that began ``--weeks`` weeks ago; in each of its weeks
   ``--moved`` of the rows get new evidence through plain ``UPDATE``\\ s of
   ``mastery`` (red to yellow, yellow to green, green stays), so the
   database's own triggers record the band changes, dated in that week.
2. Times ``GET /schools`` as the admin through the whole app (FastAPI's
   ``TestClient``, the page's route, template and all): **cold**, the first
   request of a fresh app and engine, and **warm**, the median of
   ``--repeat`` requests after it.
3. In the same run, the yardstick: a bare ``SELECT count(*) FROM mastery``
   (the least any reading of every stored row costs), cold and warm the same
   way.

Writes a Markdown table with the machine, ``nproc`` and ``uptime`` at the
start and the end.

Run (a few minutes; nothing else heavy should run meanwhile)::

    .venv/bin/python -m benchmarks.school_view --out benchmarks/results/school_view.md
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Date, Engine, bindparam, text
from sqlmodel import Session

from benchmarks.load import create_database, drop_database, machine
from itembank.db import make_engine
from itembank.migrate import upgrade
from itembank.tables import UtcDateTime

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"
SECRET = "benchmark-" + "k" * 40
SUBJECTS = ("mathematics", "English language arts", "science", "social studies", "art", "music")
_HISTORY = importlib.import_module("itembank.migrations.versions.0015_mastery_band_change")
_COUNTS = importlib.import_module("itembank.migrations.versions.0017_mastery_band_counts")


@dataclass(frozen=True)
class Shape:
    students: int
    standards: int
    schools: int
    classes_per_student: int
    class_size: int
    weeks: int
    moved: float


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# ------------------------------------------------------------------ district
def sql(statement: str, *times: str, dates: tuple[str, ...] = ()):
    """``text(statement)`` with its named timestamps (and dates) bound as the models bind them."""
    binds = [bindparam(t, type_=UtcDateTime) for t in times] + [bindparam(d, type_=Date) for d in dates]
    return text(statement).bindparams(*binds)


def _triggers(conn, on: bool) -> None:
    """Switch the triggers on ``mastery`` off for the bulk load (its history and counts are written in bulk)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE mastery {'ENABLE' if on else 'DISABLE'} TRIGGER USER"))
    elif on:
        for statement in (*_HISTORY._SQLITE, *_COUNTS._SQLITE):
            conn.execute(text(statement))
    else:
        names = ("mastery_band_inserted", "mastery_band_updated", "mastery_count_inserted", "mastery_count_deleted")
        for name in (*names, "mastery_count_updated_up", "mastery_count_updated_down"):
            conn.execute(text(f"DROP TRIGGER {name}"))


def build_district(engine: Engine, shape: Shape, now: datetime) -> dict:
    """The district of the module's docstring; returns counts and seconds taken."""
    from itembank.passwords import hash_password
    from itembank.people import create_user

    t0 = time.perf_counter()
    term_start = (now - timedelta(weeks=shape.weeks)).replace(hour=0, minute=0, second=0, microsecond=0)
    before = term_start - timedelta(days=20)
    n_classes_per_subject = -(-shape.students // shape.class_size)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO school (name, identifier, retired, created_at, updated_at) VALUES (:n, '', false, :t, :t)"
            ),
            [{"n": f"School {k + 1:02d}", "t": now} for k in range(shape.schools)],
        )
        conn.execute(
            sql(
                "INSERT INTO academic_session (title, type, start_date, end_date, retired, created_at, updated_at) "
                "VALUES ('Term 1', 'term', :s, :e, false, :t, :t)",
                "t",
                dates=("s", "e"),
            ),
            {"s": term_start.date(), "e": (term_start + timedelta(weeks=18)).date(), "t": now},
        )
        conn.execute(
            sql(
                "INSERT INTO standard (framework, code, title, description, level, retired, created_at) "
                "VALUES ('BENCH', :c, :t, '', 'objective', false, :n)",
                "n",
            ),
            [{"c": f"B.{k:03d}", "t": f"Objective {k}", "n": now} for k in range(shape.standards)],
        )
        conn.execute(
            sql(
                "INSERT INTO student (external_id, first_name, last_name, grade, retired, created_at) "
                "VALUES (:x, '', '', :g, false, :t)",
                "t",
            ),
            [{"x": f"B{k:07d}", "g": 6 + k % 3, "t": now} for k in range(shape.students)],
        )
        school_ids = [r[0] for r in conn.execute(text("SELECT id FROM school ORDER BY id"))]
        student_ids = [r[0] for r in conn.execute(text("SELECT id FROM student ORDER BY id"))]
        classes = []
        for subject in SUBJECTS[: shape.classes_per_student]:
            for k in range(n_classes_per_subject):
                school = school_ids[k * shape.schools // n_classes_per_subject]
                classes.append({"n": f"{subject} {k + 1}", "s": school, "g": 6 + k % 3, "sub": subject, "t": now})
        conn.execute(
            sql(
                "INSERT INTO school_class (name, school_id, grade, subject, retired, created_at) "
                "VALUES (:n, :s, :g, :sub, false, :t)",
                "t",
            ),
            classes,
        )
        class_ids = [r[0] for r in conn.execute(text("SELECT id FROM school_class ORDER BY id"))]
        enrollments = [
            {"c": class_ids[j * n_classes_per_subject + n // shape.class_size], "s": sid, "t": now}
            for j in range(shape.classes_per_student)
            for n, sid in enumerate(student_ids)
        ]
        conn.execute(
            sql("INSERT INTO enrollment (class_id, student_id, created_at) VALUES (:c, :s, :t)", "t"), enrollments
        )
        _triggers(conn, on=False)
        conn.execute(
            sql(
                "INSERT INTO mastery (student_id, standard_id, theta, se, band, p_mastery, n_evidence, last_assessed) "
                "SELECT st.id, sd.id, 0.0, 0.5, CASE WHEN (st.id * 7 + sd.id * 13) % 10 < 4 THEN 'red' "
                "WHEN (st.id * 7 + sd.id * 13) % 10 < 7 THEN 'yellow' ELSE 'green' END, 0.5, 3, :b "
                "FROM student st CROSS JOIN standard sd",
                "b",
            ),
            {"b": before},
        )
        conn.execute(
            text(
                "INSERT INTO mastery_band_change (student_id, standard_id, changed_at, old_band, new_band) "
                "SELECT student_id, standard_id, last_assessed, NULL, band FROM mastery"
            )
        )
        shard = f"student_id % {_COUNTS.SHARDS}"  # every standard is an objective
        conn.execute(
            text("INSERT INTO mastery_student_count SELECT student_id, band, count(*) FROM mastery GROUP BY 1, 2")
        )
        conn.execute(
            text(
                "INSERT INTO mastery_standard_count (standard_id, band, shard, n) "
                f"SELECT standard_id, band, {shard}, count(*) FROM mastery GROUP BY standard_id, band, {shard}"
            )
        )
        _triggers(conn, on=True)
    t_load = time.perf_counter() - t0
    modulus = max(int(round(1 / shape.moved)), 1)
    with engine.begin() as conn:
        for w in range(shape.weeks):
            when = term_start + timedelta(weeks=w, days=2, hours=10)
            conn.execute(
                sql(
                    "UPDATE mastery SET band = CASE band WHEN 'red' THEN 'yellow' WHEN 'yellow' THEN 'green' "
                    "ELSE band END, last_assessed = :w WHERE (student_id * 31 + standard_id * 17 + :k) % :m = 0",
                    "w",
                ),
                {"w": when, "k": w * 5, "m": modulus},
            )
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    with Session(engine) as s:
        create_user(s, username="admin", password="x", role="admin", password_hash=hash_password("benchmark"))
        s.commit()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM mastery")).scalar_one()
        changes = conn.execute(text("SELECT count(*) FROM mastery_band_change WHERE old_band IS NOT NULL")).scalar_one()
    return {
        "mastery_rows": rows,
        "term_changes": changes,
        "classes": len(class_ids),
        "enrollments": len(enrollments),
        "load_s": t_load,
        "term_s": time.perf_counter() - t0 - t_load,
    }


# -------------------------------------------------------------------- timing
def time_page(url: str, repeat: int) -> dict:
    """``GET /schools`` as the admin: the first request of a fresh app and engine, then ``repeat`` more."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.pages.common import COOKIE
    from service.security import TokenClaims, create_token
    from service.settings import Settings

    engine = make_engine(url)
    with engine.connect() as conn:
        admin = conn.execute(text("SELECT id FROM \"user\" WHERE username = 'admin'")).scalar_one()
    app = create_app(Settings(secret_key=SECRET), engine=engine)
    times, size = [], 0
    with TestClient(app) as client:
        client.cookies.set(COOKIE, create_token(TokenClaims(admin, "admin", "admin", None, None), SECRET, 60))
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            r = client.get("/schools")
            times.append(time.perf_counter() - t0)
            if r.status_code != 200 or "How it moved this term" not in r.text:
                raise RuntimeError(f"/schools answered {r.status_code}: {r.text[:300]}")
            size = len(r.content)
    engine.dispose()
    return {"cold": times[0], "warm": statistics.median(times[1:]), "warm_all": times[1:], "bytes": size}


def time_yardstick(url: str, repeat: int) -> dict:
    engine = make_engine(url)
    times = []
    with engine.connect() as conn:
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            conn.execute(text("SELECT count(*) FROM mastery")).scalar_one()
            times.append(time.perf_counter() - t0)
    engine.dispose()
    return {"cold": times[0], "warm": statistics.median(times[1:])}


def run_backend(name: str, url: str, shape: Shape, repeat: int) -> dict:
    engine = make_engine(url)
    upgrade(engine)
    built = build_district(engine, shape, datetime.now(UTC))
    engine.dispose()
    out = {"backend": name, **built, "load_before": os.getloadavg()[0]}
    out["yardstick"] = time_yardstick(url, repeat)
    out["page"] = time_page(url, repeat)
    out["load_after"] = os.getloadavg()[0]
    return out


# -------------------------------------------------------------------- report
def write_table(path: Path, results: list[dict], mach: dict, shape: Shape, start: str, end: str, argv: str) -> None:
    lines = [
        "# The schools' view on a district: `GET /schools` from the stored mastery",
        "",
        f"Machine: {mach['cpu']}, `nproc` {os.cpu_count()}, {mach['ram_gb']} GB RAM; Python {mach['python']}, "
        f"PostgreSQL {mach['postgresql']}, FastAPI {mach['fastapi']}, SQLAlchemy {mach['sqlalchemy']}; "
        f"{mach['date']}.",
        "",
        f"- `uptime` at the start: `{start}`",
        f"- `uptime` at the end: `{end}`",
        "",
        f"District: {shape.students:,} students x {shape.standards} objectives of stored mastery in "
        f"{shape.schools} schools, each student in {shape.classes_per_student} class(es) of {shape.class_size}; "
        f"a term of {shape.weeks} weeks, each week {shape.moved:.0%} of the rows with new evidence. "
        f"Run: `python -m benchmarks.school_view {argv}`.",
        "",
        "| backend | mastery rows | band changes in the term | classes / enrollments | `/schools` cold | "
        "`/schools` warm (median) | page size | yardstick `SELECT count(*) FROM mastery` cold / warm | "
        "build (load / term) | load avg before / after |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        p, y = r["page"], r["yardstick"]
        lines.append(
            f"| {r['backend']} | {r['mastery_rows']:,} | {r['term_changes']:,} | {r['classes']:,} / "
            f"{r['enrollments']:,} | {p['cold']:.2f} s | {p['warm']:.2f} s | {p['bytes'] / 1e3:.0f} kB | "
            f"{y['cold']:.2f} s / {y['warm']:.2f} s | {r['load_s']:.0f} s / {r['term_s']:.0f} s | "
            f"{r['load_before']:.2f} / {r['load_after']:.2f} |"
        )
    lines += [
        "",
        "Target (issue 16): the page in under a second from the stored mastery. Cold is the first request of a "
        "fresh app and engine (the operating system's file cache and PostgreSQL's buffers stay as the build "
        "left them); warm is the median of the requests after it (all of them below).",
        "",
    ]
    for r in results:
        lines.append(f"- {r['backend']} warm runs: " + ", ".join(f"{t:.2f} s" for t in r["page"]["warm_all"]))
    lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--standards", type=int, default=200)
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--classes-per-student", type=int, default=4, choices=range(1, len(SUBJECTS) + 1))
    parser.add_argument("--class-size", type=int, default=25)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--moved", type=float, default=0.01, help="share of the rows with new evidence each week")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    shape = Shape(
        args.students, args.standards, args.schools, args.classes_per_student, args.class_size, args.weeks, args.moved
    )
    start = uptime()
    results = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            DATA.mkdir(parents=True, exist_ok=True)
            path = DATA / f"school_view-{uuid.uuid4().hex[:8]}.db"
            try:
                results.append(run_backend("SQLite", f"sqlite:///{path}", shape, args.repeat))
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        elif backend == "postgresql":
            url, name = create_database(args.pg)
            try:
                results.append(run_backend("PostgreSQL", url, shape, args.repeat))
            finally:
                drop_database(args.pg, name)
        else:
            parser.error(f"unknown backend {backend!r}")
        print({k: v for k, v in results[-1].items()}, flush=True)
    if args.out is not None:
        write_table(
            args.out, results, machine(), shape, start, uptime(), " ".join(sys.argv[1:] if argv is None else argv)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
