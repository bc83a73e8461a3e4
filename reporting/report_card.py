"""The standards-based report card of a class for a term, and its exports.

One row per student and reporting standard (the class's competencies, or
its indicators): the four-level proficiency (Does not meet, Partially meets,
Meets, Exceeds) under the district's method, the evidence count, and the
teacher's comment.  For ``irt`` the level is the mastery estimate at the end
of the term (from the student's latest answer to each item up to then, as
:func:`itembank.mastery_store.estimate` computes it) between the district's
theta cuts or the standard's own band cuts
(:func:`reporting.progress_report.level_cuts`); for Mastery Connect's methods it is the method's score of the
term's sittings between the percent cuts.  The evidence count is the
number of answers under the standard in the term.

Exports: a CSV for the teacher and the student information system
(:func:`report_card_csv`) and OneRoster 1.2 Gradebook results
(:func:`oneroster_zip`): a line item per reporting standard in the term's
category, a result per student with evidence (the level as a score of 1-4,
its name as the text score, the comment), and the four levels as the line
items' score scale.  The package is a delta (every record ``active`` with
its ``dateLastModified``): a class's term is a part of the gradebook, not all
of it, so the receiver updates these records by sourcedId and keeps the
rest.  Columns are the OneRoster 1.2 CSV binding's, in its order (1EdTech
OneRoster CSV Binding 1.2.1, section 3); every cell goes through
:func:`itembank.csv_cells.safe_row`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, select

from itembank.bank import OperationalBank
from itembank.csv_cells import safe_row
from itembank.district import AcademicSession, Course, School
from itembank.evidence import student_sittings
from itembank.mastery_store import estimate
from itembank.people import class_student_ids
from itembank.report_cards import LEVELS, ReportSettings, comments_for
from itembank.tables import SchoolClass, Standard, Student, utcnow
from reporting.progress_report import level_cuts, percent_series, reported_level, standard_chains

__all__ = [
    "ReportCardRow",
    "ReportCard",
    "report_card",
    "report_card_csv",
    "oneroster_zip",
    "CSV_COLUMNS",
    "MANIFEST_FILES",
    "CATEGORY_COLUMNS",
    "LINE_ITEM_COLUMNS",
    "RESULT_COLUMNS",
    "SCORE_SCALE_COLUMNS",
    "LINE_ITEM_SCORE_SCALE_COLUMNS",
]

#: Columns of the report card CSV: a row per student and reporting standard.
CSV_COLUMNS = (
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
)

#: Every file of the OneRoster 1.2 CSV binding, as ``manifest.csv`` names it (``file.<name>``).
MANIFEST_FILES = (
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
)
_COMMON = ("sourcedId", "status", "dateLastModified")
#: OneRoster 1.2 CSV binding, ``categories.csv``.
CATEGORY_COLUMNS = _COMMON + ("title", "weight")
#: ``lineItems.csv`` (1.2 renamed 1.1's ``gradingPeriodSourcedId`` and added ``schoolSourcedId``).
LINE_ITEM_COLUMNS = _COMMON + (
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
)
#: ``results.csv``.
RESULT_COLUMNS = _COMMON + (
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
)
#: ``scoreScales.csv``.
SCORE_SCALE_COLUMNS = _COMMON + (
    "title",
    "type",
    "orgSourcedId",
    "courseSourcedId",
    "classSourcedId",
    "scoreScaleValue",
)
#: ``lineItemScoreScales.csv``.
LINE_ITEM_SCORE_SCALE_COLUMNS = _COMMON + ("title", "lineItemSourcedId", "scoreScaleSourcedId")
_FILES = {
    "categories": CATEGORY_COLUMNS,
    "lineItems": LINE_ITEM_COLUMNS,
    "results": RESULT_COLUMNS,
    "scoreScales": SCORE_SCALE_COLUMNS,
    "lineItemScoreScales": LINE_ITEM_SCORE_SCALE_COLUMNS,
}


@dataclass(frozen=True)
class ReportCardRow:
    """One student's level on one reporting standard (``level`` None: no evidence in the term)."""

    student: Student
    standard: Standard
    level: int | None
    n_evidence: int
    comment: str

    @property
    def level_name(self) -> str:
        return "" if self.level is None else LEVELS[self.level]


@dataclass(frozen=True)
class ReportCard:
    """A class's report card for a term."""

    school_class: SchoolClass
    course: Course | None
    #: the class's school, else its course's (None when neither names one)
    school: School | None
    term: AcademicSession
    method: str
    standards: list[Standard]
    rows: list[ReportCardRow]


def _reporting_standards(session: Session, level: str, chains: dict[int, list[int]], used: set[int]) -> list[Standard]:
    """Standards of ``level`` above the objectives the class has evidence on, by code."""
    ids = {sid for obj in used for sid in chains.get(obj, [])}
    if not ids:
        return []
    rows = session.exec(select(Standard).where(Standard.id.in_(ids), Standard.level == level)).all()
    return sorted(rows, key=lambda s: (s.framework, s.code))


def report_card(
    session: Session,
    class_id: int,
    term: AcademicSession,
    *,
    bank: OperationalBank | None,
    settings: ReportSettings,
    level: str = "competency",
) -> ReportCard:
    """The class's report card for ``term`` on its reporting standards of ``level``.

    Parameters
    ----------
    class_id : int
    term : AcademicSession
    bank : OperationalBank or None
        The live bank; needed by the ``irt`` method (ValueError without it).
    settings : ReportSettings
    level : {"competency", "indicator"}
    """
    if level not in ("competency", "indicator"):
        raise ValueError(f"a report card reports competencies or indicators, not {level!r}")
    if settings.method == "irt" and bank is None:
        raise ValueError("the report card's IRT levels need a live calibration")
    school_class = session.get(SchoolClass, class_id)
    if school_class is None:
        raise ValueError(f"no class with id {class_id}")
    course = session.get(Course, school_class.course_id) if school_class.course_id else None
    school_id = school_class.school_id or (course.school_id if course else None)
    school = session.get(School, school_id) if school_id else None
    ids = class_student_ids(session, class_id)
    students = {s.id: s for s in session.exec(select(Student).where(Student.id.in_(ids))).all()} if ids else {}
    order = sorted(ids, key=lambda i: (students[i].last_name, students[i].first_name, i))
    all_standards = session.exec(select(Standard).where(Standard.retired == False)).all()  # noqa: E712
    chains = standard_chains(all_standards)
    until = datetime.combine(term.end_date + timedelta(days=1), time.min, tzinfo=UTC)
    since = datetime.combine(term.start_date, time.min, tzinfo=UTC)
    sittings = [s for s in student_sittings(session, order) if _aware(s.when) < until]
    in_term = [s for s in sittings if _aware(s.when) >= since]
    used = {a.objective_id for s in in_term for a in s.answers if a.objective_id is not None}
    standards = _reporting_standards(session, level, chains, used)
    series = percent_series(in_term, chains)
    comments = {(c.student_id, c.standard_id): c.text for c in comments_for(session, order, term.id)}
    latest: dict[int, dict[str, int]] = {sid: {} for sid in order}
    for s in sittings:
        for a in s.answers:
            latest[s.student_id][a.item_id] = a.score
    rows = []
    for sid in order:
        for std in standards:
            lines = series.get((sid, std.id), [])
            n = sum(line.n_items for line in lines)
            theta, band = None, None
            if n and settings.method == "irt" and bank is not None:
                est = estimate(bank, std.id, latest[sid])
                theta, band = est.theta, est.band
            cuts = level_cuts(settings, bank, std.id)
            lvl, _ = reported_level(settings, theta, lines, cuts, band) if n else (None, None)
            rows.append(ReportCardRow(students[sid], std, lvl, n, comments.get((sid, std.id), "")))
    return ReportCard(school_class, course, school, term, settings.method, standards, rows)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]], *, line_end: str = "\r\n") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=line_end)
    writer.writerow(header)
    for row in rows:
        writer.writerow(safe_row(row))
    return buf.getvalue()


def report_card_csv(card: ReportCard) -> str:
    """The report card as CSV (:data:`CSV_COLUMNS`), a row per student and standard."""
    course = card.course.title if card.course else ""
    return _csv(
        CSV_COLUMNS,
        [
            (
                card.term.title,
                course,
                card.school_class.name,
                r.student.id,
                r.student.external_id,
                r.student.last_name,
                r.student.first_name,
                r.standard.code,
                r.standard.title,
                "" if r.level is None else r.level + 1,
                r.level_name,
                r.n_evidence,
                r.comment,
            )
            for r in card.rows
        ],
    )


def _sourced(record: SchoolClass | Course | School | AcademicSession | None, fallback: str) -> str:
    """The record's roster sourcedId; ``fallback`` for a record made by hand (or missing)."""
    return record.sourced_id if record is not None and record.sourced_id else fallback


def oneroster_zip(card: ReportCard, *, now: datetime | None = None) -> bytes:
    """The report card as a OneRoster 1.2 Gradebook CSV package (a delta), zipped.

    ``manifest.csv`` announces every file of the binding: ``delta`` for
    categories, lineItems, results, scoreScales and lineItemScoreScales,
    ``absent`` for the others.  Lines end in LF, as
    :mod:`interop.oneroster.reading` reads a roster without a warning.  Records made by hand (no roster sourcedId)
    are named ``masterycat-...``; a student by their external id.
    """
    now = now or utcnow()
    stamp = _aware(now).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    today = _aware(now).astimezone(UTC).date().isoformat()
    klass = card.school_class
    class_sid = _sourced(klass, f"masterycat-class-{klass.id}")
    term_sid = _sourced(card.term, f"masterycat-term-{card.term.id}")
    school_sid = _sourced(card.school, f"masterycat-school-of-class-{klass.id}")
    course_sid = _sourced(card.course, f"masterycat-course-of-class-{klass.id}")
    category = f"masterycat-standards-{card.term.id}"
    scale = f"masterycat-levels-{klass.id}"

    def item_sid(std: Standard) -> str:
        return f"masterycat-li-{klass.id}-{card.term.id}-{std.id}"

    rows: dict[str, list[tuple[object, ...]]] = {
        "categories": [(category, "active", stamp, f"Standards ({card.term.title})", "")],
        "lineItems": [
            (
                item_sid(std),
                "active",
                stamp,
                f"{std.code} {std.title}",
                f"Standards-based level on {std.code}: " + ", ".join(f"{n} {name}" for n, name in _levels()),
                card.term.start_date.isoformat(),
                card.term.end_date.isoformat(),
                class_sid,
                category,
                term_sid,
                "1",
                str(len(LEVELS)),
                school_sid,
            )
            for std in card.standards
        ],
        "results": [
            (
                f"masterycat-result-{klass.id}-{card.term.id}-{r.standard.id}-{r.student.id}",
                "active",
                stamp,
                item_sid(r.standard),
                r.student.sourced_id or r.student.external_id,
                "fully graded",
                str(r.level + 1),
                today,
                r.comment,
                r.level_name,
                class_sid,
                "",
                "",
                "",
                "",
            )
            for r in card.rows
            if r.level is not None
        ],
        "scoreScales": [
            (
                scale,
                "active",
                stamp,
                "Proficiency levels",
                "proficiency",
                school_sid,
                course_sid,
                class_sid,
                ",".join(f"{{{n}:{name}}}" for n, name in _levels()),
            )
        ],
        "lineItemScoreScales": [
            (f"{item_sid(std)}-levels", "active", stamp, "Proficiency levels", item_sid(std), scale)
            for std in card.standards
        ],
    }
    manifest = [
        ("manifest.version", "1.0"),
        ("oneroster.version", "1.2"),
        *((f"file.{name}", "delta" if name in _FILES else "absent") for name in MANIFEST_FILES),
        ("source.systemName", "masterycat"),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", _csv(("propertyName", "value"), manifest, line_end="\n"))
        for name, columns in _FILES.items():
            zf.writestr(f"{name}.csv", _csv(columns, rows[name], line_end="\n"))
    return buf.getvalue()


def _levels() -> list[tuple[int, str]]:
    """The levels as (score, name): 1 Does not meet ... 4 Exceeds."""
    return [(n + 1, name) for n, name in enumerate(LEVELS)]
