"""The admin's pages: landing, imports (upload, dry run, apply, history, refusals), logins, schools, terms, classes."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from itembank.district import School
from itembank.passwords import verify_password
from itembank.tables import Enrollment, SchoolClass, Standard, Student, User
from tests.interop.case_files import as_bytes, framework
from tests.interop.rosters import district, zipped


def _upload(c, fmt: str, name: str, data: bytes, *, dry_run: bool = True, **fields):
    form = {"format": fmt, **fields}
    if dry_run:
        form["dry_run"] = "true"
    return c.post("/admin/imports", data=form, files={"file": (name, data, "application/octet-stream")})


def test_the_admin_lands_on_the_district_overview(login):
    c = login("admin")
    r = c.get("/", follow_redirects=True)
    assert r.url.path == "/admin"
    assert "The district" in r.text and 'href="/admin/imports"' in r.text
    assert c.get("/admin").status_code == 200


def test_the_admin_imports_a_roster_dry_run_first_then_applies_it(login, world):
    c = login("admin")
    r = _upload(c, "oneroster", "roster.zip", zipped(district()))
    assert r.status_code == 200, r.text
    run_url = r.url.path
    assert re.fullmatch(r"/admin/imports/\d+", run_url)
    assert "Dry run: nothing was written." in r.text
    assert "Apply this import" in r.text
    assert re.search(r"<th scope=\"row\">student</th><td class=\"num\">6</td>", r.text)
    assert "masterycat keeps schools only" in r.text
    with Session(world.engine) as s:
        assert s.exec(select(School)).all() == []
    applied = c.post(f"{run_url}/apply")
    assert applied.status_code == 200
    assert "Applied" in applied.text and "Apply this import" not in applied.text
    with Session(world.engine) as s:
        assert {x.name for x in s.exec(select(School)).all()} == {"Lakeside Middle", "Lakeside High"}
        assert s.exec(select(User).where(User.username == "ada.lovelace")).one().role == "teacher"
    history = c.get("/admin/imports")
    assert "roster.zip" in history.text and "applied" in history.text


def test_the_admin_imports_a_standards_file_from_the_page(login, world):
    c = login("admin")
    r = _upload(c, "case", "state.json", as_bytes(framework()), dry_run=False, framework="State math")
    assert r.status_code == 200, r.text
    assert "Applied" in r.text
    with Session(world.engine) as s:
        codes = {x.code for x in s.exec(select(Standard).where(Standard.framework == "State math")).all()}
    assert {"7.RP", "7.RP.A", "7.RP.A.2"} <= codes


def test_a_refused_file_is_a_page_saying_why_and_nothing_is_written(login, world):
    c = login("admin")
    files = district()
    files["users.csv"] = files["users.csv"].replace("givenName", "given_name", 1)
    r = _upload(c, "oneroster", "roster.zip", zipped(files))
    assert r.status_code == 422
    assert (
        "The file was refused, nothing was written: users.csv, line 1, column given_name: unknown column "
        "&#39;given_name&#39; (did you mean givenName?)"
    ) in r.text
    with Session(world.engine) as s:
        assert s.exec(select(School)).all() == []
    assert "refused" in c.get("/admin/imports").text


def test_import_pages_are_for_admins(login):
    for username in ("teacher", "psychometrician", "student"):
        assert login(username).get("/admin/imports").status_code == 403


def test_logins_are_created_deactivated_and_given_a_password(login, world):
    c = login("admin")
    r = c.post(
        "/admin/users",
        data={"username": "newteach", "role": "teacher", "name": "New Teacher", "password": "long enough"},
    )
    assert "Login newteach created." in r.text
    short = c.post("/admin/users", data={"username": "x", "role": "admin", "password": "short"})
    assert short.status_code == 422 and "at least 8 characters" in short.text
    with Session(world.engine) as s:
        row = s.exec(select(User).where(User.username == "newteach")).one()
    assert c.post(f"/admin/users/{row.id}/active", data={"active": "false"}).status_code == 200
    r = c.post(f"/admin/users/{row.id}/password", data={"password": "another secret"})
    assert "is set" in r.text
    with Session(world.engine) as s:
        row = s.get(User, row.id)
        assert not row.active and verify_password("another secret", row.password_hash)
    me = world.users["admin"].user_id
    assert c.post(f"/admin/users/{me}/active", data={"active": "false"}).status_code == 409


def test_schools_terms_classes_and_enrollments_by_hand(login, world):
    c = login("admin")
    c.post("/admin/schools", data={"name": "North Middle", "identifier": "0700"})
    assert "North Middle" in c.get("/admin/schools").text
    c.post(
        "/admin/terms",
        data={"title": "2026-27", "type": "schoolYear", "start_date": "2026-08-15", "end_date": "2027-06-10"},
    )
    assert "2026-27" in c.get("/admin/terms").text
    bad = c.post(
        "/admin/terms", data={"title": "x", "type": "schoolYear", "start_date": "2027-08-15", "end_date": "2026-06-10"}
    )
    assert bad.status_code == 422 and "a term ends after it starts" in bad.text
    with Session(world.engine) as s:
        school = s.exec(select(School)).one()
    r = c.post("/admin/classes", data={"name": "Math 7 - 4", "school_id": str(school.id)})
    assert r.status_code == 200 and "No teacher yet" in r.text
    class_url = r.url.path
    class_id = int(class_url.rsplit("/", 1)[1])
    c.post(f"{class_url}/teachers", data={"teacher_id": str(world.teacher2), "role": "teacher"})
    enrolled = c.post(f"{class_url}/students", data={"external_id": "S001"})
    assert "First1 Last1" in enrolled.text
    missing = c.post(f"{class_url}/students", data={"external_id": "NOPE"})
    assert missing.status_code == 404 and "No student has the id NOPE." in missing.text
    with Session(world.engine) as s:
        student = s.exec(select(Student).where(Student.external_id == "S001")).one()
        assert s.get(Enrollment, (class_id, student.id)) is not None
        assert s.get(SchoolClass, class_id).teacher_id == world.teacher2
    c.post(f"{class_url}/students/{student.id}/remove")
    with Session(world.engine) as s:
        assert s.get(Enrollment, (class_id, student.id)) is None
    assert "Math 7 - 4" in c.get("/admin/classes").text
