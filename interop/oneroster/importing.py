"""A OneRoster roster written into the district: schools, terms, courses, classes, people, logins, enrollments.

:func:`import_roster` reads a package (:mod:`interop.oneroster.reading`),
checks every reference against the package and the district already
stored, and brings the district in line with it through the caller's
session (never committing: the caller commits, or rolls back for a dry run).

How records are matched and changed
    Every record keeps its ``sourcedId``; the next export updates the row
    with the same ``sourced_id`` in place, so importing the same package
    twice changes nothing.  A student made by hand is adopted by a roster
    student whose ``identifier`` is the student's ``external_id``.  Rows
    made by hand (no ``sourced_id``) are otherwise never touched.

Retiring
    ``status=tobedeleted``, and in a bulk file the absence of a record the
    district has from an earlier roster, retire it: schools, terms, courses,
    classes, students and guardians are marked retired and logins
    deactivated; an enrollment ends (its row is removed).  Responses,
    checks and mastery are never deleted: a student's history stays with
    the student, whichever class they move to.

Roles and logins
    A user gets a login in the role :data:`interop.oneroster.files.USER_ROLES`
    gives (teacher and aide: teacher; administrator: admin; guardian,
    parent, relative: guardian; principal: teacher, leading the schools
    among its orgs; other school-level staff: none, with a warning).  The
    schools a roster teacher leads follow the roster: a principal's, and
    none for a teacher or aide (an admin's appointment of a roster teacher
    lasts until the next roster).
    No password is set or invented: the login cannot be used until an
    admin sets one (or the LMS signs the user in).  A user whose role
    changes between rosters is refused: retire the old record first.

Deliberate treatments
    A class without a teacher is imported without a lead teacher
    (``SchoolClass.teacher_id`` None): admins see it, no teacher does until
    one is enrolled.  A class's lead is its ``primary`` teacher, else the
    lead it had if still enrolled, else the enrolled teacher with the
    smallest id.  A teacher enrolled as a student (or a student as a
    teacher) is not enrolled, with a warning: masterycat's students are
    student records.  Orgs other than schools (districts, departments) are
    not stored; a course of the district has no school.  Guardians are
    linked to the students named in either one's ``agentSourcedIds``;
    agents that name no student or guardian are skipped with a warning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, delete, select

from interop.errors import ImportRefused
from interop.oneroster.files import ENROLLMENT_ROLES, SCHOOL_LEADER_ROLES, USER_ROLES
from interop.oneroster.reading import (
    EnrollmentRecord,
    Record,
    Roster,
    SessionRecord,
    UserRecord,
    grade_number,
    read_roster,
)
from interop.package import Package
from interop.report import Action, ImportReport
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
from itembank.people import NO_PASSWORD, student_name
from itembank.tables import Enrollment, SchoolClass, Student, Teacher, User, utcnow

__all__ = ["import_roster"]

Row = TypeVar("Row", bound=SQLModel)


@dataclass
class _Person:
    """The rows a roster user maps to."""

    login: User | None = None
    student: Student | None = None
    teacher: Teacher | None = None
    guardian: Guardian | None = None


def _by_sourced_id(session: Session, model: type[Row]) -> dict[str, Row]:
    rows = session.exec(select(model).where(model.sourced_id.is_not(None))).all()  # type: ignore[attr-defined]
    return {row.sourced_id: row for row in rows}  # type: ignore[attr-defined]


class _RosterImport:
    """One import: the roster, the district's rows by sourcedId, the report."""

    def __init__(self, session: Session, roster: Roster, report: ImportReport) -> None:
        self.session, self.roster, self.report = session, roster, report
        self.schools = _by_sourced_id(session, School)
        self.sessions = _by_sourced_id(session, AcademicSession)
        self.courses = _by_sourced_id(session, Course)
        self.classes = _by_sourced_id(session, SchoolClass)
        self.students = _by_sourced_id(session, Student)
        self.teachers = _by_sourced_id(session, Teacher)
        self.guardians = _by_sourced_id(session, Guardian)
        self.logins = _by_sourced_id(session, User)
        self.enrollments = _by_sourced_id(session, Enrollment)
        self.teaching = _by_sourced_id(session, ClassTeacher)
        self.org_types = {org.sourced_id: org.type for org in roster.orgs}
        #: masterycat role of each roster user imported, and the users deliberately left out
        self.user_roles: dict[str, str] = {}
        self.left_out: set[str] = set()
        self.classes_to_lead: set[int] = set()
        #: where each (kind, sourcedId) is on the report, to add a field changed later
        self.lines: dict[tuple[str, str], int] = {}

    # ------------------------------------------------------------ helpers
    def note(self, kind: str, action: str, key: str, label: str, fields: tuple[str, ...] = ()) -> None:
        self.lines[kind, key] = len(self.report.changes)
        self.report.record(kind, action, key, label, fields)

    def mark_changed(self, kind: str, key: str | None, field_name: str) -> None:
        """Turn the report line of a record from unchanged into updated, adding the field."""
        n = self.lines.get((kind, key)) if key is not None else None
        if n is None:
            return
        change = self.report.changes[n]
        action = Action.updated if change.action == Action.unchanged else change.action
        self.report.changes[n] = replace(change, action=action, fields=change.fields + (field_name,))

    def upsert(
        self,
        kind: str,
        record: Record,
        existing: Row | None,
        make: Callable[..., Row],
        values: dict[str, Any],
        label: str,
    ) -> Row:
        """Create the row, or update the fields that differ (adopting a row made by hand); the report notes which."""
        if existing is None:
            row = make(sourced_id=record.sourced_id, **values)
            self.session.add(row)
            self.note(kind, Action.created, record.sourced_id, label)
            return row
        values = {"sourced_id": record.sourced_id, **values}
        changed = tuple(name for name, value in values.items() if getattr(existing, name) != value)
        if changed:
            for name in changed:
                setattr(existing, name, values[name])
            if hasattr(existing, "updated_at"):
                existing.updated_at = utcnow()
            self.session.add(existing)
        self.note(kind, Action.updated if changed else Action.unchanged, record.sourced_id, label, changed)
        return existing

    def retire(self, kind: str, key: str, row: SQLModel | None, label: str, flag: str = "retired") -> None:
        """Mark a row retired (``retired`` True, or ``active`` False for a login); nothing for an unknown one."""
        if row is None:
            return
        value = flag == "retired"
        done = getattr(row, flag) is value
        if not done:
            setattr(row, flag, value)
            if hasattr(row, "updated_at"):
                row.updated_at = utcnow()
            self.session.add(row)
        self.note(kind, Action.unchanged if done else Action.retired, key, label)

    def absent_in_bulk(self, file: str, records: Iterable[Record], known: dict[str, Row]) -> list[tuple[str, Row]]:
        """Rows from an earlier roster that a bulk file no longer lists (none for a delta)."""
        if self.roster.mode(file) != "bulk":
            return []
        listed = {r.sourced_id for r in records}
        return [(key, row) for key, row in known.items() if key not in listed]

    @staticmethod
    def unknown(record: Record, column: str, what: str, key: str) -> ImportRefused:
        return ImportRefused(
            f"names the {what} {key!r}, which is neither in this roster nor in masterycat",
            file=record.file,
            line=record.line,
            column=column,
        )

    def need(self, known: dict[str, Row], key: str, record: Record, column: str, what: str) -> Row:
        """The row ``key`` names; refused when neither the package nor the district has it."""
        row = known.get(key)
        if row is None:
            raise self.unknown(record, column, what, key)
        return row

    def set_links(
        self,
        model: type[SQLModel],
        owner: str,
        target: str,
        wanted: dict[int, set[int]],
        on_change: Callable[[int], None],
    ) -> None:
        """Make the link rows of each owner exactly ``wanted``; ``on_change(owner)`` for each owner changed."""
        if not wanted:
            return
        owner_col, target_col = getattr(model, owner), getattr(model, target)
        have: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks(list(wanted)):
            for o, t in self.session.exec(select(owner_col, target_col).where(owner_col.in_(chunk))).all():
                have[o].add(t)
        for o, targets in wanted.items():
            if targets == have[o]:
                continue
            removed = have[o] - targets
            if removed:
                self.session.exec(delete(model).where(owner_col == o, target_col.in_(removed)))
            for t in targets - have[o]:
                self.session.add(model(**{owner: o, target: t}))
            on_change(o)

    # -------------------------------------------------------------- files
    def import_schools(self) -> None:
        for org in self.roster.orgs:
            if org.type != "school":
                self.report.warn(
                    f"an org of type {org.type}: masterycat keeps schools only; not imported",
                    file=org.file,
                    line=org.line,
                    column="type",
                )
                continue
            if org.deleted:
                self.retire("school", org.sourced_id, self.schools.get(org.sourced_id), org.name)
                continue
            self.schools[org.sourced_id] = self.upsert(
                "school",
                org,
                self.schools.get(org.sourced_id),
                School,
                {"name": org.name, "identifier": org.identifier, "retired": False},
                org.name,
            )
        for key, row in self.absent_in_bulk("orgs.csv", self.roster.orgs, self.schools):
            self.retire("school", key, row, row.name)
        self.session.flush()

    def import_sessions(self) -> None:
        records = {r.sourced_id: r for r in self.roster.sessions}
        ordered: list[SessionRecord] = []
        placed: set[str] = set()

        def place(record: SessionRecord, chain: tuple[str, ...]) -> None:
            if record.sourced_id in placed:
                return
            if record.sourced_id in chain:
                raise ImportRefused(
                    f"sessions are each other's parents ({' > '.join(chain + (record.sourced_id,))})",
                    file=record.file,
                    line=record.line,
                    column="parentSourcedId",
                )
            parent = records.get(record.parent)
            if parent is not None:
                place(parent, chain + (record.sourced_id,))
            placed.add(record.sourced_id)
            ordered.append(record)

        for record in self.roster.sessions:
            place(record, ())
        for record in ordered:
            if record.deleted:
                self.retire("term", record.sourced_id, self.sessions.get(record.sourced_id), record.title)
                continue
            parent_id = None
            if record.parent:
                parent_id = self.need(self.sessions, record.parent, record, "parentSourcedId", "session").id
            self.sessions[record.sourced_id] = self.upsert(
                "term",
                record,
                self.sessions.get(record.sourced_id),
                AcademicSession,
                {
                    "title": record.title,
                    "type": record.type,
                    "start_date": record.start,
                    "end_date": record.end,
                    "parent_id": parent_id,
                    "school_year": record.school_year,
                    "retired": False,
                },
                record.title,
            )
            if record.sourced_id in {r.parent for r in self.roster.sessions}:
                self.session.flush()  # its children need its id
        for key, row in self.absent_in_bulk("academicSessions.csv", self.roster.sessions, self.sessions):
            self.retire("term", key, row, row.title)
        self.session.flush()

    def import_courses(self) -> None:
        for record in self.roster.courses:
            if record.deleted:
                self.retire("course", record.sourced_id, self.courses.get(record.sourced_id), record.title)
                continue
            school = self.schools.get(record.org)
            if school is None and record.org not in self.org_types:
                self.report.warn(
                    "names an org that is neither in this roster nor a school of masterycat; the course has no school",
                    file=record.file,
                    line=record.line,
                    column="orgSourcedId",
                )
            year = None
            if record.school_year:
                year = self.need(self.sessions, record.school_year, record, "schoolYearSourcedId", "school year").id
            self.courses[record.sourced_id] = self.upsert(
                "course",
                record,
                self.courses.get(record.sourced_id),
                Course,
                {
                    "title": record.title,
                    "code": record.code,
                    "school_id": None if school is None else school.id,
                    "school_year_id": year,
                    "grades": record.grades,
                    "subjects": record.subjects,
                    "retired": False,
                },
                record.title,
            )
        for key, row in self.absent_in_bulk("courses.csv", self.roster.courses, self.courses):
            self.retire("course", key, row, row.title)
        self.session.flush()

    def import_classes(self) -> None:
        terms_of: dict[str, set[int]] = {}
        for record in self.roster.classes:
            if record.deleted:
                self.retire("class", record.sourced_id, self.classes.get(record.sourced_id), record.title)
                continue
            course = self.need(self.courses, record.course, record, "courseSourcedId", "course")
            school = self.need(self.schools, record.school, record, "schoolSourcedId", "school")
            terms_of[record.sourced_id] = {
                self.need(self.sessions, t, record, "termSourcedIds", "term").id for t in record.terms
            }
            self.classes[record.sourced_id] = self.upsert(
                "class",
                record,
                self.classes.get(record.sourced_id),
                SchoolClass,
                {
                    "name": record.title,
                    "school_id": school.id,
                    "course_id": course.id,
                    "grade": grade_number(record.grades or list(course.grades or [])),
                    "subject": ", ".join(record.subjects)[:100] or "mathematics",
                    "retired": False,
                },
                record.title,
            )
        for key, row in self.absent_in_bulk("classes.csv", self.roster.classes, self.classes):
            self.retire("class", key, row, row.name)
        self.session.flush()
        by_id = {self.classes[key].id: key for key in terms_of}
        self.set_links(
            ClassTerm,
            "class_id",
            "session_id",
            {self.classes[key].id: terms for key, terms in terms_of.items()},
            lambda class_id: self.mark_changed("class", by_id[class_id], "terms"),
        )
        self.session.flush()

    # -------------------------------------------------------------- users
    def import_users(self) -> None:
        by_username = {u.username: u for u in self.session.exec(select(User)).all()}
        by_external_id = {s.external_id: s for s in self.session.exec(select(Student)).all()}
        seen_usernames: dict[str, int] = {}
        seen_external_ids: dict[str, int] = {}
        people: list[tuple[UserRecord, _Person, str, str]] = []
        for record in self.roster.users:
            person = self.person(record.sourced_id)
            label = f"{record.given_name} {record.family_name}".strip() or record.username or record.sourced_id
            if record.deleted:
                self.retire_person(record.sourced_id, person, label)
                continue
            role = self.role(record, person)
            if role is None:
                self.left_out.add(record.sourced_id)
                continue
            self.user_roles[record.sourced_id] = role
            _first_time(seen_usernames, record.username, record, "username", "the username")
            if role == "student":
                external_id = record.identifier or record.sourced_id
                column = "identifier" if record.identifier else "sourcedId"
                if len(external_id) > 64:
                    raise ImportRefused(
                        "a student's id (identifier, else sourcedId) is kept in at most 64 characters",
                        file=record.file,
                        line=record.line,
                        column=column,
                    )
                _first_time(seen_external_ids, external_id, record, column, "the student id")
                person.student = self.import_student(record, person.student, by_external_id, external_id, label)
            elif role == "teacher":
                person.teacher = self.teachers[record.sourced_id] = self.upsert(
                    "teacher", record, person.teacher, Teacher, {"name": label[:200], "email": record.email}, label
                )
            elif role == "guardian":
                person.guardian = self.guardians[record.sourced_id] = self.upsert(
                    "guardian",
                    record,
                    person.guardian,
                    Guardian,
                    {
                        "first_name": record.given_name,
                        "last_name": record.family_name,
                        "email": record.email,
                        "retired": False,
                    },
                    label,
                )
            people.append((record, person, role, label))
        self.session.flush()  # the people's ids, for their logins
        teacher_schools: dict[int, set[int]] = {}
        #: the schools each roster teacher leads: a principal's schools, none for the others
        schools_led: dict[int, set[int]] = {}
        for record, person, role, _label in people:
            holder = by_username.get(record.username)
            if holder is not None and holder.sourced_id != record.sourced_id:
                raise ImportRefused(
                    f"the username {record.username!r} belongs to another login"
                    + ("" if holder.sourced_id else " made in masterycat"),
                    file=record.file,
                    line=record.line,
                    column="username",
                )
            self.logins[record.sourced_id] = login = self.upsert(
                "login",
                record,
                person.login,
                lambda **kw: User(password_hash=NO_PASSWORD, **kw),
                {
                    "username": record.username,
                    "role": role,
                    "active": record.enabled,
                    "student_id": person.student.id if person.student else None,
                    "teacher_id": person.teacher.id if person.teacher else None,
                    "guardian_id": person.guardian.id if person.guardian else None,
                },
                f"{record.username} ({role})",
            )
            by_username[record.username] = login
            if person.teacher is not None:
                teacher_schools[person.teacher.id] = {self.schools[o].id for o in record.orgs if o in self.schools}
                if record.role is not None:
                    leads = record.role in SCHOOL_LEADER_ROLES
                    schools_led[person.teacher.id] = teacher_schools[person.teacher.id] if leads else set()
                    if leads and not schools_led[person.teacher.id]:
                        self.report.warn(
                            f"the {record.role} {record.username!r} is in no school of the roster; "
                            "imported as a teacher leading no school",
                            file=record.file,
                            line=record.line,
                            column="orgSourcedIds",
                        )
        for key, row in self.absent_in_bulk("users.csv", self.roster.users, self.logins):
            self.retire_person(key, self.person(key), row.username)
        self.session.flush()
        teacher_keys = {t.id: key for key, t in self.teachers.items()}
        self.set_links(
            TeacherSchool,
            "teacher_id",
            "school_id",
            teacher_schools,
            lambda teacher_id: self.mark_changed("teacher", teacher_keys.get(teacher_id), "schools"),
        )
        self.set_links(
            SchoolLeader,
            "teacher_id",
            "school_id",
            schools_led,
            lambda teacher_id: self.mark_changed("teacher", teacher_keys.get(teacher_id), "schools_led"),
        )
        self.link_guardians()
        self.session.flush()

    def person(self, key: str) -> _Person:
        return _Person(self.logins.get(key), self.students.get(key), self.teachers.get(key), self.guardians.get(key))

    def role(self, record: UserRecord, person: _Person) -> str | None:
        """The masterycat role of a roster user (None: not imported, with a warning)."""
        if record.role is None:
            if person.login is not None:
                return person.login.role
            raise ImportRefused(
                "the user has no role (neither users.csv nor roles.csv gives one)", file=record.file, line=record.line
            )
        role = USER_ROLES[record.role]
        if role is None:
            self.report.warn(
                f"masterycat has no role for a {record.role}; not imported",
                file=record.file,
                line=record.line,
                column="role",
            )
            return None
        if person.login is not None and person.login.role != role:
            raise ImportRefused(
                f"user {record.sourced_id!r} was imported as {person.login.role} and is now {record.role}; "
                "a change of role is not imported (retire the user, then import them under a new sourcedId)",
                file=record.file,
                line=record.line,
                column="role",
            )
        return role

    def import_student(
        self,
        record: UserRecord,
        existing: Student | None,
        by_external_id: dict[str, Student],
        external_id: str,
        label: str,
    ) -> Student:
        holder = by_external_id.get(external_id)
        if existing is None and holder is not None and holder.sourced_id is None:
            existing = holder  # a student made by hand, adopted by the roster
        elif holder is not None and holder is not existing:
            raise ImportRefused(
                f"the student id {external_id!r} belongs to another student"
                + (f" (roster sourcedId {holder.sourced_id!r})" if holder.sourced_id else ""),
                file=record.file,
                line=record.line,
                column="identifier" if record.identifier else "sourcedId",
            )
        row = self.upsert(
            "student",
            record,
            existing,
            Student,
            {
                "external_id": external_id,
                "first_name": record.given_name,
                "last_name": record.family_name,
                "grade": grade_number(record.grades),
                "retired": False,
            },
            label,
        )
        by_external_id[external_id] = self.students[record.sourced_id] = row
        return row

    def retire_person(self, key: str, person: _Person, label: str) -> None:
        if person.student is not None:
            self.retire("student", key, person.student, label)
        if person.guardian is not None:
            self.retire("guardian", key, person.guardian, label)
        if person.login is not None:
            self.retire("login", key, person.login, person.login.username, flag="active")

    def link_guardians(self) -> None:
        """Each roster guardian's students: the agents either names (guardian to student, student to guardian)."""
        wanted: dict[int, set[int]] = {}
        relation: dict[tuple[int, int], str] = {}
        for record in self.roster.users:
            if self.user_roles.get(record.sourced_id) == "guardian":
                wanted[self.guardians[record.sourced_id].id] = set()
        for record in self.roster.users:
            role = self.user_roles.get(record.sourced_id)
            for agent in record.agents:
                if role == "guardian" and agent in self.students:
                    pair = (self.guardians[record.sourced_id].id, self.students[agent].id)
                    relation[pair] = record.role if record.role in ("parent", "relative") else "guardian"
                elif role == "student" and agent in self.guardians:
                    pair = (self.guardians[agent].id, self.students[record.sourced_id].id)
                    relation.setdefault(pair, "guardian")
                else:
                    self.report.warn(
                        "names an agent that is not a student of a guardian or a guardian of a student; not linked",
                        file=record.file,
                        line=record.line,
                        column="agentSourcedIds",
                    )
                    continue
                wanted.setdefault(pair[0], set()).add(pair[1])
        guardian_keys = {g.id: key for key, g in self.guardians.items()}
        self.set_links(
            GuardianStudent,
            "guardian_id",
            "student_id",
            wanted,
            lambda guardian_id: self.mark_changed("guardian", guardian_keys.get(guardian_id), "students"),
        )
        self.session.flush()
        for (guardian_id, student_id), kind in relation.items():
            link = self.session.get(GuardianStudent, (guardian_id, student_id))
            if link is not None and link.relationship != kind:
                link.relationship = kind
                self.session.add(link)

    # -------------------------------------------------------- enrollments
    def import_enrollments(self) -> None:
        seen: dict[tuple[bool, int, int], int] = {}
        for record in self.roster.enrollments:
            if record.deleted:
                self.end_enrollment(record.sourced_id)
                continue
            school_class = self.need(self.classes, record.class_, record, "classSourcedId", "class")
            self.need(self.schools, record.school, record, "schoolSourcedId", "school")
            as_ = ENROLLMENT_ROLES[record.role]
            person = self.person(record.user)
            if person.login is None and record.user not in self.left_out:
                raise self.unknown(record, "userSourcedId", "user", record.user)
            if as_ is None or record.user in self.left_out:
                self.report.warn(
                    f"a {record.role} enrollment (or of a user not imported): classes take students, "
                    "teachers and aides; not imported",
                    file=record.file,
                    line=record.line,
                    column="role",
                )
                continue
            member: Student | Teacher | None = person.student if as_ == "student" else person.teacher
            if member is None:
                self.report.warn(
                    f"enrolls as {record.role} a user who is a {person.login.role if person.login else 'user'}; "
                    "not imported (masterycat's students are student records, its teachers teacher records)",
                    file=record.file,
                    line=record.line,
                    column="role",
                )
                continue
            pair = (as_ == "student", school_class.id, member.id)
            if pair in seen:
                self.report.warn(
                    f"enrolls the user in this class again (also line {seen[pair]}); the first enrollment is kept",
                    file=record.file,
                    line=record.line,
                )
                continue
            seen[pair] = record.line
            name = member.name if isinstance(member, Teacher) else student_name(member)
            label = f"{name} in {school_class.name}"
            if isinstance(member, Student):
                self.enroll_student(record, school_class, member, label)
            else:
                self.assign_teacher(record, school_class, member, as_, label)
        if self.roster.mode("enrollments.csv") == "bulk":
            listed = {r.sourced_id for r in self.roster.enrollments}
            for key in [k for k in [*self.enrollments, *self.teaching] if k not in listed]:
                self.end_enrollment(key)
        self.session.flush()
        self.choose_leads()

    def enroll_student(self, record: EnrollmentRecord, school_class: SchoolClass, student: Student, label: str) -> None:
        existing = self.enrollments.get(record.sourced_id)
        moved = existing is not None and (existing.class_id, existing.student_id) != (school_class.id, student.id)
        if moved:  # the same enrollment now names another class (a student moving class): its row moves
            self.session.delete(existing)
            self.session.flush()
            existing = None
        at_pair = self.session.get(Enrollment, (school_class.id, student.id))
        if existing is None and at_pair is not None and at_pair.sourced_id is not None:
            self.report.warn(
                f"the student is already in this class through the enrollment {at_pair.sourced_id!r}; kept",
                file=record.file,
                line=record.line,
            )
            if moved:
                self.note("enrollment", Action.retired, record.sourced_id, label)
            return
        existing = existing or at_pair
        if existing is None:
            row = Enrollment(class_id=school_class.id, student_id=student.id, sourced_id=record.sourced_id)
            self.session.add(row)
            self.note(
                "enrollment",
                Action.updated if moved else Action.created,
                record.sourced_id,
                label,
                ("class_id",) if moved else (),
            )
            self.enrollments[record.sourced_id] = row
            return
        adopted = existing.sourced_id != record.sourced_id
        existing.sourced_id = record.sourced_id
        self.session.add(existing)
        self.enrollments[record.sourced_id] = existing
        self.note(
            "enrollment",
            Action.updated if adopted else Action.unchanged,
            record.sourced_id,
            label,
            ("sourced_id",) if adopted else (),
        )

    def assign_teacher(
        self, record: EnrollmentRecord, school_class: SchoolClass, teacher: Teacher, role: str, label: str
    ) -> None:
        existing = self.teaching.get(record.sourced_id)
        if existing is not None and (existing.class_id, existing.teacher_id) != (school_class.id, teacher.id):
            self.classes_to_lead.add(existing.class_id)
            self.session.delete(existing)
            self.session.flush()
            existing = None
        if existing is None:
            existing = self.session.get(ClassTeacher, (school_class.id, teacher.id))
        self.classes_to_lead.add(school_class.id)
        self.teaching[record.sourced_id] = self.upsert(
            "teaching",
            record,
            existing,
            lambda **kw: ClassTeacher(class_id=school_class.id, teacher_id=teacher.id, **kw),
            {"role": role, "primary": record.primary},
            label,
        )

    def end_enrollment(self, key: str) -> None:
        row: Enrollment | ClassTeacher | None = self.enrollments.pop(key, None)
        kind = "enrollment"
        if row is None:
            row = self.teaching.pop(key, None)
            kind = "teaching"
        if row is None:
            return
        if isinstance(row, ClassTeacher):
            self.classes_to_lead.add(row.class_id)
        self.session.delete(row)
        self.note(kind, Action.retired, key, key)

    def choose_leads(self) -> None:
        """Each touched roster class's lead: its primary teacher, else its lead if still enrolled, else the first."""
        for class_id in sorted(self.classes_to_lead):
            school_class = self.session.get(SchoolClass, class_id)
            if school_class is None or school_class.sourced_id is None:
                continue
            assigned = self.session.exec(
                select(ClassTeacher).where(ClassTeacher.class_id == class_id).order_by(ClassTeacher.teacher_id)
            ).all()
            primary = [a.teacher_id for a in assigned if a.primary and a.role == "teacher"]
            ids = [a.teacher_id for a in assigned]
            if primary:
                lead: int | None = primary[0]
            elif school_class.teacher_id in ids:
                lead = school_class.teacher_id
            else:
                lead = ids[0] if ids else None
            if lead != school_class.teacher_id:
                school_class.teacher_id = lead
                self.session.add(school_class)
                self.mark_changed("class", school_class.sourced_id, "teacher_id")

    # --------------------------------------------------------- demographics
    def check_demographics(self) -> None:
        for line, key in self.roster.demographics:
            if key not in self.logins and key not in self.students and key not in self.left_out:
                raise ImportRefused(
                    f"names the user {key!r}, which is neither in this roster nor in masterycat",
                    file="demographics.csv",
                    line=line,
                    column="sourcedId",
                )

    def run(self) -> None:
        self.import_schools()
        self.import_sessions()
        self.import_courses()
        self.import_classes()
        self.import_users()
        self.import_enrollments()
        self.check_demographics()


def _first_time(seen: dict[str, int], value: str, record: Record, column: str, what: str) -> None:
    """Refuse a value met on an earlier line of the file."""
    if value in seen:
        raise ImportRefused(
            f"{what} {value!r} is also on line {seen[value]}", file=record.file, line=record.line, column=column
        )
    seen[value] = record.line


def _chunks(values: list[int], size: int = 900) -> Iterable[list[int]]:
    """``values`` in pieces small enough for one ``IN (...)`` on every database."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def import_roster(session: Session, package: Package, report: ImportReport | None = None) -> ImportReport:
    """Bring the district in line with a OneRoster CSV package, through ``session`` (not committed).

    Parameters
    ----------
    session : Session
        The caller's session: commit it to apply the import, roll it back for a dry run.
    package : Package
        The roster's files (:func:`interop.package.open_package`).
    report : ImportReport, optional
        Where to note what was done; a new one by default.

    Returns
    -------
    ImportReport
        Every school, term, course, class, student, teacher, guardian, login,
        enrollment and teaching assignment created, updated, retired or
        found unchanged, and the warnings.

    Raises
    ------
    ImportRefused
        A file that breaks the specification where it is not unambiguous,
        or a reference to a record neither the package nor the district has
        (the session then holds a partial import: roll it back).
    """
    report = report or ImportReport("oneroster")
    roster = read_roster(package, report)
    try:
        _RosterImport(session, roster, report).run()
    except IntegrityError as err:  # a rule of the database the checks above did not foresee
        raise ImportRefused(f"the roster contradicts the district: {err.orig}", file=package.name) from None
    return report
