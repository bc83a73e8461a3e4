"""Thin adapters the pages need that the API has no route for.

Each one only reads rows through itembank functions and hands arrays to the
engine's or itembank's own functions; no psychometrics is written here.

* :func:`check_trajectory` - a check's estimate after each answer
  (:func:`engine.adaptive.check.estimate` on the prefixes of its stored state, as
  :func:`itembank.checks` replays an answer).
* :func:`student_history` - a student's checks per standard with their
  trajectories (the history chart of a student's page).
* :func:`bank_analysis` - per item statistics and fit flags of a
  calibration (:func:`itembank.report.analyze` and
  :func:`itembank.report.item_flags` on
  :func:`itembank.responses.response_matrix`), cached per calibration.
* :func:`item_figures` - an item's curve and information plots
  (:mod:`itembank.plots`).
* :func:`assemble_exit_tickets` - fixed forms on a standard
  (:func:`engine.forms.assembly.assemble_forms` on the live bank's items).
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, replace

import numpy as np
from sqlmodel import Session, select

from engine.adaptive import check as adaptive_check
from engine.analysis.reliability import information_curves
from engine.forms.assembly import assemble_forms
from itembank.bank import ItemContent, NoLiveBank, OperationalBank, load_parameters
from itembank.errors import Invalid
from itembank.plots import icc_figure, information_figure, observed_proportions, to_svg
from itembank.report import ReportData, analyze, item_flags
from itembank.responses import response_matrix
from itembank.tables import Check, CheckStatus, Standard

__all__ = [
    "TrajectoryPoint",
    "check_trajectory",
    "StandardHistory",
    "student_history",
    "BankAnalysis",
    "bank_analysis",
    "item_figures",
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


# --------------------------------------------------------- bank analysis
@dataclass(frozen=True)
class ItemStats:
    n: int
    p_value: float
    rit: float
    infit: float
    outfit: float
    sx2_p: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class BankAnalysis:
    calibration_id: int
    data: ReportData
    stats: dict[str, ItemStats]
    position: dict[str, int]


#: analyses per database engine (weakly held) and calibration: (time made, analysis)
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
#: seconds an analysis is reused before it is recomputed with the newer responses
CACHE_SECONDS = 300.0


def bank_analysis(session: Session, calibration_id: int) -> BankAnalysis | None:
    """Statistics and fit flags of every item of a calibration (None without responses).

    The calibration's parameters against the effective scored responses to
    its items, through :func:`itembank.report.analyze` (EAP scores,
    infit/outfit, classical statistics, S-X2 when the data are complete).
    Reused for :data:`CACHE_SECONDS` per database and calibration.
    """
    bind = session.get_bind()
    with _LOCK:
        hit = _CACHE.get(bind, {}).get(int(calibration_id))
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        try:
            params = load_parameters(session, calibration_id)
            matrix = response_matrix(session, item_ids=params.item_ids.tolist())
        except (Invalid, NoLiveBank):
            return None
        keep = np.flatnonzero(np.isin(params.item_ids, matrix.item_ids))
        params = params.subset(keep)
        matrix = matrix.align(params.item_ids.tolist())
        try:
            data = analyze(matrix, params, title=f"calibration {calibration_id}")
        except ValueError:  # too little data for the statistics (e.g. one student)
            return None
        flags = item_flags(data)
        c = data.classical
        stats = {}
        for j, iid in enumerate(params.item_ids.tolist()):
            stats[iid] = ItemStats(
                n=int(matrix.responses_per_item[j]),
                p_value=float(c.p_value[j]),
                rit=float(c.corrected_item_total[j]),
                infit=float(data.infit.infit[j]),
                outfit=float(data.infit.outfit[j]),
                sx2_p=None if data.sx2 is None else float(data.sx2.p[j]),
                flags=tuple(flags[iid]),
            )
        out = BankAnalysis(int(calibration_id), data, stats, {iid: j for j, iid in enumerate(params.item_ids.tolist())})
        _CACHE.setdefault(bind, {})[int(calibration_id)] = (time.monotonic(), out)
        return out


def item_figures(analysis: BankAnalysis, item_id: str) -> dict[str, str]:
    """Inline SVGs of an item: its curve with observed proportions, its information."""
    j = analysis.position.get(item_id)
    if j is None:
        return {}
    data = analysis.data
    params = data.params
    observed = observed_proportions(data.responses, data.theta, params.n_categories - 1)
    curves = information_curves(params.subset([j]), np.linspace(-4, 4, 121))
    return {
        "icc": to_svg(icc_figure(params, j, observed, title=f"{item_id}: expected score")),
        "information": to_svg(information_figure(curves, title=f"{item_id}: information and CSEM")),
    }


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
