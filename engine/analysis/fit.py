"""Item, person and model fit of a calibrated bank.

* :func:`sx2` — Orlando and Thissen's summed-score item fit S-X2 (Kang and
  Chen's generalization to polytomous items), with sparse cells collapsed the
  way R mirt's ``itemfit`` does, so the values agree with mirt.
* :func:`infit_outfit` — infit and outfit mean squares with their
  Wilson-Hilferty standardized values, for every model through the expected
  score and variance of each response (Wright and Masters for Rasch items).
* :func:`person_fit` — the standardized log-likelihood lz (Drasgow, Levine
  and Williams; mirt's Zh) and person infit/outfit.
* :func:`m2` — Maydeu-Olivares and Joe's limited-information M2 with RMSEA,
  for dichotomous models on complete data.

The summed-score likelihoods come from the Lord-Wingersky recursion
(:func:`summed_score_likelihood`) on mirt's quadrature grid (61 equally
spaced nodes on [-6, 6], normal weights; :mod:`engine.irt.quadrature`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import chi2

from engine.irt.likelihood import check_aligned
from engine.irt.parameters import ItemParameters
from engine.irt.quadrature import normal_grid
from engine.irt.responses import ResponseMatrix

__all__ = [
    "SX2Result",
    "sx2",
    "Q1Result",
    "x2_q1",
    "pv_q1",
    "summed_score_likelihood",
    "InfitOutfit",
    "infit_outfit",
    "PersonFit",
    "person_fit",
    "ModelFit",
    "m2",
    "rmsea",
    "free_parameter_counts",
    "response_probabilities",
]

_TINY = 1e-300


# ---------------------------------------------------------------- helpers
def _complete_table(responses: ResponseMatrix, what: str) -> np.ndarray:
    """Dense (N, J) int scores; ValueError when any cell is missing."""
    if not responses.is_complete:
        raise ValueError(
            f"{what} needs complete data (every student answered every item); "
            f"{responses.n_students * responses.n_items - responses.n_responses} cells are missing"
        )
    x = np.zeros((responses.n_students, responses.n_items), dtype=np.int64)
    x[responses.student, responses.item] = responses.score
    return x


def rmsea(x2: ArrayLike, df: ArrayLike, n: float) -> np.ndarray:
    """mirt's RMSEA: ``sqrt(max(X2/df - 1, 0) / (N - 1))``, NaN where df <= 0.

    Parameters
    ----------
    x2, df : array_like, shape (J,) or scalar
        Fit statistics and their degrees of freedom.
    n : float
        Number of students.

    Returns
    -------
    ndarray, shape of ``x2``
    """
    stat = np.asarray(x2, dtype=float)
    dof = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.sqrt(np.maximum(stat / dof - 1.0, 0.0) / (n - 1.0))
    return np.where(dof > 0, out, np.nan)


def free_parameter_counts(params: ItemParameters) -> np.ndarray:
    """Estimated parameters per item as mirt counts them, shape ``(J,)``.

    The common slope of 1PL items counts once per item (mirt counts
    equality-constrained parameters per item).
    """
    out = np.zeros(params.n_items, dtype=np.int64)
    for g in params.groups:
        out[g.index] = g.free.sum(axis=1)
    out[params.model == "1pl"] += 1
    return out


def _latent_parameter_count(params: ItemParameters) -> int:
    """1 when the latent variance is estimated (an all-Rasch calibration)."""
    return int(bool(np.all(params.model == "rasch")))


# --------------------------------------------------------------- S-X2
def summed_score_likelihood(probs: np.ndarray, n_categories: np.ndarray) -> np.ndarray:
    """Lord-Wingersky recursion: P(summed score = s | theta_q).

    Parameters
    ----------
    probs : ndarray, shape (Q, J, Kmax)
        Category probabilities of J items on Q nodes (0 past K_j).
    n_categories : ndarray of int, shape (J,)

    Returns
    -------
    ndarray, shape (S + 1, Q)
        S = sum_j (K_j - 1), the highest summed score.
    """
    q = probs.shape[0]
    k = np.asarray(n_categories, dtype=np.int64)
    out = np.zeros((int((k - 1).sum()) + 1, q))
    out[0] = 1.0
    top = 0
    for j in range(probs.shape[1]):  # sequential by nature: one convolution per item
        new = np.zeros_like(out[: top + k[j]])
        for c in range(k[j]):
            new[c : c + top + 1] += out[: top + 1] * probs[:, j, c][None, :]
        top += int(k[j]) - 1
        out[: top + 1] = new
    return out


@dataclass(frozen=True)
class SX2Result:
    """S-X2 item fit.

    Attributes
    ----------
    item_ids : ndarray of str, shape (J,)
    sx2 : ndarray, shape (J,)
        The statistic after collapsing; NaN where df is 0.
    df : ndarray of int, shape (J,)
    p : ndarray, shape (J,)
    rmsea : ndarray, shape (J,)
    observed, expected : tuple of ndarray
        The collapsed tables per item, rows = summed-score groups, columns =
        categories (NaN in expected marks cells left out).
    """

    item_ids: np.ndarray
    sx2: np.ndarray
    df: np.ndarray
    p: np.ndarray
    rmsea: np.ndarray
    observed: tuple
    expected: tuple


def sx2(
    responses: ResponseMatrix,
    params: ItemParameters,
    *,
    latent_mean: float = 0.0,
    latent_sd: float = 1.0,
    n_nodes: int = 61,
    mincell: float = 1.0,
    n_latent_free: int | None = None,
) -> SX2Result:
    """Orlando-Thissen S-X2 for every item, as R mirt computes it.

    For item j and summed score s (1 .. S-1), the expected proportion in
    category k is ``sum_q w_q P_jk(theta_q) L_{-j}(s - k | theta_q) /
    sum_q w_q L(s | theta_q)`` (Lord-Wingersky likelihoods without and with
    item j).  Observed and expected counts are tabulated by summed score and
    category, sparse cells (expected below ``mincell``) are collapsed with
    mirt's rules, and ``S-X2 = sum (O - E)^2 / E`` on
    ``#cells - #rows - #free parameters`` degrees of freedom.

    Parameters
    ----------
    responses : ResponseMatrix
        Complete data (every student answered every item).
    params : ItemParameters
        The fitted items, aligned with ``responses``.
    latent_mean, latent_sd : float
        Latent distribution of the calibration.
    n_nodes : int
        Quadrature nodes on [-6, 6].
    mincell : float
        Minimum expected cell count.
    n_latent_free : int, optional
        Estimated latent parameters subtracted from every df; default 1 for
        an all-Rasch bank (variance estimated), else 0.

    Returns
    -------
    SX2Result
    """
    check_aligned(responses, params)
    x = _complete_table(responses, "S-X2")
    n_items = params.n_items
    if n_items < 2:
        raise ValueError("S-X2 needs at least 2 items")
    k = params.n_categories.astype(np.int64)
    nodes, log_w = normal_grid(n_nodes, (-6.0, 6.0), latent_mean, latent_sd)
    w = np.exp(log_w)
    probs = params.category_probabilities(nodes)
    total_like = summed_score_likelihood(probs, k)  # (S+1, Q)
    marg = total_like @ w  # (S+1,)
    s_max = total_like.shape[0] - 1
    totals = x.sum(axis=1)
    n_free = free_parameter_counts(params)
    latent = _latent_parameter_count(params) if n_latent_free is None else int(n_latent_free)

    stat = np.full(n_items, np.nan)
    dfs = np.zeros(n_items, dtype=np.int64)
    observed, expected = [], []
    for j in range(n_items):  # per-item tables: J small recursions, not a hot path
        rest = np.delete(np.arange(n_items), j)
        rest_like = summed_score_likelihood(probs[:, rest], k[rest])  # (S - K_j + 2, Q)
        e = np.full((s_max + 1, k[j]), np.nan)
        for c in range(k[j]):
            e[c : c + rest_like.shape[0], c] = (rest_like @ (probs[:, j, c] * w)) / marg[c : c + rest_like.shape[0]]
        o = np.zeros((s_max + 1, k[j]))
        np.add.at(o, (totals, x[:, j]), 1.0)
        o, e = o[1:-1], e[1:-1]
        e = e * o.sum(axis=1)[:, None]
        oc, ec = _collapse_cells(o, e, mincell)
        observed.append(oc)
        expected.append(ec)
        if oc.ndim != 2 or oc.shape[0] == 0:
            continue
        cells = np.isfinite(ec)
        with np.errstate(invalid="ignore", divide="ignore"):
            stat[j] = np.nansum(np.where(cells, (oc - ec) ** 2 / ec, np.nan))
        dfs[j] = int(cells.sum()) - ec.shape[0] - int(n_free[j]) - latent
    dfs = np.maximum(dfs, 0)
    stat = np.where(dfs == 0, np.nan, stat)
    with np.errstate(invalid="ignore"):
        p = np.where(dfs > 0, chi2.sf(stat, np.maximum(dfs, 1)), np.nan)
    return SX2Result(
        item_ids=params.item_ids.copy(),
        sx2=stat,
        df=dfs,
        p=p,
        rmsea=rmsea(stat, dfs, responses.n_students),
        observed=tuple(observed),
        expected=tuple(expected),
    )


def _merge_rows(o: np.ndarray, e: np.ndarray, src: int, dst: int) -> tuple[np.ndarray, np.ndarray]:
    e[dst] += e[src]
    o[dst] += o[src]
    return np.delete(o, src, axis=0), np.delete(e, src, axis=0)


def _collapse_cells(o: np.ndarray, e: np.ndarray, mincell: float) -> tuple[np.ndarray, np.ndarray]:
    """mirt's ``collapseCells`` for one item (rows: summed scores, cols: categories).

    The steps, in mirt's order: fold rows where a category is impossible into
    the nearest complete row; drop empty rows and fold single-person rows
    upward; within rows with small expected counts merge adjacent categories
    (polytomous); fold rare right-hand columns; finally merge whole rows
    with an expected cell below ``mincell`` into a neighbour.  Cells of
    expected 0 end as NaN (left out of the statistic and of df).
    """
    o = o.astype(float).copy()
    e = e.astype(float).copy()
    # rows with impossible categories (NaN): upper half folds into the first
    # complete row below it, lower half into the last complete row above it
    drop = np.flatnonzero(np.isnan(e).any(axis=1))
    e = np.nan_to_num(e)
    if len(drop):
        half = len(drop) // 2
        up = np.arange(drop[0], drop[half - 1] + 1) if half else np.array([], dtype=int)
        low = np.arange(drop[half], drop[-1] + 1)
        if len(up):
            tgt = up.max() + 1
            e[tgt] = e[np.append(up, tgt)].sum(axis=0)
            o[tgt] = o[np.append(up, tgt)].sum(axis=0)
        tgt = low.min() - 1
        e[tgt] = e[np.append(low, tgt)].sum(axis=0)
        o[tgt] = o[np.append(low, tgt)].sum(axis=0)
        keep = np.ones(len(e), dtype=bool)
        keep[np.concatenate([up, low]).astype(int)] = False
        o, e = o[keep], e[keep]
    if o.shape[0] == 0:
        return o, e
    # drop empty rows, fold rows holding one person into the next
    nonempty = o.sum(axis=1) != 0
    o, e = o[nonempty], e[nonempty]
    if o.shape[0] == 0:
        return o, e
    small = e < mincell
    dropped = []
    for r in range(o.shape[0] - 1):
        if o[r].sum() == 1:
            dropped.append(r)
            o[r + 1] += o[r]
            e[r + 1] += e[r]
    if dropped:
        o, e = np.delete(o, dropped, axis=0), np.delete(e, dropped, axis=0)
    if o.shape[0] >= 2 and o[-1].sum() == 1:
        o, e = _merge_rows(o, e, o.shape[0] - 1, o.shape[0] - 2)
    ncol = e.shape[1]
    # polytomous: merge adjacent categories within rows with small cells
    if ncol > 2:
        for r in range(e.shape[0]):
            if r >= small.shape[0] or not small[r].any():
                continue
            te, to = list(e[r]), list(o[r])
            while len(te) > 2:
                m = min(te)
                whc = max(i for i, v in enumerate(te) if v == m)
                if whc == 0:
                    pick = 1
                elif whc == len(te) - 1:
                    pick = whc - 1
                else:
                    pick = whc - 1 if min(te[whc - 1], te[whc + 1]) == te[whc - 1] else whc + 1
                te[pick] += te[whc]
                to[pick] += to[whc]
                del te[whc], to[whc]
                if all(v >= mincell for v in te):
                    break
            e[r] = te + [0.0] * (ncol - len(te))
            o[r] = to + [0.0] * (ncol - len(to))
        # fold the right-most column while it is too rare
        while e.shape[1] > 2 and e[:, -1].sum() < mincell * np.ceil(e.shape[0] * 0.1):
            e[:, -2] += e[:, -1]
            o[:, -2] += o[:, -1]
            e, o = e[:, :-1], o[:, :-1]
    # fold columns present in under 5% of the rows into their left neighbour
    dropcol = np.zeros(e.shape[1], dtype=bool)
    for c in range(e.shape[1] - 1, 0, -1):
        if (e[:, c] > 0).sum() / e.shape[0] < 0.05:
            dropcol[c] = True
            e[:, c - 1] += e[:, c]
            o[:, c - 1] += o[:, c]
    e, o = e[:, ~dropcol], o[:, ~dropcol]
    # merge whole rows holding a small, non-zero expected cell
    while e.shape[0] > 1:
        bad = ((e < mincell) & (e != 0)).any(axis=1)
        if not bad.any():
            break
        whc = int(np.argmax(bad))
        last = e.shape[0] - 1
        if whc == 0:
            o, e = _merge_rows(o, e, 0, 1)
        elif whc == last:
            o, e = _merge_rows(o, e, last, last - 1)
        else:
            up = o[whc - 1].sum() <= o[whc + 1].sum()
            o, e = _merge_rows(o, e, whc, whc - 1 if up else whc + 1)
    e = np.where(e == 0, np.nan, e)
    return o, e


# ---------------------------------------------------------- Yen's Q1 / X2
@dataclass(frozen=True)
class Q1Result:
    """Yen's Q1 (Bock's X2 with equal-count ability groups).

    Attributes
    ----------
    item_ids : ndarray of str, shape (J,)
    x2 : ndarray, shape (J,)
    df : ndarray, shape (J,)
        Whole numbers, or averages over draws (:func:`pv_q1`).
    p : ndarray, shape (J,)
    rmsea : ndarray, shape (J,)
    """

    item_ids: np.ndarray
    x2: np.ndarray
    df: np.ndarray
    p: np.ndarray
    rmsea: np.ndarray


def x2_q1(
    responses: ResponseMatrix,
    params: ItemParameters,
    theta: ArrayLike,
    *,
    n_groups: int = 10,
    mincell: float = 2.0,
) -> Q1Result:
    """Yen's Q1 item fit on ability estimates, as mirt's ``itemfit(fit_stats = "X2")``.

    Students are sorted by ``theta`` (ties in their given order) and cut into
    ``n_groups`` equal-count groups (a remainder split between the first and
    last).  For each item and group, over the group's students who answered
    the item: observed category counts ``r``, expected ``N P(mean theta)``;
    categories with expected count below ``mincell`` are merged into a
    neighbour (a group left with one category is skipped);
    ``X2 = sum (r - N P)^2 / (N P)`` on ``sum (categories - 1) - free
    parameters`` df.  Unlike S-X2 it works on incomplete (adaptive) data.

    Parameters
    ----------
    responses : ResponseMatrix
    params : ItemParameters
        Aligned with ``responses``.
    theta : array_like, shape (N,)
        Ability estimates (EAP in mirt).
    n_groups : int
    mincell : float

    Returns
    -------
    Q1Result
    """
    check_aligned(responses, params)
    t = _check_theta(theta, responses.n_students)
    n = responses.n_students
    if int(n_groups) != n_groups or n_groups < 2 or n_groups > n:
        raise ValueError(f"n_groups should be a whole number in 2..{n}, got {n_groups}")
    size = n // n_groups
    extra = n % n_groups
    labels = np.concatenate(
        [
            np.zeros(extra // 2, dtype=np.int64),
            np.repeat(np.arange(n_groups), size),
            np.full(extra - extra // 2, n_groups - 1, dtype=np.int64),
        ]
    )
    order = np.argsort(t, kind="stable")
    group = np.empty(n, dtype=np.int64)
    group[order] = labels
    j = params.n_items
    kmax = params.max_categories
    g_resp = group[responses.student]
    cell = responses.item * n_groups + g_resp
    counts: np.ndarray = np.zeros((j * n_groups, kmax))
    np.add.at(counts, (cell, responses.score), 1.0)
    counts = counts.reshape(j, n_groups, kmax)
    n_cell = counts.sum(axis=2)  # (J, G)
    mean_t = np.bincount(cell, t[responses.student], j * n_groups).reshape(j, n_groups) / np.maximum(n_cell, 1)
    # P at each (item, group) mean theta, via the per-response evaluator
    items = np.repeat(np.arange(j), n_groups)
    probs = response_probabilities(params, items, mean_t.reshape(-1)).reshape(j, n_groups, kmax)
    n_free = free_parameter_counts(params)
    # two categories, vectorized: the merging rules below leave a cell whole (1 df), merge it into one
    # category (skipped), or, when both expected counts are below mincell, empty it (0 added, -1 df)
    two = params.n_categories == 2
    e2 = n_cell[two][:, :, None] * probs[two][:, :, :2]
    low = e2 < mincell
    answered = n_cell[two] > 1
    used = answered & ~low.any(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(used[:, :, None], (counts[two][:, :, :2] - e2) ** 2 / e2, 0.0)
    stat = np.zeros(j)
    dfs = np.zeros(j, dtype=np.int64)
    stat[two] = terms.sum(axis=(1, 2))
    dfs[two] = used.sum(axis=1) - (answered & low.all(axis=2)).sum(axis=1) - n_free[two]
    for i in np.flatnonzero(~two):  # small per-(item, group) tables; merging rules are sequential
        k = int(params.n_categories[i])
        for g in range(n_groups):
            nn = n_cell[i, g]
            if nn <= 1:
                continue
            r = list(counts[i, g, :k])
            p = list(probs[i, g, :k])
            if any(nn * v < mincell for v in p):
                while True:
                    wch = [m for m, v in enumerate(p) if nn * v < mincell]
                    if not wch or len(r) == 1:
                        break
                    for m in wch:
                        if m == 0:
                            r[1] += r[0]
                            p[1] += p[0]
                        else:
                            r[m - 1] += r[m]
                            p[m - 1] += p[m]
                    r = [v for m, v in enumerate(r) if m not in wch]
                    p = [v for m, v in enumerate(p) if m not in wch]
                if len(r) == 1:
                    continue
            e = nn * np.asarray(p)
            stat[i] += float(np.sum((np.asarray(r) - e) ** 2 / e))
            dfs[i] += len(r) - 1
        dfs[i] -= int(n_free[i])
    stat = np.where(stat == 0, np.nan, stat)
    with np.errstate(invalid="ignore"):
        pval = np.where(dfs > 0, chi2.sf(stat, np.maximum(dfs, 1)), np.nan)
    return Q1Result(params.item_ids.copy(), stat, np.maximum(dfs, 0), pval, rmsea(stat, dfs, n))


def pv_q1(
    responses: ResponseMatrix,
    params: ItemParameters,
    theta: ArrayLike,
    se: ArrayLike,
    rng: np.random.Generator,
    *,
    n_draws: int = 30,
    n_groups: int = 10,
    mincell: float = 2.0,
) -> Q1Result:
    """Plausible-value Q1 (Chalmers and Ng, 2017; mirt's ``PV_Q1``).

    Q1 on EAP scores rejects good items far too often (shrunken estimates);
    instead ``n_draws`` plausible values ``theta + se * z`` (the normal
    approximation of each posterior, mirt's default) are drawn, Q1 computed
    on each, and the statistic and df averaged.

    Parameters
    ----------
    responses : ResponseMatrix
    params : ItemParameters
    theta, se : array_like, shape (N,)
        EAP estimates and posterior standard deviations.
    rng : numpy.random.Generator
    n_draws, n_groups, mincell :
        As in :func:`x2_q1`.

    Returns
    -------
    Q1Result
    """
    t = _check_theta(theta, responses.n_students)
    s = np.asarray(se, dtype=float).reshape(-1)
    if s.shape != t.shape or np.any(~np.isfinite(s)) or np.any(s < 0):
        raise ValueError("se should hold one non-negative standard error per student")
    if n_draws < 1:
        raise ValueError(f"n_draws should be at least 1, got {n_draws}")
    draws = [
        x2_q1(responses, params, t + s * rng.standard_normal(t.size), n_groups=n_groups, mincell=mincell)
        for _ in range(int(n_draws))
    ]
    x2 = np.mean([d.x2 for d in draws], axis=0)
    df = np.mean([d.df for d in draws], axis=0)
    with np.errstate(invalid="ignore"):
        p = np.where(df > 0, chi2.sf(x2, np.maximum(df, 1e-9)), np.nan)
    return Q1Result(params.item_ids.copy(), x2, df, p, rmsea(x2, df, responses.n_students))


# ------------------------------------------------------- infit / outfit
def response_probabilities(params: ItemParameters, item: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Category probabilities of single responses, item ``item[r]`` at ``theta[r]``.

    Every family enters theta only through ``a * theta``, so evaluating an
    item with slope ``a * theta_r`` at theta = 1 gives ``P(theta_r)``: one
    vectorized call per item group, no students x items grid.

    Parameters
    ----------
    params : ItemParameters
    item : ndarray of int, shape (R,)
    theta : ndarray, shape (R,)

    Returns
    -------
    ndarray, shape (R, Kmax)
        0 past an item's K.
    """
    item = np.asarray(item, dtype=np.int64)
    theta = np.asarray(theta, dtype=float)
    out = np.zeros((len(item), params.max_categories))
    one = np.ones(1)
    local = np.full(params.n_items, -1)
    for g in params.groups:
        local[g.index] = np.arange(len(g.index))
        sel = np.flatnonzero(np.isin(item, g.index))
        if not len(sel):
            continue
        eta = g.eta[local[item[sel]]].copy()
        eta[:, 0] = eta[:, 0] * theta[sel]
        out[sel, : g.n_categories] = g.family.probabilities(one, eta, g.n_categories)[0]
    return out


def _response_moments(
    responses: ResponseMatrix, params: ItemParameters, theta: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per answered cell: expected score, variance, 4th central moment, log P(x), and the
    first two moments of log P, each of shape ``(n_responses,)`` in the order of
    ``responses.student / responses.item``.
    """
    pc = response_probabilities(params, responses.item, theta[responses.student])  # (R, K)
    cats = np.arange(pc.shape[1], dtype=float)
    m = pc @ cats
    dev = cats[None, :] - m[:, None]
    lp = np.log(np.maximum(pc, _TINY))
    plp = pc * lp
    return (
        m,
        np.sum(pc * dev**2, axis=1),
        np.sum(pc * dev**4, axis=1),
        lp[np.arange(len(m)), responses.score],
        plp.sum(axis=1),
        np.sum(plp * lp, axis=1),
    )


def _check_theta(theta: ArrayLike, n: int) -> np.ndarray:
    """Ability estimates (n,), NaN refused, infinite ones moved just past the finite range."""
    t = np.asarray(theta, dtype=float).reshape(-1)
    if t.shape != (n,):
        raise ValueError(f"theta should have one value per student ({n}), got {t.shape[0]}")
    if np.any(np.isnan(t)):
        raise ValueError("theta contains NaN")
    if np.any(~np.isfinite(t)):  # as mirt: infinite ML estimates just past the finite range
        fin = t[np.isfinite(t)]
        lo, hi = (fin.min() - 0.1, fin.max() + 0.1) if fin.size else (-6.0, 6.0)
        t = np.where(t == np.inf, hi, np.where(t == -np.inf, lo, t))
    return t


def _wilson_hilferty(ms: np.ndarray, q: np.ndarray) -> np.ndarray:
    q = np.minimum(q, 1.4142)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.cbrt(ms) - 1.0) * (3.0 / q) + q / 3.0


@dataclass(frozen=True)
class InfitOutfit:
    """Infit and outfit mean squares of items.

    Attributes
    ----------
    item_ids : ndarray of str, shape (J,)
    n : ndarray of int, shape (J,)
        Responses per item.
    infit, outfit : ndarray, shape (J,)
        Information-weighted and unweighted mean squares (expected 1).
    z_infit, z_outfit : ndarray, shape (J,)
        Wilson-Hilferty standardized values (approximately N(0, 1)).
    zh : ndarray, shape (J,)
        Item-level standardized log-likelihood (mirt's ``Zh`` of ``itemfit``):
        the lz statistic summed over the item's responses instead of a
        student's.
    """

    item_ids: np.ndarray
    n: np.ndarray
    infit: np.ndarray
    outfit: np.ndarray
    z_infit: np.ndarray
    z_outfit: np.ndarray
    zh: np.ndarray


def _mean_squares(
    index: np.ndarray, n_groups: int, resid2: np.ndarray, var: np.ndarray, c4: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per group of ``index``: counts, infit, outfit and their Wilson-Hilferty z, each (n_groups,)."""
    cnt = np.bincount(index, minlength=n_groups).astype(float)
    z2 = resid2 / var
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = np.bincount(index, z2, n_groups) / cnt
        sw = np.bincount(index, var, n_groups)
        infit = np.bincount(index, resid2, n_groups) / sw
        q_out = np.sqrt(np.maximum(np.bincount(index, c4 / var**2, n_groups) / cnt**2 - 1.0 / cnt, 0.0))
        q_in = np.sqrt(np.maximum(np.bincount(index, c4 - var**2, n_groups), 0.0) / sw**2)
    return cnt, infit, outfit, _wilson_hilferty(infit, q_in), _wilson_hilferty(outfit, q_out)


def infit_outfit(responses: ResponseMatrix, params: ItemParameters, theta: ArrayLike) -> InfitOutfit:
    """Item infit and outfit mean squares at given ability estimates.

    With ``E`` and ``W`` the model's expected score and variance of a
    response at the student's theta and ``C`` its fourth central moment:
    ``outfit_j = mean_i (x - E)^2 / W``; ``infit_j = sum_i (x - E)^2 /
    sum_i W``; standardized by the Wilson-Hilferty cube root with
    ``q^2 = sum(C / W^2) / n^2 - 1 / n`` (outfit) and ``sum(C - W^2) /
    (sum W)^2`` (infit), as mirt does.  Missing cells are left out.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items, dense or sparse.
    params : ItemParameters
        Aligned with ``responses``.
    theta : array_like, shape (N,)
        Ability estimates (e.g. EAP or WLE); infinite values are moved just
        outside the finite range.

    Returns
    -------
    InfitOutfit
    """
    check_aligned(responses, params)
    t = _check_theta(theta, responses.n_students)
    ex, var, c4, logp, ent, ent2 = _response_moments(responses, params, t)
    var = np.maximum(var, _TINY)
    resid2 = (responses.score - ex) ** 2
    n, infit, outfit, zi, zo = _mean_squares(responses.item, responses.n_items, resid2, var, c4)
    zh = _standardized_loglik(responses.item, responses.n_items, logp, ent, ent2)
    return InfitOutfit(params.item_ids.copy(), n.astype(int), infit, outfit, zi, zo, zh)


def _standardized_loglik(
    index: np.ndarray, n_groups: int, logp: np.ndarray, ent: np.ndarray, ent2: np.ndarray
) -> np.ndarray:
    """``(l0 - E l0) / sqrt(Var l0)`` summed by ``index`` (students: lz; items: Zh)."""
    l0 = np.bincount(index, logp, n_groups)
    mu = np.bincount(index, ent, n_groups)
    sig2 = np.bincount(index, ent2 - ent * ent, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sig2 > 0, (l0 - mu) / np.sqrt(sig2), np.nan)


@dataclass(frozen=True)
class PersonFit:
    """Person fit.

    Attributes
    ----------
    student_ids : ndarray of str, shape (N,)
    n : ndarray of int, shape (N,)
        Items answered.
    lz : ndarray, shape (N,)
        Standardized log-likelihood (mirt's Zh): large negative values flag
        aberrant response patterns.
    infit, outfit : ndarray, shape (N,)
    z_infit, z_outfit : ndarray, shape (N,)
    """

    student_ids: np.ndarray
    n: np.ndarray
    lz: np.ndarray
    infit: np.ndarray
    outfit: np.ndarray
    z_infit: np.ndarray
    z_outfit: np.ndarray


def person_fit(responses: ResponseMatrix, params: ItemParameters, theta: ArrayLike) -> PersonFit:
    """Person fit statistics at given ability estimates.

    ``lz = (l0 - E[l0]) / sqrt(Var[l0])`` with ``l0 = sum_j log P_j(x_ij)``,
    ``E[l0] = sum_j sum_k P_jk log P_jk`` and
    ``Var[l0] = sum_j (sum_k P_jk (log P_jk)^2 - (sum_k P_jk log P_jk)^2)``
    over the items the student answered.

    Parameters
    ----------
    responses : ResponseMatrix
    params : ItemParameters
        Aligned with ``responses``.
    theta : array_like, shape (N,)

    Returns
    -------
    PersonFit
    """
    check_aligned(responses, params)
    t = _check_theta(theta, responses.n_students)
    ex, var, c4, logp, ent, ent2 = _response_moments(responses, params, t)
    n_st = responses.n_students
    s = responses.student
    lz = _standardized_loglik(s, n_st, logp, ent, ent2)
    var = np.maximum(var, _TINY)
    n, infit, outfit, zi, zo = _mean_squares(s, n_st, (responses.score - ex) ** 2, var, c4)
    return PersonFit(responses.student_ids.copy(), n.astype(int), lz, infit, outfit, zi, zo)


# ------------------------------------------------------------------- M2
@dataclass(frozen=True)
class ModelFit:
    """Limited-information overall fit.

    Attributes
    ----------
    m2 : float
        M2 (dichotomous items) or its mean-based form for ordinal items.
    df : int
        Margins (J + J(J-1)/2) minus estimated parameters.
    p : float
    rmsea : float
    n : int
        Students.
    statistic : str
        ``M2`` when every item is dichotomous, ``M2 (means)`` otherwise.
    """

    m2: float
    df: int
    p: float
    rmsea: float
    n: int
    statistic: str = "M2"


def _parameter_jacobian(params: ItemParameters, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Derivatives of the expected item score ``E[x_j | theta_q]`` with respect
    to the free parameters (``P(x_j = 1)`` for 0/1 items).

    Returns
    -------
    d : ndarray, shape (Q, F)
        One column per free internal parameter of each item.
    owner : ndarray of int, shape (F,)
        The item of each column.
    slope : ndarray, shape (Q, J)
        Derivative with respect to a_j for the 1PL items (their common
        slope), 0 for the others.
    """
    cols, owner = [], []
    slope = np.zeros((len(nodes), params.n_items))
    for g in params.groups:
        cats = np.arange(g.n_categories, dtype=float)
        jac = np.einsum("qnkp,k->qnp", g.family.param_jacobian(nodes, g.eta, g.n_categories), cats)
        rows, ms = np.nonzero(g.free)
        cols.append(jac[:, rows, ms])
        owner.append(g.index[rows])
        slope[:, g.index] = jac[:, :, 0]
    slope *= (params.model == "1pl")[None, :]
    return np.column_stack(cols), np.concatenate(owner), slope


def _margin_covariance(
    mu: np.ndarray, mu2: np.ndarray, w: np.ndarray, iu: np.ndarray, ju: np.ndarray, chunk_cells: int
) -> np.ndarray:
    """``E[y_u y_v]`` for all pairs of margins ``y_u`` (item scores and their pairwise products).

    Margins are the J item scores then the products ``x_iu x_ju``.  Under
    local independence ``E[y_u y_v | theta]`` is a product over items of
    ``E[x_i | theta]`` (items in one margin) or ``E[x_i^2 | theta]`` (items
    in both): one matrix product for the disjoint pairs, and a correction for
    the few pairs sharing an item.  For 0/1 items ``E[x^2] = E[x] = P``.

    Parameters
    ----------
    mu, mu2 : ndarray, shape (Q, J)
        Conditional first and second moments of the item scores.
    w : ndarray, shape (Q,)
        Quadrature weights.
    iu, ju : ndarray of int, shape (J(J-1)/2,)
    chunk_cells : int

    Returns
    -------
    ndarray, shape (s, s)
    """
    import scipy.sparse as sp

    q, j = mu.shape
    s = j + len(iu)
    log1 = np.log(np.maximum(mu, _TINY)).T  # (J, Q)
    log2 = np.log(np.maximum(mu2, _TINY)).T
    first = np.concatenate([np.arange(j), iu])
    second = np.concatenate([np.full(j, -1), ju])
    has2 = second[:, None] >= 0
    logm = log1[first] + np.where(has2, log1[np.maximum(second, 0)], 0.0)  # (s, Q)
    m = np.exp(logm)
    joint = (m * w[None, :]) @ m.T
    rows = np.concatenate([np.arange(s), np.arange(j, s)])
    cols = np.concatenate([first, second[j:]])
    sets = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(s, j))
    shared = (sets @ sets.T).tocoo()
    u, v = shared.row, shared.col
    same = u == v
    us = u[same]
    sq = log2[first[us]] + np.where(has2[us], log2[np.maximum(second[us], 0)], 0.0)
    joint[us, us] = np.exp(sq) @ w
    u, v = u[~same], v[~same]
    common = np.where((first[u] == first[v]) | (first[u] == second[v]), first[u], second[u])
    block = max(1, chunk_cells // max(q, 1))
    for lo in range(0, len(u), block):  # memory blocks over the overlapping pairs
        uu, vv, cc = u[lo : lo + block], v[lo : lo + block], common[lo : lo + block]
        joint[uu, vv] = np.exp(logm[uu] + logm[vv] + log2[cc] - 2.0 * log1[cc]) @ w
    return joint


def _m2_quadratic(e: np.ndarray, xi: np.ndarray, delta: np.ndarray, method: str = "auto") -> float:
    """``e' C e`` with ``C`` the M2 weight matrix of residual margins ``e``."""
    s, f = delta.shape
    if method == "auto":
        if s > 500:
            try:
                return _m2_quadratic(e, xi, delta, "cholesky")
            except np.linalg.LinAlgError:
                pass  # Xi not numerically positive definite: the complement form copes
        method = "qr"
    if method == "qr":
        qmat, _ = np.linalg.qr(delta, mode="complete")
        dc = qmat[:, f:]
        v = dc.T @ e
        return float(v @ np.linalg.solve(dc.T @ xi @ dc, v))
    if method != "cholesky":
        raise ValueError(f"method should be 'auto', 'qr' or 'cholesky', got {method!r}")
    from scipy.linalg import cho_factor, cho_solve

    factor = cho_factor(xi)
    xe = cho_solve(factor, e)
    xd = cho_solve(factor, delta)
    t = delta.T @ xe
    return float(e @ xe - t @ np.linalg.solve(delta.T @ xd, t))


def m2(
    responses: ResponseMatrix,
    params: ItemParameters,
    *,
    latent_mean: float = 0.0,
    latent_sd: float = 1.0,
    n_nodes: int = 61,
    latent_sd_free: bool | None = None,
    chunk_cells: int = 4_000_000,
    method: str = "auto",
) -> ModelFit:
    """Maydeu-Olivares and Joe's M2 (and its mean-based form for ordinal items).

    With ``e`` the observed minus model-implied first and second order
    moments (``E[x_j]`` and ``E[x_j x_k]``: for 0/1 items the univariate
    and bivariate margins ``P(x_j = 1)`` and ``P(x_j = 1, x_k = 1)``),
    ``Xi`` their asymptotic covariance under the model and ``Delta`` their
    derivatives with respect to the free parameters, ``M2 = N e' C e`` with
    ``C = Dc (Dc' Xi Dc)^{-1} Dc'`` and ``Dc`` an orthogonal complement of
    ``Delta``; df = number of moments - number of free parameters.  With
    polytomous items this is Maydeu-Olivares' mean-based statistic for
    ordinal data (it needs J(J+1)/2 above the number of parameters).

    Parameters
    ----------
    responses : ResponseMatrix
        Complete data.
    params : ItemParameters
        Aligned with ``responses``.
    latent_mean, latent_sd : float
        The calibration's latent distribution.
    n_nodes : int
        Quadrature nodes on [-6, 6].
    latent_sd_free : bool, optional
        Count the latent sd as estimated; default: when every item is Rasch.
    chunk_cells : int
        Working-memory bound (array cells) for the covariance of the margins.
    method : {"auto", "qr", "cholesky"}
        ``qr``: an orthogonal complement of Delta (as mirt); ``cholesky``:
        the equivalent ``Xi^{-1} - Xi^{-1} D (D' Xi^{-1} D)^{-1} D' Xi^{-1}``
        form, cheaper for many margins; ``auto`` picks ``qr`` up to 500
        margins (and when the Cholesky factorization fails).

    Returns
    -------
    ModelFit
    """
    check_aligned(responses, params)
    x = _complete_table(responses, "M2").astype(float)
    n, j = x.shape
    if j < 2:
        raise ValueError("M2 needs at least 2 items")
    latent_free = _latent_parameter_count(params) == 1 if latent_sd_free is None else bool(latent_sd_free)
    nodes, log_w = normal_grid(n_nodes, (-6.0, 6.0), latent_mean, latent_sd)
    w = np.exp(log_w)
    probs = params.category_probabilities(nodes)  # (Q, J, K)
    cats = np.arange(probs.shape[-1], dtype=float)
    mu = probs @ cats  # (Q, J): E[x_j | theta], P(x_j = 1) for 0/1 items
    mu2 = probs @ (cats * cats)
    iu, ju = np.triu_indices(j, 1)
    obs = np.concatenate([x.mean(axis=0), ((x.T @ x) / n)[iu, ju]])
    pw = mu * w[:, None]
    model = np.concatenate([w @ mu, (pw.T @ mu)[iu, ju]])
    s = len(model)
    xi = _margin_covariance(mu, mu2, w, iu, ju, chunk_cells) - np.outer(model, model)
    d, owner, slope = _parameter_jacobian(params, nodes)
    g = pw.T @ d  # (J, F): sum_q w mu_l dmu_f
    delta_uni = np.where(owner[None, :] == np.arange(j)[:, None], (w @ d)[None, :], 0.0)
    delta_bi = g[ju] * (owner[None, :] == iu[:, None]) + g[iu] * (owner[None, :] == ju[:, None])
    delta = np.vstack([delta_uni, delta_bi])
    if np.any(params.model == "1pl"):  # one common slope moves every 1PL item
        bi = pw.T @ slope
        delta = np.column_stack([delta, np.concatenate([w @ slope, bi[ju, iu] + bi[iu, ju]])])
    if latent_free:  # latent sd: the prior weights move, the nodes stay
        z = (nodes - latent_mean) / latent_sd
        wd = w * (z * z - w @ (z * z)) / latent_sd
        delta = np.column_stack([delta, np.concatenate([wd @ mu, ((mu * wd[:, None]).T @ mu)[iu, ju]])])
    n_free = delta.shape[1]
    df = s - n_free
    if df <= 0:
        raise ValueError(f"M2 has no degrees of freedom ({s} moments, {n_free} free parameters)")
    stat = float(n * _m2_quadratic(obs - model, xi, delta, method))
    return ModelFit(
        m2=stat,
        df=int(df),
        p=float(chi2.sf(stat, df)),
        rmsea=float(rmsea(stat, df, n)),
        n=int(n),
        statistic="M2" if np.all(params.n_categories == 2) else "M2 (means)",
    )
