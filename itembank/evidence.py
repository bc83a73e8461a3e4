"""A student's evidence as sittings: the checks and assessments behind their mastery, with dates.

A *sitting* is one occasion of evidence: an adaptive check, an attempt at an
assignment (online or on paper), or, for answers that belong to neither (an
imported file, a re-score), the answers of one kind on one day.  Only
effective scored answers count (no answer a re-score replaced, none awaiting
a rubric score), as in the mastery estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, select
from sqlmodel import Session

from itembank.assessments import Assignment, Attempt, AttemptAnswer
from itembank.tables import Check, Item, Response

__all__ = ["Answer", "Sitting", "student_sittings"]


@dataclass(frozen=True)
class Answer:
    """One scored answer of a sitting."""

    item_id: str
    objective_id: int | None
    score: int
    max_score: int
    answered_at: datetime


@dataclass
class Sitting:
    """One occasion of evidence and its answers.

    Attributes
    ----------
    kind : str
        ``check``, ``assessment``, ``paper``, or the answers' source
        (``import``, ``rescore``, ...) for answers of neither.
    title : str
        The assignment's title, ``""`` for a practice check or loose answers.
    check_standard_id : int or None
        The standard a check was on.
    """

    student_id: int
    kind: str
    title: str
    check_id: int | None
    check_standard_id: int | None
    answers: list[Answer] = field(default_factory=list)

    @property
    def when(self) -> datetime:
        """Time of the sitting's last answer."""
        return max(a.answered_at for a in self.answers)


def student_sittings(session: Session, student_ids: Sequence[int]) -> list[Sitting]:
    """The students' sittings, oldest first.

    Parameters
    ----------
    student_ids : sequence of int, shape (N,)

    Returns
    -------
    list of Sitting
        Each with at least one answer, ordered by time of the last answer.
    """
    if not student_ids:
        return []
    r = Response.__table__
    newer = r.alias("newer")
    aa = AttemptAnswer.__table__
    at = Attempt.__table__
    asg = Assignment.__table__
    item = Item.__table__
    chk = Check.__table__
    check_attempt = at.alias("check_attempt")
    check_assignment = asg.alias("check_assignment")
    stmt = (
        select(
            r.c.student_id,
            r.c.item_id,
            r.c.score,
            r.c.answered_at,
            r.c.source,
            r.c.check_id,
            chk.c.standard_id,
            item.c.objective_id,
            item.c.n_categories,
            at.c.id,
            at.c.mode,
            asg.c.title,
            check_assignment.c.title,
        )
        .select_from(r)
        .join(item, item.c.id == r.c.item_id)
        .outerjoin(chk, chk.c.id == r.c.check_id)
        .outerjoin(aa, aa.c.response_id == r.c.id)
        .outerjoin(at, at.c.id == aa.c.attempt_id)
        .outerjoin(asg, asg.c.id == at.c.assignment_id)
        .outerjoin(check_attempt, check_attempt.c.check_id == r.c.check_id)
        .outerjoin(check_assignment, check_assignment.c.id == check_attempt.c.assignment_id)
        .where(
            r.c.student_id.in_(list(student_ids)),
            r.c.score.is_not(None),
            ~exists().where(newer.c.supersedes_id == r.c.id),
        )
        .order_by(r.c.answered_at, r.c.id)
    )
    sittings: dict[tuple, Sitting] = {}
    for row in session.connection().execute(stmt):
        (student, item_id, score, when, source, check_id, check_std, objective, k, attempt_id, mode, title, ctitle) = (
            row
        )
        if check_id is not None:
            key: tuple = (student, "check", check_id)
            kind, name = ("assessment", ctitle) if ctitle else ("check", "")
        elif attempt_id is not None:
            key = (student, "attempt", attempt_id)
            kind, name = ("paper" if mode == "paper" else "assessment"), title or ""
        else:
            key = (student, source, when.date())
            kind, name = source, ""
        sitting = sittings.get(key)
        if sitting is None:
            sitting = sittings[key] = Sitting(student, kind, name, check_id, check_std)
        sitting.answers.append(Answer(item_id, objective, int(score), int(k) - 1, when))
    return sorted(sittings.values(), key=lambda s: s.when)
