"""The fit report of a calibration, small: what the bank's fit report page shows, computed once and stored.

The self-contained report (``masterycat report``, ``GET
/api/v1/calibrations/{id}/report``) draws every item's curves; the page
shows the same summary, flags and one row of numbers per item (parameters,
fit, classical statistics), Mantel-Haenszel DIF between two groups of
students when the groups are known, and the test information curve, and
links each item to its page, where its curves are drawn.

Computing it takes seconds (abilities, plausible-value item fit, the chart),
and a calibration's fit to the answers stored when it finished does not
change: :func:`store_fit_report` computes the page's numbers as one JSON
document (:func:`fit_report_document`) and keeps it with the calibration
(:mod:`itembank.calibration_analysis`) when the calibration finishes;
:func:`fit_report` reads it, and computes and stores it on the first view of
a calibration that has none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from itembank.calibration_analysis import store_analysis, stored_analysis
from itembank.tables import utcnow
from reporting.bank_analysis import calibration_data
from reporting.figures import information_figure, to_svg
from reporting.psychometric_report import ReportData, item_flags

__all__ = ["DOCUMENT_VERSION", "DifGroups", "fit_report_document", "store_fit_report", "fit_report"]

#: The layout of the stored document; a stored document of another version is made again.
DOCUMENT_VERSION = 1


@dataclass(frozen=True)
class DifGroups:
    """Two groups of students to compare for DIF.

    Attributes
    ----------
    reference, focal : str
        The group labels compared (the focal group is the one an item may be
        unfair to).
    students : mapping of str to str
        Each student's group by external id; students not in it, or in
        another group, are left out of the comparison.
    """

    reference: str
    focal: str
    students: Mapping[str, str]


def _value(x: Any) -> float | None:
    """A finite float, or None (JSON has no NaN)."""
    return float(x) if x is not None and math.isfinite(float(x)) else None


def _p_order(p: float) -> float:
    """Sort key of a p-value: smallest first, undefined last."""
    return p if math.isfinite(p) else math.inf


def _dif(data: ReportData) -> dict | None:
    """The DIF part of the document: the groups, their sizes, every item's Mantel-Haenszel numbers (smallest p first)."""
    if data.dif is None:
        return None
    mh = data.dif.mantel_haenszel
    labels = data.dif.group_labels
    return {
        "reference": data.dif.reference,
        "focal": data.dif.focal,
        "n_reference": int(np.sum(labels == data.dif.reference)),
        "n_focal": int(np.sum(labels == data.dif.focal)),
        "rows": [
            {
                "item_id": iid,
                "delta": _value(mh.delta[j]),
                "se_delta": _value(mh.se_delta[j]),
                "p": _value(mh.p[j]),
                "smd": _value(mh.smd[j]),
                "ets_class": str(mh.ets_class[j]),
                "n_reference": int(mh.n_reference[j]),
                "n_focal": int(mh.n_focal[j]),
            }
            for j, iid in sorted(enumerate(mh.item_ids.tolist()), key=lambda x: _p_order(mh.p[x[0]]))
        ],
    }


def fit_report_document(data: ReportData) -> dict:
    """The numbers of the fit report page, as JSON-ready values.

    Parameters
    ----------
    data : ReportData
        A calibration's analysis on the stored responses (J items, N students).

    Returns
    -------
    dict
        ``version`` (:data:`DOCUMENT_VERSION`); ``cards``, [label, text]
        pairs of the summary; ``notes``, the analysis's notes;
        ``residual_scores``, the abilities of infit and outfit; ``rows``, J
        items in bank order (item_id, model, a, b, se_b, n, p_value, rit,
        infit, outfit, sx2_p, pv_q1_p: None where a statistic does not apply;
        flags); ``dif``, None without groups, else the reference and focal
        groups, their sizes and every item's Mantel-Haenszel delta, its SE,
        p, SMD, ETS class and counts, smallest p first; ``information``, an inline SVG of the
        test information and CSEM.
    """
    p, fit, classical = data.params, data.fit, data.classical
    flags = item_flags(data)
    se_b = p.se.get("b")
    rows = [
        {
            "item_id": iid,
            "model": str(p.model[j]),
            "a": _value(p.a[j]),
            "b": _value(p.b[j]),
            "se_b": None if se_b is None else _value(se_b[j]),
            "n": int(data.responses.responses_per_item[j]),
            "p_value": _value(classical.p_value[j]),
            "rit": _value(classical.corrected_item_total[j]),
            "infit": _value(fit.infit.infit[j]),
            "outfit": _value(fit.infit.outfit[j]),
            "sx2_p": None if fit.sx2 is None else _value(fit.sx2.p[j]),
            "pv_q1_p": _value(fit.pv_q1.p[j]),
            "flags": list(flags[iid]),
        }
        for j, iid in enumerate(p.item_ids.tolist())
    ]
    lz = fit.persons.lz
    finite_lz = lz[np.isfinite(lz)]
    cards = [
        ["students", f"{data.responses.n_students:,}"],
        ["items", f"{p.n_items:,}"],
        ["responses", f"{data.responses.n_responses:,}"],
        ["marginal reliability", f"{fit.marginal_reliability:.3f}"],
        ["empirical reliability (EAP)", f"{fit.empirical_reliability:.3f}"],
        ["coefficient alpha", f"{classical.alpha:.3f}" if math.isfinite(classical.alpha) else "–"],
    ]
    if fit.model_fit is not None:
        mf = fit.model_fit
        cards += [[f"{mf.statistic} (df, p)", f"{mf.m2:.2f} ({mf.df}, {mf.p:.3f})"], ["RMSEA", f"{mf.rmsea:.3f}"]]
    cards += [
        ["items flagged", str(sum(1 for r in rows if r["flags"]))],
        [
            "students with lz < -1.645",
            f"{int(np.sum(finite_lz < -1.645))} ({np.mean(finite_lz < -1.645):.1%})" if finite_lz.size else "–",
        ],
    ]
    return {
        "version": DOCUMENT_VERSION,
        "cards": cards,
        "notes": list(data.notes),
        "residual_scores": fit.residual_scores.upper(),
        "rows": rows,
        "dif": _dif(data),
        "information": to_svg(information_figure(data.curves, title="Test information and CSEM", item_curves=False)),
    }


def store_fit_report(session: Session, calibration_id: int, groups: DifGroups | None = None) -> dict | None:
    """Compute the fit report of a calibration on the stored responses and keep it; not committed.

    Parameters
    ----------
    session : Session
    calibration_id : int
    groups : DifGroups, optional
        The students' groups for the DIF section (none without).

    Returns
    -------
    dict or None
        The document (:func:`fit_report_document`) and ``made_at``, when it
        was computed (ISO 8601, UTC); None, and nothing
        stored, when the calibration has no parameters or too few stored
        responses to its items for the statistics.
    """
    data = calibration_data(
        session,
        calibration_id,
        groups=None if groups is None else groups.students,
        reference=None if groups is None else groups.reference,
        focal=None if groups is None else groups.focal,
    )
    if data is None:
        return None
    document = {**fit_report_document(data), "made_at": utcnow().isoformat(timespec="minutes")}
    store_analysis(session, calibration_id, document)
    return document


def fit_report(session: Session, calibration_id: int) -> dict | None:
    """The stored fit report of a finished calibration, computed and stored (committed) when it has none.

    A document of another :data:`DOCUMENT_VERSION` is made again, without DIF
    groups (they are not stored).

    Parameters
    ----------
    session : Session
    calibration_id : int
        A finished calibration.

    Returns
    -------
    dict or None
        The document (:func:`fit_report_document`); None when the
        calibration has no parameters or too few stored responses.
    """
    document = stored_analysis(session, calibration_id)
    if document is not None and document.get("version") == DOCUMENT_VERSION:
        return document
    document = store_fit_report(session, calibration_id)
    try:
        session.commit()
    except IntegrityError:  # another request stored it first: theirs is as good
        session.rollback()
    return document
