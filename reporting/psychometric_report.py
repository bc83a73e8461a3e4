"""A self-contained HTML report of a calibration.

:func:`analyze` computes everything a psychometrician checks (the fit
statistics of :func:`reporting.fit_analysis.analyze_fit`: EAP scores, S-X2,
PV-Q1, infit/outfit, M2, person fit, reliability; plus information,
classical statistics, Mantel-Haenszel DIF, distractor analysis) into a
:class:`ReportData`; :func:`item_flags` names what each item trips of
:data:`FLAG_RULES`; :func:`render_html` lays it out as one HTML page with
inline SVG plots (item characteristic curves with observed proportions,
information and CSEM, distractor curves) and no external resources;
:func:`build_report` does both.  The CLI (``masterycat report``), the API
and the bank pages call the same functions.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from engine.analysis.classical import DistractorAnalysis, ItemStatistics, distractor_analysis, response_item_statistics
from engine.analysis.dif import MantelHaenszelResult, mantel_haenszel
from engine.analysis.reliability import InformationCurves, information_curves
from engine.irt.calibration.identification import poorly_identified
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from reporting.figures import (
    ability_figure,
    dif_figure,
    distractor_figure,
    icc_figure,
    information_figure,
    observed_proportions,
    to_svg,
)
from reporting.fit_analysis import FitAnalysis, analyze_fit

__all__ = ["ReportData", "DifAnalysis", "analyze", "item_flags", "render_html", "build_report", "FLAG_RULES"]

#: What the report flags, in words shown on the page.
FLAG_RULES = {
    "sx2": "S-X2 p < 0.01",
    "q1": "plausible-value Q1 p < 0.01 (incomplete data, where S-X2 is unavailable)",
    "infit": "infit or outfit mean square outside 0.7-1.3",
    "dif": "Mantel-Haenszel ETS class B or C (BB or CC)",
    "miskey": "a distractor attracts high scorers (possible wrong key)",
    "rit": "corrected item-total correlation below 0.15",
    "unidentified": "the data cannot pin the item down: a location beyond +-5, or a standard error not finite "
    "or above 1 for a location (engine.irt.calibration.identification)",
}

#: Order in which flagged items get their curves when plots are capped.
_SEVERITY = {"miskey": 3, "dif": 3, "unidentified": 3, "sx2": 2, "q1": 2, "infit": 1, "rit": 1}


@dataclass(frozen=True)
class DifAnalysis:
    """Mantel-Haenszel DIF between two groups of students.

    Attributes
    ----------
    reference, focal : str
        The groups compared.
    group_labels : ndarray of str, shape (N,)
        Each student's group ("" for none).
    mantel_haenszel : MantelHaenszelResult
        Per item.
    """

    reference: str
    focal: str
    group_labels: np.ndarray
    mantel_haenszel: MantelHaenszelResult


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows (arrays in the parameter table's item order).

    Attributes
    ----------
    title : str
    params : ItemParameters
        J items.
    responses : ResponseMatrix
        N students x J items.
    fit : FitAnalysis
        Abilities, item, person and model fit, reliability.
    notes : tuple of str
        The fit analysis's notes and the report's own.
    classical : ItemStatistics
    curves : InformationCurves
        Item and test information on 121 points of [-4, 4].
    dif : DifAnalysis or None
    distractors : DistractorAnalysis or None
    """

    title: str
    params: ItemParameters
    responses: ResponseMatrix
    fit: FitAnalysis
    notes: tuple[str, ...]
    classical: ItemStatistics
    curves: InformationCurves
    dif: DifAnalysis | None
    distractors: DistractorAnalysis | None


def analyze(
    responses: ResponseMatrix,
    params: ItemParameters,
    *,
    title: str = "Calibration report",
    groups: ArrayLike | None = None,
    reference: str | None = None,
    focal: str | None = None,
    choices: tuple[Sequence[str] | np.ndarray, np.ndarray, ArrayLike] | None = None,
    latent_mean: float | None = None,
    latent_sd: float | None = None,
    seed: int = 0,
    residual_scores: str = "wle",
) -> ReportData:
    """Compute the statistics of the report.

    Parameters
    ----------
    responses : ResponseMatrix
        The calibration data, N students x J items, columns aligned with ``params``.
    params : ItemParameters
        J items.
    title : str
    groups : array_like of str, shape (N,), optional
        Group label per student ("" for none) for the DIF section.
    reference, focal : str, optional
        The two groups compared.
    choices : (item_ids (J',), choices (N, J'), key (J',)), optional
        Options chosen, rows in the order of ``responses.student_ids``.
    latent_mean, latent_sd : float, optional
        The calibration's latent distribution (default N(0, 1), estimated
        for an all-Rasch table: :func:`reporting.fit_analysis.latent_distribution`).
    seed : int
        Seed of the plausible values of PV-Q1.
    residual_scores : {"wle", "mle", "eap"}
        Ability estimates for infit, outfit, Zh and person fit (EAP shrinks
        the residual variance and pushes mean squares below 1).

    Returns
    -------
    ReportData
    """
    fit = analyze_fit(
        responses, params, latent_mean=latent_mean, latent_sd=latent_sd, seed=seed, residual_scores=residual_scores
    )
    notes = list(fit.notes)
    dif = None
    if groups is not None and reference is not None and focal is not None:
        matching = None
        if not responses.is_complete:
            theta = fit.eap.theta
            edges = np.quantile(theta, np.linspace(0, 1, 11)[1:-1])
            matching = np.searchsorted(edges, theta, side="right")
            notes.append("DIF strata are EAP deciles (the data are incomplete).")
        dif = DifAnalysis(
            reference,
            focal,
            np.asarray(groups, dtype=object).astype(str),
            mantel_haenszel(responses, groups, reference, focal, matching=matching),
        )
    da = None
    if choices is not None:
        ids, opts, key = choices
        da = distractor_analysis(opts, key, ids)
    return ReportData(
        title=title,
        params=params,
        responses=responses,
        fit=fit,
        notes=tuple(notes),
        classical=response_item_statistics(responses),
        curves=information_curves(params, np.linspace(-4, 4, 121)),
        dif=dif,
        distractors=da,
    )


def item_flags(data: ReportData) -> dict[str, list[str]]:
    """Flag names per item id (see :data:`FLAG_RULES`).

    Parameters
    ----------
    data : ReportData

    Returns
    -------
    dict of str to list of str
        Every item id of ``data.params``, in order, with its flags (possibly none).
    """
    ids = data.params.item_ids.tolist()
    fit = data.fit
    flags: dict[str, list[str]] = {i: [] for i in ids}
    unidentified = poorly_identified(data.params)
    for j, iid in enumerate(ids):
        if unidentified[j]:
            flags[iid].append("unidentified")
        if fit.sx2 is not None and np.isfinite(fit.sx2.p[j]) and fit.sx2.p[j] < 0.01:
            flags[iid].append("sx2")
        if fit.sx2 is None and np.isfinite(fit.pv_q1.p[j]) and fit.pv_q1.p[j] < 0.01:
            flags[iid].append("q1")
        if not (0.7 <= fit.infit.infit[j] <= 1.3 and 0.7 <= fit.infit.outfit[j] <= 1.3):
            flags[iid].append("infit")
        if data.dif is not None and data.dif.mantel_haenszel.ets_class[j] in ("B", "C", "BB", "CC"):
            flags[iid].append("dif")
        if np.isfinite(data.classical.corrected_item_total[j]) and data.classical.corrected_item_total[j] < 0.15:
            flags[iid].append("rit")
    if data.distractors is not None:
        for k, iid in enumerate(data.distractors.item_ids.tolist()):
            if data.distractors.miskey[k] and iid in flags:
                flags[iid].append("miskey")
    return flags


# ---------------------------------------------------------------- rendering
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
header{background:#12355b;color:white;padding:18px 28px}
header h1{margin:0 0 4px 0;font-size:22px} header p{margin:0;opacity:.85;font-size:13px}
main{padding:12px 28px 40px 28px;max-width:1400px}
h2{border-bottom:2px solid #12355b;padding-bottom:4px;margin-top:32px;font-size:18px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:white;border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}
.card .v{font-size:22px;font-weight:600} .card .k{font-size:12px;color:#555}
table{border-collapse:collapse;font-size:12px;background:white;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right} th{background:#eef2f7;position:sticky;top:0}
td.id,th.id{text-align:left;font-weight:600}
tr.flag td{background:#fff3f0}
.tag{display:inline-block;background:#b30000;color:white;border-radius:3px;padding:0 5px;margin:0 2px;font-size:11px}
.tag.dif{background:#7b3294}.tag.infit{background:#d95f02}.tag.rit{background:#666}.tag.miskey{background:#000}
.tag.unidentified{background:#8c6d00}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:10px}
.item{background:white;border:1px solid #ddd;border-radius:6px;padding:6px}
.item.flagged{border-color:#b30000}
.item svg{width:100%;height:auto}
.note{color:#555;font-size:13px}
.wide svg{max-width:760px;width:100%;height:auto}
"""


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return ""
    if isinstance(v, (str, np.str_)):
        return html.escape(str(v))
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else ""
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if not np.isfinite(v):
        return "&ndash;"
    return f"{v:.{digits}f}"


def _table(header: list[str], rows: list[list[str]], flagged: list[bool] | None = None) -> str:
    head = "".join(
        f'<th class="id">{html.escape(h)}</th>' if i == 0 else f"<th>{html.escape(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for r, row in enumerate(rows):
        cls = ' class="flag"' if flagged is not None and flagged[r] else ""
        cells = "".join(f'<td class="id">{c}</td>' if i == 0 else f"<td>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _tags(names: list[str]) -> str:
    return "".join(f'<span class="tag {n}" title="{html.escape(FLAG_RULES[n])}">{n}</span>' for n in names)


def render_html(data: ReportData, *, generated: str | None = None, max_item_plots: int = 60) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    data : ReportData
    generated : str, optional
        Timestamp shown in the header (default: now, UTC).
    max_item_plots : int
        Most items drawn (most serious flags first, then bank order); a bank of
        thousands of items gets its tables in full and a sample of curves.
    """
    p = data.params
    ids = p.item_ids.tolist()
    flags = item_flags(data)
    n_flagged = sum(1 for f in flags.values() if f)
    when = generated or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    models = ", ".join(f"{m} ({c})" for m, c in zip(*np.unique(p.model, return_counts=True)))

    cards = [
        ("students", f"{data.responses.n_students}"),
        ("items", f"{p.n_items}"),
        ("responses", f"{data.responses.n_responses}"),
        ("marginal reliability", _fmt(data.fit.marginal_reliability)),
        ("empirical reliability (EAP)", _fmt(data.fit.empirical_reliability)),
        ("coefficient alpha", _fmt(data.classical.alpha)),
    ]
    if data.fit.model_fit is not None:
        mf = data.fit.model_fit
        cards.append((f"{mf.statistic} (df, p)", f"{mf.m2:.2f} ({mf.df}, {_fmt(mf.p)})"))
        cards.append(("RMSEA", _fmt(mf.rmsea)))
    cards.append(("items flagged", f"{n_flagged}"))
    lz = data.fit.persons.lz
    cards.append(
        ("students with lz < -1.645", f"{int(np.sum(lz < -1.645))} ({np.mean(lz[np.isfinite(lz)] < -1.645):.1%})")
    )
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(data.title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{html.escape(data.title)}</h1><p>models: {html.escape(models)} &middot; latent N({data.fit.latent.mean:g}, {data.fit.latent.sd:g}&sup2;) &middot; generated {html.escape(when)}</p></header><main>",
        "<h2>Summary</h2><div class='cards'>",
        *[f"<div class='card'><div class='v'>{v}</div><div class='k'>{html.escape(k)}</div></div>" for k, v in cards],
        "</div>",
        *[f"<p class='note'>{html.escape(n)}</p>" for n in data.notes],
        "<p class='note'>Flags: " + "; ".join(f"{_tags([k])} {html.escape(v)}" for k, v in FLAG_RULES.items()) + "</p>",
    ]

    # flagged items first
    if n_flagged:
        rows = [[html.escape(i), _tags(f)] for i, f in flags.items() if f]
        out += ["<h2>Items to review</h2>", _table(["item", "flags"], rows)]

    # information, abilities
    out += [
        "<h2>Test information and conditional SEM</h2><div class='wide'>",
        to_svg(information_figure(data.curves)),
        "</div>",
    ]
    out += [
        "<h2>Students</h2><p class='note'>EAP estimates against the calibration's latent distribution, and the "
        "standardized log-likelihood lz of each student's answers (large negative values: aberrant patterns; "
        "about 5 % fall below -1.645 when the model fits).</p><div class='wide'>",
        to_svg(
            ability_figure(
                data.fit.eap.theta, data.fit.persons.lz, latent_mean=data.fit.latent.mean, latent_sd=data.fit.latent.sd
            )
        ),
        "</div>",
    ]

    # parameters
    thr_w = int(p.n_categories.max()) - 1 if np.any(p.n_categories > 2) else 0
    cols = ["a", "b", "c", "d"] + [f"b{k}" for k in range(1, thr_w + 1)]
    header = ["item", "model"]
    for c in cols:
        header.append(c)
        if c in p.se:
            header.append(f"se {c}")
    rows = []
    for j in range(p.n_items):
        row = [html.escape(ids[j]), html.escape(str(p.model[j]))]
        values = {"a": p.a[j], "b": p.b[j], "c": p.c[j], "d": p.d[j]}
        for k in range(thr_w):
            values[f"b{k + 1}"] = p.thresholds[j, k] if k < p.thresholds.shape[1] else np.nan
        for c in cols:
            row.append(_fmt(values[c]))
            if c in p.se:
                row.append(_fmt(p.se[c][j]))
        rows.append(row)
    out += ["<h2>Item parameters</h2>", _table(header, rows, [bool(flags[i]) for i in ids])]

    # fit
    s = data.fit.sx2
    rows = []
    for j in range(p.n_items):
        rows.append(
            [
                html.escape(ids[j]),
                _fmt(s.sx2[j] if s else None),
                _fmt(s.df[j] if s else None),
                _fmt(s.p[j] if s else None),
                _fmt(s.rmsea[j] if s else None),
                _fmt(data.fit.pv_q1.x2[j], 2),
                _fmt(data.fit.pv_q1.df[j], 1),
                _fmt(data.fit.pv_q1.p[j]),
                _fmt(data.fit.infit.infit[j]),
                _fmt(data.fit.infit.outfit[j]),
                _fmt(data.fit.infit.z_infit[j], 2),
                _fmt(data.fit.infit.z_outfit[j], 2),
                _fmt(data.fit.infit.zh[j], 2),
                _tags(flags[ids[j]]),
            ]
        )
    out += [
        "<h2>Item fit</h2>",
        "<p class='note'>S-X2: Orlando-Thissen summed-score statistic (cells collapsed as in mirt). "
        "PV-Q1: Yen's statistic over ten ability groups on plausible values, averaged over 30 draws "
        "(works with missing data; Q1 on EAP scores rejects good items far too often). "
        f"Infit/outfit: mean squares at {data.fit.residual_scores.upper()} scores "
        "(expected 1; estimated abilities pull them a little below). "
        "Zh: standardized log-likelihood of the "
        "item's responses (mirt's Zh).</p>",
        _table(
            [
                "item",
                "S-X2",
                "df",
                "p",
                "RMSEA",
                "PV-Q1",
                "df",
                "p",
                "infit",
                "outfit",
                "z infit",
                "z outfit",
                "Zh",
                "flags",
            ],
            rows,
            [bool(flags[i]) for i in ids],
        ),
    ]

    # classical
    classical = data.classical
    rows = [
        [
            html.escape(ids[j]),
            _fmt(classical.n[j]),
            _fmt(classical.p_value[j]),
            _fmt(classical.point_biserial[j]),
            _fmt(classical.corrected_item_total[j]),
            _fmt(classical.alpha_if_deleted[j]),
        ]
        for j in range(p.n_items)
    ]
    out += [
        "<h2>Classical item statistics</h2>",
        f"<p class='note'>Coefficient alpha {_fmt(classical.alpha)} on {classical.n_complete} complete records; "
        f"total score mean {classical.total_mean:.2f}, sd {classical.total_sd:.2f}.</p>",
        _table(["item", "n", "p-value", "item-total r", "corrected r", "alpha if deleted"], rows),
    ]

    # DIF
    if data.dif is not None:
        d = data.dif.mantel_haenszel
        ref, foc = data.dif.reference, data.dif.focal
        rows = [
            [
                html.escape(ids[j]),
                _fmt(d.odds_ratio[j]),
                _fmt(d.delta[j], 2),
                _fmt(d.se_delta[j], 2),
                _fmt(d.chi2[j], 2),
                _fmt(d.p[j]),
                _fmt(d.smd[j]),
                _fmt(d.effect_size[j], 2),
                html.escape(str(d.ets_class[j])),
                _fmt(d.n_reference[j]),
                _fmt(d.n_focal[j]),
            ]
            for j in range(p.n_items)
        ]
        out += [
            f"<h2>Differential item functioning: {html.escape(str(foc))} (focal) vs {html.escape(str(ref))} (reference)</h2>",
            "<p class='note'>Mantel-Haenszel; delta = -2.35 ln(odds ratio), negative = harder for the focal group "
            "at equal matching score; SMD: focal minus reference mean score at equal matching score. "
            "ETS A/AA: negligible, B/BB: moderate, C/CC: large (AA-CC for polytomous items, by SMD/SD).</p>",
            _table(
                ["item", "odds ratio", "MH delta", "se", "chi2", "p", "SMD", "SMD/SD", "ETS", "n ref", "n focal"],
                rows,
                [d.ets_class[j] in ("B", "C", "BB", "CC") for j in range(p.n_items)],
            ),
        ]

    # per-item plots
    obs = observed_proportions(data.responses, data.fit.eap.theta, p.n_categories - 1)
    da_pos = {} if data.distractors is None else {iid: k for k, iid in enumerate(data.distractors.item_ids.tolist())}
    out.append(
        "<h2>Item characteristic curves</h2><p class='note'>Curve: the model. Dots: observed mean score of "
        "students in ten ability groups (EAP), dot area by group size."
        + (" Below: options chosen by total-score group (key bold)." if da_pos else "")
        + (" Items with DIF flags also show observed scores by group." if data.dif is not None else "")
        + "</p><div class='grid'>"
    )
    order = sorted(range(len(ids)), key=lambda j: (-sum(_SEVERITY[f] for f in flags[ids[j]]), j))
    shown = sorted(order[: max(int(max_item_plots), 0)])
    for j in shown:
        iid = ids[j]
        cls = "item flagged" if flags[iid] else "item"
        out.append(f"<div class='{cls}'>{to_svg(icc_figure(p, j, obs, title=f'{iid} ({p.model[j]})'))}")
        if data.dif is not None and "dif" in flags[iid]:
            dif = data.dif
            out.append(
                to_svg(dif_figure(p, j, data.responses, data.fit.eap.theta, dif.group_labels, dif.reference, dif.focal))
            )
        if data.distractors is not None and iid in da_pos:
            out.append(to_svg(distractor_figure(data.distractors, da_pos[iid])))
        out.append(f"<div>{_tags(flags[iid])}</div></div>")
    out.append("</div>")
    if len(shown) < len(ids):
        out.append(f"<p class='note'>Curves drawn for {len(shown)} of {len(ids)} items (most serious flags first).</p>")
    out.append("</main></body></html>")
    return "\n".join(out)


def build_report(responses: ResponseMatrix, params: ItemParameters, **options: Any) -> str:
    """:func:`analyze` then :func:`render_html`; returns the HTML text.

    Parameters
    ----------
    responses : ResponseMatrix
    params : ItemParameters
    **options
        Keywords of :func:`analyze`, and ``generated`` and ``max_item_plots``
        of :func:`render_html`.

    Returns
    -------
    str
    """
    generated = options.pop("generated", None)
    max_item_plots = options.pop("max_item_plots", 60)
    return render_html(analyze(responses, params, **options), generated=generated, max_item_plots=max_item_plots)
