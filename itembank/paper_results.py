"""Paper results: a class's answers to a form, typed into the grid or uploaded as CSV, all or nothing.

The teacher enters, for each student, the version they took and what they
wrote on each question: a choice (``B``), several choices (``A;C``, or
``AC`` when every choice is one letter), a number as a student writes it
(``3/4``, ``-2.5``), or the rubric level a written answer earned (``0`` to
``3``).  A blank cell is a question not answered (never scored wrong).

Every cell is checked before anything is written (:func:`check_results`);
the first problem is refused naming its line and column (``line 4, column
6 (7RPA2-0003): 'E' is not a choice ...``).  Then (:func:`record_results`)
each student's answers become a paper attempt, scored with the items'
keys, written as responses dated with the day the teacher gives (at noon
UTC, so the date reads the same in every time zone), and the student's
mastery is refreshed: exactly what an online submission does
(:mod:`itembank.attempts`).  Entering a student again for the same day
corrects that day's paper attempt: changed cells supersede their rows
(append-only), unchanged ones write nothing, so the same grid twice
changes nothing; a blank never erases an answer.

CSV (:func:`read_results_csv`): ``student_id,version,<item id>,...``, where
``student_id`` is the district's student id (as in response files) and
``version`` may be left empty (the student's own version, else the form's
first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, BinaryIO

from sqlmodel import Session, select

from itembank.answers import InvalidAnswer, score_answer
from itembank.assessments import Assignment, AssignmentStudent, Attempt, AttemptMode, AttemptStatus
from itembank.assignments import first_label, is_late, recipients
from itembank.attempts import (
    attempt_responses,
    attempt_views,
    item_contents,
    refresh_student_mastery,
    write_answer,
)
from itembank.bank import ItemContent, OperationalBank
from itembank.errors import Conflict, Invalid
from itembank.forms import form_versions
from itembank.io import FileFormatError, iter_csv_records, read_csv_header
from itembank.tables import Interaction, Response, Student, utcnow

__all__ = [
    "PaperCell",
    "PaperRow",
    "CheckedRow",
    "PaperReport",
    "MAX_ROWS",
    "read_results_csv",
    "read_cell",
    "check_results",
    "record_results",
    "answered_at_noon",
]

#: Most students in one entry.
MAX_ROWS = 2000
_SEPARATORS = re.compile(r"[;,\s]+")


@dataclass(frozen=True)
class PaperCell:
    """One question's answer as entered, and where it was entered (``line 3, column 5``)."""

    item_id: str
    value: Any
    where: str


@dataclass(frozen=True)
class PaperRow:
    """One student's paper: a student id (the database's) or external id, the version, the cells."""

    student: int | str
    label: str | None
    cells: tuple[PaperCell, ...]
    where: str


@dataclass(frozen=True)
class CheckedRow:
    """A student's answers, checked: canonical answers and scores per item."""

    student_id: int
    label: str
    answers: dict[str, tuple[Any, int, bool | None]]
    where: str


@dataclass(frozen=True)
class PaperReport:
    students: int
    attempts_created: int
    answers_written: int
    corrections: int


def read_results_csv(stream: BinaryIO) -> list[PaperRow]:
    """The rows of a results CSV upload (``student_id,version,<item ids>``), not yet checked against the form.

    Raises
    ------
    Invalid
        Not UTF-8 CSV, a header without ``student_id`` first, or more than :data:`MAX_ROWS` rows.
    """
    try:
        records = iter_csv_records(stream)
        header = read_csv_header(None, records)
        if header[0] != "student_id":
            raise Invalid(f"line 1, column 1: the first column must be student_id, got {header[0]!r}", "file")
        first_item = 2 if len(header) > 1 and header[1] == "version" else 1
        rows = []
        for line, cells in records:
            if len(rows) >= MAX_ROWS:
                raise Invalid(f"line {line}: an entry takes at most {MAX_ROWS} students", "file")
            if len(cells) > len(header):
                raise Invalid(f"line {line}: {len(cells)} cells for {len(header)} columns", "file")
            cells = cells + [""] * (len(header) - len(cells))
            label = cells[1].strip() or None if first_item == 2 else None
            entered = tuple(
                PaperCell(header[c], cells[c], f"line {line}, column {c + 1} ({header[c]})")
                for c in range(first_item, len(header))
                if cells[c].strip()
            )
            rows.append(PaperRow(cells[0].strip(), label, entered, f"line {line}, column 1"))
    except FileFormatError as err:
        raise Invalid(err.problem, "file") from None
    if not rows:
        raise Invalid("the file has a header and no students", "file")
    return rows


def read_cell(content: ItemContent, value: Any) -> tuple[Any, int, bool | None]:
    """The canonical answer, score and correctness of one entered cell.

    Raises
    ------
    InvalidAnswer
        A value the item cannot take (the message says what it takes).
    """
    if isinstance(value, str):
        value = value.strip()
    if content.interaction == Interaction.constructed_response.value:
        top = content.n_categories - 1
        level = int(value) if isinstance(value, str) and value.isdigit() else value
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= top:
            raise InvalidAnswer(f"a rubric level of item {content.id} is a whole number 0..{top}, got {value!r}")
        return level, level, None
    if content.interaction == Interaction.multiple_select.value and isinstance(value, str):
        parts = [p for p in _SEPARATORS.split(value) if p]
        single = all(len(str(c["id"])) == 1 for c in content.choices)
        if len(parts) == 1 and single and len(parts[0]) > 1:
            parts = list(parts[0])
        value = parts
    scored = score_answer(content, value)
    return scored.answer, int(scored.score), scored.correct


def _students(session: Session, assignment: Assignment) -> tuple[dict[int, AssignmentStudent], dict[str, int]]:
    reached = {r.student_id: r for r in recipients(session, assignment.id)}
    external = dict(session.exec(select(Student.external_id, Student.id).where(Student.id.in_(list(reached)))).all())
    return reached, external


def check_results(
    session: Session, assignment: Assignment, rows: list[PaperRow], *, allowed: set[int] | None = None
) -> list[CheckedRow]:
    """Every row and cell checked against the assignment's students and form, before anything is written.

    Raises
    ------
    Invalid
        An unknown student or one entered twice, an unknown version, an
        item not on the student's version, an impossible answer; the
        message names the line and column (or row and item).
    Conflict
        A student with an online attempt in progress.

    Parameters
    ----------
    allowed : set of int, optional
        The students whoever enters may enter (their own); None: everyone.
    """
    if assignment.form_id is None:
        raise Invalid(f"assignment {assignment.id} is an adaptive check: it has no paper form", "assignment")
    if not rows:
        raise Invalid("no students entered", "rows")
    if len(rows) > MAX_ROWS:
        raise Invalid(f"an entry takes at most {MAX_ROWS} students, got {len(rows)}", "rows")
    versions = form_versions(session, assignment.form_id)
    contents = item_contents(session, sorted({i for items in versions.values() for i in items}))
    reached, external = _students(session, assignment)
    busy = {
        student_id
        for student_id, views in attempt_views(session, assignment.id).items()
        if any(not v.submitted for v in views)
    }
    default = first_label(session, assignment.form_id)
    seen: set[int] = set()
    checked = []
    for row in rows:
        student_id = external.get(row.student) if isinstance(row.student, str) else row.student
        if student_id is None or student_id not in reached:
            raise Invalid(
                f"{row.where}: no student {row.student} among those assignment {assignment.id} reached", "file"
            )
        if allowed is not None and student_id not in allowed:
            raise Invalid(f"{row.where}: student {row.student} is not one of your students", "file")
        if student_id in seen:
            raise Invalid(f"{row.where}: student {row.student} is entered twice", "file")
        seen.add(student_id)
        if student_id in busy:
            raise Conflict(f"{row.where}: student {row.student} has an online attempt in progress; enter them after it")
        label = row.label or reached[student_id].label or default
        if label not in versions:
            raise Invalid(
                f"{row.where}: version {label!r} is not a version of the form ({', '.join(versions)})", "file"
            )
        answers = {}
        for cell in row.cells:
            if cell.item_id not in contents:
                raise Invalid(f"{cell.where}: {cell.item_id} is not an item of this form", "file")
            if cell.item_id not in versions[label]:
                raise Invalid(f"{cell.where}: item {cell.item_id} is not on version {label}", "file")
            try:
                answers[cell.item_id] = read_cell(contents[cell.item_id], cell.value)
            except InvalidAnswer as err:
                raise Invalid(f"{cell.where}: {err}", "file") from None
        checked.append(CheckedRow(student_id, label, answers, row.where))
    return checked


def answered_at_noon(day: date) -> datetime:
    """The moment paper answers of ``day`` are dated: noon UTC (the same date everywhere)."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def _correct(session: Session, old: Response, answer: Any, score: int, correct: bool | None, by: int | None) -> None:
    row = Response(
        dedupe_key=f"correction/{old.id}",
        student_id=old.student_id,
        item_id=old.item_id,
        item_version=old.item_version,
        answer=answer,
        score=score,
        correct=correct,
        source="paper",
        supersedes_id=old.id,
        scored_by=by,
        note="corrected paper entry",
        answered_at=old.answered_at,
    )
    session.add(row)
    session.flush()


def record_results(
    session: Session,
    bank: OperationalBank,
    assignment: Assignment,
    rows: list[PaperRow],
    *,
    answered_on: date,
    entered_by: int | None,
    allowed: set[int] | None = None,
) -> PaperReport:
    """Check ``rows`` and write them as paper attempts (flushed, not committed).

    Raises
    ------
    Invalid, Conflict
        As :func:`check_results`; a day in the future.
    """
    if answered_on > utcnow().date():
        raise Invalid(f"answered_on {answered_on} is in the future", "answered_on")
    checked = check_results(session, assignment, rows, allowed=allowed)
    when = answered_at_noon(answered_on)
    views = attempt_views(session, assignment.id, [c.student_id for c in checked])
    contents = item_contents(session, sorted({i for c in checked for i in c.answers}))
    created = written = corrections = 0
    for row in checked:
        mine = views.get(row.student_id, [])
        same_day = [
            v.attempt
            for v in mine
            if v.attempt.mode == AttemptMode.paper.value
            and v.attempt.label == row.label
            and v.submitted_at is not None
            and v.submitted_at.date() == answered_on
        ]
        if same_day:
            attempt = same_day[-1]
        else:
            attempt = Attempt(
                assignment_id=assignment.id,
                student_id=row.student_id,
                number=len(mine) + 1,
                mode=AttemptMode.paper.value,
                status=AttemptStatus.submitted.value,
                label=row.label,
                started_at=when,
                submitted_at=when,
                late=is_late(assignment, when),
                entered_by=entered_by,
            )
            session.add(attempt)
            session.flush()
            created += 1
        existing = attempt_responses(session, attempt) if same_day else {}
        for item_id, (answer, score, correct) in row.answers.items():
            old = existing.get(item_id)
            if old is None:
                write_answer(
                    session,
                    attempt,
                    contents[item_id],
                    answer,
                    score,
                    correct,
                    answered_at=when,
                    source="paper",
                    scored_by=entered_by if contents[item_id].interaction == "constructed_response" else None,
                )
                written += 1
            elif old.answer != answer or old.score != score:
                _correct(session, old, answer, score, correct, entered_by)
                corrections += 1
        refresh_student_mastery(session, bank, row.student_id, list(row.answers))
    return PaperReport(len(checked), created, written, corrections)
