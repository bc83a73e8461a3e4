"""Differential item functioning between a reference and a focal group.

* :func:`mantel_haenszel` — the Mantel-Haenszel common odds ratio over
  strata of a matching score (the total score by default), the ETS delta
  ``-2.35 ln(alpha_MH)`` with its Robins-Breslow-Greenland standard error,
  the continuity-corrected MH chi-square, and the ETS A / B / C classes;
  optionally purified (flagged items leave the matching score).
* :func:`irt_lr_dif` — an IRT likelihood-ratio test for suspected items with
  anchor items, on the multiple-group calibration
  (:func:`engine.irt.calibration.calibrate` with ``groups``): each group gets
  its own latent mean and sd, the anchors keep their bank parameters (or are
  re-estimated, equal across groups), and the studied item is calibrated with
  one parameter set for both groups (compact model) or one per group
  (augmented model); ``G2 = 2 (ll1 - ll0)`` on as many df as the item has
  free parameters.

A negative delta (alpha > 1 is the reverse) means the item is harder for the
focal group than for reference students of the same matching score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import chi2, norm

from engine.irt.calibration import CalibrationResult, calibrate
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix

__all__ = [
    "MantelHaenszelResult",
    "mantel_haenszel",
    "ets_class",
    "ets_poly_class",
    "LRDIFResult",
    "irt_lr_dif",
    "group_mask",
]

#: ETS delta metric: -2.35 ln(odds ratio).
DELTA_SCALE = -2.35


def group_mask(groups: ArrayLike, reference: str, focal: str) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks ``(is_reference, is_focal)`` of shape ``(N,)``.

    Students in neither group are left out of the analysis.
    """
    g = np.asarray(groups, dtype=object).astype(str)
    ref, foc = g == str(reference), g == str(focal)
    if str(reference) == str(focal):
        raise ValueError("reference and focal groups should differ")
    if not ref.any():
        raise ValueError(f"no student in the reference group {reference!r}")
    if not foc.any():
        raise ValueError(f"no student in the focal group {focal!r}")
    return ref, foc


def ets_class(delta: ArrayLike, se_delta: ArrayLike, p_value: ArrayLike, alpha: float = 0.05) -> np.ndarray:
    """ETS A / B / C classification of MH delta values.

    A: ``|delta| < 1`` or the MH chi-square is not significant (``p >= alpha``);
    C: ``|delta| >= 1.5`` and ``|delta|`` significantly above 1 (one-sided
    z-test at ``alpha``); B: otherwise.  ``NA`` where delta is undefined.

    Parameters
    ----------
    delta, se_delta, p_value : array_like, shape (J,)

    Returns
    -------
    ndarray of str, shape (J,)
    """
    d = np.abs(np.asarray(delta, dtype=float))
    se = np.asarray(se_delta, dtype=float)
    p = np.asarray(p_value, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        above_one = (d - 1.0) / se > norm.isf(alpha)
    out = np.where((d < 1.0) | (p >= alpha), "A", np.where((d >= 1.5) & above_one, "C", "B"))
    return np.where(np.isfinite(d) & np.isfinite(p), out, "NA").astype(object).astype(str)


def ets_poly_class(effect_size: ArrayLike, p_value: ArrayLike, alpha: float = 0.05) -> np.ndarray:
    """ETS classes of polytomous items from the standardized mean difference.

    With ``es = |SMD| / SD(item score)``: AA when ``p >= alpha`` or
    ``es <= 0.17``; CC when ``p < alpha`` and ``es > 0.25``; BB otherwise
    (Zwick, Thayer and Mazzeo, 1997).

    Parameters
    ----------
    effect_size, p_value : array_like, shape (J,)

    Returns
    -------
    ndarray of str, shape (J,)
    """
    es = np.abs(np.asarray(effect_size, dtype=float))
    p = np.asarray(p_value, dtype=float)
    out = np.where((p >= alpha) | (es <= 0.17), "AA", np.where(es > 0.25, "CC", "BB"))
    return np.where(np.isfinite(es) & np.isfinite(p), out, "NA").astype(object).astype(str)


@dataclass(frozen=True)
class MantelHaenszelResult:
    """Mantel-Haenszel DIF of every item.

    Attributes
    ----------
    item_ids : ndarray of str, shape (J,)
    odds_ratio : ndarray, shape (J,)
        alpha_MH: the odds of success for the reference group over the focal
        group at equal matching score (1 = no DIF). NaN for polytomous items.
    delta : ndarray, shape (J,)
        ETS MH D-DIF ``-2.35 ln(alpha_MH)``; negative favours the reference
        group. NaN for polytomous items.
    se_delta : ndarray, shape (J,)
    chi2 : ndarray, shape (J,)
        MH chi-square with continuity correction (dichotomous items) or
        Mantel's ordinal chi-square (polytomous items), 1 df.
    p : ndarray, shape (J,)
    smd : ndarray, shape (J,)
        Standardized mean difference, focal minus reference, weighted by the
        focal group's strata (STD P-DIF for 0/1 items); negative favours the
        reference group.
    effect_size : ndarray, shape (J,)
        ``smd`` over the item score's standard deviation.
    ets_class : ndarray of str, shape (J,)
        ``A``, ``B``, ``C`` for dichotomous items, ``AA``, ``BB``, ``CC`` for
        polytomous ones (``NA`` when undefined).
    n_reference, n_focal : ndarray of int, shape (J,)
        Students of each group counted for the item.
    purified : bool
        Whether the matching score left out items flagged in a first pass.
    """

    item_ids: np.ndarray
    odds_ratio: np.ndarray
    delta: np.ndarray
    se_delta: np.ndarray
    chi2: np.ndarray
    p: np.ndarray
    smd: np.ndarray
    effect_size: np.ndarray
    ets_class: np.ndarray
    n_reference: np.ndarray
    n_focal: np.ndarray
    purified: bool


@dataclass(frozen=True)
class _Sums:
    """Per (item, stratum) sums over each group: counts, score sums, squares."""

    n_r: np.ndarray
    n_f: np.ndarray
    s_r: np.ndarray
    s_f: np.ndarray
    q_r: np.ndarray
    q_f: np.ndarray


def _strata_sums(item: np.ndarray, stratum: np.ndarray, score: np.ndarray, is_ref: np.ndarray, n_items: int) -> _Sums:
    """Per (item, stratum) sums of each group from the answers' item, stratum, score and group, each (R,)."""
    stratum = stratum - stratum.min()
    n_strata = int(stratum.max()) + 1
    size = n_items * n_strata
    flat = item * n_strata + stratum
    y = score.astype(float)

    def tab(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        out = np.bincount(flat[mask], None if weights is None else weights[mask], size)
        return out.reshape(n_items, n_strata).astype(float)

    ref, foc = is_ref, ~is_ref
    return _Sums(tab(ref), tab(foc), tab(ref, y), tab(foc, y), tab(ref, y * y), tab(foc, y * y))


def _mh_statistics(t: _Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Dichotomous MH (odds ratio, RBG SE of its log, corrected chi-square),
    Mantel's ordinal chi-square and the SMD, per item."""
    a, c = t.s_r, t.s_f  # reference right, focal right
    b, d = t.n_r - a, t.n_f - c
    total = t.n_r + t.n_f
    ok = total >= 2
    n = np.where(ok, total, 1.0)
    r = np.where(ok, a * d / n, 0.0)
    s = np.where(ok, b * c / n, 0.0)
    sum_r, sum_s = r.sum(axis=1), s.sum(axis=1)
    pp = np.where(ok, (a + d) / n, 0.0)
    qq = np.where(ok, (b + c) / n, 0.0)
    expected_a = np.where(ok, t.n_r * (a + c) / n, 0.0)
    var_a = np.where(ok, t.n_r * t.n_f * (a + c) * (b + d) / (n * n * np.maximum(n - 1.0, 1.0)), 0.0)
    # Mantel (1963): focal score sum against its expectation, any number of categories
    tot_s, tot_q = t.s_r + t.s_f, t.q_r + t.q_f
    expected_f = np.where(ok, t.n_f * tot_s / n, 0.0)
    var_f = np.where(ok, t.n_r * t.n_f * (n * tot_q - tot_s**2) / (n * n * np.maximum(n - 1.0, 1.0)), 0.0)
    both = (t.n_r > 0) & (t.n_f > 0)
    w = np.where(both, t.n_f, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        odds = sum_r / sum_s
        var_log = (
            (pp * r).sum(axis=1) / (2.0 * sum_r**2)
            + (pp * s + qq * r).sum(axis=1) / (2.0 * sum_r * sum_s)
            + (qq * s).sum(axis=1) / (2.0 * sum_s**2)
        )
        # strata with a single student carry no information: left out of both sides
        observed_a = np.where(ok, a, 0.0).sum(axis=1)
        observed_f = np.where(ok, t.s_f, 0.0).sum(axis=1)
        mh = np.maximum(np.abs(observed_a - expected_a.sum(axis=1)) - 0.5, 0.0) ** 2 / var_a.sum(axis=1)
        mantel = (observed_f - expected_f.sum(axis=1)) ** 2 / var_f.sum(axis=1)
        diff = np.where(both, t.s_f / np.maximum(t.n_f, 1) - t.s_r / np.maximum(t.n_r, 1), 0.0)
        smd = (w * diff).sum(axis=1) / w.sum(axis=1)
        n_all = (t.n_r + t.n_f).sum(axis=1)
        mean_all = tot_s.sum(axis=1) / n_all
        sd = np.sqrt(np.maximum(tot_q.sum(axis=1) / n_all - mean_all**2, 0.0) * n_all / np.maximum(n_all - 1, 1))
        return odds, np.sqrt(var_log), mh, mantel, smd, smd / sd


def mantel_haenszel(
    scores: ArrayLike | ResponseMatrix,
    groups: ArrayLike,
    reference: str,
    focal: str,
    *,
    item_ids: Sequence[str] | None = None,
    matching: ArrayLike | None = None,
    purify: bool = False,
    alpha: float = 0.05,
) -> MantelHaenszelResult:
    """Mantel-Haenszel DIF of every item (Mantel's ordinal test for polytomous items).

    Parameters
    ----------
    scores : array_like, shape (N, J), or ResponseMatrix
        Item scores, NaN for missing (a ResponseMatrix is used in its long
        form, so sparse data is never densified).  Without ``matching`` the
        data must be complete.
    groups : array_like, shape (N,)
        Group label of each student; students in neither group are ignored.
    reference, focal : str
        The two labels compared.
    item_ids : sequence of str, shape (J,), optional
        Default the ResponseMatrix's ids, or ``I1..IJ``.
    matching : array_like of int, shape (N,), optional
        Matching strata (e.g. binned ability estimates for sparse adaptive
        data); default the total score, including the studied item.
    purify : bool
        Two-stage purification: items classed B/C (BB/CC) in a first pass are
        left out of the total score (except when studied) in a second pass.
    alpha : float
        Significance level of the chi-square and of the ETS classes.

    Returns
    -------
    MantelHaenszelResult
    """
    if isinstance(scores, ResponseMatrix):
        n, j = scores.n_students, scores.n_items
        student, item, y = scores.student, scores.item, scores.score.astype(np.int64)
        complete = scores.is_complete
        default_ids = scores.item_ids
    else:
        x = np.asarray(scores, dtype=float)
        if x.ndim != 2:
            raise ValueError(f"scores should have the shape (n_students, n_items), got {x.shape}")
        n, j = x.shape
        answered = ~np.isnan(x)
        vals = x[answered]
        if np.any(vals < 0) or np.any(vals != np.round(vals)):
            raise ValueError("scores must be whole non-negative numbers or NaN")
        student, item = np.nonzero(answered)
        y = x[student, item].astype(np.int64)
        complete = bool(answered.all())
        default_ids = np.array([f"I{i + 1}" for i in range(j)])
    labels = np.asarray(groups, dtype=object).reshape(-1)
    if labels.shape != (n,):
        raise ValueError(f"groups should have one label per student ({n}), got {labels.shape[0]}")
    ref, foc = group_mask(labels, reference, focal)
    ids = np.asarray(default_ids if item_ids is None else item_ids, dtype=object).astype(str)
    if ids.shape != (j,):
        raise ValueError(f"item_ids should have length {j}, got {ids.shape}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha should be in (0, 1), got {alpha}")
    top = np.zeros(j, dtype=np.int64)
    np.maximum.at(top, item, y)
    dich = top <= 1
    if matching is None:
        if not complete:
            raise ValueError(
                "Mantel-Haenszel on the total score needs complete data; "
                "pass matching strata (e.g. binned ability estimates) for data with missing cells"
            )
        per_student = np.bincount(student, y.astype(float), n)
    else:
        m = np.asarray(matching, dtype=float).reshape(-1)
        if m.shape != (n,):
            raise ValueError(f"matching should have one stratum per student ({n}), got {m.shape[0]}")
        if np.any(~np.isfinite(m)) or np.any(m != np.round(m)):
            raise ValueError("matching strata must be whole numbers (bin continuous scores first)")
        per_student = m
        purify = False  # the strata are given, not built from the items
    use = (ref | foc)[student]
    student, item, y = student[use], item[use], y[use]
    is_ref = ref[student]

    def run(stratum: np.ndarray) -> tuple[np.ndarray, ...]:
        odds, se_log, mh, mantel, smd, es = _mh_statistics(_strata_sums(item, stratum, y, is_ref, j))
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = np.where(dich, DELTA_SCALE * np.log(odds), np.nan)
        se_delta = np.where(dich, 2.35 * se_log, np.nan)
        stat = np.where(dich, mh, mantel)
        p = chi2.sf(stat, 1)
        cls = np.where(dich, ets_class(delta, se_delta, p, alpha), ets_poly_class(es, p, alpha))
        return np.where(dich, odds, np.nan), delta, se_delta, stat, p, smd, es, cls

    stratum = np.round(per_student[student]).astype(np.int64)
    out = run(stratum)
    used_purify = False
    if purify:
        flagged = np.isin(out[-1], ["B", "C", "BB", "CC"])
        if flagged.any() and not flagged.all():
            clean = np.bincount(student, np.where(flagged[item], 0.0, y), n)
            # a flagged item stays in its own matching score
            stratum = (clean[student] + np.where(flagged[item], y, 0)).astype(np.int64)
            out = run(stratum)
            used_purify = True
    odds, delta, se_delta, stat, p, smd, es, cls = out
    n_ref = np.bincount(item[is_ref], minlength=j)
    n_foc = np.bincount(item[~is_ref], minlength=j)
    return MantelHaenszelResult(
        item_ids=ids,
        odds_ratio=odds,
        delta=delta,
        se_delta=se_delta,
        chi2=stat,
        p=p,
        smd=smd,
        effect_size=es,
        ets_class=cls.astype(str),
        n_reference=n_ref.astype(int),
        n_focal=n_foc.astype(int),
        purified=used_purify,
    )


# ------------------------------------------------------------- IRT LR DIF
@dataclass(frozen=True)
class LRDIFResult:
    """IRT likelihood-ratio DIF tests of studied items.

    Attributes
    ----------
    item_ids : ndarray of str, shape (S,)
        The studied items.
    g2 : ndarray, shape (S,)
        ``2 (loglik_DIF - loglik_null)``.
    df : ndarray of int, shape (S,)
    p : ndarray, shape (S,)
    loglik_null, loglik_dif : ndarray, shape (S,)
        Log-likelihood of the compact (null: no DIF) and augmented (DIF) models.
    reference, focal : ItemParameters
        The studied items' parameters estimated in each group (DIF model).
    common : ItemParameters
        The studied items' parameters under the null model.
    latent_mean, latent_sd : ndarray, shape (S, 2)
        Reference and focal latent distribution under the null model.
    anchors : ndarray of str
        The anchor items (held at their bank values unless re-estimated).
    """

    item_ids: np.ndarray
    g2: np.ndarray
    df: np.ndarray
    p: np.ndarray
    loglik_null: np.ndarray
    loglik_dif: np.ndarray
    reference: ItemParameters
    focal: ItemParameters
    common: ItemParameters
    latent_mean: np.ndarray
    latent_sd: np.ndarray
    anchors: np.ndarray


def irt_lr_dif(
    responses: ResponseMatrix,
    params: ItemParameters,
    groups: ArrayLike,
    reference: str,
    focal: str,
    studied: Sequence[str],
    *,
    anchors: Sequence[str] | None = None,
    estimate_anchors: bool = False,
    n_nodes: int = 61,
    tol: float = 1e-6,
    max_iter: int = 500,
) -> LRDIFResult:
    """IRT likelihood-ratio DIF test of ``studied`` items against anchors.

    For each studied item, two two-group models are calibrated by marginal
    maximum likelihood (:func:`engine.irt.calibration.calibrate` with
    ``groups``): the compact model, the studied item with one parameter set
    for both groups, and the augmented model, the studied item free across
    groups (one set per group); ``G2 = 2 (ll_augmented - ll_compact)`` is
    referred to chi-square on the item's number of free parameters.  Items
    neither studied nor anchors are left out of the models.

    * ``estimate_anchors=False`` (default): the anchors keep their
      parameters from ``params`` (the bank's scale) and both groups get a
      normal latent distribution with free mean and sd.
    * ``estimate_anchors=True``: the multiple-group model of mirt's
      ``multipleGroup`` with ``invariance = c(anchors, "free_means",
      "free_var")``: the anchors are re-estimated, equal across groups, the
      reference group is N(0, 1) and the focal group's mean and sd are free.

    A studied 1PL item is tested with its own slope (as a 2PL item): one
    item cannot share a slope with anchors held fixed.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items (missing cells allowed), aligned with ``params``.
    params : ItemParameters
        The bank's parameters (anchors' values, studied items' start values).
    groups : array_like, shape (N,)
        Group label per student; others are ignored.
    reference, focal : str
    studied : sequence of str
        Item ids tested (one at a time).
    anchors : sequence of str, optional
        Anchor item ids; default every item not studied.
    estimate_anchors : bool
        Re-estimate the anchors jointly (see above).
    n_nodes : int
        Quadrature nodes on [-6, 6].
    tol, max_iter :
        Convergence tolerance (largest parameter change of an EM step) and
        most EM steps of each calibration.

    Returns
    -------
    LRDIFResult
    """
    if responses.n_items != params.n_items or not np.array_equal(responses.item_ids, params.item_ids):
        raise ValueError("responses and item parameters should list the same items in the same order")
    g = np.asarray(groups, dtype=object).reshape(-1)
    if len(g) != responses.n_students:
        raise ValueError(f"groups should have one label per student ({responses.n_students}), got {len(g)}")
    ref, foc = group_mask(g, reference, focal)
    studied = [str(s) for s in np.atleast_1d(studied)]
    if not studied:
        raise ValueError("name at least one studied item")
    unknown = [s for s in studied if s not in params.index_of]
    if unknown:
        raise ValueError(f"unknown studied item {unknown[0]}")
    anchor_ids = (
        [i for i in params.item_ids.tolist() if i not in set(studied)] if anchors is None else [str(a) for a in anchors]
    )
    unknown = [a for a in anchor_ids if a not in params.index_of]
    if unknown:
        raise ValueError(f"unknown anchor item {unknown[0]}")
    if set(anchor_ids) & set(studied):
        raise ValueError("an item cannot be both studied and an anchor")
    if not anchor_ids:
        raise ValueError("the test needs at least one anchor item")
    keep = np.flatnonzero(ref | foc)
    sub = responses.select_students(keep)
    labels = g[keep].astype(str)
    apos = np.array([params.index_of[a] for a in anchor_ids])

    tests = []
    for item in studied:  # a handful of suspected items, each its own pair of calibrations
        j = params.index_of[item]
        answered = np.zeros(sub.n_students, dtype=bool)
        answered[sub.student[sub.item == j]] = True
        for label, name in ((reference, "reference"), (focal, "focal")):
            if not np.any(answered & (labels == str(label))):
                raise ValueError(f"item {item}: nobody in the {name} group answered it")
        positions = np.concatenate([apos, [j]])
        tests.append(
            _lr_test(
                sub.select_items(positions),
                params.subset(positions),
                labels,
                str(reference),
                estimate_anchors,
                dict(n_nodes=n_nodes, tol=tol, max_iter=max_iter, se=False),
            )
        )

    table = params.subset(np.array([params.index_of[s] for s in studied]))

    def as_table(rows: list[np.ndarray]) -> ItemParameters:
        return table.with_groups(tuple(grp.with_eta(np.vstack([rows[i] for i in grp.index])) for grp in table.groups))

    return LRDIFResult(
        item_ids=table.item_ids.copy(),
        g2=np.array([t.g2 for t in tests]),
        df=np.array([t.df for t in tests], dtype=int),
        p=np.array([float(chi2.sf(t.g2, t.df)) for t in tests]),
        loglik_null=np.array([t.compact.loglik for t in tests]),
        loglik_dif=np.array([t.augmented.loglik for t in tests]),
        reference=as_table([_studied_eta(t.augmented.groups[0].params) for t in tests]),
        focal=as_table([_studied_eta(t.augmented.groups[1].params) for t in tests]),
        common=as_table([_studied_eta(t.compact.params) for t in tests]),
        latent_mean=np.array([[grp.mean for grp in t.compact.groups] for t in tests]),
        latent_sd=np.array([[grp.sd for grp in t.compact.groups] for t in tests]),
        anchors=np.array(anchor_ids, dtype=str),
    )


@dataclass(frozen=True)
class _LRTest:
    """The two calibrations of one studied item and their likelihood-ratio statistic."""

    compact: CalibrationResult
    augmented: CalibrationResult
    g2: float
    df: int


def _as_calibrated(table: ItemParameters) -> ItemParameters:
    """The anchors-then-studied-item table as calibrated: 1PL items as 2PL (the studied item's own slope)."""
    return replace(table, model=np.where(table.model == "1pl", "2pl", table.model))


def _lr_test(
    responses: ResponseMatrix,
    table: ItemParameters,
    labels: np.ndarray,
    reference: str,
    estimate_anchors: bool,
    options: dict[str, Any],
) -> _LRTest:
    """Compact and augmented two-group calibrations of the last item of ``table`` against the others.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x (anchors, then the studied item).
    table : ItemParameters
        Their parameters (the anchors' values, the studied item's start).
    labels : ndarray of str, shape (N,)
    reference : str
    estimate_anchors : bool
    options : dict
        Passed to :func:`~engine.irt.calibration.calibrate`.
    """
    last = table.n_items - 1
    studied = str(table.item_ids[last])
    calibrated = _as_calibrated(table)
    anchor_table = calibrated.subset(np.arange(last))
    if estimate_anchors:
        # anchors equal across groups, re-estimated; a 1PL bank's anchors keep their common slope
        slopes_held = {str(i): {"a"} for i, m in zip(table.item_ids[:last], table.model[:last]) if m == "1pl"}
        setting: dict[str, Any] = dict(start=calibrated, fixed=slopes_held, latent="fixed")
    else:
        setting = dict(start=calibrated, anchors=anchor_table)
    models = calibrated.model.tolist()
    compact = calibrate(responses, models, groups=labels, reference=reference, **setting, **options)
    setting["start"] = compact.params
    augmented = calibrate(
        responses, models, groups=labels, reference=reference, free_items=[studied], **setting, **options
    )
    group_of, row_of = calibrated.group_positions
    df = int(calibrated.groups[group_of[last]].free[row_of[last]].sum())
    return _LRTest(compact, augmented, max(2.0 * (augmented.loglik - compact.loglik), 0.0), df)


def _studied_eta(fitted: ItemParameters) -> np.ndarray:
    """Internal parameters (1, p) of the studied item: the last row of a fitted table."""
    group_of, row_of = fitted.group_positions
    last = fitted.n_items - 1
    return np.asarray(fitted.groups[group_of[last]].eta[row_of[last] : row_of[last] + 1])
