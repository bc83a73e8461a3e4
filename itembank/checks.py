"""Adaptive checks for understanding: start, answer, read.

The engine's session state machine (:mod:`engine.adaptive.check`) decides; this
module loads and stores its state.  Answering is one unit of work in the
caller's transaction: the check row is locked (``SELECT … FOR UPDATE`` on
PostgreSQL), the answer is scored, the response row written, the check's new
state and the student's mastery on the standard updated, all committed
together by the caller.

Rules enforced here (each a :class:`~itembank.errors.Conflict`, HTTP 409):
an answer must be to the item the check served; a check that ended takes no
answer; an item answered before takes no different answer; an item the
student answered elsewhere since the check started (in another check that
served it too, whose feedback showed its key) is not taken.  Resubmitting the
identical answer returns the original result and writes nothing
(``dedupe_key = check/<id>/<item>``).

Only self-scoring items are served; the items the student answered in the
last :data:`RECENT_DAYS` days are not served again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import bindparam, exists, insert, or_, update
from sqlmodel import Session, select

from engine.adaptive import check as adaptive_check
from engine.adaptive.exposure import ExposurePolicy
from engine.adaptive.policy import CatPolicy
from engine.adaptive.selection import SelectionRule
from engine.adaptive.stopping import StoppingRule
from itembank.answers import score_answer
from itembank.assessments import Attempt
from itembank.bank import BankCache, ItemContent, OperationalBank
from itembank.errors import Conflict, Invalid, NotFound
from itembank.mastery_store import estimate, student_answers, upsert_mastery
from itembank.tables import Check, CheckStatus, Mastery, Response, Standard, utcnow

__all__ = [
    "RECENT_DAYS",
    "CHECK_POLICY",
    "MIN_ITEMS",
    "check_policy",
    "StartOutcome",
    "AnswerOutcome",
    "CheckRow",
    "start_check",
    "answer_check",
    "load_check",
    "lock_for_answer",
    "get_check",
    "check_bank",
]

#: Items answered this many days back are not served again.
RECENT_DAYS = 14

#: The fewest questions a check gives by default (``Settings.check_min_items``): a
#: student far from the cut is classified after 3 or 4 answers, too few for a teacher
#: to trust (tests/adaptive/test_check_min_length.py simulates it).
MIN_ITEMS = 6

#: The rules of a check for understanding: most informative item among the
#: best 3 (randomesque, so classmates do not all see the same items),
#: content balanced over the standard's objectives; stop when the 90 %
#: interval clears the mastery cut, when the SE reaches 0.35, or at 15 items
#: (at least :data:`MIN_ITEMS`).
CHECK_POLICY = CatPolicy(
    rule=SelectionRule("max-info"),
    exposure=ExposurePolicy("randomesque", k=3),
    stopping=StoppingRule(min_items=MIN_ITEMS, max_items=15, se_target=0.35, classify="ci", confidence=0.90),
)


def check_policy(min_items: int = MIN_ITEMS) -> CatPolicy:
    """:data:`CHECK_POLICY` with at least ``min_items`` questions (at most its 15)."""
    stopping = CHECK_POLICY.stopping
    return replace(CHECK_POLICY, stopping=replace(stopping, min_items=min(int(min_items), stopping.max_items)))


_CHECK = Check.__table__
_RESPONSE = Response.__table__
_MASTERY = Mastery.__table__
_ATTEMPT = Attempt.__table__


@dataclass(frozen=True)
class StartOutcome:
    check: Check
    item: ItemContent | None


@dataclass(frozen=True)
class AnswerOutcome:
    """The result of an answer (the same on an identical resubmission)."""

    response_id: int
    item: ItemContent
    score: int
    correct: bool
    estimate: adaptive_check.Estimate
    next_item: ItemContent | None
    done: bool
    stop_reason: str | None
    replayed: bool = False


def get_check(session: Session, check_id: int, *, for_update: bool = False) -> Check:
    stmt = select(Check).where(Check.id == check_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first()
    if row is None:
        raise NotFound(f"no check with id {check_id}")
    return row


def check_bank(cache: BankCache, check: Check, engine=None) -> OperationalBank:
    """The bank a check runs on (the calibration it started with)."""
    return cache.get(check.calibration_id, engine)


_RECENT = (
    select(_RESPONSE.c.item_id)
    .where(_RESPONSE.c.student_id == bindparam("student_id"), _RESPONSE.c.answered_at >= bindparam("since"))
    .distinct()
)


def _recent(session: Session, student_id: int, bank: OperationalBank) -> list[str]:
    """The check's items the student answered (in any way) in the last :data:`RECENT_DAYS` days."""
    since = utcnow() - timedelta(days=RECENT_DAYS)
    ids = session.connection().execute(_RECENT, {"student_id": student_id, "since": since}).scalars()
    index = bank.adaptive.params.index_of
    return sorted(i for i in ids if i in index)


def start_check(
    session: Session,
    bank: OperationalBank,
    *,
    student_id: int,
    standard: Standard,
    started_by: int | None = None,
    seed: int | None = None,
    policy: CatPolicy | None = None,
) -> StartOutcome:
    """Create a check of ``student_id`` on ``standard`` and serve its first item."""
    if bank.adaptive is None:
        raise Conflict("the live bank has no self-scoring items to give in a check")
    objectives = bank.objectives_under(standard.id)
    if not objectives:
        raise Invalid(f"standard {standard.code} has no operational self-scoring items in the live bank", "standard")
    scheme = bank.scheme(standard.id)
    # the prior: everything the student showed so far (empirical Bayes across standards)
    history = student_answers(session, bank, student_id)
    prior = estimate(bank, standard.id, {i: sc for i, (sc, _) in history.items()})
    state = adaptive_check.start(
        bank.adaptive,
        standard=standard.code,
        policy=policy or CHECK_POLICY,
        objectives=objectives,
        bands=scheme,
        prior_mean=float(np.clip(prior.theta, -4.0, 4.0)),
        prior_sd=float(np.clip(prior.se, 0.6, 1.0)),
        seed=secrets.randbits(31) if seed is None else int(seed),
        recent=_recent(session, student_id, bank),
    )
    state, item_id = adaptive_check.next_item(bank.adaptive, state)
    done = item_id is None
    now = utcnow()
    values = {
        "student_id": student_id,
        "standard_id": standard.id,
        "calibration_id": bank.calibration_id,
        "status": CheckStatus.done.value if done else CheckStatus.active.value,
        "state": state.to_dict(),
        "current_item_id": item_id,
        "n_answered": 0,
        "stop_reason": state.finished if done else None,
        "started_by": started_by,
        "started_at": now,
        "finished_at": now if done else None,
    }
    # a Core insert: the row is written now, in the caller's transaction (no unit-of-work flush)
    check_id = session.connection().execute(insert(_CHECK).returning(_CHECK.c.id), values).scalar_one()
    return StartOutcome(Check(id=check_id, **values), None if item_id is None else bank.content[item_id])


@dataclass(frozen=True)
class CheckRow:
    """The fields of a check the answer path needs (read with one Core query)."""

    id: int
    student_id: int
    standard_id: int
    calibration_id: int
    status: str
    state: dict
    current_item_id: str | None
    stop_reason: str | None
    started_at: datetime
    #: an assignment gave the check (its window decides whether it takes answers)
    assigned: bool
    #: whether the student answered the item being answered in another check (or outside one)
    #: since this check started; None when not read yet (:func:`answer_check` then reads it)
    answered_elsewhere: bool | None = None


_ASSIGNED = exists().where(_ATTEMPT.c.check_id == _CHECK.c.id)
_LOAD_CHECK = select(
    _CHECK.c.id,
    _CHECK.c.student_id,
    _CHECK.c.standard_id,
    _CHECK.c.calibration_id,
    _CHECK.c.status,
    _CHECK.c.state,
    _CHECK.c.current_item_id,
    _CHECK.c.stop_reason,
    _CHECK.c.started_at,
    _ASSIGNED.label("assigned"),
).where(_CHECK.c.id == bindparam("check_id"))
_LOAD_CHECK_LOCKED = _LOAD_CHECK.with_for_update(of=_CHECK)


def _answered_elsewhere(student_id, check_id, started_at):
    """SQL: the student answered ``:item_id`` outside check ``check_id`` at or after ``started_at``."""
    return exists().where(
        _RESPONSE.c.student_id == student_id,
        _RESPONSE.c.item_id == bindparam("item_id"),
        or_(_RESPONSE.c.check_id.is_(None), _RESPONSE.c.check_id != check_id),
        _RESPONSE.c.answered_at >= started_at,
    )


_LOCK_FOR_ANSWER = _LOAD_CHECK.add_columns(
    _answered_elsewhere(_CHECK.c.student_id, _CHECK.c.id, _CHECK.c.started_at).label("answered_elsewhere")
).with_for_update(of=_CHECK)
_ANSWERED_ELSEWHERE = select(_answered_elsewhere(bindparam("student_id"), bindparam("check_id"), bindparam("since")))
_PREVIOUS = select(_RESPONSE.c.id, _RESPONSE.c.answer, _RESPONSE.c.score, _RESPONSE.c.correct).where(
    _RESPONSE.c.dedupe_key == bindparam("key")
)


def load_check(session: Session, check_id: int, *, for_update: bool = False) -> CheckRow:
    """The check's row (locked until the transaction ends when ``for_update``)."""
    row = (
        session.connection().execute(_LOAD_CHECK_LOCKED if for_update else _LOAD_CHECK, {"check_id": check_id}).first()
    )
    if row is None:
        raise NotFound(f"no check with id {check_id}")
    return CheckRow(*row)


def lock_for_answer(session: Session, check_id: int, item_id: str) -> CheckRow:
    """The check's row, locked until the transaction ends, read with what answering ``item_id`` needs.

    One statement: the row (``SELECT … FOR UPDATE``), whether an assignment
    gave the check, and whether the student answered ``item_id`` elsewhere
    since the check started (the rules :func:`answer_check` enforces).
    """
    row = session.connection().execute(_LOCK_FOR_ANSWER, {"check_id": check_id, "item_id": item_id}).first()
    if row is None:
        raise NotFound(f"no check with id {check_id}")
    return CheckRow(*row)


def _replay(
    session: Session,
    bank: OperationalBank,
    check: CheckRow,
    state: adaptive_check.CheckState,
    item_id: str,
    answer: Any,
) -> AnswerOutcome:
    """The result an earlier answer got, rebuilt from the stored state."""
    previous = session.connection().execute(_PREVIOUS, {"key": f"check/{check.id}/{item_id}"}).first()
    content = bank.content[item_id]
    if previous is None or score_answer(content, answer).answer != previous.answer:
        raise Conflict(f"item {item_id} was already answered in check {check.id}")
    pos = state.items.index(item_id)
    upto = replace(state, items=state.items[: pos + 1], scores=state.scores[: pos + 1], pending=None, finished=None)
    est = adaptive_check.estimate(bank.adaptive, upto)
    if pos + 1 < len(state.items):
        nxt, done, reason = state.items[pos + 1], False, None
    else:
        nxt = state.pending
        done = nxt is None
        reason = state.finished if done else None
    return AnswerOutcome(
        response_id=previous.id,
        item=content,
        score=int(previous.score),
        correct=bool(previous.correct),
        estimate=est,
        next_item=None if nxt is None else bank.content[nxt],
        done=done,
        stop_reason=reason,
        replayed=True,
    )


def _objectives_at_end(session: Session, bank: OperationalBank, check: CheckRow) -> None:
    """At the end of a check on an indicator or competency, update its objectives' rows."""
    objectives = [int(o) for o in bank.objectives_under(check.standard_id) if int(o) != check.standard_id]
    if not objectives:
        return
    answers = {i: sc for i, (sc, _) in student_answers(session, bank, check.student_id).items()}
    for oid in objectives:
        est = estimate(bank, oid, answers)
        if est.n_evidence == 0:
            continue
        upsert_mastery(
            session,
            student_id=check.student_id,
            standard_id=oid,
            theta=est.theta,
            se=est.se,
            band=est.band,
            p_mastery=est.p_mastery,
            n_evidence=est.n_evidence,
            calibration_id=bank.calibration_id,
        )
    session.flush()


_BUMP: dict[str, Any] = {}


def _bump_statement(dialect: str):
    """``INSERT … ON CONFLICT DO UPDATE`` of a mastery row, built once per dialect."""
    stmt = _BUMP.get(dialect)
    if stmt is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        columns = ("student_id", "standard_id", "theta", "se", "band", "p_mastery", "calibration_id", "last_assessed")
        ins = dialect_insert(_MASTERY).values({**{c: bindparam(c) for c in columns}, "n_evidence": 1})
        stmt = ins.on_conflict_do_update(
            index_elements=[_MASTERY.c.student_id, _MASTERY.c.standard_id],
            set_={
                "theta": ins.excluded.theta,
                "se": ins.excluded.se,
                "band": ins.excluded.band,
                "p_mastery": ins.excluded.p_mastery,
                "calibration_id": ins.excluded.calibration_id,
                "last_assessed": ins.excluded.last_assessed,
                "n_evidence": _MASTERY.c.n_evidence + 1,
            },
        )
        _BUMP[dialect] = stmt
    return stmt


_ANSWER_PG: list = []


def _answer_statement_pg():
    """PostgreSQL: the response, the check's new state and the mastery row in one statement.

    Data-modifying CTEs: one round trip instead of three (all or nothing, as
    one statement is).
    """
    if _ANSWER_PG:
        return _ANSWER_PG[0]
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    def bp(prefix, table, names):
        return {n: bindparam(f"{prefix}{n}", type_=table.c[n].type) for n in names}

    r = (
        insert(_RESPONSE)
        .values(
            bp(
                "r_",
                _RESPONSE,
                (
                    "dedupe_key",
                    "student_id",
                    "item_id",
                    "item_version",
                    "check_id",
                    "position",
                    "answer",
                    "score",
                    "correct",
                    "source",
                    "note",
                    "answered_at",
                    "recorded_at",
                ),
            )
        )
        .returning(_RESPONSE.c.id)
        .cte("r")
    )
    c = (
        update(_CHECK)
        .where(_CHECK.c.id == bindparam("c_id", type_=_CHECK.c.id.type))
        .values(
            bp(
                "c_",
                _CHECK,
                (
                    "state",
                    "current_item_id",
                    "n_answered",
                    "theta",
                    "se",
                    "band",
                    "p_mastery",
                    "status",
                    "stop_reason",
                    "finished_at",
                ),
            )
        )
        .cte("c")
    )
    ins = pg_insert(_MASTERY).values(
        {
            **bp(
                "m_",
                _MASTERY,
                ("student_id", "standard_id", "theta", "se", "band", "p_mastery", "calibration_id", "last_assessed"),
            ),
            "n_evidence": 1,
        }
    )
    m = ins.on_conflict_do_update(
        index_elements=[_MASTERY.c.student_id, _MASTERY.c.standard_id],
        set_={
            "theta": ins.excluded.theta,
            "se": ins.excluded.se,
            "band": ins.excluded.band,
            "p_mastery": ins.excluded.p_mastery,
            "calibration_id": ins.excluded.calibration_id,
            "last_assessed": ins.excluded.last_assessed,
            "n_evidence": _MASTERY.c.n_evidence + 1,
        },
    ).cte("m")
    stmt = select(r.c.id).add_cte(c, m)
    _ANSWER_PG.append(stmt)
    return stmt


def _bump_mastery(session: Session, values: dict) -> None:
    """Insert the student's row on the standard, or update it and count one more answer."""
    conn = session.connection()
    name = conn.dialect.name
    if name not in ("postgresql", "sqlite"):  # pragma: no cover - other databases: read, then write
        row = session.get(Mastery, (values["student_id"], values["standard_id"]))
        n = (row.n_evidence if row is not None else 0) + 1
        upsert_mastery(
            session,
            **{k: v for k, v in values.items() if k != "last_assessed"},
            n_evidence=n,
            when=values["last_assessed"],
        )
        return
    conn.execute(_bump_statement(name), values)


def answer_check(session: Session, bank: OperationalBank, check: CheckRow, item_id: str, answer: Any) -> AnswerOutcome:
    """Score ``answer`` to ``item_id`` in ``check`` (locked by the caller) and advance it.

    In the caller's transaction: the response row, the check's new state and
    the student's mastery on the standard (one statement on PostgreSQL,
    three on SQLite; and, when the check ends on an indicator or competency,
    its objectives' rows).  ``check`` read by :func:`lock_for_answer` already
    says whether the item was answered elsewhere; read by :func:`load_check`
    that takes one more query.

    Raises
    ------
    Conflict
        Not the served item, a finished check, a different answer to an
        item already answered, or an item answered in another check since
        this one started.
    InvalidAnswer
        The answer does not fit the item's interaction.
    """
    state = adaptive_check.CheckState.from_dict(check.state)
    if item_id in state.items:
        return _replay(session, bank, check, state, item_id, answer)
    if check.status != CheckStatus.active.value:
        raise Conflict(f"check {check.id} has ended ({check.stop_reason}); start a new check")
    if item_id != check.current_item_id:
        raise Conflict(f"item {item_id} is not the item this check served ({check.current_item_id})")
    elsewhere = check.answered_elsewhere
    if elsewhere is None:
        params = {"student_id": check.student_id, "item_id": item_id, "check_id": check.id, "since": check.started_at}
        elsewhere = session.connection().execute(_ANSWERED_ELSEWHERE, params).scalar_one()
    if elsewhere:
        raise Conflict(
            f"item {item_id} was answered in another check since this one started, so its key is known; "
            "start a new check"
        )
    content = bank.content[item_id]
    scored = score_answer(content, answer)
    step = adaptive_check.answer(bank.adaptive, state, item_id, scored.score)
    now = utcnow()
    conn = session.connection()
    est = step.estimate
    response = {
        "dedupe_key": f"check/{check.id}/{item_id}",
        "student_id": check.student_id,
        "item_id": item_id,
        "item_version": content.version,
        "check_id": check.id,
        "position": len(step.state.items),
        "answer": scored.answer,
        "score": scored.score,
        "correct": scored.correct,
        "source": "check",
        "note": "",
        "answered_at": now,
        "recorded_at": now,
    }
    changes = {
        "state": step.state.to_dict(),
        "current_item_id": step.next_item,
        "n_answered": len(step.state.items),
        "theta": est.theta,
        "se": est.se,
        "band": est.band,
        "p_mastery": est.p_mastery,
        "status": CheckStatus.done.value if step.done else CheckStatus.active.value,
        "stop_reason": step.stop_reason if step.done else None,
        "finished_at": now if step.done else None,
    }
    mastery = {
        "student_id": check.student_id,
        "standard_id": check.standard_id,
        "theta": est.theta,
        "se": est.se,
        "band": est.band,
        "p_mastery": est.p_mastery,
        "calibration_id": bank.calibration_id,
        "last_assessed": now,
    }
    if conn.dialect.name == "postgresql":
        params = {f"r_{k}": v for k, v in response.items()}
        params.update({f"c_{k}": v for k, v in changes.items()}, c_id=check.id)
        params.update({f"m_{k}": v for k, v in mastery.items()})
        response_id = conn.execute(_answer_statement_pg(), params).scalar_one()
    else:
        response_id = conn.execute(insert(_RESPONSE).returning(_RESPONSE.c.id), response).scalar_one()
        conn.execute(update(_CHECK).where(_CHECK.c.id == check.id).values(**changes))
        _bump_mastery(session, mastery)
    if step.done:
        _objectives_at_end(session, bank, check)
    return AnswerOutcome(
        response_id=response_id,
        item=content,
        score=int(scored.score),
        correct=bool(scored.correct),
        estimate=est,
        next_item=None if step.next_item is None else bank.content[step.next_item],
        done=step.done,
        stop_reason=step.stop_reason,
    )
