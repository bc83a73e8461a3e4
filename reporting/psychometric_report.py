"""A self-contained HTML report of a calibration.

:func:`analyze` computes everything a psychometrician checks (EAP scores,
S-X2, infit/outfit, M2, reliability, information, classical statistics,
Mantel-Haenszel DIF, distractor analysis) into a :class:`ReportData`;
:func:`render_html` lays it out as one HTML page with inline SVG plots (item
characteristic curves with observed proportions, information and CSEM,
distractor curves) and no external resources; :func:`build_report` does both.
The CLI (``masterycat report``) and the service call the same functions.
"""

from __future__ import annotations

import datetime as _dt
import html
from dataclasses import dataclass

import numpy as np

from engine.analysis.classical import DistractorAnalysis, ItemStatistics, distractor_analysis, response_item_statistics
from engine.analysis.dif import MantelHaenszelResult, mantel_haenszel
from engine.analysis.fit import (
    InfitOutfit,
    ModelFit,
    PersonFit,
    Q1Result,
    SX2Result,
    infit_outfit,
    m2,
    person_fit,
    pv_q1,
    sx2,
)
from engine.analysis.reliability import (
    InformationCurves,
    empirical_reliability,
    information_curves,
    marginal_reliability,
)
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.scoring import score
from reporting.figures import (
    ability_figure,
    dif_figure,
    distractor_figure,
    icc_figure,
    information_figure,
    observed_proportions,
    to_svg,
)

__all__ = ["ReportData", "analyze", "render_html", "build_report", "FLAG_RULES"]

#: What the report flags, in words shown on the page.
FLAG_RULES = {
    "sx2": "S-X2 p < 0.01",
    "q1": "plausible-value Q1 p < 0.01 (incomplete data, where S-X2 is unavailable)",
    "infit": "infit or outfit mean square outside 0.7-1.3",
    "dif": "Mantel-Haenszel ETS class B or C (BB or CC)",
    "miskey": "a distractor attracts high scorers (possible wrong key)",
    "rit": "corrected item-total correlation below 0.15",
}

#: Order in which flagged items get their curves when plots are capped.
_SEVERITY = {"miskey": 3, "dif": 3, "sx2": 2, "q1": 2, "infit": 1, "rit": 1}


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows (arrays in the parameter table's item order)."""

    title: str
    params: ItemParameters
    responses: ResponseMatrix
    theta: np.ndarray
    theta_se: np.ndarray
    sx2: SX2Result | None
    model_fit: ModelFit | None
    notes: tuple
    infit: InfitOutfit
    q1: Q1Result
    persons: PersonFit
    classical: ItemStatistics
    curves: InformationCurves
    marginal_reliability: float
    empirical_reliability: float
    dif: MantelHaenszelResult | None
    dif_groups: tuple | None
    group_labels: np.ndarray | None
    distractors: DistractorAnalysis | None
    latent_mean: float
    latent_sd: float
    residual_scores: str = "wle"


def analyze(
    responses: ResponseMatrix,
    params: ItemParameters,
    *,
    title: str = "Calibration report",
    groups=None,
    reference: str | None = None,
    focal: str | None = None,
    choices=None,
    latent_mean: float = 0.0,
    latent_sd: float = 1.0,
    seed: int = 0,
    residual_scores: str = "wle",
) -> ReportData:
    """Compute the statistics of the report.

    Parameters
    ----------
    responses : ResponseMatrix
        The calibration data, columns aligned with ``params``.
    params : ItemParameters
    groups : array_like of str, shape (N,), optional
        Group label per student ("" for none) for the DIF section.
    reference, focal : str, optional
        The two groups compared.
    choices : (item_ids, choices (N, J'), key (J',)), optional
        Options chosen, rows in the order of ``responses.student_ids``.
    latent_mean, latent_sd : float
    seed : int
        Seed of the plausible values of PV-Q1.
    residual_scores : {"wle", "mle", "eap"}
        Ability estimates for infit, outfit, Zh and person fit (EAP shrinks
        the residual variance and pushes mean squares below 1).

    Returns
    -------
    ReportData
    """
    if responses.n_items != params.n_items or not np.array_equal(responses.item_ids, params.item_ids):
        raise ValueError("responses and parameters should list the same items in the same order")
    notes = []
    if residual_scores not in ("wle", "mle", "eap"):
        raise ValueError(f"residual_scores should be wle, mle or eap, got {residual_scores!r}")
    est = score(responses, params, "eap", prior_mean=latent_mean, prior_sd=latent_sd)
    person = est if residual_scores == "eap" else score(responses, params, residual_scores)
    s = fit_all = None
    if responses.is_complete:
        s = sx2(responses, params, latent_mean=latent_mean, latent_sd=latent_sd)
        try:
            fit_all = m2(responses, params, latent_mean=latent_mean, latent_sd=latent_sd)
        except ValueError as err:
            notes.append(f"M2 not computed: {err}")
    else:
        notes.append(
            "S-X2 and M2 need complete data; this calibration has missing cells, so item fit rests on "
            "plausible-value Q1 and infit/outfit."
        )
    io_fit = infit_outfit(responses, params, person.theta)
    classical = response_item_statistics(responses)
    curves = information_curves(params, np.linspace(-4, 4, 121))
    mh = None
    if groups is not None and reference is not None and focal is not None:
        matching = None
        if not responses.is_complete:
            edges = np.quantile(est.theta, np.linspace(0, 1, 11)[1:-1])
            matching = np.searchsorted(edges, est.theta, side="right")
            notes.append("DIF strata are EAP deciles (the data are incomplete).")
        mh = mantel_haenszel(responses, groups, reference, focal, matching=matching)
    da = None
    if choices is not None:
        ids, opts, key = choices
        da = distractor_analysis(opts, key, ids)
    return ReportData(
        title=title,
        params=params,
        responses=responses,
        theta=est.theta,
        theta_se=est.se,
        sx2=s,
        model_fit=fit_all,
        notes=tuple(notes),
        infit=io_fit,
        q1=pv_q1(responses, params, est.theta, est.se, np.random.default_rng(seed)),
        persons=person_fit(responses, params, person.theta),
        classical=classical,
        curves=curves,
        marginal_reliability=marginal_reliability(params, mean=latent_mean, sd=latent_sd),
        empirical_reliability=empirical_reliability(est.theta, est.se),
        dif=mh,
        dif_groups=None if mh is None else (reference, focal),
        group_labels=None if mh is None else np.asarray(groups, dtype=object).astype(str),
        distractors=da,
        latent_mean=latent_mean,
        latent_sd=latent_sd,
        residual_scores=residual_scores,
    )


def item_flags(data: ReportData) -> dict[str, list[str]]:
    """Flag names per item id (see :data:`FLAG_RULES`)."""
    ids = data.params.item_ids.tolist()
    flags: dict[str, list[str]] = {i: [] for i in ids}
    for j, iid in enumerate(ids):
        if data.sx2 is not None and np.isfinite(data.sx2.p[j]) and data.sx2.p[j] < 0.01:
            flags[iid].append("sx2")
        if data.sx2 is None and np.isfinite(data.q1.p[j]) and data.q1.p[j] < 0.01:
            flags[iid].append("q1")
        if not (0.7 <= data.infit.infit[j] <= 1.3 and 0.7 <= data.infit.outfit[j] <= 1.3):
            flags[iid].append("infit")
        if data.dif is not None and data.dif.ets_class[j] in ("B", "C", "BB", "CC"):
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
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:10px}
.item{background:white;border:1px solid #ddd;border-radius:6px;padding:6px}
.item.flagged{border-color:#b30000}
.item svg{width:100%;height:auto}
.note{color:#555;font-size:13px}
.wide svg{max-width:760px;width:100%;height:auto}
"""


def _fmt(v, digits: int = 3) -> str:
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


def _table(header: list[str], rows: list[list], flagged: list[bool] | None = None) -> str:
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
        ("marginal reliability", _fmt(data.marginal_reliability)),
        ("empirical reliability (EAP)", _fmt(data.empirical_reliability)),
        ("coefficient alpha", _fmt(data.classical.alpha)),
    ]
    if data.model_fit is not None:
        mf = data.model_fit
        cards.append((f"{mf.statistic} (df, p)", f"{mf.m2:.2f} ({mf.df}, {_fmt(mf.p)})"))
        cards.append(("RMSEA", _fmt(mf.rmsea)))
    cards.append(("items flagged", f"{n_flagged}"))
    lz = data.persons.lz
    cards.append(
        ("students with lz < -1.645", f"{int(np.sum(lz < -1.645))} ({np.mean(lz[np.isfinite(lz)] < -1.645):.1%})")
    )
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(data.title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{html.escape(data.title)}</h1><p>models: {html.escape(models)} &middot; latent N({data.latent_mean:g}, {data.latent_sd:g}&sup2;) &middot; generated {html.escape(when)}</p></header><main>",
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
        to_svg(ability_figure(data.theta, data.persons.lz, latent_mean=data.latent_mean, latent_sd=data.latent_sd)),
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
    s = data.sx2
    rows = []
    for j in range(p.n_items):
        rows.append(
            [
                html.escape(ids[j]),
                _fmt(s.sx2[j] if s else None),
                _fmt(s.df[j] if s else None),
                _fmt(s.p[j] if s else None),
                _fmt(s.rmsea[j] if s else None),
                _fmt(data.q1.x2[j], 2),
                _fmt(data.q1.df[j], 1),
                _fmt(data.q1.p[j]),
                _fmt(data.infit.infit[j]),
                _fmt(data.infit.outfit[j]),
                _fmt(data.infit.z_infit[j], 2),
                _fmt(data.infit.z_outfit[j], 2),
                _fmt(data.infit.zh[j], 2),
                _tags(flags[ids[j]]),
            ]
        )
    out += [
        "<h2>Item fit</h2>",
        "<p class='note'>S-X2: Orlando-Thissen summed-score statistic (cells collapsed as in mirt). "
        "PV-Q1: Yen's statistic over ten ability groups on plausible values, averaged over 30 draws "
        "(works with missing data; Q1 on EAP scores rejects good items far too often). "
        f"Infit/outfit: mean squares at {data.residual_scores.upper()} scores "
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
    c = data.classical
    rows = [
        [
            html.escape(ids[j]),
            _fmt(c.n[j]),
            _fmt(c.p_value[j]),
            _fmt(c.point_biserial[j]),
            _fmt(c.corrected_item_total[j]),
            _fmt(c.alpha_if_deleted[j]),
        ]
        for j in range(p.n_items)
    ]
    out += [
        "<h2>Classical item statistics</h2>",
        f"<p class='note'>Coefficient alpha {_fmt(c.alpha)} on {c.n_complete} complete records; "
        f"total score mean {c.total_mean:.2f}, sd {c.total_sd:.2f}.</p>",
        _table(["item", "n", "p-value", "item-total r", "corrected r", "alpha if deleted"], rows),
    ]

    # DIF
    if data.dif is not None:
        d = data.dif
        ref, foc = data.dif_groups
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
    obs = observed_proportions(data.responses, data.theta, p.n_categories - 1)
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
        if "dif" in flags[iid]:
            ref, foc = data.dif_groups
            out.append(to_svg(dif_figure(p, j, data.responses, data.theta, data.group_labels, ref, foc)))
        if iid in da_pos:
            out.append(to_svg(distractor_figure(data.distractors, da_pos[iid])))
        out.append(f"<div>{_tags(flags[iid])}</div></div>")
    out.append("</div>")
    if len(shown) < len(ids):
        out.append(f"<p class='note'>Curves drawn for {len(shown)} of {len(ids)} items (most serious flags first).</p>")
    out.append("</main></body></html>")
    return "\n".join(out)


def build_report(responses: ResponseMatrix, params: ItemParameters, **options) -> str:
    """:func:`analyze` then :func:`render_html`; returns the HTML text."""
    generated = options.pop("generated", None)
    max_item_plots = options.pop("max_item_plots", 60)
    return render_html(analyze(responses, params, **options), generated=generated, max_item_plots=max_item_plots)
