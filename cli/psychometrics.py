"""``masterycat fit``, ``dif``, ``items``, ``link``, ``information`` and ``report``: the psychometrician's toolkit on files."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import typer

from cli.common import app, fail, print_json
from engine.analysis.classical import distractor_analysis, response_item_statistics
from engine.analysis.dif import irt_lr_dif, mantel_haenszel
from engine.analysis.linking import LINKING_METHODS, transform_parameters
from engine.analysis.linking import link as run_link
from engine.analysis.reliability import information_curves, marginal_reliability
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.scoring import score as run_scoring
from itembank.io import FileFormatError, read_parameters, read_responses, write_parameters
from reporting.analysis_files import read_choices, read_groups, read_key, write_table
from reporting.fit_analysis import RESIDUAL_SCORES, FitAnalysis, analyze_fit


def _load(responses: Path, params: Path) -> tuple[ResponseMatrix, ItemParameters]:
    """Responses and the parameters of their items, in the responses' column order."""
    table = read_parameters(params)
    data = read_responses(responses, n_categories=dict(zip(table.item_ids.tolist(), table.n_categories.tolist())))
    unknown = [i for i in data.item_ids.tolist() if i not in table.index_of]
    if unknown:
        raise ValueError(f"{responses}: item {unknown[0]!r} is not in the parameters file {params}")
    return data, table.subset([table.index_of[i] for i in data.item_ids])


def _student_groups(data: ResponseMatrix, groups: Path) -> np.ndarray:
    mapping = read_groups(groups)
    labels = np.array([mapping.get(s, "") for s in data.student_ids.tolist()], dtype=object)
    if not np.any(labels != ""):
        raise ValueError(f"{groups}: no student of the responses file has a group")
    return labels


def _pick_groups(labels: np.ndarray, reference: str | None, focal: str | None) -> tuple[str, str]:
    present, first, counts = np.unique(labels[labels != ""], return_index=True, return_counts=True)
    if reference is None and focal is None:
        if len(present) != 2:
            raise ValueError(
                f"the groups file has {len(present)} groups ({', '.join(present[:5])}); "
                "name the two to compare with --reference and --focal"
            )
        # the larger group is the reference; on a tie, the one met first
        order = np.lexsort((first, -counts))
        return str(present[order[0]]), str(present[order[1]])
    if reference is None or focal is None:
        raise ValueError("give both --reference and --focal, or neither")
    for name in (reference, focal):
        if name not in set(present.tolist()):
            raise ValueError(f"no student is in group {name!r}")
    return reference, focal


# --------------------------------------------------------------------- fit
@app.command()
def fit(
    responses: Path = typer.Argument(..., help="Responses CSV (wide or long)."),
    params: Path = typer.Option(..., "--params", help="Item parameters CSV."),
    out: Path = typer.Option(..., "--out", help="Where to write the item fit CSV."),
    persons: Path | None = typer.Option(
        None, "--persons", help="Also write person fit (student_id,theta,se,lz,infit,outfit)."
    ),
    latent_mean: float | None = typer.Option(
        None, help="Latent mean of the calibration (default 0; estimated for Rasch)."
    ),
    latent_sd: float | None = typer.Option(None, help="Latent sd of the calibration (default 1; estimated for Rasch)."),
    seed: int = typer.Option(0, help="Seed of the plausible values (PV-Q1)."),
    residual_scores: str = typer.Option(
        "wle", help="Ability estimates for infit, outfit, Zh and person fit: wle, mle or eap (mirt's default)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print overall fit (M2, df, RMSEA; complete data) as JSON on stdout."
    ),
) -> None:
    """Item fit (S-X2, Yen's Q1 and its plausible-value form, infit, outfit, Zh), person fit, overall M2."""
    residual_scores = residual_scores.lower()
    if residual_scores not in RESIDUAL_SCORES:
        fail(f"--residual-scores should be wle, mle or eap, got {residual_scores!r}")
    _check_latent_sd(latent_sd)
    start = time.perf_counter()
    try:
        data, table = _load(responses, params)
        result = analyze_fit(
            data, table, latent_mean=latent_mean, latent_sd=latent_sd, seed=seed, residual_scores=residual_scores
        )
        write_table(out, FIT_COLUMNS, _fit_rows(result, table))
        if persons is not None:
            pf, person = result.persons, result.person_scores
            write_table(
                persons,
                ["student_id", "theta", "se", "n", "lz", "infit", "outfit"],
                (
                    [pf.student_ids[i], person.theta[i], person.se[i], pf.n[i], pf.lz[i], pf.infit[i], pf.outfit[i]]
                    for i in range(data.n_students)
                ),
            )
    except (FileFormatError, ValueError) as err:
        fail(str(err))
    overall = result.model_fit
    sx2_p = np.full(table.n_items, np.nan) if result.sx2 is None else result.sx2.p
    flagged = [str(iid) for iid, p in zip(table.item_ids.tolist(), sx2_p) if np.isfinite(p) and p < 0.01]
    pv_flagged = [str(iid) for iid, p in zip(table.item_ids.tolist(), result.pv_q1.p) if np.isfinite(p) and p < 0.01]
    summary = {
        "n_students": int(data.n_students),
        "n_items": int(table.n_items),
        "m2": None if overall is None else overall.m2,
        "df": None if overall is None else overall.df,
        "p": None if overall is None else overall.p,
        "rmsea": None if overall is None else overall.rmsea,
        "m2_statistic": None if overall is None else overall.statistic,
        "sx2_flagged": flagged,
        "pv_q1_flagged": pv_flagged,
        "empirical_reliability": result.empirical_reliability,
        "marginal_reliability": result.marginal_reliability,
        "latent_mean": result.latent.mean,
        "latent_sd": result.latent.sd,
        "latent": result.latent.source,
        "notes": list(result.notes),
        "seconds": time.perf_counter() - start,
    }
    if as_json:
        print_json(summary)
    else:
        m2_text = "" if overall is None else f", M2 {overall.m2:.3f} on {overall.df} df, RMSEA {overall.rmsea:.3f}"
        typer.echo(
            f"item fit of {table.n_items} items on {data.n_students} students{m2_text}; "
            f"S-X2 p < .01: {', '.join(flagged) or 'none'} -> {out}"
        )
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)


#: Columns of the item fit table of ``masterycat fit``.
FIT_COLUMNS = [
    "item_id",
    "model",
    "n",
    "sx2",
    "df",
    "p",
    "rmsea",
    "infit",
    "outfit",
    "z_infit",
    "z_outfit",
    "zh",
    "q1",
    "q1_df",
    "q1_p",
    "pv_q1",
    "pv_q1_df",
    "pv_q1_p",
]


def _fit_rows(result: FitAnalysis, table: ItemParameters) -> list[list]:
    """One row of :data:`FIT_COLUMNS` per item; S-X2 cells empty on incomplete data."""
    nan = np.full(table.n_items, np.nan)
    s = result.sx2
    stat, df, p, rm = (nan, nan, nan, nan) if s is None else (s.sx2, s.df, s.p, s.rmsea)
    io_fit, q1, pv = result.infit, result.q1, result.pv_q1
    return [
        [
            table.item_ids[j],
            table.model[j],
            io_fit.n[j],
            stat[j],
            df[j] if np.isfinite(stat[j]) else None,
            p[j],
            rm[j],
            io_fit.infit[j],
            io_fit.outfit[j],
            io_fit.z_infit[j],
            io_fit.z_outfit[j],
            io_fit.zh[j],
            q1.x2[j],
            q1.df[j] if np.isfinite(q1.x2[j]) else None,
            q1.p[j],
            pv.x2[j],
            pv.df[j],
            pv.p[j],
        ]
        for j in range(table.n_items)
    ]


def _check_latent_sd(latent_sd: float | None) -> None:
    if latent_sd is not None and not latent_sd > 0:
        fail("--latent-sd must be positive")


# --------------------------------------------------------------------- dif
@app.command()
def dif(
    responses: Path = typer.Argument(..., help="Responses CSV (wide or long)."),
    params: Path = typer.Option(
        ..., "--params", help="Item parameters CSV (anchors of the IRT test; ability for sparse data)."
    ),
    groups: Path = typer.Option(..., "--groups", help="student_id,group CSV."),
    out: Path | None = typer.Option(None, "--out", help="Where to write the DIF CSV (default: stdout)."),
    reference: str | None = typer.Option(
        None, help="Reference group (default: the larger of two groups, or the first listed)."
    ),
    focal: str | None = typer.Option(None, help="Focal group (default: the smaller of two groups)."),
    purify: bool = typer.Option(
        False,
        "--purify",
        help="Two-stage: flagged items leave the MH matching score (and, with --studied all, the anchors).",
    ),
    studied: str | None = typer.Option(
        None,
        help="Comma-separated items for the IRT likelihood-ratio test (others are anchors), or 'all' (each in turn).",
    ),
    estimate_anchors: bool = typer.Option(
        False,
        "--estimate-anchors",
        help="IRT-LR: re-estimate the anchors jointly (reference N(0,1), focal mean and sd free) instead of fixing them.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout (needs --out)."),
) -> None:
    """Mantel-Haenszel DIF (odds ratio, ETS delta, A/B/C) and an IRT likelihood-ratio test for studied items."""
    if as_json and out is None:
        fail("--json prints the summary on stdout, so give --out for the table")
    start = time.perf_counter()
    try:
        data, table = _load(responses, params)
        labels = _student_groups(data, groups)
        ref, foc = _pick_groups(labels, reference, focal)
        matching = None
        if not data.is_complete:
            # sparse data: match on ability (EAP with the bank's parameters), in deciles
            theta = run_scoring(data, table, "eap").theta
            edges = np.quantile(theta, np.linspace(0, 1, 11)[1:-1])
            matching = np.searchsorted(edges, theta, side="right")
        mh = mantel_haenszel(data, labels, ref, foc, matching=matching, purify=purify)
        lr = None
        if studied:
            if studied.strip().lower() == "all":
                # every item in turn, the others its anchors; with --purify a second pass
                # drops from the anchors the items flagged in the first (Bonferroni p < .05 / J)
                ids = data.item_ids.tolist()
                tests = [
                    irt_lr_dif(data, table, labels, ref, foc, [iid], estimate_anchors=estimate_anchors) for iid in ids
                ]
                lr = _stack_lr(tests)
                flagged = set(lr.item_ids[lr.p < 0.05 / len(ids)].tolist())
                if purify and flagged and len(flagged) < len(ids) - 1:
                    tests = [
                        irt_lr_dif(
                            data,
                            table,
                            labels,
                            ref,
                            foc,
                            [iid],
                            estimate_anchors=estimate_anchors,
                            anchors=[a for a in ids if a != iid and a not in flagged],
                        )
                        for iid in ids
                    ]
                    lr = _stack_lr(tests)
            else:
                names = [s.strip() for s in studied.split(",") if s.strip()]
                lr = irt_lr_dif(data, table, labels, ref, foc, names, estimate_anchors=estimate_anchors)
        lr_pos = {} if lr is None else {iid: k for k, iid in enumerate(lr.item_ids.tolist())}
        rows = []
        for j, iid in enumerate(mh.item_ids.tolist()):
            k = lr_pos.get(iid)
            rows.append(
                [
                    iid,
                    mh.odds_ratio[j],
                    mh.delta[j],
                    mh.se_delta[j],
                    mh.chi2[j],
                    mh.p[j],
                    mh.ets_class[j],
                    mh.smd[j],
                    mh.effect_size[j],
                    mh.n_reference[j],
                    mh.n_focal[j],
                    None if k is None else lr.g2[k],
                    None if k is None else lr.df[k],
                    None if k is None else lr.p[k],
                ]
            )
        header = [
            "item_id",
            "mh_odds_ratio",
            "mh_delta",
            "mh_delta_se",
            "mh_chi2",
            "mh_p",
            "ets_class",
            "smd",
            "effect_size",
            "n_reference",
            "n_focal",
            "lr_g2",
            "lr_df",
            "lr_p",
        ]
        write_table(out, header, rows)
    except (FileFormatError, ValueError) as err:
        fail(str(err))
    summary = {
        "reference": ref,
        "focal": foc,
        "n_reference": int(np.sum(labels == ref)),
        "n_focal": int(np.sum(labels == foc)),
        "matching": "total score" if matching is None else "EAP deciles",
        "purified": bool(mh.purified),
        "ets_b": [i for i, c in zip(mh.item_ids.tolist(), mh.ets_class.tolist()) if c in ("B", "BB")],
        "ets_c": [i for i, c in zip(mh.item_ids.tolist(), mh.ets_class.tolist()) if c in ("C", "CC")],
        "lr": None
        if lr is None
        else {
            iid: {"g2": float(lr.g2[k]), "df": int(lr.df[k]), "p": float(lr.p[k])}
            for k, iid in enumerate(lr.item_ids.tolist())
        },
        "seconds": time.perf_counter() - start,
    }
    if as_json:
        print_json(summary)
    elif out is not None:
        typer.echo(
            f"DIF {foc} vs {ref}: ETS C: {', '.join(summary['ets_c']) or 'none'}; "
            f"B: {', '.join(summary['ets_b']) or 'none'} -> {out}"
        )


def _stack_lr(tests: list) -> SimpleNamespace:
    """The item_ids, g2, df and p of several one-item LR tests, stacked."""
    return SimpleNamespace(
        item_ids=np.concatenate([t.item_ids for t in tests]),
        g2=np.concatenate([t.g2 for t in tests]),
        df=np.concatenate([t.df for t in tests]),
        p=np.concatenate([t.p for t in tests]),
    )


# ------------------------------------------------------------------- items
@app.command()
def items(
    responses: Path = typer.Argument(..., help="Scored responses CSV (wide or long)."),
    out: Path | None = typer.Option(None, "--out", help="Where to write the item statistics CSV (default: stdout)."),
    choices: Path | None = typer.Option(
        None, "--choices", help="Options chosen (student_id,<item>…) for distractor analysis."
    ),
    key: Path | None = typer.Option(None, "--key", help="item_id,key CSV of the keyed options."),
    distractors: Path | None = typer.Option(None, "--distractors", help="Where to write the per-option table."),
    n_groups: int = typer.Option(5, "--ability-groups", help="Ability groups of the distractor analysis."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout (needs --out)."),
) -> None:
    """Classical item analysis: p-values, item-total correlations, alpha, alpha-if-deleted, distractors."""
    if (choices is None) != (key is None):
        fail("--choices and --key go together")
    if distractors is not None and choices is None:
        fail("--distractors needs --choices and --key")
    if as_json and out is None:
        fail("--json prints the summary on stdout, so give --out for the table")
    if n_groups < 2:
        fail("--ability-groups must be at least 2")
    try:
        data = read_responses(responses)
        stats = response_item_statistics(data)
        header = ["item_id", "n", "mean", "p_value", "point_biserial", "corrected_item_total", "alpha_if_deleted"]
        rows = [
            [
                stats.item_ids[j],
                stats.n[j],
                stats.mean[j],
                stats.p_value[j],
                stats.point_biserial[j],
                stats.corrected_item_total[j],
                stats.alpha_if_deleted[j],
            ]
            for j in range(data.n_items)
        ]
        da = None
        if choices is not None:
            students, item_ids, table = read_choices(choices)
            keys = read_key(key)
            missing = [i for i in item_ids.tolist() if i not in keys]
            if missing:
                raise ValueError(f"{key}: no key for item {missing[0]!r}")
            da = distractor_analysis(table, [keys[i] for i in item_ids], item_ids, n_groups=n_groups)
            pos = {iid: k for k, iid in enumerate(da.item_ids.tolist())}
            header += ["key", "upper_lower", "miskey", "suspect_option"]
            for row in rows:
                k = pos.get(row[0])
                row += (
                    [None, None, None, None]
                    if k is None
                    else [da.key[k], da.discrimination[k], da.miskey[k], da.suspect_option[k] if da.miskey[k] else None]
                )
            if distractors is not None:
                g = da.group_size.size
                drows = []
                for k, iid in enumerate(da.item_ids.tolist()):
                    for o, opt in enumerate(da.options.tolist()):
                        drows.append(
                            [
                                iid,
                                opt,
                                opt == da.key[k],
                                da.proportion[k, o],
                                da.point_biserial[k, o],
                                *da.group_proportion[k, o],
                            ]
                        )
                write_table(
                    distractors,
                    [
                        "item_id",
                        "option",
                        "is_key",
                        "proportion",
                        "point_biserial",
                        *[f"group_{i + 1}" for i in range(g)],
                    ],
                    drows,
                )
        write_table(out, header, rows)
    except (FileFormatError, ValueError) as err:
        fail(str(err))
    summary = {
        "n_students": int(data.n_students),
        "n_items": int(data.n_items),
        "alpha": stats.alpha,
        "n_complete": stats.n_complete,
        "total_mean": stats.total_mean,
        "total_sd": stats.total_sd,
        "miskey": [] if da is None else [str(i) for i, f in zip(da.item_ids, da.miskey) if f],
    }
    if as_json:
        print_json(summary)
    elif out is not None:
        flagged = "" if da is None else f"; possible miskeys: {', '.join(summary['miskey']) or 'none'}"
        typer.echo(f"{data.n_items} items, {data.n_students} students, alpha {stats.alpha:.3f}{flagged} -> {out}")


# -------------------------------------------------------------------- link
@app.command()
def link(
    source: Path = typer.Option(..., "--from", help="Parameters CSV of the new calibration (its own scale)."),
    target: Path = typer.Option(..., "--to", help="Parameters CSV of the bank (the target scale)."),
    out: Path = typer.Option(..., "--out", help="Where to write the --from table on the target scale."),
    method: str = typer.Option("stocking-lord", help=f"Linking method: {', '.join(LINKING_METHODS)}."),
    common: str | None = typer.Option(None, help="Comma-separated common items (default: every shared item)."),
    as_json: bool = typer.Option(False, "--json", help="Print the constants of every method as JSON on stdout."),
) -> None:
    """Link a separate calibration onto the bank's scale through common items and transform its parameter file."""
    method = method.lower().replace("_", "-")
    if method not in LINKING_METHODS:
        fail(f"--method should be one of {', '.join(LINKING_METHODS)}, got {method!r}")
    try:
        src = read_parameters(source)
        tgt = read_parameters(target)
        names = None if common is None else [s.strip() for s in common.split(",") if s.strip()]
        constants = {m: run_link(src, tgt, m, names) for m in LINKING_METHODS}
        chosen = constants[method]
        write_parameters(out, transform_parameters(src, chosen.A, chosen.B))
    except (FileFormatError, ValueError) as err:
        fail(str(err))
    summary = {
        "method": method,
        "A": chosen.A,
        "B": chosen.B,
        "n_common": int(len(chosen.common)),
        "common": chosen.common.tolist(),
        "constants": {m: {"A": c.A, "B": c.B} for m, c in constants.items()},
    }
    if as_json:
        print_json(summary)
    else:
        typer.echo(
            f"{method}: theta_bank = {chosen.A:.4f} theta_new + {chosen.B:.4f} "
            f"({len(chosen.common)} common items) -> {out}"
        )


# ------------------------------------------------------------------ report
@app.command()
def report(
    responses: Path = typer.Argument(..., help="Responses CSV of the calibration (wide or long)."),
    params: Path = typer.Option(..., "--params", help="Item parameters CSV (with se_* columns when available)."),
    out: Path = typer.Option(..., "--out", help="Where to write the HTML report."),
    groups: Path | None = typer.Option(None, "--groups", help="student_id,group CSV for the DIF section."),
    reference: str | None = typer.Option(None, help="Reference group of the DIF section."),
    focal: str | None = typer.Option(None, help="Focal group of the DIF section."),
    choices: Path | None = typer.Option(None, "--choices", help="Options chosen, for distractor curves."),
    key: Path | None = typer.Option(None, "--key", help="item_id,key CSV."),
    title: str = typer.Option("Calibration report", help="Title of the report."),
    latent_mean: float | None = typer.Option(
        None, help="Latent mean of the calibration (default 0; estimated for Rasch)."
    ),
    latent_sd: float | None = typer.Option(None, help="Latent sd of the calibration (default 1; estimated for Rasch)."),
    max_plots: int = typer.Option(60, help="Most items with curves drawn (most serious flags first)."),
) -> None:
    """Write a self-contained HTML report: parameters, fit, DIF, classical statistics and plots."""
    from reporting.psychometric_report import build_report  # matplotlib: loaded only for the report

    if (choices is None) != (key is None):
        fail("--choices and --key go together")
    if max_plots < 0:
        fail("--max-plots must be 0 or more")
    _check_latent_sd(latent_sd)
    start = time.perf_counter()
    try:
        data, table = _load(responses, params)
        labels = ref = foc = None
        if groups is not None:
            labels = _student_groups(data, groups)
            ref, foc = _pick_groups(labels, reference, focal)
        option_table = key_codes = None
        if choices is not None:
            students, item_ids, option_table = read_choices(choices)
            keys = read_key(key)
            missing = [i for i in item_ids.tolist() if i not in keys]
            if missing:
                raise ValueError(f"{key}: no key for item {missing[0]!r}")
            key_codes = (item_ids, np.array([keys[i] for i in item_ids]))
        html = build_report(
            data,
            table,
            title=title,
            groups=labels,
            reference=ref,
            focal=foc,
            choices=None if option_table is None else (key_codes[0], option_table, key_codes[1]),
            latent_mean=latent_mean,
            latent_sd=latent_sd,
            max_item_plots=max_plots,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(out)
    except (FileFormatError, ValueError) as err:
        fail(str(err))
    typer.echo(
        f"report on {table.n_items} items, {data.n_students} students "
        f"({len(html) // 1024} KiB, {time.perf_counter() - start:.1f} s) -> {out}"
    )


# ------------------------------------------------------------- information
@app.command()
def information(
    params: Path = typer.Argument(..., help="Item parameters CSV (a form, a standard's pool or the bank)."),
    out: Path | None = typer.Option(None, "--out", help="Where to write theta,information,csem (default: stdout)."),
    items_: str | None = typer.Option(
        None, "--items", help="Comma-separated item ids of a form or pool (default: all)."
    ),
    low: float = typer.Option(-4.0, "--from", help="Lowest theta of the curve."),
    high: float = typer.Option(4.0, "--to", help="Highest theta of the curve."),
    points: int = typer.Option(81, help="Points on the curve."),
    latent_mean: float = typer.Option(0.0, help="Latent mean for the marginal reliability."),
    latent_sd: float = typer.Option(1.0, help="Latent sd for the marginal reliability."),
    as_json: bool = typer.Option(
        False, "--json", help="Print marginal reliability and the peak as JSON (needs --out)."
    ),
) -> None:
    """Test information and conditional SEM curve, and marginal reliability, of a set of items."""
    if not high > low or points < 2:
        fail("--to must be above --from and --points at least 2")
    if not latent_sd > 0:
        fail("--latent-sd must be positive")
    if as_json and out is None:
        fail("--json prints the summary on stdout, so give --out for the curve")
    try:
        table = read_parameters(params)
        chosen = None if items_ is None else [s.strip() for s in items_.split(",") if s.strip()]
        curves = information_curves(table, np.linspace(low, high, points), chosen)
        rel = marginal_reliability(table, chosen, mean=latent_mean, sd=latent_sd)
        write_table(
            out,
            ["theta", "information", "csem"],
            ([curves.theta[q], curves.test_information[q], curves.csem[q]] for q in range(points)),
        )
    except (FileFormatError, ValueError) as err:
        fail(str(err))
    peak = int(np.argmax(curves.test_information))
    summary = {
        "n_items": int(curves.item_ids.size),
        "marginal_reliability": rel,
        "peak_theta": float(curves.theta[peak]),
        "peak_information": float(curves.test_information[peak]),
        "min_csem": float(curves.csem[peak]),
    }
    if as_json:
        print_json(summary)
    elif out is not None:
        typer.echo(
            f"{summary['n_items']} items: marginal reliability {rel:.3f}, information peaks at "
            f"theta {summary['peak_theta']:.2f} ({summary['peak_information']:.2f}, CSEM {summary['min_csem']:.3f}) -> {out}"
        )
