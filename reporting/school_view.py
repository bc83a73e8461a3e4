"""The school's and the district's view: mastery by school, grade, course and standard, from the stored mastery.

One aggregate query counts the students in each band per school, grade,
course, class and objective (a student counts once per class they are
enrolled in); everything else is sums over those counts, so the page's cost
grows with schools x classes x standards, not with students.  The standards
most students are red on are the objectives with the largest share of red
among the students assessed on them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from itembank.district import Course, School
from itembank.tables import Enrollment, Mastery, SchoolClass, Standard, Student

__all__ = ["BandCounts", "ClassRow", "StandardRow", "SchoolRow", "DistrictView", "district_view"]

BANDS = ("red", "yellow", "green", "blue")


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


@dataclass
class DistrictView:
    bands: BandCounts
    schools: list[SchoolRow]
    standards: list[StandardRow]
    most_red: list[StandardRow]


def district_view(session: Session, *, school_ids: list[int] | None = None, top: int = 10) -> DistrictView:
    """Band counts of objective mastery per school, grade, course, class and standard.

    Parameters
    ----------
    school_ids : list of int, optional
        Only these schools (default: all).
    top : int
        How many standards to list as the most red.
    """
    m, e, c = Mastery.__table__, Enrollment.__table__, SchoolClass.__table__
    s, st = Standard.__table__, Student.__table__
    stmt = (
        sa_select(c.c.school_id, c.c.id, m.c.standard_id, m.c.band, func.count())
        .select_from(m)
        .join(e, e.c.student_id == m.c.student_id)
        .join(c, c.c.id == e.c.class_id)
        .join(s, s.c.id == m.c.standard_id)
        .join(st, st.c.id == m.c.student_id)
        .where(s.c.level == "objective", ~c.c.retired, ~st.c.retired)
        .group_by(c.c.school_id, c.c.id, m.c.standard_id, m.c.band)
    )
    if school_ids is not None:
        stmt = stmt.where(c.c.school_id.in_(school_ids))
    rows = session.connection().execute(stmt).all()
    class_ids = {r[1] for r in rows}
    classes = (
        {k.id: k for k in session.exec(select(SchoolClass).where(SchoolClass.id.in_(class_ids)))} if class_ids else {}
    )
    course_ids = {k.course_id for k in classes.values() if k.course_id}
    courses = (
        {k.id: k.title for k in session.exec(select(Course).where(Course.id.in_(course_ids)))} if course_ids else {}
    )
    school_names = {k.id: k.name for k in session.exec(select(School))}
    standard_ids = {r[2] for r in rows}
    standards = (
        {k.id: k for k in session.exec(select(Standard).where(Standard.id.in_(standard_ids)))} if standard_ids else {}
    )

    total = BandCounts()
    per_school: dict[int | None, BandCounts] = defaultdict(BandCounts)
    per_grade: dict[int | None, dict[int | None, BandCounts]] = defaultdict(lambda: defaultdict(BandCounts))
    per_course: dict[int | None, dict[str, BandCounts]] = defaultdict(lambda: defaultdict(BandCounts))
    per_class: dict[int, BandCounts] = defaultdict(BandCounts)
    per_standard: dict[int, BandCounts] = defaultdict(BandCounts)
    for school_id, class_id, standard_id, band, n in rows:
        k = classes[class_id]
        course = courses.get(k.course_id, k.subject) if k.course_id else k.subject
        for counts in (
            total,
            per_school[school_id],
            per_grade[school_id][k.grade],
            per_course[school_id][course],
            per_class[class_id],
            per_standard[standard_id],
        ):
            counts.add(band, int(n))
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
            )
        )
    standard_rows = [
        StandardRow(sid, standards[sid].code, standards[sid].title, per_standard[sid])
        for sid in sorted(per_standard, key=lambda i: standards[i].code)
    ]
    most_red = sorted(
        (r for r in standard_rows if r.bands.counts["red"]), key=lambda r: (-r.bands.share("red"), r.code)
    )[:top]
    return DistrictView(total, school_rows, standard_rows, most_red)
