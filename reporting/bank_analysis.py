"""The statistics and fit flags of a stored calibration's items, for the bank pages and the API.

:func:`bank_analysis` runs the psychometric report's analysis
(:func:`reporting.psychometric_report.analyze`) on a calibration's
parameters and the stored responses to its items, and keeps per item the
few numbers the bank browser and ``GET /calibrations/{id}/fit`` show
(:class:`ItemStats`); :func:`item_figures` draws an item's curves for its
page.  Analyses are cached per database and calibration for
:data:`CACHE_SECONDS`.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from engine.analysis.reliability import information_curves
from itembank.bank import NoLiveBank, load_parameters
from itembank.errors import Invalid
from itembank.responses import response_matrix
from reporting.figures import icc_figure, information_figure, observed_proportions, to_svg
from reporting.psychometric_report import ReportData, analyze, item_flags

__all__ = ["ItemStats", "BankAnalysis", "calibration_data", "bank_analysis", "item_figures", "CACHE_SECONDS"]


@dataclass(frozen=True)
class ItemStats:
    """One item's statistics in a calibration.

    Attributes
    ----------
    n : int
        Stored scored responses to the item.
    p_value : float
        Mean score over the maximum (classical difficulty).
    rit : float
        Corrected item-total correlation.
    infit, outfit : float
        Mean squares of the residuals (expected 1).
    sx2_p : float or None
        p-value of S-X2 (None when the responses are incomplete).
    flags : tuple of str
        Names of :data:`reporting.psychometric_report.FLAG_RULES` the item trips.
    """

    n: int
    p_value: float
    rit: float
    infit: float
    outfit: float
    sx2_p: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class BankAnalysis:
    """A calibration's report data with its per-item statistics.

    Attributes
    ----------
    calibration_id : int
    data : ReportData
        The items of the calibration that have stored responses.
    stats : dict of str to ItemStats
        By item id.
    position : dict of str to int
        Column of each item id in ``data.params``.
    """

    calibration_id: int
    data: ReportData
    stats: dict[str, ItemStats]
    position: dict[str, int]


#: analyses per database engine (weakly held) and calibration: (time made, analysis)
_CACHE: weakref.WeakKeyDictionary[Engine | Connection, dict[int, tuple[float, BankAnalysis]]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()
#: seconds an analysis is reused before it is recomputed with the newer responses
CACHE_SECONDS = 300.0


def calibration_data(
    session: Session,
    calibration_id: int,
    *,
    groups: Mapping[str, str] | None = None,
    reference: str | None = None,
    focal: str | None = None,
) -> ReportData | None:
    """The psychometric report's analysis of a calibration on the stored responses to its items.

    Parameters
    ----------
    session : Session
    calibration_id : int
    groups : mapping of str to str, optional
        Each student's group by external id (students not in it belong to
        none), for Mantel-Haenszel DIF between ``reference`` and ``focal``.
    reference, focal : str, optional

    Returns
    -------
    ReportData or None
        The items of the calibration that have stored responses; None when
        the calibration has no parameters or too few stored responses to its
        items for the statistics.
    """
    try:
        params = load_parameters(session, calibration_id)
        matrix = response_matrix(session, item_ids=params.item_ids.tolist())
    except (Invalid, NoLiveBank):
        return None
    keep = np.flatnonzero(np.isin(params.item_ids, matrix.item_ids))
    params = params.subset(keep)
    matrix = matrix.align(params.item_ids.tolist())
    labels = None if groups is None else [groups.get(s, "") for s in matrix.student_ids.tolist()]
    try:
        return analyze(
            matrix, params, title=f"calibration {calibration_id}", groups=labels, reference=reference, focal=focal
        )
    except ValueError:  # too little data for the statistics (e.g. one student)
        return None


def bank_analysis(session: Session, calibration_id: int) -> BankAnalysis | None:
    """Statistics and fit flags of every item of a calibration (None without responses).

    The calibration's parameters against the effective scored responses to
    its items, through :func:`reporting.psychometric_report.analyze` (EAP
    scores, infit/outfit, classical statistics, S-X2 when the data are
    complete).  Reused for :data:`CACHE_SECONDS` per database and calibration.

    Parameters
    ----------
    session : Session
    calibration_id : int

    Returns
    -------
    BankAnalysis or None
        None when the calibration has no parameters or too few stored
        responses to its items for the statistics.
    """
    bind = session.get_bind()
    with _LOCK:
        hit = _CACHE.get(bind, {}).get(int(calibration_id))
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        data = calibration_data(session, calibration_id)
        if data is None:
            return None
        params, matrix = data.params, data.responses
        flags = item_flags(data)
        c = data.classical
        stats = {}
        for j, iid in enumerate(params.item_ids.tolist()):
            stats[iid] = ItemStats(
                n=int(matrix.responses_per_item[j]),
                p_value=float(c.p_value[j]),
                rit=float(c.corrected_item_total[j]),
                infit=float(data.fit.infit.infit[j]),
                outfit=float(data.fit.infit.outfit[j]),
                sx2_p=None if data.fit.sx2 is None else float(data.fit.sx2.p[j]),
                flags=tuple(flags[iid]),
            )
        out = BankAnalysis(int(calibration_id), data, stats, {iid: j for j, iid in enumerate(params.item_ids.tolist())})
        _CACHE.setdefault(bind, {})[int(calibration_id)] = (time.monotonic(), out)
        return out


def item_figures(analysis: BankAnalysis, item_id: str) -> dict[str, str]:
    """Inline SVGs of an item: its curve with observed proportions, its information.

    Parameters
    ----------
    analysis : BankAnalysis
    item_id : str

    Returns
    -------
    dict of str to str
        ``"icc"`` and ``"information"`` SVG texts; empty when the item is not
        in the analysis.
    """
    j = analysis.position.get(item_id)
    if j is None:
        return {}
    data = analysis.data
    params = data.params
    observed = observed_proportions(data.responses, data.fit.eap.theta, params.n_categories - 1)
    curves = information_curves(params.subset([j]), np.linspace(-4, 4, 121))
    return {
        "icc": to_svg(icc_figure(params, j, observed, title=f"{item_id}: expected score")),
        "information": to_svg(information_figure(curves, title=f"{item_id}: information and CSEM")),
    }
