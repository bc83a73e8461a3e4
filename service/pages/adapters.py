"""Thin adapters the pages need that the API has no route for.

Each one only reads rows through itembank functions and hands arrays to the
engine's or itembank's own functions; no psychometrics is written here.

* :func:`check_trajectory` - a check's estimate after each answer
  (:func:`engine.adaptive.check.estimate` on the prefixes of its stored state, as
  :func:`itembank.checks` replays an answer).
* :func:`student_history` - a student's checks per standard with their
  trajectories (the history chart of a student's page).
* :func:`assemble_exit_tickets` - fixed forms on a standard
  (:func:`engine.forms.assembly.assemble_forms` on the live bank's items).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sqlmodel import Session, select

from engine.adaptive import check as adaptive_check
from engine.forms.assembly import assemble_forms
from itembank.bank import ItemContent, OperationalBank
from itembank.errors import Invalid
from itembank.tables import Check, CheckStatus, Standard

__all__ = [
    "TrajectoryPoint",
    "check_trajectory",
    "StandardHistory",
    "student_history",
    "ExitTicket",
    "assemble_exit_tickets",
    "student_checks",
]


# ------------------------------------------------------------- histories
@dataclass(frozen=True)
class TrajectoryPoint:
    n: int
    theta: float
    se: float
    band: str
    p_mastery: float
    correct: bool | None


def check_trajectory(bank: OperationalBank, check: Check) -> list[TrajectoryPoint]:
    """The check's estimate after each of its answers (the engine's own estimate)."""
    if bank.adaptive is None:
        return []
    state = adaptive_check.CheckState.from_dict(check.state)
    out = []
    for k in range(1, len(state.items) + 1):
        upto = replace(state, items=state.items[:k], scores=state.scores[:k], pending=None, finished=None)
        est = adaptive_check.estimate(bank.adaptive, upto)
        out.append(
            TrajectoryPoint(
                k, float(est.theta), float(est.se), str(est.band), float(est.p_mastery), bool(state.scores[k - 1])
            )
        )
    return out


@dataclass(frozen=True)
class CheckHistory:
    check: Check
    points: list[TrajectoryPoint]


@dataclass(frozen=True)
class StandardHistory:
    standard: Standard
    cuts: tuple[float, ...]
    labels: tuple[str, ...]
    checks: list[CheckHistory]


def student_history(session: Session, banks, student_id: int) -> list[StandardHistory]:
    """The student's finished and active checks per standard, oldest first.

    ``banks`` is the app's :class:`~itembank.bank.BankCache` (a check is
    replayed on the calibration it ran on).
    """
    checks = session.exec(
        select(Check).where(Check.student_id == student_id, Check.n_answered > 0).order_by(Check.started_at, Check.id)
    ).all()
    by_standard: dict[int, list[CheckHistory]] = {}
    schemes: dict[int, tuple] = {}
    for check in checks:
        try:
            bank = banks.get(check.calibration_id, session.get_bind())
        except Exception:  # a calibration that no longer loads: skip its checks
            continue
        state = adaptive_check.CheckState.from_dict(check.state)
        schemes[check.standard_id] = (state.bands.cuts, state.bands.labels)
        by_standard.setdefault(check.standard_id, []).append(CheckHistory(check, check_trajectory(bank, check)))
    out = []
    for sid, hist in by_standard.items():
        std = session.get(Standard, sid)
        cuts, labels = schemes[sid]
        out.append(StandardHistory(std, cuts, labels, hist))
    return sorted(out, key=lambda h: h.standard.code)


# ----------------------------------------------------------- exit tickets
@dataclass(frozen=True)
class ExitTicket:
    forms: list[list[ItemContent]]
    information: list[float]
    cut: float
    optimal: bool
    status: str


def assemble_exit_tickets(
    bank: OperationalBank,
    standard: Standard,
    *,
    length: int,
    n_forms: int,
    self_scoring_only: bool = True,
    time_limit: float = 10.0,
) -> ExitTicket:
    """``n_forms`` disjoint forms of ``length`` items on ``standard``, most informative at its mastery cut.

    Items are spread over the standard's objectives (each objective with
    items gets at least one item per form when the length allows), and
    every form has at least one item of DOK 2 or more when there is one.
    """
    pos = bank.items_under(standard.id, self_scoring_only=self_scoring_only)
    if pos.size == 0:
        raise Invalid(f"standard {standard.code} has no operational items in the live bank", "standard")
    if pos.size < length * n_forms:
        raise Invalid(
            f"standard {standard.code} has {pos.size} items; {n_forms} form(s) of {length} need {length * n_forms}",
            "length",
        )
    ids = bank.params.item_ids[pos].tolist()
    content = [bank.content[i] for i in ids]
    objective = np.array([c.objective_id or 0 for c in content])
    codes, obj_code = np.unique(objective, return_inverse=True)
    limits = None
    if len(codes) > 1 and length >= len(codes):
        limits = {k: (1, length) for k in range(len(codes))}
    dok = np.array([min(c.dok, 2) for c in content])
    dok_limits = {1: (1, length)} if np.any(dok == 2) and length >= 2 else None
    dok_codes = (dok >= 2).astype(int)
    cut = bank.scheme(standard.id).mastery_cut
    result = assemble_forms(
        bank.params.subset(pos),
        length=length,
        theta=[cut],
        n_forms=n_forms,
        objectives=obj_code,
        objective_limits=limits,
        dok=dok_codes,
        dok_limits=dok_limits,
        max_overlap=0,
        time_limit=time_limit,
    )
    forms = [[content[p] for p in row] for row in result.forms]
    return ExitTicket(
        forms, [float(x) for x in result.information[:, 0]], float(cut), bool(result.optimal), result.status
    )


def student_checks(session: Session, student_id: int, *, active: bool | None = None) -> list[Check]:
    """The student's checks, newest first (only active or only finished ones when asked)."""
    stmt = select(Check).where(Check.student_id == student_id)
    if active is not None:
        stmt = stmt.where(Check.status == (CheckStatus.active.value if active else CheckStatus.done.value))
    return list(session.exec(stmt.order_by(Check.started_at.desc(), Check.id.desc())).all())
