"""The demo school's term so far: eight weeks of teaching, with dated evidence on the objectives taught.

The grade-7 classes have taught ratios and proportional relationships, the
number system and expressions and equations (:data:`TAUGHT`, one objective a
week or so).  Their evidence, dated over the eight weeks:

* a **beginning-of-term diagnostic** eight weeks ago, every taught
  objective, :data:`ITEMS_PER_OBJECTIVE` items each, given on paper and
  imported from the scanner (source ``import``);
* an **adaptive check** on an objective in the week it was taught
  (:data:`CHECK_WEEKS`), for every student of Ms. Rivera's Periods 1-3,
  through the same code path as the pages, then dated to that week;
* a **mid-term benchmark** four days ago on every taught objective,
  imported like the diagnostic.

The estimates are stored after the diagnostic and again after the benchmark
(and by every check's answers), each dated by its evidence, so the band
changes recorded beside them (:mod:`itembank.mastery_history`) trace the term
for the schools' view.

The term itself is an academic session, "Term 1", from a few days before the
diagnostic for :data:`TERM_WEEKS` weeks: the current term of the progress
reports and the report cards.

A student's ability on an objective (:class:`TermStudents`) is their general
ability, a class effect, a deviation of their own on that objective, and a
learning gain that grows over the two weeks after the objective is taught:
the diagnostic finds most students red, the benchmark shows the spread a
teacher sees after teaching.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import insert, update
from sqlmodel import Session, select

from demo import content
from demo.content.generate import objective_slug
from engine.irt.parameters import ItemParameters
from itembank.bank import ItemContent, OperationalBank
from itembank.checks import answer_check, load_check, start_check
from itembank.district import AcademicSession
from itembank.mastery_history import MasteryBandChange
from itembank.mastery_store import store_estimates, student_answers
from itembank.standards import find_standard
from itembank.tables import Check, Mastery, Response, Student, utcnow

__all__ = [
    "TAUGHT",
    "CHECK_WEEKS",
    "TERM_DAYS",
    "TERM_WEEKS",
    "ITEMS_PER_OBJECTIVE",
    "TermStudents",
    "answer_for",
    "seed_term",
]

#: Objectives taught so far, with how many weeks ago each was taught.
TAUGHT: dict[str, float] = {
    "7.RP.A.1": 7.5,
    "7.RP.A.2": 7.0,
    "7.RP.A.3": 6.0,
    "7.NS.A.1": 5.0,
    "7.NS.A.2": 4.0,
    "7.NS.A.3": 3.5,
    "7.EE.A.1": 3.0,
    "7.EE.A.2": 2.5,
    "7.EE.B.3": 1.5,
    "7.EE.B.4": 1.0,
}
#: The objectives Periods 1-3 took adaptive checks on, with the week (weeks ago) of the check.
CHECK_WEEKS: dict[str, float] = {"7.RP.A.2": 6.5, "7.RP.A.3": 5.5, "7.NS.A.1": 4.5, "7.EE.B.4": 0.5}
#: Days from the diagnostic to today.
TERM_DAYS = 56
#: The term's length: it began a few days before the diagnostic.
TERM_WEEKS = 18
#: Items a student answers on each taught objective in the diagnostic and in the benchmark.
ITEMS_PER_OBJECTIVE = 3
_BENCHMARK_DAYS_AGO = 4
_GAIN_WEEKS = 2.0


@dataclass(frozen=True)
class TermStudents:
    """The true abilities of the school's students over the term.

    Attributes
    ----------
    general : ndarray, shape (N,)
        General ability at the start of the term (class effect included).
    deviation : ndarray, shape (N, O)
        Each student's deviation on each taught objective (columns in :data:`TAUGHT` order).
    gain : ndarray, shape (N,)
        How much a student learns from an objective being taught (logits).
    """

    general: np.ndarray
    deviation: np.ndarray
    gain: np.ndarray

    @classmethod
    def draw(cls, class_effects: Sequence[float], per_class: int, rng: np.random.Generator) -> TermStudents:
        """``per_class`` students for each class effect, in class order."""
        effect = np.repeat(np.asarray(class_effects, dtype=float), per_class)
        n = effect.size
        return cls(
            general=effect + rng.normal(0.1, 1.1, n),
            deviation=rng.normal(0.0, 0.45, (n, len(TAUGHT))),
            gain=np.clip(rng.normal(0.9, 0.35, n), 0.1, None),
        )

    def theta(self, student: int, objective: str, weeks_ago: float) -> float:
        """Student ``student``'s ability on a taught ``objective`` ``weeks_ago`` weeks ago."""
        o = list(TAUGHT).index(objective)
        learned = float(np.clip((TAUGHT[objective] - weeks_ago) / _GAIN_WEEKS, 0.0, 1.0))
        return float(self.general[student] + self.deviation[student, o] + self.gain[student] * learned)

    def now(self) -> np.ndarray:
        """General ability today: shape (N,), the start plus the learning gain."""
        return self.general + self.gain


def answer_for(item: ItemContent, correct: bool, rng: np.random.Generator) -> str | list[str] | float:
    """The key, or a wrong answer of the item's form."""
    key = item.key
    if correct:
        return key
    if item.interaction == "single_choice":
        return str(rng.choice([c["id"] for c in item.choices if c["id"] != key]))
    if item.interaction == "multiple_select":
        ids = [c["id"] for c in item.choices]
        wrong = [c for c in ids if c not in key]
        return sorted(set(key[:-1]) | {wrong[0]}) if wrong else key[:-1] or [ids[0]]
    return float(key) + float(rng.choice([-2, -1, 1, 2, 10]))


def _of(code: str, item_id: str) -> bool:
    """Whether a demo item (coded ``7RPA2-0001``) is on the objective ``code``."""
    return item_id.startswith(objective_slug(code) + "-")


def _right(truth: ItemParameters, item_id: str, theta: float, rng: np.random.Generator) -> bool:
    p = truth.pair_probabilities(np.array([theta]), np.array([truth.index_of[item_id]]))[0, 1]
    return bool(rng.random() < p)


def _paper_test(
    session: Session,
    bank: OperationalBank,
    truth: ItemParameters,
    students: list[Student],
    term: TermStudents,
    *,
    name: str,
    when: datetime,
    weeks_ago: float,
    avoid: set[str],
    rng: np.random.Generator,
) -> int:
    """A scanned paper test on every taught objective, imported: its scored answers, dated ``when``."""
    rows = []
    for code in TAUGHT:
        pool = [
            i for i in bank.params.item_ids.tolist() if _of(code, i) and bank.content[i].self_scoring and i not in avoid
        ]
        picks = rng.choice(pool, ITEMS_PER_OBJECTIVE, replace=False).tolist()
        avoid.update(picks)
        for n, student in enumerate(students):
            theta = term.theta(n, code, weeks_ago)
            for k, item_id in enumerate(picks):
                right = _right(truth, item_id, theta, rng)
                at = when + timedelta(minutes=k)
                rows.append(
                    {
                        "dedupe_key": f"demo/{name}/{student.id}/{item_id}",
                        "student_id": student.id,
                        "item_id": item_id,
                        "item_version": 1,
                        "answer": answer_for(bank.content[item_id], right, rng),
                        "score": int(right),
                        "correct": right,
                        "source": "import",
                        "note": name,
                        "answered_at": at,
                        "recorded_at": at,
                    }
                )
    session.execute(insert(Response), rows)
    return len(rows)


def _dated_check(
    session: Session,
    bank: OperationalBank,
    truth: ItemParameters,
    student: Student,
    standard,
    theta: float,
    when: datetime,
    started_by: int,
    dates: list[dict],
    rng: np.random.Generator,
) -> int:
    """An adaptive check through the pages' code path, dated ``when``: its number of answers.

    Its answers' new dates are appended to ``dates`` (written at once by the caller); the
    band changes its answers recorded, and its mastery row, are dated at its end.
    """
    written = utcnow()
    out = start_check(
        session, bank, student_id=student.id, standard=standard, started_by=started_by, seed=int(rng.integers(2**31))
    )
    check_id, item, n = out.check.id, out.item, 0
    while item is not None:
        answer = answer_for(item, _right(truth, item.id, theta, rng), rng)
        item = answer_check(session, bank, load_check(session, check_id), item.id, answer).next_item
        n += 1
    finish = when + timedelta(minutes=n + 1)
    session.execute(update(Check).where(Check.id == check_id).values(started_at=when, finished_at=finish))
    mine = (MasteryBandChange.student_id == student.id, MasteryBandChange.standard_id == standard.id)
    session.execute(
        update(MasteryBandChange).where(*mine, MasteryBandChange.changed_at >= written).values(changed_at=finish)
    )
    session.execute(
        update(Mastery)
        .where(Mastery.student_id == student.id, Mastery.standard_id == standard.id)
        .values(last_assessed=finish)
    )
    ids = session.exec(select(Response.id).where(Response.check_id == check_id).order_by(Response.id)).all()
    for k, response_id in enumerate(ids):
        at = when + timedelta(minutes=k + 1)
        dates.append({"id": response_id, "answered_at": at, "recorded_at": at})
    return n


def _estimate(session: Session, bank: OperationalBank, students: list[Student], objective_ids: list[int]) -> None:
    """Every student's estimate on every taught objective from all their evidence, dated by its latest answer."""
    for student in students:
        session.exec(select(Mastery).where(Mastery.student_id == student.id)).all()  # their rows, loaded at once
        store_estimates(session, bank, student.id, objective_ids, student_answers(session, bank, student.id))
    session.flush()


def seed_term(
    session: Session,
    bank: OperationalBank,
    truth: ItemParameters,
    students: list[Student],
    term: TermStudents,
    *,
    checked: int,
    started_by: int,
    now: datetime,
    avoid: set[str],
    rng: np.random.Generator,
) -> dict:
    """The diagnostic, the weekly checks of the first ``checked`` students and the benchmark (see the module).

    Parameters
    ----------
    students : list of Student
        The school's students, rows of ``term`` in order.
    avoid : set of str
        Items no paper test uses (items flagged for the psychometrician); grows with the items used.

    Returns
    -------
    dict
        ``diagnostic``, ``benchmark`` (answers imported), ``check_answers`` and ``term`` (the academic session's id).
    """
    start = now - timedelta(days=TERM_DAYS)
    first_day = (start - timedelta(days=3)).date()
    academic = AcademicSession(
        title="Term 1", type="term", start_date=first_day, end_date=first_day + timedelta(weeks=TERM_WEEKS)
    )
    session.add(academic)
    diagnostic = _paper_test(
        session,
        bank,
        truth,
        students,
        term,
        name="diagnostic",
        when=start,
        weeks_ago=TERM_DAYS / 7,
        avoid=set(avoid),
        rng=rng,
    )
    taught = [find_standard(session, c, content.FRAMEWORK).id for c in TAUGHT]
    _estimate(session, bank, students, taught)  # the bands after the diagnostic, dated by it
    n_answers, dates = 0, []
    for code, weeks_ago in CHECK_WEEKS.items():
        standard = find_standard(session, code, content.FRAMEWORK)
        day = now - timedelta(weeks=weeks_ago)
        for n, student in enumerate(students[:checked]):
            theta = term.theta(n, code, weeks_ago)
            when = day.replace(hour=9) + timedelta(minutes=3 * n)
            n_answers += _dated_check(session, bank, truth, student, standard, theta, when, started_by, dates, rng)
    session.execute(update(Response), dates)  # by primary key, all at once
    benchmark = _paper_test(
        session,
        bank,
        truth,
        students,
        term,
        name="benchmark",
        when=(now - timedelta(days=_BENCHMARK_DAYS_AGO)).replace(hour=10),
        weeks_ago=_BENCHMARK_DAYS_AGO / 7,
        avoid=set(avoid),
        rng=rng,
    )
    session.flush()
    _estimate(session, bank, students, taught)
    return {"diagnostic": diagnostic, "benchmark": benchmark, "check_answers": n_answers, "term": academic.id}
