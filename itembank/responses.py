"""Responses: append-only evidence, re-scores, and the rows-to-matrix boundary.

Rows are never updated or deleted.  Every answer event has a ``dedupe_key``
(unique in the database):

``check/<check_id>/<item_id>``
    an answer in an adaptive check (a check serves an item once);
``entry/<student_id>/<item_id>/<client key>``
    an answer recorded outside a check (e.g. a written answer);
``import/<file digest>/<student>/<item>``
    a cell of an imported responses file (re-importing a file adds nothing);
``rescore/<response_id>``
    a teacher's score that supersedes response ``response_id``.

The *effective* responses are those no other row supersedes; calibration,
scoring and mastery read only those (:func:`effective_responses`,
:func:`response_matrix`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import and_, bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, exists, func, select

from engine.irt.responses import ResponseMatrix
from itembank.errors import Conflict, Invalid, NotFound
from itembank.response_import import CheckedResponses, known_items, store_responses
from itembank.tables import Item, Response, Student, utcnow

__all__ = [
    "record_response",
    "find_by_key",
    "get_response",
    "rescore",
    "effective_filter",
    "effective_responses",
    "response_matrix",
    "import_responses",
    "list_responses",
]


def find_by_key(session: Session, dedupe_key: str) -> Response | None:
    """The response stored under ``dedupe_key``, if any."""
    return session.exec(select(Response).where(Response.dedupe_key == dedupe_key)).first()


def get_response(session: Session, response_id: int) -> Response:
    row = session.get(Response, response_id)
    if row is None:
        raise NotFound(f"no response with id {response_id}")
    return row


def record_response(
    session: Session,
    *,
    dedupe_key: str,
    student_id: int,
    item_id: str,
    item_version: int,
    answer: Any,
    score: int | None,
    correct: bool | None,
    check_id: int | None = None,
    position: int | None = None,
    source: str = "check",
    answered_at: datetime | None = None,
) -> Response:
    """Add one response row (flushed, not committed)."""
    row = Response(
        dedupe_key=dedupe_key,
        student_id=student_id,
        item_id=item_id,
        item_version=item_version,
        check_id=check_id,
        position=position,
        answer=answer,
        score=score,
        correct=correct,
        source=source,
        answered_at=answered_at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def effective_filter():
    """SQL condition: the response is not superseded by another row."""
    newer = aliased(Response)
    return ~exists().where(newer.supersedes_id == Response.id)


def rescore(session: Session, response_id: int, score: int, *, scored_by: int, note: str = "") -> Response:
    """Supersede response ``response_id`` with a new row holding ``score``.

    Raises
    ------
    NotFound
        No such response.
    Conflict
        The response has already been superseded (score the newest row).
    Invalid
        ``score`` outside the item's categories ``0..K-1``.
    """
    old = get_response(session, response_id)
    newer = session.exec(select(Response.id).where(Response.supersedes_id == old.id)).first()
    if newer is not None:
        raise Conflict(f"response {old.id} was already re-scored by response {newer}; re-score that one")
    item = session.get(Item, old.item_id)
    k = item.n_categories if item is not None else 2
    if not 0 <= score < k:
        raise Invalid(f"score must be 0..{k - 1} for item {old.item_id}, got {score}", "score")
    row = Response(
        dedupe_key=f"rescore/{old.id}",
        student_id=old.student_id,
        item_id=old.item_id,
        item_version=old.item_version,
        check_id=old.check_id,
        position=old.position,
        answer=old.answer,
        score=score,
        correct=bool(score == k - 1) if k == 2 else None,
        source="rescore",
        supersedes_id=old.id,
        scored_by=scored_by,
        note=note,
        answered_at=old.answered_at,
    )
    session.add(row)
    session.flush()
    return row


def _effective_select(scored_only: bool):
    table = Response.__table__
    newer = table.alias("newer")
    stmt = select(table.c.student_id, table.c.item_id, table.c.score, table.c.answered_at).where(
        ~exists().where(newer.c.supersedes_id == table.c.id)
    )
    return stmt.where(table.c.score.is_not(None)) if scored_only else stmt


#: one student's effective scored responses: every check start reads them (built once)
_STUDENT_EFFECTIVE = (
    _effective_select(scored_only=True)
    .where(Response.__table__.c.student_id == bindparam("student_id"))
    .order_by(Response.__table__.c.id)
)


def effective_responses(
    session: Session,
    *,
    student_id: int | None = None,
    item_ids: list[str] | None = None,
    scored_only: bool = True,
) -> list[tuple[int, str, int, datetime]]:
    """``(student_id, item_id, score, answered_at)`` of effective responses.

    When a student answered an item several times (in different checks) the
    latest answer is kept.
    """
    if student_id is not None and item_ids is None and scored_only:
        rows = session.connection().execute(_STUDENT_EFFECTIVE, {"student_id": student_id})
    else:
        table = Response.__table__
        stmt = _effective_select(scored_only)
        if student_id is not None:
            stmt = stmt.where(table.c.student_id == student_id)
        if item_ids is not None:
            stmt = stmt.where(table.c.item_id.in_(item_ids))
        rows = session.connection().execute(stmt.order_by(table.c.id))
    latest: dict[tuple[int, str], tuple] = {}
    for row in rows:
        latest[(row[0], row[1])] = tuple(row)
    return list(latest.values())


def response_matrix(
    session: Session,
    *,
    item_ids: list[str] | None = None,
    statuses: list[str] | None = None,
) -> ResponseMatrix:
    """The effective scored responses as a sparse students x items matrix.

    Students are identified by their external ids, items by their ids; an
    item's number of categories comes from the item table.
    """
    stmt = (
        select(Response.student_id, Student.external_id, Response.item_id, Response.score, Response.id)
        .join(Student, Student.id == Response.student_id)
        .join(Item, Item.id == Response.item_id)
        .where(effective_filter(), Response.score.is_not(None))
    )
    if item_ids is not None:
        stmt = stmt.where(Response.item_id.in_(item_ids))
    if statuses is not None:
        stmt = stmt.where(Item.status.in_(statuses))
    rows = session.exec(stmt).all()
    if not rows:
        raise Invalid("no scored responses to build a matrix from")
    sid = np.array([r[0] for r in rows], dtype=np.int64)
    ext = np.array([r[1] for r in rows], dtype=object)
    iid = np.array([r[2] for r in rows], dtype=object)
    score = np.array([r[3] for r in rows], dtype=np.int64)
    rid = np.array([r[4] for r in rows], dtype=np.int64)
    students, s_idx = np.unique(sid, return_inverse=True)
    items, i_idx = np.unique(iid.astype(str), return_inverse=True)
    # keep the latest response of a student to an item
    order = np.lexsort((rid, i_idx, s_idx))
    s_idx, i_idx, score = s_idx[order], i_idx[order], score[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (s_idx[1:] != s_idx[:-1]) | (i_idx[1:] != i_idx[:-1])
    ext_by_student = dict(zip(sid.tolist(), ext.tolist()))
    k_by_item = dict(session.exec(select(Item.id, Item.n_categories).where(Item.id.in_(items.tolist()))).all())
    return ResponseMatrix.from_long(
        s_idx[last],
        i_idx[last],
        score[last],
        n_students=len(students),
        n_items=len(items),
        student_ids=[ext_by_student[s] for s in students.tolist()],
        item_ids=items.tolist(),
        n_categories=[k_by_item[i] for i in items.tolist()],
    )


def import_responses(session: Session, matrix: ResponseMatrix, *, digest: str, create_students: bool = True) -> int:
    """Store a responses matrix (e.g. read by :func:`itembank.io.read_responses`).

    Students are matched by external id (created when missing, unless
    ``create_students`` is False); every item must exist and every score lie
    in its categories, or nothing is written.  A matrix already imported
    under the same ``digest`` adds nothing.  Returns the rows added.  Files
    are imported by :mod:`itembank.response_import`, which this shares its
    writer with.
    """
    items = known_items(session)
    for col, iid in enumerate(matrix.item_ids.tolist(), start=2):
        if iid not in items:
            raise Invalid(f"line 1, column {col}: unknown item {iid}", "file")
    index = np.array([items[i].index for i in matrix.item_ids.tolist()], dtype=np.int32)
    k = np.array([items[i].n_categories for i in matrix.item_ids.tolist()])
    over = matrix.score >= k[matrix.item]
    if np.any(over):
        bad = int(np.argmax(over))
        iid = matrix.item_ids[matrix.item[bad]]
        raise Invalid(
            f"student {matrix.student_ids[matrix.student[bad]]}, item {iid}: score {matrix.score[bad]} is out of range 0..{items[iid].n_categories - 1}",
            "file",
        )
    ordered = sorted(items.items(), key=lambda pair: pair[1].index)
    checked = CheckedResponses(
        digest=digest,
        student_ids=matrix.student_ids.tolist(),
        item_ids=[iid for iid, _ in ordered],
        student=np.asarray(matrix.student, dtype=np.int32),
        item=index[matrix.item],
        score=np.asarray(matrix.score, dtype=np.int16),
        n_categories=np.array([known.n_categories for _, known in ordered]),
        version=np.array([known.version for _, known in ordered]),
    )
    return store_responses(session, checked, create_students=create_students).added


def list_responses(
    session: Session,
    *,
    student_id: int | None = None,
    item_id: str | None = None,
    check_id: int | None = None,
    awaiting_score: bool = False,
    student_ids: list[int] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Response], int]:
    """A page of responses, newest first, and the total."""
    stmt = select(Response)
    if student_id is not None:
        stmt = stmt.where(Response.student_id == student_id)
    if student_ids is not None:
        stmt = stmt.where(Response.student_id.in_(student_ids))
    if item_id is not None:
        stmt = stmt.where(Response.item_id == item_id)
    if check_id is not None:
        stmt = stmt.where(Response.check_id == check_id)
    if awaiting_score:
        stmt = stmt.where(and_(Response.score.is_(None), effective_filter()))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(Response.id.desc()).offset(offset).limit(limit)).all()
    return list(rows), int(total)
