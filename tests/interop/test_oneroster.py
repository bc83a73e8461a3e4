"""OneRoster 1.1 and 1.2 CSV rosters: bulk and delta, dry runs, deviations accepted and refused, logins."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from interop.errors import ImportRefused
from interop.oneroster.importing import import_roster
from interop.package import Limits, open_package
from itembank.district import (
    AcademicSession,
    ClassTeacher,
    ClassTerm,
    Course,
    Guardian,
    GuardianStudent,
    School,
    SchoolLeader,
    TeacherSchool,
)
from itembank.passwords import verify_password
from itembank.responses import record_response
from itembank.tables import Enrollment, Response, SchoolClass, Student, Teacher, User
from tests.interop.rosters import delta, district, edit, folder, only, zipped

TABLES = (School, AcademicSession, Course, SchoolClass, ClassTerm, ClassTeacher, TeacherSchool, Student, Teacher)
TABLES += (Guardian, GuardianStudent, User, Enrollment, SchoolLeader)


def run(engine, files, *, dry_run: bool = False):
    with Session(engine) as session:
        report = import_roster(session, open_package(zipped(files), Limits(), "roster.zip"))
        session.rollback() if dry_run else session.commit()
    return report


def snapshot(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {t.__tablename__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def by_sourced_id(session, model, key):
    return session.exec(select(model).where(model.sourced_id == key)).one()


def actions(report, kind):
    return {c.key: c.action for c in report.changes if c.kind == kind}


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_bulk_roster_builds_the_district(db_engine, version):
    report = run(db_engine, district(version))
    counts = report.counts()
    assert {k: v["created"] for k, v in counts.items()} == {
        "school": 2,
        "term": 3,
        "course": 2,
        "class": 3,
        "teacher": 4,  # the principal is a teacher
        "student": 6,
        "guardian": 1,
        "login": 12,
        "teaching": 3,
        "enrollment": 6,
    }
    with Session(db_engine) as s:
        ms, hs = by_sourced_id(s, School, "org-ms"), by_sourced_id(s, School, "org-hs")
        assert (ms.name, ms.identifier) == ("Lakeside Middle", "0601")
        fall = by_sourced_id(s, AcademicSession, "sem-1")
        year = by_sourced_id(s, AcademicSession, "sy-26")
        assert (fall.parent_id, str(fall.start_date), str(fall.end_date), fall.school_year) == (
            year.id,
            "2025-08-15",
            "2025-12-19",
            2026,
        )
        algebra = by_sourced_id(s, Course, "crs-alg")
        assert algebra.school_id is None  # a district course: the district is not a school
        p1 = by_sourced_id(s, SchoolClass, "cls-7a")
        assert (p1.name, p1.grade, p1.school_id) == ("Math 7 - Period 1", 7, ms.id)
        terms = set(s.exec(select(ClassTerm.session_id).where(ClassTerm.class_id == p1.id)).all())
        assert terms == {fall.id, by_sourced_id(s, AcademicSession, "sem-2").id}
        ada = by_sourced_id(s, Teacher, "t-ada")
        assert p1.teacher_id == ada.id
        assert set(s.exec(select(TeacherSchool.school_id).where(TeacherSchool.teacher_id == ada.id)).all()) == {
            ms.id,
            hs.id,
        }
        aide = s.get(ClassTeacher, (p1.id, by_sourced_id(s, Teacher, "a-cy").id))
        assert (aide.role, aide.primary, aide.sourced_id) == ("aide", False, "e-2")
        amy = by_sourced_id(s, Student, "s-1")
        assert (amy.external_id, amy.first_name, amy.last_name, amy.grade) == ("1001", "Amy", "Ames", 7)
        assert s.get(Enrollment, (p1.id, amy.id)).sourced_id == "e-3"
        pat = by_sourced_id(s, Guardian, "p-1")
        assert s.get(GuardianStudent, (pat.id, amy.id)).relationship == "parent"
        # the class nobody teaches has no lead
        assert by_sourced_id(s, SchoolClass, "cls-alg").teacher_id is None


def test_logins_take_the_roles_the_roster_gives_and_no_password(db_engine):
    report = run(db_engine, district())
    with Session(db_engine) as s:
        logins = {u.username: u for u in s.exec(select(User)).all()}
    assert {name: u.role for name, u in logins.items()} == {
        "ada.lovelace": "teacher",
        "bo.diddley": "teacher",
        "cy.young": "teacher",
        "s1": "student",
        "s2": "student",
        "s3": "student",
        "s4": "student",
        "s5": "student",
        "s6": "student",
        "pat.ames": "guardian",
        "dana.admin": "admin",
        "pia.principal": "teacher",  # a principal: a teacher login leading their school
    }
    assert not logins["s6"].active  # enabledUser=false
    assert all(not verify_password(pw, u.password_hash) for u in logins.values() for pw in ("", "!", u.username))
    assert not [w for w in report.warnings if "principal" in w.text()]


def _leaders(engine) -> set[tuple[str, str]]:
    with Session(engine) as s:
        rows = s.exec(
            select(Teacher.sourced_id, School.sourced_id)
            .join(SchoolLeader, SchoolLeader.teacher_id == Teacher.id)
            .join(School, School.id == SchoolLeader.school_id)
        ).all()
    return set(rows)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_principal_leads_the_schools_of_their_orgs(db_engine, version):
    report = run(db_engine, district(version))
    assert _leaders(db_engine) == {("pr-1", "org-ms")}
    with Session(db_engine) as s:
        pia = by_sourced_id(s, Teacher, "pr-1")
        assert pia.name == "Pia Principal"
        assert s.exec(select(User).where(User.teacher_id == pia.id)).one().username == "pia.principal"
        assert set(s.exec(select(TeacherSchool.school_id).where(TeacherSchool.teacher_id == pia.id)).all()) == {
            by_sourced_id(s, School, "org-ms").id
        }
    assert "pr-1" in actions(report, "teacher")


def test_the_schools_a_roster_teacher_leads_follow_the_roster(db_engine):
    files = district()
    run(db_engine, edit(files, "users.csv", "pr-1", orgSourcedIds="org-ms,org-hs"))
    assert _leaders(db_engine) == {("pr-1", "org-ms"), ("pr-1", "org-hs")}
    again = run(db_engine, files)
    assert _leaders(db_engine) == {("pr-1", "org-ms")}
    assert actions(again, "teacher")["pr-1"] == "updated"
    # no longer a principal: a teacher leading nothing, the same login
    run(db_engine, edit(files, "users.csv", "pr-1", role="teacher"))
    assert _leaders(db_engine) == set()
    with Session(db_engine) as s:
        assert s.exec(select(User).where(User.username == "pia.principal")).one().role == "teacher"
    # a principal of no school of the roster is told
    report = run(db_engine, edit(files, "users.csv", "pr-1", orgSourcedIds="org-d"))
    assert _leaders(db_engine) == set()
    assert any("in no school of the roster" in w.text() for w in report.warnings)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_importing_the_same_roster_again_changes_nothing(db_engine, version):
    run(db_engine, district(version))
    before = snapshot(db_engine)
    again = run(db_engine, district(version))
    assert not again.changed()
    assert {c.action for c in again.changes} == {"unchanged"}
    assert snapshot(db_engine) == before


def test_a_dry_run_reports_what_the_import_does_and_writes_nothing(db_engine):
    before = snapshot(db_engine)
    dry = run(db_engine, district(), dry_run=True)
    assert snapshot(db_engine) == before
    applied = run(db_engine, district())
    assert dry.to_dict() == applied.to_dict()
    assert dry.counts()["student"]["created"] == 6


def test_a_delta_updates_moves_and_retires(db_engine, world):
    base = district()
    run(db_engine, base)
    with Session(db_engine) as s:
        ben = by_sourced_id(s, Student, "s-2")
        record_response(
            s,
            dedupe_key="t/1",
            student_id=ben.id,
            item_id=world.items["7.RP.A.2"][0],
            item_version=1,
            answer="A",
            score=1,
            correct=True,
            source="entry",
        )
        s.commit()
    changes = delta(
        {
            "users.csv": only(
                base, "users.csv", {"s-1": {"familyName": "Ames-Smith"}, "s-3": {"status": "tobedeleted"}}
            ),
            "enrollments.csv": only(base, "enrollments.csv", {"e-4": {"classSourcedId": "cls-7b"}}),
        }
    )
    report = run(db_engine, changes)
    assert actions(report, "student") == {"s-1": "updated", "s-3": "retired"}
    assert actions(report, "enrollment") == {"e-4": "updated"}
    assert actions(report, "login") == {"s-1": "unchanged", "s-3": "retired"}
    with Session(db_engine) as s:
        amy = by_sourced_id(s, Student, "s-1")
        assert amy.last_name == "Ames-Smith"
        ben = by_sourced_id(s, Student, "s-2")
        p1, p2 = by_sourced_id(s, SchoolClass, "cls-7a"), by_sourced_id(s, SchoolClass, "cls-7b")
        assert s.get(Enrollment, (p1.id, ben.id)) is None
        assert s.get(Enrollment, (p2.id, ben.id)).sourced_id == "e-4"
        # a student who moves class keeps their history
        assert [r.item_id for r in s.exec(select(Response).where(Response.student_id == ben.id)).all()] == [
            world.items["7.RP.A.2"][0]
        ]
        cal = by_sourced_id(s, Student, "s-3")
        assert cal.retired and not by_sourced_id(s, User, "s-3").active
    # the same delta again changes nothing
    assert not run(db_engine, changes).changed()


def test_a_bulk_roster_retires_what_it_no_longer_lists(db_engine):
    base = district()
    run(db_engine, base)
    fewer = dict(base)
    fewer["users.csv"] = (
        "\n".join(line for line in base["users.csv"].splitlines() if not line.startswith("s-4,")) + "\n"
    )
    fewer["enrollments.csv"] = (
        "\n".join(line for line in base["enrollments.csv"].splitlines() if not line.startswith("e-7,")) + "\n"
    )
    report = run(db_engine, fewer)
    assert actions(report, "student")["s-4"] == "retired"
    assert actions(report, "enrollment")["e-7"] == "retired"
    with Session(db_engine) as s:
        assert by_sourced_id(s, Student, "s-4").retired
        assert s.exec(select(Enrollment).where(Enrollment.sourced_id == "e-7")).first() is None


def test_the_lead_teacher_follows_the_roster(db_engine):
    base = district()
    run(db_engine, base)
    # Bo joins period 1 as its primary teacher; Ada stays as a co-teacher
    changes = delta(
        {
            "enrollments.csv": only(base, "enrollments.csv", {"e-1": {"primary": "false"}})
            + "e-10,active,2026-01-10T08:00:00Z,cls-7a,org-ms,t-bo,teacher,true,,\n"
        }
    )
    report = run(db_engine, changes)
    assert actions(report, "teaching") == {"e-1": "updated", "e-10": "created"}
    assert actions(report, "class") == {}  # the class is not in the delta; its lead changed
    with Session(db_engine) as s:
        p1 = by_sourced_id(s, SchoolClass, "cls-7a")
        assert p1.teacher_id == by_sourced_id(s, Teacher, "t-bo").id
        assert len(s.exec(select(ClassTeacher).where(ClassTeacher.class_id == p1.id)).all()) == 3


def test_a_teacher_enrolled_as_a_student_is_not_enrolled(db_engine):
    files = district()
    files["enrollments.csv"] += "e-20,,,cls-alg,org-hs,t-ada,student,false,,\n"
    report = run(db_engine, files)
    assert any(
        w.file == "enrollments.csv" and w.lines == [11] and "enrolls as student a user who is a teacher" in w.message
        for w in report.warnings
    )
    with Session(db_engine) as s:
        assert s.exec(select(Enrollment).where(Enrollment.sourced_id == "e-20")).first() is None


def test_a_student_made_by_hand_is_adopted_by_the_roster(world):
    files = edit(district(), "users.csv", "s-1", identifier="S000")
    report = run(world.engine, files)
    assert actions(report, "student")["s-1"] == "updated"
    with Session(world.engine) as s:
        adopted = s.get(Student, world.students1[0])
        assert (adopted.sourced_id, adopted.first_name) == ("s-1", "Amy")


# ---------------------------------------------------------------- deviations
def test_unambiguous_deviations_are_accepted_with_warnings(db_engine, tmp_path):
    files = district()
    files["users.csv"] = "\ufeff" + files["users.csv"].replace("\n", "\r\n")
    files["orgs.csv"] = files["orgs.csv"].replace("parentSourcedId\n", "parentSourcedId,ext_nces\n", 1)
    files["orgs.csv"] = "\n".join(
        line + ",x" if n > 0 and line else line for n, line in enumerate(files["orgs.csv"].split("\n"))
    )
    files["courses.csv"] = files["courses.csv"].replace("courseCode", "CourseCode", 1)
    files["academicSessions.csv"] = files["academicSessions.csv"].replace("2025-12-19", "12/19/2025")
    report = run(db_engine, files)
    texts = [w.text() for w in report.warnings]
    assert "users.csv: starts with a UTF-8 byte-order mark; ignored" in texts
    assert "users.csv: Windows line ends (CRLF); read as line ends" in texts
    assert "orgs.csv, column ext_nces: an extension column; not imported" in texts
    assert "courses.csv, column CourseCode: read as the column courseCode" in texts
    assert any(t.startswith("academicSessions.csv, column endDate (line 3): dates written") for t in texts)
    with Session(db_engine) as s:
        assert str(by_sourced_id(s, AcademicSession, "sem-1").end_date) == "2025-12-19"
        assert by_sourced_id(s, Course, "crs-m7").code == "M7"
    # a zipped folder and a plain folder read the same
    again = open_package(zipped(district(), folder="export/"), Limits(), "roster.zip")
    with Session(db_engine) as s:
        report = import_roster(s, again)
        assert "roster.zip: every file is inside the folder export/; read from there" in [
            w.text() for w in report.warnings
        ]
    path = folder(district(), tmp_path / "roster")
    with Session(db_engine) as s:
        assert not import_roster(s, open_package(path, Limits())).changed()


def test_a_missing_optional_file_is_fine(db_engine):
    files = district()
    assert "demographics.csv" not in files  # the manifest says absent
    assert run(db_engine, files).counts()["student"]["created"] == 6


def _refused(engine, files, expected: str):
    before = snapshot(engine)
    with pytest.raises(ImportRefused) as caught:
        run(engine, files)
    assert str(caught.value) == expected
    assert snapshot(engine) == before
    return caught.value


@pytest.mark.parametrize(
    "change,expected",
    [
        (
            lambda f: {**f, "users.csv": f["users.csv"].replace("givenName,", "", 1)},
            "users.csv, line 1, column givenName: the required column givenName is missing",
        ),
        (
            lambda f: {**f, "users.csv": f["users.csv"].replace("familyName", "famliyName", 1)},
            "users.csv, line 1, column famliyName: unknown column 'famliyName' (did you mean familyName?)",
        ),
        (
            lambda f: edit(f, "enrollments.csv", "e-6", classSourcedId="cls-9z"),
            "enrollments.csv, line 7, column classSourcedId: names the class 'cls-9z', which is neither in this "
            "roster nor in masterycat",
        ),
        (
            lambda f: edit(f, "academicSessions.csv", "sem-2", startDate="03/04/2026"),
            "academicSessions.csv, line 4, column startDate: the date '03/04/2026' reads two ways (2026-03-04 or "
            "2026-04-03); write it as YYYY-MM-DD",
        ),
        (
            lambda f: edit(f, "users.csv", "s-2", sourcedId="s-1"),
            "users.csv, line 6, column sourcedId: sourcedId 's-1' appears twice (lines 5 and 6)",
        ),
        (
            lambda f: edit(f, "users.csv", "s-2", role="studnet"),
            "users.csv, line 6, column role: 'studnet' is not one of student, teacher, aide, administrator, "
            "districtAdministrator, systemAdministrator, siteAdministrator, principal, counselor, proctor, "
            "guardian, parent, relative",
        ),
        (
            lambda f: edit(f, "users.csv", "s-2", username="s1"),
            "users.csv, line 6, column username: the username 's1' is also on line 5",
        ),
        (
            lambda f: {k: v for k, v in f.items() if k != "manifest.csv"},
            "roster.zip: the package has no manifest.csv; without it a full export (bulk) cannot be told from "
            "changes (delta)",
        ),
        (
            lambda f: {k: v for k, v in f.items() if k != "courses.csv"},
            "manifest.csv, line 8: file.courses announces courses.csv (bulk) but the package has no courses.csv",
        ),
        (
            lambda f: {
                **f,
                "manifest.csv": f["manifest.csv"].replace("oneroster.version,1.1", "oneroster.version,1.0"),
            },
            "manifest.csv, line 3, column value: oneroster.version is '1.0'; this reads OneRoster 1.1 and 1.2",
        ),
        (
            lambda f: {**f, "users.csv": f["users.csv"].replace("Ben,Burke", "Ben,Bu\xffrke").encode("latin-1")},
            "users.csv, line 6: is not UTF-8 text (byte 497)",
        ),
        (
            lambda f: {**f, "classes.csv": f["classes.csv"] + "cls-x,,,Broken,07\n"},
            "classes.csv, line 5: has 5 cells; the header has 14",
        ),
    ],
    ids=[
        "missing-column",
        "misspelled-header",
        "unknown-class",
        "ambiguous-date",
        "duplicate-id",
        "unknown-role",
        "duplicate-username",
        "no-manifest",
        "announced-file-missing",
        "version",
        "not-utf8",
        "short-row",
    ],
)
def test_what_is_not_unambiguous_is_refused_whole(db_engine, change, expected):
    _refused(db_engine, change(district()), expected)


def test_a_refusal_after_some_records_were_written_leaves_nothing(db_engine):
    """The unknown class is met after schools, terms, courses, classes and users were flushed."""
    files = edit(district(), "enrollments.csv", "e-9", classSourcedId="cls-gone")
    _refused(
        db_engine,
        files,
        "enrollments.csv, line 10, column classSourcedId: names the class 'cls-gone', which is neither in this "
        "roster nor in masterycat",
    )


def test_a_change_of_role_is_refused(db_engine):
    run(db_engine, district())
    _refused(
        db_engine,
        edit(district(), "users.csv", "s-2", role="teacher"),
        "users.csv, line 6, column role: user 's-2' was imported as student and is now teacher; a change of role "
        "is not imported (retire the user, then import them under a new sourcedId)",
    )


def test_a_username_of_a_login_made_by_hand_is_refused(world):
    _refused(
        world.engine,
        edit(district(), "users.csv", "adm-1", username="admin"),
        "users.csv, line 12, column username: the username 'admin' belongs to another login made in masterycat",
    )
