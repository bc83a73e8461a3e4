"""A OneRoster CSV package read into typed records, each file checked on its own.

:func:`read_roster` reads ``manifest.csv`` and the files it announces into a
:class:`Roster`.  Every value is checked against the specification here
(required cells, vocabularies, dates, booleans, lengths the bank stores,
sourcedIds unique in their file); references between records are checked
by :mod:`interop.oneroster.importing`, which also knows the district
already stored.

Accepted with a warning (unambiguous deviations): a byte-order mark, CRLF
line ends, ``ext_*`` columns, a header in other letter case, files of the
specification masterycat does not use, a zipped folder (every file inside
one folder), a date written ``13/04/2026`` or ``2026/04/13``, booleans
written ``TRUE``, ``1`` or ``yes``, a ``status`` of ``active`` in a bulk
file, passwords in ``users.csv`` (not imported).  Refused: a missing
manifest or a file the manifest announces, a manifest that says a file is
absent when it is there, a version other than 1.1 or 1.2, unknown values
of a vocabulary, a date that reads two ways (``03/04/2026``), a user
without a role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from interop.csv_table import CsvRow, read_csv_table
from interop.errors import ImportRefused
from interop.oneroster.files import (
    CLASS_TYPES,
    COLUMNS,
    ENROLLMENT_ROLES,
    IMPORTED_FILES,
    MANIFEST,
    MODES,
    ORG_TYPES,
    REQUIRED,
    SESSION_TYPES,
    STATUSES,
    USER_ROLES,
    VERSIONS,
)
from interop.package import Package
from interop.report import ImportReport

__all__ = [
    "Record",
    "OrgRecord",
    "SessionRecord",
    "CourseRecord",
    "ClassRecord",
    "UserRecord",
    "EnrollmentRecord",
    "Roster",
    "read_roster",
    "read_date",
    "grade_number",
]

#: Lengths of the values the bank stores (longer ones are refused, naming the cell).
MAX_LENGTH = {
    "sourcedId": 255,
    "title": 200,
    "name": 200,
    "identifier": 64,
    "courseCode": 64,
    "username": 64,
    "givenName": 100,
    "familyName": 100,
    "email": 200,
}
USERNAME = re.compile(r"^[A-Za-z0-9._@-]+$")
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_TRUE = {"true": True, "false": False}
_TRUE_LOOSE = {"1": True, "0": False, "yes": True, "no": False, "t": True, "f": False, "y": True, "n": False}


@dataclass
class Record:
    """What every OneRoster record has: its id, whether it is to be deleted, its file and line."""

    sourced_id: str
    deleted: bool
    file: str
    line: int


@dataclass
class OrgRecord(Record):
    name: str = ""
    type: str = ""
    identifier: str = ""


@dataclass
class SessionRecord(Record):
    title: str = ""
    type: str = ""
    start: date | None = None
    end: date | None = None
    parent: str = ""
    school_year: int | None = None


@dataclass
class CourseRecord(Record):
    title: str = ""
    code: str = ""
    org: str = ""
    school_year: str = ""
    grades: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)


@dataclass
class ClassRecord(Record):
    title: str = ""
    course: str = ""
    school: str = ""
    terms: list[str] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)


@dataclass
class UserRecord(Record):
    enabled: bool = True
    #: the OneRoster role (``teacher``...); None when neither users.csv nor roles.csv says
    role: str | None = None
    orgs: list[str] = field(default_factory=list)
    username: str = ""
    given_name: str = ""
    family_name: str = ""
    identifier: str = ""
    email: str = ""
    agents: list[str] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)


@dataclass
class EnrollmentRecord(Record):
    class_: str = ""
    school: str = ""
    user: str = ""
    role: str = ""
    primary: bool = False


@dataclass
class Roster:
    """A package's records, file by file, and how each file is meant (``bulk`` or ``delta``)."""

    version: str
    modes: dict[str, str]
    orgs: list[OrgRecord] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    courses: list[CourseRecord] = field(default_factory=list)
    classes: list[ClassRecord] = field(default_factory=list)
    users: list[UserRecord] = field(default_factory=list)
    enrollments: list[EnrollmentRecord] = field(default_factory=list)
    #: (line, user sourcedId) of demographics.csv: checked, not stored
    demographics: list[tuple[int, str]] = field(default_factory=list)

    def mode(self, file: str) -> str:
        """``bulk``, ``delta`` or ``absent``."""
        return self.modes.get(file, "absent")


# ------------------------------------------------------------------- values
def read_date(value: str, file: str, line: int, column: str, report: ImportReport) -> date:
    """A date cell: ISO ``2026-04-13``; other unambiguous forms with a warning; two readings refused."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    if (m := _YEAR_FIRST.match(value)) is not None:
        year, month, day = (int(g) for g in m.groups())
        found = _valid_date(year, month, day)
        if found is not None:
            report.warn("dates written YYYY/MM/DD; read as YYYY-MM-DD", file=file, line=line, column=column)
            return found
    elif (m := _SLASHED.match(value)) is not None:
        first, second, year = (int(g) for g in m.groups())
        readings = {d for d in (_valid_date(year, first, second), _valid_date(year, second, first)) if d is not None}
        if len(readings) == 1:
            (found,) = readings
            report.warn(
                "dates written with the day and month in one order only they fit; read as YYYY-MM-DD",
                file=file,
                line=line,
                column=column,
            )
            return found
        if len(readings) == 2:
            a, b = sorted(readings)
            raise ImportRefused(
                f"the date {value!r} reads two ways ({a.isoformat()} or {b.isoformat()}); write it as YYYY-MM-DD",
                file=file,
                line=line,
                column=column,
            )
    elif "T" in value:
        try:
            found = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            pass
        else:
            report.warn("a date and time where a date belongs; the date is kept", file=file, line=line, column=column)
            return found
    raise ImportRefused(f"{value!r} is not a date (YYYY-MM-DD)", file=file, line=line, column=column)


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def grade_number(grades: list[str]) -> int | None:
    """A single grade level as a number (``07`` is 7, ``KG`` is 0); None for several or other levels."""
    if len(grades) != 1:
        return None
    code = grades[0].upper()
    if code == "KG":
        return 0
    return int(code) if code.isdigit() and int(code) <= 13 else None


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class _Cells:
    """Typed access to one row's cells, refusing a bad cell by file, line and column."""

    def __init__(self, row: CsvRow, file: str, report: ImportReport) -> None:
        self.row, self.file, self.report = row, file, report

    def refuse(self, message: str, column: str | None = None) -> ImportRefused:
        return ImportRefused(message, file=self.file, line=self.row.line, column=column)

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.row[column]
        if required and not value:
            raise self.refuse("is empty; the specification requires a value", column)
        limit = MAX_LENGTH.get(column)
        if limit is not None and len(value) > limit:
            raise self.refuse(f"is {len(value)} characters long; at most {limit} are kept", column)
        return value

    def choice(self, column: str, allowed, *, required: bool = True) -> str:
        value = self.text(column, required=required)
        if value and value not in allowed:
            folded = {a.casefold(): a for a in allowed}
            if value.casefold() in folded:
                self.report.warn(
                    f"{value!r} read as {folded[value.casefold()]!r}", file=self.file, line=self.row.line, column=column
                )
                return folded[value.casefold()]
            raise self.refuse(f"{value!r} is not one of {', '.join(a for a in allowed if a)}", column)
        return value

    def boolean(self, column: str, *, default: bool) -> bool:
        value = self.row[column]
        if not value:
            return default
        if value.casefold() in _TRUE:
            return _TRUE[value.casefold()]
        if value.casefold() in _TRUE_LOOSE:
            self.report.warn(
                f"{value!r} read as {str(_TRUE_LOOSE[value.casefold()]).lower()}",
                file=self.file,
                line=self.row.line,
                column=column,
            )
            return _TRUE_LOOSE[value.casefold()]
        raise self.refuse(f"{value!r} is not true or false", column)

    def date(self, column: str) -> date | None:
        value = self.row[column]
        return read_date(value, self.file, self.row.line, column, self.report) if value else None

    def year(self, column: str) -> int:
        value = self.text(column, required=True)
        if not (value.isdigit() and len(value) == 4):
            raise self.refuse(f"{value!r} is not a year (YYYY)", column)
        return int(value)

    def base(self, mode: str) -> dict:
        """sourcedId, status (as ``deleted``), file and line; dateLastModified checked."""
        status = self.choice("status", STATUSES, required=False)
        if mode == "delta" and not status:
            raise self.refuse("is empty; a delta file gives every record's status", "status")
        if mode == "bulk" and status == "active":
            self.report.warn(
                "a status in a bulk file (the specification leaves it blank)", file=self.file, column="status"
            )
        modified = self.row["dateLastModified"]
        if modified:
            try:
                datetime.fromisoformat(modified.replace("Z", "+00:00"))
            except ValueError:
                self.report.warn(
                    f"{modified!r} is not an ISO 8601 date and time; not used",
                    file=self.file,
                    line=self.row.line,
                    column="dateLastModified",
                )
        elif mode == "delta":
            self.report.warn(
                "empty in a delta file; not used", file=self.file, line=self.row.line, column="dateLastModified"
            )
        return {
            "sourced_id": self.text("sourcedId", required=True),
            "deleted": status == "tobedeleted",
            "file": self.file,
            "line": self.row.line,
        }


# -------------------------------------------------------------------- files
def _manifest(package: Package, report: ImportReport) -> tuple[str, dict[str, str]]:
    if MANIFEST not in package:
        raise ImportRefused(
            "the package has no manifest.csv; without it a full export (bulk) cannot be told from changes (delta)",
            file=package.name,
        )
    rows = read_csv_table(
        package.read(MANIFEST),
        MANIFEST,
        columns=("propertyName", "value"),
        required=("propertyName", "value"),
        report=report,
    )
    properties: dict[str, tuple[int, str]] = {}
    for row in rows:
        properties[row["propertyName"]] = (row.line, row["value"])
    line, version = properties.get("oneroster.version", (None, ""))
    if version not in VERSIONS:
        raise ImportRefused(
            f"oneroster.version is {version!r}; this reads OneRoster {' and '.join(VERSIONS)}",
            file=MANIFEST,
            line=line,
            column="value",
        )
    modes = {}
    for name, (line, value) in properties.items():
        if not name.startswith("file."):
            continue
        mode = value.casefold()
        if mode not in MODES:
            raise ImportRefused(f"{name} is {value!r}, not one of {', '.join(MODES)}", file=MANIFEST, line=line)
        file = name[len("file.") :] + ".csv"
        if mode != "absent" and file not in package:
            raise ImportRefused(
                f"{name} announces {file} ({mode}) but the package has no {file}", file=MANIFEST, line=line
            )
        if mode == "absent" and file in package:
            raise ImportRefused(f"{name} says {file} is absent but the package has it", file=MANIFEST, line=line)
        modes[file] = mode
    for file in package:
        if file != MANIFEST and file.endswith(".csv") and file not in modes:
            raise ImportRefused(f"the package has {file} but manifest.csv does not announce it", file=MANIFEST)
    for file, mode in modes.items():
        if mode != "absent" and file not in IMPORTED_FILES:
            report.warn("a OneRoster file masterycat does not use; not imported", file=file)
    return version, modes


def _rows(package: Package, roster: Roster, file: str, report: ImportReport) -> list[_Cells]:
    if roster.mode(file) == "absent":
        return []
    rows = read_csv_table(package.read(file), file, columns=COLUMNS[file], required=REQUIRED[file], report=report)
    seen: dict[str, int] = {}
    cells = []
    for row in rows:
        sourced_id = row["sourcedId"]
        if sourced_id in seen:
            raise ImportRefused(
                f"sourcedId {sourced_id!r} appears twice (lines {seen[sourced_id]} and {row.line})",
                file=file,
                line=row.line,
                column="sourcedId",
            )
        seen[sourced_id] = row.line
        cells.append(_Cells(row, file, report))
    return cells


def _users(package: Package, roster: Roster, report: ImportReport) -> None:
    file = "users.csv"
    mode = roster.mode(file)
    roles: dict[str, tuple[str | None, list[str]]] = {}
    for cells in _rows(package, roster, "roles.csv", report):
        base = cells.base(roster.mode("roles.csv"))
        if base["deleted"]:
            continue
        user = cells.text("userSourcedId", required=True)
        role_type = cells.choice("roleType", ("primary", "secondary"))
        role = cells.choice("role", USER_ROLES)
        primary, orgs = roles.get(user, (None, []))
        if role_type == "primary":
            if primary is not None and primary != role:
                raise cells.refuse(f"user {user!r} has two primary roles ({primary} and {role})", "roleType")
            primary = role
        roles[user] = (primary, orgs + [cells.text("orgSourcedId", required=True)])
    has_role_column = False
    for cells in _rows(package, roster, file, report):
        has_role_column = has_role_column or "role" in cells.row.cells
        base = cells.base(mode)
        role = cells.choice("role", USER_ROLES, required=False) or None
        orgs = _list(cells.row["orgSourcedIds"])
        if base["sourced_id"] in roles:
            listed_role, listed_orgs = roles[base["sourced_id"]]
            role = listed_role or role
            orgs = list(dict.fromkeys(orgs + listed_orgs))
        username = cells.text("username", required=not base["deleted"])
        if username and not USERNAME.fullmatch(username):
            raise cells.refuse(
                f"{username!r} is not a username masterycat takes (letters, digits and . _ @ -)", "username"
            )
        if cells.row["password"]:
            report.warn(
                "passwords in a roster are not imported; an admin sets one, or the user signs in through the LMS",
                file=file,
                line=cells.row.line,
                column="password",
            )
        roster.users.append(
            UserRecord(
                **base,
                enabled=cells.boolean("enabledUser", default=True),
                role=role,
                orgs=orgs,
                username=username,
                given_name=cells.text("givenName"),
                family_name=cells.text("familyName"),
                identifier=cells.text("identifier"),
                email=cells.text("email"),
                agents=_list(cells.row["agentSourcedIds"]),
                grades=_list(cells.row["grades"]),
            )
        )
    if roster.users and not has_role_column and roster.mode("roles.csv") == "absent":
        raise ImportRefused("users.csv has no role column and the package has no roles.csv", file=file, line=1)
    if roster.mode("userProfiles.csv") != "absent":
        report.warn("user profiles hold credentials for other systems; not imported", file="userProfiles.csv")


def read_roster(package: Package, report: ImportReport) -> Roster:
    """The records of a OneRoster CSV package.

    Parameters
    ----------
    package : Package
        The package's files (a zipped folder is read from inside its folder).
    report : ImportReport
        Receives the warnings and, in ``details``, the version and each file's mode.

    Returns
    -------
    Roster

    Raises
    ------
    ImportRefused
        See the module's description.
    """
    folder = package.strip_common_folder()
    if folder is not None:
        report.warn(f"every file is inside the folder {folder}/; read from there", file=package.name)
    version, modes = _manifest(package, report)
    roster = Roster(version, modes)
    report.details.update({"oneroster_version": version, "files": {f: m for f, m in modes.items() if m != "absent"}})
    for cells in _rows(package, roster, "orgs.csv", report):
        roster.orgs.append(
            OrgRecord(
                **cells.base(roster.mode("orgs.csv")),
                name=cells.text("name", required=True),
                type=cells.choice("type", ORG_TYPES),
                identifier=cells.text("identifier"),
            )
        )
    for cells in _rows(package, roster, "academicSessions.csv", report):
        record = SessionRecord(
            **cells.base(roster.mode("academicSessions.csv")),
            title=cells.text("title", required=True),
            type=cells.choice("type", SESSION_TYPES),
            start=cells.date("startDate"),
            end=cells.date("endDate"),
            parent=cells.text("parentSourcedId"),
            school_year=cells.year("schoolYear"),
        )
        if record.start is None or record.end is None:
            raise cells.refuse(
                "a session needs its start and end dates", "startDate" if record.start is None else "endDate"
            )
        if record.end < record.start:
            raise cells.refuse(f"ends ({record.end}) before it starts ({record.start})", "endDate")
        roster.sessions.append(record)
    for cells in _rows(package, roster, "courses.csv", report):
        roster.courses.append(
            CourseRecord(
                **cells.base(roster.mode("courses.csv")),
                title=cells.text("title", required=True),
                code=cells.text("courseCode"),
                org=cells.text("orgSourcedId", required=True),
                school_year=cells.text("schoolYearSourcedId"),
                grades=_list(cells.row["grades"]),
                subjects=_list(cells.row["subjects"]),
            )
        )
    for cells in _rows(package, roster, "classes.csv", report):
        cells.choice("classType", CLASS_TYPES)
        record = ClassRecord(
            **cells.base(roster.mode("classes.csv")),
            title=cells.text("title", required=True),
            course=cells.text("courseSourcedId", required=True),
            school=cells.text("schoolSourcedId", required=True),
            terms=_list(cells.text("termSourcedIds", required=True)),
            grades=_list(cells.row["grades"]),
            subjects=_list(cells.row["subjects"]),
        )
        roster.classes.append(record)
    _users(package, roster, report)
    for cells in _rows(package, roster, "enrollments.csv", report):
        base = cells.base(roster.mode("enrollments.csv"))
        cells.date("beginDate")
        cells.date("endDate")
        roster.enrollments.append(
            EnrollmentRecord(
                **base,
                class_=cells.text("classSourcedId", required=True),
                school=cells.text("schoolSourcedId", required=True),
                user=cells.text("userSourcedId", required=True),
                role=cells.choice("role", ENROLLMENT_ROLES),
                primary=cells.boolean("primary", default=False),
            )
        )
    for cells in _rows(package, roster, "demographics.csv", report):
        base = cells.base(roster.mode("demographics.csv"))
        cells.date("birthDate")
        roster.demographics.append((base["line"], base["sourced_id"]))
    if roster.demographics:
        report.warn("demographics are checked against the users, not stored", file="demographics.csv")
    return roster
