"""Importing a responses file: one streaming check of the whole file, then one write.

A responses CSV (wide or long, docs/architecture.md, Data formats) is
imported all or nothing, in two steps:

1. :func:`check_responses_file` reads the file as a stream, row by row, and
   checks every cell (known items, scores in their categories, student ids
   the table can hold, no student twice in a wide file, no answer twice in a
   long one).  The first problem is raised as a
   :class:`~itembank.io.FileFormatError` naming the line and the column.
   What passes is kept as compact arrays: 14 bytes an answer (2 million
   answers, 28 MB) besides the students' ids; the file itself is never held
   in memory.
2. :func:`store_responses` writes the checked answers in the caller's
   transaction: students that do not exist yet, then every answer, by
   ``COPY`` on PostgreSQL and by batched ``executemany`` on SQLite, so no
   statement carries more parameters than a database takes.

Every answer's ``dedupe_key`` is ``import/<file digest>/<student>/<item>``
(:mod:`itembank.responses`): importing the same file again adds nothing.
"""

from __future__ import annotations

import hashlib
import math
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from sqlalchemy import Connection, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from itembank.db import in_batches
from itembank.errors import Invalid
from itembank.io import FileFormatError, iter_csv_records, read_csv_header
from itembank.tables import Item, Response, Student, utcnow

__all__ = [
    "KnownItem",
    "CheckedResponses",
    "StoredResponses",
    "known_items",
    "check_responses_file",
    "store_responses",
    "file_digest",
    "already_imported",
    "import_responses_file",
]

#: Longest student id the student table holds.
STUDENT_ID_LENGTH: int = Student.__table__.c.external_id.type.length
#: Rows written by one COPY chunk or one executemany.
WRITE_BATCH = 50_000
#: SQLite's page cache while an import writes, KB (the default is 2 MB).
SQLITE_CACHE_KB = 64 * 1024
#: Rows between two progress reports while checking.
PROGRESS_ROWS = 100_000

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SCORES = {str(v): v for v in range(10)}
_LONG_COLUMNS = ("student_id", "item_id", "score", "administered_at")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True)
class KnownItem:
    """What the import needs of an item of the bank."""

    index: int
    n_categories: int
    version: int


@dataclass(frozen=True)
class CheckedResponses:
    """A responses file that passed every check, as compact arrays.

    Attributes
    ----------
    digest : str
        Identifies the file's content (``dedupe_key`` prefix).
    student_ids : list of str
        The students' ids (external), in order of first appearance.
    item_ids : list of str
        The items the answers index (every known item, in index order).
    student, item : ndarray of int32, shape (n_answers,)
        Each answer's student and item, as indices into the lists above, in
        file order.
    score : ndarray of int16, shape (n_answers,)
        Each answer's score.
    n_categories, version : ndarray of int, shape (n_items,)
        Each item's number of score categories and content version.
    """

    digest: str
    student_ids: list[str]
    item_ids: list[str]
    student: np.ndarray
    item: np.ndarray
    score: np.ndarray
    n_categories: np.ndarray
    version: np.ndarray

    @property
    def n_answers(self) -> int:
        return int(self.score.size)

    @property
    def n_items_answered(self) -> int:
        return int(np.unique(self.item).size)


@dataclass(frozen=True)
class StoredResponses:
    """What an import wrote: ``added`` answers, ``students_created`` new students.

    ``students`` and ``items`` count the file's students and answered items.
    """

    added: int
    students: int
    items: int
    students_created: int

    def as_report(self) -> dict[str, int]:
        return {
            "added": self.added,
            "students": self.students,
            "items": self.items,
            "students_created": self.students_created,
        }


def known_items(session: Session) -> dict[str, KnownItem]:
    """Every item of the bank, by id, for :func:`check_responses_file`."""
    rows = session.exec(select(Item.id, Item.n_categories, Item.version).order_by(Item.id)).all()
    return {iid: KnownItem(n, int(k), int(v)) for n, (iid, k, v) in enumerate(rows)}


def file_digest(stream: BinaryIO) -> str:
    """The content digest of a file (SHA-256 of its bytes after any byte-order mark, 20 hex digits).

    The stream is left at its start.
    """
    stream.seek(0)
    head = stream.read(3)
    digest = hashlib.sha256(b"" if head == b"\xef\xbb\xbf" else head)
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()[:20]


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _bad(line: int, column: str | int | None, problem: str) -> FileFormatError:
    where = f"line {line}" if column is None else f"line {line}, column {column}"
    return FileFormatError(f"upload: {where}: {problem}", problem=f"{where}: {problem}")


def _student_id(text: str, line: int, column: str) -> str:
    sid = text.strip()
    if not sid:
        raise _bad(line, column, "empty student_id")
    if len(sid) > STUDENT_ID_LENGTH:
        raise _bad(line, column, f"a student id has at most {STUDENT_ID_LENGTH} characters, got {len(sid)}")
    control = _CONTROL.search(sid)
    if control:
        raise _bad(line, column, f"the student id contains the control character U+{ord(control.group()):04X}")
    return sid


def _score(text: str, line: int, column: str, item_id: str, k: int) -> int:
    value = _SCORES.get(text)
    if value is None:
        stripped = text.strip()
        try:
            number = float(stripped)
        except ValueError:
            raise _bad(line, column, f"{_shown(stripped)} is not a score") from None
        if not math.isfinite(number) or number != int(number) or number < 0:
            raise _bad(line, column, f"{_shown(stripped)} is not a category score (0, 1, 2, …)")
        value = int(number)
    if value >= k:
        raise _bad(line, column, f"score {value} is out of range 0..{k - 1} for item {item_id}")
    return value


class _Answers:
    """The answers checked so far (growing arrays) and the students met."""

    def __init__(self) -> None:
        self.students: dict[str, int] = {}
        self.student = array("i")
        self.item = array("i")
        self.score = array("h")
        self.line = array("i")


def _check_long(
    header: list[str], records: Iterator[tuple[int, list[str]]], items: dict[str, KnownItem], tick: Callable[[], None]
) -> _Answers:
    for col, name in enumerate(header, start=1):
        if name not in _LONG_COLUMNS:
            raise _bad(1, col, f"unexpected column {_shown(name)} in a long responses file")
    width = len(header)
    out = _Answers()
    students, student, item, score, lines = out.students, out.student, out.item, out.score, out.line
    seen_raw: dict[str, int] = {}
    for n, (line, row) in enumerate(records, start=1):
        if len(row) != width:
            raise _bad(line, None, f"{len(row)} cells, expected {width} as in the header")
        raw_sid, raw_iid, raw_score = row[0], row[1], row[2]
        si = seen_raw.get(raw_sid)
        if si is None:
            sid = _student_id(raw_sid, line, "student_id")
            si = students.setdefault(sid, len(students))
            seen_raw[raw_sid] = si
        known = items.get(raw_iid)
        if known is None:
            known = items.get(raw_iid.strip())
            if known is None:
                if not raw_iid.strip():
                    raise _bad(line, "item_id", "empty item_id")
                raise _bad(line, "item_id", f"unknown item {_shown(raw_iid.strip())}")
        student.append(si)
        item.append(known.index)
        score.append(_score(raw_score, line, "score", raw_iid.strip(), known.n_categories))
        lines.append(line)
        if n % PROGRESS_ROWS == 0:
            tick()
    return out


def _check_wide(
    header: list[str], records: Iterator[tuple[int, list[str]]], items: dict[str, KnownItem], tick: Callable[[], None]
) -> _Answers:
    columns: list[KnownItem] = []
    for col, name in enumerate(header[1:], start=2):
        known = items.get(name)
        if known is None:
            raise _bad(1, col, f"unknown item {_shown(name)}")
        columns.append(known)
    if not columns:
        raise _bad(1, None, "no item columns")
    width = len(header)
    out = _Answers()
    students, student, item, score, lines = out.students, out.student, out.item, out.score, out.line
    first_line: dict[str, int] = {}
    for n, (line, row) in enumerate(records, start=1):
        if len(row) != width:
            raise _bad(line, None, f"{len(row)} cells, expected {width} as in the header")
        sid = _student_id(row[0], line, "student_id")
        if sid in first_line:
            raise _bad(line, None, f"student {_shown(sid)} appears again (first on line {first_line[sid]})")
        first_line[sid] = line
        si = students.setdefault(sid, len(students))
        for name, known, cell in zip(header[1:], columns, row[1:]):
            if cell and not cell.isspace():
                student.append(si)
                item.append(known.index)
                score.append(_score(cell, line, name, name, known.n_categories))
                lines.append(line)
        if n % PROGRESS_ROWS == 0:
            tick()
    return out


def _first_repeat(student: np.ndarray, item: np.ndarray, n_items: int) -> tuple[int, int] | None:
    """The positions (first, again) of the earliest answer that repeats a student's answer to an item."""
    keys = student.astype(np.int64) * n_items + item
    ordered = np.sort(keys)
    if not np.any(ordered[1:] == ordered[:-1]):
        return None
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    repeated = np.flatnonzero(ordered[1:] == ordered[:-1])
    again = int(order[repeated + 1].min())
    first = int(np.flatnonzero(keys == keys[again])[0])
    return first, again


def check_responses_file(
    stream: BinaryIO,
    items: dict[str, KnownItem],
    *,
    on_progress: Callable[[float], None] | None = None,
) -> CheckedResponses:
    """Check a whole responses CSV, read as a stream, and keep its answers.

    Parameters
    ----------
    stream : binary file object
        The file, seekable, at its start; left open.
    items : dict of str to KnownItem
        The bank's items (:func:`known_items`); any other item is refused.
    on_progress : callable, optional
        Called with the fraction of the file read (0..1) every
        :data:`PROGRESS_ROWS` rows.

    Returns
    -------
    CheckedResponses

    Raises
    ------
    FileFormatError
        The first problem, named by line and column (``problem`` holds the
        message for an upload).
    """
    digest = file_digest(stream)
    size = max(stream.seek(0, 2), 1)
    stream.seek(0)

    def tick() -> None:
        if on_progress is not None:
            on_progress(min(stream.tell() / size, 1.0))

    records = iter_csv_records(stream)
    try:
        header = read_csv_header(None, records)
        if header[0] != "student_id":
            raise _bad(1, 1, f"the first column should be 'student_id', got {_shown(header[0])}")
        long = header[1:3] == ["item_id", "score"]
        answers = (_check_long if long else _check_wide)(header, records, items, tick)
    finally:
        records.close()
    if not answers.score:
        raise FileFormatError("upload: no responses after the header", problem="no responses after the header")
    student = np.frombuffer(answers.student, dtype=np.int32)
    item = np.frombuffer(answers.item, dtype=np.int32)
    if long:
        repeat = _first_repeat(student, item, len(items))
        if repeat is not None:
            first, again = repeat
            names = list(answers.students)
            iid = next(i for i, k in items.items() if k.index == item[again])
            raise _bad(
                answers.line[again],
                None,
                f"student {_shown(names[student[again]])} answered item {_shown(iid)} again "
                f"(first on line {answers.line[first]})",
            )
    if on_progress is not None:
        on_progress(1.0)
    ordered = sorted(items.items(), key=lambda pair: pair[1].index)
    known = [k for _, k in ordered]
    return CheckedResponses(
        digest=digest,
        student_ids=list(answers.students),
        item_ids=[iid for iid, _ in ordered],
        student=student,
        item=item,
        score=np.frombuffer(answers.score, dtype=np.int16),
        n_categories=np.array([k.n_categories for k in known], dtype=np.int64),
        version=np.array([k.version for k in known], dtype=np.int64),
    )


# ------------------------------------------------------------------ writing
def _student_ids(session: Session, external_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in in_batches(external_ids):
        found.update(session.exec(select(Student.external_id, Student.id).where(Student.external_id.in_(chunk))).all())
    return found


def _create_students(session: Session, external_ids: list[str]) -> None:
    """Insert students by external id; one created meanwhile by another import is left as it is."""
    dialect = session.get_bind().dialect.name
    build = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    for chunk in in_batches(external_ids):
        rows = [
            {"external_id": e, "first_name": "", "last_name": "", "retired": False, "created_at": now} for e in chunk
        ]
        session.execute(build(Student).on_conflict_do_nothing(index_elements=["external_id"]), rows)


def already_imported(session: Session, digest: str) -> bool:
    """Whether answers of a file with this digest are stored (imports are whole, so all of them are)."""
    prefix = f"import/{digest}/"
    stmt = select(func.count()).select_from(
        select(Response.id).where(Response.dedupe_key.like(prefix + "%")).limit(1).subquery()
    )
    return bool(session.exec(stmt).one())


_COLUMNS = (
    "dedupe_key",
    "item_id",
    "item_version",
    "score",
    "correct",
    "student_id",
    "source",
    "note",
    "answered_at",
    "recorded_at",
)


def _copy_rows(session: Session, checked: CheckedResponses, student_db: list[int], stamp: str) -> None:
    """PostgreSQL: the answers by ``COPY``, in chunks of text rows."""
    prefix = f"import/{checked.digest}/"
    head = [f"{prefix}{sid.translate(_COPY_ESCAPES)}/" for sid in checked.student_ids]
    tail = [f"\t{db_id}\timport\t\t{stamp}\t{stamp}\n" for db_id in student_db]
    middle = []
    for iid, k, version in zip(checked.item_ids, checked.n_categories.tolist(), checked.version.tolist()):
        esc = iid.translate(_COPY_ESCAPES)
        correct = ("f", "t") if k == 2 else ("\\N",) * k
        middle.append([f"{esc}\t{esc}\t{version}\t{y}\t{correct[y]}" for y in range(k)])
    columns = ", ".join(_COLUMNS)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY response ({columns}) FROM STDIN") as copy:
        for start in range(0, checked.n_answers, WRITE_BATCH):
            stop = start + WRITE_BATCH
            rows = zip(
                checked.student[start:stop].tolist(),
                checked.item[start:stop].tolist(),
                checked.score[start:stop].tolist(),
            )
            copy.write("".join([head[s] + middle[i][y] + tail[s] for s, i, y in rows]).encode("utf-8"))


def _insert_rows(session: Session, checked: CheckedResponses, student_db: list[int], stamp: object) -> None:
    """SQLite: the answers by ``executemany``, :data:`WRITE_BATCH` rows at a time."""
    prefix = f"import/{checked.digest}/"
    keys = [f"{prefix}{sid}/" for sid in checked.student_ids]
    columns = ", ".join(_COLUMNS)
    sql = f"INSERT INTO response ({columns}) VALUES ({', '.join('?' * len(_COLUMNS))})"
    connection = session.connection()
    # the table's six indexes outgrow SQLite's default 2 MB page cache within a
    # district's file; a larger cache while writing halves the time
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
    try:
        _insert_batches(connection, sql, checked, keys, student_db, stamp)
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={previous}")


def _insert_batches(
    connection: Connection, sql: str, checked: CheckedResponses, keys: list[str], student_db: list[int], stamp: object
) -> None:
    """Execute ``sql`` over the answers' rows, :data:`WRITE_BATCH` rows an ``executemany``."""
    items = checked.item_ids
    version = checked.version.tolist()
    dichotomous = (checked.n_categories == 2).tolist()
    for start in range(0, checked.n_answers, WRITE_BATCH):
        stop = start + WRITE_BATCH
        rows = [
            (
                keys[s] + items[i],
                items[i],
                version[i],
                y,
                (y == 1) if dichotomous[i] else None,
                student_db[s],
                "import",
                "",
                stamp,
                stamp,
            )
            for s, i, y in zip(
                checked.student[start:stop].tolist(),
                checked.item[start:stop].tolist(),
                checked.score[start:stop].tolist(),
            )
        ]
        connection.exec_driver_sql(sql, rows)


def store_responses(session: Session, checked: CheckedResponses, *, create_students: bool = True) -> StoredResponses:
    """Write checked answers in the caller's transaction (not committed).

    Students are matched by external id and created when missing (unless
    ``create_students`` is False: then an unknown student is refused).  A
    file whose answers are already stored (same digest) adds nothing.

    Raises
    ------
    Invalid
        An unknown student while ``create_students`` is False.
    """
    counts = {"students": len(checked.student_ids), "items": checked.n_items_answered}
    if already_imported(session, checked.digest):
        return StoredResponses(added=0, students_created=0, **counts)
    known = _student_ids(session, checked.student_ids)
    missing = [e for e in checked.student_ids if e not in known]
    if missing and not create_students:
        raise Invalid(f"unknown student {missing[0]}", "file")
    if missing:
        _create_students(session, missing)
        known.update(_student_ids(session, missing))
    student_db = [known[e] for e in checked.student_ids]
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        _copy_rows(session, checked, student_db, now.isoformat())
    else:
        dialect = session.get_bind().dialect
        stored_as = Response.__table__.c.answered_at.type.dialect_impl(dialect).bind_processor(dialect)
        _insert_rows(session, checked, student_db, stored_as(now) if stored_as else now)
    return StoredResponses(added=checked.n_answers, students_created=len(missing), **counts)


def import_responses_file(
    session: Session,
    stream: BinaryIO,
    *,
    on_progress: Callable[[float], None] | None = None,
    on_writing: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Check a whole responses file, then store it in the caller's transaction (not committed).

    Parameters
    ----------
    session : Session
    stream : binary file object
        The file, seekable, at its start.
    on_progress : callable, optional
        Called with the fraction of the file checked.
    on_writing : callable, optional
        Called once the whole file passed, before anything is written.

    Returns
    -------
    dict
        ``added``, ``students``, ``items``, ``students_created``
        (:class:`StoredResponses`).

    Raises
    ------
    FileFormatError
        The file's first problem, naming the line and the column.
    """
    checked = check_responses_file(stream, known_items(session), on_progress=on_progress)
    if on_writing is not None:
        on_writing()
    return store_responses(session, checked).as_report()
