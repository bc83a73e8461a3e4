"""Assignments: what a teacher gives to classes or students, when, and with which policies.

An assignment gives an adaptive check on a standard, a form, or morning
work (each tier's items to that tier's students: a form whose versions are
the tiers).  It reaches the students of the classes named (as enrolled
when it is made) and the students named one by one; every recipient has a
row (:class:`~itembank.assessments.AssignmentStudent`).

When
    It opens at ``opens_at``; work after ``due_at`` is marked late, or
    refused when late work is not allowed; it closes at ``closes_at``, or
    when the teacher closes it.  A teacher may extend it for everyone or
    reopen it for one student (:func:`reopen_for_student`), whose own
    closing time then replaces the assignment's.
Feedback
    ``instant`` (after each answer: the formative practice of a check),
    ``on_submit`` or ``on_close``: only once the assignment has closed for
    every student it reached (:func:`feedback_released`), as common
    assessments hold their key until every class has taken them.  An
    adaptive check gives feedback after each answer by design, so a check
    is assigned with ``instant`` feedback.
Retakes
    Up to ``max_retakes`` retakes, each at least ``retake_wait_days`` after
    the previous attempt, on the form's next parallel version or as an
    adaptive check on its standard; a teacher may offer a student one more
    retake at any time (:func:`offer_retakes`), which needs no wait (and
    reopens the assignment for that student for :data:`RETAKE_OFFER_DAYS`
    days when it had closed).

Free practice (checks a student starts outside assignments) is a class's
setting (:func:`set_free_practice`, :func:`free_practice_allowed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from itembank.assessments import (
    AssessmentForm,
    Assignment,
    AssignmentClass,
    AssignmentKind,
    AssignmentStudent,
    ClassSetting,
    FeedbackPolicy,
    FormPurpose,
    RetakeMode,
)
from itembank.bank import OperationalBank
from itembank.errors import Invalid, NotFound
from itembank.forms import create_form, form_versions, lock_form
from itembank.morning import plan_morning_work
from itembank.people import class_student_ids, get_class, get_student
from itembank.tables import Enrollment, SchoolClass, Standard, utcnow

__all__ = [
    "RETAKE_OFFER_DAYS",
    "MAX_RETAKES",
    "MAX_WAIT_DAYS",
    "RetakePolicy",
    "AssignmentSpec",
    "as_utc",
    "create_assignment",
    "get_assignment",
    "recipients",
    "get_recipient",
    "assignment_class_ids",
    "student_deadline",
    "window_problem",
    "is_late",
    "feedback_released",
    "close_assignment",
    "extend_assignment",
    "reopen_for_student",
    "offer_retakes",
    "set_free_practice",
    "free_practice",
    "free_practice_allowed",
    "assignments_of_student",
    "first_label",
]

#: Days a retake offered after the assignment closed keeps it open for the student.
RETAKE_OFFER_DAYS = 7
#: Most retakes a policy allows, and the longest wait between attempts.
MAX_RETAKES = 10
MAX_WAIT_DAYS = 365


def as_utc(moment: datetime) -> datetime:
    """``moment`` as timezone-aware UTC (a naive time is taken to be UTC, as the database does)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class RetakePolicy:
    """Retakes a student may take on their own, the wait between attempts, and what a retake gives."""

    max_retakes: int = 0
    wait_days: int = 0
    mode: str = RetakeMode.parallel.value


@dataclass(frozen=True)
class AssignmentSpec:
    """What a teacher asks for (checked by :func:`create_assignment`)."""

    kind: str
    title: str
    standard: Standard | None = None
    form: AssessmentForm | None = None
    class_ids: tuple[int, ...] = ()
    student_ids: tuple[int, ...] = ()
    opens_at: datetime | None = None
    due_at: datetime | None = None
    closes_at: datetime | None = None
    late_allowed: bool = True
    feedback: str = FeedbackPolicy.on_submit.value
    retakes: RetakePolicy = RetakePolicy()
    items_per_tier: int = 3


def _check_times(opens: datetime, due: datetime | None, closes: datetime | None) -> None:
    if due is not None and due < opens:
        raise Invalid("due_at must not be before opens_at", "due_at")
    if closes is not None and closes < opens:
        raise Invalid("closes_at must not be before opens_at", "closes_at")
    if closes is not None and due is not None and closes < due:
        raise Invalid("closes_at must not be before due_at", "closes_at")


def _check_policy(spec: AssignmentSpec) -> None:
    kinds = {k.value for k in AssignmentKind}
    if spec.kind not in kinds:
        raise Invalid(f"kind must be one of {', '.join(sorted(kinds))}", "kind")
    if spec.feedback not in {f.value for f in FeedbackPolicy}:
        raise Invalid("feedback must be instant, on_submit or on_close", "feedback")
    policy = spec.retakes
    if not 0 <= policy.max_retakes <= MAX_RETAKES:
        raise Invalid(f"retakes.max must lie in 0..{MAX_RETAKES}", "retakes")
    if not 0 <= policy.wait_days <= MAX_WAIT_DAYS:
        raise Invalid(f"retakes.wait_days must lie in 0..{MAX_WAIT_DAYS}", "retakes")
    if policy.mode not in {m.value for m in RetakeMode}:
        raise Invalid("retakes.mode must be parallel or adaptive", "retakes")
    if spec.kind in (AssignmentKind.check.value, AssignmentKind.morning_work.value) and spec.standard is None:
        raise Invalid(f"a {spec.kind.replace('_', ' ')} assignment needs a standard", "standard")
    if spec.kind == AssignmentKind.check.value and spec.feedback != FeedbackPolicy.instant.value:
        raise Invalid(
            "an adaptive check gives feedback after every answer, so its feedback is 'instant'; "
            "give a form to hold the key until submit or close",
            "feedback",
        )
    if spec.kind == AssignmentKind.form.value:
        if spec.form is None:
            raise Invalid("a form assignment needs form_id", "form_id")
        if policy.mode == RetakeMode.adaptive.value and spec.form.standard_id is None:
            raise Invalid("adaptive retakes need a form on one standard; this form has none", "retakes")
    elif spec.form is not None:
        raise Invalid(f"a {spec.kind.replace('_', ' ')} assignment takes no form_id", "form_id")
    if spec.kind == AssignmentKind.morning_work.value and not 1 <= spec.items_per_tier <= 10:
        raise Invalid("items_per_tier must lie in 1..10", "items_per_tier")
    if not spec.class_ids and not spec.student_ids:
        raise Invalid("name the classes (class_ids) or the students (student_ids) to give it to", "class_ids")


def _student_classes(session: Session, student_ids: list[int], teacher_id: int | None) -> dict[int, int | None]:
    """The class each student is reached through: one the teacher teaches when there is one."""
    if not student_ids:
        return {}
    stmt = (
        select(Enrollment.student_id, Enrollment.class_id, SchoolClass.teacher_id)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(Enrollment.student_id.in_(student_ids), SchoolClass.retired == False)  # noqa: E712
        .order_by(Enrollment.class_id)
    )
    out: dict[int, int | None] = {s: None for s in student_ids}
    for student_id, class_id, lead in session.exec(stmt).all():
        if out[student_id] is None or (teacher_id is not None and lead == teacher_id):
            out[student_id] = class_id
    return out


def create_assignment(
    session: Session,
    bank: OperationalBank,
    spec: AssignmentSpec,
    *,
    teacher_id: int | None,
    created_by: int | None,
    now: datetime | None = None,
) -> Assignment:
    """Give ``spec`` to its classes and students (flushed, not committed).

    A form is locked (it can no longer change); morning work makes the
    tiers' form from the recipients' current mastery.

    Raises
    ------
    Invalid
        A rule of :class:`AssignmentSpec` broken (the message names the field).
    NotFound
        An unknown class or student.
    """
    now = as_utc(now or utcnow())
    _check_policy(spec)
    opens = as_utc(spec.opens_at) if spec.opens_at else now
    due = as_utc(spec.due_at) if spec.due_at else None
    closes = as_utc(spec.closes_at) if spec.closes_at else None
    _check_times(opens, due, closes)
    reached: dict[int, int | None] = {}
    for class_id in dict.fromkeys(spec.class_ids):
        get_class(session, class_id)
        for student_id in class_student_ids(session, class_id):
            reached.setdefault(student_id, class_id)
    named = [s for s in dict.fromkeys(spec.student_ids) if s not in reached]
    for student_id in named:
        get_student(session, student_id)
    reached.update(_student_classes(session, named, teacher_id))
    if not reached:
        raise Invalid("the classes named have no students", "class_ids")
    if spec.kind == AssignmentKind.check.value and not bank.objectives_under(spec.standard.id):
        raise Invalid(f"standard {spec.standard.code} has no self-scoring items in the live bank", "standard")
    form = spec.form
    labels: dict[int, str] = {}
    if spec.kind == AssignmentKind.morning_work.value:
        students = sorted(reached)
        tiers = plan_morning_work(session, bank, spec.standard, students, spec.items_per_tier)
        versions = {t.band: [i.id for i in t.items] for t in tiers if t.students and t.items}
        form = create_form(
            session,
            title=spec.title,
            versions=versions,
            purpose=FormPurpose.morning_work.value,
            standard_id=spec.standard.id,
            owner_teacher_id=teacher_id,
            created_by=created_by,
        )
        labels = {sid: t.band for t in tiers if t.band in versions for sid, _, _ in t.students}
    standard_id = spec.standard.id if spec.standard is not None else (form.standard_id if form else None)
    row = Assignment(
        title=spec.title,
        kind=spec.kind,
        standard_id=standard_id,
        form_id=None if form is None else form.id,
        opens_at=opens,
        due_at=due,
        closes_at=closes,
        late_allowed=spec.late_allowed,
        feedback=spec.feedback,
        max_retakes=spec.retakes.max_retakes,
        retake_wait_days=spec.retakes.wait_days,
        retake_mode=spec.retakes.mode,
        teacher_id=teacher_id,
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    if form is not None:
        lock_form(session, form, now)
    for class_id in dict.fromkeys(spec.class_ids):
        session.add(AssignmentClass(assignment_id=row.id, class_id=class_id))
    for student_id, class_id in reached.items():
        session.add(
            AssignmentStudent(
                assignment_id=row.id,
                student_id=student_id,
                class_id=class_id,
                label=labels.get(student_id),
                added_at=now,
            )
        )
    session.flush()
    return row


def get_assignment(session: Session, assignment_id: int, *, for_update: bool = False) -> Assignment:
    """The assignment ``assignment_id``; :class:`NotFound` otherwise."""
    stmt = select(Assignment).where(Assignment.id == assignment_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first()
    if row is None:
        raise NotFound(f"no assignment with id {assignment_id}")
    return row


def recipients(session: Session, assignment_id: int) -> list[AssignmentStudent]:
    """Every student the assignment reached, in student id order."""
    stmt = (
        select(AssignmentStudent)
        .where(AssignmentStudent.assignment_id == assignment_id)
        .order_by(AssignmentStudent.student_id)
    )
    return list(session.exec(stmt).all())


def get_recipient(session: Session, assignment_id: int, student_id: int) -> AssignmentStudent:
    """The student's row of the assignment; :class:`NotFound` when it did not reach them."""
    row = session.get(AssignmentStudent, (assignment_id, student_id))
    if row is None:
        raise NotFound(f"assignment {assignment_id} was not given to student {student_id}")
    return row


def assignment_class_ids(session: Session, assignment_id: int) -> list[int]:
    """The classes the assignment was given to (by class), in id order."""
    stmt = select(AssignmentClass.class_id).where(AssignmentClass.assignment_id == assignment_id)
    return list(session.exec(stmt.order_by(AssignmentClass.class_id)).all())


def student_deadline(assignment: Assignment, recipient: AssignmentStudent) -> datetime | None:
    """When the student's window ends (None: it stays open until the teacher closes it)."""
    if recipient.closes_at is not None:
        return as_utc(recipient.closes_at)
    if assignment.closed_at is not None:
        return as_utc(assignment.closed_at)
    ends = None if assignment.closes_at is None else as_utc(assignment.closes_at)
    if not assignment.late_allowed and assignment.due_at is not None:
        due = as_utc(assignment.due_at)
        ends = due if ends is None else min(ends, due)
    return ends


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def window_problem(assignment: Assignment, recipient: AssignmentStudent, now: datetime) -> str | None:
    """Why the student cannot work on the assignment now (None: they can)."""
    now = as_utc(now)
    if now < as_utc(assignment.opens_at):
        return f"assignment {assignment.id} opens on {_when(as_utc(assignment.opens_at))}"
    ends = student_deadline(assignment, recipient)
    if ends is not None and now >= ends:
        late = "" if assignment.late_allowed or assignment.due_at is None else " (late work is not accepted)"
        return f"assignment {assignment.id} closed on {_when(ends)}{late}"
    return None


def is_late(assignment: Assignment, now: datetime) -> bool:
    """Whether work handed in at ``now`` is late."""
    return assignment.due_at is not None and as_utc(now) > as_utc(assignment.due_at)


def feedback_released(
    assignment: Assignment, everyone: list[AssignmentStudent], *, submitted: bool, now: datetime
) -> bool:
    """Whether a student sees the key and rationale of what they answered.

    Parameters
    ----------
    assignment : Assignment
    everyone : list of AssignmentStudent
        Every recipient (``on_close`` waits until the window of each has ended).
    submitted : bool
        Whether the attempt looked at was submitted.
    now : datetime
    """
    if assignment.feedback == FeedbackPolicy.instant.value:
        return True
    if assignment.feedback == FeedbackPolicy.on_submit.value:
        return submitted
    now = as_utc(now)
    ends = [student_deadline(assignment, r) for r in everyone]
    return submitted and all(e is not None and e <= now for e in ends)


def close_assignment(session: Session, assignment: Assignment, now: datetime | None = None) -> Assignment:
    """Close the assignment for everyone now (undoing any student's later closing time)."""
    now = as_utc(now or utcnow())
    assignment.closed_at = now
    session.add(assignment)
    for row in recipients(session, assignment.id):
        if row.closes_at is not None and as_utc(row.closes_at) > now:
            row.closes_at = now
            session.add(row)
    session.flush()
    return assignment


def extend_assignment(
    session: Session,
    assignment: Assignment,
    *,
    due_at: datetime | None,
    closes_at: datetime | None,
    late_allowed: bool | None = None,
) -> Assignment:
    """New due and closing times for everyone; an assignment closed by hand opens again."""
    due = as_utc(due_at) if due_at else assignment.due_at
    closes = as_utc(closes_at) if closes_at else assignment.closes_at
    _check_times(as_utc(assignment.opens_at), due and as_utc(due), closes and as_utc(closes))
    assignment.due_at, assignment.closes_at = due, closes
    if late_allowed is not None:
        assignment.late_allowed = late_allowed
    assignment.closed_at = None
    session.add(assignment)
    session.flush()
    return assignment


def reopen_for_student(
    session: Session, assignment: Assignment, student_id: int, closes_at: datetime, now: datetime | None = None
) -> AssignmentStudent:
    """Open the assignment for one student until ``closes_at``.

    Raises
    ------
    Invalid
        ``closes_at`` is not in the future.
    """
    now = as_utc(now or utcnow())
    until = as_utc(closes_at)
    if until <= now:
        raise Invalid("closes_at must be in the future", "closes_at")
    row = get_recipient(session, assignment.id, student_id)
    row.closes_at = until
    session.add(row)
    session.flush()
    return row


def offer_retakes(
    session: Session, assignment: Assignment, student_ids: list[int], now: datetime | None = None
) -> list[AssignmentStudent]:
    """Offer each student one more retake now (no wait; reopened for a while when closed)."""
    now = as_utc(now or utcnow())
    rows = []
    for student_id in dict.fromkeys(student_ids):
        row = get_recipient(session, assignment.id, student_id)
        row.retake_offered_at = now
        ends = student_deadline(assignment, row)
        if ends is not None and ends <= now:
            row.closes_at = now + timedelta(days=RETAKE_OFFER_DAYS)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def set_free_practice(session: Session, class_id: int, allowed: bool) -> ClassSetting:
    """Allow or stop the class's students starting checks of their own (flushed, not committed)."""
    get_class(session, class_id)
    row = session.get(ClassSetting, class_id) or ClassSetting(class_id=class_id)
    row.free_practice = allowed
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def free_practice(session: Session, class_id: int) -> bool:
    """The class's free-practice setting (allowed unless a teacher turned it off)."""
    row = session.get(ClassSetting, class_id)
    return True if row is None else bool(row.free_practice)


def free_practice_allowed(session: Session, student_id: int) -> bool:
    """Whether the student may start checks of their own: no class, or one of their classes allows it."""
    stmt = (
        select(Enrollment.class_id, ClassSetting.free_practice)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .outerjoin(ClassSetting, ClassSetting.class_id == Enrollment.class_id)
        .where(Enrollment.student_id == student_id, SchoolClass.retired == False)  # noqa: E712
    )
    settings = [allowed for _, allowed in session.exec(stmt).all()]
    return not settings or any(allowed is None or allowed for allowed in settings)


def assignments_of_student(session: Session, student_id: int) -> list[tuple[Assignment, AssignmentStudent]]:
    """Every assignment that reached the student, newest first."""
    stmt = (
        select(Assignment, AssignmentStudent)
        .join(AssignmentStudent, AssignmentStudent.assignment_id == Assignment.id)
        .where(AssignmentStudent.student_id == student_id)
        .order_by(Assignment.opens_at.desc(), Assignment.id.desc())
    )
    return [(a, r) for a, r in session.exec(stmt).all()]


def first_label(session: Session, form_id: int) -> str:
    """The first version's label of a form."""
    versions = form_versions(session, form_id)
    if not versions:
        raise NotFound(f"form {form_id} has no versions")
    return sorted(versions)[0]
