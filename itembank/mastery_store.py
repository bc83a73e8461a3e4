"""Mastery per student and standard: estimating, storing, rolling up.

A :class:`~itembank.tables.Mastery` row holds the latest estimate of a
student on a standard: EAP theta and posterior SD on the live bank's grid,
the band of the standard's :class:`~engine.mastery.bands.BandScheme`, P(theta >=
mastery cut), the evidence count and when it was last assessed.  An adaptive
check writes the row of its standard with every answer
(:func:`upsert_mastery`, in the check's transaction); a re-score recomputes
the rows its item informs from the student's effective responses
(:func:`refresh_mastery`).

Reports (:func:`student_report`, :func:`class_grid`) read the stored rows;
standards above them without a row of their own get the band rolled up from
their children (:func:`engine.mastery.bands.rollup`, lowest child wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlmodel import Session, select

from engine.adaptive import posterior as post_ops
from engine.mastery.bands import BandScheme, rollup
from engine.mastery.estimates import standard_estimates
from itembank.bank import OperationalBank
from itembank.responses import effective_responses
from itembank.tables import Mastery, Standard, utcnow

__all__ = [
    "MasteryEstimate",
    "estimate",
    "student_answers",
    "upsert_mastery",
    "refresh_mastery",
    "student_report",
    "class_grid",
    "ReportCell",
]


@dataclass(frozen=True)
class MasteryEstimate:
    theta: float
    se: float
    band: str
    p_mastery: float
    n_evidence: int


def estimate(bank: OperationalBank, standard_id: int, answers: dict[str, int]) -> MasteryEstimate:
    """The student's estimate on a standard from all their answers to bank items.

    The answers under the standard make the likelihood; the answers to every
    other item make the empirical-Bayes prior (:func:`engine.mastery.estimates.standard_estimates`
    with the bank's ``rho``).  With no answers at all this is the N(0, 1) prior.
    """
    full = bank.full
    scheme: BandScheme = bank.scheme(standard_id)
    group = np.zeros(full.n_items, dtype=np.int64)
    group[bank.items_under(standard_id)] = 1
    ids = [i for i in answers if i in full.params.index_of]
    pos = full.positions(ids) if ids else np.zeros(0, dtype=np.int64)
    scores = np.asarray([answers[i] for i in ids], dtype=np.int64)
    est = standard_estimates(
        full,
        np.zeros(len(pos), dtype=np.int64),
        pos,
        scores,
        1,
        standard=group,
        n_standards=2,
        rho=min(max(bank.rho, 0.0), 0.98),
    )
    theta, se = float(est.theta[0, 1]), float(est.se[0, 1])
    p = post_ops.prob_above(full, est.posterior[0, 1][None, :], scheme.mastery_cut)
    return MasteryEstimate(
        theta=theta,
        se=se,
        band=str(scheme.names(theta)),
        p_mastery=float(np.clip(p[0], 0.0, 1.0)),
        n_evidence=int(est.n_answers[0, 1]),
    )


def student_answers(session: Session, bank: OperationalBank, student_id: int) -> dict[str, tuple[int, datetime]]:
    """The student's latest effective score and time per bank item."""
    rows = effective_responses(session, student_id=student_id)
    return {iid: (score, when) for _, iid, score, when in rows if iid in bank.params.index_of}


def upsert_mastery(
    session: Session,
    *,
    student_id: int,
    standard_id: int,
    theta: float,
    se: float,
    band: str,
    p_mastery: float,
    n_evidence: int,
    calibration_id: int | None,
    when: datetime | None = None,
) -> Mastery:
    """Write the student's estimate on a standard (not committed)."""
    row = session.get(Mastery, (student_id, standard_id))
    if row is None:
        row = Mastery(
            student_id=student_id,
            standard_id=standard_id,
            theta=theta,
            se=se,
            band=band,
            p_mastery=p_mastery,
            n_evidence=n_evidence,
            calibration_id=calibration_id,
        )
    row.theta, row.se, row.band, row.p_mastery = float(theta), float(se), band, float(p_mastery)
    row.n_evidence = int(n_evidence)
    row.calibration_id = calibration_id
    row.last_assessed = when or utcnow()
    session.add(row)
    return row


def refresh_mastery(session: Session, bank: OperationalBank, student_id: int, item_id: str) -> list[Mastery]:
    """Recompute the student's rows on every standard above ``item_id``.

    Uses the student's effective scored responses to the live bank's items
    under each standard (the latest answer per item).  Standards the student
    has no row on yet get one only for the item's own objective.
    """
    content = bank.content.get(item_id)
    if content is None or content.objective_id is None:
        return []
    chain, sid = [], content.objective_id
    while sid is not None:
        chain.append(sid)
        sid = bank.standards.get(sid, (None, None, None))[2]
    existing = {
        m.standard_id
        for m in session.exec(
            select(Mastery).where(Mastery.student_id == student_id, Mastery.standard_id.in_(chain))
        ).all()
    }
    targets = [s for s in chain if s in existing or s == content.objective_id]
    out = store_estimates(session, bank, student_id, targets, student_answers(session, bank, student_id))
    session.flush()
    return out


def store_estimates(
    session: Session,
    bank: OperationalBank,
    student_id: int,
    standard_ids: list[int],
    latest: dict[str, tuple[int, datetime]],
) -> list[Mastery]:
    """Estimate and store the student's rows on ``standard_ids`` from their latest answers.

    ``latest`` maps an item id to the student's effective score and its date
    (:func:`student_answers`); a standard with no answer under it is skipped,
    and each row is dated by the latest answer under its standard.
    """
    scores = {i: sc for i, (sc, _) in latest.items()}
    out = []
    for sid in standard_ids:
        under = set(bank.params.item_ids[bank.items_under(sid)].tolist())
        mine = [i for i in latest if i in under]
        if not mine:
            continue
        est = estimate(bank, sid, scores)
        out.append(
            upsert_mastery(
                session,
                student_id=student_id,
                standard_id=sid,
                theta=est.theta,
                se=est.se,
                band=est.band,
                p_mastery=est.p_mastery,
                n_evidence=est.n_evidence,
                calibration_id=bank.calibration_id,
                when=max(latest[i][1] for i in mine),
            )
        )
    return out


@dataclass(frozen=True)
class ReportCell:
    """One student's mastery on one standard (estimate fields None when rolled up or absent)."""

    standard_id: int
    code: str
    level: str
    theta: float | None
    se: float | None
    band: str | None
    p_mastery: float | None
    n_evidence: int
    last_assessed: datetime | None


def _rolled(
    standards: list[Standard], rows: dict[tuple[int, int], Mastery], student_ids: list[int]
) -> dict[tuple[int, int], str]:
    """Bands of standards without a row, rolled up from their children."""
    labels = BandScheme().labels
    index = {s.id: n for n, s in enumerate(standards)}
    codes = np.full((len(student_ids), len(standards)), -1, dtype=np.int64)
    for (stu, sid), m in rows.items():
        if sid in index and m.band in labels:
            codes[student_ids.index(stu), index[sid]] = labels.index(m.band)
    # bottom-up: objectives -> indicators -> competencies
    for level in ("indicator", "competency"):
        parents = [s for s in standards if s.level == level]
        kids = [s for s in standards if s.parent_id is not None and s.parent_id in {p.id for p in parents}]
        if not parents or not kids:
            continue
        pidx = {p.id: n for n, p in enumerate(parents)}
        child_cols = [index[k.id] for k in kids]
        up = rollup(codes[:, child_cols], np.array([pidx[k.parent_id] for k in kids]), len(parents))
        for n, p in enumerate(parents):
            col = index[p.id]
            fill = codes[:, col] < 0
            codes[fill, col] = up[fill, n]
    out = {}
    for i, stu in enumerate(student_ids):
        for s in standards:
            c = codes[i, index[s.id]]
            if c >= 0 and (stu, s.id) not in rows:
                out[(stu, s.id)] = labels[c]
    return out


def _cells(standards, rows, rolled, student_ids) -> dict[int, list[ReportCell]]:
    """Each student's cells in the order of ``standards``.

    A rolled-up cell counts the answers of everything under it and carries the latest date of them
    (an indicator's objectives, a competency's indicators, rolled up or not).
    """
    order = {"objective": 0, "indicator": 1, "competency": 2}
    bottom_up = sorted(standards, key=lambda s: order.get(s.level, 0))
    children: dict[int, list[int]] = {}
    for s in standards:
        if s.parent_id is not None:
            children.setdefault(s.parent_id, []).append(s.id)
    out: dict[int, list[ReportCell]] = {}
    for stu in student_ids:
        built: dict[int, ReportCell] = {}
        for s in bottom_up:
            m = rows.get((stu, s.id))
            if m is not None:
                cell = ReportCell(
                    s.id, s.code, s.level, m.theta, m.se, m.band, m.p_mastery, m.n_evidence, m.last_assessed
                )
            elif (stu, s.id) in rolled:
                kids = [built[k] for k in children.get(s.id, []) if k in built]
                n = sum(k.n_evidence for k in kids)
                last = max((k.last_assessed for k in kids if k.last_assessed is not None), default=None)
                cell = ReportCell(s.id, s.code, s.level, None, None, rolled[(stu, s.id)], None, n, last)
            else:
                cell = ReportCell(s.id, s.code, s.level, None, None, None, None, 0, None)
            built[s.id] = cell
        out[stu] = [built[s.id] for s in standards]
    return out


def _standards(session: Session, framework: str | None = None) -> list[Standard]:
    stmt = select(Standard).where(Standard.retired == False)  # noqa: E712
    if framework:
        stmt = stmt.where(Standard.framework == framework)
    return list(session.exec(stmt.order_by(Standard.framework, Standard.code)).all())


def student_report(session: Session, student_id: int, *, only_assessed: bool = True) -> list[ReportCell]:
    """The student's mastery per standard, with rolled-up parents."""
    rows = {
        (m.student_id, m.standard_id): m
        for m in session.exec(select(Mastery).where(Mastery.student_id == student_id)).all()
    }
    standards = _standards(session)
    rolled = _rolled(standards, rows, [student_id])
    cells = _cells(standards, rows, rolled, [student_id])[student_id]
    return [c for c in cells if c.band is not None] if only_assessed else cells


def class_grid(
    session: Session,
    student_ids: list[int],
    *,
    level: str | None = "objective",
    framework: str | None = None,
) -> tuple[list[Standard], dict[int, list[ReportCell]]]:
    """Students x standards cells (standards of ``level``, all levels when None)."""
    rows = (
        {
            (m.student_id, m.standard_id): m
            for m in session.exec(select(Mastery).where(Mastery.student_id.in_(student_ids))).all()
        }
        if student_ids
        else {}
    )
    standards = _standards(session, framework)
    rolled = _rolled(standards, rows, student_ids)
    cells = _cells(standards, rows, rolled, student_ids)
    keep = [n for n, s in enumerate(standards) if level is None or s.level == level]
    return [standards[n] for n in keep], {stu: [c[n] for n in keep] for stu, c in cells.items()}
