"""The fit report of a calibration as a bank page: what :func:`reporting.psychometric_report.render_html` says, small.

The self-contained report (``masterycat report``, ``GET
/api/v1/calibrations/{id}/report``) draws every item's curves; this page
shows the same summary, flags and one row of numbers per item (parameters,
fit, classical statistics), the test information curve, and links each
item to its page, where its curves are drawn.  It reuses the analysis the
bank browser already holds (:func:`reporting.bank_analysis.bank_analysis`),
so it costs no more than laying out a table.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from reporting.bank_analysis import BankAnalysis
from reporting.figures import information_figure, to_svg
from reporting.psychometric_report import item_flags

__all__ = ["FitReportRow", "fit_report_view"]

#: the information chart of the analyses shown last, by calibration: (analysis, SVG); drawn once per analysis
_CHARTS: dict[int, tuple[BankAnalysis, str]] = {}
_CHARTS_KEPT = 8
_CHARTS_LOCK = threading.Lock()


@dataclass(frozen=True)
class FitReportRow:
    """One item's line of the report (None where a statistic does not apply)."""

    item_id: str
    model: str
    a: float | None
    b: float | None
    se_b: float | None
    n: int
    p_value: float | None
    rit: float | None
    infit: float | None
    outfit: float | None
    sx2_p: float | None
    pv_q1_p: float | None
    flags: tuple[str, ...]


def _value(x) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def _information_chart(analysis: BankAnalysis) -> str:
    """The test information chart of ``analysis`` as inline SVG, drawn once per analysis (drawing is the slow part)."""
    with _CHARTS_LOCK:
        kept = _CHARTS.get(analysis.calibration_id)
    if kept is not None and kept[0] is analysis:
        return kept[1]
    svg = to_svg(information_figure(analysis.data.curves, title="Test information and CSEM", item_curves=False))
    with _CHARTS_LOCK:
        if len(_CHARTS) >= _CHARTS_KEPT:
            _CHARTS.pop(next(iter(_CHARTS)))
        _CHARTS[analysis.calibration_id] = (analysis, svg)
    return svg


def fit_report_view(analysis: BankAnalysis) -> dict:
    """The numbers of the fit report page of ``analysis``.

    Parameters
    ----------
    analysis : BankAnalysis
        A calibration's analysis on the stored responses (J items, N students).

    Returns
    -------
    dict
        ``cards`` (label, text) pairs of the summary; ``rows``, J
        :class:`FitReportRow` in bank order; ``flagged``, the rows with a
        flag; ``notes``, the analysis's notes; ``information``, an inline SVG
        of the test information and CSEM.
    """
    data = analysis.data
    p, fit, classical = data.params, data.fit, data.classical
    flags = item_flags(data)
    se_b = p.se.get("b")
    rows = [
        FitReportRow(
            item_id=iid,
            model=str(p.model[j]),
            a=_value(p.a[j]),
            b=_value(p.b[j]),
            se_b=None if se_b is None else _value(se_b[j]),
            n=int(data.responses.responses_per_item[j]),
            p_value=_value(classical.p_value[j]),
            rit=_value(classical.corrected_item_total[j]),
            infit=_value(fit.infit.infit[j]),
            outfit=_value(fit.infit.outfit[j]),
            sx2_p=None if fit.sx2 is None else _value(fit.sx2.p[j]),
            pv_q1_p=_value(fit.pv_q1.p[j]),
            flags=tuple(flags[iid]),
        )
        for j, iid in enumerate(p.item_ids.tolist())
    ]
    lz = fit.persons.lz
    finite_lz = lz[np.isfinite(lz)]
    cards = [
        ("students", f"{data.responses.n_students:,}"),
        ("items", f"{p.n_items:,}"),
        ("responses", f"{data.responses.n_responses:,}"),
        ("marginal reliability", f"{fit.marginal_reliability:.3f}"),
        ("empirical reliability (EAP)", f"{fit.empirical_reliability:.3f}"),
        ("coefficient alpha", f"{classical.alpha:.3f}" if math.isfinite(classical.alpha) else "–"),
    ]
    if fit.model_fit is not None:
        mf = fit.model_fit
        cards += [(f"{mf.statistic} (df, p)", f"{mf.m2:.2f} ({mf.df}, {mf.p:.3f})"), ("RMSEA", f"{mf.rmsea:.3f}")]
    cards += [
        ("items flagged", str(sum(1 for r in rows if r.flags))),
        (
            "students with lz < -1.645",
            f"{int(np.sum(finite_lz < -1.645))} ({np.mean(finite_lz < -1.645):.1%})" if finite_lz.size else "–",
        ),
    ]
    information = _information_chart(analysis)
    return {
        "cards": cards,
        "rows": rows,
        "flagged": [r for r in rows if r.flags],
        "notes": data.notes,
        "information": information,
        "residual_scores": fit.residual_scores.upper(),
    }
