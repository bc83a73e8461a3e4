"""OneRoster CSV sets written for the tests from the specification (no sample files of other projects).

:func:`district` is a small district in OneRoster 1.1 or 1.2: the district
org, two schools, a school year with two semesters, two courses, three
classes (one co-taught, one without a teacher), two teachers, an aide, six
students, a parent, an administrator and a principal.  Tests change cells
with :func:`edit` and pack the files with :func:`zipped` or :func:`folder`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

FILES = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments")

ORGS = [
    ("sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"),
    ("org-d", "", "", "Lakeside Unified", "district", "LU", ""),
    ("org-ms", "", "", "Lakeside Middle", "school", "0601", "org-d"),
    ("org-hs", "", "", "Lakeside High", "school", "0602", "org-d"),
]
SESSIONS = [
    (
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "type",
        "startDate",
        "endDate",
        "parentSourcedId",
        "schoolYear",
    ),
    ("sy-26", "", "", "2025-26", "schoolYear", "2025-08-15", "2026-06-10", "", "2026"),
    ("sem-1", "", "", "Fall 2025", "semester", "2025-08-15", "2025-12-19", "sy-26", "2026"),
    ("sem-2", "", "", "Spring 2026", "semester", "2026-01-05", "2026-06-10", "sy-26", "2026"),
]
COURSES = [
    (
        "sourcedId",
        "status",
        "dateLastModified",
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "grades",
        "orgSourcedId",
        "subjects",
        "subjectCodes",
    ),
    ("crs-m7", "", "", "sy-26", "Math 7", "M7", "07", "org-ms", "Mathematics", ""),
    ("crs-alg", "", "", "sy-26", "Algebra 1", "ALG1", "09", "org-d", "Mathematics", ""),
]
CLASSES = [
    (
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "grades",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedIds",
        "subjects",
        "subjectCodes",
        "periods",
    ),
    (
        "cls-7a",
        "",
        "",
        "Math 7 - Period 1",
        "07",
        "crs-m7",
        "M7-1",
        "scheduled",
        "Room 101",
        "org-ms",
        "sem-1,sem-2",
        "Mathematics",
        "",
        "1",
    ),
    (
        "cls-7b",
        "",
        "",
        "Math 7 - Period 2",
        "07",
        "crs-m7",
        "M7-2",
        "scheduled",
        "Room 101",
        "org-ms",
        "sy-26",
        "Mathematics",
        "",
        "2",
    ),
    (
        "cls-alg",
        "",
        "",
        "Algebra 1 - Period 3",
        "09",
        "crs-alg",
        "A1-3",
        "scheduled",
        "Room 201",
        "org-hs",
        "sem-1",
        "Mathematics",
        "",
        "3",
    ),
]
USERS_11 = [
    (
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
        "orgSourcedIds",
        "role",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
    ),
    (
        "t-ada",
        "",
        "",
        "true",
        "org-ms,org-hs",
        "teacher",
        "ada.lovelace",
        "",
        "Ada",
        "Lovelace",
        "",
        "T100",
        "ada@lakeside.example",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "t-bo",
        "",
        "",
        "true",
        "org-ms",
        "teacher",
        "bo.diddley",
        "",
        "Bo",
        "Diddley",
        "",
        "T101",
        "bo@lakeside.example",
        "",
        "",
        "",
        "",
        "",
    ),
    ("a-cy", "", "", "true", "org-ms", "aide", "cy.young", "", "Cy", "Young", "", "T102", "", "", "", "", "", ""),
    ("s-1", "", "", "true", "org-ms", "student", "s1", "", "Amy", "Ames", "", "1001", "", "", "", "p-1", "07", ""),
    ("s-2", "", "", "true", "org-ms", "student", "s2", "", "Ben", "Burke", "", "1002", "", "", "", "", "07", ""),
    ("s-3", "", "", "true", "org-ms", "student", "s3", "", "Cal", "Cruz", "", "1003", "", "", "", "", "07", ""),
    ("s-4", "", "", "true", "org-ms", "student", "s4", "", "Dee", "Diaz", "", "1004", "", "", "", "", "07", ""),
    ("s-5", "", "", "true", "org-hs", "student", "s5", "", "Eve", "Evans", "", "1005", "", "", "", "", "09", ""),
    ("s-6", "", "", "false", "org-hs", "student", "s6", "", "Fay", "Fox", "", "1006", "", "", "", "", "09", ""),
    (
        "p-1",
        "",
        "",
        "true",
        "org-ms",
        "parent",
        "pat.ames",
        "",
        "Pat",
        "Ames",
        "",
        "",
        "pat@home.example",
        "",
        "",
        "s-1",
        "",
        "",
    ),
    (
        "adm-1",
        "",
        "",
        "true",
        "org-d",
        "administrator",
        "dana.admin",
        "",
        "Dana",
        "Admin",
        "",
        "",
        "dana@lakeside.example",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "pr-1",
        "",
        "",
        "true",
        "org-ms",
        "principal",
        "pia.principal",
        "",
        "Pia",
        "Principal",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ),
]
ENROLLMENTS = [
    (
        "sourcedId",
        "status",
        "dateLastModified",
        "classSourcedId",
        "schoolSourcedId",
        "userSourcedId",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ),
    ("e-1", "", "", "cls-7a", "org-ms", "t-ada", "teacher", "true", "2025-08-15", "2026-06-10"),
    ("e-2", "", "", "cls-7a", "org-ms", "a-cy", "aide", "false", "", ""),
    ("e-3", "", "", "cls-7a", "org-ms", "s-1", "student", "false", "", ""),
    ("e-4", "", "", "cls-7a", "org-ms", "s-2", "student", "false", "", ""),
    ("e-5", "", "", "cls-7b", "org-ms", "t-bo", "teacher", "false", "", ""),
    ("e-6", "", "", "cls-7b", "org-ms", "s-3", "student", "false", "", ""),
    ("e-7", "", "", "cls-7b", "org-ms", "s-4", "student", "false", "", ""),
    ("e-8", "", "", "cls-alg", "org-hs", "s-5", "student", "false", "", ""),
    ("e-9", "", "", "cls-alg", "org-hs", "s-6", "student", "false", "", ""),
]


def _csv(rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _users_12() -> tuple[list, list]:
    """users.csv without role and orgs, and roles.csv with them (OneRoster 1.2)."""
    header = USERS_11[0]
    keep = [i for i, c in enumerate(header) if c not in ("role", "orgSourcedIds")]
    users = [tuple(row[i] for i in keep) for row in USERS_11]
    roles = [
        (
            "sourcedId",
            "status",
            "dateLastModified",
            "userSourcedId",
            "roleType",
            "role",
            "beginDate",
            "endDate",
            "orgSourcedId",
            "userProfileSourcedId",
        )
    ]
    for row in USERS_11[1:]:
        cells = dict(zip(header, row))
        for n, org in enumerate(cells["orgSourcedIds"].split(",")):
            roles.append(
                (
                    f"r-{cells['sourcedId']}-{n}",
                    "",
                    "",
                    cells["sourcedId"],
                    "primary" if n == 0 else "secondary",
                    cells["role"],
                    "",
                    "",
                    org,
                    "",
                )
            )
    return users, roles


def district(version: str = "1.1", mode: str = "bulk") -> dict[str, str]:
    """The test district as ``{file name: CSV text}``."""
    tables = {
        "orgs": ORGS,
        "academicSessions": SESSIONS,
        "courses": COURSES,
        "classes": CLASSES,
        "enrollments": ENROLLMENTS,
    }
    if version == "1.1":
        tables["users"] = USERS_11
    else:
        tables["users"], tables["roles"] = _users_12()
    files = {f"{name}.csv": _csv(rows) for name, rows in tables.items()}
    manifest = [("propertyName", "value"), ("manifest.version", "1.0"), ("oneroster.version", version)]
    for name in (
        "academicSessions",
        "categories",
        "classes",
        "classResources",
        "courses",
        "courseResources",
        "demographics",
        "enrollments",
        "lineItems",
        "orgs",
        "resources",
        "results",
        "users",
    ) + (("roles",) if version == "1.2" else ()):
        manifest.append((f"file.{name}", mode if f"{name}.csv" in files else "absent"))
    manifest += [("source.systemName", "Test SIS"), ("source.systemCode", "test")]
    files["manifest.csv"] = _csv(manifest)
    return files


def delta(files: dict[str, str]) -> dict[str, str]:
    """``files`` as a delta: the manifest says delta for the files given, absent for the others."""
    rows = list(csv.reader(io.StringIO(district()["manifest.csv"])))
    out = []
    for name, value in rows:
        if name.startswith("file."):
            value = "delta" if f"{name[5:]}.csv" in files else "absent"
        out.append((name, value))
    return {**files, "manifest.csv": _csv(out)}


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def rows_to_csv(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    header = header or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def edit(files: dict[str, str], file: str, sourced_id: str, **cells: str) -> dict[str, str]:
    """A copy of ``files`` with cells of one record changed."""
    rows = table(files[file])
    header = list(rows[0])
    for row in rows:
        if row["sourcedId"] == sourced_id:
            row.update(cells)
            break
    else:
        raise KeyError(sourced_id)
    return {**files, file: rows_to_csv(rows, header)}


def only(files: dict[str, str], file: str, changes: dict[str, dict[str, str]]) -> str:
    """The CSV of ``file`` with only the records named, their cells changed (a delta's content).

    Every record gets ``status=active`` and a ``dateLastModified`` unless ``changes`` says otherwise.
    """
    rows = []
    for row in table(files[file]):
        if row["sourcedId"] in changes:
            rows.append(
                {**row, "status": "active", "dateLastModified": "2026-01-10T08:00:00Z", **changes[row["sourcedId"]]}
            )
    return rows_to_csv(rows, list(table(files[file])[0]))


def zipped(files: dict[str, str | bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(folder + name, text)
    return buffer.getvalue()


def folder(files: dict[str, str], path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path
