"""The report card's exports checked against the OneRoster 1.2 CSV binding, and the teacher's CSV.

The table below is written here from the specification, not from the code
under test.  The specification is 1EdTech OneRoster CSV Binding 1.2.1
(Final Release, 22 August 2023,
https://www.imsglobal.org/spec/oneroster/v1p2/bind/csv/), whose section 3
"CSV Format" defines the files, their columns and the manifest.  The stored
copy of that page searched for this test held only its front matter, so the
columns, their order, the required ones and the vocabularies were taken from
two independent public readers of the binding that agree on them (a
TypeScript package's "spec-defined headers ... in exact order" with the
scoreStatus vocabulary, and a zod schema of every CSV file and of the
manifest's ``file.*`` properties); a delta's records carry ``status`` and
``dateLastModified``, a bulk file's leave them blank, as
:mod:`interop.oneroster.reading` also reads them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime

import pytest
from sqlmodel import Session, select

from interop.oneroster.importing import import_roster
from interop.oneroster.reading import read_roster
from interop.package import Limits, open_package
from interop.report import ImportReport
from itembank.district import AcademicSession, Course, School
from itembank.people import class_student_ids
from itembank.report_cards import LEVELS
from itembank.tables import SchoolClass, Standard, Student
from reporting.report_card import ReportCard, ReportCardRow, oneroster_zip
from tests.interop.rosters import district, table, zipped
from tests.service.conftest import auth

#: file -> (columns in the binding's order, the columns every record must fill)
SPEC: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "categories.csv": (
        ("sourcedId", "status", "dateLastModified", "title", "weight"),
        frozenset({"sourcedId", "title"}),
    ),
    "lineItems.csv": (
        (
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "description",
            "assignDate",
            "dueDate",
            "classSourcedId",
            "categorySourcedId",
            "academicSessionSourcedId",
            "resultValueMin",
            "resultValueMax",
            "schoolSourcedId",
        ),
        frozenset(
            {
                "sourcedId",
                "title",
                "assignDate",
                "dueDate",
                "classSourcedId",
                "categorySourcedId",
                "academicSessionSourcedId",
                "schoolSourcedId",
            }
        ),
    ),
    "results.csv": (
        (
            "sourcedId",
            "status",
            "dateLastModified",
            "lineItemSourcedId",
            "studentSourcedId",
            "scoreStatus",
            "score",
            "scoreDate",
            "comment",
            "textScore",
            "classSourcedId",
            "inProgress",
            "incomplete",
            "late",
            "missing",
        ),
        frozenset({"sourcedId", "lineItemSourcedId", "studentSourcedId", "scoreStatus", "scoreDate"}),
    ),
    "scoreScales.csv": (
        (
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "type",
            "orgSourcedId",
            "courseSourcedId",
            "classSourcedId",
            "scoreScaleValue",
        ),
        frozenset({"sourcedId", "title", "type", "classSourcedId", "scoreScaleValue"}),
    ),
    "lineItemScoreScales.csv": (
        ("sourcedId", "status", "dateLastModified", "title", "lineItemSourcedId", "scoreScaleSourcedId"),
        frozenset({"sourcedId", "lineItemSourcedId", "scoreScaleSourcedId"}),
    ),
}
#: Every data file of the 1.2 binding: manifest.csv names each one, bulk, delta or absent.
BINDING_FILES = {
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItems",
    "lineItemScoreScales",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
}
SCORE_STATUSES = {"exempt", "fully graded", "not submitted", "partially graded", "submitted"}
#: a delta's status: active or tobedeleted, never blank
DELTA_STATUSES = {"active", "tobedeleted"}
#: dateLastModified: ISO 8601 date and time in UTC
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
SCALE_ENTRY = re.compile(r"^\{([^:{}]+):([^:{}]+)\}$")


def read_package(content: bytes) -> tuple[dict[str, str], dict[str, list[dict[str, str]]], dict[str, list[str]]]:
    """The manifest's properties, each data file's records and each file's header."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        texts = {n: zf.read(n).decode("utf-8") for n in zf.namelist()}
    manifest_rows = list(csv.reader(io.StringIO(texts.pop("manifest.csv"))))
    assert manifest_rows[0] == ["propertyName", "value"]
    manifest = {name: value for name, value in manifest_rows[1:]}
    assert len(manifest) == len(manifest_rows) - 1, "a property listed twice"
    headers = {n: next(csv.reader(io.StringIO(t))) for n, t in texts.items()}
    return manifest, {n: list(csv.DictReader(io.StringIO(t))) for n, t in texts.items()}, headers


def check_package(content: bytes) -> dict[str, list[dict[str, str]]]:
    """Check a gradebook package against :data:`SPEC`; its records by file."""
    manifest, files, headers = read_package(content)
    assert manifest["manifest.version"] == "1.0" and manifest["oneroster.version"] == "1.2"
    listed = {k[len("file.") :]: v for k, v in manifest.items() if k.startswith("file.")}
    assert set(listed) == BINDING_FILES
    assert set(listed.values()) <= {"bulk", "delta", "absent"}
    assert {f"{n}.csv" for n, mode in listed.items() if mode != "absent"} == set(files) == set(SPEC)
    for name, (columns, required) in SPEC.items():
        assert tuple(headers[name]) == columns, name
        mode = listed[name[: -len(".csv")]]
        for rec in files[name]:
            assert all(rec[c] for c in required), (name, rec)
            if mode == "delta":
                assert rec["status"] in DELTA_STATUSES and DATETIME.match(rec["dateLastModified"]), rec
            else:
                assert rec["status"] == "" and rec["dateLastModified"] == "", rec
        ids = [rec["sourcedId"] for rec in files[name]]
        assert len(ids) == len(set(ids)), f"{name}: a sourcedId twice"
    # the repository's own OneRoster reader accepts the manifest and the files it announces
    report = ImportReport("oneroster")
    read_roster(open_package(content, Limits(), "results.zip"), report)
    assert {(w.file, w.message) for w in report.warnings} == {
        (name, "a OneRoster file masterycat does not use; not imported") for name in SPEC
    }
    categories = {c["sourcedId"] for c in files["categories.csv"]}
    items = {i["sourcedId"]: i for i in files["lineItems.csv"]}
    scales = {s["sourcedId"]: s for s in files["scoreScales.csv"]}
    for item in items.values():
        assert item["categorySourcedId"] in categories
        assert date.fromisoformat(item["assignDate"]) <= date.fromisoformat(item["dueDate"])
        assert float(item["resultValueMin"]) <= float(item["resultValueMax"])
    for res in files["results.csv"]:
        item = items[res["lineItemSourcedId"]]
        assert res["scoreStatus"] in SCORE_STATUSES
        assert float(item["resultValueMin"]) <= float(res["score"]) <= float(item["resultValueMax"])
        date.fromisoformat(res["scoreDate"])
        assert res["classSourcedId"] in ("", item["classSourcedId"])
    for link in files["lineItemScoreScales.csv"]:
        assert link["lineItemSourcedId"] in items and link["scoreScaleSourcedId"] in scales
    for scale in scales.values():
        entries = [SCALE_ENTRY.match(e) for e in scale["scoreScaleValue"].split(",")]
        assert all(entries), scale["scoreScaleValue"]
        assert [(m.group(1), m.group(2)) for m in entries if m] == [(str(n + 1), name) for n, name in enumerate(LEVELS)]
    return files


def test_the_api_zip_follows_the_binding(report_world, report_client):
    w = report_world
    r = report_client.put(
        f"/api/v1/classes/{w.class1}/report-card/comments",
        json={"term": w.term, "student_id": w.students1[0], "standard": "7.RP", "text": "Great growth"},
        headers=auth(w, "teacher"),
    )
    assert r.status_code == 200, r.text
    r = report_client.get(
        f"/api/v1/classes/{w.class1}/report-card.zip?term={w.term}&format=oneroster", headers=auth(w, "teacher")
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    files = check_package(r.content)
    assert len(files["lineItems.csv"]) == 2 and len(files["lineItemScoreScales.csv"]) == 2
    assert {i["academicSessionSourcedId"] for i in files["lineItems.csv"]} == {f"masterycat-term-{w.term}"}
    results = files["results.csv"]
    assert len(results) == 2  # only the student with evidence has results
    assert {res["studentSourcedId"] for res in results} == {"S000"}  # no roster: the external id
    by_item = {i["sourcedId"]: i["title"] for i in files["lineItems.csv"]}
    rp = next(res for res in results if by_item[res["lineItemSourcedId"]].startswith("7.RP "))
    assert rp["comment"] == "Great growth" and rp["textScore"] == LEVELS[int(rp["score"]) - 1]


@pytest.mark.parametrize(
    "query, status, words",
    [
        ("term={term}&format=qti", 422, "'oneroster'"),
        ("term={term}&format=", 422, "'oneroster'"),
        ("term=fall&format=oneroster", 422, "integer"),
        ("format=oneroster", 422, "Field required"),
        ("term=0&format=oneroster", 422, "greater than or equal to 1"),
        ("term=999999&format=oneroster", 404, "no term (academic session) with id 999999"),
    ],
)
def test_bad_term_or_format_is_refused_in_words(report_world, report_client, query, status, words):
    w = report_world
    url = f"/api/v1/classes/{w.class1}/report-card.zip?" + query.format(term=w.term)
    r = report_client.get(url, headers=auth(w, "teacher"))
    assert r.status_code == status
    detail = r.json()["detail"]
    text = detail if isinstance(detail, str) else " ".join(f"{d['loc']} {d['msg']}" for d in detail)
    assert words in text
    if status == 422:
        assert "format" in text or "term" in text


def test_the_export_names_the_rosters_records(db_engine):
    """A class imported from a OneRoster 1.2 roster: the export names its class, students, term and school."""
    roster = district("1.2")
    with Session(db_engine, expire_on_commit=False) as s:
        import_roster(s, open_package(zipped(roster), Limits(), "roster.zip"))
        s.commit()
        klass = s.exec(select(SchoolClass).where(SchoolClass.sourced_id == "cls-7a")).one()
        term = s.exec(select(AcademicSession).where(AcademicSession.sourced_id == "sem-1")).one()
        course = s.get(Course, klass.course_id)
        school = s.get(School, klass.school_id)
        ids = class_student_ids(s, klass.id)
        students = s.exec(select(Student).where(Student.id.in_(ids)).order_by(Student.id)).all()
        standards = [Standard(id=1, code="7.RP", title="Ratios", level="competency", framework="ccss")]
    rows = [ReportCardRow(st, standards[0], n % len(LEVELS), 3, f"note {n}") for n, st in enumerate(students)]
    card = ReportCard(klass, course, school, term, "mean", standards, rows)
    files = check_package(oneroster_zip(card, now=datetime(2025, 12, 19, 15, 30)))
    enrolled = {
        e["userSourcedId"]
        for e in table(roster["enrollments.csv"])
        if e["classSourcedId"] == "cls-7a" and e["role"] == "student"
    }
    assert enrolled and {r["studentSourcedId"] for r in files["results.csv"]} == enrolled
    assert {r["classSourcedId"] for r in files["results.csv"]} == {"cls-7a"}
    (item,) = files["lineItems.csv"]
    assert (item["classSourcedId"], item["academicSessionSourcedId"], item["schoolSourcedId"]) == (
        "cls-7a",
        "sem-1",
        "org-ms",
    )
    assert (item["assignDate"], item["dueDate"]) == ("2025-08-15", "2025-12-19")
    (scale,) = files["scoreScales.csv"]
    assert (scale["orgSourcedId"], scale["courseSourcedId"], scale["classSourcedId"]) == ("org-ms", "crs-m7", "cls-7a")
    assert {r["scoreDate"] for r in files["results.csv"]} == {"2025-12-19"}
    assert {r["dateLastModified"] for r in files["results.csv"]} == {"2025-12-19T15:30:00.000Z"}


def test_the_teachers_csv_has_a_row_per_student_and_standard(report_world, report_client):
    w = report_world
    h = auth(w, "teacher")
    body = {"term": w.term, "student_id": w.students1[0], "standard": "7.EE", "text": "Keep practising"}
    assert (
        report_client.put(f"/api/v1/classes/{w.class1}/report-card/comments", json=body, headers=h).status_code == 200
    )
    r = report_client.get(f"/api/v1/classes/{w.class1}/report-card.csv?term={w.term}", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="report-card-class-' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == [
        "term",
        "course",
        "class",
        "student_id",
        "external_id",
        "last_name",
        "first_name",
        "standard",
        "standard_title",
        "level",
        "level_name",
        "evidence_count",
        "comment",
    ]
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    pairs = [(rec["student_id"], rec["standard"]) for rec in records]
    assert len(pairs) == len(set(pairs)) == len(w.students1) * 2
    assert {rec["standard"] for rec in records} == {"7.EE", "7.RP"}
    mine = {rec["standard"]: rec for rec in records if rec["student_id"] == str(w.students1[0])}
    assert mine["7.EE"]["level"] == "1" and mine["7.EE"]["level_name"] == "Does not meet"
    assert mine["7.EE"]["evidence_count"] == "5" and mine["7.EE"]["comment"] == "Keep practising"
    assert mine["7.RP"]["standard_title"] and mine["7.RP"]["term"] == "Fall"
