"""Differential item functioning between a reference and a focal group.

* :func:`mantel_haenszel` — the Mantel-Haenszel common odds ratio over
  strata of a matching score (the total score by default), the ETS delta
  ``-2.35 ln(alpha_MH)`` with its Robins-Breslow-Greenland standard error,
  the continuity-corrected MH chi-square, and the ETS A / B / C classes;
  optionally purified (flagged items leave the matching score).
* :func:`irt_lr_dif` — an IRT likelihood-ratio test for suspected items with
  anchor items: the anchors keep their bank parameters, each group gets its
  own latent mean and sd, and the studied item is fitted with one parameter
  set for both groups (null) or one per group (DIF); ``G2 = 2 (ll1 - ll0)``
  on as many df as the item has free parameters.

A negative delta (alpha > 1 is the reverse) means the item is harder for the
focal group than for reference students of the same matching score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp
from scipy.stats import chi2, norm

from engine.likelihood import grid_log_likelihood
from engine.parameters import ItemParameters
from engine.quadrature import normal_grid
from engine.responses import ResponseMatrix

__all__ = ["MantelHaenszelResult", "mantel_haenszel", "ets_class", "LRDIFResult", "irt_lr_dif", "group_mask"]

#: ETS delta metric: -2.35 ln(odds ratio).
DELTA_SCALE = -2.35


def group_mask(groups, reference, focal) -> tuple[np.ndarray, np.ndarray]:
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


def ets_class(delta, se_delta, p_value, alpha: float = 0.05) -> np.ndarray:
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
        ETS MH D-DIF ``-2.35 ln(alpha_MH)``; negative favours the reference group.
    se_delta : ndarray, shape (J,)
    chi2 : ndarray, shape (J,)
        MH chi-square with continuity correction (1 df).
    p : ndarray, shape (J,)
    ets_class : ndarray of str, shape (J,)
        ``A``, ``B``, ``C`` (or ``NA``).
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
    ets_class: np.ndarray
    n_reference: np.ndarray
    n_focal: np.ndarray
    purified: bool


def _mh_tables(x: np.ndarray, answered: np.ndarray, ref: np.ndarray, foc: np.ndarray, strata: np.ndarray):
    """Per item sums over strata of the MH quantities (vectorized)."""
    n, j = x.shape
    use = answered & (ref | foc)[:, None]
    stratum = strata - strata.min()
    n_strata = int(stratum.max()) + 1
    item = np.broadcast_to(np.arange(j)[None, :], (n, j))
    cell = np.where(ref[:, None], 0, 2) + (x == 1)  # 0 ref wrong, 1 ref right, 2 foc wrong, 3 foc right
    flat = ((item * n_strata + stratum) * 4 + cell)[use]
    counts = np.bincount(flat, minlength=j * n_strata * 4).reshape(j, n_strata, 4).astype(float)
    b, a, d, c = counts[..., 0], counts[..., 1], counts[..., 2], counts[..., 3]
    total = a + b + c + d
    ok = total >= 2
    t = np.where(ok, total, 1.0)
    n_ref, n_foc = a + b, c + d
    m1, m0 = a + c, b + d
    r = np.where(ok, a * d / t, 0.0)
    s = np.where(ok, b * c / t, 0.0)
    sum_r, sum_s = r.sum(axis=1), s.sum(axis=1)
    expected = np.where(ok, n_ref * m1 / t, 0.0)
    var = np.where(ok, n_ref * n_foc * m1 * m0 / (t * t * np.maximum(t - 1.0, 1.0)), 0.0)
    pp = np.where(ok, (a + d) / t, 0.0)
    qq = np.where(ok, (b + c) / t, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        odds = sum_r / sum_s
        var_log = (
            (pp * r).sum(axis=1) / (2.0 * sum_r**2)
            + (pp * s + qq * r).sum(axis=1) / (2.0 * sum_r * sum_s)
            + (qq * s).sum(axis=1) / (2.0 * sum_s**2)
        )
        stat = np.maximum(np.abs(a.sum(axis=1) - expected.sum(axis=1)) - 0.5, 0.0) ** 2 / var.sum(axis=1)
    return odds, np.sqrt(var_log), stat, (n_ref.sum(axis=1)).astype(int), (n_foc.sum(axis=1)).astype(int)


def mantel_haenszel(
    scores,
    groups,
    reference,
    focal,
    *,
    item_ids=None,
    matching=None,
    purify: bool = False,
    alpha: float = 0.05,
) -> MantelHaenszelResult:
    """Mantel-Haenszel DIF for every dichotomous item.

    Parameters
    ----------
    scores : array_like, shape (N, J)
        Item scores, NaN for missing.  Without ``matching`` the data must be
        complete; polytomous items get NaN (the matching score still counts them).
    groups : array_like, shape (N,)
        Group label of each student; students in neither group are ignored.
    reference, focal : str
        The two labels compared.
    item_ids : sequence of str, shape (J,), optional
    matching : array_like of int, shape (N,), optional
        Matching strata (e.g. binned ability estimates for sparse adaptive
        data); default the total score, including the studied item.
    purify : bool
        Two-stage purification: items classed B or C in a first pass are
        left out of the total score (except when studied) in a second pass.
    alpha : float
        Significance level of the chi-square and of the ETS classes.

    Returns
    -------
    MantelHaenszelResult
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"scores should have the shape (n_students, n_items), got {x.shape}")
    n, j = x.shape
    labels = np.asarray(groups, dtype=object).reshape(-1)
    if labels.shape != (n,):
        raise ValueError(f"groups should have one label per student ({n}), got {labels.shape[0]}")
    ref, foc = group_mask(labels, reference, focal)
    ids = np.asarray([f"I{i + 1}" for i in range(j)] if item_ids is None else item_ids, dtype=object).astype(str)
    if ids.shape != (j,):
        raise ValueError(f"item_ids should have length {j}, got {ids.shape}")
    answered = ~np.isnan(x)
    x0 = np.where(answered, x, 0.0)
    if np.any(x0 < 0) or np.any(x0 != np.round(x0)):
        raise ValueError("scores must be whole non-negative numbers or NaN")
    dich = ~np.any(x0 > 1, axis=0)
    if matching is None:
        if not answered.all():
            raise ValueError(
                "Mantel-Haenszel on the total score needs complete data; "
                "pass matching strata (e.g. binned ability estimates) for data with missing cells"
            )
        strata = np.broadcast_to(x0.sum(axis=1)[:, None], (n, j)).astype(np.int64)
    else:
        m = np.asarray(matching, dtype=float).reshape(-1)
        if m.shape != (n,):
            raise ValueError(f"matching should have one stratum per student ({n}), got {m.shape[0]}")
        if np.any(~np.isfinite(m)) or np.any(m != np.round(m)):
            raise ValueError("matching strata must be whole numbers (bin continuous scores first)")
        strata = np.broadcast_to(m.astype(np.int64)[:, None], (n, j))
        purify = False  # the strata are given, not built from the items
    if not 0 < alpha < 1:
        raise ValueError(f"alpha should be in (0, 1), got {alpha}")

    odds, se_log, stat, n_ref, n_foc = _mh_tables(x0, answered, ref, foc, strata)
    used_purify = False
    if purify:
        delta = DELTA_SCALE * np.log(odds)
        p = chi2.sf(stat, 1)
        flagged = np.isin(ets_class(delta, 2.35 * se_log, p, alpha), ["B", "C"]) & dich
        if flagged.any() and not flagged.all():
            clean = x0[:, ~flagged].sum(axis=1)
            strata = (clean[:, None] + np.where(flagged[None, :], x0, 0.0)).astype(np.int64)
            odds, se_log, stat, n_ref, n_foc = _mh_tables(x0, answered, ref, foc, strata)
            used_purify = True
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = DELTA_SCALE * np.log(odds)
    se_delta = 2.35 * se_log
    p = chi2.sf(stat, 1)
    nan = ~dich
    odds, delta, se_delta, stat, p = (np.where(nan, np.nan, v) for v in (odds, delta, se_delta, stat, p))
    return MantelHaenszelResult(
        item_ids=ids,
        odds_ratio=odds,
        delta=delta,
        se_delta=se_delta,
        chi2=stat,
        p=p,
        ets_class=ets_class(delta, se_delta, p, alpha),
        n_reference=n_ref,
        n_focal=n_foc,
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
    reference, focal : ItemParameters
        The studied items' parameters estimated in each group (DIF model).
    common : ItemParameters
        The studied items' parameters under the null model.
    latent_mean, latent_sd : ndarray, shape (S, 2)
        Reference and focal latent distribution under the null model.
    anchors : ndarray of str
        The anchor items (parameters held at their bank values).
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


def _fit_item_counts(group, eta, free, counts_list, nodes):
    """Maximize sum_q sum_k r_qk log P_k(theta_q; eta) over the free entries of eta.

    ``counts_list`` holds one (Q, K) table per parameter set (one shared
    set: a list of one pooled table).  Returns the new eta ``(1, p)``.
    """
    k = group.n_categories
    counts = sum(counts_list)
    lo = np.full(eta.shape[1], -np.inf)
    hi = np.full(eta.shape[1], np.inf)
    lo[0], hi[0] = 1e-3, 25.0
    if group.family.name == "logistic":
        lo[2:], hi[2:] = 1e-6, 1.0 - 1e-6

    def objective(v):
        e = eta.copy()
        e[0, free] = v
        p = np.maximum(group.family.probabilities(nodes, e, k)[:, 0, :], 1e-300)
        jac = group.family.param_jacobian(nodes, e, k)[:, 0, :, :]  # (Q, K, p)
        ll = np.sum(counts * np.log(p))
        grad = np.einsum("qk,qkp->p", counts / p, jac)[free]
        return -ll, -grad

    bounds = list(zip(lo[free], hi[free]))
    res = minimize(objective, eta[0, free], jac=True, method="L-BFGS-B", bounds=bounds)
    out = eta.copy()
    out[0, free] = res.x
    return out


def _lr_fit(log_anchor, y, in_group, item_group, eta0, free, nodes, shared, tol, max_iter):
    """EM for one studied item with two groups; returns (loglik, etas, means, sds)."""
    k = item_group.n_categories
    answered = y >= 0
    onehot = np.zeros((len(y), k))
    onehot[answered, y[answered]] = 1.0
    etas = [eta0.copy(), eta0.copy()]
    means = np.zeros(2)
    sds = np.ones(2)
    last = -np.inf
    loglik = -np.inf
    for _ in range(max_iter):
        counts, loglik = [], 0.0
        new_means, new_sds = means.copy(), sds.copy()
        for g in range(2):
            sel = in_group[g]
            logp = np.log(np.maximum(item_group.family.probabilities(nodes, etas[g], k)[:, 0, :], 1e-300))  # (Q, K)
            z = (nodes - means[g]) / sds[g]
            log_prior = -0.5 * z * z - logsumexp(-0.5 * z * z)
            lj = log_anchor[sel] + np.where(answered[sel, None], onehot[sel] @ logp.T, 0.0) + log_prior[None, :]
            norm_ = logsumexp(lj, axis=1, keepdims=True)
            loglik += float(norm_.sum())
            post = np.exp(lj - norm_)
            counts.append(post.T @ onehot[sel])  # (Q, K)
            mu = float(np.mean(post @ nodes))
            new_means[g] = mu
            new_sds[g] = np.sqrt(max(float(np.mean(post @ (nodes - mu) ** 2)), 1e-4))
        means, sds = new_means, new_sds
        if shared:
            e = _fit_item_counts(item_group, etas[0], free, counts, nodes)
            etas = [e, e]
        else:
            etas = [_fit_item_counts(item_group, etas[g], free, [counts[g]], nodes) for g in range(2)]
        if abs(loglik - last) < tol:
            break
        last = loglik
    return loglik, etas, means, sds


def irt_lr_dif(
    responses: ResponseMatrix,
    params: ItemParameters,
    groups,
    reference,
    focal,
    studied,
    *,
    anchors=None,
    n_nodes: int = 61,
    tol: float = 1e-6,
    max_iter: int = 500,
) -> LRDIFResult:
    """IRT likelihood-ratio DIF test of ``studied`` items against anchors.

    For each studied item the anchors keep their parameters from
    ``params`` (the bank's scale), the reference and focal groups each get a
    normal latent distribution with free mean and sd, and the studied item is
    estimated twice by EM: with one parameter set for both groups (null) and
    with one per group (DIF).  ``G2 = 2 (ll_DIF - ll_null)`` is referred to
    chi-square on the item's number of free parameters.

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
    n_nodes : int
        Quadrature nodes on [-6, 6].
    tol, max_iter :
        EM stops when the log-likelihood changes less than ``tol``.

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
    anchor_ids = [i for i in params.item_ids.tolist() if i not in set(studied)] if anchors is None else [str(a) for a in anchors]
    unknown = [a for a in anchor_ids if a not in params.index_of]
    if unknown:
        raise ValueError(f"unknown anchor item {unknown[0]}")
    if set(anchor_ids) & set(studied):
        raise ValueError("an item cannot be both studied and an anchor")
    if not anchor_ids:
        raise ValueError("the test needs at least one anchor item")
    keep = np.flatnonzero(ref | foc)
    sub = _select_students(responses, keep)
    in_group = [ref[keep], foc[keep]]
    nodes, _ = normal_grid(n_nodes, (-6.0, 6.0))
    apos = np.array([params.index_of[a] for a in anchor_ids])
    log_anchor = grid_log_likelihood(sub.select_items(apos), params.subset(apos), nodes)

    res = {k: [] for k in ("g2", "df", "p", "l0", "l1", "eref", "efoc", "ecom", "mean", "sd")}
    for item in studied:  # a handful of suspected items, each its own pair of fits
        j = params.index_of[item]
        one = params.subset([j])
        grp = one.groups[0]
        free = np.flatnonzero(grp.free[0])
        if one.model[0] == "1pl":
            free = np.union1d(free, [0])
        y = np.full(sub.n_students, -1, dtype=np.int64)
        m = sub.item == j
        y[sub.student[m]] = sub.score[m]
        for gi in range(2):
            if not np.any(y[in_group[gi]] >= 0):
                raise ValueError(f"item {item}: nobody in the {'reference' if gi == 0 else 'focal'} group answered it")
        l0, e0, mu, sd = _lr_fit(log_anchor, y, in_group, grp, grp.eta, free, nodes, True, tol, max_iter)
        l1, e1, _, _ = _lr_fit(log_anchor, y, in_group, grp, e0[0], free, nodes, False, tol, max_iter)
        g2 = max(2.0 * (l1 - l0), 0.0)
        res["g2"].append(g2)
        res["df"].append(len(free))
        res["p"].append(float(chi2.sf(g2, len(free))))
        res["l0"].append(l0)
        res["l1"].append(l1)
        res["ecom"].append(e0[0][0])
        res["eref"].append(e1[0][0])
        res["efoc"].append(e1[1][0])
        res["mean"].append(mu)
        res["sd"].append(sd)

    spos = np.array([params.index_of[s] for s in studied])
    table = params.subset(spos)

    def as_table(rows):
        groups_new = []
        for grp in table.groups:
            groups_new.append(grp.with_eta(np.vstack([rows[i] for i in grp.index])))
        return table.with_groups(tuple(groups_new))

    return LRDIFResult(
        item_ids=table.item_ids.copy(),
        g2=np.array(res["g2"]),
        df=np.array(res["df"], dtype=int),
        p=np.array(res["p"]),
        loglik_null=np.array(res["l0"]),
        loglik_dif=np.array(res["l1"]),
        reference=as_table(res["eref"]),
        focal=as_table(res["efoc"]),
        common=as_table(res["ecom"]),
        latent_mean=np.array(res["mean"]),
        latent_sd=np.array(res["sd"]),
        anchors=np.array(anchor_ids, dtype=str),
    )


def _select_students(responses: ResponseMatrix, keep: np.ndarray) -> ResponseMatrix:
    """The response matrix restricted to the students at ``keep`` (sorted)."""
    remap = np.full(responses.n_students, -1)
    remap[keep] = np.arange(len(keep))
    sel = remap[responses.student] >= 0
    dense = None if responses.dense is None else responses.dense[keep]
    return ResponseMatrix(
        responses.student_ids[keep], responses.item_ids, responses.n_categories,
        remap[responses.student[sel]], responses.item[sel], responses.score[sel], dense,
    )
