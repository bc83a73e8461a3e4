"""The school's and the district's view: mastery by school, grade, course and standard, from the stored mastery.

The counts come from the counts by band the database keeps beside the
stored mastery (:mod:`itembank.mastery_history`): per class, its students'
counts of objectives in each band summed (a student counts once per class
they are enrolled in), then summed per grade, course and school; per
objective, its students in each band (each student once).  So the page's cost
grows with enrollments and objectives, not with students x standards.  The
standards most students are red on are the objectives with the largest share
of red among the students assessed on them.

How the bands moved over the term (:class:`Movement`) comes from the
recorded band changes (:class:`~itembank.mastery_history.MasteryBandChange`):
the counts at an earlier moment are the current counts with the changes since
then undone, counted per class like the current ones and per week of the term
in one more query, so that cost grows with the term's changes, not with
students x standards.  The term is the current academic session
(:func:`itembank.report_cards.report_term`), else the last
:data:`FALLBACK_DAYS` days.  Enrollments are today's: a student who joined a
class this term counts in it at the term's start too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import numpy as np
from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from itembank.district import Course, School
from itembank.mastery_history import MasteryBandChange, MasteryStandardCount, MasteryStudentCount
from itembank.report_cards import report_term
from itembank.tables import Enrollment, Mastery, SchoolClass, Standard, Student, utcnow

__all__ = [
    "BandCounts",
    "Movement",
    "TermSpan",
    "ClassRow",
    "StandardRow",
    "SchoolRow",
    "DistrictView",
    "district_view",
    "term_span",
]

BANDS = ("red", "yellow", "green", "blue")
#: The period shown when no academic session is current or past.
FALLBACK_DAYS = 90


@dataclass
class BandCounts:
    """Students (per standard) in each band."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))

    def add(self, band: str, n: int) -> None:
        self.counts[band] = self.counts.get(band, 0) + n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, band: str) -> float:
        return self.counts.get(band, 0) / self.total if self.total else 0.0


@dataclass(frozen=True)
class TermSpan:
    """The period the movement covers: the term's first day to now (or the term's end, when it is over)."""

    title: str
    start: datetime
    end: datetime


@dataclass
class Movement:
    """Band counts at the term's start, at the start of each later week, and now (``at[k]`` on ``days[k]``)."""

    days: list[datetime]
    at: list[BandCounts]

    @property
    def start(self) -> BandCounts:
        return self.at[0]

    @property
    def now(self) -> BandCounts:
        return self.at[-1]


@dataclass
class ClassRow:
    class_id: int
    name: str
    course: str
    grade: int | None
    bands: BandCounts


@dataclass
class StandardRow:
    standard_id: int
    code: str
    title: str
    bands: BandCounts


@dataclass
class SchoolRow:
    school_id: int | None
    name: str
    bands: BandCounts
    by_grade: dict[int | None, BandCounts]
    by_course: dict[str, BandCounts]
    classes: list[ClassRow]
    movement: Movement
    grade_movement: dict[int | None, Movement]
    course_movement: dict[str, Movement]


@dataclass
class DistrictView:
    bands: BandCounts
    schools: list[SchoolRow]
    standards: list[StandardRow]
    most_red: list[StandardRow]
    term: TermSpan
    movement: Movement


def term_span(session: Session, now: datetime) -> TermSpan:
    """The current academic session (:func:`~itembank.report_cards.report_term`) up to ``now``, else the last 90 days."""
    term = report_term(session, None, now.date())
    if term is None:
        return TermSpan(f"The last {FALLBACK_DAYS} days", now - timedelta(days=FALLBACK_DAYS), now)
    start = datetime.combine(term.start_date, time(), tzinfo=UTC)
    return TermSpan(
        term.title, start, min(now, datetime.combine(term.end_date + timedelta(days=1), time(), tzinfo=UTC))
    )


def _weeks(span: TermSpan) -> list[datetime]:
    """The term's start, the start of each later week, and its end."""
    days, day = [], span.start
    while day < span.end:
        days.append(day)
        day += timedelta(weeks=1)
    return [*days, span.end] if days else [span.start, span.end]


def _joined(source, school_ids: list[int] | None):
    """Rows of ``source`` (with ``student_id`` and ``standard_id``) on objectives, once per class of the student."""
    e, c = Enrollment.__table__, SchoolClass.__table__
    s, st = Standard.__table__, Student.__table__
    stmt = (
        sa_select()
        .select_from(source)
        .join(e, e.c.student_id == source.c.student_id)
        .join(c, c.c.id == e.c.class_id)
        .join(s, s.c.id == source.c.standard_id)
        .join(st, st.c.id == source.c.student_id)
        .where(s.c.level == "objective", ~c.c.retired, ~st.c.retired)
    )
    return stmt if school_ids is None else stmt.where(c.c.school_id.in_(school_ids))


def _class_counts(session: Session, school_ids: list[int] | None) -> list:
    """(school, class, band, results) from the students' counts by band (:class:`MasteryStudentCount`)."""
    k, e, c, st = MasteryStudentCount.__table__, Enrollment.__table__, SchoolClass.__table__, Student.__table__
    stmt = (
        sa_select(c.c.school_id, c.c.id, k.c.band, func.sum(k.c.n))
        .select_from(e)
        .join(c, c.c.id == e.c.class_id)
        .join(st, st.c.id == e.c.student_id)
        .join(k, k.c.student_id == e.c.student_id)
        .where(~c.c.retired, ~st.c.retired, k.c.n != 0)
        .group_by(c.c.school_id, c.c.id, k.c.band)
    )
    if school_ids is not None:
        stmt = stmt.where(c.c.school_id.in_(school_ids))
    return session.connection().execute(stmt).all()


def _standard_counts(session: Session, school_ids: list[int] | None) -> dict[int, BandCounts]:
    """Per objective, its students in each band: each student once.

    The whole district's come from the kept counts (:class:`MasteryStandardCount`)
    less the retired students' rows; some schools' from their students' stored rows.
    """
    m, s, st = Mastery.__table__, Standard.__table__, Student.__table__
    out: dict[int, BandCounts] = defaultdict(BandCounts)
    conn = session.connection()
    on_objectives = (
        sa_select(m.c.standard_id, m.c.band, func.count())
        .select_from(m)
        .join(s, s.c.id == m.c.standard_id)
        .join(st, st.c.id == m.c.student_id)
        .where(s.c.level == "objective")
        .group_by(m.c.standard_id, m.c.band)
    )
    if school_ids is None:
        k = MasteryStandardCount.__table__
        kept = sa_select(k.c.standard_id, k.c.band, func.sum(k.c.n)).group_by(k.c.standard_id, k.c.band)
        for sid, band, n in conn.execute(kept):
            out[sid].add(band, int(n))
        retired = conn.execute(sa_select(st.c.id).where(st.c.retired)).scalars().all()
        for sid, band, n in conn.execute(on_objectives.where(m.c.student_id.in_(retired))) if retired else ():
            out[sid].add(band, -int(n))
        return out
    e, c = Enrollment.__table__, SchoolClass.__table__
    theirs = (
        sa_select(e.c.student_id).join(c, c.c.id == e.c.class_id).where(c.c.school_id.in_(school_ids), ~c.c.retired)
    )
    for sid, band, n in conn.execute(on_objectives.where(~st.c.retired, m.c.student_id.in_(theirs))):
        out[sid].add(band, int(n))
    return out


def _undo(session: Session, school_ids: list[int] | None, days: list[datetime]) -> dict[int, np.ndarray]:
    """Per class, the counts each week's band changes moved, to be undone: (days, bands) arrays.

    ``out[class][j]`` adds the old band and takes away the new one of every
    change in ``(days[j], days[j+1]]`` (the last row: after ``days[-1]``),
    so the counts at ``days[k]`` are the current ones plus the rows ``j >= k``.
    """
    ch, c = MasteryBandChange.__table__, SchoolClass.__table__
    week = case(*((ch.c.changed_at <= day, j) for j, day in enumerate(days[1:])), else_=len(days) - 1)
    stmt = (
        _joined(ch, school_ids)
        .add_columns(c.c.id, week, ch.c.old_band, ch.c.new_band, func.count())
        .where(ch.c.changed_at > days[0])
        .group_by(c.c.id, week, ch.c.old_band, ch.c.new_band)
    )
    column = {band: n for n, band in enumerate(BANDS)}
    out: dict[int, np.ndarray] = {}
    for class_id, j, old, new, n in session.connection().execute(stmt):
        rows = out.get(class_id)
        if rows is None:
            rows = out[class_id] = np.zeros((len(days), len(BANDS)), dtype=np.int64)
        if old in column:
            rows[j, column[old]] += n
        if new in column:
            rows[j, column[new]] -= n
    return out


def _movement(now: BandCounts, undo: np.ndarray | None, days: list[datetime]) -> np.ndarray:
    """A class's counts at each of ``days`` (rows) in each band (columns)."""
    current = np.array([now.counts.get(band, 0) for band in BANDS], dtype=np.int64)
    if undo is None:
        return np.tile(current, (len(days), 1))
    return current + np.cumsum(undo[::-1], axis=0)[::-1]


def _summed(days: list[datetime], parts: list[np.ndarray]) -> Movement:
    total = np.sum(parts, axis=0) if parts else np.zeros((len(days), len(BANDS)), dtype=np.int64)
    return Movement(list(days), [BandCounts(dict(zip(BANDS, map(int, row)))) for row in total])


def district_view(
    session: Session, *, school_ids: list[int] | None = None, top: int = 10, now: datetime | None = None
) -> DistrictView:
    """Band counts of objective mastery per school, grade, course, class and standard, and their movement.

    Parameters
    ----------
    school_ids : list of int, optional
        Only these schools (default: all).
    top : int
        How many standards to list as the most red.
    now : datetime, optional
        The present (default: the clock); the term is the one containing it.
    """
    rows = _class_counts(session, school_ids)
    by_standard = _standard_counts(session, school_ids)
    span = term_span(session, now or utcnow())
    days = _weeks(span)
    undo = _undo(session, school_ids, days)
    class_ids = {r[1] for r in rows}
    classes = (
        {k.id: k for k in session.exec(select(SchoolClass).where(SchoolClass.id.in_(class_ids)))} if class_ids else {}
    )
    course_ids = {k.course_id for k in classes.values() if k.course_id}
    courses = (
        {k.id: k.title for k in session.exec(select(Course).where(Course.id.in_(course_ids)))} if course_ids else {}
    )
    school_names = {k.id: k.name for k in session.exec(select(School))}
    standard_ids = set(by_standard)
    standards = (
        {k.id: k for k in session.exec(select(Standard).where(Standard.id.in_(standard_ids)))} if standard_ids else {}
    )

    def course_of(k: SchoolClass) -> str:
        return courses.get(k.course_id, k.subject) if k.course_id else k.subject

    total = BandCounts()
    per_school: dict[int | None, BandCounts] = defaultdict(BandCounts)
    per_grade: dict[int | None, dict[int | None, BandCounts]] = defaultdict(lambda: defaultdict(BandCounts))
    per_course: dict[int | None, dict[str, BandCounts]] = defaultdict(lambda: defaultdict(BandCounts))
    per_class: dict[int, BandCounts] = defaultdict(BandCounts)
    for school_id, class_id, band, n in rows:
        k = classes[class_id]
        course = course_of(k)
        for counts in (
            total,
            per_school[school_id],
            per_grade[school_id][k.grade],
            per_course[school_id][course],
            per_class[class_id],
        ):
            counts.add(band, int(n))
    moved = {cid: _movement(b, undo.get(cid), days) for cid, b in per_class.items()}
    school_rows = []
    for school_id in sorted(per_school, key=lambda i: school_names.get(i, "") if i is not None else "~"):
        mine = [
            ClassRow(
                cid,
                classes[cid].name,
                courses.get(classes[cid].course_id, classes[cid].subject),
                classes[cid].grade,
                per_class[cid],
            )
            for cid in sorted(per_class, key=lambda i: classes[i].name)
            if classes[cid].school_id == school_id
        ]
        school_rows.append(
            SchoolRow(
                school_id,
                school_names.get(school_id, "No school") if school_id is not None else "No school",
                per_school[school_id],
                dict(sorted(per_grade[school_id].items(), key=lambda kv: (kv[0] is None, kv[0] or 0))),
                dict(sorted(per_course[school_id].items())),
                mine,
                _summed(days, [moved[k.class_id] for k in mine]),
                {
                    grade: _summed(days, [moved[k.class_id] for k in mine if k.grade == grade])
                    for grade in per_grade[school_id]
                },
                {
                    course: _summed(days, [moved[k.class_id] for k in mine if course_of(classes[k.class_id]) == course])
                    for course in per_course[school_id]
                },
            )
        )
    standard_rows = [
        StandardRow(sid, standards[sid].code, standards[sid].title, by_standard[sid])
        for sid in sorted(by_standard, key=lambda i: standards[i].code)
        if by_standard[sid].total
    ]
    most_red = sorted(
        (r for r in standard_rows if r.bands.counts["red"]), key=lambda r: (-r.bands.share("red"), r.code)
    )[:top]
    return DistrictView(total, school_rows, standard_rows, most_red, span, _summed(days, list(moved.values())))
