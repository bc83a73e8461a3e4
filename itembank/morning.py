"""Tiered morning work for a class on a standard (rows to arrays and back).

Students are placed in tiers by their band on the standard: the stored
mastery row when there is one, otherwise the empirical-Bayes estimate from
their other answers (:func:`itembank.mastery_store.estimate`).  Each tier gets
``items_per_tier`` items chosen by :func:`engine.mastery.morning_work.morning_work`:
about 75 % expected success at the tier's mean ability, spread over the
standard's objectives, none that a student of the tier answered in the last
:data:`itembank.checks.RECENT_DAYS` days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from sqlmodel import Session, select

from engine.mastery.morning_work import morning_work
from itembank.bank import ItemContent, OperationalBank
from itembank.checks import RECENT_DAYS
from itembank.errors import Invalid
from itembank.mastery_store import estimate, student_answers
from itembank.tables import Mastery, Response, Standard, utcnow

__all__ = ["TierPlan", "plan_morning_work", "P_TARGET"]

#: Target probability of success of morning-work items.
P_TARGET = 0.75


@dataclass(frozen=True)
class TierPlan:
    """One tier: its band, its students ``(id, theta, band)`` and items."""

    band: str
    students: list[tuple[int, float, str]]
    items: list[ItemContent]


def plan_morning_work(
    session: Session,
    bank: OperationalBank,
    standard: Standard,
    student_ids: list[int],
    items_per_tier: int,
) -> list[TierPlan]:
    """Three tiers (lowest band first) for ``student_ids`` on ``standard``."""
    scheme = bank.scheme(standard.id)
    under = bank.items_under(standard.id)
    if under.size == 0:
        raise Invalid(f"standard {standard.code} has no operational items in the live bank", "standard")
    rows = (
        {
            m.student_id: m
            for m in session.exec(
                select(Mastery).where(Mastery.standard_id == standard.id, Mastery.student_id.in_(student_ids))
            ).all()
        }
        if student_ids
        else {}
    )
    theta, band = [], []
    for sid in student_ids:
        m = rows.get(sid)
        if m is None:
            est = estimate(bank, standard.id, {i: sc for i, (sc, _) in student_answers(session, bank, sid).items()})
            theta.append(est.theta)
            band.append(est.band)
        else:
            theta.append(m.theta)
            band.append(m.band)
    labels = list(scheme.labels)
    full = bank.full
    item_standard = np.ones(full.n_items, dtype=np.int64)
    item_standard[under] = 0
    since = utcnow() - timedelta(days=RECENT_DAYS)
    recent = (
        session.exec(
            select(Response.student_id, Response.item_id)
            .where(Response.student_id.in_(student_ids), Response.answered_at >= since)
            .distinct()
        ).all()
        if student_ids
        else []
    )
    index = full.params.index_of
    pos_of = {sid: n for n, sid in enumerate(student_ids)}
    recent = [(pos_of[s], index[i]) for s, i in recent if i in index]
    plan = morning_work(
        full,
        item_standard,
        np.array([0]),
        np.zeros(len(student_ids), dtype=np.int64),
        np.arange(len(student_ids)),
        np.asarray(theta, dtype=float),
        np.asarray([labels.index(b) for b in band], dtype=np.int64),
        items_per_tier=int(items_per_tier),
        p_target=P_TARGET,
        n_bands=len(labels),
        recent_student=np.asarray([r[0] for r in recent], dtype=np.int64),
        recent_item=np.asarray([r[1] for r in recent], dtype=np.int64),
    )
    tiers = []
    for code, label in enumerate(labels):
        hit = np.flatnonzero(plan.tier_band == code)
        if hit.size == 0:
            tiers.append(TierPlan(label, [], []))
            continue
        t = int(hit[0])
        members = np.flatnonzero(plan.member_tier == t)
        items = [bank.content[full.item_ids[p]] for p in plan.tier_items[t] if p >= 0]
        tiers.append(TierPlan(label, [(student_ids[m], float(theta[m]), band[m]) for m in members], items))
    return tiers
