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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.stats import chi2, norm

from engine.irt.likelihood import grid_log_likelihood
from engine.irt.parameters import ItemParameters
from engine.irt.quadrature import normal_grid
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


def _strata_sums(item, stratum, score, is_ref, n_items) -> _Sums:
    stratum = stratum - stratum.min()
    n_strata = int(stratum.max()) + 1
    size = n_items * n_strata
    flat = item * n_strata + stratum
    y = score.astype(float)

    def tab(mask, weights=None):
        out = np.bincount(flat[mask], None if weights is None else weights[mask], size)
        return out.reshape(n_items, n_strata).astype(float)

    ref, foc = is_ref, ~is_ref
    return _Sums(tab(ref), tab(foc), tab(ref, y), tab(foc, y), tab(ref, y * y), tab(foc, y * y))


def _mh_statistics(t: _Sums):
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
        default_ids = [f"I{i + 1}" for i in range(j)]
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

    def run(stratum):
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


def _item_bounds(group, free: np.ndarray) -> list[tuple[float, float]]:
    lo = np.full(group.eta.shape[1], -np.inf)
    hi = np.full(group.eta.shape[1], np.inf)
    lo[0], hi[0] = 1e-3, 25.0  # slope
    if group.family.name == "logistic":
        lo[2:], hi[2:] = 1e-6, 1.0 - 1e-6  # asymptotes
    return list(zip(lo[free], hi[free]))


def _logsumexp_rows(x: np.ndarray) -> np.ndarray:
    """``log(sum(exp(x), axis=1))`` as an (n, 1) column (plain numpy, fast on small rows)."""
    m = x.max(axis=1, keepdims=True)
    return m + np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def _lr_problem(log_anchor, y, in_group, item_group, eta0, free, nodes, shared):
    """The negative marginal log-likelihood of one studied item with two groups.

    Anchors are fixed (their log-likelihood ``log_anchor`` (N, Q) is given);
    free: each group's latent mean and log sd, and the studied item's free
    parameters (one set, or one per group).  The gradient is the posterior
    expectation of the complete-data score (Fisher's identity).

    Returns
    -------
    objective : callable v -> (value, gradient)
    v0 : ndarray
        Start: N(0, 1) in both groups, the item at ``eta0``.
    bounds : list of (low, high)
    unpack : callable v -> (means (2,), sds (2,), [eta_ref, eta_foc])
    """
    k = item_group.n_categories
    family = item_group.family
    answered = y >= 0
    onehot = np.zeros((len(y), k))
    onehot[answered, y[answered]] = 1.0
    nf = len(free)
    n_sets = 1 if shared else 2

    def unpack(v):
        means, log_sds = v[[0, 2]], v[[1, 3]]
        etas = []
        for g in range(n_sets):
            e = eta0.copy()
            e[0, free] = v[4 + g * nf : 4 + (g + 1) * nf]
            etas.append(e)
        if shared:
            etas = etas * 2
        return means, np.exp(log_sds), etas

    anchor_by_group = [log_anchor[in_group[g]] for g in range(2)]
    onehot_by_group = [onehot[in_group[g]] for g in range(2)]

    def objective(v):
        means, sds, etas = unpack(v)
        total, grad = 0.0, np.zeros_like(v)
        for g in range(2):
            oh = onehot_by_group[g]
            p = np.maximum(family.probabilities(nodes, etas[g], k)[:, 0, :], 1e-300)  # (Q, K)
            z = (nodes - means[g]) / sds[g]
            w = -0.5 * z * z
            log_prior = w - _logsumexp_rows(w[None, :])[0, 0]
            lj = anchor_by_group[g] + oh @ np.log(p).T + log_prior[None, :]
            norm_ = _logsumexp_rows(lj)
            total += float(norm_.sum())
            post = np.exp(lj - norm_)
            node_counts = post.sum(axis=0)  # (Q,)
            prior = np.exp(log_prior)
            grad[2 * g] = node_counts @ (z - prior @ z) / sds[g]
            grad[2 * g + 1] = node_counts @ (z * z - prior @ (z * z))
            counts = post.T @ oh  # (Q, K)
            jac = family.param_jacobian(nodes, etas[g], k)[:, 0, :, :]  # (Q, K, p)
            at = 4 + (0 if shared else g * nf)
            grad[at : at + nf] += np.einsum("qk,qkp->p", counts / p, jac)[free]
        return -total, -grad

    v0 = np.concatenate([[0.0, 0.0, 0.0, 0.0], np.tile(eta0[0, free], n_sets)])
    bounds = [(-6.0, 6.0), (-3.0, 3.0)] * 2 + _item_bounds(item_group, free) * n_sets
    return objective, v0, bounds, unpack


def _lr_fit(log_anchor, y, in_group, item_group, eta0, free, nodes, shared, tol, max_iter):
    """Maximize :func:`_lr_problem`; returns (loglik, etas, means, sds)."""
    objective, v0, bounds, unpack = _lr_problem(log_anchor, y, in_group, item_group, eta0, free, nodes, shared)
    res = minimize(
        objective,
        v0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter, "ftol": tol * 1e-3, "gtol": 1e-7},
    )
    means, sds, etas = unpack(res.x)
    return -float(res.fun), etas, means, sds


def _joint_problem(resp_by_group, table: ItemParameters, studied: int, studied_free, nodes, shared):
    """Negative marginal log-likelihood of the two-group model with estimated anchors.

    ``resp_by_group`` holds the reference and focal students' responses to
    the items of ``table`` (anchors then the studied item at position
    ``studied``).  Free: every anchor's free parameters (equal across
    groups), the studied item's (shared, or one set per group), and the focal
    group's latent mean and log sd; the reference group is N(0, 1).  The
    gradient is the posterior expectation of the complete-data score.

    Returns
    -------
    objective, v0, bounds, unpack
        ``unpack(v) -> (focal mean, focal sd, [groups of the reference, groups of the focal])``.
    """
    groups = table.groups
    entries = []  # (group number, row, parameter, parameter set: -1 both, 0 reference, 1 focal)
    for gi, grp in enumerate(groups):
        for row, item in enumerate(grp.index):
            cols = studied_free if item == studied else np.flatnonzero(grp.free[row])
            for m in cols:
                if item == studied and not shared:
                    entries += [(gi, row, m, 0), (gi, row, m, 1)]
                else:
                    entries.append((gi, row, m, -1))
    ent = np.array(entries, dtype=np.int64).reshape(-1, 4)
    v0 = np.concatenate([[0.0, 0.0], [groups[gi].eta[row, m] for gi, row, m, _ in ent]])
    bounds = [(-6.0, 6.0), (-3.0, 3.0)]
    for gi, _row, m, _ in ent:
        if m == 0:
            bounds.append((1e-3, 25.0))
        elif groups[gi].family.name == "logistic" and m >= 2:
            bounds.append((1e-6, 1.0 - 1e-6))
        else:
            bounds.append((None, None))
    z0 = nodes
    w0 = -0.5 * z0 * z0
    log_prior_ref = w0 - _logsumexp_rows(w0[None, :])[0, 0]

    def unpack(v):
        etas = [[grp.eta.copy() for grp in groups] for _ in range(2)]
        for value, (gi, row, m, which) in zip(v[2:], ent):
            for sset in (0, 1) if which < 0 else (which,):
                etas[sset][gi][row, m] = value
        return float(v[0]), float(np.exp(v[1])), etas

    kmax = table.max_categories

    def objective(v):
        mean, sd, etas = unpack(v)
        total, grad = 0.0, np.zeros_like(v)
        for sset in range(2):
            resp = resp_by_group[sset]
            probs = np.zeros((len(nodes), table.n_items, kmax))
            for grp, eta in zip(groups, etas[sset]):
                probs[:, grp.index, : grp.n_categories] = grp.family.probabilities(nodes, eta, grp.n_categories)
            logp = np.log(np.maximum(probs, 1e-300))
            if sset == 0:
                log_prior = log_prior_ref
            else:
                z = (nodes - mean) / sd
                w = -0.5 * z * z
                log_prior = w - _logsumexp_rows(w[None, :])[0, 0]
            lj = resp.gather(logp) + log_prior[None, :]
            norm_ = _logsumexp_rows(lj)
            total += float(norm_.sum())
            post = np.exp(lj - norm_)
            if sset == 1:
                node_counts = post.sum(axis=0)
                prior = np.exp(log_prior)
                grad[0] = node_counts @ (z - prior @ z) / sd
                grad[1] = node_counts @ (z * z - prior @ (z * z))
            counts = resp.scatter(post, kmax)  # expected counts r[q, j, k]
            for gi, (grp, eta) in enumerate(zip(groups, etas[sset])):
                k = grp.n_categories
                jac = grp.family.param_jacobian(nodes, eta, k)  # (Q, n, K, p)
                ratio = counts[:, grp.index, :k] / probs[:, grp.index, :k]
                g_eta = np.einsum("qnk,qnkp->np", ratio, jac)
                sel = (ent[:, 0] == gi) & ((ent[:, 3] < 0) | (ent[:, 3] == sset))
                grad[2 + np.flatnonzero(sel)] += g_eta[ent[sel, 1], ent[sel, 2]]
        return -total, -grad

    return objective, v0, bounds, unpack


def _joint_fit(resp_by_group, table, studied, studied_free, nodes, shared, tol, max_iter):
    """Maximize :func:`_joint_problem`.

    Returns (loglik, [studied eta reference, focal], means (2,), sds (2,), fitted table of the null model).
    """
    objective, v0, bounds, unpack = _joint_problem(resp_by_group, table, studied, studied_free, nodes, shared)
    res = minimize(
        objective,
        v0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter * 10, "ftol": tol * 1e-3, "gtol": 1e-7},
    )
    mean, sd, etas = unpack(res.x)
    locate = [
        (gi, int(np.flatnonzero(grp.index == studied)[0]))
        for gi, grp in enumerate(table.groups)
        if np.any(grp.index == studied)
    ][0]
    studied_etas = [etas[sset][locate[0]][locate[1] : locate[1] + 1] for sset in range(2)]
    fitted = table.with_groups(tuple(grp.with_eta(eta) for grp, eta in zip(table.groups, etas[0])))
    return -float(res.fun), studied_etas, np.array([0.0, mean]), np.array([1.0, sd]), fitted


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

    For each studied item, two models are fitted by maximum marginal
    likelihood: the studied item with one parameter set for both groups
    (null) and with one per group (DIF); ``G2 = 2 (ll_DIF - ll_null)`` is
    referred to chi-square on the item's number of free parameters.

    * ``estimate_anchors=False`` (default): the anchors keep their
      parameters from ``params`` (the bank's scale) and both groups get a
      normal latent distribution with free mean and sd.
    * ``estimate_anchors=True``: the multiple-group model of mirt's
      ``multipleGroup`` with ``invariance = c(anchors, "free_means",
      "free_var")``: the anchors are re-estimated, equal across groups, the
      reference group is N(0, 1) and the focal group's mean and sd are free.
      Items neither studied nor anchors are left out of the model.

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
        Convergence tolerance and iteration limit of the optimizer.

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
        if estimate_anchors:
            items = np.concatenate([apos, [j]])
            joint_resp = [sub.select_students(np.flatnonzero(in_group[gi])).select_items(items) for gi in range(2)]
            start = params.subset(items)
            l0, e0, mu, sd, fitted = _joint_fit(joint_resp, start, len(items) - 1, free, nodes, True, tol, max_iter)
            l1, e1, _, _, _ = _joint_fit(joint_resp, fitted, len(items) - 1, free, nodes, False, tol, max_iter)
        else:
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
