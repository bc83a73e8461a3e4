"""Attempts: a student's work on an assignment, from the first answer to the review.

A student starts an attempt (:func:`start_attempt`): an unfinished one
resumes, never a second copy; a retake follows the assignment's policy
(:mod:`itembank.assignments`).  An adaptive attempt is an adaptive check
(:mod:`itembank.checks`, answered through it) and is submitted when the
check ends.  A form attempt holds the answers the student saves
(:func:`save_answer`), which they may change while moving between the
questions; submitting (:func:`submit_attempt`) scores them with the items'
keys and writes them as responses (``dedupe_key = attempt/<id>/<item>``),
then refreshes the student's mastery on the standards they inform, exactly
as a paper result does (:mod:`itembank.paper_results`).  With ``instant``
feedback an answer is scored as it is saved and cannot change afterwards.

Rubric-scored answers wait for a teacher's score (the scoring queue);
a re-score supersedes the row, and the attempt's outcome follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from engine.adaptive.policy import CatPolicy
from itembank.answers import score_answer
from itembank.assessments import (
    Assignment,
    AssignmentKind,
    AssignmentStudent,
    Attempt,
    AttemptAnswer,
    AttemptMode,
    AttemptStatus,
    FeedbackPolicy,
    RetakeMode,
)
from itembank.assignments import (
    as_utc,
    first_label,
    get_assignment,
    get_recipient,
    is_late,
    window_problem,
)
from itembank.bank import ItemContent, OperationalBank
from itembank.checks import start_check
from itembank.errors import Conflict, Invalid, NotFound
from itembank.forms import form_versions
from itembank.mastery_store import estimate, refresh_mastery
from itembank.responses import record_response
from itembank.tables import Check, CheckStatus, Item, Response, Standard, utcnow

__all__ = [
    "AttemptView",
    "attempt_views",
    "get_attempt",
    "view_of",
    "attempt_items",
    "item_contents",
    "retake_problem",
    "start_attempt",
    "SavedAnswer",
    "save_answer",
    "saved_answers",
    "submit_attempt",
    "write_answer",
    "refresh_student_mastery",
    "attempt_responses",
    "Outcome",
    "attempt_outcome",
    "refuse_closed_check",
    "assigned_check_ids",
]


@dataclass(frozen=True)
class AttemptView:
    """An attempt with its status as it stands (an adaptive one is submitted when its check ended)."""

    attempt: Attempt
    status: str
    submitted_at: datetime | None
    check: Check | None

    @property
    def submitted(self) -> bool:
        return self.status == AttemptStatus.submitted.value


def _view(attempt: Attempt, check: Check | None) -> AttemptView:
    if (
        check is not None
        and attempt.status == AttemptStatus.in_progress.value
        and check.status == CheckStatus.done.value
    ):
        return AttemptView(attempt, AttemptStatus.submitted.value, check.finished_at, check)
    return AttemptView(attempt, attempt.status, attempt.submitted_at, check)


def attempt_views(
    session: Session, assignment_id: int, student_ids: list[int] | None = None
) -> dict[int, list[AttemptView]]:
    """Each student's attempts at the assignment, first first."""
    stmt = select(Attempt, Check).outerjoin(Check, Check.id == Attempt.check_id)
    stmt = stmt.where(Attempt.assignment_id == assignment_id)
    if student_ids is not None:
        stmt = stmt.where(Attempt.student_id.in_(student_ids))
    out: dict[int, list[AttemptView]] = {}
    for attempt, check in session.exec(stmt.order_by(Attempt.student_id, Attempt.number)).all():
        out.setdefault(attempt.student_id, []).append(_view(attempt, check))
    return out


def get_attempt(session: Session, attempt_id: int, *, for_update: bool = False) -> Attempt:
    """The attempt ``attempt_id``; :class:`NotFound` otherwise."""
    stmt = select(Attempt).where(Attempt.id == attempt_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first()
    if row is None:
        raise NotFound(f"no attempt with id {attempt_id}")
    return row


def view_of(session: Session, attempt: Attempt) -> AttemptView:
    """The attempt with its status as it stands."""
    return _view(attempt, None if attempt.check_id is None else session.get(Check, attempt.check_id))


def attempt_items(session: Session, assignment: Assignment, attempt: Attempt) -> list[str]:
    """The items of a form attempt's version, in order (empty for an adaptive attempt)."""
    if attempt.label is None or assignment.form_id is None:
        return []
    return form_versions(session, assignment.form_id).get(attempt.label, [])


def item_contents(session: Session, item_ids: list[str]) -> dict[str, ItemContent]:
    """The items as they are scored now (their current key), by id."""
    rows = session.exec(select(Item).where(Item.id.in_(item_ids))).all() if item_ids else []
    return {row.id: ItemContent.from_row(row) for row in rows}


def _next_label(labels: list[str], previous: str | None) -> str:
    if previous not in labels:
        return labels[0]
    return labels[(labels.index(previous) + 1) % len(labels)]


def retake_problem(
    assignment: Assignment, recipient: AssignmentStudent, views: list[AttemptView], now: datetime
) -> tuple[str | None, bool]:
    """Why the student may not start an attempt now (None: they may), and whether a teacher's offer allows it.

    The first attempt needs the assignment open; a retake also needs a
    retake left and the wait since the last attempt over, unless the
    teacher offered it after that attempt.
    """
    now = as_utc(now)
    problem = window_problem(assignment, recipient, now)
    if problem or not views:
        return problem, False
    last = views[-1]
    offer = recipient.retake_offered_at
    if offer is not None and (last.submitted_at is None or as_utc(offer) > as_utc(last.submitted_at)):
        return None, True
    used = sum(1 for v in views[1:] if not v.attempt.offered)
    if used >= assignment.max_retakes:
        allowed = "no retakes" if assignment.max_retakes == 0 else f"{assignment.max_retakes} retake(s)"
        return f"assignment {assignment.id} allows {allowed}; ask your teacher for another chance", False
    opens = as_utc(last.submitted_at) + timedelta(days=assignment.retake_wait_days)
    if now < opens:
        return (
            f"a retake of assignment {assignment.id} opens on {opens:%Y-%m-%d %H:%M} UTC, "
            f"{assignment.retake_wait_days} day(s) after your last attempt"
        ), False
    return None, False


def start_attempt(
    session: Session,
    bank: OperationalBank,
    assignment: Assignment,
    student_id: int,
    *,
    started_by: int | None = None,
    now: datetime | None = None,
    policy: CatPolicy | None = None,
) -> tuple[Attempt, bool]:
    """The student's unfinished attempt, or a new one; ``(attempt, created)``.

    An adaptive attempt's check runs by ``policy`` (default :data:`itembank.checks.CHECK_POLICY`).

    Raises
    ------
    NotFound
        The assignment did not reach the student.
    Conflict
        Not open now (before it opens, after it closed), no retakes left, or
        a retake before its wait is over (the message says when it opens).
    """
    now = as_utc(now or utcnow())
    recipient = get_recipient(session, assignment.id, student_id)
    views = attempt_views(session, assignment.id, [student_id]).get(student_id, [])
    unfinished = [v for v in views if not v.submitted]
    if unfinished:
        return unfinished[0].attempt, False
    problem, offered = retake_problem(assignment, recipient, views, now)
    if problem:
        raise Conflict(problem)
    number = len(views) + 1
    adaptive = assignment.kind == AssignmentKind.check.value or (
        number > 1 and assignment.retake_mode == RetakeMode.adaptive.value
    )
    label = check_id = None
    if adaptive:
        if assignment.standard_id is None:
            raise Conflict(f"assignment {assignment.id} has no standard to give an adaptive check on")
        standard = session.get(Standard, assignment.standard_id)
        check_id = start_check(
            session, bank, student_id=student_id, standard=standard, started_by=started_by, policy=policy
        ).check.id
    else:
        labels = sorted(form_versions(session, assignment.form_id))
        if number == 1:
            label = recipient.label if recipient.label in labels else first_label(session, assignment.form_id)
        else:
            label = _next_label(labels, views[-1].attempt.label)
    attempt = Attempt(
        assignment_id=assignment.id,
        student_id=student_id,
        number=number,
        mode=AttemptMode.online.value,
        status=AttemptStatus.in_progress.value,
        label=label,
        check_id=check_id,
        offered=offered,
        started_at=now,
    )
    session.add(attempt)
    session.flush()
    return attempt, True


def _open_form_attempt(session: Session, attempt: Attempt, now: datetime) -> Assignment:
    """The attempt's assignment, when the attempt may take answers now."""
    assignment = get_assignment(session, attempt.assignment_id)
    if attempt.check_id is not None:
        raise Conflict(f"attempt {attempt.id} is an adaptive check: answer it through check {attempt.check_id}")
    if attempt.status == AttemptStatus.submitted.value:
        raise Conflict(f"attempt {attempt.id} was submitted; its answers can no longer change")
    problem = window_problem(assignment, get_recipient(session, assignment.id, attempt.student_id), now)
    if problem:
        raise Conflict(problem)
    return assignment


@dataclass(frozen=True)
class SavedAnswer:
    """An answer saved in a form attempt; scored (with its key) only under instant feedback."""

    item_id: str
    answer: Any
    score: int | None = None
    correct: bool | None = None
    scored: bool = False


def saved_answers(session: Session, attempt_id: int) -> dict[str, AttemptAnswer]:
    """The answers saved in an attempt, by item."""
    rows = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
    return {row.item_id: row for row in rows}


def write_answer(
    session: Session,
    attempt: Attempt,
    content: ItemContent,
    answer: Any,
    score: int | None,
    correct: bool | None,
    *,
    answered_at: datetime,
    source: str,
    scored_by: int | None = None,
) -> Response:
    """The response row of an answer in an attempt, linked from its saved answer (flushed)."""
    row = record_response(
        session,
        dedupe_key=f"attempt/{attempt.id}/{content.id}",
        student_id=attempt.student_id,
        item_id=content.id,
        item_version=content.version,
        answer=answer,
        score=score,
        correct=correct,
        source=source,
        answered_at=answered_at,
    )
    if scored_by is not None:
        row.scored_by = scored_by
        session.add(row)
    saved = session.get(AttemptAnswer, (attempt.id, content.id))
    if saved is None:
        saved = AttemptAnswer(attempt_id=attempt.id, item_id=content.id, answer=answer, saved_at=answered_at)
    saved.response_id = row.id
    session.add(saved)
    session.flush()
    return row


def refresh_student_mastery(session: Session, bank: OperationalBank, student_id: int, item_ids: list[str]) -> None:
    """Refresh the student's mastery on every standard above the items (one item per objective)."""
    seen: set[int] = set()
    for item_id in item_ids:
        content = bank.content.get(item_id)
        if content is None or content.objective_id is None or content.objective_id in seen:
            continue
        seen.add(content.objective_id)
        refresh_mastery(session, bank, student_id, item_id)


def save_answer(
    session: Session,
    bank: OperationalBank,
    attempt: Attempt,
    item_id: str,
    answer: Any,
    *,
    now: datetime | None = None,
) -> SavedAnswer:
    """Save (or change) the answer to one question of a form attempt.

    Raises
    ------
    Conflict
        The attempt was submitted or is adaptive, the assignment is closed,
        or (instant feedback) a different answer to a question already
        answered, whose key the student has seen.
    Invalid
        The item is not on the attempt's version.
    InvalidAnswer
        The answer does not fit the item.
    """
    now = as_utc(now or utcnow())
    assignment = _open_form_attempt(session, attempt, now)
    if item_id not in attempt_items(session, assignment, attempt):
        raise Invalid(f"item {item_id} is not a question of this attempt (version {attempt.label})", "item_id")
    content = item_contents(session, [item_id])[item_id]
    scored = score_answer(content, answer)
    saved = session.get(AttemptAnswer, (attempt.id, item_id))
    if assignment.feedback != FeedbackPolicy.instant.value:
        if saved is None:
            saved = AttemptAnswer(attempt_id=attempt.id, item_id=item_id)
        saved.answer, saved.saved_at = scored.answer, now
        session.add(saved)
        session.flush()
        return SavedAnswer(item_id, scored.answer)
    if saved is not None and saved.response_id is not None:
        previous = session.get(Response, saved.response_id)
        if previous.answer != scored.answer:
            raise Conflict(f"question {item_id} was answered and its key shown; the answer can no longer change")
        return SavedAnswer(item_id, previous.answer, previous.score, previous.correct, True)
    row = write_answer(
        session, attempt, content, scored.answer, scored.score, scored.correct, answered_at=now, source="form"
    )
    refresh_student_mastery(session, bank, attempt.student_id, [item_id])
    return SavedAnswer(item_id, row.answer, row.score, row.correct, True)


def submit_attempt(
    session: Session, bank: OperationalBank, attempt: Attempt, *, now: datetime | None = None
) -> Attempt:
    """Hand in a form attempt: its saved answers scored and written, the student's mastery refreshed.

    Submitting again changes nothing.

    Raises
    ------
    Conflict
        The assignment is closed, or the attempt is adaptive (it ends with its check).
    """
    now = as_utc(now or utcnow())
    if attempt.status == AttemptStatus.submitted.value and attempt.check_id is None:
        return attempt
    assignment = _open_form_attempt(session, attempt, now)
    items = attempt_items(session, assignment, attempt)
    contents = item_contents(session, items)
    for item_id, saved in saved_answers(session, attempt.id).items():
        if saved.response_id is not None or item_id not in contents:
            continue
        scored = score_answer(contents[item_id], saved.answer)
        write_answer(
            session,
            attempt,
            contents[item_id],
            scored.answer,
            scored.score,
            scored.correct,
            answered_at=as_utc(saved.saved_at),
            source="form",
        )
    attempt.status = AttemptStatus.submitted.value
    attempt.submitted_at = now
    attempt.late = is_late(assignment, now)
    session.add(attempt)
    session.flush()
    refresh_student_mastery(session, bank, attempt.student_id, items)
    return attempt


def attempt_responses(session: Session, attempt: Attempt) -> dict[str, Response]:
    """The effective response to each answered item of a form attempt (a re-score replaces its row)."""
    prefix = f"attempt/{attempt.id}/"
    rows = session.exec(
        select(Response).where(Response.student_id == attempt.student_id, Response.dedupe_key.startswith(prefix))
    ).all()
    current = {row.item_id: row for row in rows}
    while current:
        newer = session.exec(select(Response).where(Response.supersedes_id.in_([r.id for r in current.values()]))).all()
        if not newer:
            break
        for row in newer:
            current[row.item_id] = row
    return current


@dataclass(frozen=True)
class Outcome:
    """What an attempt shows: points, and the band and P(mastery) on the assignment's standard."""

    points: float | None
    max_points: int | None
    answered: int
    waiting_for_scoring: int
    theta: float | None
    band: str | None
    p_mastery: float | None


def attempt_outcome(
    session: Session, bank: OperationalBank | None, assignment: Assignment, view: AttemptView
) -> Outcome:
    """Points and the estimate on the assignment's standard from this attempt's answers alone.

    An adaptive attempt reports its check's estimate and its right answers
    out of those given.
    """
    if view.check is not None:
        check = view.check
        scores = (check.state or {}).get("scores", [])
        return Outcome(
            float(sum(1 for s in scores if s)),
            len(scores),
            len(scores),
            0,
            check.theta,
            check.band,
            check.p_mastery,
        )
    items = attempt_items(session, assignment, view.attempt)
    contents = item_contents(session, items)
    responses = attempt_responses(session, view.attempt)
    scored = {i: r.score for i, r in responses.items() if r.score is not None}
    waiting = sum(1 for r in responses.values() if r.score is None)
    max_points = sum(contents[i].n_categories - 1 for i in items if i in contents)
    theta = band = p = None
    if bank is not None and assignment.standard_id is not None and view.submitted:
        answers = {i: s for i, s in scored.items() if i in bank.params.index_of}
        if answers:
            est = estimate(bank, assignment.standard_id, answers)
            if est.n_evidence:
                theta, band, p = est.theta, est.band, est.p_mastery
    points = float(sum(scored.values())) if view.submitted else None
    return Outcome(points, max_points, len(responses), waiting, theta, band, p)


def refuse_closed_check(session: Session, check_id: int, now: datetime | None = None) -> None:
    """Refuse an answer to a check given by an assignment whose window has ended for the student.

    Raises
    ------
    Conflict
        The check is an attempt at an assignment now closed for its student.
    """
    attempt = session.exec(select(Attempt).where(Attempt.check_id == check_id)).first()
    if attempt is None:
        return
    assignment = get_assignment(session, attempt.assignment_id)
    problem = window_problem(assignment, get_recipient(session, assignment.id, attempt.student_id), now or utcnow())
    if problem:
        raise Conflict(problem)


def assigned_check_ids(session: Session, student_id: int) -> set[int]:
    """The student's checks that are attempts at assignments (the rest they started on their own)."""
    stmt = select(Attempt.check_id).where(Attempt.student_id == student_id, Attempt.check_id.is_not(None))
    return set(session.exec(stmt).all())
