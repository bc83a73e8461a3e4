"""Large imports as background jobs: 202 with a job, progress, then the report or the refusal.

SQLite runs on a file here, as the server does (an in-memory database is
one connection shared by every thread, so the job's transaction and the
requests' would be one).
"""

from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from itembank.db import make_engine
from itembank.import_jobs import ImportJob, ImportStatus, create_import_job, run_import
from itembank.io import FileFormatError
from itembank.migrate import upgrade
from itembank.tables import Response, Student
from service.routers import files
from tests.service.conftest import TABLES

P = "/api/v1"
HEADER = "student_id,item_id,score\n"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(request, tmp_path):
    """A migrated, empty database on each backend (SQLite in a file)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'bank.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("pg_engine")
    yield engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)}, import_job RESTART IDENTITY CASCADE"))


@pytest.fixture
def small_sync_limit(monkeypatch):
    """Files over 200 bytes become jobs."""
    monkeypatch.setattr(files, "SYNC_IMPORT_BYTES", 200)


def stored(world) -> tuple[int, int]:
    with Session(world.engine) as s:
        return (
            s.exec(select(func.count()).select_from(Response)).one(),
            s.exec(select(func.count()).select_from(Student)).one(),
        )


def follow(client, location: str, headers: dict, seconds: float = 60.0) -> dict:
    """Poll an import job until it is done or failed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(location, headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"import {location} still {job['status']} after {seconds} s")


def long_file(n_students: int, prefix: str = "J") -> str:
    return HEADER + "".join(f"{prefix}{s:06d},7RPA2-sc0,{s % 2}\n" for s in range(n_students))


def test_large_file_is_a_job_that_reports_what_it_wrote(client, world, as_user, small_sync_limit):
    h = as_user("psychometrician")
    before = stored(world)
    data = long_file(40)
    r = client.post(f"{P}/responses/import", files={"file": ("big.csv", data.encode())}, headers=h)
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/api/v1/imports/{job['id']}"
    assert (job["kind"], job["status"], job["size_bytes"]) == ("responses", "queued", len(data))
    done = follow(client, r.headers["location"], h)
    assert done["status"] == "done", done
    assert done["progress"] == 1.0 and done["error"] is None and done["finished_at"] is not None
    assert done["report"] == {"added": 40, "students": 40, "items": 1, "students_created": 40}
    assert stored(world) == (before[0] + 40, before[1] + 40)
    again = client.post(f"{P}/responses/import", files={"file": ("again.csv", data.encode())}, headers=h)
    assert follow(client, again.headers["location"], h)["report"]["added"] == 0
    assert stored(world) == (before[0] + 40, before[1] + 40)


def test_refused_file_fails_the_job_with_the_line_and_writes_nothing(client, world, as_user, small_sync_limit):
    h = as_user("admin")
    before = stored(world)
    data = long_file(40) + "J999999,7RPA2-sc0,5\n"
    r = client.post(f"{P}/responses/import", files={"file": ("bad.csv", data.encode())}, headers=h)
    assert r.status_code == 202, r.text
    failed = follow(client, r.headers["location"], h)
    assert failed["status"] == "failed"
    assert failed["error"] == "line 42, column score: score 5 is out of range 0..1 for item 7RPA2-sc0"
    assert failed["report"] is None
    assert stored(world) == before


def test_more_students_than_a_statement_takes_parameters(client, world, as_user):
    """83,335 students failed on PostgreSQL: one statement with a parameter per student (at most 65,535)."""
    h = as_user("psychometrician")
    n = 66_000
    before = stored(world)
    r = client.post(f"{P}/responses/import", files={"file": ("big.csv", long_file(n, "B").encode())}, headers=h)
    assert r.status_code == 202, r.text[:500]
    done = follow(client, r.headers["location"], h, seconds=300)
    assert done["report"] == {"added": n, "students": n, "items": 1, "students_created": n}, done
    assert stored(world) == (before[0] + n, before[1] + n)


def test_import_jobs_are_for_bank_keepers(client, world, as_user, small_sync_limit):
    r = client.post(
        f"{P}/responses/import", files={"file": ("big.csv", long_file(40).encode())}, headers=as_user("admin")
    )
    location = r.headers["location"]
    follow(client, location, as_user("admin"))
    assert client.get(location, headers=as_user("psychometrician")).status_code == 200
    listed = client.get(f"{P}/imports", headers=as_user("psychometrician")).json()
    assert [j["id"] for j in listed["items"]] == [r.json()["id"]] and listed["total"] == 1
    for role in ("teacher", "student"):
        assert client.get(location, headers=as_user(role)).status_code == 403
        assert client.get(f"{P}/imports", headers=as_user(role)).status_code == 403
    assert client.get(location).status_code == 401
    assert client.get(f"{P}/imports/999", headers=as_user("admin")).status_code == 404
    assert client.get(f"{P}/imports/99999999999999999999", headers=as_user("admin")).status_code == 422


def test_job_records_progress_then_writing_then_its_report(world):
    """The row says what the job is doing, in transactions of its own, while the import's is open."""
    seen = []

    def look() -> tuple[str, float]:
        with Session(world.engine) as s:
            row = s.get(ImportJob, job_id)
            return row.status, row.progress

    def importer(session, stream, *, on_progress, on_writing):
        assert stream.read() == b"payload"
        on_progress(0.02)  # below the step: not written
        seen.append(look())
        on_progress(0.5)
        seen.append(look())
        on_writing()
        seen.append(look())
        return {"added": 3}

    with Session(world.engine) as s:
        job_id = create_import_job(s, kind="responses", size_bytes=7).id
        s.commit()
    row = run_import(world.engine, job_id, io.BytesIO(b"payload"), importer)
    assert seen == [("checking", 0.0), ("checking", 0.5), ("writing", 1.0)]
    assert (row.status, row.progress, row.report, row.error) == ("done", 1.0, {"added": 3}, None)


@pytest.mark.parametrize(
    "error,message",
    [
        (
            FileFormatError("upload: line 3, column score: bad", problem="line 3, column score: bad"),
            "line 3, column score: bad",
        ),
        (
            RuntimeError("/tmp/secret/path exploded"),
            "the import failed unexpectedly (RuntimeError); nothing was written",
        ),
    ],
)
def test_failed_job_rolls_back_and_says_why_without_internals(world, error, message):
    def importer(session, stream, *, on_progress, on_writing):
        session.add(Student(external_id="HALFWAY"))
        session.flush()
        raise error

    with Session(world.engine) as s:
        job_id = create_import_job(s, kind="responses", size_bytes=0).id
        s.commit()
    row = run_import(world.engine, job_id, io.BytesIO(b""), importer)
    assert (row.status, row.error) == (ImportStatus.failed.value, message)
    with Session(world.engine) as s:
        assert s.exec(select(Student).where(Student.external_id == "HALFWAY")).first() is None


def items_file(n: int, last_objective: str = "7.RP.A.2") -> str:
    rows = "".join(
        f"NEW-{k:04d},{'7.RP.A.2' if k < n - 1 else last_objective},numeric_entry,What is {k} + 1?,{k + 1}\n"
        for k in range(n)
    )
    return "id,objective,interaction,stem,key\n" + rows


def item_count(world) -> int:
    from itembank.tables import Item

    with Session(world.engine) as s:
        return s.exec(select(func.count()).select_from(Item)).one()


def test_large_items_file_is_a_job_and_the_bank_serves_its_items(client, world, as_user, small_sync_limit):
    h = as_user("psychometrician")
    before = item_count(world)
    r = client.post(f"{P}/items/import", files={"file": ("items.csv", items_file(30).encode())}, headers=h)
    assert r.status_code == 202, r.text
    assert r.json()["kind"] == "items"
    done = follow(client, r.headers["location"], h)
    assert done["report"] == {"standards_created": 0, "standards_updated": 0, "items_created": 30, "items_updated": 0}
    assert item_count(world) == before + 30
    assert client.get(f"{P}/items/NEW-0029", headers=h).json()["key"] == 30


def test_items_file_with_a_bad_last_line_fails_the_job_and_writes_nothing(client, world, as_user, small_sync_limit):
    h = as_user("admin")
    before = item_count(world)
    data = items_file(30, last_objective="NO.SUCH")
    r = client.post(f"{P}/items/import", files={"file": ("items.csv", data.encode())}, headers=h)
    failed = follow(client, r.headers["location"], h)
    assert failed["status"] == "failed"
    assert failed["error"] == "line 31, column objective: no standard with code NO.SUCH"
    assert item_count(world) == before


def test_large_standards_file_is_a_job(client, world, as_user, small_sync_limit):
    h = as_user("admin")
    text = "framework,code,title,level,parent_code,description\n" + "".join(
        f"G9,9.C{n},Competency {n},competency,,A competency of grade 9\n" for n in range(10)
    )
    r = client.post(f"{P}/standards/import", files={"file": ("s.csv", text.encode())}, headers=h)
    assert r.status_code == 202, r.text
    done = follow(client, r.headers["location"], h)
    assert done["kind"] == "standards"
    assert done["report"] == {"standards_created": 10, "standards_updated": 0, "items_created": 0, "items_updated": 0}
